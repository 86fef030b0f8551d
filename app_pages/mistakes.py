"""Mistakes: where the active model goes wrong on the 10,000 test digits."""

import numpy as np
import streamlit as st

from digitlab.learn.plots import bar_spec, confusion_spec, image_grid, scale_each, tinted
from ui import caches, explain_it, picker, widgets

PER_PAGE = 40

st.title("Mistakes")
st.write(
    "Every test digit the active model gets wrong, the most confident mistakes first. "
    "Pick a cell of the confusion matrix, or the filters, to narrow them down."
)

explain_it.explain("mistakes", "reading the confusion matrix")

entry = picker.active_model()
data = caches.dataset()
result = caches.evaluation_for(entry)

a, b, c = st.columns(3)
a.metric("Model", entry.name)
b.metric("Test accuracy", f"{result.accuracy:.2%}")
c.metric("Mistakes", f"{int((result.predictions != result.labels).sum())} of {len(result.labels):,}")

matrix, per_class = st.columns(2)
with matrix:
    st.subheader("Confusion matrix")
    event = st.vega_lite_chart(confusion_spec(result.confusion), on_select="rerun", key="confusion")
    picked = (event.selection.get("cell") or [{}])[0] if event else {}
    st.caption(
        "Rows: the true digit. Columns: the model's answer. The diagonal (green): read right; "
        "every other cell: how often one digit was read as another."
    )
with per_class:
    st.subheader("Mistakes per digit")
    wrong = (100 * (1 - result.per_class_accuracy)).round(2).tolist()
    st.vega_lite_chart(
        bar_spec(list(range(10)), wrong, "digit", "% of that digit read wrong"),
        width="stretch",
        alt="Bars per digit 0 to 9: the share of its test images the model reads wrong, "
        + ", ".join(f"{d}: {w:.1f}%" for d, w in enumerate(wrong)),
    )
    worst = int(np.argmax(wrong))
    st.caption(f"The hardest digit for this model is {worst}: {wrong[worst]:.1f}% of the test {worst}s read wrong.")

st.subheader("The gallery of mistakes")
choices = ["any", *range(10)]
if picked and picked != st.session_state.get("picked_cell"):  # a new cell was clicked: filter by it
    st.session_state["picked_cell"] = picked
    st.session_state["true"], st.session_state["predicted"] = int(picked["true"]), int(picked["predicted"])
f1, f2, f3 = st.columns(3)
true = f1.selectbox("True digit", choices, key="true")
predicted = f2.selectbox("Predicted digit", choices, key="predicted")
order = f3.selectbox("Order", ["most confident first", "least confident first"])
mistakes = result.mistakes(true=None if true == "any" else true, predicted=None if predicted == "any" else predicted)
if order.startswith("least"):
    mistakes = mistakes[::-1]

if len(mistakes) == 0:
    st.success("No mistakes with these filters.")
else:
    pages = -(-len(mistakes) // PER_PAGE)
    page = st.number_input(f"Page (of {pages})", min_value=1, max_value=pages, value=1)
    shown = mistakes[(page - 1) * PER_PAGE : page * PER_PAGE]
    captions = [f"#{i}: {result.labels[i]}→{result.predictions[i]} ({result.confidence[i]:.0%})" for i in shown]
    st.image(
        [widgets.big_digit(data.x_test[i], 84) for i in shown],
        caption=captions,
        width=84,
        output_format="PNG",
        alt=[
            f"A {result.labels[i]} the model read as {result.predictions[i]}, {result.confidence[i]:.0%} sure"
            for i in shown
        ],
    )

    st.subheader("What the model thought")
    chosen = st.selectbox("Test digit", shown, format_func=lambda i: captions[list(shown).index(i)])
    left, right = st.columns([1, 3])
    left.image(
        widgets.big_digit(data.x_test[chosen]),
        caption=f"true {result.labels[chosen]}",
        output_format="PNG",
        alt=f"A {result.labels[chosen]} the model read as {result.predictions[chosen]}",
    )
    right.vega_lite_chart(
        bar_spec(
            list(range(10)),
            result.probabilities[chosen].round(4).tolist(),
            "digit",
            "probability",
            highlight=int(result.predictions[chosen]),
        ),
        width="stretch",
    )

st.subheader("Right and wrong at a glance")
n = st.slider("First N test digits", 100, 1000, 300, step=100)
correct = result.predictions[:n] == result.labels[:n]
st.image(
    image_grid(tinted(data.x_test[:n], correct), columns=25, pad=1, scale=2),
    caption=f"Blue: right. Orange in a frame: wrong ({(~correct).sum()} wrong of {n}).",
    output_format="PNG",
    alt=f"The first {n} test digits: {correct.sum()} read right, {(~correct).sum()} wrong",
)

st.subheader("What the model thinks each digit looks like")
if st.toggle("Show them (a few seconds the first time, for each model)", key="dreams"):
    st.image(
        image_grid(scale_each(caches.dreams_for(entry)) * 255, columns=10, pad=2, scale=3),
        caption="For each digit 0-9, the picture this model finds most like it, grown from faint noise.",
        output_format="PNG",
        alt="Ten blurry pictures, one per digit 0 to 9: what the model looks for in each",
    )
explain_it.explain("dreams", "how these pictures are made")
