"""Teacher: the class at a glance, its runs (stop or cancel any), any model deleted, the lesson set, a new lesson."""

import logging

import streamlit as st

from digitlab import classroom, store
from digitlab.drawings import delete_drawing
from digitlab.jobs import ClassRun, class_runs
from digitlab.models import ARCHITECTURES
from digitlab.workspaces import WorkspaceError, leaderboard
from ui import visitor, widgets

log = logging.getLogger("app_pages.teacher")  # Streamlit runs a page as __main__

if not visitor.is_teacher():  # the navigation only lists this page for the teacher; this is the second lock
    st.error("This page is for the class's teacher.")
    st.stop()

st.title("Your class")
st.write(
    "Everyone's work at a glance, the runs now, and the lesson: which networks the class may train, "
    "how long a run may be, and the challenge every student's Train page shows."
)
lesson = classroom.read_lesson()
active = class_runs()  # from the store: the same on every app server of the class


def run_in_words(run: ClassRun) -> str:
    """Who runs what, and where it stands: in detail for this server's runs, from the record for another's."""
    record, job, status = run.record, run.job, run.status()
    what = f"**{run.workspace.alias}**: **{record.get('name', '')}** ({record.get('architecture', '')})"
    if status is None:
        return f"{what}, {record['state']} on another app server."
    if status.state == "running":
        last = status.events[-1] if status.events else None
        where = f"epoch {last.epoch} of {job.config.epochs}" if last and job.config else "starting"
        return f"{what} is training: {where}."
    starts = f", should start in about {max(1, round(status.starts_in / 60))} min" if status.starts_in else ""
    place = "next in line" if status.ahead == 0 else f"{status.ahead} ahead"
    return f"{what} waits: {place}{starts}."


BUTTONS = {  # a run's button, by whether it runs: its label, what it asks (runs.ASKS), its help
    True: ("Stop", "stop", "Ends it after the current batch; its model is saved as it is."),
    False: ("Cancel", "cancel", "Takes it out of the queue."),
}


def ask(run: ClassRun, what: str) -> None:
    try:
        run.ask(what)
    except store.StoreError as error:
        log.info("teacher's %s not written: %s", what, error)
        st.error(str(error))


st.subheader("The class at a glance")
now = {
    run.workspace.key: f"{run.record.get('kind')}: {run.record.get('name')}, {run.record['state']}" for run in active
}
rows = classroom.class_rows(now)
if rows:
    st.dataframe(
        rows,
        column_config={"Best accuracy": st.column_config.NumberColumn(format="percent")},
        hide_index=True,
        width="stretch",
    )
else:
    st.caption("Nobody has trained or drawn anything yet.")
st.download_button(
    "Download the class's results (CSV)",
    classroom.results_csv(lesson),
    "class-results.csv",
    "text/csv",
    help="Every student's models: accuracy, parameters, training time, and whether it met the challenge.",
)

st.subheader("Runs now")
if not active:
    st.caption("No run is queued or running.")
for run in active:
    text, button = st.columns([4, 1], vertical_alignment="center")
    text.markdown(run_in_words(run))
    if run.record.get("asked"):
        button.caption(f"Asked to {run.record['asked']}.")
    else:
        label, what, explained = BUTTONS[run.record["state"] == "running"]
        button.button(label, key=f"{what}-{run.record['id']}", on_click=ask, args=(run, what), help=explained)

st.subheader("Delete a model")
owned = {f"{entry.owner.alias} / {entry.model.name}": entry for entry in leaderboard() if entry.owner is not None}
if owned:
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
else:
    st.caption("The class has no models yet.")

st.subheader("The class's drawings")
given = classroom.class_drawings()
if given:
    st.image(
        [widgets.big_digit(d.pixels, 84) for d in given],
        caption=[f"{d.label} · {classroom.giver(d)}" for d in given],
        width=84,
        output_format="PNG",
        alt=[f"A {d.label} given by {classroom.giver(d)}" for d in given],
    )
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    names = {f"a {d.label} by {classroom.giver(d)} ({d.id.split('-', 1)[1]})": d.id for d in given}
    doomed = names[left.selectbox("Drawing", list(names), key="teacher-drawing")]
    if right.button("Remove it from the class set"):
        try:
            delete_drawing(doomed, classroom.class_set())
        except (ValueError, store.StoreError) as error:
            st.error(str(error))
        else:
            st.rerun()
else:
    st.caption("No student has given a drawing to the class's test set yet (My drawings page).")

st.subheader("The lesson")
choices = [*ARCHITECTURES, classroom.OWN_NETWORK]
with st.form("lesson"):
    allowed = st.multiselect(
        "Networks the class may train",
        choices,
        default=lesson.architectures if lesson.architectures is not None else choices,
        format_func=lambda n: "their own network (Build page)" if n == classroom.OWN_NETWORK else n,
    )
    a, b = st.columns(2)
    max_epochs = a.number_input("Most epochs per run (0: no limit)", 0, 100, lesson.max_epochs or 0)
    max_images = b.number_input("Most training images per run (0: no limit)", 0, 55_000, lesson.max_images or 0, 1000)
    max_parameters = a.number_input(
        "Largest network, in parameters (0: no limit)", 0, 10_000_000, lesson.max_parameters or 0, 1000
    )
    b.caption("The five networks have 7,850 (softmax) to 184,586 (cnn) parameters; the Build page counts them.")
    goal_accuracy = a.number_input(
        "Challenge: at least this % right on the test digits (0: none)",
        0.0,
        100.0,
        100.0 * (lesson.goal_accuracy or 0),
        0.1,
        format="%.1f",
    )
    goal_parameters = b.number_input(
        "Challenge: at most this many parameters (0: none)", 0, 10_000_000, lesson.goal_parameters or 0, 1000
    )
    if st.form_submit_button("Set the lesson", type="primary"):
        lesson = classroom.Lesson(
            architectures=None if set(allowed) == set(choices) else allowed,
            max_epochs=int(max_epochs) or None,
            max_images=int(max_images) or None,
            max_parameters=int(max_parameters) or None,
            goal_accuracy=round(goal_accuracy / 100, 4) or None,
            goal_parameters=int(goal_parameters) or None,
            extra=lesson.extra,
        )
        try:
            classroom.save_lesson(lesson)
        except store.StoreError as error:
            st.error(str(error))
        else:
            st.success(f"Set for everyone. {lesson.challenge() or 'No challenge.'}")

st.subheader("A new lesson")
st.write(
    "Moves every student's work into a dated archive and starts the class empty. Students keep their "
    "links; their workspaces start empty. An archive can be restored (the class as it is then is archived)."
)
sure = st.checkbox("I have downloaded the results I need; start a new lesson", key="teacher-new-sure")
if st.button("Start a new lesson", disabled=not sure):
    if active:
        st.warning("Runs are still queued or running: stop or cancel them above first.")
    else:
        try:
            archived = classroom.new_lesson()
        except store.StoreError as error:
            st.error(str(error))
        else:
            st.success(f"Archived as {archived}: the class starts empty." if archived else "The class was empty.")
archives = classroom.archives()
if archives:
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    chosen = left.selectbox("Archived lessons", archives, key="teacher-archive")
    if right.button("Restore it"):
        try:
            if active:
                raise WorkspaceError("Runs are still queued or running: stop or cancel them above first.")
            archived = classroom.restore(chosen)
        except (WorkspaceError, store.StoreError) as error:
            st.error(str(error))
        else:
            st.success(f"Restored {chosen}." + (f" The class before it is archived as {archived}." if archived else ""))
