"""Glossary: the words the other pages use, each in a sentence or two."""

import streamlit as st

from digitlab.language import _
from ui.words import GLOSSARY

st.title(_("Glossary"))
st.write(_("The words DigitLab uses, in plain language. The other pages link here."))
for term, meaning in GLOSSARY.items():
    st.markdown(_("**{term}**: {meaning}").format(term=_(term), meaning=_(meaning)))
