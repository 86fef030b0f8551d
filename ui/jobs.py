"""The app's view of training jobs: the server's job board, the visitor's job, starting one, its state."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime

import streamlit as st

from digitlab import language, settings
from digitlab.language import N_, _, ngettext
from digitlab.serve import store
from digitlab.serve.jobs import BOARDS, CONNECTING, Job, JobBoard, active_run, all_boards, board_at, recorded_runs
from ui import keys, visitor
from ui.shown import as_text

log = logging.getLogger(__name__)

# A run's state and kind as its record has them (runs.py), in words for a table.
STATES = {
    "queued": N_("queued"),
    "running": N_("running"),
    "done": N_("done"),
    "stopped": N_("stopped"),
    "failed": N_("failed"),
    "cancelled": N_("cancelled"),
    "interrupted": N_("interrupted"),
}
KINDS = {"train": N_("train"), "fine-tune": N_("fine-tune")}
# The table of runs: its keys stay as they are, each column headed in the page's language.
RUN_COLUMNS = (
    N_("started"),
    N_("name"),
    N_("kind"),
    N_("architecture"),
    N_("state"),
    N_("saved as"),
    N_("test accuracy"),
    N_("note"),
)


def scheduler_address() -> str:
    return settings.current().scheduler


def start_job_board_in_background() -> None:
    """Start the training cluster (and warm its workers) in a thread at the server's first page view,
    so that a press of Train finds it ready; the page does not wait for it."""
    address = scheduler_address()
    if address not in BOARDS and not CONNECTING.locked():
        threading.Thread(target=start_quietly, args=(address,), name="start-job-board", daemon=True).start()


def start_quietly(address: str) -> None:
    try:
        board_at(address)
    except Exception:  # noqa: BLE001 - the first press of Train tries again and says what is wrong
        log.warning("the training cluster did not start in the background", exc_info=True)


def job_board() -> JobBoard:
    """The server's job board, on `$DIGITLAB_SCHEDULER` if set, else on an embedded cluster."""
    address = scheduler_address()
    if address in BOARDS:
        return BOARDS[address]
    with st.spinner(_("Starting the training cluster...")):
        return board_at(address)


def answer_in_background(missing: list) -> None:
    """Have a worker read drawings with the models that have not yet (answers.py); the page never loads them."""
    try:
        job_board().answer_in_background(missing)
    except Exception:  # noqa: BLE001 - the table shows what is known; the next look hands them over again
        log.warning("the drawings could not be handed to a worker", exc_info=True)


def visitor_job(key: str) -> Job | None:
    """This visitor's latest job under session key `key` (keys.TRAIN_JOB or keys.TUNE_JOB), if the board knows it."""
    job_id = st.session_state.get(key)
    return job_board().get(job_id) if job_id else None  # no job yet: do not start a cluster for nothing


def busy_job() -> Job | None:
    """This visitor's queued or running job, if any: one at a time per visitor."""
    jobs = (visitor_job(keys.TRAIN_JOB), visitor_job(keys.TUNE_JOB))
    mine = next((job for job in jobs if job is not None and job.active), None)
    workspace = visitor.workspace()
    if mine is None and not workspace.personal:  # the workspace open in another tab or browser
        mine = next((job for board in all_boards() if (job := board.active_in(workspace))), None)
    return mine


def busy_job_sentence(job: Job) -> str:
    """The sidebar's line about the visitor's queued or running job."""
    if job.kind == "train":
        return (
            _("Your training is queued: see the Train page.")
            if job.state == "queued"
            else _("Your training is running: see the Train page.")
        )
    return (
        _("Your fine-tuning is queued: see the My drawings page.")
        if job.state == "queued"
        else _("Your fine-tuning is running: see the My drawings page.")
    )


def start_job(key: str, submit: Callable[[JobBoard], Job]) -> Job | None:
    """Start the visitor's job with `submit(board)` and remember it under session key `key`, unless
    the visitor already has one queued or running, or their workspace is full: then say so.

    The check and the submit hold the workspace's lock: two tabs pressing at once start one job.
    """
    workspace = visitor.workspace()
    board = job_board()
    try:
        with store.changing(workspace):
            busy = busy_job()
            if busy is not None:
                st.warning(still_busy(busy))
                return None
            elsewhere = None if workspace.personal else active_run(workspace)  # from another app server
            if elsewhere is not None:
                st.warning(busy_elsewhere(as_text(elsewhere.get("name", "")), elsewhere["state"]))
                return None
            if store.is_full(workspace):
                st.error(
                    ngettext(
                        "Your workspace holds {count} model, its limit: delete one on the Models page first.",
                        "Your workspace holds {count} models, its limit: delete one on the Models page first.",
                        workspace.model_quota,
                    ).format(count=language.number(workspace.model_quota))
                )
                return None
            job = submit(board)
    except (store.StoreError, ValueError) as error:  # the disk refuses, or the run is not allowed (lesson, size)
        log.info("job not started: %s", error, exc_info=True)
        st.error(str(error))
        return None
    st.session_state[key] = job.id
    return job


def still_busy(job: Job) -> str:
    """Why a second run does not start: the visitor's run of this kind is queued or running."""
    if job.kind == "train":
        if job.state == "queued":
            return _("Your train run is still queued: stop or cancel it, or let it finish first.")
        return _("Your train run is still running: stop or cancel it, or let it finish first.")
    if job.state == "queued":
        return _("Your fine-tune run is still queued: stop or cancel it, or let it finish first.")
    return _("Your fine-tune run is still running: stop or cancel it, or let it finish first.")


def busy_elsewhere(name: str, state: str) -> str:
    """Why a run does not start: the workspace's run `name`, started in another window, is queued or running."""
    if state == "queued":
        return _(
            "Your run {name} is still queued, started in another window: one run at a time per workspace, "
            "so let it finish first."
        ).format(name=name)
    return _(
        "Your run {name} is still running, started in another window: one run at a time per workspace, "
        "so let it finish first."
    ).format(name=name)


STOP_WAIT = 0.8  # seconds a look at a stopped run waits for its end (a page looks every second)


def job_phase(job: Job) -> str:
    """queued, running or ended: what a page draws differently."""
    return job.state if job.active else "ended"


def show_job_state(job: Job, drawn_phase: str) -> None:
    """A queued job's place with Cancel; an ended job's outcome; a full rerun once the job has left
    `drawn_phase`, the phase the page was drawn for. (A running job is the page's to draw.)
    """
    status = job_board().status(job)
    if status.state == "queued" and (status.ahead or status.others_running):
        place = (
            _("Queued: next in line.")
            if status.ahead == 0
            else ngettext(
                "Queued: {count} run ahead of yours.", "Queued: {count} runs ahead of yours.", status.ahead
            ).format(count=language.number(status.ahead))
        )
        words = [place, _("Someone else's run is using the trainer; yours starts when it is free.")]
        if status.starts_in:
            minutes = max(1, round(status.starts_in / 60))
            words.append(_("Yours should start in about {minutes} min.").format(minutes=language.number(minutes)))
        st.info(" ".join(words))
        st.button(_("Cancel"), on_click=job.cancel, key=f"cancel-{job.id}")
    elif status.state == "queued":
        seconds = language.number(round(status.waited))
        st.info(_("Starting... {seconds} s (a trainer is getting ready).").format(seconds=seconds))
        st.button(_("Cancel"), on_click=job.cancel, key=f"cancel-{job.id}")
    elif status.state == "failed" or status.state == "interrupted":
        st.error(_(status.error) if status.error else status.error)  # made in English where the job ran
    elif status.state == "cancelled":
        if status.by_teacher:
            st.info(_("Your teacher cancelled it: it never ran, nothing was saved."))
        else:
            st.info(_("Cancelled: it never ran, nothing was saved."))
    elif status.state in ("done", "stopped") and status.saved_name is None:
        st.warning(_("Stopped; the model was discarded as asked."))
    if job_phase(job) != drawn_phase:
        st.rerun()  # the whole page: its live charts start with the run, the sidebar lists the new model


def show_runs() -> None:
    """The runs recorded in this workspace, newest first, interrupted ones included."""
    records = recorded_runs(visitor.workspace())
    if not records:
        st.caption(_("No runs yet."))
        return
    st.dataframe(
        [
            {
                "started": language.when(datetime.fromtimestamp(r.get("created", 0))),  # as the language writes it
                "name": r.get("name"),
                "kind": _(KINDS[r["kind"]]) if r.get("kind") in KINDS else r.get("kind"),
                "architecture": r.get("architecture"),
                "state": _(STATES[r["state"]]) if r.get("state") in STATES else r.get("state"),
                "saved as": r.get("saved_name"),
                "test accuracy": r.get("test_accuracy"),
                "note": _(r["error"]) if r.get("error") else "",  # made in English where the run ran
            }
            for r in records
        ],
        column_config={column: _(column) for column in RUN_COLUMNS},
        hide_index=True,
        width="stretch",
    )


def submitter():
    """A function that runs a function on the training cluster (a future back), or None before it is up."""
    board = BOARDS.get(scheduler_address())
    if board is None:
        start_job_board_in_background()
        return None
    return lambda function, *args: board.client.submit(function, *args, pure=False)
