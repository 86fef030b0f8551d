"""The "Explain it to me" expanders: a few plain sentences and, where it helps, a picture."""

from __future__ import annotations

import streamlit as st

from digitlab import language
from digitlab.language import _
from digitlab.learn.explain import diverging
from digitlab.learn.explain_it import VERTICAL_STROKE, descent_on_a_bowl, feature_map
from digitlab.learn.plots import image_grid
from ui import widgets
from ui.caches import dataset
from ui.pages import GLOSSARY_PAGE
from ui.words import LESSONS

RATES = [0.05, 0.4, 1.05]  # crawls, good, too big


def glossary_link() -> None:
    st.page_link(GLOSSARY_PAGE, label=_("More words in the glossary"), icon=":material/menu_book:")


def rate_words(rate: float) -> str:
    """A learning rate in a sentence, as the language writes it, with the decimals it has: 0.05, 0.4, 1.05."""
    return language.number(rate, len(repr(rate).partition(".")[2].rstrip("0")))


def learning_rate_spec() -> dict:
    """Loss over steps for three learning rates on loss(w) = w², the too-big one leaving the chart."""
    return {
        "data": {"values": descent_on_a_bowl(RATES, steps=12)},
        "mark": {"type": "line", "point": True, "clip": True, "tooltip": True},
        "encoding": {
            "x": {"field": "step", "type": "quantitative", "title": _("corrections (steps)")},
            "y": {"field": "loss", "type": "quantitative", "title": _("loss"), "scale": {"domain": [0, 1.5]}},
            "color": {"field": "learning rate", "type": "nominal", "title": _("learning rate")},  # the field: data
        },
        "height": 200,
    }


def explain_batches() -> None:
    with st.expander(_("Explain it to me: batches, epochs, the learning rate")):
        st.markdown(_(LESSONS["batches"]))
        batch = dataset().x_train[:16]
        st.image(
            image_grid(batch, columns=16, scale=2),
            caption=_("A batch of 16 training digits: the network guesses all of them, then corrects itself once."),
            output_format="PNG",
            alt=_("Sixteen handwritten training digits in a row: {labels}").format(
                labels=", ".join(str(d) for d in dataset().y_train[:16])
            ),
        )
        st.vega_lite_chart(learning_rate_spec(), width="stretch")
        st.caption(
            _(
                "The same simple loss corrected with three learning rates: {small} crawls down, {good} "
                "gets there in a few steps, {big} overshoots further at every step and the loss grows."
            ).format(small=rate_words(RATES[0]), good=rate_words(RATES[1]), big=rate_words(RATES[2]))
        )
        glossary_link()


def explain_convolution() -> None:
    with st.expander(_("Explain it to me: filters and feature maps")):
        st.markdown(_(LESSONS["convolution"]))
        digit = dataset().x_test[2]  # a 1: one tall vertical stroke
        left, middle, right = st.columns(3)
        left.image(
            widgets.big_digit(digit, 140),
            caption=_("A digit"),
            width=140,
            output_format="PNG",
            alt=_("A handwritten 1"),
        )
        middle.image(
            image_grid(diverging(VERTICAL_STROKE[None]), columns=1, scale=28, pad=0),
            caption=_("A 5x5 filter for upright strokes (red: positive weights, blue: negative)"),
            width=140,
            output_format="PNG",
            alt=_("A five by five filter: a red middle column between blue columns"),
        )
        right.image(
            widgets.big_digit(255 * feature_map(digit), 140),
            caption=_("Its feature map: bright where the digit has an upright stroke"),
            width=140,
            output_format="PNG",
            alt=_("The 1 as the filter sees it: its upright stroke bright, the rest dark"),
        )
        glossary_link()


def explain(topic: str, title: str) -> None:
    """An expander with one of the plain lessons in words (ui/words.py's LESSONS).

    `title` is an English message the caller marks, N_("what the map shows"): it is translated here."""
    with st.expander(_("Explain it to me: {title}").format(title=_(title))):
        st.markdown(_(LESSONS[topic]))
        glossary_link()
