"""Training on every core of a CPU: each batch split in parts that run side by side, one core each.

The default `fast` network's operations are too small for TensorFlow to share one of them between
two cores well: with two threads per operation a training step took 19.5 ms, with one 21.4 ms. With
one thread per operation, as many operations at once as cores, and each batch split in that many
parts (the forward and backward pass of each part run side by side; the gradients are summed), a
step took 11.2 ms (2 cores, batches of 256, 2026-12-07). Batch norm then normalizes each part on its
own statistics, as "ghost batch norm" does: `fast` ends at 99.22% (99.25% unsplit; docs/performance.md).

A process that trains calls `train_on_every_core()` before TensorFlow's first operation (the thread
pools are made then, once); the embedded cluster's workers get the same through their environment
(`TF_NUM_INTRAOP_THREADS=1`). Elsewhere, and where there is a GPU, a batch is not split.
"""

from __future__ import annotations

import logging
import os
import types

import keras
import tensorflow as tf
from keras.src.losses.loss import unscale_loss_for_distribution
from keras.src.trainers.data_adapters.data_adapter_utils import unpack_x_y_sample_weight

log = logging.getLogger(__name__)

MAX_PARTS = 4  # more parts of one batch: ops too small again (2 cores: 4 parts no faster than 2)


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def thread_settings() -> dict[str, str]:
    """The environment that gives a new process one thread per operation, one operation per core."""
    return {"TF_NUM_INTRAOP_THREADS": "1", "TF_NUM_INTEROP_THREADS": str(usable_cores())}


def train_on_every_core() -> None:
    """Set this process's TensorFlow to one thread per operation and one operation per core at once.
    Only before its first operation; afterwards it keeps what it has (logged)."""
    try:
        tf.config.threading.set_intra_op_parallelism_threads(1)
        tf.config.threading.set_inter_op_parallelism_threads(usable_cores())
    except RuntimeError:
        log.info("TensorFlow's threads were set already; batches are split only if they are one per operation")


def one_thread_per_operation() -> bool:
    return (
        tf.config.threading.get_intra_op_parallelism_threads() == 1 or os.environ.get("TF_NUM_INTRAOP_THREADS") == "1"
    )


def batch_parts(batch_size: int) -> int:
    """How many parts each training batch is split into: one per core where operations run one thread
    each on a CPU, if the batch divides evenly; else 1."""
    if not one_thread_per_operation() or tf.config.list_logical_devices("GPU"):
        return 1
    parts = min(usable_cores(), MAX_PARTS)
    return parts if parts > 1 and batch_size % parts == 0 else 1


def split_batches(model: keras.Model, parts: int) -> None:
    """Make `model`'s training step run each batch as `parts` parts side by side (see the module's text).
    The same loss, metrics and optimizer step as Keras' own `train_step`; only the forward pass is split."""
    if parts > 1:
        model.train_step = types.MethodType(_split_train_step, model)
        model.batch_parts = parts


def _split_train_step(self, data):
    """Keras 3's TensorFlow `train_step` (keras/src/backend/tensorflow/trainer.py), its forward pass in parts."""
    x, y, sample_weight = unpack_x_y_sample_weight(data)
    with tf.GradientTape() as tape:
        y_pred = joined([self(part, training=True) for part in tf.split(x, self.batch_parts)])
        loss = self._compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight, training=True)
        self._loss_tracker.update_state(unscale_loss_for_distribution(loss), sample_weight=tf.shape(x)[0])
        loss = self.optimizer.scale_loss(loss)
    gradients = tape.gradient(loss, self.trainable_weights)
    self.optimizer.apply_gradients(zip(gradients, self.trainable_weights, strict=True))
    return self.compute_metrics(x, y, y_pred, sample_weight=sample_weight)


def joined(outputs: list[tf.Tensor]) -> tf.Tensor:
    """The parts' outputs as one batch. Keras computes the loss of a softmax from the logits it keeps on
    the softmax's output (`_keras_logits`): numerically stable, and a runaway learning rate still shows
    as a NaN loss. The joined output keeps the joined logits, so the loss is the same as unsplit."""
    output = tf.concat(outputs, axis=0)
    if all(hasattr(part, "_keras_logits") for part in outputs):
        output._keras_logits = tf.concat([part._keras_logits for part in outputs], axis=0)
    return output
