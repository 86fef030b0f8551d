"""Models: the saved models side by side; rename and delete."""

import streamlit as st

from digitlab import store
from digitlab.plots import line_spec

st.title("Models")
st.write(
    "Every saved model with how it was trained and how well it does. The shipped default "
    "model cannot be renamed or deleted."
)

if "models_flash" in st.session_state:
    st.success(st.session_state.pop("models_flash"))
entries = store.list_models()
if not entries:
    st.info("Train a model first.")
    st.stop()

st.dataframe(
    [
        {
            "name": e.name,
            "architecture": e.meta.get("architecture", "?"),
            "parameters": e.meta.get("params"),
            "epochs": e.meta.get("epochs_completed"),
            "train s": e.meta.get("train_seconds"),
            "test accuracy": round(e.test_accuracy, 4) if e.ok else None,
            "created": e.meta.get("created", "")[:19],
            "status": "ok" if e.ok else f"broken: {e.error}",
        }
        for e in entries
    ],
    hide_index=True,
    width="stretch",
)

st.subheader("Training curves")
metric = st.radio("Metric", ["val_accuracy", "accuracy", "val_loss", "loss"], horizontal=True)
rows = [
    {"epoch": i + 1, "model": e.name, metric: value}
    for e in entries
    if e.ok
    for i, value in enumerate(e.meta.get("history", {}).get(metric, []))
]
if rows:
    st.vega_lite_chart(line_spec(rows, "epoch", metric, "model"), width="stretch")
else:
    st.caption("No recorded history for this metric.")

st.subheader("Rename or delete")
editable = [e.name for e in entries if not e.builtin]
if not editable:
    st.caption("Only the shipped default model so far.")
    st.stop()
name = st.selectbox("Model", editable)
new_name = st.text_input("New name", key="new_name")
rename, delete = st.columns(2)
if rename.button("Rename", disabled=not new_name, key="rename"):
    try:
        st.session_state["models_flash"] = f"Renamed {name} to {store.rename_model(name, new_name)}."
        st.rerun()
    except store.StoreError as error:
        st.error(str(error))
confirm = delete.checkbox(f"Yes, delete {name}", key="confirm")
if delete.button("Delete", type="primary", disabled=not confirm, key="delete"):
    store.delete_model(name)
    st.session_state["models_flash"] = f"Deleted {name}."
    st.rerun()
