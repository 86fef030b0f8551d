"""Networks as values: the builder's shape and parameter table is Keras' own; bad stacks are said in words."""

from __future__ import annotations

import json
import random
import re

import pytest

from digitlab.learn.architectures import ARCHITECTURES
from digitlab.learn.layers import LAYER_REGISTRY, SETTING_SPECS, KerasCall, LayerType, SettingSpec, Step
from digitlab.learn.network import ACTIVATIONS, LAYER_TYPES, PLAIN_NAMES, NetworkError, build, describe, layer
from digitlab.serve.workspaces import check_run_size


def keras_rows(model) -> list[tuple[tuple[int, ...], int]]:
    """(output shape for one image, parameters) of each layer Keras built, reshapes left out."""
    return [
        (tuple(each.output.shape[1:]), each.count_params())
        for each in model.layers
        if type(each).__name__ not in ("Rescaling", "Reshape")
    ]


def assert_table_is_keras(network: dict) -> None:
    rows = describe(network)
    model = build(network)
    assert [(row.shape, row.parameters) for row in rows[1:]] == keras_rows(model)
    assert sum(row.parameters for row in rows) == model.count_params()


@pytest.mark.parametrize("name", list(ARCHITECTURES))
def test_every_preset_table_is_keras_own(name):
    assert_table_is_keras(ARCHITECTURES[name].network)


def random_stack(rng: random.Random) -> dict:
    """A random network that can work: some map layers while the maps are big enough, then flat ones."""
    stack, side = [], 28
    for _ in range(rng.randint(0, 4)):
        kind = rng.choice(["conv", "conv", "maxpool", "avgpool", "batchnorm", "dropout", "activation"])
        if kind == "conv":
            kernel, padding = rng.choice([1, 3, 5]), rng.choice(["valid", "same"])
            stride = rng.choice([1, 1, 2])
            if padding == "valid" and kernel > side:
                continue
            side = -(-side // stride) if padding == "same" else (side - kernel) // stride + 1
            stack.append(layer("conv", filters=rng.choice([4, 8]), kernel=kernel, stride=stride, padding=padding,
                               activation=rng.choice(ACTIVATIONS), bias=rng.random() < 0.7))  # fmt: skip
        elif kind in ("maxpool", "avgpool"):
            if side >= 2:
                stack.append(layer(kind, size=2))
                side //= 2
        elif kind == "dropout":
            stack.append(layer("dropout", rate=rng.choice([0.0, 0.2, 0.5])))
        elif kind == "activation":
            stack.append(layer("activation", activation=rng.choice(ACTIVATIONS)))
        elif stack:
            stack.append(layer("batchnorm"))
    stack.append(layer(rng.choice(["flatten", "globalpool"]) if any(s["type"] == "conv" for s in stack) else "flatten"))
    for _ in range(rng.randint(0, 2)):
        stack.append(layer("dense", units=rng.choice([8, 32]), activation=rng.choice(ACTIVATIONS)))
        if rng.random() < 0.3:
            stack.append(layer("dropout", rate=0.3))
    return {"input": rng.choice(["unit", "standardize"]), "layers": stack}


@pytest.mark.parametrize("seed", range(12))
def test_random_valid_stacks_have_keras_own_table(seed):
    assert_table_is_keras(random_stack(random.Random(seed)))


@pytest.mark.parametrize(
    "stack, words",
    [
        ([layer("flatten"), layer("conv")], "comes after the picture was flattened: move it up"),
        ([layer("conv", kernel=5)] + [layer("maxpool")] * 5 + [layer("flatten")], "leaves nothing to pool"),
        ([layer("dense")], "needs a flat input: add Flatten"),
        ([layer("conv")], "end with Flatten or Global average pooling"),
        ([layer("conv", kernel=29)], "must be a whole number from 1 to 28"),
        ([layer("maxpool"), layer("maxpool"), layer("conv", kernel=9), layer("flatten")], "does not fit on 7x7 maps"),
        ([layer("flatten"), layer("dense", activation="softplus")], "activation must be one of relu, tanh"),
        ([layer("flatten"), layer("dropout", rate=1)], "from 0 up to (not) 1"),
        ([{"type": "lstm"}], "unknown type 'lstm'"),
        ([layer("batchnorm", momentum=float("inf")), layer("flatten")], "momentum must be a number from 0 to 1"),
        ([layer("batchnorm", momentum="x"), layer("flatten")], "momentum must be a number from 0 to 1, not 'x'"),
        ([layer("conv", bias="yes"), layer("flatten")], "bias must be true or false, not 'yes'"),
        ([layer("flatten"), {"type": "dense", "units": 10, "colour": "red"}], "has no setting colour"),
        ([layer("flatten"), layer("dense", units=4096), layer("dense", units=4096)], "parameters: at most"),
        ([layer("conv", filters=256, padding="same")] * 2 + [layer("globalpool")], "multiply-adds per digit: at most"),
    ],
)
def test_a_stack_that_cannot_work_is_explained(stack, words):
    with pytest.raises(NetworkError) as refused:
        describe({"input": "unit", "layers": stack})
    assert words in str(refused.value)


def test_a_network_round_trips_through_json():
    network = ARCHITECTURES["fast"].network
    again = json.loads(json.dumps(network))
    assert again == network and build(again).count_params() == 108_970


def test_the_work_per_digit_is_counted_layer_by_layer():
    rows = describe(
        {"input": "unit", "layers": [layer("conv", filters=8, kernel=3), layer("maxpool"), layer("flatten")]}
    )
    assert [row.multiply_adds for row in rows] == [0, 26 * 26 * 8 * 9, 13 * 13 * 8 * 4, 0, 13 * 13 * 8 * 10]


def test_shared_mode_has_its_own_network_limits(monkeypatch):
    mlp = ARCHITECTURES["mlp"].network  # 3 layers, 118,282 parameters, 118,016 multiply-adds
    check_run_size(2, 1000, mlp)
    monkeypatch.setenv("DIGITLAB_SHARED", "1")
    check_run_size(2, 1000, mlp)  # within the class defaults
    for name, limit, words in [
        ("DIGITLAB_NETWORK_LAYERS", "2", "In a class: At most 2 layers: this network has 3."),
        ("DIGITLAB_NETWORK_PARAMETERS", "50000", "In a class: 118,282 parameters: at most 50,000."),
        ("DIGITLAB_NETWORK_MULTIPLY_ADDS", "100000", "In a class: 118,016 multiply-adds per digit: at most 100,000"),
    ]:
        with monkeypatch.context() as limited:
            limited.setenv(name, limit)
            with pytest.raises(NetworkError, match=words):
                check_run_size(2, 1000, mlp)


def test_every_layer_type_is_written_once_in_the_registry():
    """Its words, its settings' specs, and the views the pages read all come from LAYER_REGISTRY."""
    assert dict(LAYER_TYPES) == {name: dict(t.defaults) for name, t in LAYER_REGISTRY.items()}
    assert dict(PLAIN_NAMES) == {name: t.plain_name for name, t in LAYER_REGISTRY.items()}
    for name, type_ in LAYER_REGISTRY.items():
        assert type_.name == name and type_.plain_name and type_.help.endswith(".")
        for setting, default in type_.defaults.items():
            spec = SETTING_SPECS[setting]  # every setting has a spec: its widget, its check, its help
            assert spec.label and spec.words and spec.help.endswith(".")
            assert spec.kind in ("whole", "choice", "share", "yes/no")
            if spec.kind == "choice":
                assert default in spec.options
            elif spec.kind in ("whole", "share"):
                assert spec.low <= default <= spec.high
            spec.check(default, "a default")  # the defaults pass the checks
        layer(name)  # and make a layer
    assert set(SETTING_SPECS) == {s for t in LAYER_REGISTRY.values() for s in t.defaults}  # no spec left over


def upsampling_walk(s: dict, maps: tuple[int, ...], where: str) -> Step:
    if maps[0] * s["factor"] > 56:
        raise NetworkError(f"{where}: maps bigger than 56x56 take too long.")
    return Step((maps[0] * s["factor"], maps[1] * s["factor"], maps[2]), 0, f"Upsampling {s['factor']}x")


def add_a_layer_type(monkeypatch) -> None:
    """A layer type the app does not have, added the one way a new one is: an entry in the registry."""
    monkeypatch.setitem(
        SETTING_SPECS, "factor", SettingSpec("Factor", "factor", "whole", low=1, high=4, help="How much bigger.")
    )
    upsample = LayerType(
        name="upsample",
        plain_name="Upsampling",
        help="Makes each map bigger, repeating its values.",
        defaults={"factor": 2},
        walk=upsampling_walk,
        keras=lambda s: KerasCall("UpSampling2D", (s["factor"],)),
        needs_maps=True,
    )
    monkeypatch.setitem(LAYER_REGISTRY, "upsample", upsample)


def test_a_new_layer_type_is_one_entry_in_the_registry(monkeypatch):
    add_a_layer_type(monkeypatch)
    assert "upsample" in LAYER_TYPES and PLAIN_NAMES["upsample"] == "Upsampling"
    network = {"input": "unit", "layers": [layer("upsample"), layer("conv", filters=4, stride=2), layer("flatten")]}
    assert [row.shape for row in describe(network)][:3] == [(28, 28), (56, 56, 1), (27, 27, 4)]
    assert_table_is_keras(network)  # it builds, with the shapes describe said
    for stack, words in [
        ([layer("upsample", factor=5)], "Layer 1 (Upsampling): factor must be a whole number from 1 to 4, not 5."),
        ([layer("flatten"), layer("upsample")], "Layer 2 (Upsampling) works on maps, but it comes after"),
        ([layer("upsample"), layer("upsample")], "Layer 2 (Upsampling): maps bigger than 56x56 take too long."),
    ]:
        with pytest.raises(NetworkError, match=re.escape(words)):
            describe({"input": "unit", "layers": stack + [layer("flatten")]})
