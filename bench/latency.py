"""Prediction latency for one 280x280 canvas drawing with the shipped default model.

    python bench/latency.py [--repeats 300]

Times the whole path the Draw page runs (preprocess the RGBA canvas + the XLA-compiled call of the
model) and, for comparison, the same preprocessing followed by `model.predict`. Prints p50 and
p99 in milliseconds and the ratio (target: p50 <= 3 ms for the whole path).
"""

from __future__ import annotations

import argparse
import time

import common  # noqa: F401 - first: puts the project on the import path
import numpy as np
from PIL import Image

from digitlab.learn.data import load_mnist
from digitlab.learn.preprocess import preprocess
from digitlab.serve import store


def canvas_drawings(count: int) -> list[np.ndarray]:
    """Test digits drawn large at random places on a 280x280 RGBA canvas, white on black."""
    rng = np.random.default_rng(0)
    digits = load_mnist().x_test[:count]
    drawings = []
    for digit in digits:
        size = int(rng.integers(150, 250))
        big = np.asarray(Image.fromarray(digit).resize((size, size), Image.BILINEAR))
        canvas = np.zeros((280, 280, 4), np.uint8)
        top, left = rng.integers(0, 280 - size, 2)
        canvas[top : top + size, left : left + size, :3] = big[..., None]
        canvas[..., 3] = 255
        drawings.append(canvas)
    return drawings


def percentiles(seconds: list[float]) -> tuple[float, float]:
    ms = np.array(seconds) * 1000
    return float(np.percentile(ms, 50)), float(np.percentile(ms, 99))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=300)
    args = parser.parse_args()
    predictor = store.default_predictor()
    drawings = canvas_drawings(50)
    paths = {  # name: (the call, how many times; model.predict is slow, so fewer)
        "preprocess only": (preprocess, args.repeats),
        "preprocess + compiled model call (the app's path)": (predictor.predict_image, args.repeats),
        "preprocess + model.predict": (lambda d: predictor.model.predict(preprocess(d)[None], verbose=0), 100),
    }
    results = {}
    for name, (run, repeats) in paths.items():
        for d in drawings[:5]:
            run(d)  # warm-up
        times = []
        for i in range(repeats):
            drawing = drawings[i % len(drawings)]
            start = time.perf_counter()
            run(drawing)
            times.append(time.perf_counter() - start)
        results[name] = percentiles(times)
    print("| path | p50 ms | p99 ms |")
    print("| --- | --- | --- |")
    for name, (p50, p99) in results.items():
        print(f"| {name} | {p50:.2f} | {p99:.2f} |")
    ours = results["preprocess + compiled model call (the app's path)"][0]
    slow = results["preprocess + model.predict"][0]
    print(f"\np50 ratio model.predict path / app path: {slow / ours:.1f}x")


if __name__ == "__main__":
    main()
