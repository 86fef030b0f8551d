"""See the code: the generated script and notebook train the same network without DigitLab."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from digitlab.code import notebook, script
from digitlab.models import build_model
from digitlab.network import layer
from digitlab.train import TrainConfig

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
    assert "digitlab" not in path.read_text()
    out = run_isolated([str(path), "--data", str(DATA)], tmp_path)
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
    code = code.replace('DATA = "data/mnist"', f"DATA = {str(DATA)!r}")
    out = run_isolated(["-c", code], tmp_path)
    assert out.returncode == 0, out.stderr[-3000:]
    assert int(last_lines(out)["parameters"]) == build_model("tanh").count_params()
    assert float(out.stdout.strip().splitlines()[-1].removeprefix("test_accuracy=")) > 0.5
