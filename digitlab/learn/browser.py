"""A model for the visitor's browser: its ONNX file, checked under ONNX Runtime before any browser gets it.

The Draw page answers on the visitor's device (ONNX Runtime Web, `static/live/`). The file it
runs is Keras' own ONNX export, loaded here in ONNX Runtime and compared with the Keras model on
test digits: a file that does not load, or answers differently, is refused in words, and the page
answers on the server instead. The browser checks the file once more on one digit (`check`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import keras
import numpy as np

from digitlab.language import _
from digitlab.learn.export import exported_bytes, first_line

log = logging.getLogger(__name__)

TOLERANCE = 1e-3  # the largest difference in any probability between Keras and ONNX Runtime


class BrowserExportError(ValueError):
    """The model cannot be sent to a browser: its ONNX file fails to load or answers differently."""


@dataclass(frozen=True)
class BrowserModel:
    """The ONNX file for the browser and one digit with the answer it must give there."""

    onnx: bytes
    check_input: list[float]  # 784 pixels 0-255, row by row (a test digit)
    check_probabilities: list[float]  # what the Keras model says of it


def browser_model(model: keras.Model, digits: np.ndarray) -> BrowserModel:
    """Export `model` to ONNX and check it on `digits` ((n, 28, 28) pixels 0-255) under ONNX Runtime.

    Raises: BrowserExportError, in words, when the file does not load or its answers differ. Made on a
    worker, the words are English (and kept so in the copy's record); marked for the catalogue all the same.
    """
    import onnxruntime  # the check's runtime: only where a model is exported

    digits = np.asarray(digits, np.float32)
    try:
        onnx = exported_bytes(model, "onnx")
        session = onnxruntime.InferenceSession(onnx, providers=["CPUExecutionProvider"])
        got = session.run(None, {session.get_inputs()[0].name: digits})[0]
    except Exception as error:  # noqa: BLE001 - tf2onnx and onnxruntime raise many kinds; each means "cannot"
        log.info("ONNX export for the browser failed", exc_info=True)
        raise BrowserExportError(
            _("This network cannot run in a browser: {error}").format(error=first_line(error))
        ) from error
    expected = np.asarray(model(digits, training=False))
    difference = float(np.abs(got - expected).max()) if got.shape == expected.shape else float("inf")
    if not difference <= TOLERANCE:
        raise BrowserExportError(
            _("Its browser copy answers differently (by up to {difference}).").format(difference=f"{difference:.3g}")
        )
    return BrowserModel(onnx, digits[0].ravel().round(4).tolist(), expected[0].round(6).tolist())
