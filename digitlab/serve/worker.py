"""The worker's half of a job: train or fine-tune on a Dask worker, report progress, obey a stop.

`run_training` and `run_fine_tune` do the work through the same `train_model` and `fine_tune` as
the command line; they report through a `distributed.Queue` named after the job, stop when its
`distributed.Event` is set, and return the model as the bytes of a `.keras` file (a job never
needs a disk shared with the app). The app's half is jobs.py.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import asdict, dataclass, field

import numpy as np
from distributed import Event, Queue, get_worker

from digitlab import language
from digitlab.learn.finetune import fine_tune
from digitlab.learn.train import ProgressEvent, TrainConfig, train_model
from digitlab.serve import pool, runs, store

SEND_INTERVAL = 0.5  # seconds between a worker's sends of its progress events (a page redraws every second)
log = logging.getLogger(__name__)

READY_AGAIN_AFTER = 3.0  # seconds after a run that took the worker's ready model before it makes the next


class JobInterrupted(RuntimeError):
    """The job was started before and its worker died: it is not run a second time."""


@dataclass
class Finished:
    """What a job sends back: the model file (None if discarded), its metadata, files to keep beside it."""

    model_file: bytes | None
    meta: dict
    stopped: bool = False
    extras: dict[str, bytes] = field(default_factory=dict)  # snapshots and TensorBoard logs, by relative path


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
            raise JobInterrupted(runs.INTERRUPTED)
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


def run_training(job_id: str, config: TrainConfig, keep_on_stop: bool, page_language: str = "en") -> Finished:
    """On a worker: train `config` on MNIST, reporting as it goes; return the model unless discarded.
    Its messages (a loss that became NaN...) are in `page_language`, the language of the page that asked."""
    language.use(page_language)
    side = WorkerSide(job_id)
    try:
        side.start()
        data = pool.worker_mnist()
        ready = pool.take_ready_model(config, data)
        model = ready.model if ready else None
        result = train_model(config, data, listener=side.report, stop=side, model=model)
        keep = keep_on_stop or not result.stopped
        model_file = store.model_to_bytes(result.model) if keep else None
        record = store.model_record(result.model, result.metadata())
        pool.give_back(ready)  # its result is out: the next run of the default takes it again
        return Finished(model_file, record, result.stopped, result.extras() if keep else {})
    finally:
        side.close()
        if not pool.READY:  # this run took it: a new one once the result has gone (it takes ~2 s of CPU)
            again = threading.Timer(READY_AGAIN_AFTER, pool.warm_up_quietly)
            again.daemon = True  # a worker that is shutting down does not wait for it
            again.start()


def run_fine_tune(
    job_id: str, model_file: bytes, x: np.ndarray, y: np.ndarray, epochs: int, page_language: str = "en"
) -> Finished:
    """On a worker: fine-tune the model in `model_file` on drawings `x`, `y`; return it with before/after scores."""
    language.use(page_language)
    side = WorkerSide(job_id)
    try:
        side.start()
        result = fine_tune(store.model_from_bytes(model_file), x, y, pool.worker_mnist(), epochs=epochs, stop=side)
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
