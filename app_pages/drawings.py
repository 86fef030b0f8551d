"""My drawings: the digits the user saved, and fine-tuning the active model on them."""

import streamlit as st

import ui
from digitlab import store
from digitlab.drawings import as_arrays, delete_drawing, list_drawings
from digitlab.finetune import fine_tune

st.title("My drawings")
st.write(
    "The drawings you corrected on the Draw page. Fine-tune the active model on them: they are "
    "mixed with MNIST digits so the model keeps what it knew."
)

drawings = list_drawings()
if not drawings:
    st.info("No drawings yet: draw a digit, and when the model is wrong, save it with its true label.")
    st.stop()

st.image(
    [ui.big_digit(d.pixels, 84) for d in drawings],
    caption=[f"{d.label} · {d.id}" for d in drawings],
    width=84,
    output_format="PNG",
)
left, right = st.columns(2)
with left:
    doomed = st.selectbox("Drawing", [d.id for d in drawings], key="doomed")
    if st.button("Delete this drawing", key="delete_drawing"):
        delete_drawing(doomed)
        st.rerun()

with right:
    entry = ui.active_model()
    if entry is None:
        st.info("Train a model first.")
        st.stop()
    epochs = st.number_input("Fine-tuning epochs", min_value=1, max_value=10, value=2, key="tune_epochs")
    if st.button(f"Fine-tune {entry.name} on {len(drawings)} drawing(s)", type="primary", key="tune"):
        with st.spinner("Fine-tuning..."):
            x, y = as_arrays(drawings)
            result = fine_tune(ui.predictor_for(entry).model, x, y, ui.dataset(), epochs=int(epochs))
            meta = {
                **entry.meta,
                "fine_tuned_from": entry.name,
                "test_accuracy": result.test_after,
                "drawings_accuracy": result.drawings_after,
            }
            name = store.save_model(result.model, f"{entry.name}-tuned", meta)
        st.session_state["tuning"] = (name, result)
    if "tuning" in st.session_state:
        name, result = st.session_state["tuning"]
        st.success(f"Saved as **{name}** (pick it in the sidebar).")
        st.dataframe(
            [
                {
                    "accuracy on": "MNIST test set",
                    "before": f"{result.test_before:.2%}",
                    "after": f"{result.test_after:.2%}",
                },
                {
                    "accuracy on": "your drawings",
                    "before": f"{result.drawings_before:.2%}",
                    "after": f"{result.drawings_after:.2%}",
                },
            ],
            hide_index=True,
        )
