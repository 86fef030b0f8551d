"""Training and fine-tuning as jobs on the Dask cluster, the app's half: submit, follow, stop, cancel, save.

The worker's half is worker.py. In the app, one `JobBoard` per server (`board_at`) submits jobs,
follows each (job.py: a small thread drains its events and saves the result into the store),
knows each job's place in the queue, and records every run.

A job takes one unit of the cluster's `training` resource (cluster.SLOT): Dask runs as many at
once as there are slots and holds the rest in its queue.
"""

from __future__ import annotations

import itertools
import logging
import threading
import uuid
from dataclasses import dataclass

from digitlab import language
from digitlab.learn.train import EPOCH_END_GUESS, TrainConfig
from digitlab.serve import answers, classroom, runs, store
from digitlab.serve.cluster import SLOT, connect
from digitlab.serve.job import Job, JobStatus
from digitlab.serve.worker import run_fine_tune, run_training
from digitlab.serve.workspaces import Workspace, all_workspaces, shared_mode

log = logging.getLogger(__name__)

GUESSED_RATE = 6000.0  # digits a second a trainer goes through, until a running job says
FINE_TUNE_GUESS = 30.0  # seconds a fine-tuning takes, roughly
KEPT_ENDED_JOBS = 200  # ended jobs a board remembers (their runs stay on disk)


def recorded_runs(workspace: Workspace) -> list[dict]:
    """The runs recorded in `workspace`, newest first; one no board of this process follows is interrupted."""
    live = set().union(*(board.live_ids() for board in all_boards()))
    return runs.list_runs(workspace, live=live)


def active_run(workspace: Workspace) -> dict | None:
    """A queued or running run of `workspace` that a server still follows: this one, or another app
    server on the same store (its heartbeat is recent)."""
    return next((r for r in recorded_runs(workspace) if r.get("state") in runs.ACTIVE), None)


@dataclass
class ClassRun:
    """A queued or running run of any workspace, as the store tells it: the same on every app server."""

    workspace: Workspace
    record: dict  # its run record (runs.py): id, kind, name, architecture, state, server
    job: Job | None = None  # this server's job, where this server follows it
    board: JobBoard | None = None  # ... and its board

    def status(self) -> JobStatus | None:
        """The job's status in detail (its epoch, its place in the queue), where this server follows it."""
        return self.board.status(self.job) if self.board and self.job else None

    def ask(self, what: str) -> bool:
        """Stop or cancel it (runs.ASKS); this server does it at once, another at its next look."""
        if self.job is not None:
            self.job.by_teacher = True
            (self.job.cancel if what == "cancel" else self.job.stop)()
        return runs.ask(self.workspace, self.record["id"], what)


def class_runs() -> list[ClassRun]:
    """Every workspace's queued or running runs, oldest first, whichever app server follows them."""
    followed = {job.id: (job, board) for board in all_boards() for job in list(board.jobs.values())}
    found = [
        ClassRun(workspace, record, *followed.get(record["id"], ()))
        for workspace in all_workspaces()
        for record in recorded_runs(workspace)
        if record.get("state") in runs.ACTIVE
    ]
    return sorted(found, key=lambda run: run.record.get("created", 0))


def estimated_wait(running: list[Job], queued_before: list[Job]) -> float:
    """Seconds until a queued job starts: what the running jobs have left, then the jobs queued
    before it, shared among as many trainers as are busy now (a rough guess, said as one)."""
    rates = [j.events[-1].examples_per_second for j in running if j.events]
    rate = max(rates, default=GUESSED_RATE)

    def left(job: Job) -> float:
        if job.events and job.events[-1].seconds_left is not None:
            return job.events[-1].seconds_left
        if job.config is None:  # a fine-tuning: a few epochs on a few thousand digits
            return FINE_TUNE_GUESS
        return job.config.epochs * (job.config.example_count() / rate + EPOCH_END_GUESS)

    return sum(map(left, running + queued_before)) / max(1, len(running))


class JobBoard:
    """The jobs this server has submitted, in order: submit, find, and say how many wait ahead."""

    def __init__(self, client, address: str | None = None):
        self.client = client
        self.jobs: dict[str, Job] = {}
        self.lock = threading.Lock()
        self.answering: set[str] = set()  # models a worker is reading drawings with (answers.model_key)
        self.answer_futures: set = set()
        with BOARDS_LOCK:
            BOARDS[address if address is not None else f"client-{id(client)}"] = self

    def submit_training(
        self, config: TrainConfig, name: str, workspace: Workspace, keep_on_stop: bool = True, source: str | None = None
    ) -> Job:
        """Queue a training run of `config`; its model is saved as `name` in `workspace` when it ends.
        `source` (the client's address) takes its turn with the others (`turn`).

        Raises WorkspaceError or NetworkError (both ValueErrors), in words, for a run this server does
        not take: too large, or one the class's lesson does not allow (classroom.check_submission).
        """
        classroom.check_submission(config)
        name = store.slugify(name)  # the name its model is saved under; a record never holds what was typed
        job_id = f"digitlab-train-{uuid.uuid4().hex[:12]}"
        source = source or workspace.key
        priority = self.turn(source)
        future = self.client.submit(
            run_training,
            job_id,
            config,
            keep_on_stop,
            language.current(),
            key=job_id,
            resources={SLOT: 1},
            priority=priority,
        )
        job = Job(job_id, "train", name, workspace, future, config=config, source=source, priority=priority)
        job.max_seconds = classroom.read_lesson().run_seconds if shared_mode() else None
        return self.add(job)

    def turn(self, source: str) -> int:
        """The Dask priority of `source`'s next run: minus the runs it already has queued or running
        here, so the queue takes one run of every source before a second of any."""
        with self.lock:
            return -sum(1 for job in self.jobs.values() if job.active and job.source == source)

    def submit_fine_tune(
        self, model_file: bytes, meta: dict, x, y, epochs: int, name: str, workspace: Workspace, source=None
    ) -> Job:
        """Queue fine-tuning of a model (its file and record) on drawings `x`, `y`; saved as `name`."""
        name = store.slugify(name)
        job_id = f"digitlab-tune-{uuid.uuid4().hex[:12]}"
        source = source or workspace.key
        priority = self.turn(source)
        future = self.client.submit(
            run_fine_tune,
            job_id,
            model_file,
            x,
            y,
            epochs,
            language.current(),
            key=job_id,
            resources={SLOT: 1},
            priority=priority,
        )
        job = Job(job_id, "fine-tune", name, workspace, future, base_meta=meta, source=source, priority=priority)
        return self.add(job)

    def answer_in_background(self, missing: list[answers.Unanswered]) -> None:
        """Have a worker read the drawings with the models that have not (answers.answer_drawings),
        ahead of queued trainings; a model already being answered for is not sent twice."""
        with self.lock:
            fresh = [m for m in missing if answers.model_key(m.entry) not in self.answering]
            keys = {answers.model_key(m.entry) for m in fresh}
            self.answering |= keys
        if not fresh:
            return
        future = self.client.submit(
            answers.answer_drawings, answers.work_for(fresh), str(answers.answers_dir()), pure=False, priority=10
        )

        def done(_) -> None:
            with self.lock:
                self.answering -= keys

        future.add_done_callback(done)
        self.answer_futures.add(future)  # held until done: a future no one holds is cancelled
        future.add_done_callback(self.answer_futures.discard)

    def add(self, job: Job) -> Job:
        with self.lock:
            self.jobs[job.id] = job
            ended = [j for j in self.jobs.values() if not j.active]
            for old in ended[: max(0, len(ended) - KEPT_ENDED_JOBS)]:
                del self.jobs[old.id]
        # Recorded once the board holds it: a record no board holds reads as interrupted.
        try:
            fields = dict(state="queued", kind=job.kind, name=job.name, architecture=job.architecture)
            runs.record_run(job.workspace, job.id, **fields)
        except store.StoreError:  # the disk refuses: nothing starts, and the page says why
            with self.lock:
                del self.jobs[job.id]
            job.future.cancel()
            raise
        job.thread.start()
        return job

    def get(self, job_id: str | None) -> Job | None:
        return self.jobs.get(job_id) if job_id else None

    def status(self, job: Job) -> JobStatus:
        """The job's status, with the number of this server's jobs queued before it, and whether
        another of its runs holds a slot (else a queued job is only waiting for a worker to start)."""
        status = job.status()
        if status.state == "queued":
            with self.lock:
                earlier = list(itertools.takewhile(lambda j: j is not job, self.jobs.values()))
                later = list(self.jobs.values())[len(earlier) + 1 :]
                queued_before = [j for j in earlier if j.state == "queued" and j.priority >= job.priority]
                queued_before += [j for j in later if j.state == "queued" and j.priority > job.priority]
                running = [j for j in self.jobs.values() if j is not job and j.state == "running"]
                status.ahead = len(queued_before)
                status.others_running = bool(running)
                status.starts_in = estimated_wait(running, queued_before)
        return status

    def active_in(self, workspace: Workspace) -> Job | None:
        """A queued or running job whose model goes to `workspace` (one workspace trains one at a time)."""
        return next((j for j in list(self.jobs.values()) if j.active and j.workspace.root == workspace.root), None)

    def live_ids(self) -> set[str]:
        return {j.id for j in list(self.jobs.values()) if j.active}

    def close(self) -> None:
        """Disconnect; an embedded cluster is shut down with its workers."""
        with BOARDS_LOCK:
            for address in [a for a, board in BOARDS.items() if board is self]:
                del BOARDS[address]
        cluster = self.client.cluster
        self.client.close()
        if cluster is not None:
            cluster.close()


BOARDS: dict[str, JobBoard] = {}  # every board of this process: a server's by scheduler address ("": embedded)
BOARDS_LOCK = threading.Lock()
CONNECTING = threading.Lock()  # held while a server's board connects


def all_boards() -> list[JobBoard]:
    with BOARDS_LOCK:
        return list(BOARDS.values())


def board_at(address: str) -> JobBoard:
    """The server's board on `address` ("" for an embedded cluster), connected on first use."""
    with CONNECTING:  # a press of Train during the background start waits for that start
        if address not in BOARDS:
            log.info("connecting to the training cluster at %s", address or "a new embedded cluster")
            JobBoard(connect(address or None), address)
        return BOARDS[address]
