"""Why a model says what it says: saliency maps, weight images, conv filters, and every layer's view of a drawing."""

from __future__ import annotations

from dataclasses import dataclass

import keras
import numpy as np
import tensorflow as tf

from digitlab.learn.plots import scale_each

IG_STEPS = 32  # integrated-gradients path steps: enough for stable maps at 28x28


def integrated_gradients(model: keras.Model, pixels: np.ndarray, target: int, steps: int = IG_STEPS) -> np.ndarray:
    """Attribution of each pixel to the `target` probability (Sundararajan et al., 2017).

    Args:
        pixels: (28, 28) floats in 0-255, as the model takes them.
        target: the digit to explain (the prediction, or any other: "why not a 7?").
    Returns:
        (28, 28) attributions: positive pixels push towards `target`, negative away. They add
        up to about p(target | pixels) - p(target | black image).
    """
    return attribution(model, tf.constant(np.asarray(pixels, np.float32)), tf.constant(target), steps).numpy()


def attribution(model: keras.Model, image: tf.Tensor, target: tf.Tensor, steps: int = IG_STEPS) -> tf.Tensor:
    """`integrated_gradients` in tensors: run eagerly, or traced once per model (`Predictor.attributions`,
    about 6x faster)."""
    alphas = tf.reshape(tf.linspace(1.0 / steps, 1.0, steps), (steps, 1, 1))
    path = alphas * image[tf.newaxis]  # (steps, 28, 28): from black to the image
    with tf.GradientTape() as tape:
        tape.watch(path)
        probabilities = tf.gather(model(path, training=False), target, axis=1)
    gradients = tape.gradient(probabilities, path)
    return image * tf.reduce_mean(gradients, axis=0)


def attribution_overlay(pixels: np.ndarray, attribution: np.ndarray, size: int = 196) -> np.ndarray:
    """(size, size, 3) uint8: the digit in grey, red where pixels push towards the class, blue against."""
    scale = np.abs(attribution).max() or 1.0
    signed = attribution / scale  # [-1, 1]
    grey = np.asarray(pixels, np.float32)[..., None] / 255 * 0.45
    red = np.clip(signed, 0, 1)[..., None] * np.array([1.0, 0.15, 0.1])
    blue = np.clip(-signed, 0, 1)[..., None] * np.array([0.15, 0.35, 1.0])
    image = np.clip(grey + red + blue, 0, 1) * 255
    factor = max(1, size // 28)
    return image.astype(np.uint8).repeat(factor, 0).repeat(factor, 1)


def diverging(images: np.ndarray) -> np.ndarray:
    """(n, h, w) signed weights -> (n, h, w, 3) uint8: red positive, blue negative, each image scaled alone."""
    signed = scale_each(images)
    red = np.clip(signed, 0, 1)[..., None] * np.array([1.0, 0.2, 0.15])
    blue = np.clip(-signed, 0, 1)[..., None] * np.array([0.15, 0.4, 1.0])
    white = 1 - np.abs(signed)[..., None]  # zero weight is white, as in the tutorial's figure
    return (np.clip(white + red + blue, 0, 1) * 255).astype(np.uint8)


def softmax_weight_images(model: keras.Model) -> np.ndarray:
    """(10, 28, 28): for softmax regression, the evidence each pixel gives for each digit."""
    kernel = model.get_layer("probabilities").kernel.numpy()  # (784, 10)
    if kernel.shape[0] != 784:
        raise ValueError("Weight images exist only for softmax regression (a single dense layer on the pixels).")
    return kernel.T.reshape(10, 28, 28)


def first_conv(model: keras.Model) -> keras.layers.Layer | None:
    """The model's first convolution, or None for models without one."""
    return next((layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)), None)


def required_first_conv(model: keras.Model) -> keras.layers.Layer:
    """The model's first convolution; ValueError if it has none."""
    layer = first_conv(model)
    if layer is None:
        raise ValueError("This model has no convolution layer.")
    return layer


def conv_filters(model: keras.Model) -> np.ndarray:
    """(filters, k, k) kernels of the first convolution."""
    layer = required_first_conv(model)
    return np.moveaxis(layer.kernel.numpy()[:, :, 0, :], -1, 0)


def feature_maps(model: keras.Model, pixels: np.ndarray) -> np.ndarray:
    """(filters, h, w): the first convolution's response to `pixels` (after its activation), 0-255."""
    index = model.layers.index(required_first_conv(model))
    x = tf.constant(np.asarray(pixels, np.float32)[np.newaxis])
    for current in model.layers[: index + 1]:
        x = current(x, training=False)
    # After a batch norm + ReLU pair (`fast` models saved before 2026-11-21), show what the next layer sees.
    for following in model.layers[index + 1 : index + 3]:
        if isinstance(following, FOLDED):
            x = following(x, training=False)
    return scale_each(np.moveaxis(np.maximum(x.numpy()[0], 0), -1, 0)) * 255


def top_k(probabilities: np.ndarray, k: int = 3) -> list[tuple[int, float]]:
    """The k most likely digits with their probabilities, most likely first."""
    order = np.argsort(-probabilities)[:k]
    return [(int(d), float(probabilities[d])) for d in order]


PASS_THROUGH = (keras.layers.Rescaling, keras.layers.Reshape, keras.layers.Flatten, keras.layers.Dropout)
FOLDED = (keras.layers.BatchNormalization, keras.layers.ReLU, keras.layers.Activation)  # part of the layer before


@dataclass
class LayerView:
    """What one layer makes of a drawing."""

    name: str
    values: np.ndarray  # (28, 28) input, (h, w, channels) feature maps, or (units,) activations

    @property
    def kind(self) -> str:
        return {2: "input", 3: "maps"}.get(self.values.ndim, "units")


def layer_walk(model: keras.Model, pixels: np.ndarray, outputs: list[tf.Tensor] | None = None) -> list[LayerView]:
    """Follow `pixels` through the model: the input, then each layer's output, the probabilities last.

    Layers that only reshape or rescale are skipped; a batch norm or ReLU after a layer is folded
    into it, so a conv block shows once, as the next layer sees it. `outputs`: the model's
    `layer_outputs` for these pixels if already computed (`Predictor.layer_walk` traces them once).
    """
    if outputs is None:
        outputs = layer_outputs(model, tf.constant(np.asarray(pixels, np.float32)[np.newaxis]))
    views = [LayerView("input", np.asarray(pixels, np.float32))]
    for layer, output in zip(model.layers, outputs):
        if isinstance(layer, PASS_THROUGH):
            continue
        if isinstance(layer, FOLDED) and len(views) > 1:
            views[-1].values = output.numpy()[0]
        else:
            views.append(LayerView(layer.name, output.numpy()[0]))
    return views


def layer_outputs(model: keras.Model, x: tf.Tensor) -> list[tf.Tensor]:
    """Every layer's output for the batch `x`, in the order of `model.layers`."""
    outputs = []
    for layer in model.layers:
        x = layer(x, training=False)
        outputs.append(x)
    return outputs


DREAM_STEPS = 300


def dream_digits(model: keras.Model, steps: int = DREAM_STEPS, seed: int = 0) -> np.ndarray:
    """What the model thinks each digit looks like: (10, 28, 28) pixels 0-255, the k-th the input it
    finds most like a k.

    Gradient ascent on the log-probability of each digit, from faint noise, with the usual
    regularizers so that a shape appears rather than a texture only the model sees: a random shift
    of up to 2 pixels at every step (jitter), a slight blur and a pull towards black (decay), the
    pixels kept in 0-255.
    """
    rng = tf.random.Generator.from_seed(seed)
    pixels = tf.Variable(rng.uniform((10, 28, 28), 0, 10))
    digits = tf.range(10)
    blur = tf.constant([[1, 2, 1], [2, 4, 2], [1, 2, 1]], tf.float32)[:, :, None, None] / 16

    @tf.function
    def step(pixels: tf.Tensor, shift: tf.Tensor) -> tf.Tensor:
        with tf.GradientTape() as tape:
            tape.watch(pixels)
            probabilities = model(tf.roll(pixels, shift, axis=(1, 2)), training=False)
            score = tf.reduce_sum(tf.math.log(tf.gather(probabilities, digits, batch_dims=1) + 1e-9))
        gradient = tape.gradient(score, pixels)
        moved = pixels + 4.0 * gradient / (tf.math.reduce_std(gradient, axis=(1, 2), keepdims=True) + 1e-8)
        smooth = tf.nn.conv2d(moved[..., None], blur, 1, "SAME")[..., 0]
        return tf.clip_by_value(0.95 * (0.5 * moved + 0.5 * smooth), 0, 255)

    for _ in range(steps):
        pixels.assign(step(pixels, rng.uniform((2,), -2, 3, dtype=tf.int32)))
    return pixels.numpy()
