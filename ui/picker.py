"""The active model: what the sidebar offers, the picker itself, and the model a page works with."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from digitlab import language
from digitlab.language import _
from digitlab.serve import store
from ui import keys, visitor


def usable_models() -> list[store.SavedModel]:
    """This workspace's models that load, and the shipped default, best test accuracy first."""
    entries = store.list_models(visitor.workspace())
    return sorted((m for m in entries if m.ok), key=lambda m: -m.test_accuracy)


def model_choices() -> dict[str, store.SavedModel]:
    """What the sidebar offers: this workspace's models and the default, plus one borrowed from the leaderboard."""
    choices = {m.name: m for m in usable_models()}
    borrowed = st.session_state.get(keys.BORROWED)  # (label, folder) picked on the Models page
    if borrowed is not None:
        entry = store.read_entry(Path(borrowed[1]))
        if entry.ok:
            entry.name = borrowed[0]
            choices[borrowed[0]] = entry
    return choices


def model_picker() -> None:
    """The sidebar's choice of the active model (default: the best one)."""
    choices = model_choices()
    if not choices:
        st.sidebar.warning(_("No model yet: train one on the Train page."))
        return
    names = list(choices)
    if keys.PENDING_ACTIVE_MODEL in st.session_state:  # chosen on a page, after this widget existed
        st.session_state[keys.ACTIVE_MODEL] = st.session_state.pop(keys.PENDING_ACTIVE_MODEL)
    if st.session_state.get(keys.ACTIVE_MODEL) not in names:
        st.session_state[keys.ACTIVE_MODEL] = names[0]
    st.sidebar.selectbox(
        _("Active model"),
        names,
        key=keys.ACTIVE_MODEL,
        format_func=lambda n: f"{n} ({language.percent(choices[n].test_accuracy, 2)})",
        help=_("Used by the Mistakes and Draw pages."),
    )


def active_model() -> store.SavedModel:
    """The model picked in the sidebar, or the best one; with none, the page says to train one and stops."""
    choices = model_choices()
    entry = choices.get(st.session_state.get(keys.ACTIVE_MODEL)) or next(iter(choices.values()), None)
    if entry is None:
        st.info(_("Train a model first."))
        st.stop()
    return entry
