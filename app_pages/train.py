"""Train: pick an architecture and settings, train as a job on the cluster, watch it live."""

import logging
import time

import streamlit as st

from digitlab.classroom import check_submission, read_lesson
from digitlab.data import TEST_SIZE, VALIDATION_SIZE
from digitlab.jobs import active_run
from digitlab.models import ARCHITECTURES, DEFAULT_ARCHITECTURE
from digitlab.plots import history_rows, training_spec
from digitlab.snapshots import Snapshot
from digitlab.train import OPTIMIZERS, SNAPSHOT_INTERVAL, TrainConfig
from digitlab.workspaces import shared_mode
from ui import builder, caches, jobs, keys, lessons, visitor, widgets
from ui.words import SETTINGS_HELP

log = logging.getLogger("app_pages.train")  # Streamlit runs a page as __main__

st.title("Train")
st.write(
    "Pick an architecture; its tutorial settings fill in. Training runs as a job on the training "
    "cluster: visit other pages or close the tab, and it goes on and saves the model when it ends."
)

caches.dataset()  # or a message on the page if MNIST cannot be loaded
if shared_mode():  # the class's lesson, as the teacher set it
    lesson = read_lesson()
    if lesson.has_challenge:
        st.info(f"**The class's challenge**: {lesson.challenge()} {lesson.standing(visitor.workspace())}")
    if lesson.rules():
        st.caption(lesson.rules())

if keys.ARCHITECTURE not in st.session_state:  # the Build page may have set it: "Train this network"
    st.session_state[keys.ARCHITECTURE] = DEFAULT_ARCHITECTURE
choice = st.selectbox(
    "Architecture",
    [*ARCHITECTURES, builder.MY_NETWORK],
    key=keys.ARCHITECTURE,
    format_func=lambda n: (
        "Your own network, from the Build page" if n == builder.MY_NETWORK else f"{n}: {ARCHITECTURES[n].description}"
    ),
    help=SETTINGS_HELP["architecture"],
)
network = None
if choice == builder.MY_NETWORK:
    draft = builder.draft()
    arch, network = draft.base, draft.network()
    st.caption(f"The layers you built, with the training settings of {arch}.")
else:
    arch = choice
    st.caption(ARCHITECTURES[arch].plain)
st.page_link(
    "app_pages/build.py", label="Build your own network: add, remove and change layers", icon=":material/construction:"
)
form_key = arch if network is None else f"{builder.MY_NETWORK}-{arch}"  # the settings' widgets: one set each
with st.form("settings"):
    defaults = ARCHITECTURES[arch]  # the tutorial's settings
    a, b, c = st.columns(3)
    optimizer = a.selectbox(
        "Optimizer",
        list(OPTIMIZERS),
        index=list(OPTIMIZERS).index(defaults.optimizer),
        key=f"opt-{form_key}",
        help=SETTINGS_HELP["optimizer"],
    )
    learning_rate = b.number_input(
        "Learning rate",
        value=defaults.learning_rate,
        min_value=0.0,
        format="%g",
        key=f"lr-{form_key}",
        help=SETTINGS_HELP["learning_rate"],
    )
    batch_size = c.number_input(
        "Batch size",
        value=defaults.batch_size,
        min_value=1,
        step=1,
        key=f"bs-{form_key}",
        help=SETTINGS_HELP["batch_size"],
    )
    epochs = a.number_input(
        "Epochs",
        value=defaults.epochs,
        min_value=1,
        max_value=100,
        key=f"ep-{form_key}",
        help=SETTINGS_HELP["epochs"],
    )
    seed = b.number_input("Seed", value=0, min_value=0, step=1, help=SETTINGS_HELP["seed"])
    name = c.text_input(
        "Model name", value="my-network" if network else arch, key=f"name-{choice}", help=SETTINGS_HELP["name"]
    )  # follows the arch
    augment = a.checkbox("Vary the digits", help=SETTINGS_HELP["augment"])
    keep_on_stop = b.checkbox("Keep it if I stop", value=True, help=SETTINGS_HELP["keep"])
    limit = c.number_input(
        "Training images (0 = all 55,000)",
        value=0,
        min_value=0,
        step=1000,
        key="limit",
        help=SETTINGS_HELP["limit"],
    )
    start = st.form_submit_button("Train", type="primary")
lessons.explain_batches()

if start:
    config = TrainConfig.for_architecture(
        arch,
        optimizer=optimizer,
        learning_rate=float(learning_rate),
        batch_size=int(batch_size),
        epochs=int(epochs),
        seed=int(seed),
        augment=augment,
        train_limit=int(limit) or None,
        network=network,
    )
    try:
        config.validate()
        check_submission(config)  # also checked when the job is submitted
    except ValueError as error:  # WorkspaceError is one
        log.info("training settings refused: %s", error)
        st.error(str(error))
    else:
        workspace = visitor.workspace()
        jobs.start_job(
            keys.TRAIN_JOB, lambda board: board.submit_training(config, name or arch, workspace, keep_on_stop)
        )


def progress_words(last, job, state: str) -> str:
    """The progress line in words: where the run is, how fast, and what it is doing now."""
    where = f"Epoch {last.epoch} of {job.config.epochs} · batch {last.step:,} of {last.total_steps:,}"
    if state != "running":
        return f"{where} · {state}"
    if job.stop_requested:
        return f"{where} · stopping: it ends after this batch, then it is tested on the {TEST_SIZE:,} test digits..."
    steps_per_epoch = last.total_steps // job.config.epochs
    if last.kind == "epoch" and last.step >= last.total_steps:
        doing = f"testing on the {TEST_SIZE:,} test digits and saving the model..."
    elif last.kind == "batch" and last.step % steps_per_epoch == 0 and job.config.validation:
        doing = f"checking on the {VALIDATION_SIZE:,} validation digits..."
    elif last.seconds_left is None:
        doing = "measuring its speed..."
    else:  # the estimate less the time it took to get here and be drawn
        left = last.seconds_left - (time.monotonic() - last.received if last.received else 0)
        doing = f"about {max(left, 0.5):.{0 if left >= 10 else 1}f} s left"  # tenths near the end: 1 s is 2x off
    return f"{where} · {last.examples_per_second:,.0f} digits a second · {doing}"


def show_progress(drawn_phase: str) -> None:
    """Redraw the run from the events that arrived; the job itself runs on a worker."""
    job = jobs.visitor_job(keys.TRAIN_JOB)
    status = jobs.job_board().status(job)
    events = status.events
    if events:
        st.progress(events[-1].step / events[-1].total_steps, text=progress_words(events[-1], job, status.state))
    elif status.state == "running":
        st.progress(0.0, text=f"Starting... {status.waited:.0f} s: building the network, shuffling the digits.")
    if status.state == "running":  # pressed once, it says so and cannot be pressed again
        label = "Stopping..." if job.stop_requested else "Stop"
        st.button(label, on_click=job.stop, type="primary", key="stop", disabled=job.stop_requested)
    elif status.saved_name:
        stopped = " (stopped early)" if status.state == "stopped" else ""
        st.success(
            f"Saved as **{status.saved_name}**{stopped}: test accuracy {status.meta['test_accuracy']:.2%} "
            f"after {status.meta['train_seconds']:.0f} s. It is now selectable in the sidebar."
        )
    if job.active and job.stop_requested:  # drawn as stopping; its end is about a second away
        job.wait(jobs.STOP_WAIT)  # ended meanwhile: show_job_state redraws the page now, not at the next look
    jobs.show_job_state(job, drawn_phase)


def show_chart(waiting_for_the_first_point: bool) -> None:
    """Loss and accuracy so far, redrawn every second with the progress line (one Vega-Lite spec: ~3 ms).

    Until the first point arrives it looks four times a second; then the whole page runs once more,
    which draws it again at its usual pace.
    """
    job = jobs.visitor_job(keys.TRAIN_JOB)
    if job.events and waiting_for_the_first_point:
        st.rerun()
    if job.events:
        last = job.events[-1]
        with st.container(key="training-chart"):  # the key names it for the browser tests
            st.vega_lite_chart(training_spec(history_rows(list(job.events), last.total_steps / job.config.epochs)))
        st.caption(
            "Loss: how wrong the model's answers are (lower is better). Accuracy: the share of digits it "
            "gets right. The blue line is the training digits it learns from, smoothed over its last ~20 "
            "batches; the orange diamonds are 5,000 validation digits it never learns from, checked after "
            "each epoch. When orange falls clearly behind blue, the model is memorizing its training "
            "digits rather than learning digits in general (overfitting)."
        )


def show_learning() -> None:
    """What the model answers, its first-layer weights and its confusions, from the snapshots that arrived."""
    job = jobs.visitor_job(keys.TRAIN_JOB)
    snapshots = [Snapshot.from_message(e.snapshot) for e in list(job.events) if e.snapshot]
    if not snapshots:
        st.caption("The first snapshot of the model arrives within a few seconds of training.")
        return
    widgets.show_learning(snapshots, key="train-confusion-epoch")


job = jobs.visitor_job(keys.TRAIN_JOB)
if (job is None or not job.active) and shared_mode() and (elsewhere := active_run(visitor.workspace())):
    st.info(
        f"Your run **{elsewhere.get('name', '')}** is {elsewhere['state']}, started in another window or "
        "on another of the class's servers: it goes on, and its model is saved when it ends."
    )
if job is not None:
    st.subheader(f"Run: {job.name} ({'your own network' if job.config.network else job.config.architecture})")
    widgets.see_the_code(job.config, job.name, key="train-code")
    phase = jobs.job_phase(job)
    st.fragment(show_progress, run_every=1.0 if job.active else None)(phase)
    if phase != "queued":  # a queued run's page polls its place only; it is drawn again when the run starts
        running = phase == "running"
        first_point_pending = running and not job.events
        st.fragment(show_chart, run_every=(0.25 if first_point_pending else 1.0) if running else None)(
            first_point_pending
        )
        st.subheader("Watch it learn")
        st.fragment(show_learning, run_every=SNAPSHOT_INTERVAL if running else None)()  # as often as they come

with st.expander("Recent runs"):
    jobs.show_runs()
