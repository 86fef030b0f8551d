"""Draw: a digit on the canvas (or a photo), what the active model makes of it, and why."""

import streamlit as st

import ui
from digitlab import explain
from digitlab.drawings import save_drawing
from digitlab.plots import bar_spec, image_grid
from digitlab.preprocess import BlankImageError, ImageReadError, preprocess

st.title("Draw")
st.write(
    "Draw a digit: the model answers as you draw. On the right, the 28x28 image it really "
    "receives, after the same normalization MNIST's digits went through."
)

entry = ui.active_model()
if entry is None:
    st.info("Train a model first.")
    st.stop()
predictor = ui.predictor_for(entry)

st.session_state.setdefault("canvas_round", 0)
source, result = st.columns([1, 2])
with source:
    drawing = ui.draw_canvas(key=f"canvas-{st.session_state['canvas_round']}")
    if st.button("Clear"):
        st.session_state["canvas_round"] += 1  # a new key is a new, empty canvas
        st.rerun()
    kinds = ["png", "jpg", "jpeg", "gif", "bmp", "webp", "tif", "tiff"]
    upload = st.file_uploader("...or upload a photo of a digit", type=kinds)

image = upload.getvalue() if upload is not None else drawing
with result:
    if image is None:
        st.info("Draw a digit on the canvas, or upload a photo of one.")
        st.stop()
    try:
        pixels = preprocess(image)
    except BlankImageError as error:
        st.info(f"{error}")
        st.stop()
    except ImageReadError as error:
        st.error(f"That file could not be used: {error}")
        st.stop()
    probabilities = predictor.probabilities(pixels)
    digit = int(probabilities.argmax())
    seen, answer = st.columns(2)
    seen.image(ui.big_digit(pixels), caption="What the model sees (28x28)", output_format="PNG")
    answer.metric("Prediction", digit)
    alternatives = " · ".join(f"{d}: {p:.1%}" for d, p in explain.top_k(probabilities, 3))
    answer.caption(f"Top 3: {alternatives} · model: {entry.name}")
    st.vega_lite_chart(
        bar_spec(list(range(10)), probabilities.round(4).tolist(), "digit", "probability", highlight=digit),
        width="stretch",
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
        explain.attribution_overlay(pixels, explain.integrated_gradients(model, pixels, target)),
        caption=f"Red pixels push towards {target}, blue pixels push away (integrated gradients)",
        width=280,
        output_format="PNG",
    )
with inside:
    if explain.first_conv(model) is not None:
        st.image(
            image_grid(explain.diverging(explain.conv_filters(model)), columns=8, scale=6),
            caption="First-layer filters (red: positive weights, blue: negative)",
            width=400,
            output_format="PNG",
        )
        st.image(
            image_grid(explain.feature_maps(model, pixels), columns=8, scale=2),
            caption="What each filter sees in your drawing (its feature map)",
            width=400,
            output_format="PNG",
        )
    elif entry.meta.get("architecture") == "softmax":
        st.image(
            image_grid(explain.diverging(explain.softmax_weight_images(model)), columns=5, scale=3),
            caption="Weights per digit 0-9: red pixels are evidence for the digit, blue against",
            width=400,
            output_format="PNG",
        )
    else:
        st.caption("Filter and weight pictures exist for the convnets and for softmax regression.")

st.subheader("Wrong? Teach it")
with st.form("teach", clear_on_submit=True):
    label = st.selectbox("This digit is really a", range(10), index=digit, key="true_digit")
    if st.form_submit_button("Save to my drawings"):
        workspace = ui.workspace()
        try:
            save_drawing(pixels, label, image, workspace.root, workspace.drawing_quota)
        except ValueError as error:
            st.error(str(error))
        else:
            st.success(f"Saved as a {label}. Fine-tune the model on your drawings on the My drawings page.")
