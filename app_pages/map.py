"""Map: how the active model arranges 5,000 test digits, and where your drawing falls among them."""

import streamlit as st

from digitlab import language
from digitlab.language import N_, _, ngettext
from digitlab.learn.embedding import activations, nearest_centroid_accuracy
from digitlab.learn.plots import bar_spec, map_spec
from ui import caches, explain_it, keys, picker, screen, widgets

st.title(_("Map"))
st.write(
    _(
        "Each point is a test digit, placed by what the model's last hidden layer makes of it, reduced "
        "to its two main directions (PCA): digits the model finds alike lie close together. Crosses are "
        "its mistakes; each digit's number sits in the middle of its points. Hover over a point (or tap it "
        "on a phone or tablet) to see the digit; click or tap it to look closer. Your latest drawing from "
        "the Draw page is the gold star."
    )
)

# Tooltip pictures are sent at 28x28: show them three times larger, with square pixels.
st.html("<style>#vg-tooltip-element img { width: 84px; height: 84px; image-rendering: pixelated; }</style>")

entry = picker.active_model()
extractor, digit_map, rows = caches.map_for(entry)

star = None
drawing = st.session_state.get(keys.DRAWING)
if drawing is not None:
    features, probabilities = activations(extractor, drawing[None])
    x, y = digit_map.place(features)[0]
    label = _("read as {digit} ({sure})").format(
        digit=probabilities[0].argmax(), sure=language.percent(probabilities[0].max(), 0)
    )
    star = {"x": float(x), "y": float(y), "label": label}


@st.fragment  # a click on a point redraws the map and its detail, not the whole page
def show_map(name: str, digit_map, rows: list[dict], star: dict | None) -> None:
    chart, detail = st.columns([3, 1])
    with chart:
        event = st.vega_lite_chart(map_spec(rows, star), on_select="rerun", key="map", width="stretch")
        separation = nearest_centroid_accuracy(digit_map.points, digit_map.labels)
        mistakes = int((digit_map.predictions != digit_map.labels).sum())
        st.caption(
            ngettext(
                "Model {name}: {digits} test digits, {count} mistake. On this flat map alone, the nearest digit "
                "center is right for {share} of them.",
                "Model {name}: {digits} test digits, {count} mistakes. On this flat map alone, the nearest digit "
                "center is right for {share} of them.",
                mistakes,
            ).format(
                name=name,
                digits=language.number(len(rows)),
                count=language.number(mistakes),
                share=language.percent(separation, 0),
            )
        )
    with detail.container(key="map-detail"):
        picked = (event.selection.get("pick") or [{}])[0] if event else {}
        if "index" not in picked:
            st.info(_("Click or tap a point to see it large with its probabilities."))
            if star is None:
                st.caption(_("Draw a digit on the Draw page to see where it lands."))
            return
        index = int(picked["index"])
        screen.scroll_into_view("map-detail", hidden_only=True)  # on a phone it is under the map
        images = caches.dataset().split("test")[0]
        st.image(
            widgets.big_digit(images[index]),
            caption=_("Test digit #{index}").format(index=index),
            output_format="PNG",
            alt=_("Test digit number {index}, enlarged").format(index=index),
        )
        answer = int(digit_map.predictions[index])
        st.markdown(_("True **{true}**, read as **{answer}**").format(true=digit_map.labels[index], answer=answer))
        probabilities = digit_map.probabilities[index]
        st.vega_lite_chart(
            bar_spec(list(range(10)), probabilities.round(4).tolist(), _("digit"), _("probability"), highlight=answer),
            width="stretch",
        )


show_map(entry.name, digit_map, rows, star)
explain_it.explain("map", N_("what the map shows"))
