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
    rotate = st.slider("Rotate (degrees, + is counterclockwise)", -45, 45, key="rotate")
    shift_x = st.slider("Shift right (% of the width)", -30, 30, key="shift_x")
    shift_y = st.slider("Shift down (% of the height)", -30, 30, key="shift_y")
    scale = st.slider("Scale", 0.5, 1.5, step=0.05, key="scale")
    stroke = st.slider("Thinner / thicker strokes", -4, 4, key="stroke")
    st.button("Reset", on_click=reset_change)
    st.caption(
        "The change is made to the drawing, before the MNIST preprocessing. That preprocessing "
        "re-centers and re-sizes every digit, so shifts and sizes mostly wash out; turns and "
        "stroke width reach the model."
    )
    return Change(rotate, shift_x / 100, shift_y / 100, scale, stroke)


def changed_view(reading: Reading) -> None:
    st.markdown(
        f"Changed this way, the model reads a **{reading.digit}** ({reading.probabilities.max():.0%} sure)."
        if not reading.change.is_identity
        else "Move a slider: the model's answer to the changed drawing shows here."
    )


def preprocessing_view(reading: Reading) -> None:
    st.caption(
        "MNIST's digits were cropped, fitted in a 20x20 box and centred by their centre of mass. "
        "Switch a step off to see why it matters: the model learned digits made that way."
    )
    skipped = frozenset(
        step for column, (step, label) in zip(st.columns(len(STEPS)), STEPS.items()) if not column.toggle(label, True)
    )
    change = reading.change
    steps = preprocess_steps(
        reading.drawing if change.is_identity else redraw(ink_image(reading.drawing), change), skipped
    )
    st.image(
        [widgets.square_picture(step) for _, step in steps],
        caption=[what for what, _ in steps],
        width=84,
        output_format="PNG",
        alt=[f"Preprocessing step: {what}" for what, _ in steps],
    )
    if skipped:
        other = reading.predictor.probabilities(steps[-1][1])
        without = ", ".join(STEPS[s].lower() for s in skipped)
        st.markdown(
            f"Without {without}, the model reads a **{int(other.argmax())}** ({other.max():.0%} sure); "
            f"with every step, a **{reading.digit}** ({reading.probabilities.max():.0%} sure)."
        )


def why_view(reading: Reading) -> None:
    digit, pixels, model = reading.digit, reading.pixels, reading.predictor.model
    why, inside = st.columns(2)
    with why:
        target = st.selectbox(  # keyed by the prediction: a new prediction starts by explaining itself
            "Explain the evidence for",
            range(10),
            index=digit,
            key=f"why-{digit}",
            format_func=lambda d: f"{d} (the prediction)" if d == digit else f"{d}: why not a {d}?",
        )
        st.image(
            explain.attribution_overlay(pixels, reading.predictor.attributions(pixels, target)),
            caption=f"Red pixels push towards {target}, blue pixels push away (integrated gradients)",
            width="stretch",
            output_format="PNG",
            alt=f"Your drawing coloured by how much each pixel counts for {target}: red for, blue against",
        )
    with inside:
        if explain.first_conv(model) is not None:
            st.image(
                image_grid(explain.diverging(explain.conv_filters(model)), columns=8, scale=6),
                caption="First-layer filters (red: positive weights, blue: negative)",
                width="stretch",
                output_format="PNG",
                alt="The small patterns the first layer looks for, in red and blue",
            )
            st.image(
                image_grid(explain.feature_maps(model, pixels), columns=8, scale=2),
                caption="What each filter sees in your drawing (its feature map)",
                width="stretch",
                output_format="PNG",
                alt="Your drawing as each first-layer filter sees it: bright where its pattern is found",
            )
        elif reading.entry.meta.get("architecture") == "softmax":
            st.image(
                image_grid(explain.diverging(explain.softmax_weight_images(model)), columns=5, scale=3),
                caption="Weights per digit 0-9: red pixels are evidence for the digit, blue against",
                width="stretch",
                output_format="PNG",
                alt="Ten weight pictures, one per digit: red where ink is evidence for it, blue against",
            )
        else:
            st.caption("Filter and weight pictures exist for the convnets and for softmax regression.")
    explain_it.explain("why", "which pixels count")
    if explain.first_conv(model) is not None:
        explain_it.explain_convolution()


def mind_view(reading: Reading) -> None:
    sweep = rotation_sweep(reading.predictor.probabilities, reading.drawing, reading.change)
    st.vega_lite_chart(sweep_spec(sweep.rows(), current=reading.change.rotate), width="stretch")
    flips = sorted({int(d) for d in sweep.digits} - {reading.digit})
    st.caption(
        "The answer and its confidence with the drawing turned from -60° to 60° (the dashed line is the "
        "rotation set in Change it). "
        + (
            f"Turned far enough it reads as {', '.join(map(str, flips))}."
            if flips
            else "It keeps its answer all the way."
        )
    )


def layers_view(reading: Reading) -> None:
    st.caption(
        "Your drawing going through the network, left to right: the input, each layer's output, the probabilities."
    )
    views = reading.predictor.layer_walk(reading.pixels)
    for column, view in zip(st.columns(len(views)), views):
        with column:
            size = "x".join(map(str, view.values.shape))
            if view.kind == "input":
                st.image(
                    widgets.big_digit(view.values, 112),
                    caption=f"input {size}",
                    output_format="PNG",
                    alt="Your drawing as the network's input",
                )
            elif view is views[-1]:
                st.vega_lite_chart(probability_column_spec(view.values), width="stretch")
                st.caption(f"{view.name} {size}")
            elif view.kind == "maps":
                st.image(
                    feature_map_grid(view.values, columns=4),
                    caption=f"{view.name} {size}",
                    width="stretch",
                    alt=f"The feature maps of layer {view.name}",
                )
            else:
                strip = activation_strip(view.values)
                st.image(
                    strip,
                    caption=f"{view.name} {size}",
                    width=strip.shape[1],
                    output_format="PNG",
                    alt=f"The activations of layer {view.name} as a strip of cells",
                )


def best_models_view(reading: Reading) -> None:
    models = picker.usable_models()  # most accurate first
    if len(models) > COMPARED_MODELS:  # each is a model to load and ask: a few, not all
        st.caption(f"The {COMPARED_MODELS} most accurate of the {len(models)} models you can pick in the sidebar.")
    else:
        st.caption("Every model you can pick in the sidebar, most accurate first.")
    answers = []
    for other in models[:COMPARED_MODELS]:
        p = caches.predictor_for(other).probabilities(reading.pixels[np.newaxis])[0]  # a batch of one: no XLA
        answers.append(
            {
                "Model": other.name,
                "Network": other.meta.get("architecture", "?"),
                "Its answer": int(p.argmax()),
                "How sure": f"{p.max():.1%}",
                "Right on the test digits": f"{other.test_accuracy:.2%}",
            }
        )
    st.dataframe(answers, hide_index=True, width="stretch")


def teach_view(reading: Reading) -> None:
    # Keyed by the drawing: a new drawing offers its own prediction, never the last drawing's label.
    with st.form(f"teach-{reading.key}", clear_on_submit=True):
        label = st.selectbox("This digit is really a", range(10), index=reading.digit, key=f"true-{reading.key}")
        if st.form_submit_button("Save to my drawings"):
            try:
                save_drawing(reading.pixels, label, reading.image, visitor.workspace())
            except (ValueError, StoreError) as error:  # ImageReadError is a ValueError
                log.info("drawing not saved: %s", error, exc_info=True)
                st.error(str(error))
            else:
                st.success(f"Saved as a {label}. Fine-tune the model on your drawings on the My drawings page.")


# The views in page order: (title, function). The answer never waits for them.
VIEWS = {
    "preprocessing": ("See what the preprocessing does", preprocessing_view),
    "why": ("Why?", why_view),
    "mind": ("What it takes to change its mind", mind_view),
    "layers": ("Layer by layer", layers_view),
    "best": ("The best models on your drawing", best_models_view),
    "teach": ("Wrong? Teach it: save this drawing with its true label", teach_view),
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
