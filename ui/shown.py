"""A name someone typed, shown as the letters it is: never as a link, an image or formatting."""

from __future__ import annotations

import re

MARKDOWN_SIGNS = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~:$&=\"'])")  # every sign Markdown, HTML or LaTeX could read
SHORT = 40  # characters of a name shown in a line; the whole name is in its tooltip


def short(name: object, limit: int = SHORT) -> str:
    """`name` on one line (its white space one space), cut to `limit` characters with an ellipsis:
    for a table cell, which shows text as text."""
    text = " ".join(str(name).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def as_text(name: object, limit: int = SHORT) -> str:
    """`name` for st.markdown (and every widget label or message that renders Markdown): `short`,
    every sign escaped."""
    return MARKDOWN_SIGNS.sub(r"\\\1", short(name, limit))


def in_full(name: object) -> str:
    """The whole name, for a tooltip (which renders Markdown too)."""
    return as_text(name, limit=500)
