"""Fine-tune a trained model on the user's drawings, mixed with MNIST so it does not forget."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import keras
import numpy as np

from digitlab.language import _
from digitlab.learn.data import Dataset
from digitlab.learn.evaluate import evaluate_model

REPEATS = 40  # each drawing is seen this many times per pass: a handful against thousands of MNIST digits
MNIST_SAMPLE = 6000  # MNIST training digits mixed in, so the model keeps what it knew
LEARNING_RATE = 5e-4  # gentle: adjust the model, do not retrain it


class FineTuneStopped(RuntimeError):
    """The fine-tuning was asked to stop before it ended; nothing was kept."""


class StopWhenSet(keras.callbacks.Callback):
    """End the fit after the current batch once `stop` is set."""

    def __init__(self, stop):
        super().__init__()
        self.stop = stop

    def on_train_batch_end(self, batch, logs=None):
        if self.stop.is_set():
            self.model.stop_training = True


@dataclass
class FineTuneResult:
    model: keras.Model
    test_before: float
    test_after: float
    drawings_before: float
    drawings_after: float


def fine_tune(
    model: keras.Model,
    x: np.ndarray,
    y: np.ndarray,
    data: Dataset,
    epochs: int = 2,
    seed: int = 0,
    stop: threading.Event | None = None,
) -> FineTuneResult:
    """Return a fine-tuned copy of `model` (the original is left as it is) and before/after accuracies.

    Args:
        x, y: the user's drawings, (n, 28, 28) pixels 0-255 and (n,) labels.
        stop: when set, the fit ends after the current batch and FineTuneStopped is raised.
    """
    if len(x) == 0:
        raise ValueError(_("No drawings to learn from: save a few first."))  # on a worker: English, _() where shown
    keras.utils.set_random_seed(seed)
    tuned = keras.models.clone_model(model)
    tuned.set_weights(model.get_weights())
    tuned.compile(keras.optimizers.Adam(LEARNING_RATE), "sparse_categorical_crossentropy", metrics=["accuracy"])
    rng = np.random.default_rng(seed)
    sample = rng.choice(len(data.x_fit), MNIST_SAMPLE, replace=False)
    mixed_x = np.concatenate([data.x_fit[sample].astype(np.float32), np.repeat(x, REPEATS, axis=0)])
    mixed_y = np.concatenate([data.y_fit[sample], np.repeat(y, REPEATS)])
    callbacks = [] if stop is None else [StopWhenSet(stop)]
    tuned.fit(mixed_x, mixed_y, batch_size=64, epochs=epochs, shuffle=True, verbose=0, callbacks=callbacks)
    if stop is not None and stop.is_set():
        raise FineTuneStopped(_("The fine-tuning was stopped; nothing was kept."))
    return FineTuneResult(
        model=tuned,
        test_before=evaluate_model(model, data.x_test, data.y_test).accuracy,
        test_after=evaluate_model(tuned, data.x_test, data.y_test).accuracy,
        drawings_before=evaluate_model(model, x, y).accuracy,
        drawings_after=evaluate_model(tuned, x, y).accuracy,
    )
