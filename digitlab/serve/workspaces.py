"""Who owns what: a workspace is the folder that holds one visitor's models, drawings and runs.

A `Workspace` is the one value that travels through the core (store, drawings, runs, jobs) as
`workspace`: its folder, its quotas and its owner's key and alias. Nothing that writes falls back
to a default folder: the caller says which workspace.

Personal mode (the default): one workspace, the DigitLab home itself, everything in it editable.
Shared mode (`DIGITLAB_SHARED=1`): one workspace per visitor under `<home>/workspaces/<key>/`.
The key is a hash of the visitor's secret token (kept in the page's URL) or of a signed-in
identity, so a token never touches the disk and no token or key can name a path. A token is
signed by the store's own secret (`<home>/.token-key`, shared by every app server on the store):
a made-up one names no workspace. Anyone may read
across workspaces (the leaderboard); only the owner changes what is in one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from digitlab import language, settings
from digitlab.language import _
from digitlab.serve.last_minute import LastMinute

TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")  # 16 random characters, then 16 that sign them
SIGNED_PART = 16
KEY = re.compile(r"[0-9a-f]{32}")
MODEL_QUOTA = 20  # saved models per workspace in shared mode
DRAWING_QUOTA = 500  # saved drawings per workspace in shared mode
ADJECTIVES = ("amber", "brisk", "calm", "deft", "eager", "fond", "keen", "lucid", "merry", "noble", "quick", "sly")
ANIMALS = ("otter", "lynx", "heron", "panda", "koala", "finch", "gecko", "ibis", "marten", "newt", "orca", "wren")


class WorkspaceError(ValueError):
    """A token or key that cannot name a workspace, or a change the visitor may not make."""


@dataclass(frozen=True)
class Workspace:
    """One owner's folder. `alias` is what others see; the token itself is never shown or stored."""

    key: str
    root: Path  # holds models/, drawings/ and runs/
    alias: str
    personal: bool = False
    model_quota: int | None = None  # the most saved models it may hold (None: no limit)
    drawing_quota: int | None = None  # the most saved drawings
    byte_quota: int | None = None  # the most disk it may use, in bytes


def home() -> Path:
    """The DigitLab folder: `$DIGITLAB_HOME`, or ~/.digitlab."""
    return settings.current().home


def shared_mode() -> bool:
    return settings.current().shared


def personal_workspace(folder: Path | None = None) -> Workspace:
    """The single workspace of a personal install: `folder`, by default the DigitLab home itself."""
    return Workspace("personal", Path(folder) if folder else home(), "you", personal=True)


def new_token(address: str | None = None) -> str:
    """A fresh unguessable token (96 random bits, signed) for a visitor's first visit.

    In shared mode this server hands out at most `new_workspaces_per_minute()` a minute to one
    client address (`address`, None for one this server cannot tell): a WorkspaceError past it, so
    one source cannot spend a class's allowance (each token is a workspace a script could fill).
    """
    if shared_mode():
        with NEW_TOKENS.lock:
            if NEW_TOKENS.count(address) >= new_workspaces_per_minute():
                raise WorkspaceError(
                    _(
                        "Too many new workspaces were opened from your address in the last minute. Wait a minute "
                        "and reload, or open the address you bookmarked to come back to yours."
                    )
                )
            NEW_TOKENS.add(address)
    random_part = secrets.token_urlsafe(12)
    return random_part + signature(random_part)


NEW_TOKENS = LastMinute()  # per client address, when this server gave it new tokens


def signature(random_part: str) -> str:
    digest = hmac.new(token_key(), random_part.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode()[:SIGNED_PART]


def issued(token: str) -> bool:
    """Whether `token` was made by a server of this store (its signature holds)."""
    return hmac.compare_digest(token[SIGNED_PART:], signature(token[:SIGNED_PART]))


def token_key() -> bytes:
    """The store's secret that signs workspace tokens: `<home>/.token-key`, made by the first server
    that needs it (atomically, so two servers starting at once agree on one)."""
    path = home() / ".token-key"
    if path in TOKEN_KEYS:
        return TOKEN_KEYS[path]
    try:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            draft = path.with_name(f".token-key-{secrets.token_hex(8)}")
            draft.write_bytes(secrets.token_bytes(32))
            draft.chmod(0o600)
            try:
                os.link(draft, path)  # fails where another server made it first: theirs is kept
            except FileExistsError:
                pass
            finally:
                draft.unlink()
        key = path.read_bytes()
    except OSError as error:
        raise WorkspaceError(_("This server cannot keep its workspace key: its folder cannot be written.")) from error
    if len(key) < 32:
        raise WorkspaceError(
            _("The workspace key {path} is damaged: remove it (every workspace link changes).").format(path=path)
        )
    TOKEN_KEYS[path] = key
    return key


TOKEN_KEYS: dict[Path, bytes] = {}


def new_workspaces_per_minute() -> int:
    """`$DIGITLAB_NEW_WORKSPACES_PER_MINUTE`, default 60: a class arriving at once gets in."""
    return settings.current().new_workspaces_per_minute


def digits_per_run() -> int:
    """The most digits one run may look at in shared mode (epochs x training images):
    `$DIGITLAB_DIGITS_PER_RUN`, default 1,200,000 (20 epochs of all of MNIST, the long preset)."""
    return settings.current().digits_per_run


def network_limits() -> tuple[int, int, int]:
    """The largest network a run may train: (layers, parameters, multiply-adds per digit). In shared mode
    `$DIGITLAB_NETWORK_LAYERS` (default 16), `$DIGITLAB_NETWORK_PARAMETERS` (1,000,000) and
    `$DIGITLAB_NETWORK_MULTIPLY_ADDS` (20,000,000: five times the tutorial convnet); else network.py's."""
    from digitlab.learn.network import MAX_LAYERS, MAX_MULTIPLY_ADDS, MAX_PARAMETERS  # Keras: imported when needed

    limits = settings.current()
    if not limits.shared:
        return MAX_LAYERS, MAX_PARAMETERS, MAX_MULTIPLY_ADDS
    return (
        min(limits.network_layers, MAX_LAYERS),
        min(limits.network_parameters, MAX_PARAMETERS),
        min(limits.network_multiply_adds, MAX_MULTIPLY_ADDS),
    )


def check_run_size(epochs: int, images: int, network: dict | None = None) -> None:
    """Refuse, with a WorkspaceError or NetworkError that says why, a run larger than this server allows:
    in shared mode more than `digits_per_run()` digits; a `network` over `network_limits()`."""
    ceiling = digits_per_run()
    if shared_mode() and epochs * images > ceiling:
        raise WorkspaceError(
            _(
                "In a class one run may look at {ceiling} digits at most (epochs x training images); this one "
                "would look at {digits}. Use fewer epochs or fewer training images."
            ).format(ceiling=language.number(ceiling), digits=language.number(epochs * images))
        )
    if network is not None:
        check_network_size(network)


def check_network_size(network: dict) -> None:
    """Refuse a network over `network_limits()` (or one that cannot work) with a NetworkError that says why."""
    from digitlab.learn.network import check_size, describe

    check_size(describe(network), *network_limits(), where=_("In a class: ") if shared_mode() else "")


def workspaces_dir() -> Path:
    return home() / "workspaces"


def by_key(key: str) -> Workspace:
    """The shared workspace with folder name `key` (32 hex digits), whether or not it exists yet."""
    if not isinstance(key, str) or not KEY.fullmatch(key):
        raise WorkspaceError(_("{key} is not a workspace key (32 hex digits).").format(key=repr(key)))
    return Workspace(
        key,
        workspaces_dir() / key,
        alias_for(key),
        model_quota=MODEL_QUOTA,
        drawing_quota=DRAWING_QUOTA,
        byte_quota=settings.current().workspace_bytes,
    )


def from_token(token: str) -> Workspace:
    """The workspace a visitor's token names; raises WorkspaceError for a malformed token, or one no
    server of this store made (unless its workspace exists: a link from before tokens were signed)."""
    if not isinstance(token, str) or not TOKEN.fullmatch(token):
        raise WorkspaceError(
            _(
                "That workspace link is not valid: a workspace token is 32 letters, digits, - or _. "
                "Open the app without `?ws=` to start a new workspace."
            )
        )
    workspace = by_key(hashlib.sha256(f"token:{token}".encode()).hexdigest()[:32])
    if not issued(token) and not workspace.root.is_dir():
        raise WorkspaceError(
            _("That workspace link was not made by this server. Open the app without `?ws=` to start a new workspace.")
        )
    return workspace


def from_identity(subject: str) -> Workspace:
    """The workspace of a signed-in user (their identity provider's stable subject or e-mail)."""
    if not subject:
        raise WorkspaceError(_("A signed-in user needs an identity."))
    return by_key(hashlib.sha256(f"user:{subject}".encode()).hexdigest()[:32])


def alias_for(key: str) -> str:
    """A readable, stable name for a workspace, derived from its key (never from the token)."""
    n = int(key[:8], 16)
    return f"{ADJECTIVES[n % len(ADJECTIVES)]}-{ANIMALS[n // len(ADJECTIVES) % len(ANIMALS)]}-{key[8:12]}"


def all_workspaces() -> list[Workspace]:
    """Every workspace with something in it: the personal one, and in shared mode every visitor's."""
    if not shared_mode():
        return [personal_workspace()]
    folder = workspaces_dir()
    keys = sorted(p.name for p in folder.iterdir() if p.is_dir() and KEY.fullmatch(p.name)) if folder.is_dir() else []
    return [by_key(key) for key in keys]


def require_owner(viewer: Workspace, owner: Workspace | None) -> None:
    """Raise WorkspaceError unless `viewer` may change what `owner` holds (the default: no one)."""
    if owner is None:
        raise WorkspaceError(_("The shipped default model is read-only."))
    if owner.key != viewer.key:
        raise WorkspaceError(
            _("That model belongs to {owner}: you can use it, not change it.").format(owner=owner.alias)
        )
