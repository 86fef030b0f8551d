import subprocess
import sys
import textwrap
import threading

import numpy as np
import pytest
import tensorflow as tf

from digitlab.learn import train
from digitlab.learn.augment import augment_batch
from digitlab.learn.train import TrainConfig, TrainingDiverged, compiled_model, train_model, training_set
from digitlab.serve import pool

QUICK = dict(epochs=1, train_limit=2000)


def test_short_training_learns(mnist):
    result = train_model(TrainConfig.for_architecture("softmax", **QUICK), mnist)
    assert result.test_accuracy > 0.8  # chance is 0.1
    assert set(result.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert result.steps == 20 and not result.stopped
    assert result.seconds > 0


def test_fast_cnn_learns_from_a_slice(mnist):
    result = train_model(TrainConfig.for_architecture("fast", batch_size=32, **QUICK), mnist)
    assert result.test_accuracy > 0.6


def test_progress_events(mnist):
    events = []
    config = TrainConfig.for_architecture("mlp", epochs=2, train_limit=3200, batch_size=32)
    train_model(config, mnist, listener=events.append)
    epochs = [e for e in events if e.kind == "epoch"]
    assert [e.epoch for e in epochs] == [1, 2]
    assert all(e.val_accuracy is not None and 0 <= e.val_accuracy <= 1 for e in epochs)
    steps = [e.step for e in events]
    assert steps == sorted(steps) and steps[-1] == 200 == events[-1].total_steps
    assert all(e.examples_per_second > 0 and np.isfinite(e.loss) for e in events)
    assert epochs[-1].seconds_left == 0


def test_the_smoothed_curves_do_not_jump_at_epoch_boundaries(mnist):
    """Keras' running means restart each epoch (for this run they jump by about 0.1 in accuracy)."""
    events = []
    config = TrainConfig.for_architecture("mlp", epochs=3, train_limit=3200, batch_size=32)
    train_model(config, mnist, listener=events.append)
    batches = [e for e in events if e.kind == "batch"]
    for boundary in (100, 200):
        before = max((e for e in batches if e.step <= boundary), key=lambda e: e.step)
        after = min((e for e in batches if e.step > boundary), key=lambda e: e.step)
        assert abs(after.accuracy - before.accuracy) < 0.04, (boundary, before.accuracy, after.accuracy)
        assert abs(after.loss - before.loss) < 0.15, (boundary, before.loss, after.loss)
    assert batches[-1].accuracy > batches[0].accuracy + 0.2  # and they show the learning


def test_stop_keeps_what_was_learned(mnist):
    stop = threading.Event()
    config = TrainConfig.for_architecture("mlp", epochs=50, train_limit=5000, batch_size=32)

    def listener(event):
        if event.step >= 100:
            stop.set()

    result = train_model(config, mnist, listener=listener, stop=stop)
    assert result.stopped and result.steps < config.epochs * 157
    assert result.test_accuracy > 0.6  # the model it stopped with has learned


def test_nan_loss_stops_with_clear_error(mnist):
    config = TrainConfig.for_architecture("mlp", learning_rate=1e6, **QUICK)
    with pytest.raises(TrainingDiverged, match="learning rate is too high"):
        train_model(config, mnist)


def test_same_seed_same_model(mnist):
    def weights(seed):
        config = TrainConfig.for_architecture("fast", seed=seed, augment=True, epochs=1, train_limit=512)
        return train_model(config, mnist).model.get_weights()

    first, again, other = weights(1), weights(1), weights(2)
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert not all(np.array_equal(a, b) for a, b in zip(first, other))


def test_a_ready_model_trains_exactly_as_a_new_one_and_is_taken_once(mnist):
    config = TrainConfig.for_architecture("fast", augment=True, epochs=1, train_limit=512)
    new = train_model(config, mnist)
    pool.prepare_ready_model(mnist, TrainConfig.for_architecture("fast", epochs=1, train_limit=1024))
    assert pool.take_ready_model(config, mnist) is None  # not the settings it was made for: kept
    other = train_model(config, mnist)  # built anew
    assert len(pool.READY) == 1
    pool.prepare_ready_model(mnist, config)
    ready = pool.take_ready_model(config, mnist)
    assert ready is not None and not pool.READY
    taken = train_model(config, mnist, model=ready.model)
    assert taken.model is ready.model
    for a, b, c in zip(new.model.get_weights(), taken.model.get_weights(), other.model.get_weights(), strict=True):
        assert np.array_equal(a, b) and np.array_equal(a, c)
    assert taken.test_accuracy == new.test_accuracy > 0.2  # 4 steps: past chance (0.1)
    pool.give_back(ready)  # its result is out: ready again, and trains exactly as a new one again
    again = train_model(config, mnist, model=pool.take_ready_model(config, mnist).model)
    assert again.model is ready.model and not pool.READY
    for a, b in zip(new.model.get_weights(), again.model.get_weights(), strict=True):
        assert np.array_equal(a, b)


@pytest.mark.parametrize(
    "change, message",
    [
        (dict(learning_rate=0), "Learning rate must be a positive"),
        (dict(learning_rate=-1), "Learning rate must be a positive"),
        (dict(batch_size=0), "Batch size must be between 1"),
        (dict(batch_size=10**6), "Batch size must be between 1"),
        (dict(epochs=0), "Epochs must be at least 1"),
        (dict(seed=2**32), "The seed must be a whole number from 0 to 4,294,967,295"),
        (dict(seed=-1), "The seed must be a whole number from 0"),
        (dict(optimizer="adagrad"), "Unknown optimizer 'adagrad'"),
        (dict(architecture="resnet"), "Unknown architecture 'resnet'"),
    ],
)
def test_bad_settings_are_refused(mnist, change, message):
    config = TrainConfig.for_architecture("softmax", **QUICK)
    for key, value in change.items():
        setattr(config, key, value)
    with pytest.raises(ValueError, match=message):
        train_model(config, mnist)


def test_augmentation_moves_digits_but_keeps_them(mnist):
    images = tf.constant(mnist.x_test[:64].astype("float32"))
    out = augment_batch(images, tf.constant([0, 1])).numpy()
    assert out.shape == (64, 28, 28) and out.min() >= 0 and out.max() <= 255.5
    assert not np.allclose(out, images.numpy())
    ink_ratio = out.sum(axis=(1, 2)) / images.numpy().sum(axis=(1, 2))
    assert 0.4 < ink_ratio.min() and ink_ratio.max() < 2.5  # distorted, not erased or smeared
    again = augment_batch(images, tf.constant([0, 1])).numpy()
    assert np.array_equal(out, again)


@pytest.mark.parametrize("augment", [False, True])
def test_the_training_batches_free_their_iterator_without_waiting(mnist, augment):
    """tf.data's autotuning thread made freeing a run's iterator wait up to its next round (7-10 s
    after a default run, see make_dataset): the training batches come without it, and still full."""
    config = TrainConfig(train_limit=1000, batch_size=100, augment=augment)
    batches = train.make_dataset(*training_set(config, mnist), config)
    assert batches.options().autotune.enabled is False
    first = [x.shape[0] for x, _ in batches.take(12)]  # more than one pass: the data repeats
    assert first == [100] * 12


def test_mirrored_strategy_on_two_logical_cpus(tmp_path):
    script = textwrap.dedent(
        """
        import tensorflow as tf
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
        from digitlab.learn.data import load_mnist
        from digitlab.learn.train import TrainConfig, train_model
        strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
        config = TrainConfig.for_architecture("softmax", epochs=1, train_limit=2000)
        result = train_model(config, load_mnist(), strategy=strategy)
        print("replicas", strategy.num_replicas_in_sync, "accuracy", result.test_accuracy)
        """
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    words = out.stdout.split()
    assert words[1] == "2" and float(words[3]) > 0.8


def test_a_config_counts_its_images_without_loading_mnist(mnist):
    configs = [
        TrainConfig(),
        TrainConfig(validation=False),
        TrainConfig(train_limit=3000),
        TrainConfig(train_limit=10**6),
        TrainConfig(train_limit=100, styles=2),
    ]
    for config in configs:
        assert config.example_count() == len(training_set(config, mnist)[0])
    with pytest.raises(ValueError, match="between 1 and the 3000 training images"):
        TrainConfig(train_limit=3000, batch_size=4000).validate()


def test_a_new_models_training_step_is_traced_once(mnist):
    """Its optimizer's variables are made before the first trace: a step that makes variables is traced
    twice. (Its metrics' are made by the validation's trace, before training: train_model.)"""
    config = TrainConfig.for_architecture("fast", batch_size=32)  # Adam: moments for every weight
    model = compiled_model(config, total_steps=4)
    x, y = mnist.x_train[:128].astype("float32"), mnist.y_train[:128]
    model.evaluate(x, y, batch_size=32, verbose=0)
    traced, step = [], model.train_step
    model.train_step = lambda data: traced.append(1) or step(data)
    model.fit(x, y, batch_size=32, epochs=1, verbose=0)
    assert len(traced) == 1
