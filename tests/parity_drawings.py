"""Drawings like the canvas makes, to check the browser's preprocessing (static/live/preprocess.js)
against Python's `preprocess`, which stays the reference.

`parity_drawings` makes a deterministic mix of RGBA pictures: MNIST test digits re-drawn on the
280x280 canvas, the style set drawn large, thick-pen stroke digits, photos of ink on paper,
transparent canvases (white or dark ink, alpha 0 around it), 560x560 canvases (a phone's device
pixel ratio of 2: past WORKING_SIZE, so the shrink path runs) and a few that are blank, a dot or
too small. `js_preprocess_in_page` runs the JavaScript on them in an open Playwright page.
Not a test file: tests and scripts import it.
"""

from __future__ import annotations

import base64
import functools
import zlib
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from digitlab.learn.data import load_mnist
from digitlab.learn.drawn_digits import STROKES
from digitlab.learn.styles import VARIANTS, style_set

CANVAS = 280
MODULE = Path(__file__).resolve().parents[1] / "static" / "live" / "preprocess.js"
# Share of each kind in `count` (the rest: the edge cases, always all of them).
MIX = {"mnist": 0.3, "styles": 0.2, "strokes": 0.18, "photos": 0.12, "transparent": 0.1, "retina": 0.1}


def parity_drawings(count: int = 500, seed: int = 0) -> list[np.ndarray]:
    """At least `count` RGBA uint8 arrays (h, w, 4) as a canvas or an upload gives them; same seed, same arrays."""
    rng = np.random.default_rng(seed)
    makers = {
        "mnist": lambda: opaque(mnist_canvas(rng)),
        "strokes": lambda: opaque(stroke_canvas(rng)),
        "photos": lambda: photo(rng),
        "transparent": lambda: transparent(rng),
        "retina": lambda: retina(rng),
    }
    drawings = []
    for kind, share in MIX.items():
        n = int(np.ceil(count * share))
        drawings += styles_large(n, seed) if kind == "styles" else [makers[kind]() for _ in range(n)]
    return drawings + edge_cases(rng)


@functools.cache
def mnist_test() -> tuple[np.ndarray, np.ndarray]:
    data = load_mnist()
    return data.x_test, data.y_test


def opaque(gray: np.ndarray) -> np.ndarray:
    """(h, w) uint8 white on black -> RGBA, alpha 255, as a canvas with a black background gives it."""
    return np.dstack([gray, gray, gray, np.full_like(gray, 255)])


def place(digit: Image.Image, rng: np.random.Generator, canvas: int = CANVAS) -> np.ndarray:
    """Paste a white-on-black digit at a random spot of a black canvas."""
    out = Image.new("L", (canvas, canvas))
    out.paste(digit, (int(rng.integers(0, canvas - digit.width + 1)), int(rng.integers(0, canvas - digit.height + 1))))
    return np.asarray(out)


def mnist_canvas(rng: np.random.Generator, canvas: int = CANVAS) -> np.ndarray:
    """An MNIST test digit re-inked with a canvas-like pen, 110-250 px (on 280) at a random place."""
    images, _ = mnist_test()
    size = int(rng.integers(110, 250) * canvas / CANVAS)
    big = Image.fromarray(images[int(rng.integers(len(images)))]).resize((size, size), Image.Resampling.BICUBIC)
    ink = big.point(lambda v: 255 if v > 100 else 0)  # a solid pen, not MNIST's grey
    pen = int(rng.choice([1, 3, 5, 7]))
    ink = ink.filter(ImageFilter.MaxFilter(pen)) if rng.random() < 0.6 else ink.filter(ImageFilter.MinFilter(3))
    return place(ink.filter(ImageFilter.GaussianBlur(1.2 * canvas / CANVAS)), rng, canvas)


def stroke_canvas(rng: np.random.Generator, canvas: int = CANVAS, pen: float | None = None) -> np.ndarray:
    """A digit drawn with a round pen from jittered hand-made polylines (white on black)."""
    scale = canvas / CANVAS
    height = rng.uniform(60, 230) * scale
    width = height * rng.uniform(0.55, 0.8)
    left, top = rng.uniform(5, canvas - width - 5), rng.uniform(5, canvas - height - 5)
    pen = pen or float(rng.uniform(8, 30)) * scale
    image = Image.new("L", (canvas, canvas))
    draw = ImageDraw.Draw(image)
    for line in STROKES[int(rng.integers(10))]:
        points = [(left + (x + rng.normal(0, 0.04)) * width, top + (y + rng.normal(0, 0.03)) * height) for x, y in line]
        draw.line(points, fill=255, width=round(pen), joint="curve")
        for x, y in points:  # round caps, as the canvas pen draws them
            draw.ellipse((x - pen / 2, y - pen / 2, x + pen / 2, y + pen / 2), fill=255)
    if rng.random() < 0.7:  # the browser's antialiased edges
        image = image.filter(ImageFilter.GaussianBlur(float(rng.uniform(0.5, 1.5)) * scale))
    return np.asarray(image)


def styles_large(n: int, seed: int) -> list[np.ndarray]:
    """The project's style digits (white on black), enlarged to the 280x280 canvas."""
    styles = style_set(per_variant=max(1, -(-n // len(VARIANTS))), seed=seed)
    order = np.random.default_rng(seed).permutation(len(styles.images))[:n]
    return [
        opaque(np.asarray(Image.fromarray(styles.images[i]).resize((CANVAS, CANVAS), Image.Resampling.BICUBIC)))
        for i in order
    ]


def photo(rng: np.random.Generator) -> np.ndarray:
    """Dark ink on light paper: uneven light, a tint, sensor noise; any size, some past 512 px."""
    width, height = (int(v) for v in rng.integers(120, 720, 2))
    source = mnist_canvas(rng) if rng.random() < 0.5 else stroke_canvas(rng)
    ink = (
        np.asarray(Image.fromarray(source).resize((width, height), Image.Resampling.BILINEAR), np.float32)[..., None]
        / 255
    )
    x, y = np.linspace(-0.5, 0.5, width, dtype=np.float32), np.linspace(-0.5, 0.5, height, dtype=np.float32)[:, None]
    light = rng.uniform(150, 235) + rng.uniform(-40, 40) * x + rng.uniform(-40, 40) * y
    paper = light[..., None] * rng.uniform(0.9, 1.0, 3).astype(np.float32)  # a slight tint
    pen = rng.uniform(10, 90, 3).astype(np.float32)
    noise = rng.standard_normal((height, width, 3), np.float32) * np.float32(rng.uniform(1, 10))
    rgb = paper * (1 - ink) + pen * ink + noise
    rgb = np.clip(rgb, 0, 255).astype(np.uint8)
    return np.asarray(Image.fromarray(rgb, "RGB").convert("RGBA"))


def transparent(rng: np.random.Generator) -> np.ndarray:
    """A canvas without a background: alpha 0 around the ink, ink alpha 255 (antialiased edges partly);
    white ink mostly, as the canvas pen, some dark or coloured."""
    coverage = stroke_canvas(rng) if rng.random() < 0.6 else mnist_canvas(rng)
    color = [255, 255, 255] if rng.random() < 0.6 else [int(v) for v in rng.integers(0, 120, 3)]
    out = np.zeros(coverage.shape + (4,), np.uint8)
    out[..., :3] = np.where(coverage[..., None] > 0, np.array(color, np.uint8), 0)
    out[..., 3] = coverage if rng.random() < 0.7 else np.where(coverage > 127, 255, 0)
    return out


def retina(rng: np.random.Generator) -> np.ndarray:
    """A 560x560 canvas (device pixel ratio 2), opaque or transparent."""
    gray = mnist_canvas(rng, 560) if rng.random() < 0.5 else stroke_canvas(rng, 560)
    if rng.random() < 0.7:
        return opaque(gray)
    return np.dstack([np.where(gray > 0, 255, 0).astype(np.uint8)] * 3 + [gray])


def edge_cases(rng: np.random.Generator) -> list[np.ndarray]:
    """Blank, faint, a dot, too small, and marks just past the dot limit."""
    black = np.zeros((CANVAS, CANVAS), np.uint8)
    faint = black.copy()
    faint[100:180, 120:140] = 15  # contrast below MIN_CONTRAST
    dot = black.copy()
    dot[140:150, 140:150] = 255
    big_dot = np.zeros((560, 560), np.uint8)
    big_dot[200:240, 300:340] = 255  # 40 px on 560: 20 px after the shrink, under 8 % of 512
    bar = black.copy()
    bar[100:123, 138:141] = 255  # 23 px: just above 8 % of 280
    noise = rng.integers(0, 256, (CANVAS, CANVAS), dtype=np.uint8)
    return [
        opaque(black),
        np.zeros((CANVAS, CANVAS, 4), np.uint8),  # an untouched transparent canvas
        opaque(np.full((CANVAS, CANVAS), 255, np.uint8)),
        opaque(faint),
        opaque(dot),
        opaque(big_dot),
        opaque(bar),
        opaque(noise),
        opaque(np.full((1, 300), 255, np.uint8)),  # one row: too small
        opaque(np.zeros((300, 1), np.uint8)),
        opaque(np.array([[0, 255], [255, 0]], np.uint8)),
        opaque(stroke_canvas(rng)[:, :30]),  # a narrow strip of a drawing
    ]


def load_preprocess_module(page) -> None:
    """Import static/live/preprocess.js into `page` as window.digitlabPreprocess (no server needed).

    With the app served, a page can do the same itself:
    `import * as m from "/live/preprocess.js"; window.digitlabPreprocess = m;` in a module script.
    """
    url = "data:text/javascript;base64," + base64.b64encode(MODULE.read_bytes()).decode()
    page.evaluate("async url => { window.digitlabPreprocess = await import(url); }", url)


def js_preprocess_in_page(page, arrays: list[np.ndarray], batch_bytes: int = 50_000_000) -> list[np.ndarray | str]:
    """Run the browser's `preprocess` on RGBA uint8 arrays in `page`, which must have imported
    static/live/preprocess.js as `window.digitlabPreprocess` (see `load_preprocess_module`).

    Returns per array the (28, 28) float32 pixels, or "ErrorName: message" where it threw (as
    Python's f"{type(error).__name__}: {error}"). The pixels travel zlib-compressed, in batches.
    """
    run = """async (items) => Promise.all(items.map(async ([b64, width, height]) => {
        const packed = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
        const stream = new Blob([packed]).stream().pipeThrough(new DecompressionStream("deflate"));
        const rgba = new Uint8ClampedArray(await new Response(stream).arrayBuffer());
        try {
            const out = window.digitlabPreprocess.preprocess(rgba, width, height);
            return btoa(String.fromCharCode(...new Uint8Array(out.buffer)));
        } catch (error) { return { error: `${error.name}: ${error.message}` }; }
    }))"""
    results, batch, size = [], [], 0
    for i, array in enumerate(arrays):
        array = np.ascontiguousarray(array, np.uint8)
        batch.append([base64.b64encode(zlib.compress(array.tobytes(), 1)).decode(), array.shape[1], array.shape[0]])
        size += array.nbytes
        if size >= batch_bytes or i == len(arrays) - 1:
            results += page.evaluate(run, batch)
            batch, size = [], 0
    return [
        r["error"] if isinstance(r, dict) else np.frombuffer(base64.b64decode(r), np.float32).reshape(28, 28)
        for r in results
    ]
