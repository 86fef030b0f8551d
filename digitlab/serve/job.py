"""One job as the app follows it: a thread drains its events, asks it to stop when asked (or when it
runs past the lesson's time), and saves its model when it ends (kept until the disk takes it).

jobs.py's JobBoard submits jobs and makes them; this module is the rest of each one's life.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import CancelledError
from dataclasses import dataclass, field

from distributed import Event, Queue
from distributed.scheduler import KilledWorker

from digitlab import language
from digitlab.language import _
from digitlab.learn.train import ProgressEvent, TrainConfig, TrainingDiverged
from digitlab.serve import runs, store
from digitlab.serve.worker import Finished, JobInterrupted, events_name, started_name, stop_name
from digitlab.serve.workspaces import Workspace

log = logging.getLogger(__name__)

FOLLOW_INTERVAL = 0.5  # seconds between the app's looks at a running job's events (worker.SEND_INTERVAL)
FIRST_FOLLOW_INTERVAL = 0.1  # ... until its first progress event: the page is waiting for it
QUEUED_FOLLOW_INTERVAL = 1.0  # seconds between its looks at a queued job's: has it started?
ASK_INTERVAL = 1.0  # seconds between its looks at the run's record: has a teacher on any server asked a stop?
PACE_SETTLE = 10.0  # seconds a run trains before its pace is trusted against the lesson's time bound
OVER_TIME = 1.25  # a run is stopped when its estimated length passes the bound by this factor
SAVE_RETRY = 10.0  # seconds between tries to save a finished model the disk or the quota refused

RUNNING_KEYS: dict[int, tuple[float, frozenset[str]]] = {}  # by client: when asked, the tasks running then
RUNNING_KEYS_LOCK = threading.Lock()


def running_keys(client) -> frozenset[str]:
    """The keys of the tasks the cluster's workers run now, asked of the scheduler at most once every
    QUEUED_FOLLOW_INTERVAL for all of this server's queued jobs. (Each queued job asking its own queue
    was a round trip a second each: 100 queued jobs took 0.06 of a core from the app's server.)"""
    with RUNNING_KEYS_LOCK:
        asked, keys = RUNNING_KEYS.get(id(client), (0.0, frozenset()))
        if time.monotonic() - asked >= QUEUED_FOLLOW_INTERVAL:
            keys = frozenset(key for running in client.processing().values() for key in running)
            RUNNING_KEYS[id(client)] = time.monotonic(), keys
        return keys


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
    unsaved: str | None = None  # why its finished model is not saved yet (it is kept, and tried again)
    by_teacher: bool = False  # the class's teacher stopped or cancelled it


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
    unsaved: str | None = None  # why its finished model is not saved yet
    source: str | None = None  # who asked for it (a client address): the queue takes turns between sources
    priority: int = 0  # Dask's: higher first. A source's n-th run at submit gets -n (JobBoard.turn)
    max_seconds: float | None = None  # shared mode: how long the lesson lets it run
    too_long: str | None = None  # why it was stopped for its length, once it was
    by_teacher: bool = False  # the class's teacher asked its stop or cancel
    submitted: float = field(default_factory=time.monotonic)
    # The language of the page that submitted it (made there): its follow thread says why it failed or is
    # not saved in that language. Texts without values (runs.INTERRUPTED) stay English: the page shows _(error).
    page_language: str = field(default_factory=language.current)

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
        return JobStatus(
            self.state,
            list(self.events),
            0,
            self.saved_name,
            self.error,
            self.meta,
            waited=waited,
            unsaved=self.unsaved,
            by_teacher=self.by_teacher,
        )

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
        language.use(self.page_language)  # this thread's own: a new thread starts in English
        try:
            self.drain()
            beat = looked = time.monotonic()
            while not (self.ended or self.future.done()):
                time.sleep(self.follow_interval())
                if self.state == "running" or self.id in running_keys(self.future.client):
                    self.drain()
                if time.monotonic() - beat > runs.HEARTBEAT:  # other servers on this store see it live
                    self.record()
                    beat = time.monotonic()
                if time.monotonic() - looked > ASK_INTERVAL:
                    self.do_what_was_asked()
                    looked = time.monotonic()
                if self.too_long is None and (why := self.over_time()):
                    self.too_long = why
                    log.info("job %s: stopped for its length: %s", self.id, self.too_long)
                    self.stop()
            self.drain()  # the last events, if the result came first
            self.finish(self.future.result())
        except CancelledError:
            if self.cancel_requested:
                self.end("cancelled")
            else:  # the scheduler dropped it: the cluster went away
                log.warning("job %s was dropped by the scheduler", self.id)
                self.end("interrupted", runs.INTERRUPTED)
        except (JobInterrupted, KilledWorker):
            log.warning("job %s: its worker died mid-run", self.id, exc_info=True)
            self.end("interrupted", runs.INTERRUPTED)
        except (ValueError, TrainingDiverged, store.StoreError) as error:
            log.info("job %s failed: %s", self.id, error, exc_info=True)
            self.end("failed", str(error))
        except Exception as error:  # noqa: BLE001 - whatever happened must reach the page, not vanish with the thread
            log.exception("job %s failed unexpectedly", self.id)
            self.end("failed", _("The job failed: {kind}: {error}").format(kind=type(error).__name__, error=error))
        finally:
            self.release()

    def do_what_was_asked(self) -> None:
        """Stop or cancel the job if its record asks it (runs.ask: a teacher, on this server or another)."""
        what = runs.asked(self.workspace, self.id)
        self.by_teacher = self.by_teacher or what is not None  # only the teacher's page asks through the store
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

    def over_time(self) -> str | None:
        """Why the run is too long for the lesson, once its pace is known; None while it is not."""
        last = self.events[-1] if self.events else None
        if self.max_seconds is None or last is None or last.seconds_left is None or last.elapsed < PACE_SETTLE:
            return None
        total = last.elapsed + last.seconds_left
        if total <= self.max_seconds * OVER_TIME:
            return None
        return _(
            "This run would take about {minutes} minutes; in this class a run may take {limit}. It was stopped "
            "and not kept: use a larger batch size, fewer epochs or fewer training images."
        ).format(minutes=language.number(total / 60), limit=language.number(self.max_seconds / 60))

    def finish(self, finished: Finished) -> None:
        if self.cancel_requested:  # it started just before the cancel: stopped, and not kept
            self.end("cancelled")
            return
        if self.too_long:
            self.end("failed", self.too_long)
            return
        if finished.model_file is not None:
            self.meta = {**self.base_meta, **finished.meta}
            if not self.save_when_there_is_room(finished):
                self.end("cancelled")
                return
        self.end("stopped" if finished.stopped else "done")

    def save_when_there_is_room(self, finished: Finished) -> bool:
        """Save the finished model. Where the disk or the workspace's quota refuses it, keep it here,
        say why (`unsaved`: the page shows it) and try again every SAVE_RETRY seconds, until it is
        saved (True) or its owner lets it go with Cancel (False)."""
        while True:
            try:
                self.saved_name = store.save_model_file(
                    finished.model_file, self.name, self.meta, self.workspace, finished.extras
                )
                self.unsaved = None
                return True
            except store.StoreError as error:
                if self.cancel_requested:
                    return False
                if self.unsaved is None:
                    log.warning("job %s: its model is kept until it can be saved: %s", self.id, error)
                self.unsaved = _(
                    "Your model is trained but not saved yet: {error} It is kept on the server and saved as "
                    "soon as there is room. Cancel lets it go."
                ).format(error=error)
            time.sleep(SAVE_RETRY)

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
