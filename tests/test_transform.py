import numpy as np
import pytest

from digitlab.learn.preprocess import BlankImageError, preprocess
from digitlab.learn.transform import Change, changed_digit, ink_image, redraw, rotation_sweep
from digitlab.serve import store


def canvas(*boxes) -> np.ndarray:
    """A 280x280 RGBA canvas, white ink on black, with the given (top, bottom, left, right) boxes inked."""
    image = np.zeros((280, 280, 4), np.uint8)
    image[..., 3] = 255
    for top, bottom, left, right in boxes:
        image[top:bottom, left:right, :3] = 255
    return image


def test_no_change_is_the_plain_preprocessing(mnist):
    assert np.array_equal(changed_digit(mnist.x_test[0], Change()), preprocess(mnist.x_test[0]))


def test_rotation_turns_counterclockwise():
    bar = canvas((130, 150, 150, 260))  # a bar to the right of the center
    turned = redraw(ink_image(bar), Change(rotate=90))
    rows, cols = np.nonzero(turned > 0.5)
    assert rows.mean() < 60 and abs(cols.mean() - 70) < 5  # now above the center (140 px image, center 70)


def test_rotating_a_vertical_bar_by_90_degrees_makes_it_horizontal():
    turned = changed_digit(canvas((40, 240, 130, 150)), Change(rotate=90))
    rows, cols = np.nonzero(turned > 128)
    assert np.ptp(cols) > 3 * np.ptp(rows)


def test_thicker_and_thinner_strokes():
    seven = canvas((50, 70, 60, 220), (50, 240, 190, 210))
    ink = [(changed_digit(seven, Change(stroke=s)) > 128).sum() for s in (-2, 0, 3)]
    assert ink[0] < ink[1] < ink[2]


def test_shift_and_scale_wash_out_in_the_preprocessing():
    bar = canvas((40, 240, 130, 150))
    moved = changed_digit(bar, Change(shift_x=0.2, shift_y=-0.1, scale=0.8))
    assert np.abs(moved - preprocess(bar)).mean() < 15  # re-centered and re-sized: nearly the same image


def test_a_change_of_a_blank_canvas_is_still_blank():
    with pytest.raises(BlankImageError):
        changed_digit(canvas(), Change(rotate=30))


def test_the_rotation_sweep_of_an_upright_one_reads_one_at_zero_degrees(mnist):
    predictor = store.default_predictor()
    one = mnist.x_test[mnist.y_test == 1][0]
    sweep = rotation_sweep(predictor.probabilities, one)
    assert list(sweep.angles) == list(range(-60, 61, 5))
    assert sweep.digits[list(sweep.angles).index(0)] == 1
    assert sweep.confidence.shape == (25,) and np.all((sweep.confidence > 0) & (sweep.confidence <= 1))
    assert sweep.rows()[12] == {
        "angle": 0,
        "digit": "1",
        "confidence": pytest.approx(float(sweep.confidence[12]), abs=1e-4),
    }
