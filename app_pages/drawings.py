"""My drawings: the digits the user saved, and fine-tuning the active model on them."""

import logging

import streamlit as st

from digitlab import language
from digitlab.language import _, ngettext
from digitlab.serve import class_set, store
from digitlab.serve.drawings import as_arrays, delete_drawing, list_drawings
from ui import jobs, keys, picker, visitor, widgets

log = logging.getLogger("app_pages.drawings")  # Streamlit runs a page as __main__

st.title(_("My drawings"))
st.write(
    _(
        "The drawings you corrected on the Draw page. Fine-tune the active model on them: they are "
        "mixed with MNIST digits so the model keeps what it knew."
    )
)

workspace = visitor.workspace()
drawings = list_drawings(workspace)
given = set() if workspace.personal else class_set.given_ids(workspace)
if not drawings:
    st.info(_("No drawings yet: draw a digit, and when the model is wrong, save it with its true label."))
    st.stop()

st.image(
    [widgets.big_digit(d.pixels, 84) for d in drawings],
    caption=[
        _("{digit} · {id} · given to the class").format(digit=d.label, id=d.id)
        if d.id in given
        else f"{d.label} · {d.id}"
        for d in drawings
    ],
    width=84,
    output_format="PNG",
    alt=[_("Your drawing of a {digit}").format(digit=d.label) for d in drawings],
)
left, right = st.columns(2)
with left:
    doomed = st.selectbox(_("Drawing"), [d.id for d in drawings], key="doomed")
    if st.button(_("Delete this drawing"), key="delete_drawing"):
        try:
            delete_drawing(doomed, workspace)
            st.rerun()
        except store.StoreError as error:
            log.info("drawing not deleted: %s", error)
            st.error(str(error))
    if not workspace.personal:  # a class: the drawing can join the class's own test set
        if st.button(
            _("Give it to the class's test set"),
            key="give_drawing",
            disabled=doomed in given,
            help=_(
                "A copy joins the drawings every model on the leaderboard is scored on. Yours stay "
                "private unless you give them; deleting yours here does not take the copy back."
            ),
        ):
            try:
                class_set.give_drawing(doomed, workspace)
                st.rerun()
            except (ValueError, store.StoreError) as error:
                log.info("drawing not given: %s", error)
                st.error(str(error))

with right:
    entry = picker.active_model()
    epochs = st.number_input(_("Fine-tuning epochs"), min_value=1, max_value=10, value=2, key="tune_epochs")
    tune_label = ngettext(
        "Fine-tune {name} on {count} drawing", "Fine-tune {name} on {count} drawings", len(drawings)
    ).format(name=entry.name, count=language.number(len(drawings)))
    if st.button(tune_label, type="primary", key="tune"):
        x, y = as_arrays(drawings)
        meta = {**entry.meta, "fine_tuned_from": entry.name}
        model_file = (entry.path / store.MODEL_FILE).read_bytes()
        jobs.start_job(
            keys.TUNE_JOB,
            lambda board: board.submit_fine_tune(
                model_file, meta, x, y, int(epochs), f"{entry.name}-tuned", workspace, visitor.client_address()
            ),
        )

    def show_tuning(drawn_phase: str) -> None:
        """The fine-tuning job: queued, running, or its before/after scores."""
        job = jobs.visitor_job(keys.TUNE_JOB)
        status = jobs.job_board().status(job)
        if status.state == "running":
            st.progress(0.5, text=_("Fine-tuning on a worker..."))
        elif status.saved_name:
            st.success(_("Saved as **{name}** (pick it in the sidebar).").format(name=status.saved_name))
            st.dataframe(
                [
                    {
                        _("accuracy on"): _("MNIST test set"),
                        _("before"): language.percent(status.meta["test_before"], 2),
                        _("after"): language.percent(status.meta["test_accuracy"], 2),
                    },
                    {
                        _("accuracy on"): _("your drawings"),
                        _("before"): language.percent(status.meta["drawings_before"], 2),
                        _("after"): language.percent(status.meta["drawings_accuracy"], 2),
                    },
                ],
                hide_index=True,
            )
        jobs.show_job_state(job, drawn_phase)

    job = jobs.visitor_job(keys.TUNE_JOB)
    if job is not None:
        st.fragment(show_tuning, run_every=1.0 if job.active else None)(jobs.job_phase(job))
