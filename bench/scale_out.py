"""Scale out: the same train_model on one device and under MirroredStrategy over two devices.

    python bench/scale_out.py [--model fast] [--epochs 1]

On a machine with GPUs, MirroredStrategy takes every GPU; here, with none, the CPU is split
into two logical devices to show the same code and accuracy under a two-replica strategy.
"""

from __future__ import annotations

import argparse

import common  # noqa: F401 - first: puts the project on the import path
import tensorflow as tf

GPUS = tf.config.list_physical_devices("GPU")
if not GPUS:  # must happen before TensorFlow initializes its devices
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)

from digitlab.learn.data import load_mnist  # noqa: E402
from digitlab.learn.train import TrainConfig, train_model  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default="fast")
    parser.add_argument("--epochs", type=int, default=1)
    args = parser.parse_args()
    data = load_mnist()
    config = TrainConfig.for_architecture(args.model, epochs=args.epochs)
    devices = [d.name for d in tf.config.list_logical_devices("GPU")] or ["/cpu:0", "/cpu:1"]
    strategies = {
        "one device": tf.distribute.get_strategy(),
        f"MirroredStrategy over {len(devices)} devices": tf.distribute.MirroredStrategy(devices),
    }
    print("| strategy | replicas | test accuracy | train s |")
    print("| --- | --- | --- | --- |")
    for name, strategy in strategies.items():
        result = train_model(config, data, strategy=strategy)
        print(
            f"| {name} | {strategy.num_replicas_in_sync} | {result.test_accuracy:.4f} | {result.seconds:.1f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
