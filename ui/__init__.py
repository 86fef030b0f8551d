"""What the pages share, one concern a module: `pages` (the page list), `keys` (session-state keys),
`caches` (data and models loaded once per server), `visitor` (whose workspace this is), `jobs` (the
app's view of training jobs), `picker` (the active model) and `widgets` (canvas and pictures)."""
