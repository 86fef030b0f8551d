"""Home: what DigitLab is, the models, where to go."""

import streamlit as st

import ui
from digitlab.models import ARCHITECTURES

st.title("✍️ DigitLab")
st.write(
    "Learn how a neural network reads handwriting. Train a model on MNIST while its loss falls "
    "live, browse the digits it learns from, study the ones it gets wrong, and draw your own."
)

left, right = st.columns(2)
with left:
    st.subheader("Start here")
    st.page_link("pages/draw.py", label="Draw a digit and see what the model thinks", icon="✏️")
    st.page_link("pages/train.py", label="Train a model and watch it learn", icon="🏋️")
    st.page_link("pages/dataset.py", label="Browse the 70,000 MNIST digits", icon="🗂️")
    st.page_link("pages/mistakes.py", label="Study the digits a model gets wrong", icon="❌")
    st.page_link("pages/models.py", label="Compare, rename and delete saved models", icon="📦")
with right:
    st.subheader("Architectures")
    st.dataframe(
        [
            {"name": name, "what": arch.description, "tutorial accuracy": f"{arch.published_accuracy:.1%}"}
            for name, arch in ARCHITECTURES.items()
        ],
        hide_index=True,
    )
    saved = ui.usable_models()
    st.caption(f"{len(saved)} saved model(s) ready; the active one is picked in the sidebar.")
