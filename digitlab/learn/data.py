"""Read and verify the MNIST IDX files the project carries; hand them out as a Dataset."""

from __future__ import annotations

import functools
import gzip
import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from digitlab import settings
from digitlab.language import N_, _

DEFAULT_DATA_DIR = Path(__file__).resolve().parents[2] / "data" / "mnist"
TRAIN_SIZE = 60_000  # training images in the verified files (validation included)
VALIDATION_SIZE = 5_000  # the classic 55,000 / 5,000 split: the last 5,000 training images
TEST_SIZE = 10_000

# SHA-256 of the decompressed files (the gzip bytes differ between gzip runs).
FILES = {
    "train-images-idx3-ubyte.gz": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte.gz": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte.gz": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte.gz": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}
# IDX magic numbers: 0x00000803 = uint8, 3 dims (images); 0x00000801 = uint8, 1 dim (labels).
IMAGES_MAGIC, LABELS_MAGIC = 2051, 2049
FIX_HINT = N_("Restore it from the repository (git checkout -- data/mnist) or ../shared/mnist.")  # shown as _()


class DataError(Exception):
    """An MNIST file is missing, damaged or not what it should be."""


@dataclass(frozen=True)
class Dataset:
    """MNIST as read-only uint8 arrays: images (n, 28, 28) in 0-255, labels (n,) in 0-9."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray

    @property
    def x_fit(self) -> np.ndarray:
        """The training images without the validation split (55,000)."""
        return self.x_train[:-VALIDATION_SIZE]

    @property
    def y_fit(self) -> np.ndarray:
        return self.y_train[:-VALIDATION_SIZE]

    @property
    def x_val(self) -> np.ndarray:
        """The validation split: the last 5,000 training images."""
        return self.x_train[-VALIDATION_SIZE:]

    @property
    def y_val(self) -> np.ndarray:
        return self.y_train[-VALIDATION_SIZE:]

    def split(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """Return (images, labels) of 'train', 'validation' or 'test'."""
        splits = {
            "train": (self.x_fit, self.y_fit),
            "validation": (self.x_val, self.y_val),
            "test": (self.x_test, self.y_test),
        }
        if name not in splits:
            raise ValueError(f"Unknown split {name!r}; choose one of {sorted(splits)}")
        return splits[name]


@dataclass(frozen=True)
class SplitSummary:
    """Statistics of one split, on the 0-1 pixel scale."""

    counts: np.ndarray  # (10,) images per digit
    class_means: np.ndarray  # (10, 28, 28) the mean image of each digit, 0-255
    mean: float
    std: float
    ink_fraction: float  # share of pixels above 0.5


def summarize(images: np.ndarray, labels: np.ndarray) -> SplitSummary:
    """Class counts, mean digits and pixel statistics of uint8 images, without a float copy of them all."""
    mean = images.mean(dtype=np.float64)
    mean_square = np.mean(np.square(images, dtype=np.uint16), dtype=np.float64)
    return SplitSummary(
        counts=np.bincount(labels, minlength=10),
        class_means=np.stack([images[labels == k].mean(axis=0) for k in range(10)]),
        mean=mean / 255,
        std=float(np.sqrt(mean_square - mean**2)) / 255,
        ink_fraction=float(np.count_nonzero(images > 127) / images.size),
    )


def read_verified(path: Path, sha256: str) -> bytes:
    """Return the decompressed bytes of one .gz file, or raise DataError saying what is wrong."""
    if not path.is_file():
        raise DataError(
            _("MNIST file {name} is missing from {folder}. {fix}").format(
                name=path.name, folder=path.parent, fix=_(FIX_HINT)
            )
        )
    try:
        raw = gzip.decompress(path.read_bytes())
    except (OSError, EOFError) as error:
        raise DataError(
            _("MNIST file {name} is truncated or not gzip ({error}). {fix}").format(
                name=path.name, error=error, fix=_(FIX_HINT)
            )
        ) from error
    digest = hashlib.sha256(raw).hexdigest()
    if digest != sha256:
        raise DataError(
            _(
                "MNIST file {name} fails its checksum: SHA-256 {digest}... "
                "instead of {expected}...; the file is altered or corrupt. {fix}"
            ).format(name=path.name, digest=digest[:12], expected=sha256[:12], fix=_(FIX_HINT))
        )
    return raw


def parse_idx(raw: bytes, magic: int, name: str) -> np.ndarray:
    """Parse IDX bytes (big-endian header, then uint8 data) into an array of the header's shape."""
    dims = 3 if magic == IMAGES_MAGIC else 1
    header = np.frombuffer(raw, dtype=">u4", count=1 + dims)
    if header[0] != magic:
        raise DataError(
            _("MNIST file {name} has magic number {found}, expected {magic}.").format(
                name=name, found=header[0], magic=magic
            )
        )
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 * (1 + dims))
    return data.reshape(tuple(int(d) for d in header[1:]))


@functools.lru_cache(maxsize=2)
def _load(directory: Path) -> Dataset:
    arrays = []
    for name, sha in FILES.items():
        magic = IMAGES_MAGIC if "images" in name else LABELS_MAGIC
        arrays.append(parse_idx(read_verified(directory / name, sha), magic, name))
    return Dataset(*arrays)  # frombuffer over bytes: the arrays are read-only


def load_mnist(directory: str | Path | None = None) -> Dataset:
    """Load and verify MNIST.

    Args:
        directory: folder with the four .gz files; default `$DIGITLAB_DATA_DIR` or data/mnist.
    Returns:
        A Dataset of read-only uint8 arrays (60,000 train, 10,000 test).
    Raises:
        DataError: a file is missing, truncated or fails its SHA-256 check.
    """
    directory = directory or settings.current().data_dir or DEFAULT_DATA_DIR
    return _load(Path(directory).expanduser().resolve())
