"""A saved model in the formats people take elsewhere: a TensorFlow SavedModel, a TensorFlow Lite file, ONNX.

All take what the `.keras` model takes, (n, 28, 28) float32 pixels 0-255 (white digit on black),
and give the ten probabilities. The SavedModel is the format of the original tutorials'
`tf.saved_model` builder (`tf.saved_model.load(path).serve(x)`); the TFLite file runs on phones
(`tf.lite.Interpreter`, or `ai_edge_litert`); the ONNX file runs wherever ONNX Runtime does
(`onnxruntime.InferenceSession(path)`, from C#, Java, JavaScript...). Keras writes all three
(`Model.export`; ONNX through `tf2onnx`, which installs beside the pinned TensorFlow).
"""

from __future__ import annotations

import io
import logging
import tempfile
import zipfile
from pathlib import Path

import keras
import numpy as np

log = logging.getLogger(__name__)

FORMATS = {
    "savedmodel": "a TensorFlow SavedModel folder (tf.saved_model.load(path).serve(x))",
    "tflite": "a TensorFlow Lite file (tf.lite.Interpreter(model_path=path))",
    "onnx": "an ONNX file (onnxruntime.InferenceSession(path))",
}
KERAS_FORMATS = {"savedmodel": "tf_saved_model", "tflite": "litert", "onnx": "onnx"}
FILE_NAMES = {"savedmodel": "saved_model", "tflite": "model.tflite", "onnx": "model.onnx"}


def export_model(model: keras.Model, format: str, out: Path) -> Path:
    """Write `model` as `format` (a key of FORMATS) at `out`; return `out`.

    Raises: ValueError for an unknown format or an `out` that already exists.
    """
    if format not in FORMATS:
        raise ValueError(f"Unknown format {format!r}: choose {' or '.join(FORMATS)}.")
    out = Path(out)
    if out.exists():
        raise ValueError(f"{out} already exists: choose a new path.")
    model(np.zeros((1, 28, 28), np.float32), training=False)  # ONNX's export wants a model that has run
    model.export(str(out), format=KERAS_FORMATS[format], verbose=False)
    return out


def exported_bytes(model: keras.Model, format: str) -> bytes:
    """The export as bytes to download: the TFLite or ONNX file itself, or the SavedModel folder zipped."""
    with tempfile.TemporaryDirectory(prefix="digitlab-export-") as folder:
        out = export_model(model, format, Path(folder) / FILE_NAMES[format])
        if out.is_file():
            return out.read_bytes()
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for file in sorted(out.rglob("*")):
                if file.is_file():
                    archive.write(file, f"saved_model/{file.relative_to(out)}")
        return buffer.getvalue()
