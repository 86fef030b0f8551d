"""Accuracy on handwriting styles MNIST barely has: the style set, digits drawn by code (digitlab/learn/styles.py).

    python bench/styles.py [--per-variant 50] [--models default my-model ...]

Every drawing goes through the real `preprocess` + model path, as a canvas drawing or an upload
does. Prints accuracy per variant and overall, one column per model: without --models, every
architecture trained fresh at its tutorial settings, and the shipped default. The last line is
`default overall=0.xxxx`. No model trains on these digits: the training mix (`--styles` of the
CLI, `TrainConfig.styles`) draws its style digits with other seeds and more template jitter.
"""

from __future__ import annotations

import argparse

import common  # noqa: F401 - first: puts the project on the import path

from digitlab.learn.architectures import ARCHITECTURES
from digitlab.learn.data import load_mnist
from digitlab.learn.predict import Predictor
from digitlab.learn.styles import VARIANTS, accuracy_by_variant, model_inputs, style_set
from digitlab.learn.train import TrainConfig, train_model
from digitlab.serve.store import load_model
from digitlab.serve.workspaces import personal_workspace


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--per-variant", type=int, default=50)
    parser.add_argument("--models", nargs="*", help="saved model names (default: train every architecture)")
    args = parser.parse_args()
    styles = style_set(args.per_variant)
    pixels = model_inputs(styles)
    models = {}
    if args.models:
        models = {name: load_model(name, personal_workspace())[0] for name in args.models}
    else:
        data = load_mnist()
        for name in ARCHITECTURES:
            models[name] = train_model(TrainConfig.for_architecture(name), data).model
    models.setdefault("default", load_model("default", personal_workspace())[0])
    scores = {}
    for name, model in models.items():
        predictions = Predictor(model).probabilities(pixels).argmax(axis=1)
        scores[name] = (accuracy_by_variant(predictions, styles), float((predictions == styles.labels).mean()))
    print(f"{len(styles.labels)} style digits, {args.per_variant} per variant\n")
    print("| variant | " + " | ".join(scores) + " |")
    print("| --- | " + " | ".join("---" for _ in scores) + " |")
    for v in VARIANTS:
        print(f"| {v.name} | " + " | ".join(f"{by_variant[v.name]:.2f}" for by_variant, _ in scores.values()) + " |")
    print("| **overall** | " + " | ".join(f"**{overall:.4f}**" for _, overall in scores.values()) + " |")
    print(f"default overall={scores['default'][1]:.4f}")


if __name__ == "__main__":
    main()
