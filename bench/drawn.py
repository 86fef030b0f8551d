"""Accuracy on digits that are not the MNIST test set as it comes, through the real preprocess + model path.

    python bench/drawn.py [--per-digit 40] [--models default fast-plain ...]

Three evaluation sets no model trained on:
  (a) canvas: MNIST test digits re-drawn as the canvas produces them: random size (110-250 px)
      and position on a black 280x280 canvas, strokes re-inked to a canvas-like pen (solid white,
      random width, antialiased edges);
  (b) fonts: digits typeset in every TrueType font on the machine (DejaVu, Liberation: sans,
      serif, mono, bold, italic), random size, position and a small rotation;
  (c) strokes: digits drawn with a 20 px round pen from hand-made polylines, jittered.
Each goes through `preprocess` (the canvas/upload path) and the model, and is printed next to
the clean test accuracy. Without --models: every architecture trained fresh at its tutorial
settings, `fast` with and without augmentation, and the shipped default.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import common  # noqa: F401 - first: puts the project on the import path
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from digitlab.learn.architectures import ARCHITECTURES
from digitlab.learn.data import load_mnist
from digitlab.learn.drawn_digits import CANVAS, canvas_digits, place, stroke_digits
from digitlab.learn.evaluate import evaluate_model
from digitlab.learn.predict import Predictor
from digitlab.learn.preprocess import preprocess
from digitlab.learn.train import TrainConfig, train_model
from digitlab.serve.store import load_model
from digitlab.serve.workspaces import personal_workspace

FONT_DIRS = [Path("/usr/share/fonts"), Path("/usr/local/share/fonts")]


def font_files() -> list[Path]:
    fonts = sorted(p for d in FONT_DIRS if d.exists() for p in d.rglob("*.ttf"))
    return [p for p in fonts if "Math" not in p.name]  # the math font has no plain digits


def font_set(per_digit: int, rng) -> tuple[list[np.ndarray], np.ndarray]:
    fonts = font_files()
    images, labels = [], []
    for digit in range(10):
        for i in range(per_digit):
            font = ImageFont.truetype(str(fonts[i % len(fonts)]), int(rng.integers(120, 220)))
            glyph = Image.new("L", (CANVAS, CANVAS))
            ImageDraw.Draw(glyph).text((CANVAS / 2, CANVAS / 2), str(digit), fill=255, font=font, anchor="mm")
            glyph = glyph.rotate(float(rng.uniform(-10, 10)), resample=Image.BILINEAR)
            box = glyph.getbbox()
            images.append(place(glyph.crop(box), rng) if box else np.asarray(glyph))
            labels.append(digit)
    return images, np.array(labels)


def accuracy_on(predictor: Predictor, images: list[np.ndarray], labels: np.ndarray) -> float:
    pixels = np.stack([preprocess(image) for image in images])
    return float((predictor.probabilities(pixels).argmax(axis=1) == labels).mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--per-digit", type=int, default=40)
    parser.add_argument("--models", nargs="*", help="saved model names (default: train every architecture)")
    args = parser.parse_args()
    data = load_mnist()
    rng = np.random.default_rng(0)
    sets = {
        "canvas (a)": canvas_digits(data.x_test, data.y_test, args.per_digit, rng),
        "fonts (b)": font_set(args.per_digit, rng),
        "strokes (c)": stroke_digits(args.per_digit, rng),
    }
    if args.models:
        models = {name: load_model(name, personal_workspace())[0] for name in args.models}
    else:
        models = {"default (fast, augmented, shipped)": load_model("default", personal_workspace())[0]}
        for name in ARCHITECTURES:
            models[name] = train_model(TrainConfig.for_architecture(name), data).model
        models["fast + augment"] = train_model(TrainConfig.for_architecture("fast", augment=True), data).model
    print(f"{len(font_files())} fonts; {args.per_digit} digits per class in each set\n")
    print("| model | clean test | " + " | ".join(sets) + " |")
    print("| --- | --- | " + " | ".join("---" for _ in sets) + " |")
    for name, model in models.items():
        predictor = Predictor(model)
        clean = evaluate_model(model, data.x_test, data.y_test).accuracy
        scores = [accuracy_on(predictor, *s) for s in sets.values()]
        print(f"| {name} | {clean:.4f} | " + " | ".join(f"{s:.4f}" for s in scores) + " |", flush=True)


if __name__ == "__main__":
    main()
