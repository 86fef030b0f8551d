"""Home: what DigitLab is, the models, where to go."""

import streamlit as st

from digitlab.learn.architectures import ARCHITECTURES
from ui import picker
from ui.pages import PAGES

st.title("DigitLab")
st.write(
    "Learn how a neural network reads handwriting. Train a model on MNIST while its loss falls "
    "live, browse the digits it learns from, study the ones it gets wrong, and draw your own."
)

st.subheader("Start here")
links = [p for p in PAGES if p.invitation]
columns = st.columns(2)
for i, p in enumerate(links):
    columns[i * 2 // len(links)].page_link(p.file, label=p.invitation, icon=p.icon)  # first half left

st.subheader("The networks you can train")
for name, arch in ARCHITECTURES.items():
    st.markdown(
        f"**{arch.title}** ({name}): {arch.plain} MNIST's tutorial for it reached {arch.published_accuracy:.1%} right.",
        help=f"In the field's own words: {arch.description}.",
    )
saved = picker.usable_models()
st.caption(f"{len(saved)} saved model(s) ready; the active one is picked in the sidebar.")
