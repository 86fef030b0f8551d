"""Training slots and threads: what a learner alone and a class get from each, on this machine.

    python bench/slots.py [--rounds 3]

Each round trains the default model (the `fast` settings, as a press of Train does) in fresh
processes, as the embedded cluster's workers would run it (TF_NUM_INTRAOP_THREADS):
  lone, 2 threads   a learner alone with both cores (what every worker gets: cluster.py)
  lone, 1 thread    a learner alone on a worker held to one core
  pair, 1 thread    two learners at once on two slots, one core each
  pair, 2 threads   two learners at once on two slots, both cores each (the default)
Prints the median training seconds of each, a lone learner on one thread against two, what a class
gains from two slots (two runs side by side against two one after the other on both cores), and
the peak memory of a training process (what each slot's worker holds, roughly).
The last line: `slots lone_ratio=X class_ratio=Y`.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def child() -> None:
    """Train the default model once; print its training seconds and test accuracy as JSON."""
    import common  # noqa: F401 - puts the project on the import path

    from digitlab.learn.architectures import DEFAULT_ARCHITECTURE
    from digitlab.learn.data import load_mnist
    from digitlab.learn.train import TrainConfig, train_model

    result = train_model(TrainConfig.for_architecture(DEFAULT_ARCHITECTURE), load_mnist())
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(json.dumps({"seconds": result.seconds, "peak_mib": peak_mib}))


def start(threads: int) -> subprocess.Popen:
    env = {**os.environ, "TF_NUM_INTRAOP_THREADS": str(threads), "TF_CPP_MIN_LOG_LEVEL": "2"}
    command = [sys.executable, str(Path(__file__).resolve()), "--child"]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True, cwd=HERE.parent)


PEAKS: list[float] = []  # every training process's peak memory, MiB


def seconds_of(process: subprocess.Popen) -> float:
    out, _ = process.communicate()
    if process.returncode != 0:
        raise SystemExit(f"a training process failed (exit {process.returncode})")
    figures = json.loads(out.strip().splitlines()[-1])
    PEAKS.append(figures["peak_mib"])
    return figures["seconds"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child()
        return
    lone2, lone1, pair1, pair2 = [], [], [], []
    for round_ in range(1, args.rounds + 1):
        lone2.append(seconds_of(start(2)))
        lone1.append(seconds_of(start(1)))
        for threads, seconds in ((1, pair1), (2, pair2)):
            pair = [start(threads), start(threads)]
            seconds.append(max(seconds_of(p) for p in pair))
        print(
            f"round {round_}: lone 2 threads {lone2[-1]:.1f} s, lone 1 thread {lone1[-1]:.1f} s, "
            f"pair 1 thread each {pair1[-1]:.1f} s, pair 2 threads each {pair2[-1]:.1f} s (the slower of two)",
            flush=True,
        )
    m2, m1, mp, mp2 = (statistics.median(v) for v in (lone2, lone1, pair1, pair2))
    print("training seconds, median of the rounds (a fresh process: the first run's tracing included)")
    print(f"{'lone, 2 threads (one slot)':<40} {m2:8.1f}")
    print(f"{'lone, 1 thread (two slots)':<40} {m1:8.1f}")
    print(f"{'pair, 1 thread each (two slots)':<40} {mp:8.1f}")
    print(f"{'pair, 2 threads each (two slots)':<40} {mp2:8.1f}")
    print(
        f"a lone learner on one thread takes {m1 / m2:.2f}x as long as on two; two runs side by side take "
        f"{mp2 / (2 * m2):.2f}x (two threads each) and {mp / (2 * m2):.2f}x (one each) the time of the two "
        "one after the other on both cores"
    )
    print(f"slots lone_ratio={m1 / m2:.2f} class_ratio={mp2 / (2 * m2):.2f}")


if __name__ == "__main__":
    main()
