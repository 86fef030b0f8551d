import numpy as np
import pytest

from digitlab.learn import explain
from digitlab.learn.architectures import ARCHITECTURES, build_model
from digitlab.learn.evaluate import confusion_matrix, evaluate_model
from digitlab.learn.predict import Predictor
from digitlab.serve import store
from digitlab.serve.store import default_model, load_entry


def test_confusion_matrix_counts():
    counts = confusion_matrix(np.array([0, 0, 1, 2]), np.array([0, 1, 1, 1]), classes=3)
    assert counts.tolist() == [[1, 1, 0], [0, 1, 0], [0, 1, 0]]


def test_evaluation_of_the_default_model(mnist):
    model, meta = load_entry(default_model())
    x, y = mnist.x_test[:2000], mnist.y_test[:2000]
    result = evaluate_model(model, x, y)
    assert result.probabilities.shape == (2000, 10)
    assert result.accuracy > 0.97
    assert result.confusion.sum() == 2000 and np.trace(result.confusion) == round(result.accuracy * 2000)
    assert np.allclose(result.per_class_accuracy, np.diag(result.confusion) / np.bincount(y, minlength=10))

    mistakes = result.mistakes()
    assert len(mistakes) == 2000 - np.trace(result.confusion)
    assert np.all(result.predictions[mistakes] != y[mistakes])
    confidence = result.confidence[mistakes]
    assert np.all(np.diff(confidence) <= 0)  # most confident mistakes first
    true = int(y[mistakes[0]])
    assert np.all(y[result.mistakes(true=true)] == true)


def test_predictor_matches_the_model(mnist):
    predictor = store.default_predictor()
    probabilities = predictor.probabilities(mnist.x_test[:5])
    direct = predictor.model.predict_on_batch(mnist.x_test[:5].astype("float32"))
    np.testing.assert_allclose(probabilities, direct, atol=1e-5)
    single = predictor.predict_image(mnist.x_test[0])
    assert single.shape == (10,) and single.argmax() == mnist.y_test[0]


@pytest.mark.parametrize("architecture", list(ARCHITECTURES))
def test_one_image_through_the_xla_call_matches_the_batch_call(architecture, mnist):
    predictor = Predictor(build_model(architecture))
    batch = predictor.probabilities(mnist.x_test[:3])
    for pixels, expected in zip(mnist.x_test[:3], batch):
        np.testing.assert_allclose(predictor.probabilities(pixels), expected, atol=1e-5)


@pytest.mark.parametrize("architecture", list(ARCHITECTURES))
def test_the_traced_explanations_match_the_eager_ones(architecture, mnist):
    model = build_model(architecture)
    predictor, pixels = Predictor(model), mnist.x_test[0].astype("float32")
    for target in (7, 1):
        np.testing.assert_allclose(
            predictor.attributions(pixels, target), explain.integrated_gradients(model, pixels, target), atol=1e-6
        )
    traced, eager = predictor.layer_walk(pixels), explain.layer_walk(model, pixels)
    assert [v.name for v in traced] == [v.name for v in eager]
    for a, b in zip(traced, eager):
        np.testing.assert_allclose(a.values, b.values, atol=1e-5)


def test_compare_counts_what_each_gets_right_that_the_other_gets_wrong():
    from digitlab.learn.evaluate import Evaluation, compare

    labels = np.array([0, 1, 2, 3, 4])

    def evaluation(predictions, confidence):
        probabilities = np.full((5, 10), 0.0)
        probabilities[np.arange(5), predictions] = confidence
        return Evaluation(probabilities, labels, np.array(predictions), 0.0, np.zeros((10, 10)), np.zeros(10))

    first = evaluation([0, 1, 2, 9, 9], [0.9, 0.9, 0.9, 0.5, 0.6])
    second = evaluation([0, 7, 7, 3, 9], [0.9, 0.6, 0.8, 0.9, 0.9])
    result = compare(first, second)
    assert result.only_first.tolist() == [2, 1]  # the second's surest mistake first
    assert result.only_second.tolist() == [3] and result.both_right == 1 and result.both_wrong == 1
