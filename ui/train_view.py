"""The Train page's view of a run: its progress line, its live chart and what it learns, each redrawn on its own."""

from __future__ import annotations

import time

import streamlit as st

from digitlab.learn.data import TEST_SIZE, VALIDATION_SIZE
from digitlab.learn.plots import history_rows, training_spec
from digitlab.learn.snapshots import Snapshot
from digitlab.learn.train import SNAPSHOT_INTERVAL
from digitlab.serve.jobs import active_run
from digitlab.serve.workspaces import shared_mode
from ui import jobs, keys, visitor, widgets
from ui.shown import as_text


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
    if status.unsaved:  # trained, and waiting for room on the disk
        st.warning(status.unsaved)
        st.button("Cancel", on_click=job.cancel, key=f"let-go-{job.id}")
    elif status.state == "running":  # pressed once, it says so and cannot be pressed again
        label = "Stopping..." if job.stop_requested else "Stop"
        st.button(label, on_click=job.stop, type="primary", key="stop", disabled=job.stop_requested)
    elif status.saved_name:
        stopped = " (stopped early)" if status.state == "stopped" else ""
        if status.state == "stopped" and status.by_teacher:
            stopped = " (your teacher stopped it early; what it had learned by then is kept)"
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


def show_run() -> None:
    """The visitor's latest run, or word of one running elsewhere: its code, progress, chart and learning."""
    job = jobs.visitor_job(keys.TRAIN_JOB)
    if (job is None or not job.active) and shared_mode() and (elsewhere := active_run(visitor.workspace())):
        st.info(
            f"Your run **{as_text(elsewhere.get('name', ''))}** is {elsewhere['state']}, started in another window or "
            "on another of the class's servers: it goes on, and its model is saved when it ends."
        )
    if job is None:
        return
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
