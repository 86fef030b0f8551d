"""Glossary: the words the other pages use, each in a sentence or two."""

import streamlit as st

from ui.words import GLOSSARY

st.title("Glossary")
st.write("The words DigitLab uses, in plain language. The other pages link here.")
for term, meaning in GLOSSARY.items():
    st.markdown(f"**{term}**: {meaning}")
