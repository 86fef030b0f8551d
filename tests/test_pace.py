"""The learner's view of a run: smoothed recent loss and accuracy, and the time left."""

import numpy as np
import pytest

from digitlab.learn.pace import WARM_UP_CALLS, Clock, Smoother


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
    clock = Clock(total_steps=300, epochs=3, epoch_end_in_steps=20)
    assert clock.seconds_left(0) is None  # the pace is not known before the warm-up calls
    for call in range(WARM_UP_CALLS):  # the first compiled calls (tracing, slow first runs) only start the clock
        clock.steps_done(16 * (call + 1), now=10.0 + call)
    assert clock.seconds_left(16 * WARM_UP_CALLS) is None
    start = 16 * WARM_UP_CALLS
    clock.steps_done(start + 16, now=10.0 + WARM_UP_CALLS - 1 + 0.8)
    # The epoch ends are guessed from the pace until one is measured.
    assert clock.seconds_left(start + 16) == pytest.approx((300 - start - 16) * 0.05 + 3 * 20 * 0.05)
    clock.steps_done(100, now=clock.last_time + (100 - start - 16) * 0.05)
    clock.epoch_ended(now=clock.last_time + 2.0)  # the first validation took 2 s, twice the guess
    # The first epoch end also readies the validation data: the later ones count at most the guess.
    assert clock.seconds_left(100) == pytest.approx(200 * 0.05 + 2 * 1.0)
    clock.steps_done(116, now=clock.last_time + 2.0 + 1.5 + 16 * 0.05)  # the next epoch's data took 1.5 s to ready
    assert clock.seconds_left(116) == pytest.approx(184 * 0.05 + 2 * 1.0 + 1.5)  # one boundary still to cross
    clock.steps_done(200, now=clock.last_time + 84 * 0.05)
    clock.epoch_ended(now=clock.last_time + 1.8)  # a second is measured: it counts as it is
    assert clock.seconds_left(200) == pytest.approx(100 * 0.05 + 1.8)
    clock.steps_done(300, now=30.0)
    clock.epoch_ended(now=32.0)
    assert clock.seconds_left(300) == 0

    quick = Clock(total_steps=200, epochs=2, epoch_end_in_steps=20)  # a first epoch end under the guess
    for step in range(16, 116, 16):
        quick.steps_done(step, now=step * 0.05)
    quick.epoch_ended(now=quick.last_time + 0.5)
    assert quick.seconds_left(100) == pytest.approx(100 * 0.05 + 0.5)


def test_the_clock_follows_a_machine_that_gets_busier():
    clock = Clock(total_steps=10_000, epochs=1, epoch_end_in_steps=0)
    now = 0.0
    for step in range(16, 3200, 16):  # 0.05 s a step for about 10 s
        now += 16 * 0.05
        clock.steps_done(step, now)
    assert clock.seconds_left(3184) / (10_000 - 3184) == pytest.approx(0.05)
    for step in range(3200, 6400, 16):  # then another run starts beside it: twice as slow
        now += 16 * 0.10
        clock.steps_done(step, now)
    assert clock.seconds_left(6384) / (10_000 - 6384) > 0.085  # most of the way to its new pace
