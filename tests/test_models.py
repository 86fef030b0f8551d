import numpy as np
import pytest

from digitlab.learn.architectures import ARCHITECTURES, build_model

PARAMS = {"softmax": 7850, "mlp": 118282, "tanh": 50890, "cnn": 184586, "fast": 108970}


@pytest.mark.parametrize("name", list(ARCHITECTURES))
def test_builds_with_pinned_size_and_probabilities(name):
    model = build_model(name)
    assert model.count_params() == PARAMS[name]
    raw = np.random.default_rng(0).integers(0, 256, (3, 28, 28)).astype("float32")
    out = np.asarray(model(raw, training=False))
    assert out.shape == (3, 10)
    np.testing.assert_allclose(out.sum(axis=1), 1, rtol=1e-5)


def test_input_scaling_is_inside_the_model():
    model = build_model("softmax")
    assert type(model.layers[0]).__name__ == "Rescaling"
    mlp = build_model("mlp")
    scaled = np.asarray(mlp.layers[0](np.array([[0.0, 0.1307 * 255]], "float32")))
    np.testing.assert_allclose(scaled, [[-0.1307 / 0.3081, 0.0]], atol=1e-5)


def test_unknown_architecture_names_the_known_ones():
    with pytest.raises(ValueError, match="'resnet'.*softmax, mlp, tanh, cnn, fast"):
        build_model("resnet")
