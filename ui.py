"""What every page shares: cached data and models, the active-model picker, the canvas wrapper."""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import streamlit as st

from digitlab import store
from digitlab.cluster import connect
from digitlab.data import DataError, Dataset, SplitSummary, load_mnist, summarize
from digitlab.embedding import DigitMap, map_digits, penultimate_model
from digitlab.evaluate import Evaluation, evaluate_model
from digitlab.explain import diverging
from digitlab.jobs import Job, JobBoard, recorded_runs
from digitlab.plots import confusion_spec, image_grid, map_rows, tinted
from digitlab.predict import Predictor
from digitlab.snapshots import PANEL, Snapshot, epoch_confusions
from digitlab.styles import StyleSet, model_inputs, style_set
from digitlab.workspaces import (
    Workspace,
    WorkspaceError,
    from_identity,
    from_token,
    new_token,
    personal_workspace,
    shared_mode,
)


def keep_keras_state() -> None:
    """Stop Streamlit from calling `keras.backend.clear_session()` after every script run.

    Streamlit does that for apps that build models inside the script. Here models are loaded once
    and shared (`st.cache_resource`), and each clear costs ~180 ms of CPU (a full `gc.collect()`):
    with three Train pages polling once a second it took over a third of the server's CPU and the
    Draw page stopped loading (bench/served.py). Matplotlib figures are still closed as before.
    """
    import sys

    from streamlit.runtime.scriptrunner import script_runner

    def close_figures() -> None:
        if "matplotlib.pyplot" in sys.modules:
            sys.modules["matplotlib.pyplot"].close("all")

    script_runner._clean_problem_modules = close_figures


keep_keras_state()

CANVAS_SIZE = 280
PEN_WIDTH = 20  # px on the 280 canvas: a digit ~200 px tall gets MNIST's ~10-13% stroke


def data_dir() -> str:
    return os.environ.get("DIGITLAB_DATA_DIR", "")


def dataset() -> Dataset:
    """MNIST, or an error on the page (with how to fix it) and a stop."""
    try:
        return cached_mnist(data_dir())
    except DataError as error:
        st.error(f"MNIST could not be loaded. {error}")
        st.stop()


@st.cache_resource(show_spinner="Loading MNIST...")
def cached_mnist(directory: str) -> Dataset:
    """MNIST from `directory` (empty: the default); read-only arrays, safe to share between sessions."""
    return load_mnist(directory or None)


@st.cache_resource
def split_summary(split: str) -> SplitSummary:
    """Statistics of a split (every verified copy of MNIST is the same, so the folder is no key)."""
    return summarize(*cached_mnist(data_dir()).split(split))


@st.cache_resource(max_entries=8, show_spinner="Loading model...")
def cached_predictor(path: str, created: str) -> Predictor:
    """The loaded model in folder `path`; `created` in the key drops stale entries after a rename or retrain."""
    return Predictor(*store.load_entry(store.read_entry(Path(path))))


@st.cache_resource(max_entries=8, show_spinner="Scoring the 10,000 test digits...")
def cached_evaluation(path: str, created: str) -> Evaluation:
    data = cached_mnist(data_dir())  # no page calls inside a cached function: pages load it first
    return evaluate_model(cached_predictor(path, created).model, data.x_test, data.y_test)


@st.cache_resource(show_spinner="Drawing the style set...")
def cached_style_set() -> tuple[StyleSet, np.ndarray]:
    """The style set (50 digits per variant) and its preprocessed model inputs; the same for everyone."""
    styles = style_set()
    return styles, model_inputs(styles)


MAP_DIGITS = 5000  # test digits on the Map page


@st.cache_resource(max_entries=4, show_spinner="Placing 5,000 test digits on the map...")
def cached_map(path: str, created: str):
    """(penultimate-layer model, DigitMap, chart rows) for the model in folder `path`."""
    data = cached_mnist(data_dir())
    extractor = penultimate_model(cached_predictor(path, created).model)
    images, labels = data.x_test[:MAP_DIGITS], data.y_test[:MAP_DIGITS]
    digit_map = map_digits(extractor, images, labels)
    confidence = digit_map.probabilities.max(axis=1)
    return extractor, digit_map, map_rows(digit_map.points, labels, digit_map.predictions, confidence, images)


def workspace() -> Workspace:
    """This visitor's workspace: the one of a personal install; in shared mode, by sign-in or by token.

    Without sign-in, the token lives in the page's URL (`?ws=...`): a first visit gets a new one, a
    bookmark brings the workspace back. A malformed token stops the page with a message.
    """
    if not shared_mode():
        return personal_workspace()
    subject = signed_in_subject()
    if subject:
        return from_identity(subject)
    token = st.query_params.get("ws") or st.session_state.get("ws_token") or new_token()
    try:
        chosen = from_token(token)
    except WorkspaceError as error:
        st.error(f"{error} Open the app without `?ws=` to start a new workspace.")
        st.stop()
    st.session_state["ws_token"] = token
    if st.query_params.get("ws") != token:
        st.query_params["ws"] = token  # kept in the URL on every page, so any bookmark brings it back
    return chosen


def signed_in_subject() -> str | None:
    """The signed-in user's identity when the deployment configured Streamlit's authentication."""
    try:
        if st.user.is_logged_in:
            return st.user.get("sub") or st.user.get("email")
    except (AttributeError, KeyError, st.errors.StreamlitAPIException):
        pass
    return None


@st.cache_resource(show_spinner="Connecting to the training cluster...")
def cached_job_board(address: str) -> JobBoard:
    """One board per server: the embedded Dask cluster starts here, once, on first use."""
    return JobBoard(connect(address or None))


def job_board() -> JobBoard:
    """The server's job board, on `$DIGITLAB_SCHEDULER` if set, else on an embedded cluster."""
    return cached_job_board(os.environ.get("DIGITLAB_SCHEDULER", "").strip())


def visitor_job(kind: str) -> Job | None:
    """This visitor's latest job of `kind` ('train' or 'fine-tune'), if the board still knows it."""
    job_id = st.session_state.get(f"{kind}_job_id")
    return job_board().get(job_id) if job_id else None  # no job yet: do not start a cluster for nothing


def busy_job() -> Job | None:
    """This visitor's queued or running job, if any: one at a time per visitor."""
    jobs = (visitor_job("train"), visitor_job("fine-tune"))
    mine = next((job for job in jobs if job is not None and job.active), None)
    if mine is None and not workspace().personal:  # the workspace open in another tab or browser
        mine = next((job for board in list(JobBoard.boards) if (job := board.active_in(workspace().root))), None)
    return mine


def job_phase(job: Job) -> str:
    """queued, running or ended: what a page draws differently."""
    return job.state if job.active else "ended"


def show_job_state(job: Job, drawn_phase: str) -> None:
    """A queued job's place with Cancel; an ended job's outcome; a full rerun once the job has left
    `drawn_phase`, the phase the page was drawn for. (A running job is the page's to draw.)
    """
    status = job_board().status(job)
    if status.state == "queued":
        ahead = "next in line" if status.ahead == 0 else f"{status.ahead} run{'s' * (status.ahead > 1)} ahead of yours"
        st.info(f"Queued: {ahead}. It starts when a training slot is free.")
        st.button("Cancel", on_click=job.cancel, key=f"cancel-{job.id}")
    elif status.state == "failed" or status.state == "interrupted":
        st.error(status.error)
    elif status.state == "cancelled":
        st.info("Cancelled: it never ran, nothing was saved.")
    elif status.state in ("done", "stopped") and status.saved_name is None:
        st.warning("Stopped; the model was discarded as asked.")
    if job_phase(job) != drawn_phase:
        st.rerun()  # the whole page: its live charts start with the run, the sidebar lists the new model


def show_runs() -> None:
    """The runs recorded in this DigitLab home, newest first, interrupted ones included."""
    records = recorded_runs(workspace().root)
    if not records:
        st.caption("No runs yet.")
        return
    st.dataframe(
        [
            {
                "started": time.strftime("%Y-%m-%d %H:%M", time.localtime(r.get("created", 0))),
                "name": r.get("name"),
                "kind": r.get("kind"),
                "architecture": r.get("architecture"),
                "state": r.get("state"),
                "saved as": r.get("saved_name"),
                "test accuracy": r.get("test_accuracy"),
                "note": r.get("error") or "",
            }
            for r in records
        ],
        hide_index=True,
        width="stretch",
    )


def usable_models() -> list[store.SavedModel]:
    """This workspace's models that load, and the shipped default, best test accuracy first."""
    entries = store.list_models(True, workspace().root)
    return sorted((m for m in entries if m.ok), key=lambda m: -m.test_accuracy)


def model_choices() -> dict[str, store.SavedModel]:
    """What the sidebar offers: this workspace's models and the default, plus one borrowed from the leaderboard."""
    choices = {m.name: m for m in usable_models()}
    borrowed = st.session_state.get("borrowed")  # (label, folder) picked on the Models page
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
        st.sidebar.warning("No model yet: train one on the Train page.")
        return
    names = list(choices)
    if "pending_active_model" in st.session_state:  # chosen on a page, after this widget existed
        st.session_state["active_model"] = st.session_state.pop("pending_active_model")
    if st.session_state.get("active_model") not in names:
        st.session_state["active_model"] = names[0]
    st.sidebar.selectbox(
        "Active model",
        names,
        key="active_model",
        format_func=lambda n: f"{n} ({choices[n].test_accuracy:.2%})",
        help="Used by the Mistakes and Draw pages.",
    )


def active_model() -> store.SavedModel:
    """The model picked in the sidebar, or the best one; with none, the page says to train one and stops."""
    choices = model_choices()
    entry = choices.get(st.session_state.get("active_model")) or next(iter(choices.values()), None)
    if entry is None:
        st.info("Train a model first.")
        st.stop()
    return entry


def predictor_for(entry: store.SavedModel) -> Predictor:
    return cached_predictor(str(entry.path), entry.meta.get("created", ""))


def evaluation_for(entry: store.SavedModel) -> Evaluation:
    return cached_evaluation(str(entry.path), entry.meta.get("created", ""))


def map_for(entry: store.SavedModel) -> tuple[object, DigitMap, list[dict]]:
    dataset()  # shows the error and stops if MNIST is missing (no page calls inside a cached function)
    return cached_map(str(entry.path), entry.meta.get("created", ""))


def draw_canvas(key: str) -> np.ndarray | None:
    """The drawing canvas: returns its (280, 280, 4) RGBA pixels, or None before the first stroke.

    White ink on black, as MNIST. Tests patch this function (the component needs a browser).
    """
    from streamlit_drawable_canvas import st_canvas  # registers a browser component: import on use

    result = st_canvas(
        stroke_width=PEN_WIDTH,
        stroke_color="#FFFFFF",
        background_color="#000000",
        height=CANVAS_SIZE,
        width=CANVAS_SIZE,
        drawing_mode="freedraw",
        return_image_data=True,
        key=key,
    )
    return result.image_data


def big_digit(pixels: np.ndarray, size: int = 168) -> np.ndarray:
    """Enlarge a 28x28 image with square pixels, so the viewer sees what the model sees."""
    scale = max(1, size // pixels.shape[0])
    return np.clip(pixels, 0, 255).astype(np.uint8).repeat(scale, 0).repeat(scale, 1)


def show_learning(snapshots: list[Snapshot], key: str) -> None:
    """The last snapshot: the panel of 20 test digits with the model's answers (green right, red
    wrong) and its first-layer weights; beside them the validation confusion matrix of an epoch end,
    with a slider back through the epochs."""
    snapshot = snapshots[-1]
    images, labels = dataset().split("test")
    right = 0
    for row in (range(0, 20, 2), range(1, 20, 2)):  # the first digit of each class, then the hard ones
        indices, probabilities = [PANEL[i] for i in row], snapshot.panel[list(row)]
        answers = probabilities.argmax(axis=1)
        correct = answers == labels[indices]
        right += correct.sum()
        st.image(
            list(tinted(images[indices], correct).repeat(2, 1).repeat(2, 2)),
            caption=[f"{a} · {p:.0%}" for a, p in zip(answers, probabilities.max(axis=1))],
            width=56,
        )
    st.caption(
        f"After {snapshot.epoch:.2f} epochs: {right} of these 20 test digits right (top row: the first "
        "of each digit; bottom row: a hard one). Each caption: the model's answer and its confidence."
    )
    weights, confusions = st.columns(2)
    with weights:
        scale = 8 if snapshot.weights.shape[1] < 10 else 2
        columns = 5 if len(snapshot.weights) == 10 else 8  # softmax: its ten digits in two rows
        st.image(image_grid(diverging(snapshot.weights), columns=columns, scale=scale), output_format="PNG")
        st.caption("First-layer weights (red: positive, blue: negative), forming as it learns.")
    with confusions:
        show_confusions(snapshots, key)


def show_confusions(snapshots: list[Snapshot], key: str) -> None:
    """The validation confusion matrix at an epoch end, with a slider back through the epochs."""
    confusions = epoch_confusions(snapshots)
    if not confusions:
        st.caption("The confusion matrix appears at the end of the first epoch.")
        return
    index = len(confusions) - 1
    if len(confusions) > 1:
        index = st.slider("Epoch", 1, len(confusions), len(confusions), key=key) - 1
    epoch, confusion = confusions[index]
    st.vega_lite_chart({**confusion_spec(confusion), "width": 300, "height": 300})
    right = np.trace(confusion) / max(confusion.sum(), 1)
    st.caption(f"Validation confusion after epoch {epoch:.0f}, on {confusion.sum():,} digits: {right:.1%} right.")
