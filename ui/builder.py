"""The Build page's pieces: the draft network kept per visitor, each layer's settings as widgets, the table."""

from __future__ import annotations

import streamlit as st

from digitlab import language
from digitlab.language import _, ngettext
from digitlab.learn.architectures import DEFAULT_ARCHITECTURE
from digitlab.learn.builder import Draft
from digitlab.learn.layers import SETTING_SPECS, Column
from digitlab.learn.network import LayerRow
from ui import keys
from ui.words import LAYER_SETTINGS_HELP

# Each setting's widget: (label, kind, bounds), read from its SettingSpec in digitlab/learn/layers.py. Kinds: a
# whole number between two bounds, a choice, a share, a yes/no. The bounds are those describe checks, so a
# learner cannot type a value it refuses. The label and help are English messages (N_): shown as _(text); a
# choice's options (same, valid, relu...) are the names Keras knows, shown as they are.
SETTING_WIDGETS = Column(SETTING_SPECS, "widget")
SETTING_WIDTH = 130  # px: two settings side by side on a 360-px phone, in its layer's box


def draft() -> Draft:
    """The visitor's network on the builder; the default preset until they start from another."""
    if keys.DRAFT not in st.session_state:
        st.session_state[keys.DRAFT] = Draft.from_preset(DEFAULT_ARCHITECTURE)
    return st.session_state[keys.DRAFT]


def layer_settings(uid: int, settings: dict) -> dict:
    """Widgets for one layer's settings, filled with them; returns the settings as the widgets now say."""
    changed = {}
    names = [n for n in settings if n != "type"]
    row = st.container(horizontal=True)  # side by side, as many as the screen holds (two on a phone)
    for name in names:
        column = row.container(width=SETTING_WIDTH)
        label, kind, options = SETTING_WIDGETS[name]
        label, key, help_ = _(label), f"layer-{uid}-{name}", _(LAYER_SETTINGS_HELP[name])
        value = settings[name]
        if kind == "whole":
            changed[name] = int(column.number_input(label, *options, value=int(value), step=1, key=key, help=help_))
        elif kind == "choice":
            changed[name] = column.selectbox(label, options, index=options.index(value), key=key, help=help_)
        elif kind == "share":
            changed[name] = float(column.slider(label, *options, value=float(value), key=key, help=help_))
        else:
            changed[name] = column.checkbox(label, value=bool(value), key=key, help=help_)
    if not names:
        st.caption(_("Nothing to set: it always does the same."))
    return changed


def shape_words(shape: tuple[int, ...]) -> str:
    if len(shape) == 3:
        return ngettext("{count} map of {height}x{width}", "{count} maps of {height}x{width}", shape[2]).format(
            count=language.number(shape[2]), height=shape[0], width=shape[1]
        )
    if len(shape) == 2:
        return _("a {height}x{width} picture").format(height=shape[0], width=shape[1])
    return ngettext("{count} number", "{count} numbers", shape[0]).format(count=language.number(shape[0]))


def table_rows(rows: list[LayerRow]) -> list[dict]:
    """The builder's table in words: each layer, what it makes of one digit, what it learns and works.

    The column names are shown (translated): the Build page's column_config names them the same way."""
    return [
        {
            _("Layer"): row.name,
            _("What it does"): row.what,
            _("What comes out for one digit"): shape_words(row.shape),
            _("Numbers it learns"): row.parameters,
            _("Multiply-adds per digit"): row.multiply_adds,
        }
        for row in rows
    ]
