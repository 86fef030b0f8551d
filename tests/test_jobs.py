"""Training jobs on a real embedded Dask cluster with one slot: events, stop, queue, cancel, dead workers."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import numpy as np
import pytest

from digitlab import language
from digitlab.learn import cores
from digitlab.learn.train import TrainConfig
from digitlab.serve import runs, store
from digitlab.serve.cluster import (
    MAX_DEFAULT_SLOTS,
    NICE_STEP,
    NICENESS,
    SESSION_NICENESS,
    LowPriority,
    connect,
    session_niceness,
    training_slots,
)
from digitlab.serve.jobs import JobBoard, recorded_runs

QUICK = TrainConfig.for_architecture("softmax", epochs=2, train_limit=5000)
LONG = TrainConfig.for_architecture("softmax", epochs=10_000, train_limit=5000)  # never ends on its own: stopped


def wait_until(condition, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_job_trains_on_a_worker_and_its_events_arrive_in_order(board, workspace):
    job = board.submit_training(QUICK, "quick", workspace)
    status = job.wait(120)
    assert status.state == "done" and status.saved_name == "quick", status.error
    steps = [e.step for e in status.events]
    assert steps == sorted(steps) and steps[-1] == status.events[-1].total_steps
    assert [e.epoch for e in status.events if e.kind == "epoch"] == [1, 2]
    model, meta = store.load_model("quick", workspace)
    assert meta["test_accuracy"] > 0.8 and meta["params"] == model.count_params() == 7850
    assert [r["state"] for r in runs.list_runs(workspace)] == ["done"]


def started(board: JobBoard, config: TrainConfig, name: str, workspace, keep_on_stop: bool = True, source=None):
    job = board.submit_training(config, name, workspace, keep_on_stop=keep_on_stop, source=source)
    wait_until(lambda: job.events)
    return job


@pytest.mark.parametrize("keep", [True, False])
def test_stop_ends_the_job_and_keeps_or_discards(board, workspace, keep):
    job = started(board, LONG, "stopped", workspace, keep_on_stop=keep)
    job.stop()
    status = job.wait(60)
    assert status.state == "stopped" and status.error is None
    assert status.events[-1].step < status.events[-1].total_steps
    if keep:
        assert status.saved_name == "stopped" and store.load_model("stopped", workspace)[1]["stopped_early"] is True
    else:
        assert status.saved_name is None and store.list_models(workspace, include_default=False) == []


def test_jobs_beyond_the_slot_wait_in_order_and_a_queued_one_can_be_cancelled(board, workspace):
    first = started(board, LONG, "first", workspace)
    second = board.submit_training(QUICK, "second", workspace)
    third = board.submit_training(QUICK, "third", workspace)
    time.sleep(2)  # the slot stays busy: nothing else starts
    assert [board.status(j).state for j in (first, second, third)] == ["running", "queued", "queued"]
    assert [board.status(j).ahead for j in (second, third)] == [0, 1]
    assert board.status(second).others_running  # the page says "Queued", not "Starting..."
    assert board.status(third).starts_in > board.status(second).starts_in > 0  # behind first, then second
    second.cancel()
    assert second.wait(30).state == "cancelled"
    assert board.status(third).ahead == 0
    first.stop()
    assert third.wait(120).state == "done"
    assert second.saved_name is None and not second.events
    assert sorted(m.name for m in store.list_models(workspace, include_default=False)) == ["first", "third"]


def test_a_worker_killed_mid_job_gives_an_interrupted_run_and_the_next_job_runs(board, workspace):
    doomed = started(board, LONG, "doomed", workspace)
    waiting = board.submit_training(QUICK, "next", workspace)
    (pid,) = board.client.run(os.getpid).values()
    os.kill(pid, signal.SIGKILL)
    assert doomed.wait(120).state == "interrupted" and "stopped mid-run" in doomed.error
    assert waiting.wait(180).state == "done" and waiting.saved_name == "next"
    assert [m.name for m in store.list_models(workspace, include_default=False)] == ["next"]
    states = {r["name"]: r["state"] for r in recorded_runs(workspace)}
    assert states == {"doomed": "interrupted", "next": "done"}


def test_a_job_whose_app_went_away_stops_and_frees_its_slot(board, workspace):
    orphan = started(board, LONG, "orphan", workspace)
    orphan.future.cancel()  # what the scheduler does when the app's client disconnects
    job = board.submit_training(QUICK, "after", workspace)
    assert job.wait(300).state == "done"  # LONG never ends by itself: only the orphan's stop frees the slot
    assert "orphan" not in [m.name for m in store.list_models(workspace, include_default=False)]


def test_a_job_whose_client_closed_stops_and_frees_its_slot(cluster, board, workspace):
    """An app on an external scheduler goes away: its client closes, the scheduler cancels its job."""
    app = JobBoard(connect(cluster.scheduler_address))
    started(app, LONG, "orphan", workspace)
    app.client.close()
    job = board.submit_training(QUICK, "after", workspace)
    assert job.wait(300).state == "done"
    assert "orphan" not in [m.name for m in store.list_models(workspace, include_default=False)]


def test_a_fine_tuning_whose_app_went_away_stops_and_frees_its_slot(board, workspace, mnist):
    model_file = (store.DEFAULT_MODEL_DIR / store.MODEL_FILE).read_bytes()
    x, y = mnist.x_test[:8].astype(np.float32), mnist.y_test[:8]
    orphan = board.submit_fine_tune(model_file, {"architecture": "fast"}, x, y, 10_000, "orphan", workspace)
    wait_until(lambda: board.status(orphan).state == "running")
    orphan.future.cancel()
    job = board.submit_training(QUICK, "after", workspace)
    assert job.wait(300).state == "done"  # 10,000 epochs never end by themselves: only the stop frees the slot
    assert "orphan" not in [m.name for m in store.list_models(workspace, include_default=False)]


def test_bad_settings_are_refused_at_submit_and_a_diverging_run_fails_with_a_message(board, workspace):
    with pytest.raises(ValueError, match="Batch size must be between 1"):  # checked once, before any worker
        board.submit_training(TrainConfig.for_architecture("softmax", batch_size=0), "bad", workspace)
    assert recorded_runs(workspace) == []
    config = TrainConfig.for_architecture("mlp", learning_rate=1e6, epochs=1, train_limit=2000)
    diverged = board.submit_training(config, "nan", workspace)
    assert diverged.wait(120).state == "failed" and "learning rate is too high" in diverged.error
    assert store.list_models(workspace, include_default=False) == []
    language.use("de")  # a German page: the worker says it in German
    try:
        in_german = board.submit_training(config, "nan", workspace)
        assert in_german.wait(120).state == "failed"
        said = language._(
            "The loss became {loss} at step {step}: the learning rate is too high. "
            "Lower it (try a tenth) and train again."
        )
    finally:
        language.use("en")
    assert said.split("{")[0] in in_german.error and "learning rate is too high" not in in_german.error


def test_runs_left_active_by_a_dead_server_read_as_interrupted(workspace):
    runs.record_run(workspace, "digitlab-train-old", state="running", name="lost")
    (record,) = runs.list_runs(workspace)
    assert record["state"] == "interrupted" and "No model was saved" in record["error"]
    assert runs.list_runs(workspace, live={"digitlab-train-old"})[0]["state"] == "interrupted"  # written once, kept


def test_fine_tuning_runs_as_a_job(board, workspace, mnist):
    model_file = (store.DEFAULT_MODEL_DIR / store.MODEL_FILE).read_bytes()
    x, y = mnist.x_test[:8].astype(np.float32), mnist.y_test[:8]
    job = board.submit_fine_tune(model_file, {"architecture": "fast"}, x, y, 1, "default-tuned", workspace)
    status = job.wait(180)
    assert status.state == "done", status.error
    meta = store.load_model("default-tuned", workspace)[1]
    assert meta["architecture"] == "fast" and meta["test_accuracy"] > 0.97 and meta["drawings_accuracy"] == 1.0


@pytest.mark.skipif("MALLOC_TRIM_THRESHOLD_" in os.environ, reason="set here: the workers inherit it, as they should")
def test_the_embedded_workers_start_without_dasks_malloc_trim_threshold(board):
    """Dask's MALLOC_TRIM_THRESHOLD_ pins glibc's mmap threshold, and training ran about 3% slower."""
    assert list(board.client.run(lambda: os.environ.get("MALLOC_TRIM_THRESHOLD_")).values()) == [None]


def test_the_embedded_clusters_servers_wake_seldom(board):
    """Dask's 20-ms event-loop checks and 0.5-s system readings cost the app's process 0.05 of a core."""

    def intervals(server) -> tuple[float, float]:  # ms between its loop's checks, between its system readings
        return tuple(server.periodic_callbacks[name].callback_time for name in ("tick", "monitor"))

    assert board.client.run_on_scheduler(lambda dask_scheduler: intervals(dask_scheduler)) == (1000, 5000)


def test_the_embedded_workers_run_one_thread_per_operation_and_split_batches(board, monkeypatch):
    """learn/cores.py: a worker's training runs its batch's parts side by side, one core each."""

    def look():
        return os.environ.get("TF_NUM_INTRAOP_THREADS"), cores.batch_parts(256)

    monkeypatch.setenv("TF_NUM_INTRAOP_THREADS", "1")  # what the rule gives such a process (test_cores.py)
    assert list(board.client.run(look).values()) == [("1", cores.batch_parts(256))]


def test_the_embedded_workers_run_niced_without_the_profiler_and_wake_seldom(board):
    def dasks_defaults(dask_worker):  # what a worker the config did not reach has (CI's once did)
        for name, ms in (("tick", 20), ("monitor", 500), ("memory_monitor", 100)):
            dask_worker.periodic_callbacks[name].callback_time = ms

    board.client.run(dasks_defaults)
    board.client.register_plugin(LowPriority())  # as connect() does for an embedded cluster

    def look(dask_worker):
        callbacks = dask_worker.periodic_callbacks
        profilers = [name for name in callbacks if name.startswith("profile")]
        intervals = [callbacks[name].callback_time for name in ("tick", "monitor", "memory_monitor")]
        niceness = os.getpriority(os.PRIO_PROCESS, 0)  # this thread's (Linux keeps it per thread)
        return niceness, profilers, intervals

    assert list(board.client.run(look).values()) == [(NICENESS, [], [1000, 5000, 1000])]


@pytest.mark.skipif(not Path("/proc/self/autogroup").exists(), reason="no autogroup scheduling here")
def test_the_embedded_workers_yield_to_other_sessions_too(board):
    """With autogroups, nice ranks a process only within its session: the worker leaves the app's."""
    board.client.register_plugin(LowPriority())

    def look():
        return os.getsid(0) == os.getpid(), Path("/proc/self/autogroup").read_text().split()

    # Empty in the default autogroup (a process whose session descends from init's): the kernel
    # prints only the autogroups that setsid made.
    ours = Path("/proc/self/autogroup").read_text().split()[:1]
    for leads_its_session, theirs in board.client.run(look).values():
        group, _, niceness = theirs
        assert leads_its_session and [group] != ours and int(niceness) == SESSION_NICENESS


def test_a_running_job_keeps_its_record_fresh_for_other_servers(board, workspace, monkeypatch):
    monkeypatch.setattr(runs, "HEARTBEAT", 0.2)
    job = board.submit_training(LONG, "long", workspace)
    try:
        wait_until(lambda: job.state == "running")
        path = runs.runs_dir(workspace) / f"{job.id}.json"
        first = runs.read_run(path)["updated"]
        wait_until(lambda: runs.read_run(path)["updated"] > first + 0.5, timeout=60)
        assert runs.read_run(path)["server"] == runs.SERVER and job.state == "running"
    finally:
        job.stop()
    assert job.wait(120).state == "stopped"


def test_another_servers_run_reads_as_it_is_while_its_heartbeat_is_fresh(workspace, monkeypatch):
    runs.record_run(workspace, "digitlab-train-there", state="running", name="theirs")
    path = runs.runs_dir(workspace) / "digitlab-train-there.json"
    record = runs.read_run(path)
    store.write_json_atomic(path, {**record, "server": "another-host-1-abcdef"})
    assert runs.list_runs(workspace)[0]["state"] == "running"  # followed by the other server
    store.write_json_atomic(path, {**record, "server": "another-host-1-abcdef", "updated": time.time() - 60})
    assert runs.list_runs(workspace)[0]["state"] == "interrupted"  # its server went quiet


def test_a_stop_or_cancel_asked_through_the_store_reaches_the_server_that_follows_the_run(board, workspace):
    """What a teacher on another app server does (runs.ask): this server reads it and stops or cancels the run."""
    running = started(board, LONG, "asked-to-stop", workspace)
    waiting = board.submit_training(QUICK, "asked-to-cancel", workspace)
    assert runs.ask(workspace, waiting.id, "cancel") and runs.ask(workspace, running.id, "stop")
    assert running.wait(60).state == "stopped" and running.saved_name == "asked-to-stop"
    assert waiting.wait(60).state == "cancelled" and not waiting.events
    assert not runs.ask(workspace, running.id, "stop")  # ended: nothing to ask
    with pytest.raises(ValueError, match="stop or cancel"):
        runs.ask(workspace, running.id, "delete")


@pytest.mark.parametrize(("cores", "slots"), [(1, 1), (2, 2), (4, 4), (64, MAX_DEFAULT_SLOTS), (None, 1)])
def test_the_embedded_cluster_runs_one_training_per_core_unless_told(monkeypatch, cores, slots):
    monkeypatch.delenv("DIGITLAB_TRAINING_SLOTS", raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: cores)
    assert training_slots() == slots
    monkeypatch.setenv("DIGITLAB_TRAINING_SLOTS", "3")
    assert training_slots() == 3
    for wrong in ("0", "two", "-1"):
        monkeypatch.setenv("DIGITLAB_TRAINING_SLOTS", wrong)
        with pytest.raises(ValueError, match="whole number of at least 1"):
            training_slots()


def test_the_workers_sessions_weigh_together_what_one_workers_did():
    """Each worker leads a session and Linux shares the CPU between sessions first: with more workers
    each session is niced more, so that the app and a browser keep their share (session_niceness)."""
    one = NICE_STEP**-SESSION_NICENESS
    assert session_niceness(1) == SESSION_NICENESS
    for workers in range(2, 9):
        together = workers * NICE_STEP ** -session_niceness(workers)
        assert one / NICE_STEP < together < one * NICE_STEP  # within one niceness step of one worker


def test_the_queue_takes_turns_between_sources(board, workspace, tmp_path):
    """One address that queues three runs does not hold up another's: its second waits behind the other's first."""
    from digitlab.serve.workspaces import personal_workspace

    other = personal_workspace(tmp_path / "other")
    first = started(board, LONG, "first", workspace, source="10.0.0.66")
    again = [board.submit_training(QUICK, f"again-{i}", workspace, source="10.0.0.66") for i in range(2)]
    theirs = board.submit_training(QUICK, "theirs", other, source="10.0.0.7")
    assert [board.status(j).ahead for j in (*again, theirs)] == [1, 2, 0]  # as the queue will take them
    first.stop()
    wait_until(lambda: theirs.state != "queued", timeout=120)
    assert [j.state for j in again] == ["queued", "queued"]  # the other address's run went first
    for job in again:
        job.cancel()
    assert theirs.wait(120).state == "done"


def test_a_shared_run_longer_than_the_lesson_allows_is_stopped_once_its_pace_shows_it(board, workspace, monkeypatch):
    from digitlab.serve import classroom
    from digitlab.serve import job as followed

    monkeypatch.setenv("DIGITLAB_SHARED", "1")
    monkeypatch.setattr(followed, "PACE_SETTLE", 1.0)
    classroom.save_lesson(classroom.Lesson(max_minutes=1))
    short = TrainConfig.for_architecture("softmax", epochs=20, train_limit=55_000, batch_size=1)
    with pytest.raises(ValueError, match="would take at least 18 minutes"):
        board.submit_training(short, "refused", workspace)  # 1,100,000 batches: refused before it starts
    monkeypatch.setattr(classroom, "FASTEST_STEP", 1e-9)  # as if steps cost nothing: the run's pace tells
    endless = TrainConfig.for_architecture("softmax", epochs=200, train_limit=5000, batch_size=1)  # hours anywhere
    job = board.submit_training(endless, "endless", workspace)
    status = job.wait(300)
    assert status.state == "failed" and "in this class a run may take 1" in status.error
    assert "use a larger batch size" in status.error and status.saved_name is None


def test_a_worker_reads_the_drawings_with_the_models_that_have_not_and_each_once(board, workspace, mnist):
    from digitlab.learn.architectures import build_model
    from digitlab.serve import answers
    from digitlab.serve.drawings import list_drawings, save_drawing

    for i in range(3):
        save_drawing(mnist.x_test[i], int(mnist.y_test[i]), mnist.x_test[i], workspace)
    store.save_model(build_model("softmax"), "untrained", {"test_accuracy": 0.1}, workspace)
    entries = [store.default_model(), *store.list_models(workspace, include_default=False)]
    drawings = list_drawings(workspace)
    known, missing = answers.scores(entries, drawings)
    assert set(known.values()) == {None} and len(missing) == 2
    board.answer_in_background(missing)
    board.answer_in_background(missing)  # asked again while it runs: not sent twice
    assert len(board.answer_futures) <= 1
    wait_until(lambda: not answers.scores(entries, drawings)[1], timeout=300)
    known, _ = answers.scores(entries, drawings)
    assert known[store.default_model().path] == 1.0  # the shipped default reads MNIST's first three right
    assert 0 <= known[entries[1].path] <= 1
    wait_until(lambda: not board.answering)


def test_queued_jobs_ask_the_scheduler_what_runs_once_for_all_of_them(monkeypatch):
    from digitlab.serve import job

    class Client:
        asked = 0

        def processing(self):
            self.asked += 1
            return {"tcp://worker-1": ["digitlab-train-a"], "tcp://worker-2": []}

    client = Client()
    monkeypatch.setattr(job, "RUNNING_KEYS", {})
    for _ in range(100):  # a class's queued jobs, each looking once within a second
        assert job.running_keys(client) == {"digitlab-train-a"}
    assert client.asked == 1
    asked, keys = job.RUNNING_KEYS[id(client)]
    job.RUNNING_KEYS[id(client)] = asked - job.QUEUED_FOLLOW_INTERVAL, keys  # as a second later
    job.running_keys(client)
    assert client.asked == 2
