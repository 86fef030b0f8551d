import gzip
import shutil

import numpy as np
import pytest

from digitlab.learn.data import DEFAULT_DATA_DIR, FILES, DataError, load_mnist, summarize

TRAIN_CLASS_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]


def test_shapes_and_types(mnist):
    assert mnist.x_train.shape == (60000, 28, 28) and mnist.x_train.dtype == np.uint8
    assert mnist.y_train.shape == (60000,)
    assert mnist.x_test.shape == (10000, 28, 28) and mnist.y_test.shape == (10000,)


def test_published_facts(mnist):
    assert np.bincount(mnist.y_train).tolist() == TRAIN_CLASS_COUNTS
    assert mnist.y_train[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    pixels = mnist.x_train / 255
    assert pixels.mean() == pytest.approx(0.1307, abs=5e-5)
    assert pixels.std() == pytest.approx(0.3081, abs=5e-5)


def test_validation_split_is_last_5000(mnist):
    assert mnist.x_fit.shape[0] == 55000 and mnist.x_val.shape[0] == 5000
    assert np.array_equal(mnist.x_val, mnist.x_train[55000:])
    images, labels = mnist.split("test")
    assert images is mnist.x_test and labels is mnist.y_test
    with pytest.raises(ValueError, match="Unknown split"):
        mnist.split("nope")


def test_arrays_are_read_only(mnist):
    with pytest.raises(ValueError):
        mnist.x_train[0, 0, 0] = 1


@pytest.fixture
def data_copy(tmp_path):
    for name in FILES:
        shutil.copy(DEFAULT_DATA_DIR / name, tmp_path / name)
    return tmp_path


def test_directory_argument_and_environment(data_copy, monkeypatch):
    assert load_mnist(data_copy).y_test.shape == (10000,)
    monkeypatch.setenv("DIGITLAB_DATA_DIR", str(data_copy / "nowhere"))
    with pytest.raises(DataError, match="t.*missing"):
        load_mnist()


def test_missing_file_is_named(data_copy):
    (data_copy / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(DataError, match="t10k-labels-idx1-ubyte.gz is missing.*git checkout"):
        load_mnist(data_copy)


def test_truncated_file_is_named(data_copy):
    path = data_copy / "train-labels-idx1-ubyte.gz"
    path.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(DataError, match="train-labels-idx1-ubyte.gz is truncated"):
        load_mnist(data_copy)


def test_altered_file_fails_checksum(data_copy):
    path = data_copy / "t10k-images-idx3-ubyte.gz"
    raw = bytearray(gzip.decompress(path.read_bytes()))
    raw[5000] ^= 0xFF  # one pixel changed, still a valid gzip
    path.write_bytes(gzip.compress(bytes(raw)))
    with pytest.raises(DataError, match="t10k-images-idx3-ubyte.gz fails its checksum"):
        load_mnist(data_copy)


def test_summary_matches_published_statistics(mnist):
    summary = summarize(mnist.x_train, mnist.y_train)
    assert summary.counts.tolist() == TRAIN_CLASS_COUNTS
    assert summary.mean == pytest.approx(0.1307, abs=5e-5) and summary.std == pytest.approx(0.3081, abs=5e-5)
    ones = mnist.x_train[mnist.y_train == 1].mean(axis=0)
    np.testing.assert_allclose(summary.class_means[1], ones)
    assert 0.05 < summary.ink_fraction < 0.2
