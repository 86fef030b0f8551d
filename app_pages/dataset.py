"""Dataset: browse MNIST by split and class; counts, mean digits, pixel statistics; styles beyond MNIST."""

import numpy as np
import streamlit as st

from digitlab.learn.plots import bar_spec, image_grid, tinted
from digitlab.learn.styles import accuracy_by_variant
from ui import caches, picker, widgets

PER_PAGE = 100

st.title("Dataset")
st.write(
    "MNIST: 60,000 training and 10,000 test digits, 28x28 grey pixels, white ink on black. "
    "The last 5,000 training digits are held out for validation."
)

data = caches.dataset()
a, b, c = st.columns(3)
split = a.selectbox("Split", ["train", "validation", "test"], key="split")
digit = b.selectbox("Class", ["all", *range(10)], key="digit")
images, labels = data.split(split)
indices = np.arange(len(labels)) if digit == "all" else np.flatnonzero(labels == digit)
pages = max(1, -(-len(indices) // PER_PAGE))
page = c.number_input(f"Page (of {pages})", min_value=1, max_value=pages, value=1)
shown = indices[(page - 1) * PER_PAGE : page * PER_PAGE]

grid, detail = st.columns([3, 2])
grid.image(
    image_grid(images[shown], columns=10, scale=2),
    caption=f"{len(indices):,} digits; showing {len(shown)}",
    output_format="PNG",
    alt=f"A grid of {len(shown)} {split} digits, labelled " + " ".join(str(v) for v in labels[shown]),
)
with detail:
    pick = st.number_input(
        "Show digit #",
        key=f"pick-{split}-{digit}-{page}",
        min_value=0,
        max_value=len(labels) - 1,
        value=int(shown[0]) if len(shown) else 0,
    )
    st.image(
        widgets.big_digit(images[pick], 224),
        caption=f"{split} #{pick}: label {labels[pick]}",
        output_format="PNG",
        alt=f"{split} digit number {pick}, a handwritten {labels[pick]}, enlarged",
    )

summary = caches.split_summary(split)
st.subheader("Class counts")
st.vega_lite_chart(bar_spec(list(range(10)), summary.counts.tolist(), "digit", f"{split} images"), width="stretch")

st.subheader("The mean digit of each class")
st.image(
    image_grid(summary.class_means, columns=10, scale=3),
    caption="0 to 9: the average of every image of that class",
    output_format="PNG",
    alt="Ten blurred digits, 0 to 9: each the average of every image of that digit",
)

st.subheader("Pixel statistics")
m, s, z = st.columns(3)
m.metric("Mean pixel (0-1)", f"{summary.mean:.4f}")
s.metric("Standard deviation", f"{summary.std:.4f}")
z.metric("Ink pixels (> 0.5)", f"{summary.ink_fraction:.1%}")
st.caption(
    "On the training set these are 0.1307 and 0.3081: models that standardize their input "
    "(the `mlp`) subtract 0.1307 and divide by 0.3081 in their first layer."
)

st.subheader("Beyond MNIST")
st.write(
    "MNIST's writers were US Census staff and students. These digits are drawn by code in styles "
    "they rarely used (a continental 1, a crossed 7, an open 4, ...), by writers with their own "
    "slant and pen, some as small low-resolution scans. No model trained on these very digits (the "
    "shipped default trained on others drawn the same ways). Each row: one style, as the model sees "
    "it after preprocessing: blue where the active model reads it right, orange in a frame where not."
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
    caption="Blue: read right. Orange in a frame: read wrong.",
    alt=f"Style digits, ten per style; the model read {int((predictions[first] == styles.labels[first]).sum())} "
    f"of these {len(first)} right",
)
table.dataframe(
    [{"style": name, "read right": f"{share:.0%}"} for name, share in by_variant.items()],
    hide_index=True,
    width="stretch",
)
table.caption(
    f"Model {entry.name}: {np.mean(predictions == styles.labels):.1%} of all {len(predictions)} style digits "
    "read right. Pick another model in the sidebar to compare."
)
