"""The architectures, by name: each a small builder, with the tutorial's training defaults.

Every layer is named explicitly: Keras' automatic names come from per-thread counters, and a
model built in a training thread once got two layers called 'dense'.

Every model takes raw pixels: (n, 28, 28) floats in 0-255, exactly as MNIST stores them.
Its first layer scales them, so the canvas, the CLI and evaluation all feed it the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import keras
from keras import layers

MNIST_MEAN, MNIST_STD = 0.1307, 0.3081  # of the training pixels on the 0-1 scale


def to_unit() -> layers.Layer:
    """Scale 0-255 pixels to 0-1."""
    return layers.Rescaling(1 / 255, name="scale")


def standardize() -> layers.Layer:
    """Scale 0-255 pixels to zero mean, unit variance over the MNIST training set."""
    return layers.Rescaling(1 / (255 * MNIST_STD), offset=-MNIST_MEAN / MNIST_STD, name="standardize")


def output() -> layers.Layer:
    """The ten-way softmax every model ends with."""
    return layers.Dense(10, activation="softmax", name="probabilities")


def softmax_regression() -> keras.Model:
    return keras.Sequential(
        [keras.Input((28, 28)), to_unit(), layers.Flatten(name="flatten"), output()],
        name="softmax",
    )


def relu_mlp() -> keras.Model:
    return keras.Sequential(
        [
            keras.Input((28, 28)),
            standardize(),
            layers.Flatten(name="flatten"),
            layers.Dense(128, activation="relu", name="hidden1"),
            layers.Dense(128, activation="relu", name="hidden2"),
            output(),
        ],
        name="mlp",
    )


def tanh_mlp() -> keras.Model:
    return keras.Sequential(
        [
            keras.Input((28, 28)),
            to_unit(),
            layers.Flatten(name="flatten"),
            layers.Dense(64, activation="tanh", name="hidden"),
            output(),
        ],
        name="tanh",
    )


def tutorial_cnn() -> keras.Model:
    return keras.Sequential(
        [
            keras.Input((28, 28)),
            to_unit(),
            layers.Reshape((28, 28, 1), name="channels"),
            layers.Conv2D(32, 5, activation="relu", name="conv1"),  # (24, 24, 32)
            layers.MaxPooling2D(name="pool1"),  # (12, 12, 32)
            layers.Conv2D(64, 5, activation="relu", name="conv2"),  # (8, 8, 64)
            layers.MaxPooling2D(name="pool2"),  # (4, 4, 64)
            layers.Flatten(name="flatten"),
            layers.Dense(128, activation="relu", name="hidden"),
            layers.Dropout(0.5, name="dropout"),
            output(),
        ],
        name="cnn",
    )


def fast_cnn() -> keras.Model:
    """Compact and quick to train on a CPU.

    Batch norm normalizes only the second block, after its pooling: on the first block's 24x24x16
    maps it cost half of every training step (Keras' batch norm is not a fused kernel here); there
    it would see 9,216 values per image, after the second pooling 800.
    """
    return keras.Sequential(
        [
            keras.Input((28, 28)),
            to_unit(),
            layers.Reshape((28, 28, 1), name="channels"),
            layers.Conv2D(16, 5, activation="relu", name="conv1"),  # (24, 24, 16)
            layers.MaxPooling2D(name="pool1"),  # (12, 12, 16)
            layers.Conv2D(32, 3, use_bias=False, name="conv2"),  # (10, 10, 32); batch norm brings the bias
            layers.MaxPooling2D(name="pool2"),  # (5, 5, 32)
            # momentum 0.9, not Keras' 0.99: the moving statistics must settle within one short epoch
            layers.BatchNormalization(momentum=0.9, name="pool2_norm"),
            layers.ReLU(name="pool2_relu"),
            layers.Flatten(name="flatten"),
            layers.Dense(128, activation="relu", name="hidden"),
            layers.Dropout(0.25, name="dropout"),
            output(),
        ],
        name="fast",
    )


@dataclass(frozen=True)
class Architecture:
    """A model builder and the training defaults of the tutorial it comes from."""

    build: Callable[[], keras.Model]
    description: str  # for those who know the words
    plain: str  # for those who do not
    optimizer: str
    learning_rate: float
    batch_size: int
    epochs: int
    schedule: str = "constant"  # or "onecycle": linear warm-up to the rate, then cosine decay
    published_accuracy: float = 0.0  # the tutorial's test accuracy, which we must meet


ARCHITECTURES: dict[str, Architecture] = {
    "softmax": Architecture(
        softmax_regression, "Softmax regression: one dense layer",
        "The simplest: one weighted sum of the 784 pixels per digit, the biggest sum wins. Learns in seconds.",
        optimizer="sgd", learning_rate=0.5, batch_size=100, epochs=10, published_accuracy=0.92,
    ),
    "mlp": Architecture(
        relu_mlp, "MLP 784-128-128-10, ReLU, standardized pixels",
        "Two layers of 128 artificial neurons, each looking at the whole picture, then ten answers.",
        optimizer="sgd", learning_rate=0.05, batch_size=32, epochs=3, published_accuracy=0.961,
    ),
    "tanh": Architecture(
        tanh_mlp, "MLP 784-64-10, tanh",
        "One layer of 64 neurons with a smooth on/off curve (tanh), then ten answers.",
        optimizer="sgd", learning_rate=0.5, batch_size=32, epochs=5, published_accuracy=0.9615,
    ),
    "cnn": Architecture(
        tutorial_cnn, "Tutorial convnet: conv5x5-pool x2, dense 128, dropout",
        "A convolutional network: small windows slide over the picture looking for strokes, then for "
        "shapes made of strokes. Very good, slower to train.",
        optimizer="rmsprop", learning_rate=1e-3, batch_size=100, epochs=4, schedule="onecycle",
        published_accuracy=0.99,
    ),
    "fast": Architecture(
        fast_cnn, "Compact CNN with batch norm, one-cycle schedule (default)",
        "A smaller convolutional network, tuned to learn in a few seconds and still get about 99% right.",
        optimizer="adam", learning_rate=1e-2, batch_size=128, epochs=2, schedule="onecycle",
        published_accuracy=0.99,
    ),
}  # fmt: skip
DEFAULT_ARCHITECTURE = "fast"


def get_architecture(name: str) -> Architecture:
    """Return the Architecture called `name`, or raise ValueError naming the known ones."""
    if name not in ARCHITECTURES:
        raise ValueError(f"Unknown architecture {name!r}; known: {', '.join(ARCHITECTURES)}")
    return ARCHITECTURES[name]


def build_model(name: str) -> keras.Model:
    """Build the uncompiled model `name`: (n, 28, 28) pixels in 0-255 -> (n, 10) probabilities."""
    return get_architecture(name).build()
