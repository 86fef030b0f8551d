"""What a learner reads of a running training: recent loss and accuracy, smoothed, and the time left.

Keras reports loss and accuracy as running means that restart at every epoch: plotted as they
come, the curves jump at each epoch boundary. `Smoother` recovers the mean of the batches since the
last report from those running means and smooths it over about the last HALF_LIFE_BATCHES batches,
across epoch boundaries. `Clock` estimates the time left from the pace of training steps (smoothed,
the first compiled calls left out) plus the cost of an epoch boundary (checking on the validation
digits, a snapshot, readying the next epoch): guessed from the pace until the first is measured, and
the first, slower than the rest, counted at most at that guess until a second is measured.
"""

from __future__ import annotations

from dataclasses import dataclass

HALF_LIFE_BATCHES = 20  # a batch this many batches ago counts half as much as the latest
# The pace counts a step this long ago half: PACE_HALF_LIFE seconds or PACE_MEMORY of the time trained
# so far, the longer. It follows a machine whose pace drifts within a run (by half in 10 s, seen) and
# forgets little of a long run. The first WARM_UP_CALLS compiled calls are left out (the first traces,
# the next ones run slow). Replayed on the recorded steps of 31 runs (26 fast, 3 mlp, 2 cnn; 2 cores,
# 2026-12-03), the time left at 20, 50 and 80% was 8% off on average and over 25% in one run (27%;
# the next worst 24%); with a 1.5-s half-life and half the time trained, 10%, and five runs (to 35%).
PACE_HALF_LIFE = 0.75
PACE_MEMORY = 0.1
WARM_UP_CALLS = 3
METRICS = ("loss", "accuracy")


class Smoother:
    """Per-batch loss and accuracy, recovered from Keras' per-epoch running means and smoothed."""

    def __init__(self, half_life: float = HALF_LIFE_BATCHES):
        self.half_life = half_life
        self.values: dict[str, float] = {}
        self.start_epoch()

    def start_epoch(self) -> None:
        self.batches = 0
        self.sums = dict.fromkeys(METRICS, 0.0)

    def update(self, batches_in_epoch: int, logs: dict) -> None:
        """Take Keras' running means after `batches_in_epoch` batches of the current epoch."""
        count = batches_in_epoch - self.batches
        if count <= 0:
            return
        keep = 0.5 ** (count / self.half_life)
        for name in METRICS:
            total = float(logs[name]) * batches_in_epoch
            recent = (total - self.sums[name]) / count  # the mean of the batches since the last update
            self.sums[name] = total
            previous = self.values.get(name)
            self.values[name] = recent if previous is None else keep * previous + (1 - keep) * recent
        self.batches = batches_in_epoch


class Clock:
    """Seconds left in a run: steps at the recent pace, plus each epoch end still to come."""

    def __init__(self, total_steps: int, epochs: int, epoch_end_in_steps: float):
        self.total_steps, self.epochs = total_steps, epochs
        self.epoch_end_in_steps = epoch_end_in_steps  # a guess at validation's cost, in training steps' time
        self.epoch_end: float | None = None  # seconds: validation, measured at the first epoch end
        self.restart = 0.0  # readying the next epoch's shuffled data; measured at the first boundary
        self.epochs_ended = 0
        self.step_seconds: float | None = None
        self.calls, self.started = 0, None
        self.last_step, self.last_time = 0, None
        self.restart_from: float | None = None  # when the last epoch's end-of-epoch work was done

    def steps_done(self, step: int, now: float) -> None:
        """After training batches: `step` steps done since the start, at time `now`."""
        self.calls += 1
        self.started = self.started if self.started is not None else now
        if self.calls > WARM_UP_CALLS and step > self.last_step:
            seconds = (now - self.last_time) / (step - self.last_step)
            if self.restart_from is not None and self.step_seconds is not None:
                # The first batches after an epoch boundary: all beyond their own time is the restart's.
                self.restart = max(0.0, now - self.restart_from - (step - self.last_step) * self.step_seconds)
            elif self.step_seconds is None:
                self.step_seconds = seconds
            else:
                half_life = max(PACE_HALF_LIFE, PACE_MEMORY * (now - self.started))
                keep = 0.5 ** ((now - self.last_time) / half_life)
                self.step_seconds = keep * self.step_seconds + (1 - keep) * seconds
        self.restart_from = None
        self.last_step, self.last_time = step, now

    def epoch_ended(self, now: float) -> None:
        """An epoch's end-of-epoch work (validation, a snapshot) is done: measure it."""
        self.epochs_ended += 1
        if self.last_time is not None:
            self.epoch_end = now - self.last_time
            if self.epochs_ended == 1 and self.step_seconds is not None:
                # The first also readies the validation data and runs its first batches slow (default
                # run: 0.2-0.5 s, the later ones 0.12-0.16 s): it bounds them, the guess is closer.
                self.epoch_end = min(self.epoch_end, self.guessed_epoch_end())
        self.restart_from = now

    def guessed_epoch_end(self) -> float:
        """Seconds an epoch end should take at the current pace (once the pace is known)."""
        return self.epoch_end_in_steps * self.step_seconds

    def seconds_left(self, step: int) -> float | None:
        """Seconds until the last epoch end is done, or None before the pace is known."""
        if self.step_seconds is None:
            return None
        epoch_ends = max(self.epochs - self.epochs_ended, 0)
        restarts = max(epoch_ends - 1, 0)  # each epoch boundary still to cross
        epoch_end = self.epoch_end if self.epoch_end is not None else self.guessed_epoch_end()
        steps = max(self.total_steps - step, 0) * self.step_seconds
        return steps + epoch_ends * epoch_end + restarts * self.restart


@dataclass
class ProgressEvent:
    """One report from a running training: after some batches ('batch') or an epoch ('epoch')."""

    kind: str
    epoch: int  # 1-based, the epoch running or just finished
    step: int  # batches done since the start
    total_steps: int
    loss: float  # recent training loss, smoothed over about the last 20 batches (pace.Smoother)
    accuracy: float  # the same for the training accuracy
    examples_per_second: float
    elapsed: float  # seconds since training started
    val_loss: float | None = None
    val_accuracy: float | None = None
    snapshot: dict | None = None  # a Snapshot as a message (snapshots.py), every ~5 s and at epoch ends
    seconds_left: float | None = None  # until the last epoch end (pace.Clock); None until the pace is known
    received: float | None = None  # time.monotonic() when the app received it (it travels up to ~1 s)
