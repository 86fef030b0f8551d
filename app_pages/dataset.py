"""Dataset: browse MNIST by split and class; counts, mean digits, pixel statistics; styles beyond MNIST."""

import numpy as np
import streamlit as st

from digitlab import language
from digitlab.language import N_, _, ngettext
from digitlab.learn.plots import bar_spec, image_grid, tinted
from digitlab.learn.styles import accuracy_by_variant
from ui import caches, picker, widgets

PER_PAGE = 100
SPLITS = {"train": N_("train"), "validation": N_("validation"), "test": N_("test")}  # the split's value: its name
SPLIT_IMAGES = {"train": N_("train images"), "validation": N_("validation images"), "test": N_("test images")}

st.title(_("Dataset"))
st.write(
    _(
        "MNIST: {train} training and {test} test digits, 28x28 grey pixels, white ink on black. "
        "The last {validation} training digits are held out for validation."
    ).format(train=language.number(60_000), test=language.number(10_000), validation=language.number(5_000))
)

data = caches.dataset()
a, b, c = st.columns(3)
split = a.selectbox(_("Split"), list(SPLITS), key="split", format_func=lambda split: _(SPLITS[split]))
digit = b.selectbox(
    _("Class"), ["all", *range(10)], key="digit", format_func=lambda digit: _("all") if digit == "all" else str(digit)
)
images, labels = data.split(split)
indices = np.arange(len(labels)) if digit == "all" else np.flatnonzero(labels == digit)
pages = max(1, -(-len(indices) // PER_PAGE))
page = c.number_input(
    _("Page (of {count})").format(count=language.number(pages)), min_value=1, max_value=pages, value=1
)
shown = indices[(page - 1) * PER_PAGE : page * PER_PAGE]

grid, detail = st.columns([3, 2])
grid.image(
    image_grid(images[shown], columns=10, scale=2),
    caption=ngettext("{count} digit; showing {shown}", "{count} digits; showing {shown}", len(indices)).format(
        count=language.number(len(indices)), shown=language.number(len(shown))
    ),
    output_format="PNG",
    alt=ngettext(
        "A grid of {count} {split} digit, labelled {labels}",
        "A grid of {count} {split} digits, labelled {labels}",
        len(shown),
    ).format(count=language.number(len(shown)), split=_(SPLITS[split]), labels=" ".join(str(v) for v in labels[shown])),
)
with detail:
    pick = st.number_input(
        _("Show digit #"),
        key=f"pick-{split}-{digit}-{page}",
        min_value=0,
        max_value=len(labels) - 1,
        value=int(shown[0]) if len(shown) else 0,
    )
    st.image(
        widgets.big_digit(images[pick], 224),
        caption=_("{split} #{number}: label {label}").format(split=_(SPLITS[split]), number=pick, label=labels[pick]),
        output_format="PNG",
        alt=_("{split} digit number {number}, a handwritten {label}, enlarged").format(
            split=_(SPLITS[split]), number=pick, label=labels[pick]
        ),
    )

summary = caches.split_summary(split)
st.subheader(_("Class counts"))
st.vega_lite_chart(
    bar_spec(list(range(10)), summary.counts.tolist(), _("digit"), _(SPLIT_IMAGES[split])), width="stretch"
)

st.subheader(_("The mean digit of each class"))
st.image(
    image_grid(summary.class_means, columns=10, scale=3),
    caption=_("0 to 9: the average of every image of that class"),
    output_format="PNG",
    alt=_("Ten blurred digits, 0 to 9: each the average of every image of that digit"),
)

st.subheader(_("Pixel statistics"))
m, s, z = st.columns(3)
m.metric(_("Mean pixel (0-1)"), language.number(summary.mean, 4))
s.metric(_("Standard deviation"), language.number(summary.std, 4))
z.metric(_("Ink pixels (> 0.5)"), language.percent(summary.ink_fraction))
st.caption(
    _(
        "On the training set these are {mean} and {std}: models that standardize their input "
        "(the `mlp`) subtract {mean} and divide by {std} in their first layer."
    ).format(mean=language.number(0.1307, 4), std=language.number(0.3081, 4))
)

st.subheader(_("Beyond MNIST"))
st.write(
    _(
        "MNIST's writers were US Census staff and students. These digits are drawn by code in styles "
        "they rarely used (a continental 1, a crossed 7, an open 4, ...), by writers with their own "
        "slant and pen, some as small low-resolution scans. No model trained on these very digits (the "
        "shipped default trained on others drawn the same ways). Each row: one style, as the model sees "
        "it after preprocessing: blue where the active model reads it right, orange in a frame where not."
    )
)
entry = picker.active_model()
styles, pixels = caches.cached_style_set()
predictions = caches.predictor_for(entry).probabilities(pixels).argmax(axis=1)
by_variant = accuracy_by_variant(predictions, styles)
first = np.concatenate([np.flatnonzero(styles.variants == name)[:10] for name in by_variant])
grid, table = st.columns([3, 2])
grid.image(
    image_grid(tinted(pixels[first], predictions[first] == styles.labels[first]), columns=10, scale=2),
    output_format="PNG",
    caption=_("Blue: read right. Orange in a frame: read wrong."),
    alt=_("Style digits, ten per style; the model read {right} of these {count} right").format(
        right=language.number(int((predictions[first] == styles.labels[first]).sum())),
        count=language.number(len(first)),
    ),
)
table.dataframe(
    # the style's name: marked N_ where the styles are defined, or shown as it is
    [{_("style"): _(name), _("read right"): language.percent(share, 0)} for name, share in by_variant.items()],
    hide_index=True,
    width="stretch",
)
table.caption(
    _(
        "Model {name}: {share} of all {count} style digits read right. Pick another model in the sidebar to compare."
    ).format(
        name=entry.name,
        share=language.percent(float(np.mean(predictions == styles.labels))),
        count=language.number(len(predictions)),
    )
)
