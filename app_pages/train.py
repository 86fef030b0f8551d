"""Train: pick an architecture and settings, train in the background, watch it live."""

import streamlit as st

import ui
from digitlab.jobs import TrainingJob
from digitlab.models import ARCHITECTURES
from digitlab.plots import history_rows, training_spec
from digitlab.train import OPTIMIZERS, TrainConfig, training_set

st.title("Train")
st.write(
    "Pick an architecture; its tutorial settings fill in. Training runs in the background: "
    "you can visit other pages and come back."
)

data = ui.dataset()
job = st.session_state.get("job")

arch = st.selectbox(
    "Architecture",
    list(ARCHITECTURES),
    key="architecture",
    format_func=lambda n: f"{n}: {ARCHITECTURES[n].description}",
)
with st.form("settings"):
    defaults = TrainConfig.for_architecture(arch)
    a, b, c = st.columns(3)
    optimizer = a.selectbox(
        "Optimizer", list(OPTIMIZERS), index=list(OPTIMIZERS).index(defaults.optimizer), key=f"opt-{arch}"
    )
    learning_rate = b.number_input(
        "Learning rate", value=defaults.learning_rate, min_value=0.0, format="%g", key=f"lr-{arch}"
    )
    batch_size = c.number_input("Batch size", value=defaults.batch_size, min_value=1, step=1, key=f"bs-{arch}")
    epochs = a.number_input("Epochs", value=defaults.epochs, min_value=1, max_value=100, step=1, key=f"ep-{arch}")
    seed = b.number_input("Seed", value=0, min_value=0, step=1)
    name = c.text_input("Model name", value=arch, key="name")
    augment = a.checkbox("Augment (shift, rotate, zoom, stroke width)")
    keep_on_stop = b.checkbox("Keep the model if I press Stop", value=True)
    limit = c.number_input("Training images (0 = all 55,000)", value=0, min_value=0, step=1000, key="limit")
    start = st.form_submit_button("Train", type="primary")

if start and job is not None and job.running:
    st.warning("A training run is already in progress: stop it or let it finish first.")
elif start:
    config = TrainConfig.for_architecture(
        arch,
        optimizer=optimizer,
        learning_rate=float(learning_rate),
        batch_size=int(batch_size),
        epochs=int(epochs),
        seed=int(seed),
        augment=augment,
        train_limit=int(limit) or None,
    )
    try:
        config.validate(len(training_set(config, data)[1]))
    except ValueError as error:
        st.error(str(error))
    else:
        job = st.session_state["job"] = TrainingJob(config, data, name or arch, keep_on_stop=keep_on_stop).start()


def show_progress() -> None:
    """Redraw the run from its progress buffer; the training thread never calls Streamlit."""
    job = st.session_state["job"]
    status = job.status()
    events = status.events
    steps_per_epoch = events[-1].total_steps / job.config.epochs if events else 1
    if events:
        last = events[-1]
        pace = f"{last.examples_per_second:,.0f} examples/s"
        when = f"{last.seconds_left:.0f} s left" if status.state == "running" else status.state
        st.progress(
            last.step / last.total_steps,
            text=f"Epoch {last.epoch}/{job.config.epochs} · step {last.step}/{last.total_steps} · {pace} · {when}",
        )
        st.vega_lite_chart(training_spec(history_rows(events, steps_per_epoch)))
    elif status.state == "running":
        st.progress(0.0, text="Starting...")
    if status.state == "running":
        st.button("Stop", on_click=job.stop, type="primary")
    elif status.state == "failed":
        st.error(status.error)
    elif status.saved_name:
        stopped = " (stopped early)" if status.state == "stopped" else ""
        st.success(
            f"Saved as **{status.saved_name}**{stopped}: test accuracy {status.result.test_accuracy:.2%} "
            f"after {status.result.seconds:.0f} s. It is now selectable in the sidebar."
        )
    else:
        st.warning("Stopped; the model was discarded as asked.")
    if status.state != "running" and st.session_state.get("job_was_running"):
        st.session_state["job_was_running"] = False
        st.rerun()  # the whole page, so the sidebar lists the new model
    st.session_state["job_was_running"] = status.state == "running"


if job is not None:
    st.subheader(f"Run: {job.name} ({job.config.architecture})")
    st.fragment(show_progress, run_every=1.0 if job.running else None)()
