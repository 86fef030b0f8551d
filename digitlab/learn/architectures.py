"""The architectures, by name: each a network (network.py), with the tutorial's training defaults.

Every layer is named explicitly (network.py names them by type and number): Keras' automatic
names come from per-thread counters, and a model built in a training thread once got two layers
called 'dense'.

Every model takes raw pixels: (n, 28, 28) floats in 0-255, exactly as MNIST stores them.
Its first layer scales them, so the canvas, the CLI and evaluation all feed it the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

import keras

from digitlab.language import N_, _
from digitlab.learn.network import build, layer

CONV_FIRST = [
    layer("conv", filters=32, kernel=5),  # (24, 24, 32)
    layer("maxpool"),  # (12, 12, 32)
    layer("conv", filters=64, kernel=5),  # (8, 8, 64)
    layer("maxpool"),  # (4, 4, 64)
    layer("flatten"),
    layer("dense", units=128),
    layer("dropout", rate=0.5),
]

# Compact and quick to train on a CPU. The first convolution steps 2 pixels at a time instead of
# being followed by a pooling: a quarter of its work and no pooling to run, forward and backward
# (measured, 2 cores: a run's training 12.5-13.8 s against 20.5-24.7 s for the same stack with a
# 1-pixel step and a pooling, on a busy machine; test accuracy 99.26% against 99.34% after two
# epochs). Batch norm normalizes only the second block, after its pooling: on the first block's
# maps it cost half of every training step (Keras' batch norm is not a fused kernel here); after
# the second pooling it sees 800 values per image. Its momentum is 0.9, not Keras' 0.99: the moving
# statistics must settle within one short epoch. The convolution before it has no bias: batch norm
# brings one. No dropout: two epochs are too short to overfit, and its random numbers took 6% of a
# step (TensorFlow's profiler on the training step, 2026-12-07); without it 99.0% came
# sooner and the final accuracy was as good (99.34% against 99.30%).
FAST = [
    layer("conv", filters=16, kernel=5, stride=2),  # (12, 12, 16)
    layer("conv", filters=32, kernel=3, activation="linear", bias=False),  # (10, 10, 32)
    layer("maxpool"),  # (5, 5, 32)
    layer("batchnorm", momentum=0.9),
    layer("activation", activation="relu"),
    layer("flatten"),
    layer("dense", units=128),
]


@dataclass(frozen=True)
class Architecture:
    """A model builder and the training defaults of the tutorial it comes from."""

    network: dict  # network.py: the input scaling and the layers, before the ten-way softmax
    description: str  # for those who know the words (marked N_: a page shows _(description))
    plain: str  # for those who do not (N_, shown as _(plain))
    optimizer: str
    learning_rate: float
    batch_size: int
    epochs: int
    schedule: str = "constant"  # or "onecycle": linear warm-up to the rate, then cosine decay
    published_accuracy: float = 0.0  # the tutorial's test accuracy, which we must meet
    title: str = ""  # its name in plain words, for menus (N_, shown as _(title))


def menu_label(name: str) -> str:
    """An architecture as a menu shows it: its plain title, then its short name, "Two hidden layers of 128 (mlp)"."""
    title = _(ARCHITECTURES[name].title)
    if name == DEFAULT_ARCHITECTURE:
        return _("{title} ({name}, the default)").format(title=title, name=name)
    return _("{title} ({name})").format(title=title, name=name)


ARCHITECTURES: dict[str, Architecture] = {
    "softmax": Architecture(
        {"input": "unit", "layers": [layer("flatten")]}, N_("Softmax regression: one dense layer"),
        N_("The simplest: one weighted sum of the 784 pixels per digit, the biggest sum wins. Learns in seconds."),
        optimizer="sgd", learning_rate=0.5, batch_size=100, epochs=10, published_accuracy=0.92,
        title=N_("The simplest: one weighted sum per digit"),
    ),
    "mlp": Architecture(
        {"input": "standardize", "layers": [layer("flatten"), layer("dense", units=128), layer("dense", units=128)]},
        N_("MLP 784-128-128-10, ReLU, standardized pixels"),
        N_("Two layers of 128 artificial neurons, each looking at the whole picture, then ten answers."),
        optimizer="sgd", learning_rate=0.05, batch_size=32, epochs=3, published_accuracy=0.961,
        title=N_("Two hidden layers of 128"),
    ),
    "tanh": Architecture(
        {"input": "unit", "layers": [layer("flatten"), layer("dense", units=64, activation="tanh")]},
        N_("MLP 784-64-10, tanh"),
        N_("One layer of 64 neurons with a smooth on/off curve (tanh), then ten answers."),
        optimizer="sgd", learning_rate=0.5, batch_size=32, epochs=5, published_accuracy=0.9615,
        title=N_("One hidden layer of 64"),
    ),
    "cnn": Architecture(
        {"input": "unit", "layers": CONV_FIRST}, N_("Tutorial convnet: conv5x5-pool x2, dense 128, dropout"),
        N_("A convolutional network: small windows slide over the picture looking for strokes, then for "
        "shapes made of strokes. Very good, slower to train."),
        optimizer="rmsprop", learning_rate=1e-3, batch_size=100, epochs=4, schedule="onecycle",
        published_accuracy=0.99, title=N_("The tutorial's convnet"),
    ),
    "fast": Architecture(
        {"input": "unit", "layers": FAST}, N_("Compact CNN with batch norm, one-cycle schedule (default)"),
        N_("A smaller convolutional network, tuned to learn in a few seconds and still get about 99% right."),
        # Batches of 256 at twice the rate: half the steps, each cheaper per digit (2 cores, 2026-12-07:
        # 99.0% at 5.6-5.8 s of training and 7.6-7.8 s in all, against 6.6-6.7 s and 8.9-9.0 s in
        # batches of 128; final test accuracy 99.25% against 99.26%).
        optimizer="adam", learning_rate=2e-2, batch_size=256, epochs=2, schedule="onecycle",
        published_accuracy=0.99, title=N_("A quick convnet"),
    ),
}  # fmt: skip
DEFAULT_ARCHITECTURE = "fast"


def get_architecture(name: str) -> Architecture:
    """Return the Architecture called `name`, or raise ValueError naming the known ones."""
    if name not in ARCHITECTURES:
        raise ValueError(
            _("Unknown architecture {name}; known: {known}").format(name=repr(name), known=", ".join(ARCHITECTURES))
        )
    return ARCHITECTURES[name]


def build_model(name: str, custom: dict | None = None) -> keras.Model:
    """Build the uncompiled model `name` (or the `custom` network, see network.py): (n, 28, 28)
    pixels in 0-255 -> (n, 10) probabilities."""
    return build(custom or get_architecture(name).network, name)
