"""Draw: a digit on the canvas (or a photo), what the active model makes of it, why, and what changes its mind."""

import logging

import numpy as np
import streamlit as st

from digitlab import explain
from digitlab.drawings import save_drawing
from digitlab.plots import (
    activation_strip,
    bar_spec,
    feature_map_grid,
    image_grid,
    probability_column_spec,
    sweep_spec,
)
from digitlab.preprocess import STEPS, BlankImageError, ImageReadError, preprocess_steps
from digitlab.store import StoreError
from digitlab.transform import Change, changed_digit, ink_image, redraw, rotation_sweep
from ui import caches, keys, lessons, picker, visitor, widgets

log = logging.getLogger("app_pages.draw")  # Streamlit runs a page as __main__

CHANGE_DEFAULTS = {"rotate": 0, "shift_x": 0, "shift_y": 0, "scale": 1.0, "stroke": 0}
COMPARED_MODELS = 5  # fewer than the server keeps loaded (caches.cached_predictor): a stroke loads none again


def reset_change() -> None:
    st.session_state.update(CHANGE_DEFAULTS)


st.title("Draw")
st.write(
    "Draw a digit with your finger, a pen or the mouse: the model answers under the canvas as you "
    "draw. Beside it (below, on a phone), the 28x28 image the model really receives, after the "
    "same clean-up MNIST's digits went through."
)

entry = picker.active_model()
predictor = caches.predictor_for(entry)

st.session_state.setdefault("canvas_round", 0)
source, result = st.columns([1, 2])
with source:
    drawing = widgets.draw_canvas(key=f"canvas-{st.session_state['canvas_round']}")
    answer_box = st.container()  # the answer, directly under the canvas on every screen
    if st.button("Clear"):
        st.session_state["canvas_round"] += 1  # a new key is a new, empty canvas
        st.rerun()
    kinds = ["png", "jpg", "jpeg", "gif", "bmp", "webp", "tif", "tiff"]
    upload = st.file_uploader("...or upload a photo of a digit", type=kinds)
    with st.expander("Change it: rotate, shift, scale, thicken"):
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
    change = Change(rotate, shift_x / 100, shift_y / 100, scale, stroke)

image = upload.getvalue() if upload is not None else drawing
with answer_box:
    if image is None:
        st.info("Draw a digit on the canvas, or upload a photo of one.")
        st.stop()
    try:
        pixels = changed_digit(image, change)
    except BlankImageError as error:
        log.debug("blank drawing: %s", error)
        st.info(f"{error}")
        st.stop()
    except ImageReadError as error:
        log.info("an unusable image: %s", error, exc_info=True)
        st.error(f"That picture could not be used: {error}")
        st.stop()
    st.session_state[keys.DRAWING] = pixels  # the Map page shows it as a star
    probabilities = predictor.probabilities(pixels)
    digit = int(probabilities.argmax())
    st.metric("Prediction", digit)
    alternatives = " · ".join(f"{d}: {p:.1%}" for d, p in explain.top_k(probabilities, 3))
    st.caption(f"Top 3: {alternatives} · model: {entry.name}")
with result:
    seen, chart = st.columns([1, 2])
    seen.image(
        widgets.big_digit(pixels),
        caption=f"What the model sees (28x28): your drawing, read as a {digit}",
        output_format="PNG",
        alt=f"Your drawing shrunk to 28 by 28 pixels, as the model sees it; it reads it as a {digit}",
    )
    chart.vega_lite_chart(
        bar_spec(list(range(10)), probabilities.round(4).tolist(), "digit", "probability", highlight=digit),
        width="stretch",
    )
    chart.caption("How sure the model is of each digit: the ten bars add up to 100%.")

with st.expander("See what the preprocessing does"):
    st.caption(
        "MNIST's digits were cropped, fitted in a 20x20 box and centred by their centre of mass. "
        "Switch a step off to see why it matters: the model learned digits made that way."
    )
    skipped = frozenset(
        step for column, (step, label) in zip(st.columns(len(STEPS)), STEPS.items()) if not column.toggle(label, True)
    )
    steps = preprocess_steps(image if change.is_identity else redraw(ink_image(image), change), skipped)
    st.image(
        [widgets.square_picture(step) for _, step in steps],
        caption=[what for what, _ in steps],
        width=84,
        output_format="PNG",
        alt=[f"Preprocessing step: {what}" for what, _ in steps],
    )
    if skipped:
        other = predictor.probabilities(steps[-1][1])
        st.markdown(
            f"Without {', '.join(STEPS[s].lower() for s in skipped)}, the model reads a **{int(other.argmax())}** "
            f"({other.max():.0%} sure); with every step, a **{digit}** ({probabilities.max():.0%} sure)."
        )

st.subheader("Why?")
why, inside = st.columns(2)
model = predictor.model
with why:
    target = st.selectbox(  # keyed by the prediction: a new prediction starts by explaining itself
        "Explain the evidence for",
        range(10),
        index=digit,
        key=f"why-{digit}",
        format_func=lambda d: f"{d} (the prediction)" if d == digit else f"{d}: why not a {d}?",
    )
    st.image(
        explain.attribution_overlay(pixels, predictor.attributions(pixels, target)),
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
    elif entry.meta.get("architecture") == "softmax":
        st.image(
            image_grid(explain.diverging(explain.softmax_weight_images(model)), columns=5, scale=3),
            caption="Weights per digit 0-9: red pixels are evidence for the digit, blue against",
            width="stretch",
            output_format="PNG",
            alt="Ten weight pictures, one per digit: red where ink is evidence for it, blue against",
        )
    else:
        st.caption("Filter and weight pictures exist for the convnets and for softmax regression.")

lessons.explain("why", "which pixels count")
if explain.first_conv(model) is not None:
    lessons.explain_convolution()

st.subheader("What it takes to change its mind")
sweep = rotation_sweep(predictor.probabilities, image, change)
st.vega_lite_chart(sweep_spec(sweep.rows(), current=rotate), width="stretch")
flips = sorted({int(d) for d in sweep.digits} - {digit})
st.caption(
    "The answer and its confidence with the drawing turned from -60° to 60° (the dashed line is the "
    "rotation set above). "
    + (f"Turned far enough it reads as {', '.join(map(str, flips))}." if flips else "It keeps its answer all the way.")
)

st.subheader("Layer by layer")
st.caption("Your drawing going through the network, left to right: the input, each layer's output, the probabilities.")
views = predictor.layer_walk(pixels)
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

st.subheader("The best models on your drawing")
models = picker.usable_models()  # most accurate first
if len(models) > COMPARED_MODELS:  # each is a model to load and ask on every stroke: a few, not all
    st.caption(f"The {COMPARED_MODELS} most accurate of the {len(models)} models you can pick in the sidebar.")
else:
    st.caption("Every model you can pick in the sidebar, most accurate first.")
answers = []
for other in models[:COMPARED_MODELS]:
    p = caches.predictor_for(other).probabilities(pixels[np.newaxis])[0]  # a batch of one: no XLA compile
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

st.subheader("Wrong? Teach it")
with st.form("teach", clear_on_submit=True):
    label = st.selectbox("This digit is really a", range(10), index=digit, key="true_digit")
    if st.form_submit_button("Save to my drawings"):
        workspace = visitor.workspace()
        try:
            save_drawing(pixels, label, image, workspace)
        except (ValueError, StoreError) as error:  # ImageReadError is a ValueError
            log.info("drawing not saved: %s", error, exc_info=True)
            st.error(str(error))
        else:
            st.success(f"Saved as a {label}. Fine-tune the model on your drawings on the My drawings page.")
