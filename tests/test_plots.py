import numpy as np

from digitlab.plots import bar_spec, confusion_spec, history_rows, image_grid, tinted
from digitlab.train import ProgressEvent


def test_image_grid_tiles_digits(mnist):
    grid = image_grid(mnist.x_test[:23], columns=10, pad=2)
    assert grid.shape == (3 * 30 + 2, 10 * 30 + 2) and grid.dtype == np.uint8
    assert np.array_equal(grid[2:30, 2:30], mnist.x_test[0])
    assert np.array_equal(grid[32:60, 2:30], mnist.x_test[10])
    assert image_grid(mnist.x_test[:4], columns=2, pad=0, scale=3).shape == (168, 168)


def test_tinted_marks_right_green_and_wrong_red(mnist):
    colored = tinted(mnist.x_test[:2], np.array([True, False]))
    brightest = np.unravel_index(mnist.x_test[0].argmax(), (28, 28))
    assert colored.shape == (2, 28, 28, 3)
    right, wrong = colored[0][brightest], colored[1][np.unravel_index(mnist.x_test[1].argmax(), (28, 28))]
    assert right[1] > right[0] and wrong[0] > wrong[1]


def event(kind, step, epoch, val=None):
    return ProgressEvent(kind, epoch, step, 1000, 0.5, 0.9, 100.0, 1.0, val, val)


def test_history_rows_thin_the_batches_and_keep_validation():
    events = [event("batch", s, s // 100 + 1) for s in range(1, 1000)] + [event("epoch", 1000, 10, 0.95)]
    rows = history_rows(events, steps_per_epoch=100, limit=50)
    train = [r for r in rows if r["split"] == "train"]
    assert len(train) == 50 and train[-1]["epoch"] == 10.0
    assert [r for r in rows if r["split"] == "validation"] == [
        {"epoch": 10.0, "split": "validation", "loss": 0.95, "accuracy": 0.95}
    ]


def test_chart_specs_are_plain_vega_lite():
    spec = bar_spec(list(range(10)), [0.1] * 10, "digit", "p", highlight=3)
    assert [r["picked"] for r in spec["data"]["values"]].index(True) == 3
    confusion = confusion_spec(np.eye(10, dtype=int) * 5)
    cells = confusion["data"]["values"]
    assert len(cells) == 100 and sum(c["correct"] for c in cells) == 10
