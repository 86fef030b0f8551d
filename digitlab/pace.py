"""What a learner reads of a running training: recent loss and accuracy, smoothed, and the time left.

Keras reports loss and accuracy as running means that restart at every epoch: plotted as they
come, the curves jump at each epoch boundary. `Smoother` recovers the mean of the batches since the
last report from those running means and smooths it over about the last HALF_LIFE_BATCHES batches,
across epoch boundaries. `Clock` estimates the time left from the recent pace of training steps
(smoothed, the first compiled call's tracing left out) plus the measured cost of an epoch boundary
(checking on the validation digits, a snapshot, readying the next epoch's shuffled data).
"""

from __future__ import annotations

HALF_LIFE_BATCHES = 20  # a batch this many batches ago counts half as much as the latest
# Seconds: the pace follows the machine's speed within a few seconds. With 3.0 the time left was 15%
# off on average at 20-80% of a run of `fast`, with 1.5 12% (5 runs each, 2026-12-02; the machine's own
# speed changes within a run are most of what is left).
PACE_HALF_LIFE = 1.5
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

    def __init__(self, total_steps: int, epochs: int, epoch_end_guess: float):
        self.total_steps, self.epochs = total_steps, epochs
        self.epoch_end = epoch_end_guess  # validation and a snapshot; measured at the first epoch end
        self.restart = 0.0  # readying the next epoch's shuffled data; measured at the first boundary
        self.epochs_ended = 0
        self.step_seconds: float | None = None
        self.last_step, self.last_time = 0, None
        self.restart_from: float | None = None  # when the last epoch's end-of-epoch work was done

    def steps_done(self, step: int, now: float) -> None:
        """After training batches: `step` steps done since the start, at time `now`."""
        if self.last_time is not None and step > self.last_step:
            seconds = (now - self.last_time) / (step - self.last_step)
            if self.restart_from is not None and self.step_seconds is not None:
                # The first batches after an epoch boundary: all beyond their own time is the restart's.
                self.restart = max(0.0, now - self.restart_from - (step - self.last_step) * self.step_seconds)
            elif self.step_seconds is None:
                self.step_seconds = seconds
            else:
                keep = 0.5 ** ((now - self.last_time) / PACE_HALF_LIFE)
                self.step_seconds = keep * self.step_seconds + (1 - keep) * seconds
        self.restart_from = None
        self.last_step, self.last_time = step, now  # the first call only starts the clock: tracing left out

    def epoch_ended(self, now: float) -> None:
        """An epoch's end-of-epoch work (validation, a snapshot) is done: measure it."""
        self.epochs_ended += 1
        if self.last_time is not None:
            self.epoch_end = now - self.last_time
        self.restart_from = now

    def seconds_left(self, step: int) -> float | None:
        """Seconds until the last epoch end is done, or None before the pace is known."""
        if self.step_seconds is None:
            return None
        epoch_ends = max(self.epochs - self.epochs_ended, 0)
        restarts = max(epoch_ends - 1, 0)  # each epoch boundary still to cross
        steps = max(self.total_steps - step, 0) * self.step_seconds
        return steps + epoch_ends * self.epoch_end + restarts * self.restart
