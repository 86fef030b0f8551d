"""Widgets and pictures the pages share: the drawing canvas, enlarged digits, how a model learned."""

from __future__ import annotations

import logging
from datetime import datetime

import numpy as np
import streamlit as st
from PIL import Image

from digitlab import language
from digitlab.language import N_, _
from digitlab.learn.code import notebook, script, slug
from digitlab.learn.explain import diverging
from digitlab.learn.plots import confusion_spec, image_grid, tinted
from digitlab.learn.snapshots import PANEL, Snapshot, epoch_confusions
from digitlab.learn.train import TrainConfig
from ui import screen
from ui.caches import dataset
from ui.numbers import epochs_in_words

log = logging.getLogger(__name__)

# The Models tables' columns, read as words: percentages, seconds, dates. Keyed by the tables' column
# names (English, as the rows name them); names and help texts are marked N_: `model_columns()` shows
# them in the page's language.
MODEL_COLUMNS = {  # the tables of models put Name (pinned) and their accuracy first: seen on a phone too
    N_("Name"): st.column_config.TextColumn(pinned=True),
    N_("Weights"): st.column_config.NumberColumn(format="localized", help=N_("Numbers the network learned")),
    N_("Training time"): st.column_config.NumberColumn(format="%.0f s", help=N_("Seconds the training took")),
    N_("Right on the test digits"): st.column_config.NumberColumn(
        format="percent", help=N_("Share of the 10,000 test digits (never trained on) read right")
    ),
    N_("Right on your drawings"): st.column_config.NumberColumn(
        format="percent", help=N_("Share of the drawings saved on My drawings read right")
    ),
    N_("Right on the class's drawings"): st.column_config.NumberColumn(
        format="percent", help=N_("Share of the drawings the class gave to its own test set read right")
    ),
    N_("Trained on"): st.column_config.DatetimeColumn(format="localized"),
}


def model_columns() -> dict:
    """MODEL_COLUMNS in the page's language: each column's header (its label) and help translated; the
    rows keep the English column names."""
    return {
        name: {**column, "label": _(name), "help": _(column["help"]) if column.get("help") else None}
        for name, column in MODEL_COLUMNS.items()
    }


def as_date(iso: str | None) -> datetime | None:
    """A stored ISO date as a datetime for a table (None where it is missing or unreadable)."""
    try:
        return datetime.fromisoformat(iso) if iso else None
    except ValueError:
        return None


CANVAS_SIZE = 280
PEN_WIDTH = 20  # px on the 280 canvas: a digit ~200 px tall gets MNIST's ~10-13% stroke


def draw_canvas(key: str) -> None:
    """The drawing canvas, white ink on black as MNIST. Its strokes stay in the browser: the Draw
    page's answer is made there (ui/live.py, which also sends the drawing when a view needs it).

    In a column narrower than 280 px it is shown scaled down (`screen.fit_to_column`), strokes still
    landing on its 280x280 grid. Tests patch this function (the component needs a browser).
    """
    from streamlit_drawable_canvas import st_canvas  # registers a browser component: import on use

    st_canvas(
        stroke_width=PEN_WIDTH,
        stroke_color="#FFFFFF",
        background_color="#000000",
        height=CANVAS_SIZE,
        width=CANVAS_SIZE,
        drawing_mode="freedraw",
        update_streamlit=False,
        key=key,
    )
    screen.fit_to_column(key, CANVAS_SIZE)


def square_picture(pixels: np.ndarray, size: int = 84) -> np.ndarray:
    """Any (h, w) picture 0-255, padded with black to a square and shown `size` wide, pixels kept square."""
    side = max(pixels.shape)
    square = np.zeros((side, side), np.uint8)
    top, left = (side - pixels.shape[0]) // 2, (side - pixels.shape[1]) // 2
    square[top : top + pixels.shape[0], left : left + pixels.shape[1]] = np.clip(pixels, 0, 255)
    return np.asarray(Image.fromarray(square).resize((size, size), Image.Resampling.NEAREST))


def big_digit(pixels: np.ndarray, size: int = 168) -> np.ndarray:
    """Enlarge a 28x28 image with square pixels, so the viewer sees what the model sees."""
    scale = max(1, size // pixels.shape[0])
    return np.clip(pixels, 0, 255).astype(np.uint8).repeat(scale, 0).repeat(scale, 1)


def show_learning(snapshots: list[Snapshot], key: str) -> None:
    """The last snapshot: the panel of 20 test digits with the model's answers (✓ and blue right,
    ✗ and orange in a frame wrong) and its first-layer weights; beside them the validation confusion
    matrix of an epoch end, with a slider back through the epochs."""
    snapshot = snapshots[-1]
    images, labels = dataset().split("test")
    right = 0
    for row in (range(0, 20, 2), range(1, 20, 2)):  # the first digit of each class, then the hard ones
        indices, probabilities = [PANEL[i] for i in row], snapshot.panel[list(row)]
        answers = probabilities.argmax(axis=1)
        correct = answers == labels[indices]
        right += correct.sum()
        st.image(
            list(tinted(images[indices], correct).repeat(2, 1).repeat(2, 2)),
            caption=[
                f"{'✓' if c else '✗'} {a} · {language.percent(p, 0)}"
                for a, c, p in zip(answers, correct, probabilities.max(axis=1))
            ],
            width=56,
            alt=[
                (
                    _("A {true} the model reads as {answer}, {sure} sure: right")
                    if c
                    else _("A {true} the model reads as {answer}, {sure} sure: wrong")
                ).format(true=labels[i], answer=a, sure=language.percent(p, 0))
                for i, a, c, p in zip(indices, answers, correct, probabilities.max(axis=1))
            ],
        )
    st.caption(
        (
            _(
                "Before training: {right} of these 20 test digits right (top row: the first of each digit; "
                "bottom row: a hard one). Each caption: ✓ right or ✗ wrong, the model's answer, its confidence."
            )
            if snapshot.epoch == 0
            else _(
                "After {epochs}: {right} of these 20 test digits right (top row: the first of each digit; "
                "bottom row: a hard one). Each caption: ✓ right or ✗ wrong, the model's answer, its confidence."
            )
        ).format(right=language.number(right), epochs=epochs_in_words(snapshot.epoch))
    )
    weights, confusions = st.columns(2)
    with weights:
        scale = 8 if snapshot.weights.shape[1] < 10 else 2
        columns = 5 if len(snapshot.weights) == 10 else 8  # softmax: its ten digits in two rows
        st.image(
            image_grid(diverging(snapshot.weights), columns=columns, scale=scale),
            output_format="PNG",
            alt=_("The first layer's weights as pictures, in red and blue"),
        )
        st.caption(_("First-layer weights (red: positive, blue: negative), forming as it learns."))
    with confusions:
        show_confusions(snapshots, key)


def show_confusions(snapshots: list[Snapshot], key: str) -> None:
    """The validation confusion matrix at an epoch end, with a slider back through the epochs."""
    confusions = epoch_confusions(snapshots)
    if not confusions:
        st.caption(_("The confusion matrix appears at the end of the first epoch."))
        return
    index = len(confusions) - 1
    if len(confusions) > 1:
        index = st.slider(_("Epoch"), 1, len(confusions), len(confusions), key=key) - 1
    epoch, confusion = confusions[index]
    st.vega_lite_chart({**confusion_spec(confusion), "width": 300, "height": 300})
    right = np.trace(confusion) / max(confusion.sum(), 1)
    st.caption(
        _("Validation confusion after epoch {epoch}, on {count} digits: {share} right.").format(
            epoch=language.number(epoch), count=language.number(confusion.sum()), share=language.percent(right)
        )
    )


def see_the_code(config: TrainConfig, name: str, key: str) -> None:
    """An expander with the run as a standalone Keras script, to read or download (also as a notebook)."""
    with st.expander(_("See the code: this run in plain Keras")):
        st.caption(
            _(
                "The same network and settings as a Python script of its own: load MNIST, build, compile, "
                "fit, evaluate, save. It needs only Keras: `python script.py --data data/mnist`."
            )
        )
        text = script(config, name)
        st.code(text, language="python", line_numbers=False)
        py, ipynb = st.columns(2)
        py.download_button(_("Download the script (.py)"), text, f"{slug(name)}.py", "text/x-python", key=f"{key}-py")
        ipynb.download_button(
            _("Download it as a notebook (.ipynb)"),
            notebook(config, name),
            f"{slug(name)}.ipynb",
            "application/x-ipynb+json",
            key=f"{key}-ipynb",
        )
