import numpy as np
import pytest

from digitlab.learn.architectures import build_model
from digitlab.learn.snapshots import (
    PANEL,
    Snapshot,
    first_layer_weights,
    from_npz,
    load_snapshots,
    panel_accuracy,
    to_npz,
)
from digitlab.learn.train import TrainConfig, train_model
from digitlab.serve import store


def test_the_panel_holds_two_test_digits_of_each_class(mnist):
    assert len(PANEL) == 20 and len(set(PANEL)) == 20
    assert list(mnist.y_test[list(PANEL)]) == [d for d in range(10) for _ in range(2)]


@pytest.mark.parametrize(
    "architecture, weights",
    [("softmax", (10, 28, 28)), ("mlp", (16, 28, 28)), ("fast", (16, 5, 5)), ("cnn", (32, 5, 5))],
)
def test_first_layer_weight_images(architecture, weights):
    assert first_layer_weights(build_model(architecture)).shape == weights


@pytest.fixture(scope="module")
def short_run(mnist):
    events = []
    result = train_model(TrainConfig.for_architecture("mlp", epochs=2, train_limit=3000), mnist, listener=events.append)
    return result, events


def test_snapshots_arrive_with_the_events_and_show_learning(short_run, mnist):
    result, events = short_run
    sent = [Snapshot.from_message(e.snapshot) for e in events if e.snapshot]
    assert [e.kind for e in events if e.snapshot][-2:] == ["epoch", "epoch"]  # one at every epoch end
    for snapshot in sent:
        assert snapshot.panel.shape == (20, 10) and np.allclose(snapshot.panel.sum(axis=1), 1, atol=1e-3)
        assert snapshot.weights.shape == (16, 28, 28)
    epoch_ends = [s for s in sent if s.confusion is not None]
    assert len(epoch_ends) == 2 and all(s.confusion.sum() == 1000 for s in epoch_ends)
    assert np.trace(epoch_ends[-1].confusion) / 1000 > 0.8
    labels = mnist.y_test[list(PANEL)]
    first = result.snapshots[0]  # taken before the first step
    assert first.step == 0 and panel_accuracy(sent[-1], labels) > panel_accuracy(first, labels) + 0.3
    assert not np.allclose(first.weights, sent[-1].weights)  # the weights moved


def test_snapshots_are_saved_beside_the_model_and_replay(short_run, home, workspace):
    result, _ = short_run
    name = store.save_model(result.model, "replayed", result.metadata(), workspace, extras=result.extras())
    saved = load_snapshots(store.find_model(name, workspace).path)
    assert [s.step for s in saved] == [s.step for s in result.snapshots]
    assert np.allclose(saved[-1].panel, result.snapshots[-1].panel, atol=1e-3)
    assert np.array_equal(saved[-1].confusion, result.snapshots[-1].confusion)
    assert saved[0].confusion is None
    assert len(to_npz(result.snapshots)) < 200_000  # small beside the model
    assert from_npz(to_npz(result.snapshots))[1].epoch == pytest.approx(result.snapshots[1].epoch)


def test_extras_cannot_escape_the_model_folder(home, workspace):
    with pytest.raises(store.StoreError, match="Refused"):
        store.save_model(build_model("softmax"), "bad", {}, workspace, extras={"../../outside.txt": b"x"})
    assert not (home / "outside.txt").exists() and not (home / "models" / "bad").exists()
