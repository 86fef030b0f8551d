"""A saved model in the formats people take elsewhere: a TensorFlow SavedModel, a TensorFlow Lite file, ONNX.

All take what the `.keras` model takes, (n, 28, 28) float32 pixels 0-255 (white digit on black),
and give the ten probabilities. The SavedModel is the format of the original tutorials'
`tf.saved_model` builder (`tf.saved_model.load(path).serve(x)`); the TFLite file runs on phones
(LiteRT: `ai_edge_litert.interpreter.Interpreter`); the ONNX file runs wherever ONNX Runtime does
(`onnxruntime.InferenceSession(path)`, from C#, Java, JavaScript...). Keras writes all three
(`Model.export`; ONNX through `tf2onnx`, which installs beside the pinned TensorFlow).

Every export is loaded in its own runtime and its answers compared with the model's on check
pictures before it counts as written: a network a format cannot carry (gelu in ONNX, whose opset
has no Erfc) is refused in words, and nothing is left behind.
"""

from __future__ import annotations

import io
import logging
import shutil
import tempfile
import warnings
import zipfile
from pathlib import Path

import keras
import numpy as np

from digitlab.language import N_, _

log = logging.getLogger(__name__)

# Each format in words (marked N_: the Models page shows _(FORMATS[format])).
FORMATS = {
    "savedmodel": N_("a TensorFlow SavedModel folder (tf.saved_model.load(path).serve(x))"),
    "tflite": N_("a TensorFlow Lite file (ai_edge_litert.interpreter.Interpreter(model_path=path))"),
    "onnx": N_("an ONNX file (onnxruntime.InferenceSession(path))"),
}
KERAS_FORMATS = {"savedmodel": "tf_saved_model", "tflite": "litert", "onnx": "onnx"}
FILE_NAMES = {"savedmodel": "saved_model", "tflite": "model.tflite", "onnx": "model.onnx"}
TOLERANCE = 1e-3  # the largest difference in any probability between the model and its export


class ExportError(ValueError):
    """The format cannot carry this network, or what was written does not answer as the model does."""


def export_model(model: keras.Model, format: str, out: Path) -> Path:
    """Write `model` as `format` (a key of FORMATS) at `out`, load it back in that format's runtime
    and compare its answers with the model's on `check_pictures()`; return `out`.

    Raises: ValueError for an unknown format, an `out` that exists or whose folder does not;
    ExportError (a ValueError), in words, where the export fails or answers differently (then
    nothing is left at `out`).
    """
    if format not in FORMATS:
        raise ValueError(f"Unknown format {format!r}: choose {' or '.join(FORMATS)}.")
    out = Path(out)
    if out.exists():
        raise ValueError(f"{out} already exists: choose a new path.")
    if not out.parent.is_dir():
        raise ValueError(f"The folder {out.parent} does not exist: make it first, or choose another.")
    pictures = check_pictures()
    expected = np.asarray(model(pictures, training=False))  # ONNX's export also wants a model that has run
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)  # tf2onnx on NumPy 2
            model.export(str(out), format=KERAS_FORMATS[format], verbose=False)
        got = ANSWERS[format](out, pictures)
    except Exception as error:  # noqa: BLE001 - exporters and runtimes raise many kinds; each means "cannot"
        log.info("export to %s failed", format, exc_info=True)
        remove(out)
        raise ExportError(
            _("This network cannot be written as {format}: {error}").format(format=format, error=first_line(error))
        ) from error
    difference = float(np.abs(got - expected).max()) if got.shape == expected.shape else float("inf")
    if not difference <= TOLERANCE:
        remove(out)
        raise ExportError(
            _("Its {format} file answers differently from the model (by up to {difference}).").format(
                format=format, difference=f"{difference:.3g}"
            )
        )
    return out


def check_pictures() -> np.ndarray:
    """(8, 28, 28) float32 pixels 0-255 an export must answer as the model does: a blank, a full
    square and six of the same random strokes every time."""
    rng = np.random.default_rng(28)
    pictures = np.zeros((8, 28, 28), np.float32)
    pictures[1] = 255
    for picture in pictures[2:]:
        for _stroke in range(3):
            row, col = rng.integers(4, 24, size=2)
            picture[row - 3 : row + 3, col - 1 : col + 2] = rng.uniform(120, 255)
    return pictures


def onnx_answers(path: Path, pictures: np.ndarray) -> np.ndarray:
    import onnxruntime

    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, {session.get_inputs()[0].name: pictures})[0]


def tflite_answers(path: Path, pictures: np.ndarray) -> np.ndarray:
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_path=str(path))
    interpreter.allocate_tensors()
    given, answer = interpreter.get_input_details()[0]["index"], interpreter.get_output_details()[0]["index"]
    found = []
    for picture in pictures:
        interpreter.set_tensor(given, picture[None])
        interpreter.invoke()
        found.append(interpreter.get_tensor(answer)[0])
    return np.stack(found)


def savedmodel_answers(path: Path, pictures: np.ndarray) -> np.ndarray:
    import tensorflow as tf

    loaded = tf.saved_model.load(str(path))  # held while it runs: its variables live in it
    return np.asarray(loaded.serve(pictures))


ANSWERS = {"onnx": onnx_answers, "tflite": tflite_answers, "savedmodel": savedmodel_answers}


def remove(out: Path) -> None:
    if out.is_dir():
        shutil.rmtree(out, ignore_errors=True)
    else:
        out.unlink(missing_ok=True)


def first_line(error: Exception) -> str:
    text = str(error).strip().splitlines()
    return (text[0] if text else type(error).__name__)[:200]


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
