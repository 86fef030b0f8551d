"""Training throughput: digitlab.train_model with the live view attached vs a plain `model.fit`.

    python bench/train_speed.py [--runs 3] [--only fast mlp]

For every architecture, alternately: (a) train_model with a listener whose buffer a second
thread drains once a second, rebuilding both chart specs as the Train page does, and (b) the
same model, batch size and data with plain `model.fit(x, y, verbose=0)`. One epoch on the
55,000 training images each. Prints the median seconds of each and the throughput ratio
digitlab/plain (above 1.0: digitlab is faster).
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time

import common  # noqa: F401 - first: puts the project on the import path
import keras

from digitlab.learn.architectures import ARCHITECTURES, build_model
from digitlab.learn.data import load_mnist
from digitlab.learn.plots import history_rows, training_spec
from digitlab.learn.train import TrainConfig, make_optimizer, train_model


def digitlab_run(config: TrainConfig, data) -> float:
    """Seconds of training with the live view attached and drained as the page does."""
    events, done = [], threading.Event()
    steps_per_epoch = -(-len(data.x_fit) // config.batch_size)

    def page_redraws() -> None:
        while not done.wait(1.0):
            rows = history_rows(list(events), steps_per_epoch)
            training_spec(rows)

    drainer = threading.Thread(target=page_redraws)
    drainer.start()
    try:
        return train_model(config, data, listener=events.append).seconds
    finally:
        done.set()
        drainer.join()


def plain_run(config: TrainConfig, data) -> float:
    """Seconds of a plain Keras fit of the same model on the same arrays."""
    keras.utils.set_random_seed(config.seed)
    model = build_model(config.architecture)
    steps = -(-len(data.x_fit) // config.batch_size) * config.epochs
    model.compile(make_optimizer(config, steps), "sparse_categorical_crossentropy", metrics=["accuracy"])
    x, y = data.x_fit.astype("float32"), data.y_fit
    start = time.perf_counter()
    model.fit(
        x, y, batch_size=config.batch_size, epochs=config.epochs, validation_data=(data.x_val, data.y_val), verbose=0
    )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", nargs="*", default=list(ARCHITECTURES))
    args = parser.parse_args()
    data = load_mnist()
    print("| model | batch | digitlab s | plain fit s | throughput ratio digitlab/plain |")
    print("| --- | --- | --- | --- | --- |")
    for name in args.only:
        config = TrainConfig.for_architecture(name, epochs=1)
        plain_run(config, data)  # warm-up: first traces and allocations
        ours, plain = [], []
        for _ in range(args.runs):
            ours.append(digitlab_run(config, data))
            plain.append(plain_run(config, data))
        a, b = statistics.median(ours), statistics.median(plain)
        print(f"| {name} | {config.batch_size} | {a:.2f} | {b:.2f} | {b / a:.2f} |", flush=True)


if __name__ == "__main__":
    main()
