"""The Teacher page's longer sections: the class's drawings, the lesson, a new lesson."""

from __future__ import annotations

import streamlit as st

from digitlab.learn.architectures import ARCHITECTURES
from digitlab.learn.network import OWN_NETWORK, describe
from digitlab.serve import classroom, store
from digitlab.serve.drawings import delete_drawing
from digitlab.serve.jobs import ClassRun
from digitlab.serve.workspaces import WorkspaceError
from ui import widgets
from ui.numbers import in_words


def the_class_drawings() -> None:
    """The drawings students gave to the class's test set; the teacher can take one out."""
    st.subheader("The class's drawings")
    given = classroom.class_drawings()
    if not given:
        st.caption("No student has given a drawing to the class's test set yet (My drawings page).")
        return
    # Numbered: two 7s from one student have the same label and giver, and the list below must say which is which.
    st.image(
        [widgets.big_digit(d.pixels, 84) for d in given],
        caption=[f"#{n}: {d.label} · {classroom.giver(d)}" for n, d in enumerate(given, 1)],
        width=84,
        output_format="PNG",
        alt=[f"Drawing {n}: a {d.label} given by {classroom.giver(d)}" for n, d in enumerate(given, 1)],
    )
    names = {f"#{n}: a {d.label} by {classroom.giver(d)}": d.id for n, d in enumerate(given, 1)}
    doomed = names[st.selectbox("Drawing to take out of the class set", list(names), key="teacher-drawing")]
    sure = st.checkbox("Yes, take it out (the student keeps their own copy)", key="teacher-drawing-sure")
    if st.button("Remove it from the class set", disabled=not sure):
        try:
            delete_drawing(doomed, classroom.class_set())
        except (ValueError, store.StoreError) as error:
            st.error(str(error))
        else:
            st.session_state.pop("teacher-drawing-sure", None)
            st.rerun()


def network_sizes() -> str:
    """How many networks there are and their smallest and largest, counted from their layers."""
    sizes = sorted((sum(row.parameters for row in describe(a.network)), name) for name, a in ARCHITECTURES.items())
    (fewest, smallest), (most, largest) = sizes[0], sizes[-1]
    return f"The {in_words(len(sizes))} networks have {fewest:,} ({smallest}) to {most:,} ({largest}) parameters"


def the_lesson(lesson: classroom.Lesson) -> None:
    """The lesson's form: the networks allowed, a run's limits, the challenge."""
    st.subheader("The lesson")
    choices = [*ARCHITECTURES, OWN_NETWORK]
    with st.form("lesson"):
        allowed = st.multiselect(
            "Networks the class may train",
            choices,
            default=lesson.architectures if lesson.architectures is not None else choices,
            format_func=lambda n: "their own network (Build page)" if n == OWN_NETWORK else n,
        )
        a, b = st.columns(2)
        max_epochs = a.number_input("Most epochs per run (0: no limit)", 0, 100, lesson.max_epochs or 0)
        max_images = b.number_input(
            "Most training images per run (0: no limit)", 0, 55_000, lesson.max_images or 0, 1000
        )
        max_parameters = a.number_input(
            "Largest network, in parameters (0: no limit)", 0, 10_000_000, lesson.max_parameters or 0, 1000
        )
        b.caption(f"{network_sizes()}; the Build page counts them.")
        max_minutes = a.number_input(
            f"Longest run, in minutes (0: {classroom.DEFAULT_RUN_MINUTES})",
            0,
            600,
            lesson.max_minutes or 0,
            help="A run that would take longer is refused, or stopped once its pace shows it. Batch size counts: "
            "a batch of 1 takes many times longer than a batch of 128.",
        )
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
                max_minutes=int(max_minutes) or None,
                extra=lesson.extra,
            )
            try:
                classroom.save_lesson(lesson)
            except store.StoreError as error:
                st.error(str(error))
            else:
                st.success(f"Set for everyone. {lesson.challenge() or 'No challenge.'}")


def a_new_lesson(active: list[ClassRun]) -> None:
    """The class archived and started empty, or an archived lesson restored; not while runs are on."""
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
    if not archives:
        return
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
