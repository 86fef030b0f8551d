"""A class: the teacher's key and addresses, the lesson's rules enforced at submit, the challenge,
the class at a glance and as CSV, and the new-lesson archive and its restore."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from unittest import mock

import pytest

from digitlab.learn.architectures import build_model
from digitlab.learn.train import TrainConfig
from digitlab.serve import answers, class_set, classroom, runs, store, teacher, workspaces
from digitlab.serve.drawings import list_drawings, save_drawing
from digitlab.serve.jobs import JobBoard, class_runs
from digitlab.serve.last_minute import LastMinute
from digitlab.serve.workspaces import WorkspaceError
from tests.test_app import page, visitor
from tests.test_jobs import wait_until
from ui import keys

TEACHER_KEY = "k" * 40


@pytest.fixture
def shared(home, monkeypatch):
    monkeypatch.setenv("DIGITLAB_SHARED", "1")
    return home


@pytest.fixture(scope="module")
def softmax():
    return build_model("softmax")  # 7,850 parameters


def student(n: int) -> workspaces.Workspace:
    return workspaces.by_key(hashlib.md5(f"student {n}".encode()).hexdigest())  # their aliases differ


def save(model, name: str, owner: workspaces.Workspace, accuracy: float) -> None:
    store.save_model(model, name, {"architecture": "softmax", "test_accuracy": accuracy, "train_seconds": 5.0}, owner)


def test_the_teacher_is_who_gives_the_key_or_signs_in_with_a_listed_address(monkeypatch):
    assert not teacher.is_teacher_key(TEACHER_KEY)  # no key set: nobody is the teacher by key
    monkeypatch.setenv("DIGITLAB_TEACHER_KEY", TEACHER_KEY)
    assert teacher.is_teacher_key(TEACHER_KEY)
    assert not teacher.is_teacher_key(TEACHER_KEY[:-1]) and not teacher.is_teacher_key("")
    assert not teacher.is_teacher_key(None)
    monkeypatch.setenv("DIGITLAB_TEACHERS", "ada@school.example, Grace@School.example")
    assert teacher.is_teacher_address("grace@school.example") and teacher.is_teacher_address("ada@school.example")
    assert not teacher.is_teacher_address("pupil@school.example") and not teacher.is_teacher_address(None)


def test_the_lesson_round_trips_and_a_broken_file_sets_no_rules(shared):
    assert classroom.read_lesson() == classroom.Lesson()
    lesson = classroom.Lesson(
        architectures=["softmax", "custom"], max_epochs=3, goal_accuracy=0.9, goal_parameters=10_000
    )
    classroom.save_lesson(lesson)
    assert classroom.read_lesson() == lesson
    record = json.loads(classroom.lesson_path().read_text())
    classroom.lesson_path().write_text(json.dumps({**record, "from_a_newer_version": 1}))
    assert classroom.read_lesson().extra == {"from_a_newer_version": 1}  # kept, and written back
    for broken in ("{not json", '{"max_epochs": "ten"}', '{"goal_accuracy": 7}', '{"architectures": "cnn"}', "[]"):
        classroom.lesson_path().write_text(broken)
        assert classroom.read_lesson() == classroom.Lesson(), broken
    with pytest.raises(ValueError, match="max_epochs"):
        classroom.save_lesson(classroom.Lesson(max_epochs=0))


def test_the_lesson_is_enforced_when_a_job_is_submitted(shared):
    lesson = classroom.Lesson(["softmax", "custom"], max_epochs=3, max_images=5_000, max_parameters=10_000)
    classroom.save_lesson(lesson)
    wide = {"input": "unit", "layers": [{"type": "flatten"}, {"type": "dense", "units": 16}]}  # 12,730
    refused = {
        "cnn": TrainConfig.for_architecture("cnn", epochs=1, train_limit=1000),
        "epochs": TrainConfig.for_architecture("softmax", epochs=4, train_limit=1000),
        "images": TrainConfig.for_architecture("softmax", epochs=1, train_limit=6000),
        "size": TrainConfig.for_architecture("softmax", epochs=1, train_limit=1000, network=wide),
    }
    client = mock.Mock()
    board = JobBoard(client)
    for why, config in refused.items():
        with pytest.raises(WorkspaceError, match="In this lesson") as error:
            board.submit_training(config, "x", student(1))
        expected = {"cnn": "softmax, your own network", "epochs": "3 epochs", "images": "5,000", "size": "12,730"}
        assert expected[why] in str(error.value)
    assert not client.submit.called and not board.jobs  # nothing reached the cluster
    classroom.check_submission(TrainConfig.for_architecture("softmax", epochs=3, train_limit=5000))
    own = TrainConfig.for_architecture(
        "cnn", epochs=1, train_limit=1000, network={"input": "unit", "layers": [{"type": "flatten"}]}
    )
    classroom.check_submission(own)  # a network of one's own is "custom", allowed


def test_a_personal_install_has_no_lesson_rules(home):
    classroom.save_lesson(classroom.Lesson(architectures=["softmax"]))
    classroom.check_submission(TrainConfig.for_architecture("cnn", epochs=1, train_limit=1000))


def test_the_challenge_says_who_met_it(shared, softmax):
    lesson = classroom.Lesson(goal_accuracy=0.9, goal_parameters=10_000)
    assert (
        lesson.challenge()
        == "Train a model with at least 90.0% right on the test digits and at most 10,000 parameters."
    )
    assert "no trained model" in lesson.standing(student(1))
    save(softmax, "low", student(1), 0.85)
    assert lesson.standing(student(1)).startswith("Not met yet: your best, low, has 85.0% with 7,850 parameters")
    save(softmax, "high", student(1), 0.92)
    assert lesson.standing(student(1)) == "✓ Met by your model high: 92.0%, 7,850 parameters."
    assert not classroom.Lesson(goal_accuracy=0.9, goal_parameters=5_000).met_by(
        {"test_accuracy": 0.99, "params": 7850}
    )
    assert not classroom.Lesson().met_by({"test_accuracy": 1.0, "params": 1})  # no challenge, nobody met it


def test_the_class_at_a_glance_and_as_csv(shared, softmax, mnist):
    save(softmax, "first", student(1), 0.91)
    save(softmax, "second", student(1), 0.95)
    save_drawing(mnist.x_test[0], 7, mnist.x_test[0], student(2))
    rows = {row["Student"]: row for row in classroom.class_rows({student(1).key: "train: second, running"})}
    assert rows[student(1).alias] == {
        "Student": student(1).alias, "Models": 2, "Best accuracy": 0.95, "Drawings": 0, "Now": "train: second, running",
    }  # fmt: skip
    assert rows[student(2).alias]["Drawings"] == 1 and rows[student(2).alias]["Best accuracy"] is None
    table = list(csv.DictReader(io.StringIO(classroom.results_csv(classroom.Lesson(goal_accuracy=0.94)))))
    assert [(r["student"], r["model"], r["challenge"]) for r in table] == [
        (student(1).alias, "second", "met"),
        (student(1).alias, "first", ""),
    ]  # the shipped default is nobody's result
    assert table[0]["parameters"] == "7850" and table[0]["test_accuracy"] == "0.9500"


def test_a_new_lesson_archives_the_class_and_restores_it(shared, softmax):
    assert classroom.new_lesson() is None  # nothing to archive
    save(softmax, "before", student(1), 0.9)
    first = classroom.new_lesson()
    assert classroom.archives() == [first] and workspaces.all_workspaces() == []
    save(softmax, "after", student(2), 0.8)
    with pytest.raises(WorkspaceError, match="no archived lesson"):
        classroom.restore("../../etc")
    second = classroom.restore(first)
    assert second != first and classroom.archives() == [second]  # the class of "after" is kept, archived
    assert [m.name for m in store.list_models(student(1), include_default=False)] == ["before"]
    assert store.list_models(student(2), include_default=False) == []


def teacher_visit(monkeypatch, key: str = TEACHER_KEY):
    """The app opened with `?teacher=key`, its key already taken out of the browser's history (the
    component that does it runs in a browser only: tests/e2e/test_workspaces.py): its next run drops it."""
    monkeypatch.setenv("DIGITLAB_TEACHER_KEY", TEACHER_KEY)
    app = visitor(monkeypatch, "teacher")
    app.query_params["teacher"] = key
    app.run()
    assert "teacher" in app.query_params and "ws" not in app.query_params  # no address pushed meanwhile
    app.session_state[keys.KEY_SCRUBBED] = True  # as the browser reports
    return app


def test_a_teacher_pass_holds_until_it_expires_or_the_key_changes(shared, monkeypatch):
    monkeypatch.setenv("DIGITLAB_TEACHER_KEY", TEACHER_KEY)
    now = 1_800_000_000.0
    given = teacher.teacher_pass(now)
    assert TEACHER_KEY not in given and teacher.is_teacher_pass(given, now)
    assert teacher.is_teacher_pass(given, now + teacher.PASS_HOURS * 3600 - 1)
    assert not teacher.is_teacher_pass(given, now + teacher.PASS_HOURS * 3600 + 1)  # expired
    expires, signature = given.split(".")
    longer = f"{int(expires) + 3600}.{signature}"
    for forged in (longer, f"{expires}.{'0' * 64}", "", ".", "x.y", f"{expires}", "١٢٣.abc", None, 12):
        assert not teacher.is_teacher_pass(forged, now)
    monkeypatch.setenv("DIGITLAB_TEACHER_KEY", TEACHER_KEY + "-new")
    assert not teacher.is_teacher_pass(given, now)  # a new key ends every pass


def test_a_reload_with_the_teacher_pass_keeps_the_page_until_the_teacher_signs_out(shared, monkeypatch):
    app = teacher_visit(monkeypatch).run()
    given = app.session_state[keys.TEACHER_PASS]
    assert teacher.is_teacher_pass(given)
    with mock.patch("ui.visitor.teacher_cookie", return_value=given):
        reloaded = visitor(monkeypatch, "teacher").run()  # a new session: no key, the browser's pass
        assert not reloaded.exception and reloaded.title[0].value == "Your class"
        assert "until it closes" in " ".join(c.value for c in reloaded.caption)
        next(b for b in reloaded.button if b.label == "Sign out").click().run()
        assert not reloaded.exception and "Your class" not in [t.value for t in reloaded.title]
        assert reloaded.session_state[keys.SIGNED_OUT]  # the browser is told to forget the pass
    with mock.patch("ui.visitor.teacher_cookie", return_value="1." + "0" * 64):
        forged = visitor(monkeypatch, "teacher").run()
        assert not forged.exception and "Your class" not in [t.value for t in forged.title]


def test_a_student_cannot_reach_the_teachers_page(shared, monkeypatch):
    monkeypatch.setenv("DIGITLAB_TEACHER_KEY", TEACHER_KEY)
    plain = visitor(monkeypatch, "teacher").run()
    assert not plain.exception and "Your class" not in [t.value for t in plain.title]
    wrong = teacher_visit(monkeypatch, key="guess").run()
    assert not wrong.exception and "Your class" not in [t.value for t in wrong.title]
    assert "teacher" not in wrong.query_params and keys_teacher(wrong) is None


def keys_teacher(app):
    return app.session_state[keys.TEACHER] if keys.TEACHER in app.session_state else None


def test_the_teacher_sees_the_class_sets_the_lesson_and_deletes_a_model(shared, monkeypatch, softmax):
    save(softmax, "mine", student(1), 0.93)
    app = teacher_visit(monkeypatch).run()
    assert not app.exception, app.exception
    assert app.title[0].value == "Your class" and "teacher" not in app.query_params  # the key left the address
    assert list(app.dataframe[0].value["Student"]) == [student(1).alias]

    app.multiselect[0].set_value(["softmax", "custom"])
    next(n for n in app.number_input if n.label.startswith("Most epochs")).set_value(3)
    next(n for n in app.number_input if n.label.startswith("Challenge: at least")).set_value(92.0)
    app.button(key="FormSubmitter:lesson-Set the lesson").click().run()
    assert not app.exception and "Set for everyone" in app.success[0].value
    lesson = classroom.read_lesson()
    assert lesson.architectures == ["softmax", "custom"] and lesson.max_epochs == 3 and lesson.goal_accuracy == 0.92

    app.checkbox(key="teacher-delete-sure").check().run()
    next(b for b in app.button if b.label == "Delete").click().run()
    assert not app.exception and store.list_models(student(1), include_default=False) == []


def test_a_students_train_page_shows_the_challenge_and_refuses_what_the_lesson_does_not_allow(shared, monkeypatch):
    classroom.save_lesson(classroom.Lesson(architectures=["softmax"], goal_accuracy=0.9))
    app = visitor(monkeypatch, "train").run()
    assert not app.exception
    assert "The class's challenge" in app.info[0].value and "no trained model" in app.info[0].value
    assert "these networks: softmax" in " ".join(c.value for c in app.caption)
    app.button(key="FormSubmitter:settings-Train").click().run()  # the default, fast: not in this lesson
    assert not app.exception and "In this lesson your teacher allows these networks: softmax" in app.error[0].value


def test_the_models_page_marks_who_met_the_challenge(shared, monkeypatch, softmax):
    classroom.save_lesson(classroom.Lesson(goal_accuracy=0.9))
    save(softmax, "good", student(1), 0.95)
    app = page("models")
    monkeypatch.setenv("DIGITLAB_SHARED", "1")
    app.run()
    assert not app.exception
    board = next(d.value for d in app.dataframe if "Challenge" in d.value.columns)
    assert dict(zip(board["Name"], board["Challenge"])) == {"good": "✓ met", "default": "✓ met"}


def test_a_drawing_given_to_the_class_set_is_scored_and_the_teacher_can_remove_it(shared, monkeypatch, mnist):
    alice, bob = student(1), student(2)
    kept = save_drawing(mnist.x_test[0], 7, mnist.x_test[0], alice)
    given = save_drawing(mnist.x_test[1], 2, mnist.x_test[1], alice)
    assert class_set.class_drawings() == []  # private unless given
    for wrong in ("../../etc/passwd", ".hidden", "no-such-drawing"):
        with pytest.raises(ValueError, match="Not one of your drawings"):
            class_set.give_drawing(wrong, alice)
    with pytest.raises(ValueError):
        class_set.give_drawing(given, bob)  # not bob's
    class_set.give_drawing(given, alice)
    class_set.give_drawing(given, alice)  # twice: one copy
    assert class_set.given_ids(alice) == {given} and class_set.given_ids(bob) == set()
    [copy] = class_set.class_drawings()
    assert copy.label == 2 and class_set.giver(copy) == alice.alias and kept not in copy.id

    # The leaderboard scores every model on it, once a worker has read it: the shipped default reads MNIST's 2 right.
    app = page("models")
    handed = []
    with mock.patch("ui.jobs.answer_in_background", handed.extend):
        app.run()
    board = next(d.value for d in app.dataframe if "Right on the class's drawings" in d.value.columns)
    assert board["Right on the class's drawings"].isna().all()
    assert any("Reading the drawings" in c.value for c in app.caption)
    assert answers.answer_drawings(answers.work_for(handed), str(answers.answers_dir())) == 1  # as a worker does
    app.run()
    board = next(d.value for d in app.dataframe if "Right on the class's drawings" in d.value.columns)
    assert list(board["Right on the class's drawings"]) == [1.0]

    # The teacher removes it; a new lesson archives the class set with the workspaces.
    teacher = teacher_visit(monkeypatch).run()
    assert teacher.selectbox(key="teacher-drawing").value == f"#1: a 2 by {alice.alias}"
    remove = next(b for b in teacher.button if b.label == "Remove it from the class set")
    assert remove.disabled  # asked first
    teacher.checkbox(key="teacher-drawing-sure").check().run()
    next(b for b in teacher.button if b.label == "Remove it from the class set").click().run()
    assert not teacher.exception and class_set.class_drawings() == []
    assert len(list_drawings(alice)) == 2  # she keeps her own
    class_set.give_drawing(given, alice)
    archived = classroom.new_lesson()
    assert class_set.class_drawings() == [] and list_drawings(alice) == []
    classroom.restore(archived)
    assert len(class_set.class_drawings()) == 1 and len(list_drawings(alice)) == 2


def test_two_alike_class_drawings_are_told_apart_and_the_class_table_says_no_model_yet(shared, monkeypatch, mnist):
    alice = student(1)
    for _ in range(2):
        class_set.give_drawing(save_drawing(mnist.x_test[0], 7, mnist.x_test[0], alice), alice)
    app = teacher_visit(monkeypatch).run()
    assert not app.exception
    captions = next(i.captions for i in app.get("image") if len(i.captions) == 2)
    assert captions == [f"#1: 7 · {alice.alias}", f"#2: 7 · {alice.alias}"]
    assert app.selectbox(key="teacher-drawing").options == [f"#1: a 7 by {alice.alias}", f"#2: a 7 by {alice.alias}"]
    table = app.dataframe[0].value
    assert list(table["Best accuracy"]) == ["no model yet"]  # not "None"


def test_a_student_gives_a_drawing_from_my_drawings(shared, monkeypatch, mnist):
    app = visitor(monkeypatch, "drawings").run()  # a first visit: its workspace is in the URL now
    token = app.query_params["ws"]
    token = token[0] if isinstance(token, list) else token
    mine = workspaces.from_token(token)
    save_drawing(mnist.x_test[0], 7, mnist.x_test[0], mine)
    app.run()
    app.button(key="give_drawing").click().run()
    assert not app.exception and class_set.given_ids(mine) == {list_drawings(mine)[0].id}
    assert app.button(key="give_drawing").disabled and app.get("image")[0].captions[0].endswith("given to the class")


def test_a_teacher_signed_in_with_a_listed_address_has_the_page(shared, monkeypatch):
    monkeypatch.setenv("DIGITLAB_TEACHERS", "ada@school.example")
    with mock.patch("ui.visitor.signed_in_address", return_value="Ada@School.example"):
        app = visitor(monkeypatch, "teacher").run()
    assert not app.exception and app.title[0].value == "Your class"
    with mock.patch("ui.visitor.signed_in_address", return_value="pupil@school.example"):
        app = visitor(monkeypatch, "teacher").run()
    assert "Your class" not in [t.value for t in app.title]


def test_the_class_runs_are_every_workspaces_active_runs_whichever_server_follows_them(board, shared):
    here, there = student(1), student(2)
    long = TrainConfig.for_architecture("softmax", epochs=200, train_limit=5000)  # a class's largest: stopped
    job = board.submit_training(long, "here", here)
    wait_until(lambda: job.state == "running")
    runs.record_run(there, "digitlab-train-there", state="running", name="theirs", architecture="mlp")
    path = runs.runs_dir(there) / "digitlab-train-there.json"
    store.write_json_atomic(path, {**runs.read_run(path), "server": "another-host-1-abcdef"})
    try:
        found = {run.record["name"]: run for run in class_runs()}
        assert set(found) == {"here", "theirs"}
        assert found["here"].job is job and found["here"].status().state == "running"
        assert found["theirs"].job is None and found["theirs"].status() is None
        assert found["theirs"].ask("stop") and runs.asked(there, "digitlab-train-there") == "stop"
        assert found["here"].ask("stop")
        assert job.wait(60).state == "stopped"
    finally:
        job.stop()


def another_servers_run(workspace, run_id: str, state: str, name: str | None = None) -> None:
    """A run record as another app server on the same store writes it (its heartbeat fresh)."""
    runs.record_run(workspace, run_id, state=state, kind="train", name=name or run_id, architecture="mlp")
    path = runs.runs_dir(workspace) / f"{run_id}.json"
    store.write_json_atomic(path, {**runs.read_run(path), "server": "another-host-1-abcdef"})


HOSTILE_NAME = "![x](http://host/tracker.png) [Your grade is ready: click](http://host/phish)" + "W" * 3000


def test_the_teacher_stops_and_cancels_runs_another_app_server_follows(shared, monkeypatch):
    another_servers_run(student(1), "running-there", "running")
    another_servers_run(student(2), "queued-there", "queued")
    another_servers_run(student(3), "hostile", "queued", name=HOSTILE_NAME)  # as an older version recorded it
    app = teacher_visit(monkeypatch).run()
    assert not app.exception, app.exception
    said = " ".join(m.value for m in app.markdown)
    hostile = next(m for m in app.markdown if "x" in m.value and "tracker" in m.value)
    assert "](" not in hostile.value and "![" not in hostile.value and "W" * 40 not in hostile.value  # cut
    assert "http\\:" in hostile.value  # no address either: escaped, it is not made a link
    said = said.replace("\\", "")  # the escapes of what students typed
    assert f"**{student(1).alias}**: **running-there** (mlp), running on another app server" in said
    assert f"**{student(2).alias}**: **queued-there** (mlp), queued on another app server" in said
    assert set(app.dataframe[0].value["Now"]) == {
        "train: running-there, running",
        "train: queued-there, queued",
        f"train: {HOSTILE_NAME[:39]}…, queued",  # cut
    }
    app.button(key="stop-running-there").click().run()
    app.button(key="cancel-all").click().run()  # every queued run, in one click; the running one is left
    assert not app.exception
    assert runs.asked(student(1), "running-there") == "stop" and runs.asked(student(2), "queued-there") == "cancel"
    assert runs.asked(student(3), "hostile") == "cancel"
    assert {c.value for c in app.caption} >= {"Asked to stop.", "Asked to cancel."}
    # A new lesson waits for every run of the class, on any server.
    app.checkbox(key="teacher-new-sure").check().run()
    next(b for b in app.button if b.label == "Start a new lesson").click().run()
    assert "stop or cancel them above first" in app.warning[0].value and classroom.archives() == []


def test_the_teacher_sees_this_servers_runs_in_detail_and_stops_or_cancels_them(board, shared, monkeypatch):
    long = TrainConfig.for_architecture("softmax", epochs=200, train_limit=5000)  # a class's largest: stopped
    running = board.submit_training(long, "first", student(1))
    waiting = board.submit_training(long, "second", student(2))
    try:
        wait_until(lambda: running.events)
        app = teacher_visit(monkeypatch).run()
        assert not app.exception, app.exception
        said = " ".join(m.value for m in app.markdown)
        assert re.search(r"\*\*first\*\* \(softmax\) is training: epoch \d+ of 200\.", said), said
        assert re.search(r"\*\*second\*\* \(softmax\) waits: next in line, should start in about \d+ min\.", said)
        app.button(key=f"cancel-{waiting.id}").click().run()
        assert waiting.wait(60).state == "cancelled"
        app.button(key=f"stop-{running.id}").click().run()
        assert running.wait(60).state == "stopped" and running.saved_name == "first"
        assert not app.exception and runs.asked(student(1), running.id) == "stop"
        assert running.status().by_teacher and waiting.status().by_teacher  # their pages say who did it
    finally:
        running.stop()


def test_wrong_teacher_keys_are_slowed_per_address_and_per_session_and_a_short_key_is_refused(monkeypatch):
    monkeypatch.setenv("DIGITLAB_TEACHER_KEY", TEACHER_KEY)
    monkeypatch.setattr(teacher, "WRONG_KEYS", LastMinute())
    for guess in range(teacher.WRONG_KEYS_PER_MINUTE):
        assert not teacher.try_teacher_key(f"guess-{guess}", "address 10.0.0.9", "session a")
    with pytest.raises(teacher.TooManyGuesses, match="wait a minute"):
        teacher.try_teacher_key(TEACHER_KEY, "address 10.0.0.9", "session b")  # even the right key, from there
    with pytest.raises(teacher.TooManyGuesses):
        teacher.try_teacher_key(TEACHER_KEY, "address 10.0.0.10", "session a")  # the session, from elsewhere
    assert teacher.try_teacher_key(TEACHER_KEY, "address 10.0.0.10", "session c")
    for times in teacher.WRONG_KEYS.times.values():
        times[0] -= 61  # a minute later
    assert teacher.try_teacher_key(TEACHER_KEY, "address 10.0.0.9", "session a")
    monkeypatch.setenv("DIGITLAB_TEACHER_KEY", "sixsix")
    with pytest.raises(ValueError, match="at least 20 characters"):
        teacher.is_teacher_key("sixsix")


def test_the_teacher_cancels_every_queued_run_or_stops_every_run_in_one_click(shared, monkeypatch):
    another_servers_run(student(1), "running-1", "running")
    for i in range(2, 5):
        another_servers_run(student(i), f"queued-{i}", "queued")
    app = teacher_visit(monkeypatch).run()
    app.button(key="cancel-all").click().run()
    assert not app.exception and runs.asked(student(1), "running-1") is None  # the running one goes on
    assert [runs.asked(student(i), f"queued-{i}") for i in range(2, 5)] == ["cancel"] * 3
    app.button(key="stop-all").click().run()
    assert runs.asked(student(1), "running-1") == "stop"
