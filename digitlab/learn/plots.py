"""Pictures from numpy: digit grids as one array, and Vega-Lite chart specs as plain dicts."""

from __future__ import annotations

import base64
import io
import json

import numpy as np
from PIL import Image

from digitlab.language import N_, _
from digitlab.learn.pace import ProgressEvent

# Right and wrong: blue and orange stay apart for colour-blind eyes (green and red do not), and a
# wrong digit also gets a frame, so the two differ by more than colour.
RIGHT, WRONG = (80, 160, 255), (255, 150, 30)


def scale_each(images: np.ndarray) -> np.ndarray:
    """(n, h, w) -> each image divided by its own largest absolute value, into [-1, 1] (all-zero stays zero)."""
    images = np.asarray(images, np.float32)
    top = np.abs(images).max(axis=(1, 2), keepdims=True)
    return images / np.where(top == 0, 1, top)


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
    """(n, 28, 28) grey digits -> (n, 28, 28, 3): blue ink if correct, orange ink in a frame if not."""
    correct = np.asarray(correct, bool)
    ink = np.asarray(images, dtype=np.float32)[..., None] / 255
    colors = np.where(correct[:, None], RIGHT, WRONG)[:, None, None, :]
    tinted = (ink * colors).astype(np.uint8)
    frame = np.zeros(tinted.shape[1:3], bool)
    frame[[0, -1], :] = frame[:, [0, -1]] = True
    tinted[~correct] = np.where(frame[..., None], np.array(WRONG, np.uint8), tinted[~correct])
    return tinted


def thin_out(rows: list[dict], limit: int) -> list[dict]:
    """Keep at most `limit` rows, evenly spaced, always keeping the last."""
    if len(rows) <= limit:
        return rows
    step = len(rows) / limit
    return [rows[int(i * step)] for i in range(limit - 1)] + [rows[-1]]


# The two lines of the training charts (marked N_: the rows and the legend carry them translated, _(TRAINING)).
TRAINING = N_("training digits (smoothed)")
VALIDATION = N_("validation digits (after each epoch)")


def history_rows(events: list[ProgressEvent], steps_per_epoch: float, limit: int = 400) -> list[dict]:
    """Long-format rows (epoch, split, loss, accuracy) for the live training charts.

    Training rows are the events' smoothed recent values; validation rows one per epoch end; the split
    in the current language (the legend shows it), as `training_spec` expects.
    """
    training, validating = _(TRAINING), _(VALIDATION)
    train = [
        {"epoch": e.step / steps_per_epoch, "split": training, "loss": e.loss, "accuracy": e.accuracy} for e in events
    ]
    validation = [
        {"epoch": e.step / steps_per_epoch, "split": validating, "loss": e.val_loss, "accuracy": e.val_accuracy}
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
    """Loss and accuracy side by side over epochs: one spec, so the rows are sent once per redraw.

    Training is a line; validation a line with large points (one per epoch end), in colours that
    stay apart for colour-blind eyes, and a legend that names both.
    """
    training, validating = _(TRAINING), _(VALIDATION)
    colors = {"field": "split", "type": "nominal", "title": None, "legend": {"orient": "bottom", "labelLimit": 400}}
    colors["scale"] = {"domain": [training, validating], "range": ["#1f77b4", "#ff7f0e"]}
    titles, headings = {"loss": _("loss"), "accuracy": _("accuracy")}, {"loss": _("Loss"), "accuracy": _("Accuracy")}

    def panel(y: str) -> dict:
        encoding = {
            "x": {"field": "epoch", "type": "quantitative", "title": _("epochs (passes through the training digits)")},
            "y": {"field": y, "type": "quantitative", "title": titles[y], "scale": {"zero": False}},
            "color": colors,
        }
        return {
            "layer": [
                {"mark": {"type": "line", "tooltip": True}, "encoding": encoding},
                {
                    "transform": [{"filter": {"field": "split", "equal": validating}}],
                    "mark": {"type": "point", "filled": True, "size": 90, "tooltip": True},
                    "encoding": {**encoding, "shape": {"value": "diamond"}},
                },
            ],
            "title": headings[y],
            "height": 220,
            "width": width,
        }

    return {"data": {"values": rows}, "hconcat": [panel("loss"), panel("accuracy")]}


def bar_spec(
    labels: list, values: list[float], x_title: str, y_title: str, highlight: int | None = None, zero: bool = True
) -> dict:
    """A Vega-Lite bar chart of one value per label; the `highlight` bar in a second color. The titles are
    text for people: the caller translates them.

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
            "x": {"field": "predicted", **axis, "title": _("predicted")},
            "y": {"field": "true", **axis, "title": _("true")},
        },
        "layer": [
            {
                "params": [{"name": "cell", "select": {"type": "point", "fields": ["true", "predicted"]}}],
                "mark": {"type": "rect", "tooltip": True},
                "encoding": {
                    "color": {
                        "condition": [
                            {"test": "datum.correct", "value": "#2e9e4f"},
                            {"test": "datum.count == 0", "value": "rgba(128, 128, 128, 0.12)"},  # light or dark page
                        ],
                        "field": "count",
                        "type": "quantitative",
                        "title": _("count"),
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
                        "condition": [
                            {"test": "datum.correct || datum.count > 20", "value": "white"},
                            {"test": "datum.count == 0", "value": "#888888"},
                        ],
                        "value": "black",
                    },
                },
            },
        ],
        "width": 380,
        "height": 380,
    }


def png_data_uri(pixels: np.ndarray) -> str:
    """A (h, w) 0-255 image as a `data:image/png` URI (what a Vega tooltip's `image` field shows)."""
    buffer = io.BytesIO()
    Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


STAR = "M0,-1L0.24,-0.31L0.95,-0.31L0.38,0.12L0.59,0.81L0,0.38L-0.59,0.81L-0.38,0.12L-0.95,-0.31L-0.24,-0.31Z"


def map_rows(points: np.ndarray, labels, predictions, confidence, images: np.ndarray) -> list[dict]:
    """One row per digit for `map_spec`: position, true and predicted digit, confidence, its picture."""
    return [
        {
            "index": i,
            "x": round(float(x), 3),
            "y": round(float(y), 3),
            "digit": str(labels[i]),
            "predicted": int(predictions[i]),
            "confidence": round(float(confidence[i]), 4),
            "answer": "right" if labels[i] == predictions[i] else "wrong",
            "image": png_data_uri(images[i]),
        }
        for i, (x, y) in enumerate(points)
    ]


def map_spec(rows: list[dict], star: dict | None = None, height: int = 560) -> dict:
    """A Vega-Lite scatter of the map: colored by true digit, each digit's number at its middle, mistakes
    as crosses, your drawing as a star.

    Hovering a point shows its picture (the tooltip's `image` field); clicking selects it (`pick`).
    """
    position = {
        "x": {"field": "x", "type": "quantitative", "title": _("first direction"), "axis": {"labels": False}},
        "y": {"field": "y", "type": "quantitative", "title": _("second direction"), "axis": {"labels": False}},
    }
    # The rows say "right" or "wrong" (cached for every language); the legend in words, as Vega strings.
    answers = f"datum.value == 'right' ? {json.dumps(_('right'))} : {json.dumps(_('wrong'))}"
    answer = {"field": "answer", "type": "nominal"}
    layers = [
        {
            "data": {"values": rows},
            "params": [{"name": "pick", "select": {"type": "point", "fields": ["index"]}}],
            "mark": {"type": "point", "filled": True, "tooltip": True},
            "encoding": {
                **position,
                "color": {
                    "field": "digit",
                    "type": "nominal",
                    "title": _("true digit"),
                    "scale": {"scheme": "category10"},
                },
                "shape": {
                    **answer,
                    "title": _("model"),
                    "scale": {"domain": ["right", "wrong"], "range": ["circle", "cross"]},
                    "legend": {"labelExpr": answers},
                },
                "size": {**answer, "legend": None, "scale": {"domain": ["right", "wrong"], "range": [14, 90]}},
                "opacity": {**answer, "legend": None, "scale": {"domain": ["right", "wrong"], "range": [0.55, 1]}},
                "tooltip": [
                    {"field": "image", "type": "nominal"},
                    {"field": "digit", "type": "nominal", "title": _("true")},
                    {"field": "predicted", "type": "nominal", "title": _("predicted")},
                    {"field": "confidence", "type": "quantitative", "format": ".1%", "title": _("confidence")},
                ],
            },
        },
        *digit_labels(rows, position),
    ]
    if star is not None:
        layers.append(
            {
                "data": {"values": [star]},
                "mark": {  # gold with a black edge: seen on a light and on a dark page
                    "type": "point",
                    "shape": STAR,
                    "size": 700,
                    "filled": True,
                    "color": "#ffd400",
                    "stroke": "black",
                    "strokeWidth": 1.5,
                    "opacity": 1,
                },
                "encoding": {
                    **position,
                    "tooltip": [{"field": "label", "type": "nominal", "title": _("your drawing")}],
                },
            }
        )
    return {"layer": layers, "height": height}


def digit_labels(rows: list[dict], position: dict) -> list[dict]:
    """Each digit's number at the middle (median) of its points, black on a white halo: the map's
    digits told apart without colour."""
    middle = [{"op": "median", "field": "x", "as": "x"}, {"op": "median", "field": "y", "as": "y"}]
    text = {"type": "text", "fontSize": 22, "fontWeight": "bold"}
    return [
        {
            "data": {"values": rows},
            "transform": [{"aggregate": middle, "groupby": ["digit"]}],
            "mark": {**text, **look},
            "encoding": {**position, "text": {"field": "digit", "type": "nominal"}},
        }
        for look in ({"color": "white", "stroke": "white", "strokeWidth": 5}, {"color": "black"})
    ]


def activation_strip(values: np.ndarray, width: int = 40, cell: int = 2) -> np.ndarray:
    """(units,) activations -> a vertical strip, one cell per unit: white 0, red positive, blue negative."""
    values = np.asarray(values, np.float32).reshape(-1)
    scale = np.abs(values).max() or 1.0
    signed = (values / scale)[:, None]
    red = np.clip(signed, 0, 1) * np.array([0.0, 0.8, 0.85])  # take green and blue away: red
    blue = np.clip(-signed, 0, 1) * np.array([0.8, 0.6, 0.0])
    colors = ((1 - red - blue).clip(0, 1) * 255).astype(np.uint8)  # (units, 3)
    strip = colors[:, None, :].repeat(cell, 0).repeat(width, 1)
    return np.pad(strip, ((1, 1), (1, 1), (0, 0)), constant_values=160)  # a grey frame: white units show


def feature_map_grid(maps: np.ndarray, columns: int = 4, scale: int = 2) -> np.ndarray:
    """(h, w, channels) feature maps -> one grid image, each map scaled to its own maximum."""
    maps = np.moveaxis(np.maximum(np.asarray(maps, np.float32), 0), -1, 0)
    return image_grid(scale_each(maps) * 255, columns=columns, pad=1, scale=scale)


def probability_column_spec(probabilities, height: int = 260) -> dict:
    """Ten horizontal bars, digit 0 on top: the last column of the layer walk."""
    rows = [{"digit": str(d), "probability": round(float(p), 4)} for d, p in enumerate(probabilities)]
    best = int(np.argmax(probabilities))
    return {
        "data": {"values": rows},
        "mark": {"type": "bar", "tooltip": True},
        "encoding": {
            "y": {"field": "digit", "type": "ordinal", "title": None, "sort": None},
            "x": {"field": "probability", "type": "quantitative", "scale": {"domain": [0, 1]}, "title": None},
            "color": {"condition": {"test": f"datum.digit == '{best}'", "value": "#f58518"}, "value": "#4c78a8"},
        },
        "height": height,
    }


def sweep_spec(rows: list[dict], current: float | None = None, height: int = 200) -> dict:
    """The answer and its confidence at each rotation: a line of confidence, each point labelled with the digit."""
    confidence = {"field": "confidence", "type": "quantitative", "title": _("confidence")}
    position = {
        "x": {"field": "angle", "type": "quantitative", "title": _("rotation (degrees, + is counterclockwise)")},
        "y": {**confidence, "scale": {"domain": [0, 1.15]}, "axis": {"format": "%"}},
    }
    layers = [
        {"mark": {"type": "line", "color": "#bbbbbb"}, "encoding": position},
        {
            "mark": {"type": "point", "filled": True, "size": 60, "tooltip": True},
            "encoding": {
                **position,
                "color": {"field": "digit", "type": "nominal", "title": _("digit"), "scale": {"scheme": "category10"}},
            },
        },
        {
            "mark": {"type": "text", "dy": -11, "fontSize": 11},
            "encoding": {
                **position,
                "text": {"field": "digit"},
                "color": {"field": "digit", "type": "nominal", "scale": {"scheme": "category10"}, "legend": None},
            },
        },
    ]
    if current is not None:
        layers.append(
            {
                "data": {"values": [{"angle": current}]},
                "mark": {"type": "rule", "strokeDash": [4, 3]},
                "encoding": {"x": {"field": "angle", "type": "quantitative"}},
            }
        )
    return {"data": {"values": rows}, "layer": layers, "height": height}
