"""Pictures from numpy: digit grids as one array, and Vega-Lite chart specs as plain dicts."""

from __future__ import annotations

import numpy as np

from digitlab.train import ProgressEvent

GREEN, RED = (60, 200, 90), (230, 60, 60)


def image_grid(images: np.ndarray, columns: int = 10, pad: int = 2, scale: int = 1) -> np.ndarray:
    """Tile (n, h, w) or (n, h, w, 3) images into one uint8 picture, `columns` wide, gaps of `pad`."""
    images = np.asarray(images)
    if scale > 1:
        images = images.repeat(scale, axis=1).repeat(scale, axis=2)
    n, h, w = images.shape[:3]
    rows = max(1, -(-n // columns))
    shape = (rows * (h + pad) + pad, columns * (w + pad) + pad, *images.shape[3:])
    grid = np.full(shape, 40, dtype=np.uint8)  # dark grey gaps between black digits
    for i, image in enumerate(images):
        r, c = divmod(i, columns)
        top, left = pad + r * (h + pad), pad + c * (w + pad)
        grid[top : top + h, left : left + w] = np.clip(image, 0, 255)
    return grid


def tinted(images: np.ndarray, correct: np.ndarray) -> np.ndarray:
    """(n, 28, 28) grey digits -> (n, 28, 28, 3): green ink if correct, red ink if not."""
    ink = np.asarray(images, dtype=np.float32)[..., None] / 255
    colors = np.where(np.asarray(correct)[:, None], GREEN, RED)[:, None, None, :]
    return (ink * colors).astype(np.uint8)


def thin_out(rows: list[dict], limit: int) -> list[dict]:
    """Keep at most `limit` rows, evenly spaced, always keeping the last."""
    if len(rows) <= limit:
        return rows
    step = len(rows) / limit
    return [rows[int(i * step)] for i in range(limit - 1)] + [rows[-1]]


def history_rows(events: list[ProgressEvent], steps_per_epoch: float, limit: int = 400) -> list[dict]:
    """Long-format rows (epoch, split, loss, accuracy) for the live training charts."""
    train = [
        {"epoch": e.step / steps_per_epoch, "split": "train", "loss": e.loss, "accuracy": e.accuracy} for e in events
    ]
    validation = [
        {"epoch": e.step / steps_per_epoch, "split": "validation", "loss": e.val_loss, "accuracy": e.val_accuracy}
        for e in events
        if e.kind == "epoch" and e.val_loss is not None
    ]
    return thin_out(train, limit) + validation


def line_layer(x: str, y: str, color: str, title: str = "", points: bool = False, height: int = 220) -> dict:
    """A Vega-Lite line mark (no data) of `y` over `x`, one line per `color`."""
    return {
        "mark": {"type": "line", "point": points, "tooltip": True},
        "encoding": {
            "x": {"field": x, "type": "quantitative", "title": x},
            "y": {"field": y, "type": "quantitative", "title": y, "scale": {"zero": False}},
            "color": {"field": color, "type": "nominal", "title": None},
        },
        "title": title,
        "height": height,
    }


def line_spec(rows: list[dict], x: str, y: str, color: str, title: str = "") -> dict:
    """A Vega-Lite line chart of `y` over `x`, one line per `color`."""
    return {"data": {"values": rows}, **line_layer(x, y, color, title, points=len(rows) < 60)}


def training_spec(rows: list[dict], width: int = 320) -> dict:
    """Loss and accuracy side by side over epochs: one spec, so the rows are sent once per redraw."""
    panels = [line_layer("epoch", y, "split", y.title(), points=len(rows) < 60) for y in ("loss", "accuracy")]
    return {"data": {"values": rows}, "hconcat": [{**panel, "width": width} for panel in panels]}


def bar_spec(
    labels: list, values: list[float], x_title: str, y_title: str, highlight: int | None = None, zero: bool = True
) -> dict:
    """A Vega-Lite bar chart of one value per label; the `highlight` bar in a second color.

    With `zero=False` the axis starts near the smallest bar, so small differences show.
    """
    rows = [
        {"label": str(k), "value": float(v), "picked": i == highlight} for i, (k, v) in enumerate(zip(labels, values))
    ]
    low, high = min(values), max(values)
    margin = max((high - low) * 0.5, 0.005)
    scale = {} if zero else {"domain": [max(0.0, low - margin), high + margin / 5]}  # bars clip below
    return {
        "data": {"values": rows},
        "mark": {"type": "bar", "tooltip": True, "clip": True},
        "encoding": {
            "x": {"field": "label", "type": "ordinal", "title": x_title, "sort": None, "axis": {"labelAngle": 0}},
            "y": {"field": "value", "type": "quantitative", "title": y_title, "scale": scale},
            "color": {
                "field": "picked",
                "type": "nominal",
                "scale": {"domain": [False, True], "range": ["#4c78a8", "#f58518"]},
                "legend": None,
            },
        },
        "height": 220,
    }


def confusion_spec(confusion: np.ndarray) -> dict:
    """A Vega-Lite heatmap of counts[true, predicted]; the diagonal green, errors shaded red, cells clickable."""
    rows = [
        {"true": t, "predicted": p, "count": int(confusion[t, p]), "correct": t == p}
        for t in range(confusion.shape[0])
        for p in range(confusion.shape[1])
    ]
    axis = {"type": "ordinal", "axis": {"labelAngle": 0}}
    return {
        "data": {"values": rows},
        "encoding": {
            "x": {"field": "predicted", **axis, "title": "predicted"},
            "y": {"field": "true", **axis, "title": "true"},
        },
        "layer": [
            {
                "params": [{"name": "cell", "select": {"type": "point", "fields": ["true", "predicted"]}}],
                "mark": {"type": "rect", "tooltip": True},
                "encoding": {
                    "color": {
                        "condition": [
                            {"test": "datum.correct", "value": "#2e9e4f"},
                            {"test": "datum.count == 0", "value": "#ffffff"},
                        ],
                        "field": "count",
                        "type": "quantitative",
                        "scale": {"type": "symlog", "scheme": "reds"},
                        "legend": None,
                    },
                    "opacity": {"condition": {"param": "cell", "value": 1}, "value": 0.55},
                },
            },
            {
                "mark": {"type": "text", "fontSize": 11},
                "encoding": {
                    "text": {"field": "count", "type": "quantitative"},
                    "color": {
                        "condition": {"test": "datum.correct || datum.count > 20", "value": "white"},
                        "value": "black",
                    },
                },
            },
        ],
        "width": 380,
        "height": 380,
    }
