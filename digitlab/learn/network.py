"""A network as a small value: the input scaling and a list of layer settings, checked in plain words.

The five architectures are written this way (architectures.py), a learner's own network too; the same
value travels in a TrainConfig to the worker and stays in the saved model's metadata. Every
network ends with the ten-way softmax (`probabilities`), added here, not listed.

    {"input": "unit", "layers": [{"type": "flatten"}, {"type": "dense", "units": 64, "activation": "tanh"}]}

`describe` walks the layers with the shape arithmetic Keras does, without building anything, and
says in words why a stack cannot work; `build` makes the Keras model. What each layer type is, may
be set to, makes of its input and builds is written once, in layers.py's `LAYER_REGISTRY`.
"""

from __future__ import annotations

from dataclasses import dataclass

import keras
from keras import layers

from digitlab import language
from digitlab.language import N_, _
from digitlab.learn.layers import (  # noqa: F401 (ACTIVATIONS, PADDINGS: where the pages and tests read them)
    ACTIVATIONS,
    LAYER_REGISTRY,
    PADDINGS,
    SETTING_SPECS,
    Column,
    NetworkError,
    Step,
)

MNIST_MEAN, MNIST_STD = 0.1307, 0.3081  # of the training pixels on the 0-1 scale
OWN_NETWORK = "custom"  # the architecture name of a network built on the Build page (Train, lessons, metadata)
# The input scalings in words (marked N_: the Build page shows _(INPUTS[key])).
INPUTS = {"unit": N_("pixels scaled to 0-1"), "standardize": N_("pixels standardized (MNIST's mean 0, spread 1)")}

# Views of the registry, for the pages and the draft: each type's default settings, each type's name in words
# (the English message, marked N_ in layers.py: a page shows _(PLAIN_NAMES[kind])).
LAYER_TYPES = Column(LAYER_REGISTRY, "defaults")
PLAIN_NAMES = Column(LAYER_REGISTRY, "plain_name")

MAX_LAYERS = 24
MAX_PARAMETERS = 5_000_000  # a run must fit the machine; shared mode may set less (workspaces.py)
MAX_MULTIPLY_ADDS = 200_000_000  # per digit: about 20x the tutorial convnet's, hours for a full run on 2 cores


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
    if type_ not in LAYER_REGISTRY:
        raise NetworkError(
            _("Unknown layer type {kind}: choose one of {kinds}.").format(
                kind=repr(type_), kinds=", ".join(LAYER_REGISTRY)
            )
        )
    return {"type": type_, **LAYER_REGISTRY[type_].defaults, **settings}


def describe(network: dict) -> list[LayerRow]:
    """Each layer's output shape and parameters, ending with the softmax; NetworkError says why it cannot work."""
    if not isinstance(network, dict) or network.get("input") not in INPUTS:
        raise NetworkError(
            _("A network starts with its input scaling: one of {inputs}.").format(inputs=", ".join(INPUTS))
        )
    stack = network.get("layers")
    if not isinstance(stack, list) or not all(isinstance(item, dict) for item in stack):
        raise NetworkError(_("A network's layers are a list of layer settings."))
    if len(stack) > MAX_LAYERS:  # before the walk: a huge list is refused at once
        raise NetworkError(
            _("At most {most} layers: this network has {count}.").format(
                most=language.number(MAX_LAYERS), count=language.number(len(stack))
            )
        )
    shape: tuple[int, ...] = (28, 28)
    rows = [LayerRow("input", _("Input: {scaling}").format(scaling=_(INPUTS[network["input"]])), shape, 0)]
    counts: dict[str, int] = {}
    for position, settings in enumerate(stack, start=1):
        kind = settings.get("type")
        if kind not in LAYER_REGISTRY:
            raise NetworkError(
                _("Layer {position}: unknown type {kind}; choose one of {kinds}.").format(
                    position=position, kind=repr(kind), kinds=", ".join(LAYER_REGISTRY)
                ),
                position,
            )
        type_ = LAYER_REGISTRY[kind]
        unknown = set(settings) - set(type_.defaults) - {"type"}
        if unknown:
            raise NetworkError(
                _("Layer {position} ({layer}) has no setting {settings}.").format(
                    position=position, layer=_(type_.plain_name), settings=", ".join(sorted(unknown))
                ),
                position,
            )
        counts[kind] = counts.get(kind, 0) + 1
        out = step(kind, {**type_.defaults, **settings}, shape, position)
        rows.append(LayerRow(f"{kind}{counts[kind]}", out.what, out.shape, out.parameters, out.multiply_adds))
        shape = out.shape
    if len(shape) != 1:
        raise NetworkError(
            _(
                "The ten answers need a flat input, but the last layer gives {shape} maps: "
                "end with Flatten or Global average pooling (then Dense layers if you like)."
            ).format(shape="x".join(map(str, shape))),
            len(stack) or None,
        )
    rows.append(
        LayerRow("probabilities", _("Dense 10, softmax: the ten answers"), (10,), shape[0] * 10 + 10, shape[0] * 10)
    )
    check_size(rows, MAX_LAYERS, MAX_PARAMETERS, MAX_MULTIPLY_ADDS)
    return rows


def check_size(rows: list[LayerRow], layers: int, parameters: int, multiply_adds: int, where: str = "") -> None:
    """Refuse a network (its `describe` rows) over these limits, saying which and what to change.

    `where` goes before the message, e.g. "In a class: " (translated by the caller)."""
    count, total, work_total = len(rows) - 2, sum(r.parameters for r in rows), sum(r.multiply_adds for r in rows)
    if count > layers:
        message = _("At most {most} layers: this network has {count}.").format(
            most=language.number(layers), count=language.number(count)
        )
        raise NetworkError(where + message)
    if total > parameters:
        message = _("{count} parameters: at most {most}. Use fewer filters or units.").format(
            count=language.number(total), most=language.number(parameters)
        )
        raise NetworkError(where + message)
    if work_total > multiply_adds:
        message = _(
            "{count} multiply-adds per digit: at most {most}, or one run takes too long. "
            "Use fewer filters, a stride of 2 or a pooling early on, or fewer units."
        ).format(count=language.number(work_total), most=language.number(multiply_adds))
        raise NetworkError(where + message)


def step(kind: str, s: dict, shape: tuple[int, ...], position: int) -> Step:
    """One layer: its output shape, parameters, words and work; NetworkError if it cannot follow `shape`."""
    type_ = LAYER_REGISTRY[kind]
    where = _("Layer {position} ({layer})").format(position=position, layer=_(type_.plain_name))
    if type_.needs_maps:
        shape = shape + (1,) if len(shape) == 2 else shape  # a 28x28 picture is one map for a convolution
        if len(shape) != 3:
            raise NetworkError(
                _("{where} works on maps, but it comes after the picture was flattened: move it up.").format(
                    where=where
                ),
                position,
            )
    try:
        for setting in type_.defaults:  # in the type's order: the first wrong setting is the one said
            SETTING_SPECS[setting].check(s[setting], where)
        return type_.walk(s, shape, where)
    except NetworkError as error:
        error.position = error.position or position
        raise


def build(network: dict, name: str = "network") -> keras.Model:
    """The uncompiled Keras model: (n, 28, 28) pixels 0-255 -> (n, 10) probabilities."""
    rows = describe(network)
    scaling = (
        layers.Rescaling(1 / 255, name="scale")
        if network["input"] == "unit"
        else layers.Rescaling(1 / (255 * MNIST_STD), offset=-MNIST_MEAN / MNIST_STD, name="standardize")
    )
    stack = [keras.Input((28, 28)), scaling]
    for before, row, settings in zip(rows, rows[1:], network["layers"], strict=False):
        type_ = LAYER_REGISTRY[settings["type"]]
        if type_.needs_maps and len(before.shape) == 2:
            stack.append(layers.Reshape((*before.shape, 1), name="channels"))  # the picture as one map
        call = type_.keras({**type_.defaults, **settings})
        stack.append(getattr(layers, call.class_name)(*call.args, **call.kwargs, name=row.name))
    stack.append(layers.Dense(10, activation="softmax", name="probabilities"))
    return keras.Sequential(stack, name=name)
