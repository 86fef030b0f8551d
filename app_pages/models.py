"""Models: your saved models side by side, rename and delete; in a shared class, the leaderboard."""

import logging
import time

import streamlit as st

from digitlab import language
from digitlab.language import N_, _
from digitlab.learn.plots import line_spec
from digitlab.learn.snapshots import SNAPSHOTS_FILE, load_snapshots
from digitlab.serve import store
from digitlab.serve.workspaces import Workspace
from ui import visitor, widgets
from ui.models_sections import class_leaderboard, compare_two, model_columns, take_it_with_you

log = logging.getLogger("app_pages.models")  # Streamlit runs a page as __main__

FLASH_SECONDS = 30  # a rename's or delete's result stays in sight across the reruns that follow it (answers arriving)

CURVES = {  # the curve's name (the radio's option, shown in the page's language): its measure in the history
    N_("Right on validation digits"): "val_accuracy",
    N_("Right on training digits"): "accuracy",
    N_("Loss on validation digits"): "val_loss",
    N_("Loss on training digits"): "loss",
}


def every_model(entries: list[store.SavedModel]) -> None:
    """Every saved model: how it was trained and how well it does."""
    rows = [
        {
            "Name": e.name,
            "Right on the test digits": e.test_accuracy if e.ok else None,
            "Network": e.meta.get("architecture", "?"),
            "Weights": e.meta.get("params"),
            "Epochs": e.meta.get("epochs_completed"),
            "Training time": e.meta.get("train_seconds"),
            "Trained on": widgets.as_date(e.meta.get("created")),
            "Status": _("ready") if e.ok else _("broken: {error}").format(error=e.error),
        }
        for e in entries
    ]
    st.dataframe(rows, column_config=model_columns(), hide_index=True, width="stretch")
    st.caption(
        _(
            "Weights: the numbers the network learned. Right on the test digits: the share of MNIST's "
            "{count} test digits, never seen in training, that it reads right."
        ).format(count=language.number(10_000))
    )


def training_curves(entries: list[store.SavedModel]) -> None:
    """One measure, epoch by epoch, for every model that recorded it."""
    st.subheader(_("Training curves"))
    shown = st.radio(
        _("Curve"),
        list(CURVES),
        horizontal=True,
        format_func=lambda curve: _(curve),
        help=_(
            "Validation digits are {count} digits kept out of training; the loss says how wrong the answers are."
        ).format(count=language.number(5_000)),
    )
    metric = CURVES[shown]
    rows = [
        {"epoch": i + 1, "model": e.name, shown: value}
        for e in entries
        if e.ok
        for i, value in enumerate(e.meta.get("history", {}).get(metric, []))
    ]
    if not rows:
        st.caption(_("No recorded history for this metric."))
        return
    spec = line_spec(rows, "epoch", shown, "model")
    spec["encoding"]["x"]["title"] = _("epoch")  # the fields keep their names; the axes speak the page's language
    spec["encoding"]["y"]["title"] = _(shown)
    if metric.endswith("accuracy"):
        spec["encoding"]["y"]["axis"] = {"format": ".1%"}
    st.vega_lite_chart(spec, width="stretch")


def how_it_learned(entries: list[store.SavedModel]) -> None:
    """A model's training replayed from its snapshots, one moment at a time."""
    st.subheader(_("How it learned"))
    replayable = {e.name: e for e in entries if e.ok and (e.path / SNAPSHOTS_FILE).is_file()}
    if not replayable:
        st.caption(_("Models trained from now on keep snapshots of their training: replay them here."))
        return
    pick = st.selectbox(_("Model"), list(replayable), key="replay_target")
    snapshots = load_snapshots(replayable[pick].path)
    moment = st.slider(_("Snapshot"), 1, len(snapshots), len(snapshots), key=f"replay-{pick}")
    widgets.show_learning(snapshots[:moment], key=f"replay-epoch-{pick}")


def flash(message: str) -> None:
    st.session_state["models_flash"] = (message, time.monotonic())


def show_flash() -> None:
    message, at = st.session_state.get("models_flash", ("", 0.0))
    if message and time.monotonic() - at < FLASH_SECONDS:
        st.success(message)


def rename_or_delete(entries: list[store.SavedModel], workspace: Workspace) -> None:
    """This workspace's own models, renamed or deleted; the result is told after the rerun."""
    st.subheader(_("Rename or delete"))
    editable = [e.name for e in entries if not e.builtin]  # only this workspace's own models
    if not editable:
        st.caption(_("Only the shipped default model so far."))
        return
    name = st.selectbox(_("Model"), editable, key="rename_target")
    new_name = st.text_input(_("New name"), key="new_name")
    rename, delete = st.columns(2)
    if rename.button(_("Rename"), disabled=not new_name, key="rename"):
        try:
            renamed = store.rename_model(name, new_name, workspace)
            flash(_("Renamed {name} to {new_name}.").format(name=name, new_name=renamed))
            st.rerun()
        except store.StoreError as error:
            log.info("rename refused: %s", error, exc_info=True)
            st.error(str(error))
    confirm = delete.checkbox(_("Yes, delete {name}").format(name=name), key="confirm")
    if delete.button(_("Delete"), type="primary", disabled=not confirm, key="delete"):
        try:
            store.delete_model(name, workspace)
        except store.StoreError as error:
            log.info("delete refused: %s", error, exc_info=True)
            st.error(str(error))
        else:
            flash(_("Deleted {name}.").format(name=name))
            st.rerun()


st.title(_("Models"))
st.write(
    _(
        "Every saved model with how it was trained and how well it does. The shipped default "
        "model cannot be renamed or deleted."
    )
)
workspace = visitor.workspace()
if not workspace.personal:
    st.caption(
        _("Your workspace is **{alias}**. Its address (this page's URL) is its key: bookmark it to come back.").format(
            alias=workspace.alias
        )
    )
show_flash()
entries = store.list_models(workspace)
if not entries:
    st.info(_("Train a model first."))
    st.stop()

every_model(entries)
training_curves(entries)
if not workspace.personal:
    class_leaderboard(workspace)
compare_two(entries)
how_it_learned(entries)
take_it_with_you(entries)
rename_or_delete(entries, workspace)
