"""Training throughput: digitlab.train_model with the live view attached vs a plain `model.fit`.

    python bench/train_speed.py [--runs 3] [--only fast mlp]

For every architecture, alternately, each in a process of its own: (a) train_model as a worker runs
it (one thread per operation, the batch split across the cores: learn/cores.py) with a listener
whose buffer a second thread drains once a second, rebuilding both chart specs as the Train page
does, and (b) the same model, batch size and data with plain `model.fit(x, y, verbose=0)` on
TensorFlow's own thread settings. One epoch on the 55,000 training images each, after one of the
same in that process (first traces and allocations). Prints the median seconds of each and the
throughput ratio digitlab/plain (above 1.0: digitlab is faster).
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time

import common  # noqa: F401 - first: puts the project on the import path
import keras
from common import last_line_of_its_own_process

from digitlab.learn.architectures import ARCHITECTURES, build_model
from digitlab.learn.cores import train_on_every_core
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


def one_side(side: str, name: str) -> None:
    """In a process of its own: one run of `side` to warm up, then the timed one; prints its seconds."""
    if side == "digitlab":
        train_on_every_core()
    data = load_mnist()
    config = TrainConfig.for_architecture(name, epochs=1)
    run = digitlab_run if side == "digitlab" else plain_run
    run(config, data)
    print(f"seconds {run(config, data)}")


def timed_in_a_process(side: str, name: str) -> float:
    return float(last_line_of_its_own_process(__file__, "--side", side, "--only", name)[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", nargs="*", default=list(ARCHITECTURES))
    parser.add_argument("--side", choices=["digitlab", "plain"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side:
        one_side(args.side, args.only[0])
        return
    print("| model | batch | digitlab s | plain fit s | throughput ratio digitlab/plain |")
    print("| --- | --- | --- | --- | --- |")
    for name in args.only:
        ours, plain = [], []
        for _ in range(args.runs):
            ours.append(timed_in_a_process("digitlab", name))
            plain.append(timed_in_a_process("plain", name))
        a, b, batch = statistics.median(ours), statistics.median(plain), TrainConfig.for_architecture(name).batch_size
        print(f"| {name} | {batch} | {a:.2f} | {b:.2f} | {b / a:.2f} |", flush=True)


if __name__ == "__main__":
    main()
