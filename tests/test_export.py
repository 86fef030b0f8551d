"""Every exported format loads back and gives the Keras model's own probabilities."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import onnxruntime
import pytest
import tensorflow as tf
from ai_edge_litert.interpreter import Interpreter

from digitlab.learn.export import FORMATS, ExportError, export_model, exported_bytes
from digitlab.learn.layers import ACTIVATIONS, LAYER_REGISTRY
from digitlab.learn.network import build, layer
from digitlab.serve import store
from tests.test_cli import cli


@pytest.fixture(scope="module")
def default():
    return store.load_entry(store.default_model())[0]


def tflite_probabilities(path, x: np.ndarray) -> np.ndarray:
    interpreter = Interpreter(model_path=str(path))
    given = interpreter.get_input_details()[0]
    interpreter.resize_tensor_input(given["index"], list(x.shape))
    interpreter.allocate_tensors()
    interpreter.set_tensor(given["index"], x)
    interpreter.invoke()
    return interpreter.get_tensor(interpreter.get_output_details()[0]["index"])


def onnx_probabilities(path, x: np.ndarray) -> np.ndarray:
    session = onnxruntime.InferenceSession(str(path))
    return session.run(None, {session.get_inputs()[0].name: x})[0]


def test_savedmodel_tflite_and_onnx_give_the_same_probabilities(default, mnist, tmp_path):
    x = mnist.x_test[:100].astype(np.float32)
    expected = default(x, training=False).numpy()
    saved = tf.saved_model.load(str(export_model(default, "savedmodel", tmp_path / "saved")))
    assert np.allclose(saved.serve(x).numpy(), expected, atol=1e-5)
    lite = export_model(default, "tflite", tmp_path / "m.tflite")
    assert np.allclose(tflite_probabilities(lite, x), expected, atol=1e-5)
    assert np.allclose(onnx_probabilities(export_model(default, "onnx", tmp_path / "m.onnx"), x), expected, atol=1e-5)


def test_downloads_are_a_zipped_savedmodel_a_tflite_and_an_onnx_file(default, mnist, tmp_path):
    with zipfile.ZipFile(io.BytesIO(exported_bytes(default, "savedmodel"))) as archive:
        archive.extractall(tmp_path)
    x = mnist.x_test[:3].astype(np.float32)
    assert tf.saved_model.load(str(tmp_path / "saved_model")).serve(x).numpy().argmax(1).tolist() == [7, 2, 1]
    (tmp_path / "m.tflite").write_bytes(exported_bytes(default, "tflite"))
    assert tflite_probabilities(tmp_path / "m.tflite", x).argmax(1).tolist() == [7, 2, 1]
    (tmp_path / "m.onnx").write_bytes(exported_bytes(default, "onnx"))
    assert onnx_probabilities(tmp_path / "m.onnx", x).argmax(1).tolist() == [7, 2, 1]


def test_unknown_formats_and_taken_paths_are_refused(default, tmp_path):
    with pytest.raises(ValueError, match="Unknown format 'h5'"):
        export_model(default, "h5", tmp_path / "x")
    with pytest.raises(ValueError, match="already exists"):
        export_model(default, "tflite", tmp_path)
    assert set(FORMATS) == {"savedmodel", "tflite", "onnx"}


def test_the_cli_exports(tmp_path, mnist):
    out = cli("export", "default", "--format", "onnx", "--out", str(tmp_path / "d.onnx"), home=tmp_path)
    assert out.returncode == 0 and "wrote" in out.stdout, out.stderr[-2000:]
    assert onnx_probabilities(tmp_path / "d.onnx", mnist.x_test[:1].astype(np.float32)).argmax() == 7
    again = cli("export", "default", "--format", "onnx", "--out", str(tmp_path / "d.onnx"), home=tmp_path)
    assert again.returncode == 2 and "already exists" in again.stderr and "Traceback" not in again.stderr
    nowhere = cli("export", "default", "--format", "tflite", "--out", str(tmp_path / "no" / "m.tflite"), home=tmp_path)
    assert nowhere.returncode == 2 and "error: The folder" in nowhere.stderr and "Traceback" not in nowhere.stderr
    assert "onnx" in cli("export", "--help", home=tmp_path).stdout


def every_layer(activation: str, end: str) -> dict:
    """A network with every layer type the Build page offers (`end`: flatten or globalpool), every
    activation in it `activation`."""
    return {
        "input": "unit",
        "layers": [
            layer("conv", filters=4, padding="same", activation=activation),
            layer("batchnorm"),
            layer("activation", activation=activation),
            layer("maxpool"),
            layer("conv", filters=4, activation=activation, bias=False),
            layer("avgpool"),
            layer("dropout", rate=0.2),
            layer(end),
            layer("dense", units=8, activation=activation),
        ],
    }


@pytest.mark.parametrize("activation, end", [(a, "flatten") for a in ACTIVATIONS] + [("relu", "globalpool")])
def test_every_layer_type_and_activation_the_build_page_offers_exports_to_every_format_or_is_refused(
    activation, end, tmp_path
):
    network = every_layer(activation, end)
    assert {settings["type"] for settings in network["layers"]} | {"flatten", "globalpool"} == set(LAYER_REGISTRY)
    model = build(network)
    for format in FORMATS:
        out = tmp_path / f"{activation}-{end}.{format}"
        if (activation, format) in CANNOT_CARRY:  # onnxruntime: "No Op registered for Erfc"
            with pytest.raises(ExportError, match=f"This network cannot be written as {format}"):
                export_model(model, format, out)
            assert not out.exists()  # nothing half-written left behind
        else:
            assert export_model(model, format, out).exists()  # loaded back and compared inside


CANNOT_CARRY = {("gelu", "onnx")}


def test_an_export_that_answers_differently_is_refused_and_removed(default, tmp_path, monkeypatch):
    from digitlab.learn import export

    monkeypatch.setitem(export.ANSWERS, "onnx", lambda path, pictures: np.full((len(pictures), 10), 0.1))
    with pytest.raises(ExportError, match="answers differently from the model"):
        export_model(default, "onnx", tmp_path / "wrong.onnx")
    assert not (tmp_path / "wrong.onnx").exists()
    with pytest.raises(ValueError, match="does not exist: make it first"):
        export_model(default, "tflite", tmp_path / "missing" / "dir" / "m.tflite")
