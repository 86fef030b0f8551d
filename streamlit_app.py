"""DigitLab: the entry point. Navigation over the pages and the shared sidebar."""

import streamlit as st

import ui

st.set_page_config(page_title="DigitLab", page_icon="✍️", layout="wide")

pages = [
    st.Page("pages/home.py", title="Home", icon="🏠", default=True),
    st.Page("pages/train.py", title="Train", icon="🏋️"),
    st.Page("pages/dataset.py", title="Dataset", icon="🗂️"),
    st.Page("pages/mistakes.py", title="Mistakes", icon="❌"),
    st.Page("pages/draw.py", title="Draw", icon="✏️"),
    st.Page("pages/models.py", title="Models", icon="📦"),
]
page = st.navigation(pages)
ui.model_picker()
job = st.session_state.get("job")
if job is not None and job.running:
    st.sidebar.info("Training in progress: see the Train page.")
page.run()
