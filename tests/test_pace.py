"""The learner's view of a run: smoothed recent loss and accuracy, and the time left."""

import numpy as np
import pytest

from digitlab.pace import Clock, Smoother


def running_means(per_batch: np.ndarray, steps_per_epoch: int):
    """What Keras reports after each batch: the mean so far of the current epoch."""
    for start in range(0, len(per_batch), steps_per_epoch):
        epoch = per_batch[start : start + steps_per_epoch]
        yield from ((i + 1, epoch[: i + 1].mean()) for i in range(len(epoch)))


def test_the_smoother_follows_the_batches_across_epoch_boundaries():
    per_batch = 1 - 0.5 * np.exp(-np.arange(300) / 60)  # a model getting better batch by batch
    smoother, smoothed, raw = Smoother(half_life=5), [], []
    for in_epoch, mean in running_means(per_batch, 100):
        if in_epoch == 1:
            smoother.start_epoch()
        smoother.update(in_epoch, {"loss": 1 - mean, "accuracy": mean})
        smoothed.append(smoother.values["accuracy"])
        raw.append(mean)
    jumps = np.abs(np.diff(smoothed))
    assert jumps[[99, 199]].max() < 0.01  # no step where an epoch starts
    assert abs(raw[100] - raw[99]) > 0.05  # where the running mean does step
    assert smoothed[-1] == pytest.approx(per_batch[-1], abs=0.01)  # it follows the latest batches


def test_the_clock_counts_steps_at_the_recent_pace_and_the_epoch_boundaries():
    clock = Clock(total_steps=300, epochs=3, epoch_end_guess=1.0)
    assert clock.seconds_left(0) is None  # the pace is not known before two reports
    clock.steps_done(16, now=10.0)  # the first compiled call, tracing included: only starts the clock
    clock.steps_done(32, now=10.8)
    assert clock.seconds_left(32) == pytest.approx(268 * 0.05 + 3 * 1.0)
    clock.steps_done(100, now=14.2)
    clock.epoch_ended(now=16.2)  # validation took 2 s
    assert clock.seconds_left(100) == pytest.approx(200 * 0.05 + 2 * 2.0)
    clock.steps_done(116, now=16.2 + 1.5 + 16 * 0.05)  # the next epoch's data took 1.5 s to ready
    assert clock.seconds_left(116) == pytest.approx(184 * 0.05 + 2 * 2.0 + 1.5)  # one boundary still to cross
    clock.steps_done(300, now=30.0)
    clock.epoch_ended(now=32.0)
    clock.epoch_ended(now=34.0)
    assert clock.seconds_left(300) == 0
