"""Random distortions of training digits, as people's handwriting varies: shift, rotate, scale, stroke width."""

from __future__ import annotations

import math

import tensorflow as tf

MAX_ROTATION = math.radians(12)
MAX_ZOOM = 0.12  # scale in [0.88, 1.12]
MAX_SHIFT = 2.5  # pixels, each axis
MAX_THICKER, MAX_THINNER = 0.7, 0.4  # blend weights towards a 3x3 dilation / erosion
CENTER = 13.5  # the middle of a 28-pixel axis in pixel-center coordinates


def affine_transforms(batch: int, seed: tf.Tensor) -> tf.Tensor:
    """Return (batch, 8) projective transforms: random rotation, zoom and shift about the center."""
    draws = tf.random.stateless_uniform((batch, 4), seed=seed, minval=-1.0, maxval=1.0)
    angle = draws[:, 0] * MAX_ROTATION
    scale = 1.0 + draws[:, 1] * MAX_ZOOM
    shift_x, shift_y = draws[:, 2] * MAX_SHIFT, draws[:, 3] * MAX_SHIFT
    # The transform maps output pixel (x, y) to the input pixel it samples.
    a0, a1 = tf.cos(angle) / scale, tf.sin(angle) / scale
    b0, b1 = -a1, a0
    a2 = CENTER - a0 * CENTER - a1 * CENTER - shift_x
    b2 = CENTER - b0 * CENTER - b1 * CENTER - shift_y
    zeros = tf.zeros_like(angle)
    return tf.stack([a0, a1, a2, b0, b1, b2, zeros, zeros], axis=1)


def augment_batch(images: tf.Tensor, seed: tf.Tensor) -> tf.Tensor:
    """Distort a batch of (b, 28, 28) float pixels in 0-255; `seed` is a shape-(2,) int tensor."""
    x = images[..., tf.newaxis]  # (b, 28, 28, 1)
    batch = tf.shape(x)[0]
    thicker = tf.nn.max_pool2d(x, 3, 1, "SAME")
    thinner = -tf.nn.max_pool2d(-x, 3, 1, "SAME")
    weight = tf.random.stateless_uniform((batch, 1, 1, 1), seed=seed + 1, minval=-MAX_THINNER, maxval=MAX_THICKER)
    x = tf.where(weight > 0, x + weight * (thicker - x), x - weight * (thinner - x))
    x = tf.raw_ops.ImageProjectiveTransformV3(
        images=x,
        transforms=affine_transforms(batch, seed),
        output_shape=tf.constant([28, 28]),
        fill_value=0.0,
        interpolation="BILINEAR",
        fill_mode="CONSTANT",
    )
    return x[..., 0]
