"""The layer types a network may use, each written once: its words, settings, shape arithmetic and Keras layer.

Everything else reads this registry: network.py's checks (`describe`) and Keras model (`build`), code.py's
"See the code" lines, the Build page's widgets (ui/builder.py) and its help (ui/words.py). Adding a
layer type is one `LayerType` in `LAYER_REGISTRY`, and a `SettingSpec` in `SETTING_SPECS` for each
setting it has that no other type has yet.

No Keras is imported here: a layer's Keras side is a `KerasCall`, a class name in `keras.layers` with
its arguments, which network.build makes and code.layer_line writes out.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, NamedTuple

from digitlab import language
from digitlab.language import N_, _, ngettext

ACTIVATIONS = ("relu", "tanh", "sigmoid", "gelu", "linear")
PADDINGS = ("valid", "same")


class NetworkError(ValueError):
    """A network that cannot be built or cannot work, said in words a learner can act on.

    `position`: the layer (from 1) it is about, where it is about one (the Build page shows it there)."""

    def __init__(self, message: str, position: int | None = None):
        super().__init__(message)
        self.position = position


def whole(value, what: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise NetworkError(
            _("{what} must be a whole number from {low} to {high}, not {value}.").format(
                what=what, low=low, high=high, value=repr(value)
            )
        )
    return value


def check_choice(value, choices: tuple[str, ...], what: str) -> None:
    if value not in choices:
        raise NetworkError(
            _("{what} must be one of {choices}, not {value}.").format(
                what=what, choices=", ".join(choices), value=repr(value)
            )
        )


@dataclass(frozen=True)
class SettingSpec:
    """One setting a layer type may have: its widget on the Build page, its check, its help in words."""

    label: str  # the widget's label, e.g. "Window size" (marked N_: the page shows _(label))
    words: str  # what describe's messages call it, e.g. "Layer 1 (Convolution): kernel size must be ..." (N_)
    kind: str  # the widget: "whole" (a number between bounds), "choice", "share" (a slider) or "yes/no"
    help: str  # marked N_: the page shows _(help)
    low: float | None = None  # "whole" and "share": the widget's bounds; "whole": describe's too
    high: float | None = None
    options: tuple[str, ...] = ()  # "choice": what the widget offers and describe accepts

    def check(self, value, where: str) -> None:
        """Refuse a whole number out of its bounds, a choice not offered (so a learner cannot type one),
        a share that is not a number from 0 to 1, a yes/no that is not true or false.

        A share's own bounds are its layer's to check (dropout's rate, in its own words): a slider's
        bounds are a range for learning, not a limit."""
        what = _("{where}: {setting}").format(where=where, setting=_(self.words))
        if self.kind == "whole":
            whole(value, what, int(self.low), int(self.high))
        elif self.kind == "choice":
            check_choice(value, self.options, what)
        elif self.kind == "share" and (
            isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1
        ):
            raise NetworkError(
                _("{what} must be a number from 0 to 1, not {value}.").format(what=what, value=repr(value))
            )
        elif self.kind == "yes/no" and not isinstance(value, bool):
            raise NetworkError(_("{what} must be true or false, not {value}.").format(what=what, value=repr(value)))

    @property
    def widget(self) -> tuple[str, str, Any]:
        """(label, kind, bounds): the bounds a (low, high) pair, a choice's options, or None for a yes/no.

        The label is the English message (N_): the page translates it, _(label), where it shows it."""
        bounds = self.options if self.kind == "choice" else None if self.kind == "yes/no" else (self.low, self.high)
        return self.label, self.kind, bounds


# Each setting, by the name it has in a layer's settings; a name means the same in every layer type.
SETTING_SPECS: dict[str, SettingSpec] = {
    "filters": SettingSpec(
        N_("Filters"),
        N_("filters"),
        "whole",
        low=1,
        high=512,
        help=N_("How many patterns the layer looks for: each makes one map."),
    ),
    "kernel": SettingSpec(
        N_("Window size"),
        N_("kernel size"),
        "whole",
        low=1,
        high=28,
        help=N_("The side of each window in pixels: 3 means 3x3."),
    ),
    "stride": SettingSpec(
        N_("Stride"),
        N_("stride"),
        "whole",
        low=1,
        high=28,
        help=N_("How far the window moves each time: 2 halves the map's side."),
    ),
    "padding": SettingSpec(
        N_("Padding"),
        N_("padding"),
        "choice",
        options=PADDINGS,
        help=N_("valid: the window stays inside the map, which shrinks. same: the map keeps its size."),
    ),
    "activation": SettingSpec(
        N_("Activation"),
        N_("activation"),
        "choice",
        options=ACTIVATIONS,
        help=N_(
            "relu keeps positives; tanh and sigmoid squash into a range; gelu is a smooth relu; "
            "linear leaves values as they are."
        ),
    ),
    "bias": SettingSpec(N_("Bias"), N_("bias"), "yes/no", help=N_("Adds a learned number to each filter's result.")),
    "size": SettingSpec(
        N_("Square size"),
        N_("size"),
        "whole",
        low=2,
        high=28,
        help=N_("The side of each square pooled into one value: 2 halves the map's side."),
    ),
    "units": SettingSpec(
        N_("Neurons"),
        N_("units"),
        "whole",
        low=1,
        high=4096,
        help=N_("How many neurons: more can learn more, and take longer."),
    ),
    "rate": SettingSpec(
        N_("Share dropped"),
        N_("rate"),
        "share",
        low=0.0,
        high=0.9,
        help=N_("The share of values switched off at each training step."),
    ),
    "momentum": SettingSpec(
        N_("Momentum"),
        N_("momentum"),
        "share",
        low=0.5,
        high=0.999,
        help=N_("How slowly the layer's running averages follow new batches."),
    ),
}


class Step(NamedTuple):
    """What one layer makes of its input, for one image."""

    shape: tuple[int, ...]  # its output
    parameters: int
    what: str  # in words, e.g. "Convolution 16 filters 5x5, relu"
    multiply_adds: int = 0  # its work: the convolutions', dense layers' and poolings' arithmetic; the rest is small


class KerasCall(NamedTuple):
    """A Keras layer as the name of its class in `keras.layers` and its arguments, its name left out.

    network.build makes the layer from it and code.layer_line writes it as code: one value, so the
    script of "See the code" builds the very layer the app trains. Arguments equal to Keras' own
    defaults are left out, which keeps the written lines short."""

    class_name: str
    args: tuple = ()
    kwargs: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True)
class LayerType:
    """One kind of layer: everything the checks, the Keras model, the code, the widgets and the words need."""

    name: str  # its "type" in a network's layer settings, e.g. "conv"
    plain_name: str  # e.g. "Convolution": messages, the Build page (marked N_: shown as _(plain_name))
    help: str  # what it does, in a sentence: the Build page (marked N_: shown as _(help))
    defaults: Mapping[str, Any]  # its settings, each with a SettingSpec, in the order describe checks them
    walk: Callable[[dict, tuple[int, ...], str], Step]  # (settings, input shape, "Layer n (..)") -> its Step
    keras: Callable[[dict], KerasCall]  # (settings) -> the Keras layer
    needs_maps: bool = False  # walk gets (height, width, maps): a 28x28 picture as one map; refused once flat
    # Invariant: describe checks each setting against its SettingSpec before calling walk, so walk may
    # trust a "whole" or "choice" setting; it raises NetworkError for what depends on the input shape.

    def __post_init__(self) -> None:
        object.__setattr__(self, "defaults", MappingProxyType(dict(self.defaults)))  # read-only; layer() copies


def conv_walk(s: dict, maps: tuple[int, ...], where: str) -> Step:
    side, kernel, stride, filters = maps[0], s["kernel"], s["stride"], s["filters"]
    if s["padding"] == "valid" and kernel > side:
        raise NetworkError(
            _(
                "{where}: a {kernel}x{kernel} window does not fit on {side}x{side} maps: "
                "use a smaller kernel, or padding='same'."
            ).format(where=where, kernel=kernel, side=side)
        )
    out = math.ceil(side / stride) if s["padding"] == "same" else (side - kernel) // stride + 1
    parameters = kernel * kernel * maps[2] * filters + (filters if s["bias"] else 0)
    what = ngettext(
        "Convolution {count} filter {kernel}x{kernel}, {activation}",
        "Convolution {count} filters {kernel}x{kernel}, {activation}",
        filters,
    ).format(count=language.number(filters), kernel=kernel, activation=s["activation"])
    return Step((out, out, filters), parameters, what, out * out * filters * kernel**2 * maps[2])


def conv_keras(s: dict) -> KerasCall:
    optional = {
        "strides": s["stride"] if s["stride"] != 1 else None,
        "padding": s["padding"] if s["padding"] != "valid" else None,
        "activation": s["activation"] if s["activation"] != "linear" else None,  # Keras' None is linear
        "use_bias": False if not s["bias"] else None,
    }
    return KerasCall("Conv2D", (s["filters"], s["kernel"]), {k: v for k, v in optional.items() if v is not None})


def pooling(name: str, plain_name: str, class_name: str, help_: str) -> LayerType:
    """Max or average pooling: the same arithmetic, another Keras layer (`plain_name` and `help_` marked N_)."""

    def walk(s: dict, maps: tuple[int, ...], where: str) -> Step:
        size = s["size"]
        if maps[0] < size:
            raise NetworkError(
                _(
                    "{where}: a {size}x{size} pooling on {side}x{side} maps leaves nothing to pool: "
                    "remove it, or use padding='same' on the convolutions before it."
                ).format(where=where, size=size, side=maps[0])
            )
        out = maps[0] // size
        # TRANSLATORS: a pooling layer in the Build page's table, e.g. "Max pooling 2x2".
        what = _("{layer} {size}x{size}").format(layer=_(plain_name), size=size)
        return Step((out, out, maps[2]), 0, what, out * out * maps[2] * size**2)

    def keras(s: dict) -> KerasCall:
        return KerasCall(class_name, (s["size"],))

    return LayerType(name, plain_name, help_, {"size": 2}, walk, keras, needs_maps=True)


def dense_walk(s: dict, shape: tuple[int, ...], where: str) -> Step:
    if len(shape) != 1:
        raise NetworkError(
            _("{where} needs a flat input: add Flatten or Global average pooling before it.").format(where=where)
        )
    units = s["units"]
    what = _("Dense {units}, {activation}").format(units=units, activation=s["activation"])
    return Step((units,), shape[0] * units + units, what, shape[0] * units)


def dropout_walk(s: dict, shape: tuple[int, ...], where: str) -> Step:
    rate = s["rate"]
    if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 <= rate < 1:
        raise NetworkError(
            _("{where}: the rate is the share of values dropped, from 0 up to (not) 1, not {rate}.").format(
                where=where, rate=repr(rate)
            )
        )
    return Step(shape, 0, _("Dropout {rate}").format(rate=language.percent(rate, 0)))


# The layer types, by name, in the order the Build page offers them.
LAYER_REGISTRY: dict[str, LayerType] = {
    t.name: t
    for t in [
        LayerType(
            name="conv",
            plain_name=N_("Convolution"),
            help=N_("Slides small windows (filters) over the maps, each looking for one pattern: a stroke, a curve."),
            defaults={"filters": 16, "kernel": 3, "stride": 1, "padding": "valid", "activation": "relu", "bias": True},
            walk=conv_walk,
            keras=conv_keras,
            needs_maps=True,
        ),
        pooling(
            "maxpool",
            N_("Max pooling"),
            "MaxPooling2D",
            N_("Keeps the strongest value of each small square: smaller maps, the same patterns."),
        ),
        pooling(
            "avgpool",
            N_("Average pooling"),
            "AveragePooling2D",
            N_("Keeps the average of each small square: smaller, smoother maps."),
        ),
        LayerType(
            name="dense",
            plain_name=N_("Dense"),
            help=N_("Neurons that each look at every value of the layer before."),
            defaults={"units": 64, "activation": "relu"},
            walk=dense_walk,
            keras=lambda s: KerasCall("Dense", (s["units"],), {"activation": s["activation"]}),
        ),
        LayerType(
            name="dropout",
            plain_name=N_("Dropout"),
            help=N_("While training, switches off a share of the values at random, so no neuron relies on one other."),
            defaults={"rate": 0.25},
            walk=dropout_walk,
            keras=lambda s: KerasCall("Dropout", (s["rate"],)),
        ),
        LayerType(
            name="batchnorm",
            plain_name=N_("Batch normalization"),
            help=N_("Rescales the values to a steady range while training: often faster, steadier learning."),
            defaults={"momentum": 0.99},
            walk=lambda s, shape, where: Step(shape, 4 * shape[-1], _("Batch normalization")),
            keras=lambda s: KerasCall("BatchNormalization", kwargs={"momentum": s["momentum"]}),
        ),
        LayerType(
            name="activation",
            plain_name=N_("Activation"),
            help=N_("Bends the values with a function; without bends, stacked layers are no better than one."),
            defaults={"activation": "relu"},
            walk=lambda s, shape, where: Step(
                shape, 0, _("Activation {activation}").format(activation=s["activation"])
            ),
            keras=lambda s: KerasCall("Activation", (s["activation"],)),
        ),
        LayerType(
            name="flatten",
            plain_name=N_("Flatten"),
            help=N_("Lays the maps out as one long list, so Dense layers can read them."),
            defaults={},
            walk=lambda s, shape, where: Step((math.prod(shape),), 0, _("Flatten: the maps as one long list")),
            keras=lambda s: KerasCall("Flatten"),
        ),
        LayerType(
            name="globalpool",
            plain_name=N_("Global average pooling"),
            help=N_("Averages each map to one number: one value per pattern, wherever it was found."),
            defaults={},
            walk=lambda s, maps, where: Step((maps[2],), 0, _("Global average pooling: one number per map")),
            keras=lambda s: KerasCall("GlobalAveragePooling2D"),
            needs_maps=True,
        ),
    ]
}


class Column(Mapping):
    """One field of every entry of a registry, by name, read when asked: a table that cannot drift from it.

    LAYER_TYPES, PLAIN_NAMES (network.py), LAYER_HELP, LAYER_SETTINGS_HELP (ui/words.py) and
    SETTING_WIDGETS (ui/builder.py) are such views: a type added to the registry shows in them at once."""

    def __init__(self, registry: Mapping[str, Any], field: str) -> None:
        self.registry, self.field = registry, field

    def __getitem__(self, name: str) -> Any:
        return getattr(self.registry[name], self.field)

    def __iter__(self) -> Iterator[str]:
        return iter(self.registry)

    def __len__(self) -> int:
        return len(self.registry)

    def __repr__(self) -> str:
        return f"Column({self.field}: {dict(self)!r})"
