"""The Dask cluster that runs training jobs: an existing one by address, or one embedded per server.

`DIGITLAB_SCHEDULER=tcp://host:8786` connects to a cluster started with `dask scheduler` and
`dask worker ... --resources training=1`. With nothing configured, `connect()` starts a
`LocalCluster` of worker processes on this machine: one worker per training slot, at a lower CPU
priority than the app, TensorFlow running one operation per core (learn/cores.py).

A job asks for one unit of the `training` resource, so the cluster never runs more trainings at
once than it has slots; the rest wait in Dask's own queue. The plugin must run in a worker
before TensorFlow starts its thread pools, and it does: importing the package imports TensorFlow
(digitlab/__init__.py, for its quiet start) but starts no pool (2 threads); the pools start at
the first operation, in threads that inherit the niceness the plugin gave every thread there.
"""

from __future__ import annotations

import logging
import math
import os
import threading
from pathlib import Path

from distributed import WorkerPlugin

from digitlab import settings
from digitlab.learn.cores import thread_settings
from digitlab.serve.pool import warm_up_quietly

log = logging.getLogger(__name__)

SLOT = "training"  # the Dask worker resource one training job takes
NICENESS = 10  # embedded workers yield the CPU to the app's page reruns and predictions
# Their session's niceness (see `own_autogroup`): they yield to other sessions, a browser's included.
# 10 here cost a worker's training about 9% even on a quiet machine (bench/served.py's throughput
# rounds, 2026-11-22); 5 nothing measurable. That is for one worker: see `session_niceness`.
SESSION_NICENESS = 5
NICE_STEP = 1.25  # Linux gives a task about 1.25x the CPU weight of one a niceness step above it


MAX_DEFAULT_SLOTS = 4  # slots an embedded cluster takes unasked: each worker holds TensorFlow and MNIST in memory


def training_slots() -> int:
    """Trainings the embedded cluster runs at once: `$DIGITLAB_TRAINING_SLOTS`, or one per core up to
    MAX_DEFAULT_SLOTS. Each worker keeps a thread per core (`start_local_cluster`), so a learner
    alone trains as fast as with one slot, and runs side by side share the cores: on 2 cores two
    default runs at once end in 0.71x the time of the two one after the other (bench/slots.py)."""
    return settings.current().training_slots or max(1, min(os.cpu_count() or 1, MAX_DEFAULT_SLOTS))


def session_niceness(workers: int) -> int:
    """The niceness of each of `workers` worker sessions, so that together they weigh what one worker's
    session at SESSION_NICENESS does against the app's and a browser's.

    Each worker leads a session of its own, and Linux shares the CPU between sessions first: two
    workers at 5 took twice one worker's share, and a class's strokes waited 1.63x and 1.85x as long
    as a lone tab's (bench/class_load.py, 30 visitors, 2026-12-03); at 8 each (two workers), 1.41x.
    """
    return min(19, SESSION_NICENESS + round(math.log(max(1, workers), NICE_STEP)))


def lower_priority(niceness: int) -> None:
    """Renice every thread of this process (Linux keeps niceness per thread; new threads inherit it)."""
    tasks = Path("/proc/self/task")
    thread_ids = [int(t.name) for t in tasks.iterdir()] if tasks.is_dir() else [0]
    for tid in thread_ids:
        try:
            os.setpriority(os.PRIO_PROCESS, tid, niceness)
        except (OSError, AttributeError):  # a thread that just ended, or no setpriority (Windows)
            log.debug("could not renice thread %s", tid, exc_info=True)


def own_autogroup(niceness: int) -> None:
    """Leave the app's session for one of the worker's own, and nice that session's autogroup.

    Where Linux schedules by autogroup (/proc/sys/kernel/sched_autogroup_enabled), it shares the
    CPU between sessions first and applies nice only within one: a niced worker in the app's
    session still takes half the cores from a browser on the same laptop (another session). Alone
    in its session, with the autogroup niced, it yields to every other. No-op where there is no
    autogroup, or when the process already leads a session or group (setsid refuses).
    """
    autogroup = Path("/proc/self/autogroup")
    if not autogroup.exists():
        return
    try:
        os.setsid()
        autogroup.write_text(str(niceness))
    except OSError:
        log.debug("the worker keeps the app's session", exc_info=True)


class LowPriority(WorkerPlugin):
    """A Dask worker plugin, set up on every worker before its first task, a restarted one too: the
    process runs niced, and without Dask's profiler, which takes the GIL every 10 ms to sample the
    training thread's stack for a dashboard the embedded cluster does not have; its event loop wakes
    as seldom as the scheduler's (QUIET_LOOPS). The process leaves the app's session for its own,
    niced too (see `own_autogroup`)."""

    name = "digitlab-low-priority"

    def __init__(self, niceness: int = NICENESS, session_niceness: int = SESSION_NICENESS):
        self.niceness = niceness
        self.session_niceness = session_niceness

    def setup(self, worker) -> None:
        own_autogroup(self.session_niceness)
        lower_priority(self.niceness)
        for name in ("profile", "profile-cycle"):
            callback = worker.periodic_callbacks.pop(name, None)
            if callback is not None:
                callback.stop()
        for name, seconds in QUIET_LOOPS.values():
            if name in worker.periodic_callbacks:
                worker.periodic_callbacks[name].callback_time = seconds * 1000  # from its next wake-up


class WarmUp(WorkerPlugin):
    """A Dask worker plugin: a new worker reads and verifies MNIST and runs TensorFlow once, in a
    thread of its own, so its first job starts training at once instead of paying for these first
    (TensorFlow itself is imported when the worker unpickles a plugin from this package)."""

    name = "digitlab-warm-up"

    def setup(self, worker) -> None:
        if not WARMED.is_set():  # once per process: every app that connects registers the plugin again
            WARMED.set()
            threading.Thread(target=warm_up_quietly, name="digitlab-warm-up", daemon=True).start()


WARMED = threading.Event()


# Dask's defaults wake every server's event loop every 20 ms to time it, and read the process's CPU,
# memory, network and open files every 0.5 s (a worker's memory every 0.1 s). An idle embedded cluster
# of two workers cost the app's process (scheduler, nannies) 0.056 of a core that way, 0.008 with these
# (2026-12-07): in a class, CPU the trainings get back. Memory is still watched. The workers' processes
# gained as much (0.043 -> 0.007), but the config did not always reach them (the test suite's kept Dask's
# defaults), so LowPriority sets theirs on each worker itself, by the periodic callback each setting times.
QUIET_LOOPS = {  # Dask's setting: (the server's periodic callback it times, seconds)
    "distributed.admin.tick.interval": ("tick", 1),
    "distributed.admin.system-monitor.interval": ("monitor", 5),
    "distributed.worker.memory.monitor-interval": ("memory_monitor", 1),
}


def start_local_cluster(slots: int | None = None):
    """Start an embedded LocalCluster: `slots` worker processes of one task each, dashboard off.

    Every worker's TensorFlow runs one operation per core at once, one thread each, and splits each
    training batch in as many parts (digitlab/learn/cores.py): alone, a run has every core (1.4x as
    fast as two threads per operation); two at once on 2 cores share them as well as before.

    Dask starts worker processes with MALLOC_TRIM_THRESHOLD_=65536 (to hand freed memory back to
    the system early). Any value there also pins glibc's mmap threshold at 128 KiB, so large
    tensors are mapped and zeroed afresh more often (a `fast` epoch: 39% more page faults) and
    training ran about 3% slower. These workers start without it (a value set in the app's own
    environment still passes on).

    Its scheduler and nannies also check their event loops and read the system's figures less often
    (QUIET_LOOPS): those are for a dashboard this cluster does not have (the workers: LowPriority).
    """
    import dask
    from distributed import LocalCluster

    slots = slots or training_slots()
    quiet = {setting: f"{seconds}s" for setting, (_callback, seconds) in QUIET_LOOPS.items()}
    with dask.config.set({"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None, **quiet}):
        return LocalCluster(
            n_workers=slots,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            resources={SLOT: 1},
            env={**thread_settings(), "TF_CPP_MIN_LOG_LEVEL": "2"},
        )


def connect(address: str | None = None):
    """Return a Dask client: to `address` or `$DIGITLAB_SCHEDULER` if set, else to a new embedded cluster.

    The embedded cluster is closed with the client (`client.close()` then `client.cluster.close()`).
    """
    from distributed import Client

    address = address or settings.current().scheduler
    if address:
        client = Client(address, timeout=10)
    else:
        cluster = start_local_cluster()
        client = Client(cluster)
        client.register_plugin(LowPriority(session_niceness=session_niceness(len(cluster.workers))))
    client.register_plugin(WarmUp())
    return client
