"""The Draw page's views that need the server: each one a function over one reading of the drawing.

The answer itself is made on the visitor's device (ui/live.py). These views ask the server: the
page sends the drawing only while one of them is open, reads it once (`read_drawing`), and each
open view draws from that reading.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from dataclasses import dataclass

import numpy as np
import streamlit as st

from digitlab import language
from digitlab.language import N_, _
from digitlab.learn import explain
from digitlab.learn.plots import activation_strip, feature_map_grid, image_grid, probability_column_spec, sweep_spec
from digitlab.learn.predict import Predictor
from digitlab.learn.preprocess import STEPS, ImageReadError, preprocess_steps, read_image
from digitlab.learn.transform import Change, changed_digit, ink_image, redraw, rotation_sweep
from digitlab.serve import browser_copies
from digitlab.serve.drawings import save_drawing
from digitlab.serve.store import SavedModel, StoreError
from ui import caches, explain_it, keys, picker, visitor, widgets

log = logging.getLogger(__name__)

CHANGE_DEFAULTS = {"rotate": 0, "shift_x": 0, "shift_y": 0, "scale": 1.0, "stroke": 0}
COMPARED_MODELS = 5  # fewer than the server keeps loaded (caches.cached_predictor): a stroke loads none again


@dataclass
class Reading:
    """One drawing as the server read it once: its picture, the change asked for, what the model says."""

    image: bytes  # what the browser sent (the canvas as PNG, or the uploaded file)
    drawing: np.ndarray  # (h, w) grayscale 0-1: the one decode of `image`
    change: Change
    pixels: np.ndarray  # (28, 28) model input 0-255, after the change
    probabilities: np.ndarray
    entry: SavedModel
    predictor: Predictor

    @property
    def digit(self) -> int:
        return int(self.probabilities.argmax())

    @property
    def key(self) -> str:
        return hashlib.sha256(np.asarray(self.image).tobytes()).hexdigest()[:16]


def read_drawing(image: bytes, change: Change, entry: SavedModel, predictor: Predictor) -> Reading:
    """Decode the drawing (once: `decoded`) and ask the model. Raises BlankImageError or ImageReadError."""
    drawing = decoded(image)
    pixels = changed_digit(drawing, change)
    return Reading(image, drawing, change, pixels, predictor.probabilities(pixels), entry, predictor)


DECODES = threading.BoundedSemaphore(2)  # pictures decoded at once on this server: each may take ~100 MB


def decoded(image: bytes) -> np.ndarray:
    """`image` read (read_image: at most 512 pixels a side) once per session and kept, with its error
    if it has one: the page's next runs (a slider, a Clear, a view opened) reuse it. One decode at a
    time per session, two on the server."""
    digest = hashlib.sha256(image).hexdigest()
    lock = st.session_state.setdefault(keys.DECODING, threading.Lock())
    with lock:
        kept = st.session_state.get(keys.DECODED)
        if kept is None or kept[0] != digest:
            with DECODES:
                try:
                    kept = (digest, read_image(image))
                except ImageReadError as error:
                    kept = (digest, error)
            st.session_state[keys.DECODED] = kept
    if isinstance(kept[1], Exception):
        raise kept[1]
    return kept[1]


def reset_change() -> None:
    st.session_state.update(CHANGE_DEFAULTS)


def change_sliders() -> Change:
    """The Change it view's sliders (their values also change what the other views read)."""
    for key, value in CHANGE_DEFAULTS.items():
        st.session_state.setdefault(key, value)
    rotate = st.slider(_("Rotate (degrees, + is counterclockwise)"), -45, 45, key="rotate")
    shift_x = st.slider(_("Shift right (% of the width)"), -30, 30, key="shift_x")
    shift_y = st.slider(_("Shift down (% of the height)"), -30, 30, key="shift_y")
    scale = st.slider(_("Scale"), 0.5, 1.5, step=0.05, key="scale")
    stroke = st.slider(_("Thinner / thicker strokes"), -4, 4, key="stroke")
    st.button(_("Reset"), on_click=reset_change)
    st.caption(
        _(
            "The change is made to the drawing, before the MNIST preprocessing. That preprocessing "
            "re-centers and re-sizes every digit, so shifts and sizes mostly wash out; turns and "
            "stroke width reach the model."
        )
    )
    return Change(rotate, shift_x / 100, shift_y / 100, scale, stroke)


def changed_view(reading: Reading) -> None:
    st.markdown(
        _("Changed this way, the model reads a **{digit}** ({sure} sure).").format(
            digit=reading.digit, sure=language.percent(reading.probabilities.max(), 0)
        )
        if not reading.change.is_identity
        else _("Move a slider: the model's answer to the changed drawing shows here.")
    )


def preprocessing_view(reading: Reading) -> None:
    st.caption(
        _(
            "MNIST's digits were cropped, fitted in a 20x20 box and centred by their centre of mass. "
            "Switch a step off to see why it matters: the model learned digits made that way."
        )
    )
    skipped = frozenset(
        step
        for column, (step, label) in zip(st.columns(len(STEPS)), STEPS.items())
        if not column.toggle(_(label), True)
    )
    change = reading.change
    steps = preprocess_steps(
        reading.drawing if change.is_identity else redraw(ink_image(reading.drawing), change), skipped
    )
    st.image(
        [widgets.square_picture(picture) for _what, picture in steps],
        caption=[what for what, _picture in steps],  # in words already (preprocess_steps translates them)
        width=84,
        output_format="PNG",
        alt=[_("Preprocessing step: {step}").format(step=what) for what, _picture in steps],
    )
    if skipped:
        other = reading.predictor.probabilities(steps[-1][1])
        without = ", ".join(mid_sentence(_(STEPS[s])) for s in skipped)
        st.markdown(
            _(
                "Without {steps}, the model reads a **{digit}** ({sure} sure); "
                "with every step, a **{usual}** ({usual_sure} sure)."
            ).format(
                steps=without,
                digit=int(other.argmax()),
                sure=language.percent(other.max(), 0),
                usual=reading.digit,
                usual_sure=language.percent(reading.probabilities.max(), 0),
            )
        )


def mid_sentence(label: str) -> str:
    """A label ("Crop to the ink") inside a sentence: its first letter small, the rest as written (nouns
    keep their capitals in German)."""
    return label[:1].lower() + label[1:]


def why_view(reading: Reading) -> None:
    digit, pixels, model = reading.digit, reading.pixels, reading.predictor.model
    why, inside = st.columns(2)
    with why:
        target = st.selectbox(  # keyed by the prediction: a new prediction starts by explaining itself
            _("Explain the evidence for"),
            range(10),
            index=digit,
            key=f"why-{digit}",
            format_func=lambda d: (
                _("{digit} (the prediction)").format(digit=d)
                if d == digit
                else _("{digit}: why not a {digit}?").format(digit=d)
            ),
        )
        st.image(
            explain.attribution_overlay(pixels, reading.predictor.attributions(pixels, target)),
            caption=_("Red pixels push towards {digit}, blue pixels push away (integrated gradients)").format(
                digit=target
            ),
            width="stretch",
            output_format="PNG",
            alt=_("Your drawing coloured by how much each pixel counts for {digit}: red for, blue against").format(
                digit=target
            ),
        )
    with inside:
        if explain.first_conv(model) is not None:
            st.image(
                image_grid(explain.diverging(explain.conv_filters(model)), columns=8, scale=6),
                caption=_("First-layer filters (red: positive weights, blue: negative)"),
                width="stretch",
                output_format="PNG",
                alt=_("The small patterns the first layer looks for, in red and blue"),
            )
            st.image(
                image_grid(explain.feature_maps(model, pixels), columns=8, scale=2),
                caption=_("What each filter sees in your drawing (its feature map)"),
                width="stretch",
                output_format="PNG",
                alt=_("Your drawing as each first-layer filter sees it: bright where its pattern is found"),
            )
        elif reading.entry.meta.get("architecture") == "softmax":
            st.image(
                image_grid(explain.diverging(explain.softmax_weight_images(model)), columns=5, scale=3),
                caption=_("Weights per digit 0-9: red pixels are evidence for the digit, blue against"),
                width="stretch",
                output_format="PNG",
                alt=_("Ten weight pictures, one per digit: red where ink is evidence for it, blue against"),
            )
        else:
            st.caption(_("Filter and weight pictures exist for the convnets and for softmax regression."))
    explain_it.explain("why", N_("which pixels count"))
    if explain.first_conv(model) is not None:
        explain_it.explain_convolution()


def mind_view(reading: Reading) -> None:
    sweep = rotation_sweep(reading.predictor.probabilities, reading.drawing, reading.change)
    st.vega_lite_chart(sweep_spec(sweep.rows(), current=reading.change.rotate), width="stretch")
    flips = sorted({int(d) for d in sweep.digits} - {reading.digit})
    st.caption(
        _(
            "The answer and its confidence with the drawing turned from -60° to 60° (the dashed line is the "
            "rotation set in Change it). Turned far enough it reads as {digits}."
        ).format(digits=", ".join(map(str, flips)))
        if flips
        else _(
            "The answer and its confidence with the drawing turned from -60° to 60° (the dashed line is the "
            "rotation set in Change it). It keeps its answer all the way."
        )
    )


def layers_view(reading: Reading) -> None:
    st.caption(
        _("Your drawing going through the network, left to right: the input, each layer's output, the probabilities.")
    )
    views = reading.predictor.layer_walk(reading.pixels)
    for column, view in zip(st.columns(len(views)), views):
        with column:
            size = "x".join(map(str, view.values.shape))
            name_and_size = f"{view.name} {size}"  # the layer's name in the model (an identifier) and its shape
            if view.kind == "input":
                st.image(
                    widgets.big_digit(view.values, 112),
                    caption=_("input {size}").format(size=size),
                    output_format="PNG",
                    alt=_("Your drawing as the network's input"),
                )
            elif view is views[-1]:
                st.vega_lite_chart(probability_column_spec(view.values), width="stretch")
                st.caption(name_and_size)
            elif view.kind == "maps":
                st.image(
                    feature_map_grid(view.values, columns=4),
                    caption=name_and_size,
                    width="stretch",
                    alt=_("The feature maps of layer {layer}").format(layer=view.name),
                )
            else:
                strip = activation_strip(view.values)
                st.image(
                    strip,
                    caption=name_and_size,
                    width=strip.shape[1],
                    output_format="PNG",
                    alt=_("The activations of layer {layer} as a strip of cells").format(layer=view.name),
                )


def best_models_view(reading: Reading) -> None:
    models = picker.usable_models()  # most accurate first
    if len(models) > COMPARED_MODELS:  # each is a model to load and ask: a few, not all
        st.caption(
            _("The {count} most accurate of the {total} models you can pick in the sidebar.").format(
                count=language.number(COMPARED_MODELS), total=language.number(len(models))
            )
        )
    else:
        st.caption(_("Every model you can pick in the sidebar, most accurate first."))
    answers = []
    for other in models[:COMPARED_MODELS]:
        p = caches.predictor_for(other).probabilities(reading.pixels[np.newaxis])[0]  # a batch of one: no XLA
        answers.append(
            {
                _("Model"): other.name,
                _("Network"): other.meta.get("architecture", "?"),  # the architecture's short name
                _("Its answer"): int(p.argmax()),
                _("How sure"): language.percent(p.max()),
                _("Right on the test digits"): language.percent(other.test_accuracy, 2),
            }
        )
    st.dataframe(answers, hide_index=True, width="stretch")


def teach_view(reading: Reading) -> None:
    # Keyed by the drawing: a new drawing offers its own prediction, never the last drawing's label.
    with st.form(f"teach-{reading.key}", clear_on_submit=True):
        label = st.selectbox(_("This digit is really a"), range(10), index=reading.digit, key=f"true-{reading.key}")
        if st.form_submit_button(_("Save to my drawings")):
            try:
                save_drawing(reading.pixels, label, reading.image, visitor.workspace())
            except (ValueError, StoreError) as error:  # ImageReadError is a ValueError
                log.info("drawing not saved: %s", error, exc_info=True)
                st.error(str(error))
            else:
                st.success(
                    _("Saved as a {digit}. Fine-tune the model on your drawings on the My drawings page.").format(
                        digit=label
                    )
                )


# The views in page order: (title, function); the page shows _(title). The answer never waits for them.
VIEWS = {
    "preprocessing": (N_("See what the preprocessing does"), preprocessing_view),
    "why": (N_("Why?"), why_view),
    "mind": (N_("What it takes to change its mind"), mind_view),
    "layers": (N_("Layer by layer"), layers_view),
    "best": (N_("The best models on your drawing"), best_models_view),
    "teach": (N_("Wrong? Teach it: save this drawing with its true label"), teach_view),
}


def opened_views() -> list[str]:
    """The views open now (their switches' states, read before they are drawn)."""
    return [name for name in ["change", *VIEWS] if st.session_state.get(keys.view(name))]


def remember(reading: Reading) -> None:
    st.session_state[keys.DRAWING] = reading.pixels  # the Map page shows it as a star


@st.fragment(run_every=2.0)
def wait_for_the_copy(entry: SavedModel) -> None:
    """While a worker makes the model's browser copy: look every 2 s, and redraw the page once it is there."""
    if browser_copies.offer(entry, None).state != "making":
        st.rerun()
