"""Score a model on labelled digits: probabilities, accuracy, confusion matrix, ranked mistakes."""

from __future__ import annotations

from dataclasses import dataclass

import keras
import numpy as np

BATCH = 1000  # images per call of the model: fast, with bounded memory


def predict_in_batches(model: keras.Model, images: np.ndarray) -> list[np.ndarray]:
    """Each output of `model` for (n, 28, 28) pixels in 0-255 (n >= 1), calling it BATCH images at a time."""
    images = np.asarray(images, dtype=np.float32)
    chunks = [model.predict_on_batch(images[i : i + BATCH]) for i in range(0, len(images), BATCH)]
    return [np.concatenate(parts) for parts in zip(*(c if isinstance(c, list | tuple) else [c] for c in chunks))]


def predict_probabilities(model: keras.Model, images: np.ndarray) -> np.ndarray:
    """Return (n, 10) probabilities for (n, 28, 28) pixels in 0-255."""
    if len(images) == 0:
        return np.zeros((0, 10), np.float32)
    return predict_in_batches(model, images)[0]


def confusion_matrix(labels: np.ndarray, predictions: np.ndarray, classes: int = 10) -> np.ndarray:
    """Return counts[true, predicted] as a (classes, classes) int array."""
    counts = np.zeros((classes, classes), dtype=np.int64)
    np.add.at(counts, (labels, predictions), 1)
    return counts


@dataclass
class Evaluation:
    """How a model does on a labelled set."""

    probabilities: np.ndarray  # (n, 10)
    labels: np.ndarray  # (n,) true digits
    predictions: np.ndarray  # (n,) argmax digits
    accuracy: float
    confusion: np.ndarray  # (10, 10) counts[true, predicted]
    per_class_accuracy: np.ndarray  # (10,) recall of each digit

    @property
    def confidence(self) -> np.ndarray:
        """The probability the model gave its own answer, per example."""
        return self.probabilities.max(axis=1)

    def mistakes(self, true: int | None = None, predicted: int | None = None) -> np.ndarray:
        """Indices of the wrong answers, most confident first, optionally filtered by digit."""
        wrong = self.predictions != self.labels
        if true is not None:
            wrong &= self.labels == true
        if predicted is not None:
            wrong &= self.predictions == predicted
        indices = np.flatnonzero(wrong)
        return indices[np.argsort(-self.confidence[indices], kind="stable")]


def evaluate_model(model: keras.Model, images: np.ndarray, labels: np.ndarray) -> Evaluation:
    """Evaluate `model` on (n, 28, 28) pixels in 0-255 with their (n,) labels."""
    probabilities = predict_probabilities(model, images)
    predictions = probabilities.argmax(axis=1)
    labels = np.asarray(labels)
    confusion = confusion_matrix(labels, predictions)
    per_class = np.diag(confusion) / np.maximum(confusion.sum(axis=1), 1)
    return Evaluation(
        probabilities=probabilities,
        labels=labels,
        predictions=predictions,
        accuracy=float(np.mean(predictions == labels)) if len(labels) else 0.0,
        confusion=confusion,
        per_class_accuracy=per_class,
    )


@dataclass
class Comparison:
    """Two models on the same labelled digits: where one is right and the other is not."""

    only_first: np.ndarray  # indices the first reads right and the second wrong, the second's surest first
    only_second: np.ndarray  # the other way round
    both_right: int
    both_wrong: int


def compare(first: Evaluation, second: Evaluation) -> Comparison:
    """Which digits each of two models (evaluated on the same digits) gets right that the other gets wrong."""
    if not np.array_equal(first.labels, second.labels):
        raise ValueError("The two evaluations are not on the same digits.")
    right_1, right_2 = first.predictions == first.labels, second.predictions == second.labels

    def surest_wrong_first(indices: np.ndarray, wrong: Evaluation) -> np.ndarray:
        return indices[np.argsort(-wrong.confidence[indices], kind="stable")]

    return Comparison(
        only_first=surest_wrong_first(np.flatnonzero(right_1 & ~right_2), second),
        only_second=surest_wrong_first(np.flatnonzero(right_2 & ~right_1), first),
        both_right=int((right_1 & right_2).sum()),
        both_wrong=int((~right_1 & ~right_2).sum()),
    )
