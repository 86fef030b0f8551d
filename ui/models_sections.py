"""The Models page's longer sections: the class leaderboard, two models compared, the downloads."""

from __future__ import annotations

import streamlit as st

from digitlab import language
from digitlab.language import N_, _
from digitlab.learn.evaluate import compare
from digitlab.learn.export import FORMATS
from digitlab.learn.train import TrainConfig
from digitlab.serve import answers, browser_copies, class_set, classroom, store
from digitlab.serve.drawings import list_drawings
from digitlab.serve.workspaces import Workspace
from ui import caches, jobs, keys, widgets

ANSWERS_LOOK = 3  # seconds between looks at the answers a worker writes
# The columns of the tables of models that widgets.MODEL_COLUMNS does not format: their keys stay English
# (the rows, the tests), their headers are these in the page's language (model_columns).
OTHER_HEADERS = (
    N_("Right where the other is wrong"),
    N_("Owner"),
    N_("Network"),
    N_("Epochs"),
    N_("Status"),
    N_("Challenge"),
)


def model_columns() -> dict:
    """The column_config of a table of models: every column headed in the page's language, formatted as
    widgets.model_columns() says."""
    return {**{header: _(header) for header in OTHER_HEADERS}, **widgets.model_columns()}


def owner_name(row: classroom.BoardEntry, workspace: Workspace) -> str:
    if row.owner is None:
        return _("shipped")
    return _("you") if row.owner.key == workspace.key else row.owner.alias


def leaderboard_table(board: list[classroom.BoardEntry], workspace: Workspace) -> bool:
    """The leaderboard's table, its drawings columns from the answers kept on disk (answers.py); the
    missing ones handed to a worker. True while some are missing."""
    lesson = classroom.read_lesson()
    entries = [row.model for row in board]
    on_yours, missing = answers.scores(entries, list_drawings(workspace))
    on_the_class, missing_too = answers.scores(entries, class_set.class_drawings())
    if missing or missing_too:
        jobs.answer_in_background(missing + missing_too)
        st.caption(_("Reading the drawings with every model, on the training workers: the drawings columns fill in."))
    rows = [
        {
            "Name": row.model.name,
            "Right on the test digits": row.model.test_accuracy,
            "Right on your drawings": on_yours[row.model.path],
            "Right on the class's drawings": on_the_class[row.model.path],
            "Owner": owner_name(row, workspace),
            "Network": row.model.meta.get("architecture", "?"),
            "Training time": row.model.meta.get("train_seconds"),
            **({"Challenge": _("✓ met") if lesson.met_by(row.model.meta) else ""} if lesson.has_challenge else {}),
        }
        for row in board
    ]
    st.dataframe(rows, column_config=model_columns(), hide_index=True, width="stretch")
    return bool(missing or missing_too)


def unanswered(workspace: Workspace) -> list[answers.Unanswered]:
    entries = [row.model for row in classroom.leaderboard()]
    yours, theirs = list_drawings(workspace), class_set.class_drawings()
    return answers.scores(entries, yours)[1] + answers.scores(entries, theirs)[1]


@st.fragment(run_every=ANSWERS_LOOK)
def wait_for_the_answers(workspace: Workspace) -> None:
    """Looks every few seconds while a worker reads the drawings; once it has, the whole page again."""
    if not unanswered(workspace):
        st.rerun()


def class_leaderboard(workspace: Workspace) -> None:
    """Every model of the class, best first, scored on the drawings too; one can be borrowed."""
    st.subheader(_("Class leaderboard"))
    board = classroom.leaderboard()
    if leaderboard_table(board, workspace):
        wait_for_the_answers(workspace)
    labels = {f"{owner_name(row, workspace)}/{row.model.name}": row for row in board}
    pick = st.selectbox(_("Use a model from the leaderboard (read-only)"), list(labels), key="borrow")
    if st.button(_("Make it my active model"), key="use_borrowed"):
        row = labels[pick]
        mine = row.owner is None or row.owner.key == workspace.key
        if not mine:
            st.session_state[keys.BORROWED] = (pick, str(row.model.path))
        st.session_state[keys.PENDING_ACTIVE_MODEL] = row.model.name if mine else pick  # the sidebar applies it
        st.rerun()


def compare_two(entries: list[store.SavedModel]) -> None:
    """Two models side by side, and the test digits each reads right where the other does not."""
    st.subheader(_("Compare two models"))
    comparable = {e.name: e for e in sorted((e for e in entries if e.ok), key=lambda e: -e.test_accuracy)}  # best first
    if len(comparable) < 2:
        st.caption(_("Train a second model to compare it with the first: which digits does each get right?"))
        return
    left, right = st.columns(2)
    names = list(comparable)
    first_name = left.selectbox(_("First model"), names, key="compare_first")
    second_name = right.selectbox(_("Second model"), names, index=1, key="compare_second")
    if first_name == second_name:
        st.info(_("Pick two different models."))
        return
    first, second = comparable[first_name], comparable[second_name]
    duel = compare(caches.evaluation_for(first), caches.evaluation_for(second))
    rows = [
        {
            "Name": e.name,
            "Right on the test digits": e.test_accuracy,
            "Right where the other is wrong": len(only),
            "Network": e.meta.get("architecture", "?"),
            "Weights": e.meta.get("params"),
            "Training time": e.meta.get("train_seconds"),
        }
        for e, only in ((first, duel.only_first), (second, duel.only_second))
    ]
    st.dataframe(rows, column_config=model_columns(), hide_index=True, width="stretch")
    st.caption(
        _(
            "Of the {total} test digits both read {both_right} right and {both_wrong} wrong. "
            "{first} alone reads {first_right} right, {second} alone {second_right}."
        ).format(
            total=language.number(10_000),
            both_right=language.number(duel.both_right),
            both_wrong=language.number(duel.both_wrong),
            first=first.name,
            first_right=language.number(len(duel.only_first)),
            second=second.name,
            second_right=language.number(len(duel.only_second)),
        )
    )
    data = caches.dataset()
    below = st.columns(2)  # under the summary they belong to (the pickers' columns are above it)
    for column, winner, loser, only in (
        (below[0], first, second, duel.only_first),
        (below[1], second, first, duel.only_second),
    ):
        shown = only[:24]
        column.markdown(_("**Right for {winner}, wrong for {loser}**").format(winner=winner.name, loser=loser.name))
        if len(shown):
            loser_says = caches.evaluation_for(loser).predictions
            column.image(
                [widgets.big_digit(data.x_test[i], 56) for i in shown],
                caption=[f"✗ {loser_says[i]}" for i in shown],
                width=56,
                output_format="PNG",
                alt=[
                    _("A {digit} that {model} read as {read}").format(
                        digit=data.y_test[i], model=loser.name, read=loser_says[i]
                    )
                    for i in shown
                ],
            )
            column.caption(_("Under each digit: ✗ and what {model} read it as.").format(model=loser.name))
        else:
            column.caption(_("None."))


def take_it_with_you(entries: list[store.SavedModel]) -> None:
    """A usable model to download: as Keras' zip, with the code that trains it, or in another format."""
    st.subheader(_("Take it with you"))
    usable = {e.name: e for e in entries if e.ok}
    if not usable:
        return
    keep = st.selectbox(_("Model to download"), list(usable), key="download_target")
    st.download_button(
        _("Download {name}.zip").format(name=keep),
        data=store.model_zip(usable[keep]),
        file_name=f"{keep}.zip",
        mime="application/zip",
        key="download",
    )
    st.caption(
        _(
            "The zip holds `model.keras` and `meta.json`. In Python: "
            "`keras.saving.load_model('model.keras', safe_mode=True)`; it takes 28x28 pixels in 0-255."
        )
    )
    if "config" in usable[keep].meta:
        widgets.see_the_code(TrainConfig.of_saved_model(usable[keep].meta), keep, key="models-code")
    other_formats = st.columns(3)
    no_onnx = browser_copies.onnx_refusal(usable[keep])  # known from its browser copy, where one was tried
    for column, (format, label, file_name, mime) in zip(
        other_formats,
        [
            ("savedmodel", _("TensorFlow SavedModel (zip)"), f"{keep}-savedmodel.zip", "application/zip"),
            ("tflite", _("TensorFlow Lite (for phones)"), f"{keep}.tflite", "application/octet-stream"),
            ("onnx", _("ONNX (for ONNX Runtime)"), f"{keep}.onnx", "application/octet-stream"),
        ],
    ):
        column.download_button(
            label,
            data=lambda format=format: caches.exported(usable[keep], format),  # made when asked for
            file_name=file_name,
            mime=mime,
            key=f"download-{format}",
            help=_(no_onnx) if format == "onnx" and no_onnx else _(FORMATS[format]),
            disabled=format == "onnx" and bool(no_onnx),
        )
    if no_onnx:
        st.caption(_("No ONNX file for this model: {why}").format(why=_(no_onnx)))
