"""A gallery of odd and hostile images: through the one reading path, each gives a digit or a message.

The same digit (MNIST's first test 7) in every mode and bit depth PIL opens, in animated and
multi-page files, in odd value ranges; then bombs, truncated files, wrong extensions and arrays no
canvas would send. The CLI then answers every file of the whole gallery in one batch.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zlib

import numpy as np
import pytest
from PIL import Image

from digitlab.learn.preprocess import MAX_PIXELS, BlankImageError, ImageReadError, preprocess
from tests.test_cli import cli


def similarity(a, b):
    a, b = a.ravel().astype(float), b.ravel().astype(float)
    return a @ b / np.linalg.norm(a) / np.linalg.norm(b)


@pytest.fixture(scope="module")
def seven(mnist) -> np.ndarray:
    """A 7, white on black, 224x224 in 0-1."""
    return np.kron(mnist.x_test[0], np.ones((8, 8))).astype(np.float32) / 255


def encoded(image: Image.Image, format: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=format, **options)
    return buffer.getvalue()


def sevens(seven: np.ndarray) -> dict[str, bytes | Image.Image]:
    """The 7 in every mode: encoded where a format holds the mode, else as the PIL image itself."""
    ink = (seven * 255).astype(np.uint8)
    gray = Image.fromarray(ink)
    rgb = Image.merge("RGB", [gray, gray, gray])
    big16 = np.kron(seven, np.ones((12, 12), np.float32))  # 2,688 px a side
    with_nan = seven.copy()
    with_nan[:10] = np.nan
    with_nan[-3:, :3] = np.inf
    frames = [gray, Image.new("L", gray.size)]
    return {
        "1.png": encoded(gray.point(lambda v: 255 if v > 127 else 0).convert("1"), "PNG"),
        "L.png": encoded(gray, "PNG"),
        "P.gif": encoded(rgb.convert("P"), "GIF"),
        "I16.png": encoded(Image.fromarray((seven * 65535).astype(np.uint16)), "PNG"),
        "I16-large.png": encoded(Image.fromarray((big16 * 65535).astype(np.uint16)), "PNG"),
        "I.tiff": encoded(Image.fromarray((seven * 1_000_000).astype(np.int32)), "TIFF"),
        "I-negative.tiff": encoded(Image.fromarray((seven * 2000 - 1000).astype(np.int32)), "TIFF"),
        "F-nan.tiff": encoded(Image.fromarray(with_nan, mode="F"), "TIFF"),
        "F-wide.tiff": encoded(Image.fromarray(seven * 1e6 - 5e5, mode="F"), "TIFF"),
        "LA.png": encoded(Image.merge("LA", [gray, Image.new("L", gray.size, 255)]), "PNG"),
        "RGB.jpg": encoded(rgb, "JPEG"),
        "RGBA.png": encoded(Image.merge("RGBA", [gray, gray, gray, Image.new("L", gray.size, 255)]), "PNG"),
        "CMYK.jpg": encoded(rgb.convert("CMYK"), "JPEG"),
        "YCbCr.jpg": rgb.convert("YCbCr"),
        "LAB.tiff": encoded(rgb.convert("LAB"), "TIFF"),
        "HSV": rgb.convert("HSV"),
        "animated.gif": encoded(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100),
        "pages.tiff": encoded(frames[0], "TIFF", save_all=True, append_images=frames[1:]),
        "webp.webp": encoded(rgb, "WEBP", lossless=True),
    }


def png_header_claiming(width: int, height: int) -> bytes:
    """A valid small PNG of zeros that claims `width` x `height`: a decompression bomb."""
    raw = zlib.compress(b"\x00" * (width // 8 + 1) * 4)  # a few rows; the file is truncated past them

    def chunk(kind: bytes, data: bytes) -> bytes:
        return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")

    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([1, 0, 0, 0, 0])
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def hostile() -> dict[str, bytes]:
    good = encoded(Image.new("L", (64, 64)), "PNG")
    return {
        "bomb-80MP.png": png_header_claiming(10_000, 8_000),
        "bomb-64MP.png": png_header_claiming(8_000, 8_000),
        "truncated.png": good[: len(good) // 2],
        "empty.png": b"",
        "text.png": b"this is not an image at all\n" * 10,
        "zeros.jpg": bytes(5000),
    }


def test_every_mode_reads_as_the_same_seven(seven):
    reference = preprocess(seven)
    for name, source in sevens(seven).items():
        digit = preprocess(source)
        assert digit.shape == (28, 28) and np.isfinite(digit).all(), name
        assert similarity(digit, reference) > 0.85, name


def test_a_png_named_jpg_still_reads(seven, tmp_path):
    path = tmp_path / "seven.jpg"
    path.write_bytes(sevens(seven)["L.png"])
    assert similarity(preprocess(path), preprocess(seven)) > 0.95


@pytest.mark.parametrize("name", list(hostile()))
def test_hostile_files_get_a_message(name):
    with pytest.raises(ImageReadError) as error:
        preprocess(hostile()[name])
    assert "Traceback" not in str(error.value) and len(str(error.value)) < 200


def test_the_pixel_limit_is_checked_before_decoding():
    with pytest.raises(ImageReadError, match="too large"):
        preprocess(png_header_claiming(8_000, 8_000))  # 64 MP in 1 KB: refused from its header
    assert 8_000 * 8_000 > MAX_PIXELS


@pytest.mark.parametrize(
    "array",
    [
        np.zeros((280, 280, 2), np.uint8),
        np.zeros((0, 0, 4), np.uint8),
        np.zeros((4, 280, 280, 4), np.uint8),
        np.array([["a", "b"], ["c", "d"]]),
        np.array([[object(), None]]),
        np.full((280, 280, 4), np.nan, np.float32),
        np.full((280, 280), np.inf, np.float64),
        np.ones((280, 280, 4), np.complex64),
    ],
    ids=["two-bands", "empty", "4d", "strings", "objects", "nan-rgba", "inf", "complex"],
)
def test_arrays_no_canvas_sends_get_a_message(array):
    with pytest.raises((ImageReadError, BlankImageError)):
        preprocess(array)


def test_the_cli_answers_every_file_of_an_odd_batch(seven, tmp_path):
    files = []
    for name, source in {**sevens(seven), **hostile()}.items():
        if isinstance(source, Image.Image):
            continue  # no file format holds it: read in memory above
        path = tmp_path / name
        path.write_bytes(source)
        files.append(str(path))
    files.append(str(tmp_path / "missing.png"))
    out = cli("predict", *files, "--json", home=tmp_path)
    answers = [json.loads(line) for line in out.stdout.splitlines()]
    assert [a["file"] for a in answers] == files, out.stderr[-2000:]
    by_name = {a["file"].rsplit("/", 1)[-1]: a for a in answers}
    assert all(by_name[n].get("digit") == 7 for n in sevens(seven) if n in by_name), by_name
    assert all("error" in by_name[n] for n in [*hostile(), "missing.png"])
    assert out.returncode == 1 and "Traceback" not in out.stderr


MEMORY_PROBE = """
import resource, sys
from digitlab.learn.preprocess import preprocess, read_image
data = open(sys.argv[1], "rb").read()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
digit = preprocess(read_image(data))
grew = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
print(f"{grew:.0f} {int(digit.max() > 0)}")
"""


@pytest.mark.parametrize("mode", ["P", "I;16", "1"])
def test_a_large_picture_that_compresses_to_a_few_kilobytes_is_read_in_little_memory(mode, tmp_path):
    """A 6,300-pixel square with one stroke: 40-110 KB as a file, 40 million pixels once decoded.
    Shrunk in its own kind of pixels, it takes about 100 MB to read at most (it took 1.4 GB as floats)."""
    from PIL import ImageDraw

    from tests.test_cli import ROOT

    picture = Image.new("P", (6300, 6300), 0)
    picture.putpalette([255, 255, 255, 0, 0, 0])  # white paper, black ink
    ImageDraw.Draw(picture).line([(1500, 1000), (4800, 5200)], fill=1, width=400)
    if mode != "P":
        picture = picture.convert("L").convert(mode)
    path = tmp_path / "large.png"
    picture.save(path)
    del picture
    probe = subprocess.run(
        [sys.executable, "-c", MEMORY_PROBE, str(path)], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    grew_mb, inked = map(int, probe.stdout.split())
    assert inked and grew_mb < 250, probe.stdout + probe.stderr
