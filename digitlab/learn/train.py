"""Train a model from a TrainConfig, reporting live progress and stopping cleanly on request."""

from __future__ import annotations

import math
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from digitlab.language import _
from digitlab.learn.architectures import build_model, get_architecture
from digitlab.learn.augment import augment_batch
from digitlab.learn.config import LONG_PRESET, OPTIMIZERS, SCHEDULES, TrainConfig  # noqa: F401 - also imported from here
from digitlab.learn.cores import batch_parts, split_batches
from digitlab.learn.data import Dataset
from digitlab.learn.network import OWN_NETWORK
from digitlab.learn.pace import Clock, ProgressEvent, Smoother
from digitlab.learn.plots import scale_each
from digitlab.learn.snapshots import PANEL, SNAPSHOTS_FILE, Snapshot, Snapshotter, first_layer_weights, to_npz
from digitlab.learn.styles import training_digits

REPORT_INTERVAL = 0.1  # seconds between batch events: about ten a second, whatever the model
# Batches per compiled call: less Python per batch; a stop still lands within 16 batches.
# Keras 3.15's multi-step loop fails under MirroredStrategy, so several replicas get 1.
STEPS_PER_EXECUTION = 16
SNAPSHOT_INTERVAL = 5.0  # seconds between snapshots of the model (and at every epoch end)
EPOCH_END_GUESS = 0.7  # seconds an epoch end takes (validation, a snapshot), for a run not yet started
# Checking one validation digit costs about this share of training on one (a forward pass only, in
# batches of 1,000): the clock's guess at an epoch end until it measures one (0.4 x 5,000 / 128 steps
# of `fast`'s pace was 0.12 s; measured 0.10-0.17 s, 2026-12-02).
VALIDATION_SHARE = 0.4
VALIDATION_BATCH = 1000


@dataclass
class TrainResult:
    """A trained model and what is known about how it got there."""

    model: keras.Model
    config: TrainConfig
    history: dict[str, list[float]]  # per finished epoch: loss, accuracy, val_loss, val_accuracy
    test_accuracy: float
    seconds: float  # training time, evaluation excluded
    stopped: bool  # True if a stop request ended it early
    steps: int
    events: list[ProgressEvent] = field(default_factory=list, repr=False)
    snapshots: list[Snapshot] = field(default_factory=list, repr=False)
    log_files: dict[str, bytes] = field(default_factory=dict, repr=False)  # TensorBoard's, by relative path

    def extras(self) -> dict[str, bytes]:
        """The files saved beside the model: its snapshots and its TensorBoard logs."""
        files = {f"logs/{path}": data for path, data in self.log_files.items()}
        return {SNAPSHOTS_FILE: to_npz(self.snapshots), **files} if self.snapshots else files

    def metadata(self) -> dict:
        """The JSON record saved beside the model in the store."""
        return {
            "architecture": OWN_NETWORK if self.config.network else self.config.architecture,
            "network": self.config.network or get_architecture(self.config.architecture).network,
            "config": asdict(self.config),
            "history": self.history,
            "test_accuracy": self.test_accuracy,
            "train_seconds": round(self.seconds, 2),
            "steps": self.steps,
            "epochs_completed": len(self.history.get("loss", [])),
            "stopped_early": self.stopped,
        }


class TrainingDiverged(RuntimeError):
    """The loss became NaN or infinite: the learning rate is too high for this model."""


class ProgressCallback(keras.callbacks.Callback):
    """Turn Keras' batch and epoch ends into ProgressEvents, watch for NaN and for a stop request."""

    def __init__(
        self,
        listener,
        stop: threading.Event | None,
        steps_per_epoch: int,
        epochs: int,
        batch_size: int,
        snapshotter: Snapshotter | None = None,
        validation_images: int = 0,
    ):
        super().__init__()
        self.listener, self.stop, self.snapshotter = listener, stop, snapshotter
        self.steps_per_epoch, self.batch_size = steps_per_epoch, batch_size
        self.total_steps = steps_per_epoch * epochs
        self.step, self.epoch, self.last_report, self.last_snapshot = 0, 0, 0.0, 0.0
        self.snapshots: list[Snapshot] = []
        self.smoother = Smoother()
        self.clock = Clock(self.total_steps, epochs, VALIDATION_SHARE * validation_images / batch_size)

    def on_train_begin(self, logs=None):
        self.start = time.perf_counter()
        if self.snapshotter is not None:  # the untrained model: where the panel starts
            self.snapshots.append(self.snapshotter.take(self.model, 0, 0.0, epoch_end=False))
            self.last_snapshot = time.perf_counter()

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch + 1
        self.smoother.start_epoch()

    def on_train_batch_end(self, batch, logs=None):
        # `batch` is the nominal last batch of the execution, which can pass the epoch's end.
        in_epoch = min(batch + 1, self.steps_per_epoch)
        self.step = (self.epoch - 1) * self.steps_per_epoch + in_epoch
        if self.stop is not None and self.stop.is_set():
            self.model.stop_training = True
        now = time.perf_counter()
        self.smoother.update(in_epoch, logs)
        self.clock.steps_done(self.step, now)
        # The epoch's last batch is always reported: a page can then say that validation is under way.
        if now - self.last_report >= REPORT_INTERVAL or in_epoch == self.steps_per_epoch:
            self.last_report = now
            self.report("batch", logs)

    def on_epoch_end(self, epoch, logs=None):
        self.clock.epoch_ended(time.perf_counter())
        self.report("epoch", logs)

    def report(self, kind: str, logs: dict) -> None:
        loss = float(logs["loss"])
        if not math.isfinite(loss):
            # Made on a worker: English there (the job's error); marked so the catalogue has it.
            raise TrainingDiverged(
                _(
                    "The loss became {loss} at step {step}: the learning rate is too high. "
                    "Lower it (try a tenth) and train again."
                ).format(loss=loss, step=self.step)
            )
        elapsed = time.perf_counter() - self.start
        event = ProgressEvent(
            kind=kind,
            epoch=self.epoch,
            step=self.step,
            total_steps=self.total_steps,
            loss=self.smoother.values.get("loss", loss),
            accuracy=self.smoother.values.get("accuracy", float(logs["accuracy"])),
            examples_per_second=self.step * self.batch_size / max(elapsed, 1e-9),
            elapsed=elapsed,
            val_loss=float(logs["val_loss"]) if "val_loss" in logs else None,
            val_accuracy=float(logs["val_accuracy"]) if "val_accuracy" in logs else None,
            seconds_left=self.clock.seconds_left(self.step),
        )
        if self.snapshotter is not None and (
            kind == "epoch" or time.perf_counter() - self.last_snapshot >= SNAPSHOT_INTERVAL
        ):
            snapshot = self.snapshotter.take(self.model, self.step, self.step / self.steps_per_epoch, kind == "epoch")
            self.snapshots.append(snapshot)
            self.last_snapshot = time.perf_counter()
            event.snapshot = snapshot.to_message()
        self.listener(event)


class TensorBoardExtras(keras.callbacks.Callback):
    """What Keras' TensorBoard callback leaves out: per-step loss and accuracy, first-layer weight images.

    (Keras writes its own per-step scalars only every N callback calls, and with several batches per
    call its epoch scalars then fall under a "do not record" switch; so it logs per epoch, and this
    logs the steps.)
    """

    def __init__(self, log_dir: str):
        super().__init__()
        self.train = tf.summary.create_file_writer(f"{log_dir}/train")
        self.filters = tf.summary.create_file_writer(f"{log_dir}/filters")

    def on_train_batch_end(self, batch, logs=None):
        step = int(self.model.optimizer.iterations.numpy())  # batches done, across epochs
        with self.train.as_default(), tf.summary.record_if(True):
            for name in ("loss", "accuracy"):
                tf.summary.scalar(f"step_{name}", float(logs[name]), step=step)

    def on_epoch_end(self, epoch, logs=None):
        weights = first_layer_weights(self.model)
        images = (scale_each(weights) + 1) / 2  # 0.5 grey is a zero weight
        with self.filters.as_default(), tf.summary.record_if(True):
            tf.summary.image("first_layer_weights", images[..., None], step=epoch + 1, max_outputs=len(images))

    def on_train_end(self, logs=None):
        self.train.close()
        self.filters.close()


def read_files(folder: Path) -> dict[str, bytes]:
    """Every file under `folder`, by its path relative to it."""
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


def make_optimizer(config: TrainConfig, total_steps: int) -> keras.optimizers.Optimizer:
    """Return the configured optimizer, with a one-cycle learning-rate schedule if asked for."""
    rate = config.learning_rate
    if config.schedule == "onecycle":
        warmup = max(1, total_steps // 5)
        rate = keras.optimizers.schedules.CosineDecay(
            initial_learning_rate=config.learning_rate / 20,
            decay_steps=max(1, total_steps - warmup),
            warmup_target=config.learning_rate,
            warmup_steps=warmup,
            alpha=0.01,
        )
    return OPTIMIZERS[config.optimizer](learning_rate=rate)


def make_dataset(x: np.ndarray, y: np.ndarray, config: TrainConfig) -> tf.data.Dataset:
    """Endless batches of (float pixels 0-255, labels), reshuffled every epoch, augmented if configured.

    Every batch is full: the few images left over change every epoch, and one batch shape means
    the training step is traced once (a smaller last batch cost a second trace, about a second).
    It repeats, so `fit` (given `steps_per_epoch`) keeps one iterator for the whole run: a new
    iterator per epoch made the first step of every other run's second epoch take about 2 s.

    tf.data's autotuning is off. Its tuning thread sleeps between rounds, each sleep twice the last
    (up to a minute), and freeing the iterator at the end of `fit` waited for that sleep to end:
    `fit` returned 7-10 s after the last epoch in 4 of 7 default runs (a C++ stack taken then:
    `RootDataset::Iterator::~Iterator` waiting on `Model::OptimizeLoop`), so a run took 22 s
    instead of 12, and a Stop up to several seconds more. Off, it never waited (0 of 7), and the
    batches come as fast: the prefetch buffer still grows as needed, without that thread.
    """
    images = tf.constant(x)  # uint8: a quarter of the memory; each batch is cast on the way out
    labels = tf.constant(y, dtype=tf.int32)
    batches = (
        tf.data.Dataset.range(len(x))
        .shuffle(len(x), seed=config.seed, reshuffle_each_iteration=True)
        .batch(config.batch_size, drop_remainder=True)
        .map(lambda idx: (tf.cast(tf.gather(images, idx), tf.float32), tf.gather(labels, idx)))
    )
    if config.augment:
        batches = batches.enumerate().map(
            lambda i, xy: (augment_batch(xy[0], tf.stack([tf.cast(i, tf.int32), config.seed])), xy[1]),
            num_parallel_calls=tf.data.AUTOTUNE,
            deterministic=True,
        )
    options = tf.data.Options()
    options.autotune.enabled = False
    return batches.repeat().prefetch(tf.data.AUTOTUNE).with_options(options)


def evaluation_batches(x: np.ndarray, y: np.ndarray) -> tf.data.Dataset:
    """Images (uint8, cast to float pixels 0-255 on the way) and labels in batches of VALIDATION_BATCH.

    Given numpy arrays, Keras' `evaluate` builds its own input pipeline at every call: a pass over
    the 5,000 validation digits cost 240 ms of CPU that way, 170 ms from this one (one thread, a
    worker's ready `fast`, 2026-12-07), about 0.25 s of a default run's CPU with the test set.
    """
    return (
        tf.data.Dataset.from_tensor_slices((x, y.astype(np.int32)))
        .batch(VALIDATION_BATCH)
        .map(lambda images, labels: (tf.cast(images, tf.float32), labels))
    )


def training_set(config: TrainConfig, data: Dataset) -> tuple[np.ndarray, np.ndarray]:
    """The images and labels `config` trains on: 55,000 (60,000 without validation), or the first N,
    then the style digits asked for."""
    x, y = (data.x_fit, data.y_fit) if config.validation else (data.x_train, data.y_train)
    if config.train_limit:
        x, y = x[: config.train_limit], y[: config.train_limit]
    if config.styles:
        style_x, style_y = training_digits(config.styles)
        x, y = np.concatenate([x, style_x]), np.concatenate([y, style_y])
    return x, y


RUNNING: set[int] = set()  # the threads training in this process now (a ready model waits for them)


def compiled_model(config: TrainConfig, total_steps: int, steps_per_execution: int = STEPS_PER_EXECUTION):
    """A new model of `config.architecture`, compiled with its optimizer, loss and accuracy; on one
    device, its batches split across the CPU's cores where the process allows it (cores.py)."""
    model = build_model(config.architecture, config.network)
    model.compile(
        optimizer=make_optimizer(config, total_steps),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
        steps_per_execution=steps_per_execution,
    )
    # Its variables made now, not in the first trace of the training step: a function that makes
    # variables is traced twice (`fast`: its first 16 batches took 1.84 s so, 1.15 s built ahead).
    model.optimizer.build(model.trainable_variables)
    if tf.distribute.get_strategy().num_replicas_in_sync == 1:
        split_batches(model, batch_parts(config.batch_size))
    return model


def all_variables(model: keras.Model) -> list:
    return [*model.variables, *model.optimizer.variables]


def steps_of(config: TrainConfig, data: Dataset) -> int:
    """The training steps (batches) of a run of `config` on `data`."""
    return len(training_set(config, data)[0]) // config.batch_size * config.epochs


def train_model(
    config: TrainConfig,
    data: Dataset,
    listener: Callable[[ProgressEvent], None] | None = None,
    stop: threading.Event | None = None,
    strategy: tf.distribute.Strategy | None = None,
    callbacks: list[keras.callbacks.Callback] | None = None,
    model: keras.Model | None = None,
) -> TrainResult:
    """Train a model from scratch.

    Args:
        config: architecture and hyperparameters.
        data: MNIST; trains on the first 55,000 images (all 60,000 if validation is off).
        listener: called with a ProgressEvent about ten times a second and at every epoch end.
        stop: when set, training ends after the current batch and keeps what it has learned.
        strategy: a tf.distribute strategy (default: the current one, e.g. one device).
        callbacks: extra Keras callbacks (benchmarks use one to score the model as it trains).
        model: a compiled model of `config` at its first weights (a worker's ready model, pool.py);
            default: a new one.
    Returns:
        A TrainResult with the model, its per-epoch history and test accuracy.
    Raises:
        ValueError: the config cannot train. TrainingDiverged: the loss became NaN.
    """
    RUNNING.add(threading.get_ident())
    try:
        config.validate()
        x, y = training_set(config, data)
        keras.utils.set_random_seed(config.seed)
        steps_per_epoch = len(x) // config.batch_size  # full batches only (make_dataset)
        total_steps = steps_per_epoch * config.epochs
        strategy = strategy or tf.distribute.get_strategy()
        one_device = strategy.num_replicas_in_sync == 1
        model = model if one_device else None
        validation = evaluation_batches(data.x_val, data.y_val) if config.validation else None
        if model is None:
            with strategy.scope():
                model = compiled_model(config, total_steps, STEPS_PER_EXECUTION if one_device else 1)
            if validation is not None:  # traced now: the first epoch end costs what the others do
                model.evaluate(validation.take(1), verbose=0)
        events: list[ProgressEvent] = []

        def record(event: ProgressEvent) -> None:
            events.append(event)
            if listener is not None:
                listener(event)

        snapshotter = Snapshotter(data.x_test[list(PANEL)], *((data.x_val, data.y_val) if config.validation else ()))
        progress = ProgressCallback(
            record,
            stop,
            steps_per_epoch,
            config.epochs,
            config.batch_size,
            snapshotter,
            len(data.x_val) if validation else 0,
        )
        with tempfile.TemporaryDirectory(prefix="digitlab-logs-") as logs:
            tensorboard = [
                keras.callbacks.TensorBoard(logs, write_graph=True),  # per epoch: loss, accuracy, learning rate, graph
                TensorBoardExtras(logs),
            ]
            start = time.perf_counter()
            keras_history = model.fit(
                make_dataset(x, y, config),
                epochs=config.epochs,
                steps_per_epoch=steps_per_epoch,
                validation_data=validation,
                callbacks=[progress, *tensorboard, *(callbacks or [])],
                shuffle=False,  # the dataset reshuffles itself
                verbose=0,
            )
            seconds = time.perf_counter() - start
            log_files = read_files(Path(logs))
        _loss, test_accuracy = model.evaluate(evaluation_batches(data.x_test, data.y_test), verbose=0)
        return TrainResult(
            model=model,
            config=config,
            history={k: [float(v) for v in vs] for k, vs in keras_history.history.items()},
            test_accuracy=float(test_accuracy),
            seconds=seconds,
            stopped=progress.step < total_steps,
            steps=progress.step,
            events=events,
            snapshots=progress.snapshots,
            log_files=log_files,
        )
    finally:
        RUNNING.discard(threading.get_ident())
