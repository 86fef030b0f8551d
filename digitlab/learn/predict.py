"""Fast prediction for single images: preprocess, then a compiled call of the model (never model.predict)."""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np
import tensorflow as tf
from PIL import Image

from digitlab.learn import explain
from digitlab.learn.preprocess import preprocess


class Predictor:
    """A loaded model behind compiled calls: half a millisecond for one drawing on a CPU.

    One image goes through an XLA-compiled call of fixed shape (about half the time of the plain
    graph call: `bench/latency.py`), compiled on the first single image (about 0.4 s, once per
    model); batches, of any size, through the graph call, which XLA would compile again for every
    new size. A model asked once, as in the Draw page's table of the best models, is best asked
    with a batch of one.
    """

    def __init__(self, model: keras.Model, meta: dict | None = None):
        self.model, self.meta = model, meta or {}
        self._one = tf.function(
            lambda x: model(x, training=False),
            input_signature=[tf.TensorSpec((1, 28, 28), tf.float32)],
            jit_compile=True,
        )
        self._batch = tf.function(
            lambda x: model(x, training=False),
            input_signature=[tf.TensorSpec((None, 28, 28), tf.float32)],
            reduce_retracing=True,
        )
        self._batch(tf.zeros((1, 28, 28)))  # trace now, not on the first use
        self._attribution = tf.function(  # the Draw page's "Why?", traced on first use
            lambda image, target: explain.attribution(model, image, target),
            input_signature=[tf.TensorSpec((28, 28), tf.float32), tf.TensorSpec((), tf.int32)],
        )
        self._layers = tf.function(
            lambda x: explain.layer_outputs(model, x), input_signature=[tf.TensorSpec((1, 28, 28), tf.float32)]
        )

    def probabilities(self, pixels: np.ndarray) -> np.ndarray:
        """(28, 28) or (n, 28, 28) pixels in 0-255 -> (10,) or (n, 10) probabilities."""
        pixels = np.asarray(pixels, dtype=np.float32)
        if pixels.ndim == 2:
            return self._one(tf.constant(pixels[np.newaxis])).numpy()[0]
        return self._batch(tf.constant(pixels)).numpy()

    def attributions(self, pixels: np.ndarray, target: int) -> np.ndarray:
        """`explain.integrated_gradients` of (28, 28) `pixels` for `target`, through a traced graph."""
        return self._attribution(tf.constant(np.asarray(pixels, np.float32)), tf.constant(target)).numpy()

    def layer_walk(self, pixels: np.ndarray) -> list[explain.LayerView]:
        """`explain.layer_walk` of (28, 28) `pixels`, its layer outputs through a traced graph."""
        pixels = np.asarray(pixels, np.float32)
        return explain.layer_walk(self.model, pixels, self._layers(tf.constant(pixels[np.newaxis])))

    def predict_image(self, source: str | Path | bytes | Image.Image | np.ndarray) -> np.ndarray:
        """Preprocess any user image like MNIST and return its ten probabilities."""
        return self.probabilities(preprocess(source))
