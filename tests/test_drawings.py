import io
import itertools
import threading
import uuid

import numpy as np
import pytest
from PIL import Image

from digitlab.learn.evaluate import evaluate_model
from digitlab.learn.finetune import FineTuneStopped, fine_tune
from digitlab.serve import drawings
from digitlab.serve.store import default_model, load_entry


def test_save_list_delete(home, mnist, workspace):
    canvas = np.zeros((280, 280, 4), np.uint8)
    first = drawings.save_drawing(mnist.x_test[0], 7, canvas, workspace)
    upload = io.BytesIO()
    Image.fromarray(np.kron(mnist.x_test[1], np.ones((20, 20), np.uint8))).save(upload, format="PNG")  # 560x560
    second = drawings.save_drawing(mnist.x_test[1], 2, upload.getvalue(), workspace)
    saved = drawings.list_drawings(workspace)
    assert [d.id for d in saved] == sorted([first, second])
    by_id = {d.id: d for d in saved}
    assert by_id[first].label == 7 and np.array_equal(by_id[first].pixels, mnist.x_test[0])
    assert Image.open(io.BytesIO(by_id[second].original)).size == (280, 280)  # kept re-encoded, no larger
    drawings.delete_drawing(first, workspace)
    assert [d.id for d in drawings.list_drawings(workspace)] == [second]
    with pytest.raises(ValueError, match="Not a drawing id"):
        drawings.delete_drawing("../models/default", workspace)
    with pytest.raises(ValueError, match="0-9"):
        drawings.save_drawing(mnist.x_test[0], 12, canvas, workspace)
    assert not list(drawings.drawings_dir(workspace).glob(".tmp-*"))


def test_a_drawing_never_replaces_another_that_drew_the_same_random_name(workspace, monkeypatch):
    # Random parts 1, 1 again, 2, 3... (in the id's first 12 hex digits): the second save draws the first's name.
    clashing = itertools.chain([uuid.UUID(int=1 << 100)], (uuid.UUID(int=n << 100) for n in itertools.count(1)))
    monkeypatch.setattr(drawings.uuid, "uuid4", lambda: next(clashing))
    monkeypatch.setattr(drawings.time, "strftime", lambda _format: "20261207-230000")  # both in one second
    blank = np.zeros((28, 28), np.float32)
    first = drawings.save_drawing(blank, 1, blank, workspace)
    second = drawings.save_drawing(blank, 2, blank, workspace)
    assert first != second
    assert sorted(d.label for d in drawings.list_drawings(workspace)) == [1, 2]


def test_fine_tuning_asked_to_stop_keeps_nothing(mnist):
    stop = threading.Event()
    stop.set()
    with pytest.raises(FineTuneStopped, match="stopped"):
        fine_tune(load_entry(default_model())[0], mnist.x_test[:8], mnist.y_test[:8], mnist, epochs=10_000, stop=stop)


def test_fine_tuning_learns_the_users_digits_and_keeps_mnist(mnist):
    model = load_entry(default_model())[0]
    result = evaluate_model(model, mnist.x_test, mnist.y_test)
    wrong = result.mistakes()[:8]  # digits the model gets wrong, with their true labels
    x, y = mnist.x_test[wrong].astype("float32"), mnist.y_test[wrong]
    tuned = fine_tune(model, x, y, mnist, epochs=2)
    assert tuned.drawings_before == 0.0
    assert tuned.drawings_after >= 0.75
    assert tuned.test_after > 0.98  # it did not forget MNIST
    assert evaluate_model(model, x, y).accuracy == 0.0  # the original model is untouched
