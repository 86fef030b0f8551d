"""Time to accuracy of the default `fast` model: training seconds to 98%, 99%, and the final figure.

    python bench/time_to_accuracy.py [--preset default|long] [--every 50]

The test set is scored every `--every` batches by a callback whose own time is taken out of the
training clock. `default` is the `fast` model's own settings (target: 99.0% in <= 10 s on 2
cores); `long` is the documented longer preset (target: >= 99.5% in <= 5 minutes).
"""

from __future__ import annotations

import argparse
import time

import common  # noqa: F401 - first: puts the project on the import path
import keras

from digitlab.data import load_mnist
from digitlab.evaluate import predict_probabilities
from digitlab.train import LONG_PRESET, TrainConfig, train_model

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


def first_time_at(points, target: float) -> str:
    return next((f"{t:.1f}" for t, accuracy in points if accuracy >= target), "not reached")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--preset", choices=list(PRESETS), default="default")
    parser.add_argument("--every", type=int, default=48)  # a multiple of steps_per_execution (16)
    args = parser.parse_args()
    data = load_mnist()
    config = PRESETS[args.preset]
    clock = TestAccuracyClock(data, args.every)
    result = train_model(config, data, callbacks=[clock])
    print(f"preset={args.preset} config={config}")
    print("| preset | s to 98.0% | s to 99.0% | s to 99.5% | final test accuracy | training s (scoring excluded) |")
    print("| --- | --- | --- | --- | --- | --- |")
    print(
        f"| {args.preset} | {first_time_at(clock.points, 0.98)} | {first_time_at(clock.points, 0.99)} "
        f"| {first_time_at(clock.points, 0.995)} | {result.test_accuracy:.4f} | {result.seconds - clock.paused:.1f} |"
    )


if __name__ == "__main__":
    main()
