"""A saved model in the formats people take elsewhere: a TensorFlow SavedModel and a TensorFlow Lite file.

Both take what the `.keras` model takes, (n, 28, 28) float32 pixels 0-255 (white digit on black),
and give the ten probabilities. The SavedModel is the format of the original tutorials'
`tf.saved_model` builder (`tf.saved_model.load(path).serve(x)`); the TFLite file runs on phones
(`tf.lite.Interpreter`, or `ai_edge_litert`). Keras writes both (`Model.export`). ONNX is left out:
it needs `tf2onnx` and `onnx` beside the pinned TensorFlow, more dependencies for a format the
two above already cover for the places a learner takes a digit reader to.
"""

from __future__ import annotations

import io
import logging
import tempfile
import zipfile
from pathlib import Path

import keras

log = logging.getLogger(__name__)

FORMATS = {
    "savedmodel": "a TensorFlow SavedModel folder (tf.saved_model.load(path).serve(x))",
    "tflite": "a TensorFlow Lite file (tf.lite.Interpreter(model_path=path))",
}


def export_model(model: keras.Model, format: str, out: Path) -> Path:
    """Write `model` as `format` (a key of FORMATS) at `out`; return `out`.

    Raises: ValueError for an unknown format or an `out` that already exists.
    """
    if format not in FORMATS:
        raise ValueError(f"Unknown format {format!r}: choose {' or '.join(FORMATS)}.")
    out = Path(out)
    if out.exists():
        raise ValueError(f"{out} already exists: choose a new path.")
    keras_format = {"savedmodel": "tf_saved_model", "tflite": "litert"}[format]
    model.export(str(out), format=keras_format, verbose=False)
    return out


def exported_bytes(model: keras.Model, format: str) -> bytes:
    """The export as bytes to download: the TFLite file itself, or the SavedModel folder zipped."""
    with tempfile.TemporaryDirectory(prefix="digitlab-export-") as folder:
        out = export_model(model, format, Path(folder) / ("model.tflite" if format == "tflite" else "saved_model"))
        if format == "tflite":
            return out.read_bytes()
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for file in sorted(out.rglob("*")):
                if file.is_file():
                    archive.write(file, f"saved_model/{file.relative_to(out)}")
        return buffer.getvalue()
