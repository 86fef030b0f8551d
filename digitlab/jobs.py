"""Training and fine-tuning as jobs on the Dask cluster: submit, stream progress, stop, cancel, save.

Two halves. On a worker, `run_training` and `run_fine_tune` do the work through the same
`train_model` and `fine_tune` as the command line; they report through a `distributed.Queue`
named after the job, stop when its `distributed.Event` is set, and return the model as the bytes
of a `.keras` file (a job never needs a disk shared with the app). In the app, one `JobBoard`
per server submits jobs, follows each in a small thread that drains its events and saves the
result atomically into the store, knows each job's place in the queue, and records every run.

A job takes one unit of the cluster's `training` resource (cluster.SLOT): Dask runs as many at
once as there are slots and holds the rest in its queue.
"""

from __future__ import annotations

import functools
import itertools
import logging
import threading
import time
import uuid
import weakref
from concurrent.futures import CancelledError
from dataclasses import asdict, dataclass, field

import numpy as np
from distributed import Event, Queue, get_worker
from distributed.scheduler import KilledWorker

from digitlab import classroom, runs, store
from digitlab.cluster import SLOT, warm_up_quietly
from digitlab.data import Dataset, load_mnist
from digitlab.finetune import fine_tune
from digitlab.train import (
    EPOCH_END_GUESS,
    READY,
    ProgressEvent,
    TrainConfig,
    TrainingDiverged,
    give_back,
    train_model,
)
from digitlab.workspaces import Workspace, all_workspaces

log = logging.getLogger(__name__)

SEND_INTERVAL = 0.5  # seconds between a worker's sends of its progress events (a page redraws every second)
FOLLOW_INTERVAL = 0.5  # seconds between the app's looks at a running job's events (sent every SEND_INTERVAL)
FIRST_FOLLOW_INTERVAL = 0.1  # ... until its first progress event: the page is waiting for it
QUEUED_FOLLOW_INTERVAL = 1.0  # seconds between its looks at a queued job's: has it started?
ASK_INTERVAL = 1.0  # seconds between its looks at the run's record: has a teacher on any server asked a stop?
READY_AGAIN_AFTER = 3.0  # seconds after a run that took the worker's ready model before it makes the next
GUESSED_RATE = 6000.0  # digits a second a trainer goes through, until a running job says
FINE_TUNE_GUESS = 30.0  # seconds a fine-tuning takes, roughly
KEPT_ENDED_JOBS = 200  # ended jobs a board remembers (their runs stay on disk)
INTERRUPTED = "Interrupted: the worker running it stopped mid-run. No model was saved."


class JobInterrupted(RuntimeError):
    """The job was started before and its worker died: it is not run a second time."""


@dataclass
class Finished:
    """What a job sends back: the model file (None if discarded), its metadata, files to keep beside it."""

    model_file: bytes | None
    meta: dict
    stopped: bool = False
    extras: dict[str, bytes] = field(default_factory=dict)  # snapshots and TensorBoard logs, by relative path


# --- The worker's half -------------------------------------------------------------------------


@functools.cache
def worker_mnist() -> Dataset:
    """MNIST from the worker's own copy of the project, read and verified once per worker process."""
    return load_mnist()


class WorkerSide:
    """A job's end on the worker: events out through its queue, stop requests in through its event.

    Both talk to the scheduler, a round trip of a few milliseconds each; a courier thread makes them,
    so the training thread, which calls `report` and `is_set` between batches, never waits on one.
    The courier waits on the stop event (the scheduler answers at once when it is set) between sends.
    """

    def __init__(self, job_id: str):
        self.key = job_id
        self.worker = this_worker()  # here, in the task's thread: the courier's own thread cannot ask
        self.events = Queue(events_name(job_id))
        self.stop_event = Event(stop_name(job_id))
        self.stopped, self.closing = threading.Event(), threading.Event()
        self.lock = threading.Lock()
        self.unsent: list[dict] = []
        self.reported = False
        self.failure: Exception | None = None  # what stopped the courier talking to the scheduler
        self.courier = threading.Thread(target=self.carry, name=f"courier-{job_id}", daemon=True)

    def start(self) -> None:
        """Say the job runs; refuse to run it again if a dead worker started it before (Dask retries)."""
        started = Event(started_name(self.key))
        if started.is_set():
            raise JobInterrupted(INTERRUPTED)
        started.set()
        self.events.put([{"kind": "started"}])
        self.courier.start()

    def report(self, event: ProgressEvent) -> None:
        """Collect the event; the courier sends what was collected every SEND_INTERVAL. The first
        goes at once (one round trip of a few ms): a learner is waiting for the curve to start."""
        with self.lock:
            self.unsent.append(asdict(event))
            first, self.reported = not self.reported, True
        if first:
            self.send()

    def is_set(self) -> bool:
        """True once a stop was asked for, or the app no longer wants the result (Dask released the task)."""
        return self.stopped.is_set()

    def carry(self) -> None:
        """Wait up to SEND_INTERVAL for a stop, send the events, again until closed.

        If the scheduler cannot be reached, the run stops and `close` raises why.
        """
        try:
            while not self.closing.is_set():
                if self.stopped.is_set():
                    self.closing.wait(SEND_INTERVAL)
                elif self.stop_event.wait(SEND_INTERVAL) or not task_still_wanted(self.worker, self.key):
                    self.stopped.set()
                self.send()
        except Exception as error:  # noqa: BLE001 - handed to the training thread through close()
            log.warning("job %s lost the scheduler; stopping it", self.key, exc_info=True)
            self.failure = error
            self.stopped.set()

    def send(self) -> None:
        with self.lock:
            batch, self.unsent = self.unsent, []
        if batch:
            self.events.put(batch)

    def close(self) -> None:
        """Stop the courier, then send what is left and say so: the last events arrive before the result."""
        self.closing.set()
        if self.courier.is_alive():
            self.courier.join()
        if self.failure is not None:
            raise self.failure
        with self.lock:
            self.unsent.append({"kind": "ended"})
        self.send()
        self.events.close()


def this_worker():
    """The Dask worker running the calling task, or None outside one.

    `get_worker()` reads a context variable of the task's own thread: a thread the task starts
    does not inherit it (there it raises ValueError), so call this in the task's thread.
    """
    try:
        return get_worker()
    except ValueError:
        return None


def task_still_wanted(worker, key: str) -> bool:
    """False once the scheduler has cancelled task `key` on `worker` (its future cancelled, its client gone)."""
    if worker is None:  # not on a worker: nothing to ask
        return True
    task = worker.state.tasks.get(key)
    return task is not None and task.state in ("executing", "long-running")


def run_training(job_id: str, config: TrainConfig, keep_on_stop: bool) -> Finished:
    """On a worker: train `config` on MNIST, reporting as it goes; return the model unless discarded."""
    side = WorkerSide(job_id)
    try:
        side.start()
        result = train_model(config, worker_mnist(), listener=side.report, stop=side)
        keep = keep_on_stop or not result.stopped
        model_file = store.model_to_bytes(result.model) if keep else None
        record = store.model_record(result.model, result.metadata())
        give_back(result.ready)  # its result is out: the next run of the default takes it again
        return Finished(model_file, record, result.stopped, result.extras() if keep else {})
    finally:
        side.close()
        if not READY:  # this run took it: a new one once the result has gone (it takes ~2 s of CPU)
            again = threading.Timer(READY_AGAIN_AFTER, warm_up_quietly)
            again.daemon = True  # a worker that is shutting down does not wait for it
            again.start()


def run_fine_tune(job_id: str, model_file: bytes, x: np.ndarray, y: np.ndarray, epochs: int) -> Finished:
    """On a worker: fine-tune the model in `model_file` on drawings `x`, `y`; return it with before/after scores."""
    side = WorkerSide(job_id)
    try:
        side.start()
        result = fine_tune(store.model_from_bytes(model_file), x, y, worker_mnist(), epochs=epochs, stop=side)
        scores = {
            "test_before": result.test_before,
            "test_accuracy": result.test_after,
            "drawings_before": result.drawings_before,
            "drawings_accuracy": result.drawings_after,
        }
        return Finished(store.model_to_bytes(result.model), store.model_record(result.model, scores))
    finally:
        side.close()


def events_name(job_id: str) -> str:
    return f"{job_id}-events"


def stop_name(job_id: str) -> str:
    return f"{job_id}-stop"


def started_name(job_id: str) -> str:
    return f"{job_id}-started"


# --- The app's half ----------------------------------------------------------------------------


def recorded_runs(workspace: Workspace) -> list[dict]:
    """The runs recorded in `workspace`, newest first; one no board of this process follows is interrupted."""
    live = set().union(*(board.live_ids() for board in list(JobBoard.boards)))
    return runs.list_runs(workspace, live=live)


def active_run(workspace: Workspace) -> dict | None:
    """A queued or running run of `workspace` that a server still follows: this one, or another app
    server on the same store (its heartbeat is recent)."""
    return next((r for r in recorded_runs(workspace) if r.get("state") in runs.ACTIVE), None)


@dataclass
class ClassRun:
    """A queued or running run of any workspace, as the store tells it: the same on every app server."""

    workspace: Workspace
    record: dict  # its run record (runs.py): id, kind, name, architecture, state, server
    job: Job | None = None  # this server's job, where this server follows it
    board: JobBoard | None = None  # ... and its board

    def status(self) -> JobStatus | None:
        """The job's status in detail (its epoch, its place in the queue), where this server follows it."""
        return self.board.status(self.job) if self.board and self.job else None

    def ask(self, what: str) -> bool:
        """Stop or cancel it (runs.ASKS); this server does it at once, another at its next look."""
        if self.job is not None:
            (self.job.cancel if what == "cancel" else self.job.stop)()
        return runs.ask(self.workspace, self.record["id"], what)


def class_runs() -> list[ClassRun]:
    """Every workspace's queued or running runs, oldest first, whichever app server follows them."""
    followed = {job.id: (job, board) for board in list(JobBoard.boards) for job in list(board.jobs.values())}
    found = [
        ClassRun(workspace, record, *followed.get(record["id"], ()))
        for workspace in all_workspaces()
        for record in recorded_runs(workspace)
        if record.get("state") in runs.ACTIVE
    ]
    return sorted(found, key=lambda run: run.record.get("created", 0))


@dataclass
class JobStatus:
    """What a page needs to draw a job at one moment."""

    state: str  # queued, running, done, stopped, failed, cancelled, interrupted
    events: list[ProgressEvent]
    ahead: int  # jobs queued before this one on this server (0 once it runs)
    saved_name: str | None
    error: str | None
    meta: dict | None  # the saved model's record: test accuracy, seconds, scores
    others_running: bool = False  # queued behind another of this server's runs, not only waiting for a worker
    waited: float = 0.0  # seconds since it was submitted
    starts_in: float | None = None  # a queued job's estimated wait in seconds, behind the runs before it


@dataclass(eq=False)
class Job:
    """One submitted job, followed by a thread of the app that drains its events and saves its model."""

    id: str
    kind: str  # train or fine-tune
    name: str  # the name its model is saved under (or name-2, ...)
    workspace: Workspace  # where its model and run record go; saving past its quota fails the job
    future: object  # a distributed.Future
    config: TrainConfig | None = None
    base_meta: dict = field(default_factory=dict)  # fine-tuning: the tuned model's record before scores
    state: str = "queued"
    events: list[ProgressEvent] = field(default_factory=list)
    saved_name: str | None = None
    error: str | None = None
    meta: dict | None = None
    cancel_requested: bool = False
    stop_requested: bool = False
    ended: bool = False  # the worker sent its last events
    submitted: float = field(default_factory=time.monotonic)

    def __post_init__(self):
        self.queue = Queue(events_name(self.id), client=self.future.client)
        self.stop_event = Event(stop_name(self.id), client=self.future.client)
        self.thread = threading.Thread(target=self.follow, name=f"follow-{self.id}", daemon=True)

    @property
    def architecture(self) -> str:
        return self.config.architecture if self.config else self.base_meta.get("architecture", "")

    @property
    def active(self) -> bool:
        return self.state in runs.ACTIVE

    def stop(self) -> None:
        """End the run after the current batch; its model is kept or discarded as submitted."""
        self.stop_requested = True
        self.stop_event.set()

    def cancel(self) -> None:
        """Take a queued job out of the queue (a job that has just started is stopped and discarded)."""
        self.cancel_requested = True
        self.stop_event.set()
        self.future.cancel()

    def wait(self, timeout: float | None = None) -> JobStatus:
        self.thread.join(timeout)
        return self.status()

    def status(self) -> JobStatus:
        waited = time.monotonic() - self.submitted
        return JobStatus(self.state, list(self.events), 0, self.saved_name, self.error, self.meta, waited=waited)

    def record(self, **fields) -> None:
        """Write the run's record; where the disk refuses, log it: the job itself goes on and ends."""
        try:
            runs.record_run(self.workspace, self.id, **fields)
        except store.StoreError:
            log.warning("job %s: its record could not be written (%s)", self.id, fields.get("state"), exc_info=True)

    def follow_interval(self) -> float:
        if self.state != "running":
            return QUEUED_FOLLOW_INTERVAL
        return FOLLOW_INTERVAL if self.events else FIRST_FOLLOW_INTERVAL

    def follow(self) -> None:
        """Drain events until the job ends, then save its model and record how it ended."""
        try:
            self.drain()
            beat = looked = time.monotonic()
            while not (self.ended or self.future.done()):
                time.sleep(self.follow_interval())
                self.drain()
                if time.monotonic() - beat > runs.HEARTBEAT:  # other servers on this store see it live
                    self.record()
                    beat = time.monotonic()
                if time.monotonic() - looked > ASK_INTERVAL:
                    self.do_what_was_asked()
                    looked = time.monotonic()
            self.drain()  # the last events, if the result came first
            self.finish(self.future.result())
        except CancelledError:
            if self.cancel_requested:
                self.end("cancelled")
            else:  # the scheduler dropped it: the cluster went away
                log.warning("job %s was dropped by the scheduler", self.id)
                self.end("interrupted", INTERRUPTED)
        except (JobInterrupted, KilledWorker):
            log.warning("job %s: its worker died mid-run", self.id, exc_info=True)
            self.end("interrupted", INTERRUPTED)
        except (ValueError, TrainingDiverged, store.StoreError) as error:
            log.info("job %s failed: %s", self.id, error, exc_info=True)
            self.end("failed", str(error))
        except Exception as error:  # noqa: BLE001 - whatever happened must reach the page, not vanish with the thread
            log.exception("job %s failed unexpectedly", self.id)
            self.end("failed", f"The job failed: {type(error).__name__}: {error}")
        finally:
            self.release()

    def do_what_was_asked(self) -> None:
        """Stop or cancel the job if its record asks it (runs.ask: a teacher, on this server or another)."""
        what = runs.asked(self.workspace, self.id)
        if what == "cancel" and not self.cancel_requested:
            log.info("job %s: cancelled as asked", self.id)
            self.cancel()
        elif what == "stop" and not self.stop_requested:
            log.info("job %s: stopped as asked", self.id)
            self.stop()

    def drain(self) -> None:
        """Take what the worker sent. (No blocking get: the scheduler logs every one that times out.)"""
        for batch in self.queue.get(batch=True):
            for item in batch:
                if item["kind"] == "started":
                    self.state = "running"
                    self.record(state="running", started=time.time())
                elif item["kind"] == "ended":
                    self.ended = True
                else:
                    self.events.append(ProgressEvent(**{**item, "received": time.monotonic()}))

    def finish(self, finished: Finished) -> None:
        if self.cancel_requested:  # it started just before the cancel: stopped, and not kept
            self.end("cancelled")
            return
        if finished.model_file is not None:
            self.meta = {**self.base_meta, **finished.meta}
            try:
                self.saved_name = store.save_model_file(
                    finished.model_file, self.name, self.meta, self.workspace, finished.extras
                )
            except store.StoreError as error:
                raise store.StoreError(f"{error} The trained model could not be kept: it is lost.") from error
        self.end("stopped" if finished.stopped else "done")

    def end(self, state: str, error: str | None = None) -> None:
        self.error = error
        accuracy = (self.meta or {}).get("test_accuracy")
        self.record(state=state, error=error, saved_name=self.saved_name, test_accuracy=accuracy)
        self.state = state  # last: a reader seeing the end state finds the model saved and the run recorded

    def release(self) -> None:
        """Free the job's queue, events and result on the scheduler."""
        started = Event(started_name(self.id), client=self.future.client)
        for release in (self.queue.close, self.stop_event.clear, started.clear, self.future.release):
            try:
                release()
            except Exception:  # noqa: BLE001 - the scheduler may be gone; nothing is left to free then
                log.debug("job %s: could not free %s", self.id, release, exc_info=True)


def estimated_wait(running: list[Job], queued_before: list[Job]) -> float:
    """Seconds until a queued job starts: what the running jobs have left, then the jobs queued
    before it, shared among as many trainers as are busy now (a rough guess, said as one)."""
    rates = [j.events[-1].examples_per_second for j in running if j.events]
    rate = max(rates, default=GUESSED_RATE)

    def left(job: Job) -> float:
        if job.events and job.events[-1].seconds_left is not None:
            return job.events[-1].seconds_left
        if job.config is None:  # a fine-tuning: a few epochs on a few thousand digits
            return FINE_TUNE_GUESS
        return job.config.epochs * (job.config.example_count() / rate + EPOCH_END_GUESS)

    return sum(map(left, running + queued_before)) / max(1, len(running))


class JobBoard:
    """The jobs this server has submitted, in order: submit, find, and say how many wait ahead."""

    boards: weakref.WeakSet[JobBoard] = weakref.WeakSet()  # every board of this process

    def __init__(self, client):
        self.client = client
        self.jobs: dict[str, Job] = {}
        self.lock = threading.Lock()
        JobBoard.boards.add(self)

    def submit_training(self, config: TrainConfig, name: str, workspace: Workspace, keep_on_stop: bool = True) -> Job:
        """Queue a training run of `config`; its model is saved as `name` in `workspace` when it ends.

        Raises WorkspaceError or NetworkError (both ValueErrors), in words, for a run this server does
        not take: too large, or one the class's lesson does not allow (classroom.check_submission).
        """
        classroom.check_submission(config)
        job_id = f"digitlab-train-{uuid.uuid4().hex[:12]}"
        future = self.client.submit(run_training, job_id, config, keep_on_stop, key=job_id, resources={SLOT: 1})
        return self.add(Job(job_id, "train", name, workspace, future, config=config))

    def submit_fine_tune(
        self, model_file: bytes, meta: dict, x, y, epochs: int, name: str, workspace: Workspace
    ) -> Job:
        """Queue fine-tuning of a model (its file and record) on drawings `x`, `y`; saved as `name`."""
        job_id = f"digitlab-tune-{uuid.uuid4().hex[:12]}"
        future = self.client.submit(run_fine_tune, job_id, model_file, x, y, epochs, key=job_id, resources={SLOT: 1})
        return self.add(Job(job_id, "fine-tune", name, workspace, future, base_meta=meta))

    def add(self, job: Job) -> Job:
        with self.lock:
            self.jobs[job.id] = job
            ended = [j for j in self.jobs.values() if not j.active]
            for old in ended[: max(0, len(ended) - KEPT_ENDED_JOBS)]:
                del self.jobs[old.id]
        # Recorded once the board holds it: a record no board holds reads as interrupted.
        try:
            fields = dict(state="queued", kind=job.kind, name=job.name, architecture=job.architecture)
            runs.record_run(job.workspace, job.id, **fields)
        except store.StoreError:  # the disk refuses: nothing starts, and the page says why
            with self.lock:
                del self.jobs[job.id]
            job.future.cancel()
            raise
        job.thread.start()
        return job

    def get(self, job_id: str | None) -> Job | None:
        return self.jobs.get(job_id) if job_id else None

    def status(self, job: Job) -> JobStatus:
        """The job's status, with the number of this server's jobs queued before it, and whether
        another of its runs holds a slot (else a queued job is only waiting for a worker to start)."""
        status = job.status()
        if status.state == "queued":
            with self.lock:
                earlier = itertools.takewhile(lambda j: j is not job, self.jobs.values())
                queued_before = [j for j in earlier if j.state == "queued"]
                running = [j for j in self.jobs.values() if j is not job and j.state == "running"]
                status.ahead = len(queued_before)
                status.others_running = bool(running)
                status.starts_in = estimated_wait(running, queued_before)
        return status

    def active_in(self, workspace: Workspace) -> Job | None:
        """A queued or running job whose model goes to `workspace` (one workspace trains one at a time)."""
        return next((j for j in list(self.jobs.values()) if j.active and j.workspace.root == workspace.root), None)

    def live_ids(self) -> set[str]:
        return {j.id for j in list(self.jobs.values()) if j.active}

    def close(self) -> None:
        """Disconnect; an embedded cluster is shut down with its workers."""
        cluster = self.client.cluster
        self.client.close()
        if cluster is not None:
            cluster.close()
