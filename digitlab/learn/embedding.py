"""The map: where a model puts each digit. Its penultimate layer's activations, reduced to 2-D by PCA.

The last hidden layer is what the output layer separates with straight lines, so digits the model
finds alike lie close together there; PCA keeps the two directions along which they spread most.
"""

from __future__ import annotations

from dataclasses import dataclass

import keras
import numpy as np

from digitlab.learn.evaluate import predict_in_batches


def penultimate_model(model: keras.Model) -> keras.Model:
    """A model from the same inputs to (the input of the output layer, the probabilities)."""
    return keras.Model(model.inputs, [model.layers[-1].input, model.outputs[0]])


def activations(extractor: keras.Model, images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(n, d) penultimate activations and (n, 10) probabilities of (n, 28, 28) pixels in 0-255."""
    features, probabilities = predict_in_batches(extractor, images)
    return features.reshape(len(images), -1), probabilities


@dataclass
class DigitMap:
    """Digits placed on the plane of a model's two main directions of variation."""

    points: np.ndarray  # (n, 2) map coordinates
    labels: np.ndarray  # (n,) true digits
    probabilities: np.ndarray  # (n, 10)
    mean: np.ndarray  # (d,) mean activation, subtracted before projecting
    axes: np.ndarray  # (2, d) the first two principal directions

    @property
    def predictions(self) -> np.ndarray:
        return self.probabilities.argmax(axis=1)

    def place(self, features: np.ndarray) -> np.ndarray:
        """(m, d) activations of other digits (a drawing) -> (m, 2) points on this map."""
        return (np.asarray(features).reshape(len(features), -1) - self.mean) @ self.axes.T


def map_digits(extractor: keras.Model, images: np.ndarray, labels: np.ndarray) -> DigitMap:
    """Embed `images` with `extractor` (see `penultimate_model`) and project them with PCA."""
    features, probabilities = activations(extractor, images)
    mean = features.mean(axis=0)
    _, _, directions = np.linalg.svd(features - mean, full_matrices=False)
    axes = directions[:2]
    return DigitMap((features - mean) @ axes.T, np.asarray(labels), probabilities, mean, axes)


def nearest_centroid_accuracy(points: np.ndarray, labels: np.ndarray) -> float:
    """How well the map alone separates the digits: each point gets the class of the nearest class mean."""
    classes = np.unique(labels)
    centroids = np.stack([points[labels == c].mean(axis=0) for c in classes])
    nearest = np.argmin(((points[:, None, :] - centroids[None]) ** 2).sum(axis=2), axis=1)
    return float(np.mean(classes[nearest] == labels))
