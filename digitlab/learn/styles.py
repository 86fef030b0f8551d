"""Digits written the ways MNIST's writers rarely wrote them, drawn by code from stroke templates.

Each style variant (a continental 1 with its long flag, a crossed 7, an open 4, ...) is a few
polylines in a unit box (x right, y down). A "writer" draws it with their own slant, proportions,
wobble and pen, from a hairline to a thick marker; some digits are small scans (8-16 px tall,
then enlarged). The same seed gives the same digits. The evaluation set (`style_set`) and the
training digits (`training_styles`) use different seeds and different template jitter.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

from digitlab.language import N_
from digitlab.learn.preprocess import preprocess

SIZE = 112  # the drawing's side in pixels; the digit's box is about 80 px tall
Stroke = list[tuple[float, float]]


@dataclass(frozen=True)
class Variant:
    name: str
    digit: int
    strokes: tuple[tuple[tuple[float, float], ...], ...]
    smooth: bool = True  # round the corners (Chaikin), as a pen does


def variant(name: str, digit: int, *strokes: Stroke, smooth: bool = True) -> Variant:
    return Variant(name, digit, tuple(tuple(s) for s in strokes), smooth)


LOOP_9 = [(0.85, 0.3), (0.5, 0.0), (0.15, 0.22), (0.45, 0.5), (0.85, 0.3)]
# Each style's name is shown on the Dataset page (marked N_, shown as _(name)); it is also the variant's id.
VARIANTS = (
    variant(
        N_("1 continental, foot"), 1, [(0.15, 0.32), (0.6, 0.0), (0.6, 1.0)], [(0.3, 1.0), (0.9, 1.0)], smooth=False
    ),
    variant(N_("1 continental"), 1, [(0.1, 0.38), (0.6, 0.0), (0.6, 1.0)], smooth=False),
    variant(N_("1 bar"), 1, [(0.5, 0.0), (0.5, 1.0)], smooth=False),
    variant(N_("7 plain"), 7, [(0.05, 0.0), (0.95, 0.0), (0.4, 1.0)], smooth=False),
    variant(N_("7 crossed"), 7, [(0.05, 0.0), (0.95, 0.0), (0.4, 1.0)], [(0.3, 0.52), (0.88, 0.52)], smooth=False),
    variant(N_("4 open"), 4, [(0.35, 0.0), (0.08, 0.62), (0.92, 0.62)], [(0.72, 0.2), (0.72, 1.0)], smooth=False),
    variant(N_("4 closed"), 4, [(0.72, 0.0), (0.05, 0.66), (0.95, 0.66)], [(0.72, 0.0), (0.72, 1.0)], smooth=False),
    variant(N_("9 straight stem"), 9, LOOP_9, [(0.85, 0.15), (0.85, 1.0)]),
    variant(N_("9 curl"), 9, LOOP_9, [(0.85, 0.3), (0.82, 0.75), (0.6, 1.0), (0.3, 0.92)]),
    variant(
        N_("2 loop"),
        2,
        [(0.1, 0.25), (0.5, 0.0), (0.9, 0.25), (0.25, 0.85), (0.12, 0.78), (0.3, 0.72), (0.35, 1.0), (0.95, 1.0)],
    ),
    variant(N_("2 plain"), 2, [(0.1, 0.25), (0.5, 0.0), (0.9, 0.25), (0.1, 1.0), (0.95, 1.0)]),
    variant(
        N_("6 open top"), 6, [(0.7, 0.0), (0.3, 0.4), (0.15, 0.8), (0.5, 1.0), (0.85, 0.78), (0.5, 0.55), (0.2, 0.68)]
    ),
    variant(
        N_("0 open top"),
        0,
        [(0.38, 0.04), (0.12, 0.35), (0.15, 0.78), (0.5, 1.0), (0.85, 0.75), (0.85, 0.3), (0.65, 0.04)],
    ),
    variant(
        N_("3 flat top"), 3, [(0.1, 0.0), (0.88, 0.0), (0.4, 0.42), (0.85, 0.66), (0.6, 1.0), (0.1, 0.9)], smooth=False
    ),
)


@dataclass(frozen=True)
class Writer:
    """How one person writes: slant, width, wobble, pen; some of them send small scans."""

    slant: float  # degrees, + leans right
    width: float  # the digit's width as a share of its height's box
    wobble: float  # hand tremor: spread of each point, share of the height
    pen: float  # stroke width, share of the digit's height (MNIST: about 0.13)
    scan_height: int | None  # None, or the digit's height in pixels before it was enlarged again


def random_writer(rng: np.random.Generator, scans: float = 0.3) -> Writer:
    scan = int(rng.integers(8, 17)) if rng.random() < scans else None
    return Writer(
        slant=float(rng.uniform(-20, 20)),
        width=float(rng.uniform(0.55, 1.05)),
        wobble=float(rng.uniform(0.0, 0.02)),
        pen=float(rng.choice([rng.uniform(0.04, 0.08), rng.uniform(0.08, 0.16), rng.uniform(0.16, 0.24)])),
        scan_height=scan,
    )


def chaikin(points: np.ndarray, rounds: int = 2) -> np.ndarray:
    """Round a polyline's corners, keeping its ends."""
    for _ in range(rounds):
        inner = np.concatenate([[0.75 * a + 0.25 * b, 0.25 * a + 0.75 * b] for a, b in zip(points[:-1], points[1:])])
        points = np.concatenate([points[:1], inner, points[-1:]])
    return points


def render(style: Variant, writer: Writer, rng: np.random.Generator, template_jitter: float = 0.03) -> np.ndarray:
    """(SIZE, SIZE) uint8: white ink on black, `style` as `writer` writes it."""
    height = 80.0
    shear = np.tan(np.radians(writer.slant))
    scale = 2  # draw at twice the size, then shrink: smooth edges
    image = Image.new("L", (SIZE * scale, SIZE * scale))
    pen = max(1.0, writer.pen * height * scale)
    draw = ImageDraw.Draw(image)
    for stroke in style.strokes:
        points = np.asarray(stroke, np.float64) + rng.normal(0, template_jitter, (len(stroke), 2))
        if style.smooth:
            points = chaikin(points)
        points = points + rng.normal(0, writer.wobble, points.shape)
        x = (points[:, 0] - 0.5) * writer.width * height - (points[:, 1] - 0.5) * height * shear
        y = (points[:, 1] - 0.5) * height
        xy = [((SIZE / 2 + a) * scale, (SIZE / 2 + b) * scale) for a, b in zip(x, y)]
        draw.line(xy, fill=255, width=round(pen))
        for cx, cy in xy:  # round joints and ends
            draw.ellipse([cx - pen / 2, cy - pen / 2, cx + pen / 2, cy + pen / 2], fill=255)
    image = image.resize((SIZE, SIZE), Image.LANCZOS)
    if writer.scan_height is not None:  # a small scan: the digit was scan_height px tall, then enlarged
        small = max(4, round(SIZE * writer.scan_height / height))
        image = image.resize((small, small), Image.BILINEAR).resize((SIZE, SIZE), Image.BILINEAR)
    return np.asarray(image)


@dataclass
class StyleSet:
    images: np.ndarray  # (n, SIZE, SIZE) uint8, white on black, before preprocessing
    labels: np.ndarray  # (n,) digits
    variants: np.ndarray  # (n,) variant names


def generate(per_variant: int, seed: int, template_jitter: float) -> StyleSet:
    rng = np.random.default_rng(seed)
    images, labels, names = [], [], []
    for style in VARIANTS:
        for _ in range(per_variant):
            images.append(render(style, random_writer(rng), rng, template_jitter))
            labels.append(style.digit)
            names.append(style.name)
    return StyleSet(np.stack(images), np.array(labels), np.array(names))


def style_set(per_variant: int = 50, seed: int = 0) -> StyleSet:
    """The evaluation set: no model trains on these (training digits use other seeds and jitter)."""
    return generate(per_variant, seed, template_jitter=0.03)


def training_styles(per_variant: int, seed: int = 1) -> StyleSet:
    """Style digits to mix into training: another seed, and more template jitter than the evaluation set."""
    return generate(per_variant, seed + 1_000_003, template_jitter=0.05)


def model_inputs(styles: StyleSet) -> np.ndarray:
    """(n, 28, 28) float32 0-255: each drawing through the same preprocessing as the canvas and uploads."""
    return np.stack([preprocess(image) for image in styles.images])


@functools.cache
def training_digits(per_variant: int) -> tuple[np.ndarray, np.ndarray]:
    """(images uint8 (n, 28, 28), labels) of `training_styles`, preprocessed once per process."""
    styles = training_styles(per_variant)
    return model_inputs(styles).round().astype(np.uint8), styles.labels.astype(np.uint8)


def accuracy_by_variant(predictions: np.ndarray, styles: StyleSet) -> dict[str, float]:
    """Share right per variant name, in VARIANTS order."""
    right = predictions == styles.labels
    return {v.name: float(right[styles.variants == v.name].mean()) for v in VARIANTS}
