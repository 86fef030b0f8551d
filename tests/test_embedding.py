import numpy as np
import pytest

from digitlab.learn import embedding
from digitlab.learn.architectures import build_model
from digitlab.serve.store import default_model, load_entry


@pytest.fixture(scope="module")
def default_map(mnist):
    extractor = embedding.penultimate_model(load_entry(default_model())[0])  # a trained convnet
    return extractor, embedding.map_digits(extractor, mnist.x_test[:2000], mnist.y_test[:2000])


def test_the_map_has_one_point_per_digit_and_separates_the_classes(default_map, mnist):
    _, digit_map = default_map
    assert digit_map.points.shape == (2000, 2)
    assert digit_map.probabilities.shape == (2000, 10)
    assert np.mean(digit_map.predictions == mnist.y_test[:2000]) > 0.97  # the model's own answers
    assert embedding.nearest_centroid_accuracy(digit_map.points, digit_map.labels) > 0.6
    assert np.allclose(digit_map.axes @ digit_map.axes.T, np.eye(2), atol=1e-4)  # PCA: orthonormal directions


def test_a_new_digit_lands_where_the_same_digit_was_placed(default_map, mnist):
    extractor, digit_map = default_map
    features, probabilities = embedding.activations(extractor, mnist.x_test[5:6])
    assert np.allclose(digit_map.place(features)[0], digit_map.points[5], atol=1e-3)
    assert probabilities[0].argmax() == digit_map.predictions[5]


def test_an_untrained_model_separates_worse_than_a_trained_one(default_map, mnist):
    _, trained = default_map
    untrained = embedding.map_digits(
        embedding.penultimate_model(build_model("fast")), mnist.x_test[:2000], mnist.y_test[:2000]
    )
    assert embedding.nearest_centroid_accuracy(
        untrained.points, untrained.labels
    ) < embedding.nearest_centroid_accuracy(trained.points, trained.labels)


def test_softmax_regression_is_mapped_from_its_pixels(mnist):
    model = build_model("softmax")  # no hidden layer: the map is PCA of the input itself
    digit_map = embedding.map_digits(embedding.penultimate_model(model), mnist.x_test[:300], mnist.y_test[:300])
    assert digit_map.mean.shape == (784,)
    assert digit_map.points.shape == (300, 2)
