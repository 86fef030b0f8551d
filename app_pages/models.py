"""Models: your saved models side by side, rename and delete; in a shared class, the leaderboard."""

import logging

import streamlit as st

from digitlab import classroom, store, workspaces
from digitlab.drawings import list_drawings
from digitlab.evaluate import compare
from digitlab.export import FORMATS
from digitlab.plots import line_spec
from digitlab.snapshots import SNAPSHOTS_FILE, load_snapshots
from digitlab.train import TrainConfig
from ui import caches, keys, visitor, widgets

log = logging.getLogger("app_pages.models")  # Streamlit runs a page as __main__

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

st.dataframe(
    [
        {
            "Name": e.name,
            "Network": e.meta.get("architecture", "?"),
            "Weights": e.meta.get("params"),
            "Epochs": e.meta.get("epochs_completed"),
            "Training time": e.meta.get("train_seconds"),
            "Right on the test digits": e.test_accuracy if e.ok else None,
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

st.subheader("Training curves")
CURVES = {
    "Right on validation digits": "val_accuracy",
    "Right on training digits": "accuracy",
    "Loss on validation digits": "val_loss",
    "Loss on training digits": "loss",
}
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
if rows:
    spec = line_spec(rows, "epoch", shown, "model")
    if metric.endswith("accuracy"):
        spec["encoding"]["y"]["axis"] = {"format": ".1%"}
    st.vega_lite_chart(spec, width="stretch")
else:
    st.caption("No recorded history for this metric.")

if not workspace.personal:
    st.subheader("Class leaderboard")
    board = workspaces.leaderboard()
    lesson = classroom.read_lesson()
    class_drawings = classroom.class_drawings()
    drawings = list_drawings(workspace)

    def owner_name(row: workspaces.BoardEntry) -> str:
        if row.owner is None:
            return "shipped"
        return "you" if row.owner.key == workspace.key else row.owner.alias

    st.dataframe(
        [
            {
                "Owner": owner_name(row),
                "Name": row.model.name,
                "Network": row.model.meta.get("architecture", "?"),
                "Right on the test digits": row.model.test_accuracy,
                "Right on your drawings": caches.score_on_drawings(row.model, drawings),
                "Right on the class's drawings": caches.score_on_drawings(row.model, class_drawings),
                "Training time": row.model.meta.get("train_seconds"),
                **({"Challenge": "✓ met" if lesson.met_by(row.model.meta) else ""} if lesson.has_challenge else {}),
            }
            for row in board
        ],
        column_config=widgets.MODEL_COLUMNS,
        hide_index=True,
        width="stretch",
    )
    labels = {f"{owner_name(row)}/{row.model.name}": row for row in board}
    pick = st.selectbox("Use a model from the leaderboard (read-only)", list(labels), key="borrow")
    if st.button("Make it my active model", key="use_borrowed"):
        row = labels[pick]
        mine = row.owner is None or row.owner.key == workspace.key
        if not mine:
            st.session_state[keys.BORROWED] = (pick, str(row.model.path))
        st.session_state[keys.PENDING_ACTIVE_MODEL] = row.model.name if mine else pick  # the sidebar applies it
        st.rerun()

st.subheader("Compare two models")
comparable = {e.name: e for e in sorted((e for e in entries if e.ok), key=lambda e: -e.test_accuracy)}  # best first
if len(comparable) < 2:
    st.caption("Train a second model to compare it with the first: which digits does each get right?")
else:
    left, right = st.columns(2)
    names = list(comparable)
    first_name = left.selectbox("First model", names, key="compare_first")
    second_name = right.selectbox("Second model", names, index=1, key="compare_second")
    if first_name == second_name:
        st.info("Pick two different models.")
    else:
        first, second = comparable[first_name], comparable[second_name]
        duel = compare(caches.evaluation_for(first), caches.evaluation_for(second))
        st.dataframe(
            [
                {
                    "Name": e.name,
                    "Network": e.meta.get("architecture", "?"),
                    "Weights": e.meta.get("params"),
                    "Training time": e.meta.get("train_seconds"),
                    "Right on the test digits": e.test_accuracy,
                    "Right where the other is wrong": len(only),
                }
                for e, only in ((first, duel.only_first), (second, duel.only_second))
            ],
            column_config=widgets.MODEL_COLUMNS,
            hide_index=True,
            width="stretch",
        )
        st.caption(
            f"Of the 10,000 test digits both read {duel.both_right:,} right and {duel.both_wrong} wrong. "
            f"{first.name} alone reads {len(duel.only_first)} right, {second.name} alone {len(duel.only_second)}."
        )
        data = caches.dataset()
        for column, winner, loser, only in (
            (left, first, second, duel.only_first),
            (right, second, first, duel.only_second),
        ):
            shown = only[:24]
            column.markdown(f"**Right for {winner.name}, wrong for {loser.name}**")
            if len(shown):
                loser_says = caches.evaluation_for(loser).predictions
                column.image(
                    [widgets.big_digit(data.x_test[i], 56) for i in shown],
                    caption=[f"✗ {loser_says[i]}" for i in shown],
                    width=56,
                    output_format="PNG",
                    alt=[f"A {data.y_test[i]} that {loser.name} read as {loser_says[i]}" for i in shown],
                )
            else:
                column.caption("None.")

st.subheader("How it learned")
replayable = {e.name: e for e in entries if e.ok and (e.path / SNAPSHOTS_FILE).is_file()}
if replayable:
    pick = st.selectbox("Model", list(replayable), key="replay_target")
    snapshots = load_snapshots(replayable[pick].path)
    moment = st.slider("Snapshot", 1, len(snapshots), len(snapshots), key=f"replay-{pick}")
    widgets.show_learning(snapshots[:moment], key=f"replay-epoch-{pick}")
else:
    st.caption("Models trained from now on keep snapshots of their training: replay them here.")

st.subheader("Take it with you")
usable = {e.name: e for e in entries if e.ok}
if usable:
    keep = st.selectbox("Model to download", list(usable), key="download_target")
    st.download_button(
        f"Download {keep}.zip",
        data=store.model_zip(usable[keep]),
        file_name=f"{keep}.zip",
        mime="application/zip",
        key="download",
    )
    st.caption(
        "The zip holds `model.keras` and `meta.json`. In Python: "
        "`keras.saving.load_model('model.keras', safe_mode=True)`; it takes 28x28 pixels in 0-255."
    )
    if "config" in usable[keep].meta:
        widgets.see_the_code(TrainConfig.from_record(usable[keep].meta["config"]), keep, key="models-code")
    other_formats = st.columns(3)
    for column, (format, label, file_name, mime) in zip(
        other_formats,
        [
            ("savedmodel", "TensorFlow SavedModel (zip)", f"{keep}-savedmodel.zip", "application/zip"),
            ("tflite", "TensorFlow Lite (for phones)", f"{keep}.tflite", "application/octet-stream"),
            ("onnx", "ONNX (for ONNX Runtime)", f"{keep}.onnx", "application/octet-stream"),
        ],
    ):
        column.download_button(
            label,
            data=lambda format=format: caches.exported(usable[keep], format),  # made when asked for
            file_name=file_name,
            mime=mime,
            key=f"download-{format}",
            help=FORMATS[format],
        )

st.subheader("Rename or delete")
editable = [e.name for e in entries if not e.builtin]  # only this workspace's own models
if not editable:
    st.caption("Only the shipped default model so far.")
    st.stop()
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
