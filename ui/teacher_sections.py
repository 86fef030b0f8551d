"""The Teacher page's longer sections: the class's drawings, the lesson, a new lesson."""

from __future__ import annotations

import streamlit as st

from digitlab import language
from digitlab.language import _
from digitlab.learn.architectures import ARCHITECTURES
from digitlab.learn.network import OWN_NETWORK, describe
from digitlab.serve import class_set, classroom, store
from digitlab.serve.drawings import delete_drawing
from digitlab.serve.jobs import ClassRun
from digitlab.serve.workspaces import WorkspaceError
from ui import widgets
from ui.numbers import in_words


def the_class_drawings() -> None:
    """The drawings students gave to the class's test set; the teacher can take one out."""
    st.subheader(_("The class's drawings"))
    given = class_set.class_drawings()
    if not given:
        st.caption(_("No student has given a drawing to the class's test set yet (My drawings page)."))
        return
    # Numbered: two 7s from one student have the same label and giver, and the list below must say which is which.
    st.image(
        [widgets.big_digit(d.pixels, 84) for d in given],
        caption=[f"#{n}: {d.label} · {class_set.giver(d)}" for n, d in enumerate(given, 1)],
        width=84,
        output_format="PNG",
        alt=[
            _("Drawing {number}: a {digit} given by {giver}").format(number=n, digit=d.label, giver=class_set.giver(d))
            for n, d in enumerate(given, 1)
        ],
    )
    names = {
        _("#{number}: a {digit} by {giver}").format(number=n, digit=d.label, giver=class_set.giver(d)): d.id
        for n, d in enumerate(given, 1)
    }
    doomed = names[st.selectbox(_("Drawing to take out of the class set"), list(names), key="teacher-drawing")]
    sure = st.checkbox(_("Yes, take it out (the student keeps their own copy)"), key="teacher-drawing-sure")
    if st.button(_("Remove it from the class set"), disabled=not sure):
        try:
            delete_drawing(doomed, class_set.class_set())
        except (ValueError, store.StoreError) as error:
            st.error(str(error))
        else:
            st.session_state.pop("teacher-drawing-sure", None)
            st.rerun()


def network_sizes() -> str:
    """How many networks there are and their smallest and largest, counted from their layers."""
    sizes = sorted((sum(row.parameters for row in describe(a.network)), name) for name, a in ARCHITECTURES.items())
    (fewest, smallest), (most, largest) = sizes[0], sizes[-1]
    return _("The {count} networks have {fewest} ({smallest}) to {most} ({largest}) parameters").format(
        count=in_words(len(sizes)),
        fewest=language.number(fewest),
        smallest=smallest,
        most=language.number(most),
        largest=largest,
    )


def the_lesson(lesson: classroom.Lesson) -> None:
    """The lesson's form: the networks allowed, a run's limits, the challenge."""
    st.subheader(_("The lesson"))
    choices = [*ARCHITECTURES, OWN_NETWORK]
    with st.form("lesson"):
        allowed = st.multiselect(
            _("Networks the class may train"),
            choices,
            default=lesson.architectures if lesson.architectures is not None else choices,
            format_func=lambda n: _("their own network (Build page)") if n == OWN_NETWORK else n,
        )
        a, b = st.columns(2)
        max_epochs = a.number_input(_("Most epochs per run (0: no limit)"), 0, 100, lesson.max_epochs or 0)
        max_images = b.number_input(
            _("Most training images per run (0: no limit)"), 0, 55_000, lesson.max_images or 0, 1000
        )
        max_parameters = a.number_input(
            _("Largest network, in parameters (0: no limit)"), 0, 10_000_000, lesson.max_parameters or 0, 1000
        )
        b.caption(_("{sizes}; the Build page counts them.").format(sizes=network_sizes()))
        max_minutes = a.number_input(
            _("Longest run, in minutes (0: {minutes})").format(minutes=language.number(classroom.DEFAULT_RUN_MINUTES)),
            0,
            600,
            lesson.max_minutes or 0,
            help=_(
                "A run that would take longer is refused, or stopped once its pace shows it. Batch size counts: "
                "a batch of 1 takes many times longer than a batch of 128."
            ),
        )
        goal_accuracy = a.number_input(
            _("Challenge: at least this % right on the test digits (0: none)"),
            0.0,
            100.0,
            100.0 * (lesson.goal_accuracy or 0),
            0.1,
            format="%.1f",
        )
        goal_parameters = b.number_input(
            _("Challenge: at most this many parameters (0: none)"), 0, 10_000_000, lesson.goal_parameters or 0, 1000
        )
        if st.form_submit_button(_("Set the lesson"), type="primary"):
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
                st.success(
                    _("Set for everyone. {challenge}").format(challenge=lesson.challenge() or _("No challenge."))
                )


def a_new_lesson(active: list[ClassRun]) -> None:
    """The class archived and started empty, or an archived lesson restored; not while runs are on."""
    st.subheader(_("A new lesson"))
    st.write(
        _(
            "Moves every student's work into a dated archive and starts the class empty. Students keep their "
            "links; their workspaces start empty. An archive can be restored (the class as it is then is archived)."
        )
    )
    sure = st.checkbox(_("I have downloaded the results I need; start a new lesson"), key="teacher-new-sure")
    if st.button(_("Start a new lesson"), disabled=not sure):
        if active:
            st.warning(_("Runs are still queued or running: stop or cancel them above first."))
        else:
            try:
                archived = classroom.new_lesson()
            except store.StoreError as error:
                st.error(str(error))
            else:
                st.success(
                    _("Archived as {archive}: the class starts empty.").format(archive=archived)
                    if archived
                    else _("The class was empty.")
                )
    archives = classroom.archives()
    if not archives:
        return
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    chosen = left.selectbox(_("Archived lessons"), archives, key="teacher-archive")
    if right.button(_("Restore it")):
        try:
            if active:
                raise WorkspaceError(_("Runs are still queued or running: stop or cancel them above first."))
            archived = classroom.restore(chosen)
        except (WorkspaceError, store.StoreError) as error:
            st.error(str(error))
        else:
            if archived:
                st.success(
                    _("Restored {archive}. The class before it is archived as {before}.").format(
                        archive=chosen, before=archived
                    )
                )
            else:
                st.success(_("Restored {archive}.").format(archive=chosen))
