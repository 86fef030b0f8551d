"""Mistakes: where the active model goes wrong on the 10,000 test digits."""

import numpy as np
import streamlit as st

from digitlab import language
from digitlab.language import N_, _
from digitlab.learn.plots import bar_spec, confusion_spec, image_grid, scale_each, tinted
from ui import caches, explain_it, picker, widgets

PER_PAGE = 40
ORDERS = {"most": N_("most confident first"), "least": N_("least confident first")}

st.title(_("Mistakes"))
st.write(
    _(
        "Every test digit the active model gets wrong, the most confident mistakes first. "
        "Pick a cell of the confusion matrix, or the filters, to narrow them down."
    )
)

explain_it.explain("mistakes", N_("reading the confusion matrix"))

entry = picker.active_model()
data = caches.dataset()
result = caches.evaluation_for(entry)

a, b, c = st.columns(3)
a.metric(_("Model"), entry.name)
b.metric(_("Test accuracy"), language.percent(result.accuracy, 2))
c.metric(
    _("Mistakes"),
    _("{count} of {total}").format(
        count=language.number(int((result.predictions != result.labels).sum())),
        total=language.number(len(result.labels)),
    ),
)

matrix, per_class = st.columns(2)
with matrix:
    st.subheader(_("Confusion matrix"))
    event = st.vega_lite_chart(confusion_spec(result.confusion), on_select="rerun", key="confusion")
    picked = (event.selection.get("cell") or [{}])[0] if event else {}
    st.caption(
        _(
            "Rows: the true digit. Columns: the model's answer. The diagonal (green): read right; "
            "every other cell: how often one digit was read as another."
        )
    )
with per_class:
    st.subheader(_("Mistakes per digit"))
    wrong = (100 * (1 - result.per_class_accuracy)).round(2).tolist()
    st.vega_lite_chart(
        bar_spec(list(range(10)), wrong, _("digit"), _("% of that digit read wrong")),
        width="stretch",
        alt=_("Bars per digit 0 to 9: the share of its test images the model reads wrong, {shares}").format(
            shares=", ".join(f"{d}: {language.percent(w / 100)}" for d, w in enumerate(wrong))
        ),
    )
    worst = int(np.argmax(wrong))
    st.caption(
        _("The hardest digit for this model is {digit}: {share} of the test {digit}s read wrong.").format(
            digit=worst, share=language.percent(wrong[worst] / 100)
        )
    )

st.subheader(_("The gallery of mistakes"))
choices = ["any", *range(10)]
if picked and picked != st.session_state.get("picked_cell"):  # a new cell was clicked: filter by it
    st.session_state["picked_cell"] = picked
    st.session_state["true"], st.session_state["predicted"] = int(picked["true"]), int(picked["predicted"])
f1, f2, f3 = st.columns(3)


def digit_or_any(choice: int | str) -> str:
    return _("any") if choice == "any" else str(choice)


true = f1.selectbox(_("True digit"), choices, key="true", format_func=digit_or_any)
predicted = f2.selectbox(_("Predicted digit"), choices, key="predicted", format_func=digit_or_any)
order = f3.selectbox(_("Order"), list(ORDERS), format_func=lambda option: _(ORDERS[option]))
mistakes = result.mistakes(true=None if true == "any" else true, predicted=None if predicted == "any" else predicted)
if order == "least":
    mistakes = mistakes[::-1]

if len(mistakes) == 0:
    st.success(_("No mistakes with these filters."))
else:
    pages = -(-len(mistakes) // PER_PAGE)
    page = st.number_input(
        _("Page (of {pages})").format(pages=language.number(pages)), min_value=1, max_value=pages, value=1
    )
    shown = mistakes[(page - 1) * PER_PAGE : page * PER_PAGE]
    captions = [
        f"#{i}: {result.labels[i]}→{result.predictions[i]} ({language.percent(result.confidence[i], 0)})" for i in shown
    ]
    st.image(
        [widgets.big_digit(data.x_test[i], 84) for i in shown],
        caption=captions,
        width=84,
        output_format="PNG",
        alt=[
            _("A {true} the model read as {answer}, {sure} sure").format(
                true=result.labels[i], answer=result.predictions[i], sure=language.percent(result.confidence[i], 0)
            )
            for i in shown
        ],
    )

    st.subheader(_("What the model thought"))
    chosen = st.selectbox(_("Test digit"), shown, format_func=lambda i: captions[list(shown).index(i)])
    left, right = st.columns([1, 3])
    left.image(
        widgets.big_digit(data.x_test[chosen]),
        caption=_("true {digit}").format(digit=result.labels[chosen]),
        output_format="PNG",
        alt=_("A {true} the model read as {answer}").format(
            true=result.labels[chosen], answer=result.predictions[chosen]
        ),
    )
    right.vega_lite_chart(
        bar_spec(
            list(range(10)),
            result.probabilities[chosen].round(4).tolist(),
            _("digit"),
            _("probability"),
            highlight=int(result.predictions[chosen]),
        ),
        width="stretch",
    )

st.subheader(_("Right and wrong at a glance"))
n = st.slider(_("First N test digits"), 100, 1000, 300, step=100)
correct = result.predictions[:n] == result.labels[:n]
st.image(
    image_grid(tinted(data.x_test[:n], correct), columns=25, pad=1, scale=2),
    caption=_("Blue: right. Orange in a frame: wrong ({wrong} wrong of {count}).").format(
        wrong=language.number((~correct).sum()), count=language.number(n)
    ),
    output_format="PNG",
    alt=_("The first {count} test digits: {right} read right, {wrong} wrong").format(
        count=language.number(n), right=language.number(correct.sum()), wrong=language.number((~correct).sum())
    ),
)

st.subheader(_("What the model thinks each digit looks like"))
if st.toggle(_("Show them (a few seconds the first time, for each model)"), key="dreams"):
    st.image(
        image_grid(scale_each(caches.dreams_for(entry)) * 255, columns=10, pad=2, scale=3),
        caption=_("For each digit 0-9, the picture this model finds most like it, grown from faint noise."),
        output_format="PNG",
        alt=_("Ten blurry pictures, one per digit 0 to 9: what the model looks for in each"),
    )
explain_it.explain("dreams", N_("how these pictures are made"))
