"""Teacher: the class at a glance, its runs (stop or cancel any), any model deleted, the lesson set, a new lesson."""

import logging

import streamlit as st

from digitlab import language
from digitlab.language import N_, _, ngettext
from digitlab.serve import classroom, store
from digitlab.serve.classroom import leaderboard
from digitlab.serve.jobs import ClassRun, class_runs
from digitlab.serve.teacher import PASS_HOURS
from ui import keys, visitor
from ui.jobs import KINDS, STATES
from ui.shown import as_text, in_full, short
from ui.teacher_sections import a_new_lesson, the_class_drawings, the_lesson

log = logging.getLogger("app_pages.teacher")  # Streamlit runs a page as __main__

BUTTONS = {  # a run's button, by whether it runs: its label, what it asks (runs.ASKS), its help
    True: (N_("Stop"), "stop", N_("Ends it after the current batch; its model is saved as it is.")),
    False: (N_("Cancel"), "cancel", N_("Takes it out of the queue.")),
}
# The class at a glance: classroom.class_rows' keys, each column headed in the page's language.
CLASS_COLUMNS = (N_("Student"), N_("Models"), N_("Best accuracy"), N_("Drawings"), N_("Now"))


def run_in_words(run: ClassRun) -> str:
    """Who runs what, and where it stands: in detail for this server's runs, from the record for another's."""
    record, job, status = run.record, run.job, run.status()
    name, architecture = as_text(record.get("name", "")), as_text(record.get("architecture", ""))
    what = f"**{as_text(run.workspace.alias)}**: **{name}** ({architecture})"
    if status is None:  # a queued or running run (class_runs)
        if record["state"] == "running":
            return _("{what}, running on another app server.").format(what=what)
        return _("{what}, queued on another app server.").format(what=what)
    if status.state == "running":
        last = status.events[-1] if status.events else None
        if last and job.config:
            return _("{what} is training: epoch {epoch} of {epochs}.").format(
                what=what, epoch=language.number(last.epoch), epochs=language.number(job.config.epochs)
            )
        return _("{what} is training: starting.").format(what=what)
    minutes = language.number(max(1, round(status.starts_in / 60))) if status.starts_in else None
    ahead = language.number(status.ahead)
    if status.ahead == 0 and minutes:
        return _("{what} waits: next in line, should start in about {minutes} min.").format(what=what, minutes=minutes)
    if status.ahead == 0:
        return _("{what} waits: next in line.").format(what=what)
    if minutes:
        return ngettext(
            "{what} waits: {count} ahead, should start in about {minutes} min.",
            "{what} waits: {count} ahead, should start in about {minutes} min.",
            status.ahead,
        ).format(what=what, count=ahead, minutes=minutes)
    return ngettext("{what} waits: {count} ahead.", "{what} waits: {count} ahead.", status.ahead).format(
        what=what, count=ahead
    )


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
    st.subheader(_("The class at a glance"))
    now = {run.workspace.key: run_now(run.record) for run in active}
    rows = classroom.class_rows(now)
    for row in rows:
        best = row["Best accuracy"]
        row["Best accuracy"] = _("no model yet") if best is None else language.percent(best, 2)
    if rows:
        st.dataframe(
            rows,
            column_config={column: _(column) for column in CLASS_COLUMNS},
            hide_index=True,
            width="stretch",
        )
    else:
        st.caption(_("Nobody has trained or drawn anything yet."))
    st.download_button(
        _("Download the class's results (CSV)"),
        classroom.results_csv(lesson),
        "class-results.csv",
        "text/csv",
        help=_("Every student's models: accuracy, parameters, training time, and whether it met the challenge."),
    )


def run_now(record: dict) -> str:
    """A student's run for the table: its kind, its name and its state."""
    kind, state = record.get("kind"), record["state"]
    return _("{kind}: {name}, {state}").format(
        kind=_(KINDS[kind]) if kind in KINDS else kind,
        name=short(record.get("name")),
        state=_(STATES[state]) if state in STATES else state,
    )


def runs_now(active: list[ClassRun]) -> None:
    """Every queued or running run of the class, each with its Stop or Cancel."""
    st.subheader(_("Runs now"))
    if not active:
        st.caption(_("No run is queued or running."))
    else:
        left, right = st.columns(2)
        left.button(_("Cancel every queued run"), on_click=ask_all, args=(active, False), key="cancel-all")
        right.button(
            _("Stop every run"), on_click=ask_all, args=(active, True), key="stop-all", help=_(BUTTONS[True][2])
        )
    for run in active:
        text, button = st.columns([4, 1], vertical_alignment="center")
        text.markdown(run_in_words(run), help=in_full(run.record.get("name", "")))
        if run.record.get("asked"):
            button.caption(_("Asked to stop.") if run.record["asked"] == "stop" else _("Asked to cancel."))
        else:
            label, what, explained = BUTTONS[run.record["state"] == "running"]
            button.button(_(label), key=f"{what}-{run.record['id']}", on_click=ask, args=(run, what), help=_(explained))


def delete_a_model() -> None:
    """Any student's model, deleted for good once the teacher says so."""
    st.subheader(_("Delete a model"))
    owned = {f"{entry.owner.alias} / {entry.model.name}": entry for entry in leaderboard() if entry.owner is not None}
    if not owned:
        st.caption(_("The class has no models yet."))
        return
    pick = st.selectbox(_("Model"), list(owned), key="teacher-delete-pick")
    sure = st.checkbox(_("Yes, delete it for good"), key="teacher-delete-sure")
    if st.button(_("Delete"), disabled=not sure):
        entry = owned[pick]
        try:
            store.delete_model(entry.model.name, entry.owner)
        except store.StoreError as error:
            log.info("teacher's delete refused: %s", error)
            st.error(str(error))
        else:
            st.success(_("Deleted {name}.").format(name=pick))


if not visitor.is_teacher():  # the navigation only lists this page for the teacher; this is the second lock
    st.error(_("This page is for the class's teacher."))
    st.stop()

st.title(_("Your class"))
st.write(
    _(
        "Everyone's work at a glance, the runs now, and the lesson: which networks the class may train, "
        "how long a run may be, and the challenge every student's Train page shows."
    )
)
if st.session_state.get(keys.TEACHER):  # by key or pass (a signed-in teacher signs out of the site)
    words, button = st.columns([4, 1], vertical_alignment="center")
    words.caption(
        ngettext(
            "This browser stays signed in as the teacher until it closes (at most {count} hour): a reload "
            "or a new tab keeps this page. Sign out before you leave a computer that pupils use.",
            "This browser stays signed in as the teacher until it closes (at most {count} hours): a reload "
            "or a new tab keeps this page. Sign out before you leave a computer that pupils use.",
            PASS_HOURS,
        ).format(count=language.number(PASS_HOURS))
    )
    button.button(
        _("Sign out"), on_click=visitor.sign_out_the_teacher, help=_("This browser forgets it was the teacher's.")
    )
lesson = classroom.read_lesson()
active = class_runs()  # from the store: the same on every app server of the class

at_a_glance(active, lesson)
runs_now(active)
delete_a_model()
the_class_drawings()
the_lesson(lesson)
a_new_lesson(active)
