"""The network builder: a draft's edits (core), and the Build page that makes and trains one (AppTest)."""

from __future__ import annotations

import pytest

from digitlab.learn.architectures import ARCHITECTURES
from digitlab.learn.builder import Draft
from digitlab.learn.layers import LAYER_REGISTRY, SETTING_SPECS
from digitlab.learn.network import MAX_LAYERS, OWN_NETWORK, NetworkError, describe
from tests.test_app import app_job, page
from tests.test_network import add_a_layer_type
from ui.builder import SETTING_WIDGETS
from ui.words import LAYER_HELP, LAYER_SETTINGS_HELP


def kinds(draft: Draft) -> list[str]:
    return [settings["type"] for _, settings in draft.layers]


def test_a_draft_starts_as_its_preset_and_edits_keep_each_layers_id():
    draft = Draft.from_preset("mlp")
    assert draft.network() == ARCHITECTURES["mlp"].network
    ids = [uid for uid, _ in draft.layers]
    draft.add("dropout", after=2)  # after the first dense layer
    assert kinds(draft) == ["flatten", "dense", "dropout", "dense"]
    draft.move(2, 1)
    assert kinds(draft) == ["flatten", "dense", "dense", "dropout"]
    draft.move(3, 1)  # the last stays last
    assert kinds(draft) == ["flatten", "dense", "dense", "dropout"]
    draft.change(1, units=32, activation="sigmoid")
    draft.remove(3)
    assert [uid for uid, _ in draft.layers] == ids  # the dropout came and went; the others kept their ids
    assert [row.shape for row in describe(draft.network())][1:] == [(784,), (32,), (128,), (10,)]
    assert ARCHITECTURES["mlp"].network["layers"][1]["units"] == 128  # the preset itself is untouched


def test_a_draft_refuses_what_no_network_has():
    draft = Draft.from_preset("softmax")
    with pytest.raises(NetworkError, match="has no setting colour"):
        draft.change(0, colour="red")
    with pytest.raises(NetworkError, match="input scaling"):
        draft.set_input("negative")
    with pytest.raises(NetworkError, match="Unknown layer type"):
        draft.add("lstm")
    for _ in range(MAX_LAYERS - len(draft.layers)):
        draft.add("dropout")
    with pytest.raises(NetworkError, match=f"At most {MAX_LAYERS} layers"):
        draft.add("dropout")


def test_the_builders_widgets_and_words_are_the_registrys(monkeypatch):
    for name, spec in SETTING_SPECS.items():
        label, kind, bounds = SETTING_WIDGETS[name]
        assert (label, kind, LAYER_SETTINGS_HELP[name]) == (spec.label, spec.kind, spec.help)
        assert bounds == {"choice": spec.options, "yes/no": None}.get(spec.kind, (spec.low, spec.high))
    assert SETTING_WIDGETS["filters"] == ("Filters", "whole", (1, 512))  # the bounds describe checks
    assert dict(LAYER_HELP) == {name: type_.help for name, type_ in LAYER_REGISTRY.items()}

    add_a_layer_type(monkeypatch)  # a new type: the builder offers it, with its widget and its words
    assert SETTING_WIDGETS["factor"] == ("Factor", "whole", (1, 4)) and LAYER_HELP["upsample"].startswith("Makes")
    draft = Draft.from_preset("fast")
    draft.add("upsample", after=0)
    draft.change(0, factor=1)
    assert kinds(draft)[0] == "upsample" and describe(draft.network())[1].shape == (28, 28, 1)


def layer_boxes(app) -> list:
    """The Build page's boxes, one per layer (bordered containers)."""
    found, todo = [], list(app.main.children.values())
    while todo:
        node = todo.pop()
        children = getattr(node, "children", None)
        if isinstance(children, dict):
            proto = getattr(node, "proto", None)
            if proto is not None and proto.DESCRIPTOR.name == "Block" and proto.WhichOneof("type") == "flex_container":
                if proto.flex_container.border:
                    found.append(node)
            todo += children.values()
    return found


def box_text(box) -> str:
    texts, todo = [], [box]
    while todo:
        node = todo.pop()
        if isinstance(getattr(node, "value", None), str):
            texts.append(node.value)
        if isinstance(getattr(node, "children", None), dict):
            todo += node.children.values()
    return " ".join(texts)


def test_the_build_page_edits_explains_and_trains_a_network(board, workspace):
    app = page("build").run()
    assert not app.exception
    start = next(s for s in app.selectbox if s.label == "Start from")
    start.set_value("mlp")
    app.button[[b.label for b in app.button].index("Start from this network")].click().run()
    table = app.dataframe[0].value
    assert list(table["Numbers it learns"]) == [0, 0, 100_480, 16_512, 1_290]  # mlp: Keras' own counts
    assert "118,282 numbers to learn" in " ".join(c.value for c in app.caption)

    # Add a convolution after the flatten: the page says why that cannot work, in words.
    next(s for s in app.selectbox if s.label == "Add a layer").set_value("conv")
    next(s for s in app.selectbox if s.label == "Where").set_value(1)
    next(b for b in app.button if b.label == "Add").click().run()
    assert "comes after the picture was flattened: move it up" in app.error[0].value
    [card] = [box for box in layer_boxes(app) if "**2. Convolution**" in box_text(box)]
    assert "move it up" in box_text(card)  # said at the layer, on a phone screens away from the table, too
    assert not app.dataframe
    assert next(b for b in app.button if b.label == "Train this network").disabled
    [b for b in app.button if b.key and b.key.startswith("up-")][1].click().run()  # the convolution: up one
    assert not app.error
    rows = app.dataframe[0].value
    assert list(rows["What comes out for one digit"])[:3] == ["a 28x28 picture", "16 maps of 26x26", "10,816 numbers"]

    # Fewer filters, in the convolution's own settings; then train it from the Train page.
    filters = next(n for n in app.number_input if n.label == "Filters")
    assert (filters.min, filters.max, filters.help) == (1, 512, SETTING_SPECS["filters"].help)  # from the registry
    filters.set_value(4).run()
    assert app.dataframe[0].value["Numbers it learns"][1] == 3 * 3 * 4 + 4
    next(b for b in app.button if b.label == "Train this network").click().run()
    assert app.title[0].value == "Train" and app.selectbox(key="architecture").value == "custom"
    app.switch_page("app_pages/train.py")  # AppTest runs the page it was told, whatever the script switched to
    app.number_input(key=f"ep-{OWN_NETWORK}-mlp").set_value(1)  # the Train page's form for a built network
    app.number_input(key="limit").set_value(2000)
    app.button(key="FormSubmitter:settings-Train").click().run()
    job = app_job(app)
    assert job.config.network["layers"][0] == {
        "type": "conv", "filters": 4, "kernel": 3, "stride": 1, "padding": "valid", "activation": "relu", "bias": True,
    }  # fmt: skip
    status = job.wait(300)
    assert status.saved_name == "my-network", status.error
    assert status.meta["architecture"] == "custom" and status.meta["test_accuracy"] > 0.5  # it learned
