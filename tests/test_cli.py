import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]


def cli(*args, home):
    env = {**os.environ, "DIGITLAB_HOME": str(home), "TF_CPP_MIN_LOG_LEVEL": "3"}
    return subprocess.run(
        [sys.executable, "-m", "digitlab", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def test_train_list_evaluate(tmp_path):
    out = cli("train", "--model", "softmax", "--epochs", "1", "--limit", "3000", "--name", "tiny", home=tmp_path)
    assert out.returncode == 0, out.stderr[-2000:]
    last = out.stdout.strip().splitlines()[-1]
    assert last.startswith("test_accuracy=") and float(last.split("=")[1]) > 0.8
    assert "saved as 'tiny'" in out.stderr
    assert "\x1b" not in out.stdout + out.stderr and "\r" not in out.stdout  # no progress bar where no terminal
    assert len(out.stdout) < 500, out.stdout  # `train > out.txt` holds the results only

    listing = cli("list", home=tmp_path)
    assert listing.returncode == 0
    rows = {line.split()[0]: line for line in listing.stdout.splitlines()[1:]}
    assert "softmax" in rows["tiny"] and "7,850" in rows["tiny"]
    assert "default" in rows

    evaluation = cli("evaluate", "tiny", home=tmp_path)
    assert evaluation.returncode == 0
    lines = evaluation.stdout.strip().splitlines()
    assert len(lines) == 11 and lines[0].startswith("digit 0: ") and lines[-1] == last


def test_predict_json_with_a_bad_file(tmp_path, mnist):
    seven = tmp_path / "seven.png"
    big = Image.fromarray(255 - mnist.x_test[0]).resize((300, 300))  # dark on light, any size
    big.save(seven)
    (tmp_path / "junk.png").write_text("not an image")
    blank = tmp_path / "blank.png"
    Image.fromarray(np.full((64, 64), 255, np.uint8)).save(blank)

    out = cli("predict", str(seven), str(tmp_path / "junk.png"), str(blank), "--json", home=tmp_path)
    assert out.returncode == 1  # some files failed
    records = [json.loads(line) for line in out.stdout.splitlines()]
    assert records[0]["file"] == str(seven) and records[0]["digit"] == 7
    assert len(records[0]["probabilities"]) == 10 and abs(sum(records[0]["probabilities"]) - 1) < 1e-3
    assert "Not a readable image" in records[1]["error"]
    assert "blank" in records[2]["error"]

    good = cli("predict", str(seven), home=tmp_path)
    assert good.returncode == 0 and good.stdout.startswith(f"{seven}: 7")


def test_clear_errors(tmp_path):
    out = cli("train", "--model", "softmax", "--learning-rate", "0", home=tmp_path)
    assert out.returncode == 2 and "error: Learning rate must be a positive" in out.stderr
    out = cli("evaluate", "../../etc/passwd", home=tmp_path)
    assert out.returncode == 2 and "No saved model" in out.stderr
    out = cli("train", "--model", "resnet", home=tmp_path)
    assert out.returncode == 2 and "invalid choice" in out.stderr


def test_workspace_option_acts_on_that_workspace_only(tmp_path):
    key = "0123456789abcdef0123456789abcdef"
    out = cli("--workspace", key, "train", "--model", "softmax", "--epochs", "1", "--limit", "2000", home=tmp_path)
    assert out.returncode == 0, out.stderr[-2000:]
    assert (tmp_path / "workspaces" / key / "models" / "softmax" / "model.keras").is_file()
    assert "softmax" in cli("--workspace", key, "list", home=tmp_path).stdout
    assert "softmax" not in cli("list", home=tmp_path).stdout
    refused = cli("--workspace", "../../etc", "list", home=tmp_path)
    assert refused.returncode == 2 and "not a workspace key" in refused.stderr


def test_a_cli_run_writes_tensorboard_logs_beside_the_model(tmp_path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    out = cli("train", "--model", "softmax", "--epochs", "2", "--limit", "3000", "--name", "logged", home=tmp_path)
    assert out.returncode == 0, out.stderr[-2000:]
    logs = tmp_path / "models" / "logged" / "logs"
    tags = {}
    for run in ("train", "validation", "filters"):
        events = EventAccumulator(str(logs / run), size_guidance={"tensors": 0})
        events.Reload()
        tags[run] = {tag: len(events.Tensors(tag)) for tag in events.Tags()["tensors"]}
    for tag in ("epoch_loss", "epoch_accuracy", "epoch_learning_rate"):
        assert tags["train"][tag] == 2, tags
    assert tags["train"]["step_loss"] >= 2 and tags["train"]["step_accuracy"] >= 2
    assert "keras" in tags["train"]  # the model's graph
    assert tags["validation"]["epoch_accuracy"] == 2 and tags["filters"]["first_layer_weights"] == 2
    assert (tmp_path / "models" / "logged" / "snapshots.npz").is_file()


def test_train_a_network_of_ones_own_then_print_its_code(tmp_path):
    network = {
        "input": "unit",
        "layers": [{"type": "conv", "filters": 8, "kernel": 3}, {"type": "maxpool"}, {"type": "flatten"}],
    }
    (tmp_path / "mine.json").write_text(json.dumps(network))
    out = cli("train", "--layers", str(tmp_path / "mine.json"), "--epochs", "1", "--limit", "2000", home=tmp_path)
    assert out.returncode == 0, out.stderr[-2000:]
    assert float(out.stdout.strip().splitlines()[-1].removeprefix("test_accuracy=")) > 0.5
    meta = json.loads((tmp_path / "models" / "custom" / "meta.json").read_text())
    assert meta["architecture"] == "custom" and meta["network"]["layers"][0]["filters"] == 8
    code = cli("code", "custom", home=tmp_path)
    assert code.returncode == 0 and 'layers.Conv2D(8, 3, activation="relu", name="conv1")' in code.stdout
    (tmp_path / "bad.json").write_text(json.dumps({"input": "unit", "layers": [{"type": "dense"}]}))
    bad = cli("train", "--layers", str(tmp_path / "bad.json"), home=tmp_path)
    assert bad.returncode == 2 and "needs a flat input: add Flatten" in bad.stderr and "Traceback" not in bad.stderr
    (tmp_path / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    deep = cli("train", "--layers", str(tmp_path / "deep.json"), home=tmp_path)
    assert deep.returncode == 2 and "nested too deeply" in deep.stderr and "Traceback" not in deep.stderr


def make_default_of_softmax(monkeypatch, mnist, shipped: Path) -> None:
    """make-default, fast: softmax for one epoch on 10,000 digits, shipped into `shipped`."""
    import digitlab.__main__ as command
    from digitlab.learn.data import Dataset
    from digitlab.serve import store

    small = Dataset(mnist.x_train[:10_000], mnist.y_train[:10_000], mnist.x_test, mnist.y_test)
    monkeypatch.setattr(command, "load_mnist", lambda: small)
    monkeypatch.setattr(command, "DEFAULT_ARCHITECTURE", "softmax")
    monkeypatch.setattr(command, "DEFAULT_MODEL_STYLES", 2)
    monkeypatch.setattr(store, "DEFAULT_MODEL_DIR", shipped)
    return command.main(["make-default", "--epochs", "1"])


def test_make_default_keeps_a_shipped_model_that_reads_more_drawn_digits(tmp_path, monkeypatch, mnist, capsys):
    import shutil

    from digitlab.serve import store

    shipped = tmp_path / "pretrained"
    shutil.copytree(store.DEFAULT_MODEL_DIR, shipped)
    before = {p.name: p.read_bytes() for p in shipped.iterdir()}
    assert make_default_of_softmax(monkeypatch, mnist, shipped) == 2
    said = capsys.readouterr().err
    assert "error: The new model reads" in said and "points fewer" in said and "The shipped model is kept." in said
    assert {p.name: p.read_bytes() for p in shipped.iterdir()} == before  # untouched, its snapshots too


def test_make_default_replaces_a_shipped_model_that_reads_fewer_with_its_snapshots(tmp_path, monkeypatch, mnist):
    from digitlab.learn.architectures import build_model
    from digitlab.serve import store

    shipped = tmp_path / "pretrained"
    shipped.mkdir()
    untrained = build_model("softmax")  # reads a tenth by chance
    store.write_model_files(store.model_to_bytes(untrained), shipped, store.model_record(untrained, {}))
    assert make_default_of_softmax(monkeypatch, mnist, shipped) == 0
    assert {"model.keras", "meta.json", "snapshots.npz", "browser.onnx", "browser.json"} <= {
        p.name for p in shipped.iterdir()
    }
    assert json.loads((shipped / "meta.json").read_text())["test_accuracy"] > 0.5  # learned: chance is 0.1


def test_the_code_of_the_shipped_default_has_the_layers_it_was_trained_with(tmp_path):
    """It is the `fast` of before 2026-12-07 (a pooling after the first convolution), as on the Models page."""
    code = cli("code", "default", home=tmp_path)
    assert code.returncode == 0, code.stderr[-2000:]
    assert 'layers.Conv2D(16, 5, activation="relu", name="conv1"),  # -> 24x24x16' in code.stdout
