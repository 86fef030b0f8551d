"""Home: what DigitLab is, the models, where to go."""

import streamlit as st

from digitlab import language
from digitlab.language import _, ngettext
from digitlab.learn.architectures import ARCHITECTURES
from ui import picker
from ui.pages import PAGES

st.title(_("DigitLab"))  # the name, as a language writes it (most keep it)
st.write(
    _(
        "Learn how a neural network reads handwriting. Train a model on MNIST while its loss falls "
        "live, browse the digits it learns from, study the ones it gets wrong, and draw your own."
    )
)

st.subheader(_("Start here"))
links = [p for p in PAGES if p.invitation]
columns = st.columns(2)
for i, p in enumerate(links):
    columns[i * 2 // len(links)].page_link(p.file, label=_(p.invitation), icon=p.icon)  # first half left

st.subheader(_("The networks you can train"))
for name, arch in ARCHITECTURES.items():
    st.markdown(
        _("**{title}** ({name}): {plain} MNIST's tutorial for it reached {accuracy} right.").format(
            title=_(arch.title), name=name, plain=_(arch.plain), accuracy=language.percent(arch.published_accuracy)
        ),
        help=_("In the field's own words: {description}.").format(description=_(arch.description)),
    )
saved = picker.usable_models()
st.caption(
    ngettext(
        "{count} saved model ready; the active one is picked in the sidebar.",
        "{count} saved models ready; the active one is picked in the sidebar.",
        len(saved),
    ).format(count=language.number(len(saved)))
)
