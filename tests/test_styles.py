import numpy as np
import pytest

from digitlab.learn.preprocess import preprocess
from digitlab.learn.styles import VARIANTS, Writer, render, style_set, training_styles
from digitlab.learn.train import TrainConfig, training_set
from digitlab.serve import store


def test_the_style_set_is_the_same_for_a_seed_and_has_every_variant():
    first, again, other = style_set(3, seed=5), style_set(3, seed=5), style_set(3, seed=6)
    assert np.array_equal(first.images, again.images) and not np.array_equal(first.images, other.images)
    names, counts = np.unique(first.variants, return_counts=True)
    assert set(names) == {v.name for v in VARIANTS} and len(VARIANTS) >= 14 and set(counts) == {3}
    digits = {v.name: v.digit for v in VARIANTS}
    assert all(digits[name] == label for name, label in zip(first.variants, first.labels))
    assert first.images.dtype == np.uint8 and all(image.max() > 100 for image in first.images)  # ink on every one


def test_training_styles_are_other_digits_than_the_evaluation_set():
    evaluation, training = style_set(3), training_styles(3)
    assert not any(np.array_equal(a, b) for a in evaluation.images for b in training.images)


def test_the_training_mix_includes_style_digits_when_asked(mnist):
    plain = training_set(TrainConfig(train_limit=100), mnist)
    mixed_x, mixed_y = training_set(TrainConfig(train_limit=100, styles=2), mnist)
    extra = 2 * len(VARIANTS)
    assert len(plain[0]) == 100 and mixed_x.shape == (100 + extra, 28, 28) and mixed_x.dtype == np.uint8
    assert np.array_equal(mixed_y[100:], training_styles(2).labels)
    assert all(image.max() > 200 for image in mixed_x[100:])  # preprocessed digits: full-strength ink


@pytest.mark.parametrize(
    "writer",
    [
        Writer(slant=5, width=0.8, wobble=0.005, pen=0.24, scan_height=None),  # a thick marker
        Writer(slant=-5, width=0.8, wobble=0.005, pen=0.1, scan_height=10),  # a small scan, 10 px tall
    ],
    ids=["thick-marker", "small-scan"],
)
@pytest.mark.parametrize("name", ["7 plain", "4 closed", "0 open top"])
def test_preprocessing_keeps_thick_and_small_digits_readable(writer, name):
    style = next(v for v in VARIANTS if v.name == name)
    image = render(style, writer, np.random.default_rng(0), template_jitter=0.0)
    pixels = preprocess(image)
    assert pixels.shape == (28, 28) and pixels.max() > 200
    assert store.default_predictor().probabilities(pixels).argmax() == style.digit
