"""My drawings: the digits the user saved, and fine-tuning the active model on them."""

import streamlit as st

import ui
from digitlab import store
from digitlab.drawings import as_arrays, delete_drawing, list_drawings

st.title("My drawings")
st.write(
    "The drawings you corrected on the Draw page. Fine-tune the active model on them: they are "
    "mixed with MNIST digits so the model keeps what it knew."
)

workspace = ui.workspace()
drawings = list_drawings(workspace.root)
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
        delete_drawing(doomed, workspace.root)
        st.rerun()

with right:
    entry = ui.active_model()
    epochs = st.number_input("Fine-tuning epochs", min_value=1, max_value=10, value=2, key="tune_epochs")
    if st.button(f"Fine-tune {entry.name} on {len(drawings)} drawing(s)", type="primary", key="tune"):
        busy = ui.busy_job()
        if busy is not None:
            st.warning(f"Your {busy.kind} run is still {busy.state}: let it finish or cancel it first.")
        else:
            x, y = as_arrays(drawings)
            meta = {**entry.meta, "fine_tuned_from": entry.name}
            model_file = (entry.path / store.MODEL_FILE).read_bytes()
            name, quota = f"{entry.name}-tuned", workspace.model_quota
            job = ui.job_board().submit_fine_tune(model_file, meta, x, y, int(epochs), name, workspace.root, quota)
            st.session_state["fine-tune_job_id"] = job.id

    def show_tuning(drawn_phase: str) -> None:
        """The fine-tuning job: queued, running, or its before/after scores."""
        job = ui.visitor_job("fine-tune")
        status = ui.job_board().status(job)
        if status.state == "running":
            st.progress(0.5, text="Fine-tuning on a worker...")
        elif status.saved_name:
            st.success(f"Saved as **{status.saved_name}** (pick it in the sidebar).")
            st.dataframe(
                [
                    {
                        "accuracy on": "MNIST test set",
                        "before": f"{status.meta['test_before']:.2%}",
                        "after": f"{status.meta['test_accuracy']:.2%}",
                    },
                    {
                        "accuracy on": "your drawings",
                        "before": f"{status.meta['drawings_before']:.2%}",
                        "after": f"{status.meta['drawings_accuracy']:.2%}",
                    },
                ],
                hide_index=True,
            )
        ui.show_job_state(job, drawn_phase)

    job = ui.visitor_job("fine-tune")
    if job is not None:
        st.fragment(show_tuning, run_every=1.0 if job.active else None)(ui.job_phase(job))
