"""Digits drawn the way learners draw them, to check a model where MNIST's test set cannot.

Three sets no model trains on, each a list of white-on-black pictures with their labels, read
through the same `preprocess` as the canvas and uploads:
  - styles: the style set (styles.py), handwriting MNIST barely has;
  - strokes: hand-made polylines per digit drawn with a round 20 px pen, jittered;
  - canvas: MNIST test digits re-inked as the canvas draws (solid pen, random size and place).
`make-default` refuses a new shipped model that reads fewer of them than the one it replaces.

    sets = drawn_sets(load_mnist())
    scores = drawn_scores(Predictor(model), model_inputs(sets))  # {"styles": 0.99, ..., "all": 0.99}
    shortfall(new_scores, old_scores)                # None, or the sentence that says by how much
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from digitlab.learn.predict import Predictor
from digitlab.learn.preprocess import preprocess
from digitlab.learn.styles import style_set

CANVAS = 280
# Hand-made strokes per digit in a 0-1 box (x right, y down).
STROKES = {
    0: [[(0.5, 0), (0.15, 0.2), (0.1, 0.6), (0.5, 1), (0.9, 0.6), (0.85, 0.2), (0.5, 0)]],
    1: [[(0.35, 0.2), (0.6, 0), (0.6, 1)]],
    2: [[(0.1, 0.25), (0.5, 0), (0.9, 0.25), (0.1, 1), (0.95, 1)]],
    3: [[(0.1, 0.1), (0.8, 0.05), (0.4, 0.45), (0.9, 0.7), (0.5, 1), (0.1, 0.9)]],
    4: [[(0.6, 0), (0.05, 0.65), (0.95, 0.65)], [(0.7, 0.3), (0.7, 1)]],
    5: [[(0.9, 0), (0.2, 0), (0.15, 0.45), (0.75, 0.45), (0.9, 0.75), (0.5, 1), (0.1, 0.9)]],
    6: [[(0.8, 0), (0.2, 0.5), (0.15, 0.85), (0.5, 1), (0.85, 0.8), (0.5, 0.5), (0.2, 0.65)]],
    7: [[(0.05, 0), (0.95, 0), (0.35, 1)]],
    8: [[(0.5, 0.5), (0.15, 0.2), (0.5, 0), (0.85, 0.2), (0.5, 0.5), (0.1, 0.78), (0.5, 1), (0.9, 0.78), (0.5, 0.5)]],
    9: [[(0.85, 0.3), (0.5, 0), (0.15, 0.25), (0.45, 0.5), (0.85, 0.3), (0.8, 1)]],
}

DrawnSet = tuple[list[np.ndarray], np.ndarray]  # pictures (h, w) uint8, labels


def place(digit: Image.Image, rng: np.random.Generator) -> np.ndarray:
    """Paste a white-on-black digit at a random spot of a black canvas."""
    canvas = Image.new("L", (CANVAS, CANVAS))
    left, top = rng.integers(0, CANVAS - digit.width + 1), rng.integers(0, CANVAS - digit.height + 1)
    canvas.paste(digit, (int(left), int(top)))
    return np.asarray(canvas)


def canvas_digits(x_test: np.ndarray, y_test: np.ndarray, per_digit: int, rng: np.random.Generator) -> DrawnSet:
    """The first `per_digit` MNIST test digits of each class, re-inked as the canvas draws."""
    images, labels = [], []
    for digit in range(10):
        for index in np.flatnonzero(y_test == digit)[:per_digit]:
            size = int(rng.integers(110, 250))
            big = Image.fromarray(x_test[index]).resize((size, size), Image.Resampling.BICUBIC)
            ink = big.point(lambda v: 255 if v > 100 else 0)  # a solid pen, not MNIST's grey
            pen = int(rng.choice([1, 3, 5, 7]))  # thinner to thicker than the upscaled stroke
            ink = ink.filter(ImageFilter.MaxFilter(pen)) if rng.random() < 0.6 else ink.filter(ImageFilter.MinFilter(3))
            images.append(place(ink.filter(ImageFilter.GaussianBlur(1.2)), rng))
            labels.append(digit)
    return images, np.array(labels)


def stroke_digits(per_digit: int, rng: np.random.Generator) -> DrawnSet:
    """Each digit's strokes, jittered, drawn `per_digit` times with a round 20 px pen."""
    images, labels = [], []
    for digit, lines in STROKES.items():
        for _ in range(per_digit):
            height = rng.uniform(140, 230)
            width = height * rng.uniform(0.55, 0.8)
            left, top = rng.uniform(10, CANVAS - width - 10), rng.uniform(10, CANVAS - height - 10)
            canvas = Image.new("L", (CANVAS, CANVAS))
            draw = ImageDraw.Draw(canvas)
            for line in lines:
                points = [
                    (left + (x + rng.normal(0, 0.04)) * width, top + (y + rng.normal(0, 0.03)) * height)
                    for x, y in line
                ]
                draw.line(points, fill=255, width=20, joint="curve")
                for x, y in points:  # round caps, as the canvas pen draws them
                    draw.ellipse((x - 10, y - 10, x + 10, y + 10), fill=255)
            images.append(np.asarray(canvas))
            labels.append(digit)
    return images, np.array(labels)


def drawn_sets(data, per_digit: int = 150, per_style: int = 60, seed: int = 0) -> dict[str, DrawnSet]:
    """The three sets, the same every time for the same arguments (`data`: MNIST, for its test digits)."""
    rng = np.random.default_rng(seed)
    styles = style_set(per_variant=per_style, seed=seed)
    return {
        "styles": (list(styles.images), styles.labels),
        "strokes": stroke_digits(per_digit, rng),
        "canvas": canvas_digits(data.x_test, data.y_test, per_digit, rng),
    }


def model_inputs(sets: dict[str, DrawnSet]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Each set preprocessed once: (n, 28, 28) float32 inputs and labels, for as many models as asked."""
    return {
        name: (np.stack([preprocess(image) for image in pictures]), labels) for name, (pictures, labels) in sets.items()
    }


def drawn_scores(predictor: Predictor, inputs: dict[str, tuple[np.ndarray, np.ndarray]]) -> dict[str, float]:
    """The share of each set the model reads right, and of all of them ("all")."""
    right = {
        name: int((predictor.probabilities(pixels).argmax(axis=1) == labels).sum())
        for name, (pixels, labels) in inputs.items()
    }
    sizes = {name: len(labels) for name, (_, labels) in inputs.items()}
    return {**{name: right[name] / sizes[name] for name in inputs}, "all": sum(right.values()) / sum(sizes.values())}


def in_words(scores: dict[str, float]) -> str:
    return ", ".join(f"{name} {score:.2%}" for name, score in scores.items())


def shortfall(new: dict[str, float], old: dict[str, float]) -> str | None:
    """None where `new` reads at least as many of all the drawn digits as `old`; else by how much it reads fewer."""
    if new["all"] >= old["all"]:
        return None
    return (
        f"The new model reads {new['all']:.2%} of the drawn digits, the one it would replace "
        f"{old['all']:.2%}: {100 * (old['all'] - new['all']):.2f} points fewer (new: {in_words(new)}; "
        f"old: {in_words(old)})."
    )
