"""A network as a small value: the input scaling and a list of layer settings, checked in plain words.

The five architectures are written this way (models.py), a learner's own network too; the same
value travels in a TrainConfig to the worker and stays in the saved model's metadata. Every
network ends with the ten-way softmax (`probabilities`), added here, not listed.

    {"input": "unit", "layers": [{"type": "flatten"}, {"type": "dense", "units": 64, "activation": "tanh"}]}

`describe` walks the layers with the shape arithmetic Keras does, without building anything, and
says in words why a stack cannot work; `build` makes the Keras model.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import keras
from keras import layers

MNIST_MEAN, MNIST_STD = 0.1307, 0.3081  # of the training pixels on the 0-1 scale
INPUTS = {"unit": "pixels scaled to 0-1", "standardize": "pixels standardized (MNIST's mean 0, spread 1)"}
ACTIVATIONS = ("relu", "tanh", "sigmoid", "gelu", "linear")
PADDINGS = ("valid", "same")

# Each layer type: its settings with their defaults; the checks below say what each may be.
LAYER_TYPES: dict[str, dict] = {
    "conv": {"filters": 16, "kernel": 3, "stride": 1, "padding": "valid", "activation": "relu", "bias": True},
    "maxpool": {"size": 2},
    "avgpool": {"size": 2},
    "dense": {"units": 64, "activation": "relu"},
    "dropout": {"rate": 0.25},
    "batchnorm": {"momentum": 0.99},
    "activation": {"activation": "relu"},
    "flatten": {},
    "globalpool": {},
}
PLAIN_NAMES = {
    "conv": "Convolution",
    "maxpool": "Max pooling",
    "avgpool": "Average pooling",
    "dense": "Dense",
    "dropout": "Dropout",
    "batchnorm": "Batch normalization",
    "activation": "Activation",
    "flatten": "Flatten",
    "globalpool": "Global average pooling",
}
MAP_LAYERS = ("conv", "maxpool", "avgpool", "globalpool")  # they need maps: a 28x28 picture becomes one
MAX_LAYERS = 24
MAX_PARAMETERS = 5_000_000  # a run must fit the machine; shared mode may set less (workspaces.py)
MAX_MULTIPLY_ADDS = 200_000_000  # per digit: about 20x the tutorial convnet's, hours for a full run on 2 cores


class NetworkError(ValueError):
    """A network that cannot be built or cannot work, said in words a learner can act on."""


@dataclass
class LayerRow:
    """One line of the builder's table."""

    name: str
    what: str  # in words, e.g. "Convolution 16 filters 5x5, relu"
    shape: tuple[int, ...]  # its output for one image
    parameters: int
    multiply_adds: int = 0  # its work for one image: what a run's time grows with


def layer(type_: str, **settings) -> dict:
    """A layer's settings: the type's defaults with `settings` applied."""
    if type_ not in LAYER_TYPES:
        raise NetworkError(f"Unknown layer type {type_!r}: choose one of {', '.join(LAYER_TYPES)}.")
    return {"type": type_, **LAYER_TYPES[type_], **settings}


def whole(value, what: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise NetworkError(f"{what} must be a whole number from {low} to {high}, not {value!r}.")
    return value


def describe(network: dict) -> list[LayerRow]:
    """Each layer's output shape and parameters, ending with the softmax; NetworkError says why it cannot work."""
    if not isinstance(network, dict) or network.get("input") not in INPUTS:
        raise NetworkError(f"A network starts with its input scaling: one of {', '.join(INPUTS)}.")
    stack = network.get("layers")
    if not isinstance(stack, list) or not all(isinstance(item, dict) for item in stack):
        raise NetworkError("A network's layers are a list of layer settings.")
    if len(stack) > MAX_LAYERS:  # before the walk: a huge list is refused at once
        raise NetworkError(f"At most {MAX_LAYERS} layers: this network has {len(stack)}.")
    shape: tuple[int, ...] = (28, 28)
    rows = [LayerRow("input", f"Input: {INPUTS[network['input']]}", shape, 0)]
    counts: dict[str, int] = {}
    for position, settings in enumerate(stack, start=1):
        kind = settings.get("type")
        if kind not in LAYER_TYPES:
            raise NetworkError(f"Layer {position}: unknown type {kind!r}; choose one of {', '.join(LAYER_TYPES)}.")
        unknown = set(settings) - set(LAYER_TYPES[kind]) - {"type"}
        if unknown:
            raise NetworkError(f"Layer {position} ({PLAIN_NAMES[kind]}) has no setting {', '.join(sorted(unknown))}.")
        s = {**LAYER_TYPES[kind], **settings}
        counts[kind] = counts.get(kind, 0) + 1
        name = f"{kind}{counts[kind]}"
        before = shape
        shape, parameters, what = step(kind, s, shape, position)
        rows.append(LayerRow(name, what, shape, parameters, work(kind, s, before, shape)))
    if len(shape) != 1:
        raise NetworkError(
            f"The ten answers need a flat input, but the last layer gives {'x'.join(map(str, shape))} maps: "
            "end with Flatten or Global average pooling (then Dense layers if you like)."
        )
    rows.append(
        LayerRow("probabilities", "Dense 10, softmax: the ten answers", (10,), shape[0] * 10 + 10, shape[0] * 10)
    )
    check_size(rows, MAX_LAYERS, MAX_PARAMETERS, MAX_MULTIPLY_ADDS)
    return rows


def check_size(rows: list[LayerRow], layers: int, parameters: int, multiply_adds: int, where: str = "") -> None:
    """Refuse a network (its `describe` rows) over these limits, saying which and what to change."""
    count, total, work_total = len(rows) - 2, sum(r.parameters for r in rows), sum(r.multiply_adds for r in rows)
    if count > layers:
        raise NetworkError(f"{where}At most {layers} layers: this network has {count}.")
    if total > parameters:
        raise NetworkError(f"{where}{total:,} parameters: at most {parameters:,}. Use fewer filters or units.")
    if work_total > multiply_adds:
        raise NetworkError(
            f"{where}{work_total:,} multiply-adds per digit: at most {multiply_adds:,}, or one run takes too long. "
            "Use fewer filters, a stride of 2 or a pooling early on, or fewer units."
        )


def work(kind: str, s: dict, before: tuple[int, ...], after: tuple[int, ...]) -> int:
    """Multiply-adds for one image (the convolutions', dense layers' and poolings' arithmetic; the rest is small)."""
    if kind == "conv":
        channels = before[2] if len(before) == 3 else 1
        return math.prod(after) * s["kernel"] ** 2 * channels
    if kind == "dense":
        return before[0] * after[0]
    if kind in ("maxpool", "avgpool"):
        return math.prod(after) * s["size"] ** 2
    return 0


def step(kind: str, s: dict, shape: tuple[int, ...], position: int) -> tuple[tuple[int, ...], int, str]:
    """One layer: its output shape, its parameters and a description; NetworkError if it cannot follow `shape`."""
    where = f"Layer {position} ({PLAIN_NAMES[kind]})"
    maps = shape + (1,) if len(shape) == 2 else shape  # a 28x28 picture is one map for a convolution
    if kind in MAP_LAYERS and len(maps) != 3:
        raise NetworkError(f"{where} works on maps, but it comes after the picture was flattened: move it up.")
    if kind == "conv":
        filters = whole(s["filters"], f"{where}: filters", 1, 512)
        kernel = whole(s["kernel"], f"{where}: kernel size", 1, 28)
        stride = whole(s["stride"], f"{where}: stride", 1, 28)
        check_choice(s["padding"], PADDINGS, f"{where}: padding")
        check_choice(s["activation"], ACTIVATIONS, f"{where}: activation")
        side = maps[0]
        if s["padding"] == "valid" and kernel > side:
            raise NetworkError(
                f"{where}: a {kernel}x{kernel} window does not fit on {side}x{side} maps: "
                "use a smaller kernel, or padding='same'."
            )
        out = math.ceil(side / stride) if s["padding"] == "same" else (side - kernel) // stride + 1
        parameters = kernel * kernel * maps[2] * filters + (filters if s["bias"] else 0)
        return (out, out, filters), parameters, f"Convolution {filters} filters {kernel}x{kernel}, {s['activation']}"
    if kind in ("maxpool", "avgpool"):
        size = whole(s["size"], f"{where}: size", 2, 28)
        if maps[0] < size:
            raise NetworkError(
                f"{where}: a {size}x{size} pooling on {maps[0]}x{maps[0]} maps leaves nothing to pool: "
                "remove it, or use padding='same' on the convolutions before it."
            )
        out = maps[0] // size
        return (out, out, maps[2]), 0, f"{PLAIN_NAMES[kind]} {size}x{size}"
    if kind == "globalpool":
        return (maps[2],), 0, "Global average pooling: one number per map"
    if kind == "flatten":
        return (math.prod(shape),), 0, "Flatten: the maps as one long list"
    if kind == "dense":
        units = whole(s["units"], f"{where}: units", 1, 4096)
        check_choice(s["activation"], ACTIVATIONS, f"{where}: activation")
        if len(shape) != 1:
            raise NetworkError(f"{where} needs a flat input: add Flatten or Global average pooling before it.")
        return (units,), shape[0] * units + units, f"Dense {units}, {s['activation']}"
    if kind == "dropout":
        rate = s["rate"]
        if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 <= rate < 1:
            raise NetworkError(f"{where}: the rate is the share of values dropped, from 0 up to (not) 1, not {rate!r}.")
        return shape, 0, f"Dropout {rate:.0%}"
    if kind == "batchnorm":
        return shape, 4 * shape[-1], "Batch normalization"
    check_choice(s["activation"], ACTIVATIONS, f"{where}: activation")
    return shape, 0, f"Activation {s['activation']}"


def check_choice(value, choices: tuple[str, ...], what: str) -> None:
    if value not in choices:
        raise NetworkError(f"{what} must be one of {', '.join(choices)}, not {value!r}.")


def build(network: dict, name: str = "network") -> keras.Model:
    """The uncompiled Keras model: (n, 28, 28) pixels 0-255 -> (n, 10) probabilities."""
    rows = describe(network)
    scaling = (
        layers.Rescaling(1 / 255, name="scale")
        if network["input"] == "unit"
        else layers.Rescaling(1 / (255 * MNIST_STD), offset=-MNIST_MEAN / MNIST_STD, name="standardize")
    )
    stack = [keras.Input((28, 28)), scaling]
    for before, row, s in zip(rows, rows[1:], network["layers"], strict=False):
        s = {**LAYER_TYPES[s["type"]], **s}
        if s["type"] in MAP_LAYERS and len(before.shape) == 2:
            stack.append(layers.Reshape((*before.shape, 1), name="channels"))  # the picture as one map
        stack.append(keras_layer(s, row.name))
    stack.append(layers.Dense(10, activation="softmax", name="probabilities"))
    return keras.Sequential(stack, name=name)


def keras_layer(s: dict, name: str) -> layers.Layer:
    kind = s["type"]
    if kind == "conv":
        return layers.Conv2D(
            s["filters"], s["kernel"], strides=s["stride"], padding=s["padding"], activation=s["activation"],
            use_bias=s["bias"], name=name,
        )  # fmt: skip
    if kind == "maxpool":
        return layers.MaxPooling2D(s["size"], name=name)
    if kind == "avgpool":
        return layers.AveragePooling2D(s["size"], name=name)
    if kind == "globalpool":
        return layers.GlobalAveragePooling2D(name=name)
    if kind == "flatten":
        return layers.Flatten(name=name)
    if kind == "dense":
        return layers.Dense(s["units"], activation=s["activation"], name=name)
    if kind == "dropout":
        return layers.Dropout(s["rate"], name=name)
    if kind == "batchnorm":
        return layers.BatchNormalization(momentum=s["momentum"], name=name)
    return layers.Activation(s["activation"], name=name)
