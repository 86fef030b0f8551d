"""The Train page's view of a run: its progress line, its live chart and what it learns, each redrawn on its own."""

from __future__ import annotations

import time

import streamlit as st

from digitlab import language
from digitlab.language import N_, _
from digitlab.learn.data import TEST_SIZE, VALIDATION_SIZE
from digitlab.learn.plots import history_rows, training_spec
from digitlab.learn.snapshots import Snapshot
from digitlab.learn.train import SNAPSHOT_INTERVAL
from digitlab.serve.jobs import active_run
from digitlab.serve.workspaces import shared_mode
from ui import jobs, keys, visitor, widgets
from ui.shown import as_text

# A run's state, as the progress line and the Train page say it (the state itself is a job's value, in English).
STATE_WORDS = {
    "queued": N_("queued"),
    "running": N_("running"),
    "done": N_("done"),
    "stopped": N_("stopped"),
    "failed": N_("failed"),
    "interrupted": N_("interrupted"),
    "cancelled": N_("cancelled"),
}


def state_words(state: str) -> str:
    return _(STATE_WORDS.get(state, state))


def progress_words(last, job, state: str) -> str:
    """The progress line in words: where the run is, how fast, and what it is doing now."""
    where = _("Epoch {epoch} of {epochs} · batch {step} of {steps}").format(
        epoch=language.number(last.epoch),
        epochs=language.number(job.config.epochs),
        step=language.number(last.step),
        steps=language.number(last.total_steps),
    )
    if state != "running":
        return _("{progress} · {state}").format(progress=where, state=state_words(state))
    if job.stop_requested:
        return _(
            "{progress} · stopping: it ends after this batch, then it is tested on the {count} test digits..."
        ).format(progress=where, count=language.number(TEST_SIZE))
    steps_per_epoch = last.total_steps // job.config.epochs
    speed = language.number(last.examples_per_second)
    if last.kind == "epoch" and last.step >= last.total_steps:
        doing = _("{progress} · {speed} digits a second · testing on the {count} test digits and saving the model...")
        return doing.format(progress=where, speed=speed, count=language.number(TEST_SIZE))
    if last.kind == "batch" and last.step % steps_per_epoch == 0 and job.config.validation:
        doing = _("{progress} · {speed} digits a second · checking on the {count} validation digits...")
        return doing.format(progress=where, speed=speed, count=language.number(VALIDATION_SIZE))
    if last.seconds_left is None:
        return _("{progress} · {speed} digits a second · measuring its speed...").format(progress=where, speed=speed)
    # the estimate less the time it took to get here and be drawn; tenths near the end: 1 s is 2x off
    left = last.seconds_left - (time.monotonic() - last.received if last.received else 0)
    seconds = language.number(max(left, 0.5), 0 if left >= 10 else 1)
    return _("{progress} · {speed} digits a second · about {seconds} s left").format(
        progress=where, speed=speed, seconds=seconds
    )


def show_progress(drawn_phase: str) -> None:
    """Redraw the run from the events that arrived; the job itself runs on a worker."""
    job = jobs.visitor_job(keys.TRAIN_JOB)
    status = jobs.job_board().status(job)
    events = status.events
    if events:
        st.progress(events[-1].step / events[-1].total_steps, text=progress_words(events[-1], job, status.state))
    elif status.state == "running":
        st.progress(
            0.0,
            text=_("Starting... {seconds} s: building the network, shuffling the digits.").format(
                seconds=language.number(status.waited)
            ),
        )
    if status.unsaved:  # trained, and waiting for room on the disk
        st.warning(status.unsaved)
        st.button(_("Cancel"), on_click=job.cancel, key=f"let-go-{job.id}")
    elif status.state == "running":  # pressed once, it says so and cannot be pressed again
        label = _("Stopping...") if job.stop_requested else _("Stop")
        st.button(label, on_click=job.stop, type="primary", key="stop", disabled=job.stop_requested)
    elif status.saved_name:
        if status.state == "stopped" and status.by_teacher:
            saved = _(
                "Saved as **{name}** (your teacher stopped it early; what it had learned by then is kept): "
                "test accuracy {accuracy} after {seconds} s. It is now selectable in the sidebar."
            )
        elif status.state == "stopped":
            saved = _(
                "Saved as **{name}** (stopped early): test accuracy {accuracy} after {seconds} s. "
                "It is now selectable in the sidebar."
            )
        else:
            saved = _(
                "Saved as **{name}**: test accuracy {accuracy} after {seconds} s. It is now selectable in the sidebar."
            )
        st.success(
            saved.format(
                name=status.saved_name,
                accuracy=language.percent(status.meta["test_accuracy"], 2),
                seconds=language.number(status.meta["train_seconds"]),
            )
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
            _(
                "Loss: how wrong the model's answers are (lower is better). Accuracy: the share of digits it "
                "gets right. The blue line is the training digits it learns from, smoothed over its last ~20 "
                "batches; the orange diamonds are {count} validation digits it never learns from, checked after "
                "each epoch. When orange falls clearly behind blue, the model is memorizing its training "
                "digits rather than learning digits in general (overfitting)."
            ).format(count=language.number(VALIDATION_SIZE))
        )


def show_learning() -> None:
    """What the model answers, its first-layer weights and its confusions, from the snapshots that arrived."""
    job = jobs.visitor_job(keys.TRAIN_JOB)
    snapshots = [Snapshot.from_message(e.snapshot) for e in list(job.events) if e.snapshot]
    if not snapshots:
        st.caption(_("The first snapshot of the model arrives within a few seconds of training."))
        return
    widgets.show_learning(snapshots, key="train-confusion-epoch")


def show_run() -> None:
    """The visitor's latest run, or word of one running elsewhere: its code, progress, chart and learning."""
    job = jobs.visitor_job(keys.TRAIN_JOB)
    if (job is None or not job.active) and shared_mode() and (elsewhere := active_run(visitor.workspace())):
        st.info(
            _(
                "Your run **{name}** is {state}, started in another window or on another of the class's servers: "
                "it goes on, and its model is saved when it ends."
            ).format(name=as_text(elsewhere.get("name", "")), state=state_words(elsewhere["state"]))
        )
    if job is None:
        return
    if job.config.network:
        st.subheader(_("Run: {name} (your own network)").format(name=job.name))
    else:
        st.subheader(_("Run: {name} ({architecture})").format(name=job.name, architecture=job.config.architecture))
    widgets.see_the_code(job.config, job.name, key="train-code")
    phase = jobs.job_phase(job)
    st.fragment(show_progress, run_every=1.0 if job.active else None)(phase)
    if phase != "queued":  # a queued run's page polls its place only; it is drawn again when the run starts
        running = phase == "running"
        first_point_pending = running and not job.events
        st.fragment(show_chart, run_every=(0.25 if first_point_pending else 1.0) if running else None)(
            first_point_pending
        )
        st.subheader(_("Watch it learn"))
        st.fragment(show_learning, run_every=SNAPSHOT_INTERVAL if running else None)()  # as often as they come
