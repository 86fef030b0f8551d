"""A training run in a background thread: progress in a buffer anyone can read, a stop button, a save at the end."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from digitlab import store
from digitlab.data import Dataset
from digitlab.train import ProgressEvent, TrainConfig, TrainingDiverged, TrainResult, train_model


@dataclass
class JobStatus:
    """What a page needs to draw a training run at one moment."""

    state: str  # running, done, stopped, failed
    events: list[ProgressEvent]
    saved_name: str | None
    error: str | None
    result: TrainResult | None


class TrainingJob:
    """Train in a daemon thread; the thread never touches the UI, readers poll `status()`.

    The progress buffer is a list that only the training thread appends to (appends are atomic
    in CPython); readers take a copy. `stop()` ends training after the current batch; the model
    learned so far is saved if `keep_on_stop`, else discarded.
    """

    def __init__(self, config: TrainConfig, data: Dataset, name: str, keep_on_stop: bool = True):
        self.config, self.data, self.name, self.keep_on_stop = config, data, name, keep_on_stop
        self.events: list[ProgressEvent] = []
        self.stop_requested = threading.Event()
        self.state = "running"
        self.saved_name: str | None = None
        self.error: str | None = None
        self.result: TrainResult | None = None
        self.thread = threading.Thread(target=self._run, name=f"train-{name}", daemon=True)

    def start(self) -> TrainingJob:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stop_requested.set()

    @property
    def running(self) -> bool:
        return self.state == "running"

    def status(self) -> JobStatus:
        return JobStatus(self.state, list(self.events), self.saved_name, self.error, self.result)

    def wait(self, timeout: float | None = None) -> JobStatus:
        self.thread.join(timeout)
        return self.status()

    def _run(self) -> None:
        try:
            result = train_model(self.config, self.data, listener=self.events.append, stop=self.stop_requested)
            self.result = result
            if result.stopped and not self.keep_on_stop:
                self.state = "stopped"
                return
            self.saved_name = store.save_model(result.model, self.name, result.metadata())
            self.state = "stopped" if result.stopped else "done"
        except (ValueError, TrainingDiverged, store.StoreError) as error:
            self.error, self.state = str(error), "failed"
        except Exception as error:  # noqa: BLE001 - anything else must still reach the page, not vanish with the thread
            self.error, self.state = f"Training failed: {type(error).__name__}: {error}", "failed"
