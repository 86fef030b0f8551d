import base64
import io

import numpy as np
from PIL import Image

from digitlab.learn.plots import (
    TRAINING,
    VALIDATION,
    activation_strip,
    bar_spec,
    confusion_spec,
    feature_map_grid,
    history_rows,
    image_grid,
    map_rows,
    map_spec,
    png_data_uri,
    tinted,
)
from digitlab.learn.train import ProgressEvent


def test_image_grid_tiles_digits(mnist):
    grid = image_grid(mnist.x_test[:23], columns=10, pad=2)
    assert grid.shape == (3 * 30 + 2, 10 * 30 + 2) and grid.dtype == np.uint8
    assert np.array_equal(grid[2:30, 2:30], mnist.x_test[0])
    assert np.array_equal(grid[32:60, 2:30], mnist.x_test[10])
    assert image_grid(mnist.x_test[:4], columns=2, pad=0, scale=3).shape == (168, 168)


def test_tinted_tells_right_from_wrong_by_colour_and_by_a_frame(mnist):
    colored = tinted(mnist.x_test[:2], np.array([True, False]))
    brightest = np.unravel_index(mnist.x_test[0].argmax(), (28, 28))
    assert colored.shape == (2, 28, 28, 3)
    right, wrong = colored[0][brightest], colored[1][np.unravel_index(mnist.x_test[1].argmax(), (28, 28))]
    assert right[2] > right[0] and wrong[0] > wrong[2]  # blue and orange
    assert colored[1][0].min() > 0 and colored[0][0].max() == 0  # the wrong one framed, the right one not


def event(kind, step, epoch, val=None):
    return ProgressEvent(kind, epoch, step, 1000, 0.5, 0.9, 100.0, 1.0, val, val)


def test_history_rows_thin_the_batches_and_keep_validation():
    events = [event("batch", s, s // 100 + 1) for s in range(1, 1000)] + [event("epoch", 1000, 10, 0.95)]
    rows = history_rows(events, steps_per_epoch=100, limit=50)
    train = [r for r in rows if r["split"] == TRAINING]
    assert len(train) == 50 and train[-1]["epoch"] == 10.0
    assert [r for r in rows if r["split"] == VALIDATION] == [
        {"epoch": 10.0, "split": VALIDATION, "loss": 0.95, "accuracy": 0.95}
    ]


def test_chart_specs_are_plain_vega_lite():
    spec = bar_spec(list(range(10)), [0.1] * 10, "digit", "p", highlight=3)
    assert [r["picked"] for r in spec["data"]["values"]].index(True) == 3
    confusion = confusion_spec(np.eye(10, dtype=int) * 5)
    cells = confusion["data"]["values"]
    assert len(cells) == 100 and sum(c["correct"] for c in cells) == 10


def test_map_rows_carry_each_digits_picture_and_the_star_is_a_layer(mnist):
    images, labels = mnist.x_test[:3], mnist.y_test[:3]
    predictions = np.array([labels[0], labels[1], (labels[2] + 1) % 10])
    rows = map_rows(np.arange(6.0).reshape(3, 2), labels, predictions, np.full(3, 0.9), images)
    assert [r["answer"] for r in rows] == ["right", "right", "wrong"]
    picture = Image.open(io.BytesIO(base64.b64decode(rows[0]["image"].split(",", 1)[1])))
    assert picture.size == (28, 28) and np.array_equal(np.asarray(picture), images[0])
    points, halo, numbers = map_spec(rows)["layer"]  # the points; each digit's number, on a white halo
    assert numbers["encoding"]["text"]["field"] == "digit" and numbers["transform"][0]["groupby"] == ["digit"]
    star = map_spec(rows, {"x": 0.0, "y": 1.0, "label": "read as 7"})["layer"][-1]
    assert star["data"]["values"][0]["label"] == "read as 7"
    assert png_data_uri(images[0]).startswith("data:image/png;base64,")


def test_layer_pictures():
    strip = activation_strip(np.array([1.0, 0.0, -1.0]), width=4, cell=2)
    assert strip.shape == (8, 6, 3)  # in a one-pixel frame
    assert strip[1, 1, 0] == 255 and strip[1, 1, 1] < 60  # red
    assert tuple(strip[3, 1]) == (255, 255, 255)  # white
    assert strip[5, 1, 2] == 255 and strip[5, 1, 0] < 100  # blue
    grid = feature_map_grid(np.ones((5, 5, 8)), columns=4, scale=1)
    assert grid.shape == (2 * 6 + 1, 4 * 6 + 1)
