import io

import numpy as np
import pytest
from PIL import Image

from digitlab.learn.preprocess import BlankImageError, ImageReadError, preprocess


def center_of_mass(image):
    rows, cols = np.indices(image.shape)
    return (rows * image).sum() / image.sum(), (cols * image).sum() / image.sum()


def similarity(a, b):
    """Cosine similarity of two images."""
    a, b = a.ravel().astype(float), b.ravel().astype(float)
    return a @ b / np.linalg.norm(a) / np.linalg.norm(b)


def png_bytes(array, mode=None):
    buffer = io.BytesIO()
    Image.fromarray(array, mode).save(buffer, format="PNG")
    return buffer.getvalue()


def test_clean_mnist_digit_is_nearly_unchanged(mnist):
    for digit in mnist.x_test[:20]:
        out = preprocess(digit)
        assert out.shape == (28, 28) and out.dtype == np.float32 and out.max() <= 255
        assert similarity(out, digit) > 0.9


def test_output_is_centered_at_14(mnist):
    out = preprocess(mnist.x_test[0])
    row, col = center_of_mass(out)
    assert abs(row - 14.0) <= 0.5 and abs(col - 14.0) <= 0.5


def big_canvas(digit, scale=8, top=30, left=90, size=280):
    """Draw an MNIST digit large at an off-center position, as on a 280x280 canvas."""
    canvas = np.zeros((size, size), np.uint8)
    big = np.asarray(Image.fromarray(digit).resize((28 * scale // 2, 28 * scale // 2), Image.BILINEAR))
    canvas[top : top + big.shape[0], left : left + big.shape[1]] = big
    return canvas


def test_shifted_scaled_thickened_and_inverted_come_back(mnist):
    digit = mnist.x_test[1]
    reference = preprocess(digit)
    canvas = big_canvas(digit)
    thick = np.asarray(Image.fromarray(canvas).filter(__import__("PIL.ImageFilter").ImageFilter.MaxFilter(5)))
    for variant in [canvas, thick, 255 - canvas, np.stack([255 - canvas] * 3, axis=-1)]:
        assert similarity(preprocess(variant), reference) > 0.8


def test_transparent_canvas_with_black_ink(mnist):
    """The canvas' default: RGB all zero, the drawing only in alpha."""
    rgba = np.zeros((280, 280, 4), np.uint8)
    rgba[..., 3] = big_canvas(mnist.x_test[2])
    assert similarity(preprocess(rgba), preprocess(mnist.x_test[2])) > 0.9


def test_photo_like_dark_on_light_png_file(mnist, tmp_path):
    paper = 200 - big_canvas(mnist.x_test[3]) * 0.7  # grey paper, dark grey ink
    noise = np.random.default_rng(0).normal(0, 4, paper.shape)
    path = tmp_path / "photo.png"
    path.write_bytes(png_bytes(np.clip(paper + noise, 0, 255).astype(np.uint8)))
    assert similarity(preprocess(path), preprocess(mnist.x_test[3])) > 0.85


@pytest.mark.parametrize(
    "image",
    [
        np.zeros((280, 280), np.uint8),
        np.full((280, 280), 255, np.uint8),
        np.full((50, 50, 3), 127, np.uint8),
        np.zeros((1, 1), np.uint8),
        np.zeros((280, 280, 4), np.uint8),  # an untouched transparent canvas
    ],
)
def test_blank_images_raise(image):
    with pytest.raises(BlankImageError):
        preprocess(image)


def test_a_single_dot_is_not_a_digit():
    canvas = np.zeros((280, 280), np.uint8)
    canvas[140:150, 140:150] = 255
    with pytest.raises(BlankImageError, match="dot"):
        preprocess(canvas)


def test_not_an_image_raises(tmp_path):
    path = tmp_path / "notes.png"
    path.write_text("hello, not a picture")
    with pytest.raises(ImageReadError, match="Not a readable image"):
        preprocess(path)
    with pytest.raises(ImageReadError):
        noisy = np.random.default_rng(0).integers(0, 256, (100, 100), dtype=np.uint8)
        data = png_bytes(noisy)
        preprocess(data[: len(data) // 2])  # a truncated PNG


def test_huge_image_is_refused():
    header = Image.new("L", (20000, 20000))  # the size is read from the header, pixels never decoded
    buffer = io.BytesIO()
    header.save(buffer, format="PNG")
    with pytest.raises(ImageReadError, match="too large"):
        preprocess(buffer.getvalue())


def test_transparent_png_palette_and_16_bit_files(mnist, tmp_path):
    reference = preprocess(mnist.x_test[4])
    ink = big_canvas(mnist.x_test[4])
    rgba = np.zeros((280, 280, 4), np.uint8)
    rgba[..., 3] = ink  # black ink on a transparent background
    palette = Image.fromarray(255 - ink).convert("P")
    sixteen = Image.fromarray(ink.astype(np.uint16) * 257)  # 16-bit grey, 0-65535
    for name, image in [("rgba.png", Image.fromarray(rgba)), ("palette.png", palette), ("deep.png", sixteen)]:
        image.save(tmp_path / name)
        assert similarity(preprocess(tmp_path / name), reference) > 0.85, name


def test_photo_with_a_colored_background(mnist):
    ink = big_canvas(mnist.x_test[5]).astype(float) / 255
    paper = np.array([250, 230, 120], float)  # a yellow sticky note
    pen = np.array([20, 30, 140], float)  # blue ink
    photo = (paper * (1 - ink[..., None]) + pen * ink[..., None]).astype(np.uint8)
    assert similarity(preprocess(photo), preprocess(mnist.x_test[5])) > 0.85


def test_decompression_bomb_is_refused():
    """A 6000x9000 PNG of zeros is a few kB on disk but 54 megapixels decoded."""
    buffer = io.BytesIO()
    Image.new("1", (6000, 9000)).save(buffer, format="PNG")
    assert len(buffer.getvalue()) < 200_000
    with pytest.raises(ImageReadError, match="too large"):
        preprocess(buffer.getvalue())


def test_the_steps_end_in_the_model_input_and_each_can_be_skipped(mnist):
    from digitlab.learn.preprocess import STEPS, preprocess_steps

    canvas = big_canvas(mnist.x_test[0], left=10, top=10)  # a 7 in the top-left corner
    steps = preprocess_steps(canvas)
    assert [what for what, _ in steps[1:]] == list(STEPS.values())
    assert np.array_equal(steps[-1][1], preprocess(canvas))
    for skipped in STEPS:
        last = preprocess_steps(canvas, frozenset({skipped}))[-1][1]
        assert last.shape == (28, 28) and not np.array_equal(last, preprocess(canvas)), skipped

    def height(image):
        rows = np.flatnonzero((image > 50).any(axis=1))
        return rows[-1] - rows[0] + 1

    uncropped = preprocess_steps(canvas, frozenset({"crop"}))[-1][1]
    assert height(uncropped) < 14 <= height(preprocess(canvas))  # uncropped, the whole canvas fits the box
