import numpy as np
import pytest

from digitlab.learn import explain
from digitlab.learn.architectures import build_model
from digitlab.serve import store


@pytest.fixture(scope="module")
def default_model():
    return store.load_entry(store.default_model())[0]


def test_integrated_gradients_add_up_to_the_probability_change(default_model, mnist):
    pixels = mnist.x_test[0].astype("float32")
    attribution = explain.integrated_gradients(default_model, pixels, target=7, steps=64)
    assert attribution.shape == (28, 28)
    p_image = float(default_model(pixels[None], training=False)[0, 7])
    p_black = float(default_model(np.zeros((1, 28, 28), "float32"), training=False)[0, 7])
    assert attribution.sum() == pytest.approx(p_image - p_black, abs=0.1)  # completeness
    assert np.all(attribution[pixels == 0] == 0)  # black pixels carry no evidence
    overlay = explain.attribution_overlay(pixels, attribution)
    assert overlay.shape == (196, 196, 3) and overlay.dtype == np.uint8


def test_why_not_another_digit_points_elsewhere(default_model, mnist):
    pixels = mnist.x_test[0].astype("float32")  # a 7
    for_seven = explain.integrated_gradients(default_model, pixels, 7)
    for_one = explain.integrated_gradients(default_model, pixels, 1)
    assert for_seven.sum() > 0.5 and for_one.sum() < 0.1


def test_softmax_weight_images_and_conv_pictures(default_model, mnist):
    weights = explain.softmax_weight_images(build_model("softmax"))
    assert weights.shape == (10, 28, 28)
    with pytest.raises(ValueError, match="softmax regression"):
        explain.softmax_weight_images(build_model("tanh"))
    assert explain.conv_filters(default_model).shape == (16, 5, 5)
    maps = explain.feature_maps(default_model, mnist.x_test[0])
    assert maps.shape == (16, 24, 24) and maps.min() >= 0 and maps.max() <= 255
    assert explain.first_conv(build_model("mlp")) is None
    colored = explain.diverging(weights)
    assert colored.shape == (10, 28, 28, 3)


def test_top_k():
    probabilities = np.array([0.1, 0.5, 0.0, 0.3, 0.1, 0, 0, 0, 0, 0])
    assert explain.top_k(probabilities, 3) == [(1, 0.5), (3, 0.3), (0, 0.1)]


@pytest.mark.parametrize(
    "architecture, shapes",
    [
        ("softmax", [(28, 28), (10,)]),
        ("mlp", [(28, 28), (128,), (128,), (10,)]),
        ("cnn", [(28, 28), (24, 24, 32), (12, 12, 32), (8, 8, 64), (4, 4, 64), (128,), (10,)]),
        ("fast", [(28, 28), (12, 12, 16), (10, 10, 32), (5, 5, 32), (128,), (10,)]),
    ],
)
def test_the_layer_walk_has_one_entry_per_layer_with_pinned_shapes(architecture, shapes, mnist):
    views = explain.layer_walk(build_model(architecture), mnist.x_test[0])
    assert [v.values.shape for v in views] == shapes
    assert views[0].kind == "input" and views[-1].name == "probabilities"
    assert views[-1].values.sum() == pytest.approx(1.0, abs=1e-5)


def test_the_layer_walk_ends_in_the_models_own_answer(default_model, mnist):
    views = explain.layer_walk(default_model, mnist.x_test[0])
    expected = default_model(mnist.x_test[:1].astype("float32"), training=False).numpy()[0]
    assert np.allclose(views[-1].values, expected, atol=1e-5)
    conv1 = views[1]
    assert conv1.name == "conv1" and conv1.values.min() >= 0  # after its batch norm and ReLU


def test_the_dreamed_digits_are_read_as_their_own_digit():
    from digitlab.learn.explain import dream_digits
    from digitlab.serve.store import default_model, load_entry

    model = load_entry(default_model())[0]
    dreams = dream_digits(model)
    probabilities = model(dreams, training=False).numpy()
    assert dreams.shape == (10, 28, 28) and dreams.min() >= 0 and dreams.max() <= 255
    assert probabilities.argmax(axis=1).tolist() == list(range(10))
    assert probabilities.max(axis=1).min() >= 0.9
