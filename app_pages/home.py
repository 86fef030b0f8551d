"""Home: what DigitLab is, the models, where to go."""

import streamlit as st

import ui
from digitlab.models import ARCHITECTURES

st.title("DigitLab")
st.write(
    "Learn how a neural network reads handwriting. Train a model on MNIST while its loss falls "
    "live, browse the digits it learns from, study the ones it gets wrong, and draw your own."
)

st.subheader("Start here")
left, right = st.columns(2)
left.page_link("app_pages/draw.py", label="Draw a digit and see what the model thinks", icon=":material/draw:")
left.page_link("app_pages/train.py", label="Train a model and watch it learn", icon=":material/model_training:")
left.page_link("app_pages/dataset.py", label="Browse the 70,000 MNIST digits", icon=":material/grid_view:")
left.page_link("app_pages/mistakes.py", label="Study the digits a model gets wrong", icon=":material/error:")
right.page_link("app_pages/map.py", label="See how the model arranges what it has seen", icon=":material/scatter_plot:")
right.page_link("app_pages/drawings.py", label="Teach it your own handwriting", icon=":material/school:")
right.page_link("app_pages/models.py", label="Compare, download and manage saved models", icon=":material/inventory_2:")

st.subheader("Architectures")
st.dataframe(
    [
        {"name": name, "what": arch.description, "tutorial accuracy": f"{arch.published_accuracy:.1%}"}
        for name, arch in ARCHITECTURES.items()
    ],
    hide_index=True,
    width="stretch",
)
saved = ui.usable_models()
st.caption(f"{len(saved)} saved model(s) ready; the active one is picked in the sidebar.")
