"""Time to accuracy of the default `fast` model: training seconds to 98%, 99%, and the final figure.

    python bench/time_to_accuracy.py [--preset default|long] [--rounds N] [--every 48]

The test set is scored every `--every` batches by a callback whose own time is taken out of the
training clock. The first round trains a new model, which traces its training step first (~1.5 s
on the clock); the others start from a ready model, as a run of the default settings does on a
worker (`pool.prepare_ready_model`, made before the run, off its clock).
`default` is the `fast` model's own settings (target: reach 99.0% and finish in <= 12 s of
training on 2 cores); `long` is the documented longer preset (target: >= 99.5% in <= 5 minutes).
Last line: `time_to_accuracy preset=P s_to_99_max=A training_s_ready_max=B final_accuracy_min=C`
(the worst of the rounds; `training_s_ready_max` over the ready ones, the first round's if none).
"""

from __future__ import annotations

import argparse
import time

import common  # noqa: F401 - first: puts the project on the import path
import keras

from digitlab.learn.data import load_mnist
from digitlab.learn.evaluate import predict_probabilities
from digitlab.learn.train import LONG_PRESET, TrainConfig, train_model
from digitlab.serve import pool

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--preset", choices=list(PRESETS), default="default")
    parser.add_argument("--rounds", type=int, help="the first on a new model, the rest on a ready one (4; long: 1)")
    parser.add_argument("--every", type=int, default=48)  # a multiple of steps_per_execution (16)
    args = parser.parse_args()
    rounds = args.rounds or (4 if args.preset == "default" else 1)
    data = load_mnist()
    config = PRESETS[args.preset]
    print(f"preset={args.preset} config={config}")
    print("| round | model | s to 98.0% | s to 99.0% | s to 99.5% | final test accuracy | training s (no scoring) |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    rows = []
    for round_ in range(1, rounds + 1):
        ready, model = round_ > 1, None
        if ready:
            pool.prepare_ready_model(data, config)
            model = pool.take_ready_model(config, data).model
        clock = TestAccuracyClock(data, args.every)
        result = train_model(config, data, callbacks=[clock], model=model)
        seconds = result.seconds - clock.paused
        to_99 = first_time_at(clock.points, 0.99)
        rows.append((ready, to_99, seconds, result.test_accuracy))
        print(
            f"| {round_} | {'ready' if ready else 'new'} | {shown(first_time_at(clock.points, 0.98))} | {shown(to_99)} "
            f"| {shown(first_time_at(clock.points, 0.995))} | {result.test_accuracy:.4f} | {seconds:.1f} |",
            flush=True,
        )
    times_to_99 = [t for _, t, _, _ in rows]
    ready_seconds = [s for ready, _, s, _ in rows if ready] or [rows[0][2]]
    worst_to_99 = "none" if None in times_to_99 else f"{max(times_to_99):.1f}"
    print(
        f"time_to_accuracy preset={args.preset} s_to_99_max={worst_to_99} "
        f"training_s_ready_max={max(ready_seconds):.1f} final_accuracy_min={min(a for *_, a in rows):.4f}"
    )


if __name__ == "__main__":
    main()
