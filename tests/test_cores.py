import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest

from digitlab.learn import cores
from digitlab.learn.train import TrainConfig, TrainingDiverged, compiled_model, train_model


def one_step(model, x, y) -> list[np.ndarray]:
    model.fit(x, y, batch_size=len(x), epochs=1, shuffle=False, verbose=0)
    return [w.copy() for w in model.get_weights()]


def test_a_batch_split_in_parts_takes_the_same_step_as_the_whole_batch(mnist):
    """Without batch norm, the parts' summed gradients are the whole batch's: the same new weights."""
    config = TrainConfig.for_architecture("mlp", batch_size=64)
    x, y = mnist.x_train[:64].astype("float32"), mnist.y_train[:64]
    steps = []
    for parts in (1, 2, 4):
        keras.utils.set_random_seed(0)
        model = compiled_model(config, total_steps=10)
        cores.split_batches(model, parts)
        steps.append(one_step(model, x, y))
    for split in steps[1:]:
        for whole, part in zip(steps[0], split, strict=True):
            np.testing.assert_allclose(part, whole, rtol=1e-4, atol=1e-5)
    assert not np.allclose(steps[0][0], compiled_model(config, total_steps=10).get_weights()[0])  # it did move


@pytest.mark.parametrize(
    ("intra", "cores_", "batch", "parts"),
    [("1", 2, 256, 2), ("1", 8, 256, cores.MAX_PARTS), ("1", 2, 255, 1), ("1", 1, 256, 1), (None, 2, 256, 1)],
)
def test_batches_are_split_only_with_one_thread_per_operation_and_an_even_split(
    monkeypatch, intra, cores_, batch, parts
):
    if intra is None:
        monkeypatch.delenv("TF_NUM_INTRAOP_THREADS", raising=False)
    else:
        monkeypatch.setenv("TF_NUM_INTRAOP_THREADS", intra)
    monkeypatch.setattr(cores, "usable_cores", lambda: cores_)
    if intra is None and cores.one_thread_per_operation():
        pytest.skip("this process's TensorFlow already runs one thread per operation")
    assert cores.batch_parts(batch) == parts


def test_a_process_set_to_train_on_every_core_splits_the_default_and_learns(monkeypatch):
    """As the CLI and the embedded workers run it: one thread per operation, the batch in parts."""
    script = textwrap.dedent(
        """
        from digitlab.learn.cores import train_on_every_core, usable_cores
        train_on_every_core()
        import tensorflow as tf
        from digitlab.learn.data import load_mnist
        from digitlab.learn.train import TrainConfig, train_model
        config = TrainConfig.for_architecture("fast", epochs=1, train_limit=4096, validation=False)
        result = train_model(config, load_mnist())
        print(tf.config.threading.get_intra_op_parallelism_threads(), getattr(result.model, "batch_parts", 1),
              usable_cores(), result.test_accuracy)
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    intra, parts, usable, accuracy = done.stdout.split()
    monkeypatch.setenv("TF_NUM_INTRAOP_THREADS", "1")  # what the rule gives such a process (tested above)
    monkeypatch.setattr(cores, "usable_cores", lambda: int(usable))
    assert intra == "1" and int(parts) == cores.batch_parts(256)
    assert float(accuracy) > 0.5  # 4,096 digits once (chance: 0.1): it learned


def test_split_batches_still_show_a_runaway_learning_rate_as_a_nan_loss(mnist, monkeypatch):
    """The loss comes from the softmax's logits, as unsplit (clipped probabilities would hide the NaN)."""
    monkeypatch.setenv("TF_NUM_INTRAOP_THREADS", "1")
    monkeypatch.setattr(cores, "usable_cores", lambda: 2)
    config = TrainConfig.for_architecture("mlp", learning_rate=1e6, epochs=1, train_limit=2000)
    with pytest.raises(TrainingDiverged, match="learning rate is too high"):
        train_model(config, mnist)
