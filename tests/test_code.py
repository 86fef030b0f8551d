"""See the code: the generated script and notebook train the same network without DigitLab."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from digitlab.learn.architectures import build_model, get_architecture
from digitlab.learn.code import build_section, layer_line, notebook, script
from digitlab.learn.layers import LAYER_REGISTRY
from digitlab.learn.network import build, describe, layer
from digitlab.learn.train import TrainConfig
from tests.test_network import add_a_layer_type

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "mnist"
OWN = {
    "input": "unit",
    "layers": [
        layer("conv", filters=8, kernel=3, padding="same", activation="gelu"),
        layer("avgpool"),
        layer("flatten"),
        layer("dense", units=32, activation="sigmoid"),
    ],
}


def run_isolated(code_args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    """Python in isolated mode from an empty folder: DigitLab cannot be imported there."""
    return subprocess.run([sys.executable, "-I", *code_args], cwd=cwd, capture_output=True, text=True, timeout=600)


def last_lines(out: subprocess.CompletedProcess) -> dict[str, str]:
    return dict(line.split("=", 1) for line in out.stdout.splitlines() if "=" in line and " " not in line)


@pytest.mark.parametrize(
    "config",
    [
        TrainConfig.for_architecture("fast", epochs=1, train_limit=2000),
        TrainConfig.for_architecture("mlp", epochs=1, train_limit=2000, augment=True),
        TrainConfig.for_architecture("fast", epochs=1, train_limit=2000, network=OWN),
    ],
    ids=["fast", "mlp", "own"],
)
def test_the_script_trains_the_same_network_without_digitlab(config, tmp_path):
    path = tmp_path / "train_it.py"
    path.write_text(script(config, "it"))
    assert "import digitlab" not in path.read_text() and "from digitlab" not in path.read_text()
    out = run_isolated([str(path)], tmp_path)  # from another folder: DigitLab's MNIST by default
    assert out.returncode == 0, out.stderr[-3000:]
    figures = last_lines(out)
    assert int(figures["parameters"]) == build_model(config.architecture, config.network).count_params()
    assert float(out.stdout.strip().splitlines()[-1].removeprefix("test_accuracy=")) > 0.3  # chance is 0.1
    assert (tmp_path / "it.keras").exists() is False and (tmp_path / "train_it.keras").exists()


def test_the_notebook_runs_cell_by_cell(tmp_path):
    config = TrainConfig.for_architecture("tanh", epochs=1, train_limit=2000)
    document = json.loads(notebook(config, "tanh run"))
    assert document["nbformat"] == 4 and document["cells"][0]["cell_type"] == "markdown"
    code = "\n\n".join("".join(c["source"]) for c in document["cells"] if c["cell_type"] == "code")
    assert f"DATA = {json.dumps(str(DATA.resolve()))}" in code  # the same folder as the script's, absolute
    out = run_isolated(["-c", code], tmp_path)  # from another folder
    assert out.returncode == 0, out.stderr[-3000:]
    assert int(last_lines(out)["parameters"]) == build_model("tanh").count_params()
    assert float(out.stdout.strip().splitlines()[-1].removeprefix("test_accuracy=")) > 0.5


EVERY_TYPE = [
    {
        "input": "standardize",
        "layers": [
            layer("conv", filters=4, kernel=5, stride=2, padding="same", activation="linear", bias=False),
            layer("batchnorm", momentum=0.9),
            layer("activation", activation="gelu"),
            layer("maxpool"),
            layer("avgpool", size=3),
            layer("globalpool"),
            layer("dense", units=8, activation="tanh"),
            layer("dropout", rate=0.5),
        ],
    },
    {"input": "unit", "layers": [layer("conv"), layer("flatten"), layer("dense")]},
]


def test_every_code_line_makes_the_layer_the_app_builds():
    assert {s["type"] for network in EVERY_TYPE for s in network["layers"]} == set(LAYER_REGISTRY)
    from keras import layers  # noqa: F401 (the lines' own name for it)

    for network in EVERY_TYPE:
        model = build(network)
        for row, settings in zip(describe(network)[1:], network["layers"]):
            written = eval(layer_line(settings, row.name))  # the line of "See the code", run
            assert written.get_config() == model.get_layer(row.name).get_config()


def test_a_new_layer_type_gets_its_code_line(monkeypatch):
    add_a_layer_type(monkeypatch)
    lines = build_section({"input": "unit", "layers": [layer("upsample"), layer("flatten")]}).splitlines()
    at = lines.index('        layers.UpSampling2D(2, name="upsample1"),  # -> 56x56x1')
    assert lines[at - 1] == '        layers.Reshape((28, 28, 1), name="channels"),'  # it needs maps: the picture as one


HOSTILE_NAMES = [
    'x"""\nimport os\n"""',
    "x'''\nimport os\n'''",
    "![x](http://host/tracker.png) [Your grade is ready: click](http://host/phish)" + "W" * 3000,
    '<img src="http://host/t.png">\\\n',
    "name\r\nimport os  # \u2028",
]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_a_hostile_name_adds_no_statement_to_the_script_and_no_markup_to_the_notebook(name):
    plain = [type(node).__name__ for node in ast.parse(script(TrainConfig.for_architecture("fast"), "plain")).body]
    hostile = ast.parse(script(TrainConfig.for_architecture("fast"), name))
    assert [type(node).__name__ for node in hostile.body] == plain  # the same top-level statements, no extra import
    assert not any(isinstance(node, ast.Import) and node.names[0].name == "os" for node in ast.walk(hostile))
    cells = json.loads(notebook(TrainConfig.for_architecture("fast"), name))["cells"]
    text = "".join("".join(cell["source"]) for cell in cells)
    assert "<img" not in text and "](" not in text and "import os" not in text


def test_a_model_of_an_earlier_fast_gets_the_layers_it_was_trained_with():
    """The shipped default is the `fast` of before 2026-12-07: its code shows its own layers."""
    meta = json.loads(Path("digitlab/serve/pretrained/meta.json").read_text())
    config = TrainConfig.of_saved_model(meta)
    assert config.network == meta["network"]
    assert 'layers.Conv2D(16, 5, activation="relu", name="conv1"),  # -> 24x24x16' in script(config, "default")
    today = {**meta, "network": get_architecture("fast").network}
    assert TrainConfig.of_saved_model(today).network is None  # the layers its architecture names today
