"""What a worker keeps ready: MNIST read once, and a model of the default settings built and traced.

Building a new model and tracing its training step take about 1.5 s of the 2 s a run of `fast`
needs to its first progress (2 cores). So each worker keeps one model of the default settings
built, compiled and traced on blank digits; the next run with exactly those settings takes it
(`train_model(..., model=...)`), set back to what it was built with, and starts training at once.
"""

from __future__ import annotations

import functools
import logging
import threading
from dataclasses import dataclass

import keras
import numpy as np

from digitlab.learn.architectures import DEFAULT_ARCHITECTURE
from digitlab.learn.data import Dataset, load_mnist
from digitlab.learn.train import (
    RUNNING,
    TrainConfig,
    all_variables,
    compiled_model,
    evaluation_batches,
    make_dataset,
    steps_of,
)

log = logging.getLogger(__name__)


@functools.cache
def worker_mnist() -> Dataset:
    """MNIST from the worker's own copy of the project, read and verified once per worker process."""
    return load_mnist()


def warm_up_quietly() -> None:
    """Make this worker's ready model (its first job then finds MNIST read and a model traced)."""
    try:
        prepare_ready_model(worker_mnist())
    except Exception:  # noqa: BLE001 - the job does the same again and reports what is wrong
        log.warning("a worker could not warm up ahead of its first job", exc_info=True)


@dataclass
class ReadyModel:
    config: TrainConfig
    total_steps: int
    model: keras.Model
    as_built: list[np.ndarray]  # the model's and its optimizer's variables, before the fit that traced it


READY: list[ReadyModel] = []  # at most one per process
READY_LOCK = threading.Lock()


def prepare_ready_model(data: Dataset, config: TrainConfig | None = None) -> None:
    """Build, compile and trace a model for the next run of `config` (the default settings), on
    two batches of blank digits and one validation batch; keep it for `take_ready_model`."""
    config = config or TrainConfig.for_architecture(DEFAULT_ARCHITECTURE)
    if RUNNING:  # it would slow that run down; the run's end asks again
        return
    keras.utils.set_random_seed(config.seed)  # as a run of `config` builds it: the same first weights
    model = compiled_model(config, steps_of(config, data))
    as_built = [v.numpy() for v in all_variables(model)]
    blank = np.zeros((2 * config.batch_size, 28, 28), np.uint8), np.zeros(2 * config.batch_size, np.int32)
    model.fit(make_dataset(*blank, config), epochs=1, steps_per_epoch=2, shuffle=False, verbose=0)
    model.evaluate(evaluation_batches(data.x_val, data.y_val).take(1), verbose=0)
    with READY_LOCK:
        READY[:] = [ReadyModel(config, steps_of(config, data), model, as_built)]


def take_ready_model(config: TrainConfig, data: Dataset) -> ReadyModel | None:
    """The ready model if it was prepared for exactly this run, set back to its first weights; else None."""
    with READY_LOCK:
        if not READY or READY[0].config != config or READY[0].total_steps != steps_of(config, data):
            return None
        ready = READY.pop()
    for variable, value in zip(all_variables(ready.model), ready.as_built, strict=True):
        variable.assign(value)
    return ready


def give_back(ready: ReadyModel | None) -> None:
    """Make a taken ready model ready again once its run's result is out: the next run of the same
    settings starts at once, traced (it is set back to its first weights when taken). A class's
    runs of the default queue back to back: each would otherwise build and trace its own (~1.5 s)."""
    if ready is not None:
        with READY_LOCK:
            if not READY:
                READY.append(ready)
