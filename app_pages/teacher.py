"""Teacher: the class at a glance, its runs (stop or cancel any), any model deleted, the lesson set, a new lesson."""

import logging

import streamlit as st

from digitlab.serve import classroom, store
from digitlab.serve.classroom import leaderboard
from digitlab.serve.jobs import ClassRun, class_runs
from digitlab.serve.teacher import PASS_HOURS
from ui import keys, visitor
from ui.shown import as_text, in_full, short
from ui.teacher_sections import a_new_lesson, the_class_drawings, the_lesson

log = logging.getLogger("app_pages.teacher")  # Streamlit runs a page as __main__

BUTTONS = {  # a run's button, by whether it runs: its label, what it asks (runs.ASKS), its help
    True: ("Stop", "stop", "Ends it after the current batch; its model is saved as it is."),
    False: ("Cancel", "cancel", "Takes it out of the queue."),
}


def run_in_words(run: ClassRun) -> str:
    """Who runs what, and where it stands: in detail for this server's runs, from the record for another's."""
    record, job, status = run.record, run.job, run.status()
    name, architecture = as_text(record.get("name", "")), as_text(record.get("architecture", ""))
    what = f"**{as_text(run.workspace.alias)}**: **{name}** ({architecture})"
    if status is None:
        return f"{what}, {record['state']} on another app server."
    if status.state == "running":
        last = status.events[-1] if status.events else None
        where = f"epoch {last.epoch} of {job.config.epochs}" if last and job.config else "starting"
        return f"{what} is training: {where}."
    starts = f", should start in about {max(1, round(status.starts_in / 60))} min" if status.starts_in else ""
    place = "next in line" if status.ahead == 0 else f"{status.ahead} ahead"
    return f"{what} waits: {place}{starts}."


def ask(run: ClassRun, what: str) -> None:
    try:
        run.ask(what)
    except store.StoreError as error:
        log.info("teacher's %s not written: %s", what, error)
        st.error(str(error))


def ask_all(active: list[ClassRun], everything: bool) -> None:
    """Cancel every queued run (and, with `everything`, stop every running one) in one click."""
    for run in active:
        running = run.record["state"] == "running"
        if not run.record.get("asked") and (everything or not running):
            ask(run, "stop" if running else "cancel")


def at_a_glance(active: list[ClassRun], lesson: classroom.Lesson) -> None:
    """A row a student: their work and what they run now; every model's results as a CSV."""
    st.subheader("The class at a glance")
    now = {
        run.workspace.key: f"{run.record.get('kind')}: {short(run.record.get('name'))}, {run.record['state']}"
        for run in active
    }
    rows = classroom.class_rows(now)
    for row in rows:
        best = row["Best accuracy"]
        row["Best accuracy"] = "no model yet" if best is None else f"{best:.2%}"
    if rows:
        st.dataframe(rows, hide_index=True, width="stretch")
    else:
        st.caption("Nobody has trained or drawn anything yet.")
    st.download_button(
        "Download the class's results (CSV)",
        classroom.results_csv(lesson),
        "class-results.csv",
        "text/csv",
        help="Every student's models: accuracy, parameters, training time, and whether it met the challenge.",
    )


def runs_now(active: list[ClassRun]) -> None:
    """Every queued or running run of the class, each with its Stop or Cancel."""
    st.subheader("Runs now")
    if not active:
        st.caption("No run is queued or running.")
    else:
        left, right = st.columns(2)
        left.button("Cancel every queued run", on_click=ask_all, args=(active, False), key="cancel-all")
        right.button("Stop every run", on_click=ask_all, args=(active, True), key="stop-all", help=BUTTONS[True][2])
    for run in active:
        text, button = st.columns([4, 1], vertical_alignment="center")
        text.markdown(run_in_words(run), help=in_full(run.record.get("name", "")))
        if run.record.get("asked"):
            button.caption(f"Asked to {run.record['asked']}.")
        else:
            label, what, explained = BUTTONS[run.record["state"] == "running"]
            button.button(label, key=f"{what}-{run.record['id']}", on_click=ask, args=(run, what), help=explained)


def delete_a_model() -> None:
    """Any student's model, deleted for good once the teacher says so."""
    st.subheader("Delete a model")
    owned = {f"{entry.owner.alias} / {entry.model.name}": entry for entry in leaderboard() if entry.owner is not None}
    if not owned:
        st.caption("The class has no models yet.")
        return
    pick = st.selectbox("Model", list(owned), key="teacher-delete-pick")
    sure = st.checkbox("Yes, delete it for good", key="teacher-delete-sure")
    if st.button("Delete", disabled=not sure):
        entry = owned[pick]
        try:
            store.delete_model(entry.model.name, entry.owner)
        except store.StoreError as error:
            log.info("teacher's delete refused: %s", error)
            st.error(str(error))
        else:
            st.success(f"Deleted {pick}.")


if not visitor.is_teacher():  # the navigation only lists this page for the teacher; this is the second lock
    st.error("This page is for the class's teacher.")
    st.stop()

st.title("Your class")
st.write(
    "Everyone's work at a glance, the runs now, and the lesson: which networks the class may train, "
    "how long a run may be, and the challenge every student's Train page shows."
)
if st.session_state.get(keys.TEACHER):  # by key or pass (a signed-in teacher signs out of the site)
    words, button = st.columns([4, 1], vertical_alignment="center")
    words.caption(
        f"This browser stays signed in as the teacher until it closes (at most {PASS_HOURS} hours): a reload "
        "or a new tab keeps this page. Sign out before you leave a computer that pupils use."
    )
    button.button("Sign out", on_click=visitor.sign_out_the_teacher, help="This browser forgets it was the teacher's.")
lesson = classroom.read_lesson()
active = class_runs()  # from the store: the same on every app server of the class

at_a_glance(active, lesson)
runs_now(active)
delete_a_model()
the_class_drawings()
the_lesson(lesson)
a_new_lesson(active)
