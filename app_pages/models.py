"""Models: your saved models side by side, rename and delete; in a shared class, the leaderboard."""

import logging

import streamlit as st

from digitlab.learn.plots import line_spec
from digitlab.learn.snapshots import SNAPSHOTS_FILE, load_snapshots
from digitlab.serve import store
from digitlab.serve.workspaces import Workspace
from ui import visitor, widgets
from ui.models_sections import class_leaderboard, compare_two, take_it_with_you

log = logging.getLogger("app_pages.models")  # Streamlit runs a page as __main__

CURVES = {
    "Right on validation digits": "val_accuracy",
    "Right on training digits": "accuracy",
    "Loss on validation digits": "val_loss",
    "Loss on training digits": "loss",
}


def every_model(entries: list[store.SavedModel]) -> None:
    """Every saved model: how it was trained and how well it does."""
    st.dataframe(
        [
            {
                "Name": e.name,
                "Right on the test digits": e.test_accuracy if e.ok else None,
                "Network": e.meta.get("architecture", "?"),
                "Weights": e.meta.get("params"),
                "Epochs": e.meta.get("epochs_completed"),
                "Training time": e.meta.get("train_seconds"),
                "Trained on": widgets.as_date(e.meta.get("created")),
                "Status": "ready" if e.ok else f"broken: {e.error}",
            }
            for e in entries
        ],
        column_config=widgets.MODEL_COLUMNS,
        hide_index=True,
        width="stretch",
    )
    st.caption(
        "Weights: the numbers the network learned. Right on the test digits: the share of MNIST's "
        "10,000 test digits, never seen in training, that it reads right."
    )


def training_curves(entries: list[store.SavedModel]) -> None:
    """One measure, epoch by epoch, for every model that recorded it."""
    st.subheader("Training curves")
    shown = st.radio(
        "Curve",
        list(CURVES),
        horizontal=True,
        help="Validation digits are 5,000 digits kept out of training; the loss says how wrong the answers are.",
    )
    metric = CURVES[shown]
    rows = [
        {"epoch": i + 1, "model": e.name, shown: value}
        for e in entries
        if e.ok
        for i, value in enumerate(e.meta.get("history", {}).get(metric, []))
    ]
    if not rows:
        st.caption("No recorded history for this metric.")
        return
    spec = line_spec(rows, "epoch", shown, "model")
    if metric.endswith("accuracy"):
        spec["encoding"]["y"]["axis"] = {"format": ".1%"}
    st.vega_lite_chart(spec, width="stretch")


def how_it_learned(entries: list[store.SavedModel]) -> None:
    """A model's training replayed from its snapshots, one moment at a time."""
    st.subheader("How it learned")
    replayable = {e.name: e for e in entries if e.ok and (e.path / SNAPSHOTS_FILE).is_file()}
    if not replayable:
        st.caption("Models trained from now on keep snapshots of their training: replay them here.")
        return
    pick = st.selectbox("Model", list(replayable), key="replay_target")
    snapshots = load_snapshots(replayable[pick].path)
    moment = st.slider("Snapshot", 1, len(snapshots), len(snapshots), key=f"replay-{pick}")
    widgets.show_learning(snapshots[:moment], key=f"replay-epoch-{pick}")


def rename_or_delete(entries: list[store.SavedModel], workspace: Workspace) -> None:
    """This workspace's own models, renamed or deleted; the result is told after the rerun."""
    st.subheader("Rename or delete")
    editable = [e.name for e in entries if not e.builtin]  # only this workspace's own models
    if not editable:
        st.caption("Only the shipped default model so far.")
        return
    name = st.selectbox("Model", editable, key="rename_target")
    new_name = st.text_input("New name", key="new_name")
    rename, delete = st.columns(2)
    if rename.button("Rename", disabled=not new_name, key="rename"):
        try:
            st.session_state["models_flash"] = f"Renamed {name} to {store.rename_model(name, new_name, workspace)}."
            st.rerun()
        except store.StoreError as error:
            log.info("rename refused: %s", error, exc_info=True)
            st.error(str(error))
    confirm = delete.checkbox(f"Yes, delete {name}", key="confirm")
    if delete.button("Delete", type="primary", disabled=not confirm, key="delete"):
        try:
            store.delete_model(name, workspace)
        except store.StoreError as error:
            log.info("delete refused: %s", error, exc_info=True)
            st.error(str(error))
        else:
            st.session_state["models_flash"] = f"Deleted {name}."
            st.rerun()


st.title("Models")
st.write(
    "Every saved model with how it was trained and how well it does. The shipped default "
    "model cannot be renamed or deleted."
)
workspace = visitor.workspace()
if not workspace.personal:
    st.caption(
        f"Your workspace is **{workspace.alias}**. Its address (this page's URL) is its key: bookmark it to come back."
    )
if "models_flash" in st.session_state:
    st.success(st.session_state.pop("models_flash"))
entries = store.list_models(workspace)
if not entries:
    st.info("Train a model first.")
    st.stop()

every_model(entries)
training_curves(entries)
if not workspace.personal:
    class_leaderboard(workspace)
compare_two(entries)
how_it_learned(entries)
take_it_with_you(entries)
rename_or_delete(entries, workspace)
