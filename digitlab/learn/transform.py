"""What it takes to change the model's mind: rotate, shift, scale, thicken or thin a drawing.

The change is applied to the drawing itself, before the MNIST preprocessing, as if it had been
drawn that way. Preprocessing re-centers and re-sizes every digit, so shifts and size changes
mostly wash out (that is what it is for); rotations and stroke width go through to the model.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter

from digitlab.learn.preprocess import ink_map, preprocess, read_image

INK_SIZE = 140  # the changed drawing is drawn at this size at most: the model sees 20 pixels of it anyway
SWEEP_ANGLES = tuple(range(-60, 61, 5))  # degrees


@dataclass(frozen=True)
class Change:
    """How to redraw a digit; the defaults leave it as it is."""

    rotate: float = 0.0  # degrees, counterclockwise
    shift_x: float = 0.0  # fraction of the image width, + is right
    shift_y: float = 0.0  # fraction of the image height, + is down
    scale: float = 1.0  # 0.5 halves the digit's size
    stroke: int = 0  # + thickens, - thins, by 1% of the image's longer side per step

    @property
    def is_identity(self) -> bool:
        return self == Change()


def ink_image(source: str | Path | bytes | Image.Image | np.ndarray) -> Image.Image:
    """The drawing as white ink on black (mode "F", 0-1), at most INK_SIZE on a side."""
    image = Image.fromarray(ink_map(read_image(source)).astype(np.float32), mode="F")
    if max(image.size) > INK_SIZE:
        factor = INK_SIZE / max(image.size)
        image = image.resize(
            (max(1, round(image.width * factor)), max(1, round(image.height * factor))), Image.BILINEAR
        )
    return image


def redraw(ink: Image.Image, change: Change) -> np.ndarray:
    """(h, w) ink in [0, 1]: `ink` with its strokes widened or narrowed, then rotated, scaled and shifted."""
    steps = round(abs(change.stroke) * max(ink.size) / 100)
    widen = ImageFilter.MaxFilter(3) if change.stroke > 0 else ImageFilter.MinFilter(3)
    for _ in range(steps):
        ink = ink.filter(widen)
    # Each output pixel p' reads input p = c + R(-angle) (p' - c - t) / scale  (image coordinates, y down).
    angle, s = math.radians(change.rotate), max(change.scale, 0.05)
    cx, cy = ink.width / 2, ink.height / 2
    tx, ty = change.shift_x * ink.width, change.shift_y * ink.height
    a, b = math.cos(angle) / s, -math.sin(angle) / s
    d, e = math.sin(angle) / s, math.cos(angle) / s
    matrix = (a, b, cx - a * (cx + tx) - b * (cy + ty), d, e, cy - d * (cx + tx) - e * (cy + ty))
    moved = ink.transform(ink.size, Image.AFFINE, matrix, resample=Image.BILINEAR, fillcolor=0)
    return np.asarray(moved, dtype=np.float64).clip(0, 1)


def changed_digit(source, change: Change) -> np.ndarray:
    """(28, 28) model input of the drawing after `change` (the plain preprocessing when it changes nothing)."""
    if change.is_identity:
        return preprocess(source)
    return preprocess(redraw(ink_image(source), change))


@dataclass
class Sweep:
    """The model's answer for one drawing at each rotation."""

    angles: np.ndarray  # (k,) degrees
    digits: np.ndarray  # (k,) predicted digit at each angle
    confidence: np.ndarray  # (k,) its probability

    def rows(self) -> list[dict]:
        return [
            {"angle": int(a), "digit": str(d), "confidence": round(float(c), 4)}
            for a, d, c in zip(self.angles, self.digits, self.confidence)
        ]


def rotation_sweep(
    probabilities: Callable[[np.ndarray], np.ndarray],
    source,
    change: Change = Change(),
    angles: Sequence[float] = SWEEP_ANGLES,
) -> Sweep:
    """Predict the drawing rotated to each angle (the other parts of `change` kept), in one batch.

    Args:
        probabilities: (n, 28, 28) pixels -> (n, 10), e.g. `Predictor.probabilities`.
    """
    ink = ink_image(source)
    batch = np.stack([preprocess(redraw(ink, replace(change, rotate=float(a)))) for a in angles])
    out = probabilities(batch)
    return Sweep(np.asarray(angles), out.argmax(axis=1), out.max(axis=1))
