import numpy as np
import pytest

from digitlab import drawings
from digitlab.evaluate import evaluate_model
from digitlab.finetune import fine_tune
from digitlab.store import load_model


def test_save_list_delete(home, mnist):
    canvas = np.zeros((280, 280, 4), np.uint8)
    first = drawings.save_drawing(mnist.x_test[0], 7, canvas)
    second = drawings.save_drawing(mnist.x_test[1], 2, b"\x89PNG uploaded bytes")
    saved = drawings.list_drawings()
    assert [d.id for d in saved] == sorted([first, second])
    by_id = {d.id: d for d in saved}
    assert by_id[first].label == 7 and np.array_equal(by_id[first].pixels, mnist.x_test[0])
    assert by_id[second].original == b"\x89PNG uploaded bytes"
    drawings.delete_drawing(first)
    assert [d.id for d in drawings.list_drawings()] == [second]
    with pytest.raises(ValueError, match="Not a drawing id"):
        drawings.delete_drawing("../models/default")
    with pytest.raises(ValueError, match="0-9"):
        drawings.save_drawing(mnist.x_test[0], 12, canvas)
    assert not list(drawings.drawings_dir().glob(".tmp-*"))


def test_fine_tuning_learns_the_users_digits_and_keeps_mnist(mnist):
    model = load_model("default")[0]
    result = evaluate_model(model, mnist.x_test, mnist.y_test)
    wrong = result.mistakes()[:8]  # digits the model gets wrong, with their true labels
    x, y = mnist.x_test[wrong].astype("float32"), mnist.y_test[wrong]
    tuned = fine_tune(model, x, y, mnist, epochs=2)
    assert tuned.drawings_before == 0.0
    assert tuned.drawings_after >= 0.75
    assert tuned.test_after > 0.98  # it did not forget MNIST
    assert evaluate_model(model, x, y).accuracy == 0.0  # the original model is untouched
