"""Time to accuracy of the default `fast` model: training seconds to 98%, 99%, and the final figure.

    python bench/time_to_accuracy.py [--preset default|long] [--rounds N] [--every 48]

The test set is scored every `--every` batches by a callback whose own time is taken out of the
training clock. The first round trains a new model, which traces its training step first (~1.5 s
on the clock); the others start from a ready model, as a run of the default settings does on a
worker (`pool.prepare_ready_model`, made before the run, off its clock).
`default` is the `fast` model's own settings (target, 2 cores: 99.0% within 5 s of training in
every round, the run trained, scored and saved within 8 s, final test accuracy >= 99.2%); `long` is
the documented longer preset (target: >= 99.5% in <= 5 minutes).

First, what explains one machine against another: the processor (model, clock, widest vector
unit), the cores this process may use and TensorFlow's
thread pools (intra-op, inter-op; 0 is TensorFlow's own choice, one thread per core), the seconds
the input pipeline alone takes per batch, and a plain-Keras reference: `model.fit` of the same
network, optimizer and schedule on the same training and validation arrays (float32, Keras'
defaults otherwise, never augmented), timed in the same run, in a process of its own on TensorFlow's
own thread settings. The rounds train as a worker does: one thread per operation, each batch split
across the cores (learn/cores.py).
"run s" is the whole run as a worker does it: training, the test-set score, the model saved to
bytes with its extras (scoring excluded).
Last line: `time_to_accuracy preset=P s_to_99_max=A training_s_ready_max=B run_s_max=R final_accuracy_min=C`
(the worst of the rounds; `training_s_ready_max` over the ready ones, the first round's if none).
"""

from __future__ import annotations

import argparse
import time

import common  # noqa: F401 - first: puts the project on the import path
import keras
import tensorflow as tf
from common import last_line_of_its_own_process, machine

from digitlab.learn.architectures import build_model
from digitlab.learn.cores import train_on_every_core, usable_cores
from digitlab.learn.data import load_mnist
from digitlab.learn.evaluate import predict_probabilities
from digitlab.learn.train import LONG_PRESET, TrainConfig, make_dataset, make_optimizer, train_model, training_set
from digitlab.serve import pool
from digitlab.serve.store import model_to_bytes

PRESETS = {"default": TrainConfig.for_architecture("fast"), "long": LONG_PRESET}


class TestAccuracyClock(keras.callbacks.Callback):
    """Score the test set every `every` batches; record (training seconds, accuracy)."""

    def __init__(self, data, every: int):
        super().__init__()
        self.x, self.y, self.every = data.x_test.astype("float32"), data.y_test, every
        self.points: list[tuple[float, float]] = []
        self.paused = 0.0

    def on_train_begin(self, logs=None):
        self.start = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        if (batch + 1) % self.every == 0:
            self.score()

    def on_epoch_end(self, epoch, logs=None):
        self.score()

    def score(self) -> None:
        began = time.perf_counter()
        accuracy = float((predict_probabilities(self.model, self.x).argmax(1) == self.y).mean())
        self.points.append((began - self.start - self.paused, accuracy))
        self.paused += time.perf_counter() - began


def first_time_at(points, target: float) -> float | None:
    return next((t for t, accuracy in points if accuracy >= target), None)


def shown(seconds: float | None) -> str:
    return "not reached" if seconds is None else f"{seconds:.1f}"


def input_seconds_per_step(config: TrainConfig, data, steps: int = 200) -> float:
    """Seconds per batch of the training input pipeline alone (shuffle, gather, cast), warmed up."""
    batches = iter(make_dataset(*training_set(config, data), config))
    next(batches)
    began = time.perf_counter()
    for _ in range(steps):
        next(batches)
    return (time.perf_counter() - began) / steps


def plain_fit(config: TrainConfig, data) -> tuple[float, float]:
    """Seconds and test accuracy of a plain `model.fit` of the same network and optimizer on the
    same arrays (its first trace included, as in a new model's round)."""
    keras.utils.set_random_seed(config.seed)
    model = build_model(config.architecture, config.network)
    x, y = training_set(config, data)
    model.compile(make_optimizer(config, -(-len(x) // config.batch_size) * config.epochs),
                  "sparse_categorical_crossentropy", metrics=["accuracy"])  # fmt: skip
    validation = (data.x_val.astype("float32"), data.y_val) if config.validation else None
    began = time.perf_counter()
    model.fit(x.astype("float32"), y, batch_size=config.batch_size, epochs=config.epochs,
              validation_data=validation, verbose=0)  # fmt: skip
    seconds = time.perf_counter() - began
    return seconds, float(model.evaluate(data.x_test.astype("float32"), data.y_test, verbose=0)[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--preset", choices=list(PRESETS), default="default")
    parser.add_argument("--rounds", type=int, help="the first on a new model, the rest on a ready one (4; long: 1)")
    parser.add_argument("--every", type=int, default=48)  # a multiple of steps_per_execution (16)
    parser.add_argument("--plain", action="store_true", help=argparse.SUPPRESS)  # the reference, in its own process
    args = parser.parse_args()
    if args.plain:
        print("plain {} {}".format(*plain_fit(PRESETS[args.preset], load_mnist())))
        return
    rounds = args.rounds or (5 if args.preset == "default" else 1)
    train_on_every_core()  # as a worker trains (cluster.py)
    data = load_mnist()
    config = PRESETS[args.preset]
    print(f"preset={args.preset} config={config}")
    print(machine())
    threads = tf.config.threading
    print(
        f"cores usable={usable_cores()} intra_op_threads={threads.get_intra_op_parallelism_threads()} "
        f"inter_op_threads={threads.get_inter_op_parallelism_threads()} (0: one per core) "
        f"input_s_per_step={input_seconds_per_step(config, data):.4f}",
        flush=True,
    )
    _, seconds, accuracy = last_line_of_its_own_process(__file__, "--plain", "--preset", args.preset)
    plain_seconds, plain_accuracy = float(seconds), float(accuracy)
    print(
        f"plain_keras_fit s={plain_seconds:.1f} test_accuracy={plain_accuracy:.4f} (same network and data)", flush=True
    )
    print(
        "| round | model | s to 98.0% | s to 99.0% | s to 99.5% | final test accuracy | training s (no scoring) "
        "| run s |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    rows = []
    for round_ in range(1, rounds + 1):
        ready, model = round_ > 1, None
        if ready:
            pool.prepare_ready_model(data, config)
            model = pool.take_ready_model(config, data).model
        clock = TestAccuracyClock(data, args.every)
        began = time.perf_counter()
        result = train_model(config, data, callbacks=[clock], model=model)
        saved = model_to_bytes(result.model), result.extras(), result.metadata()  # what a job sends back
        run_seconds = time.perf_counter() - began - clock.paused
        seconds = result.seconds - clock.paused
        to_99 = first_time_at(clock.points, 0.99)
        rows.append((ready, to_99, seconds, run_seconds, result.test_accuracy))
        print(
            f"| {round_} | {'ready' if ready else 'new'} | {shown(first_time_at(clock.points, 0.98))} | {shown(to_99)} "
            f"| {shown(first_time_at(clock.points, 0.995))} | {result.test_accuracy:.4f} | {seconds:.1f} "
            f"| {run_seconds:.1f} |",
            flush=True,
        )
        del saved
    times_to_99 = [t for _, t, *_ in rows]
    ready_rows = [row for row in rows if row[0]] or rows[:1]
    worst_to_99 = "none" if None in times_to_99 else f"{max(times_to_99):.1f}"
    print(
        f"time_to_accuracy preset={args.preset} s_to_99_max={worst_to_99} "
        f"training_s_ready_max={max(r[2] for r in ready_rows):.1f} run_s_max={max(r[3] for r in ready_rows):.1f} "
        f"final_accuracy_min={min(r[-1] for r in rows):.4f}"
    )


if __name__ == "__main__":
    main()
