"""Draw: a digit on the canvas (or a photo), and what the active model makes of it."""

import streamlit as st

import ui
from digitlab.plots import bar_spec
from digitlab.preprocess import BlankImageError, ImageReadError, preprocess

st.title("Draw")
st.write(
    "Draw a digit: the model answers as you draw. On the right, the 28x28 image it "
    "really receives, after the same normalization MNIST's digits went through."
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
    upload = st.file_uploader(
        "...or upload a photo of a digit", type=["png", "jpg", "jpeg", "gif", "bmp", "webp", "tif", "tiff"]
    )

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
    answer.caption(f"{probabilities[digit]:.1%} sure · model: {entry.name}")
    st.vega_lite_chart(
        bar_spec(list(range(10)), probabilities.round(4).tolist(), "digit", "probability", highlight=digit),
        width="stretch",
    )
