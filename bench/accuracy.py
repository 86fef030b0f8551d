"""Train every architecture at its tutorial settings on full MNIST; print test accuracy vs the published figure.

python bench/accuracy.py [--only NAME ...]
"""

from __future__ import annotations

import argparse
import sys

import common  # noqa: F401 - first: puts the project on the import path

from digitlab.learn.architectures import ARCHITECTURES
from digitlab.learn.data import load_mnist
from digitlab.learn.train import TrainConfig, train_model


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", nargs="*", default=list(ARCHITECTURES))
    args = parser.parse_args()
    data = load_mnist()
    print("| model | optimizer, lr, batch, epochs | test accuracy | published | train s | meets |")
    print("| --- | --- | --- | --- | --- | --- |")
    failures = 0
    for name in args.only:
        config = TrainConfig.for_architecture(name)
        result = train_model(config, data)
        published = ARCHITECTURES[name].published_accuracy
        meets = result.test_accuracy >= published
        failures += not meets
        settings = (
            f"{config.optimizer} {config.learning_rate:g} ({config.schedule}), {config.batch_size}, {config.epochs}"
        )
        print(
            f"| {name} | {settings} | {result.test_accuracy:.4f} | {published:.4f} "
            f"| {result.seconds:.0f} | {'yes' if meets else 'NO'} |",
            flush=True,
        )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
