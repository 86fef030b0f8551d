"""Watch it learn: small pictures of a model taken while it trains.

A snapshot holds the model's answers on a fixed panel of 20 test digits, its first layer's weight
images, and at epoch ends the confusion matrix on validation digits. Snapshots travel with the
progress events (numbers and small numpy arrays, which any Dask scheduler carries) and are saved
beside the model.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import keras
import numpy as np

from digitlab.language import _
from digitlab.learn.evaluate import confusion_matrix
from digitlab.learn.explain import conv_filters, first_conv

# Two test digits per class, 0 to 9: its first one in the test set, and a hard one (the 11th
# least confident digit of that class for the default model shipped before November 21, 2026).
PANEL = (3, 6894, 2, 2182, 1, 9904, 18, 2280, 4, 2363, 8, 5937, 11, 3762, 0, 1226, 61, 2896, 7, 2742)
CONFUSION_DIGITS = 1000  # validation digits scored at each epoch end: ~1% of an epoch's time
WEIGHT_IMAGES = 16  # for MLPs: the first hidden layer's strongest units


@dataclass
class Snapshot:
    """The model at one moment of its training."""

    step: int  # batches done
    epoch: float  # epochs done, fractional
    panel: np.ndarray  # (20, 10) probabilities on the PANEL digits
    weights: np.ndarray  # (k, h, w) first-layer weight images (conv kernels, or per-unit 28x28)
    confusion: np.ndarray | None = None  # (10, 10) counts[true, predicted] on validation, at epoch ends

    def to_message(self) -> dict:
        """Numbers and small numpy arrays (about 2-16 KB), for a progress event."""
        return {
            "step": self.step,
            "epoch": self.epoch,
            "panel": self.panel.astype(np.float32),
            "weights": self.weights.astype(np.float16),
            "confusion": None if self.confusion is None else self.confusion.astype(np.int32),
        }

    @classmethod
    def from_message(cls, message: dict) -> Snapshot:
        confusion = message["confusion"]
        return cls(
            message["step"],
            message["epoch"],
            np.asarray(message["panel"], np.float32),
            np.asarray(message["weights"], np.float32),
            None if confusion is None else np.asarray(confusion, np.int64),
        )


def first_layer_weights(model: keras.Model) -> np.ndarray:
    """(k, h, w): conv kernels of the first convolution, or 28x28 weight images of the first dense layer.

    Softmax regression shows all ten digits' weights; an MLP its WEIGHT_IMAGES strongest hidden units.
    """
    if first_conv(model) is not None:
        return conv_filters(model)
    dense = next((layer for layer in model.layers if isinstance(layer, keras.layers.Dense)), None)
    if dense is None:
        raise ValueError(_("The model has no convolution or dense layer."))  # on a worker: English, _() where shown
    kernel = dense.kernel.numpy()  # (784, units)
    if kernel.shape[1] > WEIGHT_IMAGES:
        strongest = np.argsort(-np.linalg.norm(kernel, axis=0))[:WEIGHT_IMAGES]
        kernel = kernel[:, np.sort(strongest)]
    return kernel.T.reshape(-1, 28, 28)


class Snapshotter:
    """Takes snapshots of a model during training: the panel digits and a slice of validation ready."""

    def __init__(self, panel: np.ndarray, val_x: np.ndarray | None = None, val_y: np.ndarray | None = None):
        self.panel = np.asarray(panel, np.float32)
        self.val_x = None if val_x is None else np.asarray(val_x[:CONFUSION_DIGITS], np.float32)
        self.val_y = None if val_y is None else np.asarray(val_y[:CONFUSION_DIGITS])

    def take(self, model: keras.Model, step: int, epoch: float, epoch_end: bool) -> Snapshot:
        panel = model(self.panel, training=False).numpy()
        confusion = None
        if epoch_end and self.val_x is not None:
            confusion = confusion_matrix(self.val_y, np.argmax(model(self.val_x, training=False), axis=1))
        return Snapshot(step, epoch, panel, first_layer_weights(model), confusion)


def panel_accuracy(snapshot: Snapshot, labels: np.ndarray) -> float:
    """The share of the panel's digits the model got right at that moment."""
    return float(np.mean(snapshot.panel.argmax(axis=1) == labels))


def to_npz(snapshots: list[Snapshot]) -> bytes:
    """All of a run's snapshots as one small .npz file (confusions: -1 where an epoch had not ended)."""
    buffer = io.BytesIO()
    confusions = [s.confusion if s.confusion is not None else np.full((10, 10), -1) for s in snapshots]
    np.savez_compressed(
        buffer,
        step=np.array([s.step for s in snapshots]),
        epoch=np.array([s.epoch for s in snapshots], np.float32),
        panel=np.stack([s.panel for s in snapshots]).astype(np.float16),
        weights=np.stack([s.weights for s in snapshots]).astype(np.float16),
        confusion=np.stack(confusions).astype(np.int32),
        panel_indices=np.array(PANEL),
    )
    return buffer.getvalue()


def from_npz(data: bytes) -> list[Snapshot]:
    with np.load(io.BytesIO(data)) as saved:
        return [
            Snapshot(
                int(saved["step"][i]),
                float(saved["epoch"][i]),
                saved["panel"][i].astype(np.float32),
                saved["weights"][i].astype(np.float32),
                None if saved["confusion"][i][0, 0] < 0 else saved["confusion"][i].astype(np.int64),
            )
            for i in range(len(saved["step"]))
        ]


SNAPSHOTS_FILE = "snapshots.npz"


def load_snapshots(folder) -> list[Snapshot]:
    """The snapshots saved beside the model in `folder`; none for models saved without them."""
    path = folder / SNAPSHOTS_FILE
    return from_npz(path.read_bytes()) if path.is_file() else []


def epoch_confusions(snapshots: list[Snapshot]) -> list[tuple[float, np.ndarray]]:
    """(epochs done, confusion) of each snapshot taken at an epoch end."""
    return [(s.epoch, s.confusion) for s in snapshots if s.confusion is not None]
