"""Turn any user image into the 28x28 digit an MNIST model expects, the way MNIST itself was made.

MNIST digits are white on black, size-normalized to fit a 20x20 box (aspect kept, anti-aliased)
and placed in 28x28 so that their intensity center of mass sits at row 14.0, column 14.0.
"""

from __future__ import annotations

import io
import logging
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from digitlab import language
from digitlab.language import N_, _

BOX = 20  # the longer side of the digit, in pixels
CENTER = 14.0  # MNIST's measured center of mass (row and column, array coordinates)
MAX_PIXELS = 40_000_000  # larger images are refused (PIL's decompression-bomb guard)
WORKING_SIZE = 512  # big images are shrunk to this first: plenty for a 20-pixel digit
MIN_CONTRAST = 0.08  # ink and background must differ by this much (0-1 scale)
NOISE_LEVEL = 0.2  # ink fainter than this fraction of the strongest does not decide the crop
FLOOR = 0.05  # ink fainter than this is set to zero (paper grain, JPEG noise)
MIN_DIGIT_FRACTION = 0.08  # a mark smaller than this part of the image is a dot, not a digit

Image.MAX_IMAGE_PIXELS = MAX_PIXELS
log = logging.getLogger(__name__)


class BlankImageError(ValueError):
    """The image holds no digit: it is empty, uniform, or only a speck."""


class ImageReadError(ValueError):
    """The file or data is not an image that can be read."""


def read_image(source: str | Path | bytes | Image.Image | np.ndarray) -> np.ndarray:
    """Return (h, w) grayscale floats in [0, 1] from a path, bytes, PIL image or array (RGBA allowed).

    Every failure is an ImageReadError with a sentence for the visitor: too many pixels (checked
    from the header, before anything is decoded), not an image, a truncated or damaged file, a
    mode or shape that holds no picture.
    """
    try:
        if isinstance(source, np.ndarray):
            return shrink(array_to_gray(source))
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = source if isinstance(source, Image.Image) else open_image(source)
            refuse_too_many_pixels(image.size)
            image.draft("L", (WORKING_SIZE, WORKING_SIZE))  # JPEG: decode at reduced size
            image.load()  # an animated or multi-page file: its first frame
        return shrink(pil_to_gray(reduced(image)))
    except ImageReadError:
        raise
    except (FileNotFoundError, IsADirectoryError, PermissionError) as error:
        raise ImageReadError(
            _("Cannot open {name}: {reason}.").format(name=error.filename, reason=error.strerror.lower())
        ) from error
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise ImageReadError(
            _("The image is too large: the limit is {count} pixels.").format(count=language.number(MAX_PIXELS))
        ) from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, TypeError, KeyError, EOFError) as error:
        log.info("unreadable image: %s", error, exc_info=True)
        raise ImageReadError(_("Not a readable image: the file is damaged, truncated or not a picture.")) from error
    except MemoryError as error:
        raise ImageReadError(
            _("The image is too large to read: the limit is {count} pixels.").format(count=language.number(MAX_PIXELS))
        ) from error


# Each kind of pixel as the smallest mode PIL can shrink it in, keeping what pil_to_gray reads from it.
SHRINKABLE = {"1": "L", "P": "L", "PA": "LA", "La": "LA", "RGBa": "RGBA", "I;16": "I", "I;16B": "I", "I;16L": "I"}


def reduced(image: Image.Image) -> Image.Image:
    """A large picture shrunk to WORKING_SIZE in its own kind of pixels, before any conversion to
    floats: a 6,300-pixel palette PNG then costs about a hundred MB to read, not gigabytes."""
    if max(image.size) <= WORKING_SIZE:
        return image
    mode = SHRINKABLE.get(image.mode, image.mode)
    if mode in ("L", "RGB") and "transparency" in image.info:
        mode = "LA" if mode == "L" else "RGBA"
    if mode not in ("L", "LA", "RGB", "RGBA", "CMYK", "YCbCr", "I", "F"):
        return image  # LAB, HSV...: rare; pil_to_gray reads them whole
    if mode != image.mode:
        image = image.convert(mode)
    scale = WORKING_SIZE / max(image.size)
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return image.resize(size, Image.Resampling.BICUBIC, reducing_gap=2.0)  # by whole steps first: little memory


def refuse_too_many_pixels(size: tuple[int, int]) -> None:
    width, height = size
    if width * height > MAX_PIXELS:
        raise ImageReadError(
            _("The image is too large ({width}x{height}): the limit is {count} pixels.").format(
                width=language.number(width), height=language.number(height), count=language.number(MAX_PIXELS)
            )
        )


def open_image(source: str | Path | bytes) -> Image.Image:
    if isinstance(source, bytes):
        return Image.open(io.BytesIO(source))
    return Image.open(Path(source))


def pil_to_gray(image: Image.Image) -> np.ndarray:
    """Any PIL mode (1, L, P, I;16, I, F, LA, RGB(A), CMYK, LAB, YCbCr, HSV) -> (h, w) grayscale in [0, 1]."""
    if image.mode in SINGLE_NUMBER_MODES:
        return numbers_to_gray(np.asarray(image, dtype=np.float32))
    if image.mode in BRIGHTNESS_BAND:  # colour spaces with a band that is the brightness itself
        return np.asarray(image.getchannel(BRIGHTNESS_BAND[image.mode]), dtype=np.float32) / 255
    if image.mode in ("P", "PA", "LA", "RGBA", "La", "RGBa") or "transparency" in image.info:
        return array_to_gray(np.asarray(image.convert("RGBA")))
    return np.asarray(image.convert("L"), dtype=np.float32) / 255


SINGLE_NUMBER_MODES = ("I;16", "I;16B", "I;16L", "I;16N", "I", "F")
BRIGHTNESS_BAND = {"LAB": "L", "YCbCr": "Y", "HSV": "V"}


def numbers_to_gray(array: np.ndarray) -> np.ndarray:
    """Pixels of any number range (16-bit, 32-bit, floats with NaN or infinities) -> [0, 1].

    Values already in 0-1, 0-255 or 0-65535 keep their meaning; any other range is stretched.
    NaN and infinities are taken as background.
    """
    finite = np.isfinite(array)
    if not finite.any():
        raise ImageReadError(_("The image holds no numbers (every pixel is NaN or infinite)."))
    low, high = float(array[finite].min()), float(array[finite].max())
    array = np.where(finite, array, low)
    if low >= 0:
        for top in (1.0, 255.0, 65535.0):
            if high <= top:
                return array / top
    return (array - low) / (high - low) if high > low else np.zeros_like(array)


def shrink(gray: np.ndarray) -> np.ndarray:
    """Shrink a large picture so its longer side is WORKING_SIZE: plenty for a 20-pixel digit."""
    height, width = gray.shape[:2]
    if max(height, width) <= WORKING_SIZE:
        return gray
    scale = WORKING_SIZE / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return np.asarray(Image.fromarray(gray.astype(np.float32), mode="F").resize(size, Image.Resampling.BOX))


def array_to_gray(array: np.ndarray) -> np.ndarray:
    """(h, w), (h, w, 3) or (h, w, 4) array, 0-255 or 0-1 -> (h, w) grayscale in [0, 1]."""
    array = np.asarray(array)
    if array.dtype.kind not in "biuf" or array.ndim not in (2, 3) or array.size == 0:
        raise ImageReadError(
            _("Expected an (h, w), (h, w, 3) or (h, w, 4) picture of numbers, got {shape}").format(shape=array.shape)
        )
    if array.ndim == 3 and array.shape[2] not in (3, 4):
        raise ImageReadError(
            _("Expected an (h, w), (h, w, 3) or (h, w, 4) image, got shape {shape}").format(shape=array.shape)
        )
    refuse_too_many_pixels(array.shape[1::-1])
    # float32 from here: exact enough for 8-bit pixels, quicker than float64
    if array.dtype == np.uint8:
        array = array.astype(np.float32) / 255
    elif array.ndim == 2:
        return numbers_to_gray(array.astype(np.float32))
    else:
        array = np.nan_to_num(array.astype(np.float32), nan=0.0, posinf=0.0, neginf=0.0)
        if array.max() > 1.0:
            array = np.clip(array / 255, 0, 1)
    if array.ndim == 2:
        return array
    gray = array[..., :3] @ np.array([0.299, 0.587, 0.114], np.float32)
    if array.shape[2] == 3:
        return gray
    alpha = array[..., 3]
    if alpha.min() > 0.99:
        return gray
    # Transparent background: the ink is wherever alpha is, whatever its color. Paint the
    # transparent part the opposite of the ink so the drawing stands out either way.
    opaque = alpha > 0.5
    ink_is_dark = opaque.any() and gray[opaque].mean() < 0.5
    background = 1.0 if ink_is_dark else 0.0
    return gray * alpha + background * (1 - alpha)


def ink_map(gray: np.ndarray) -> np.ndarray:
    """Return ink strength in [0, 1] (white digit on black), background removed; raise if blank."""
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    background = np.median(border)
    ink = gray - background if background < 0.5 else background - gray  # ink is what differs
    ink = np.clip(ink, 0, None)
    strongest = np.percentile(ink, 99.9) if ink.size > 1000 else ink.max()
    if strongest < MIN_CONTRAST:
        raise BlankImageError(_("The image is blank: draw or upload a digit."))
    ink = np.clip(ink / strongest, 0, 1)
    ink[ink < FLOOR] = 0
    return ink


def crop_to_ink(ink: np.ndarray) -> np.ndarray:
    """Return the smallest box holding all clear ink; raise if the ink is only a speck."""
    clear = ink >= NOISE_LEVEL
    rows, cols = np.flatnonzero(clear.any(axis=1)), np.flatnonzero(clear.any(axis=0))
    height, width = rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1
    if max(height, width) < MIN_DIGIT_FRACTION * max(ink.shape) or max(height, width) < 2:
        raise BlankImageError(_("That is only a dot: draw the whole digit, larger."))
    return ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]


def fit_box(digit: np.ndarray) -> np.ndarray:
    """Scale so the longer side is 20 pixels, keeping the aspect ratio, anti-aliased."""
    height, width = digit.shape
    scale = BOX / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    image = Image.fromarray(digit.astype(np.float32), mode="F")
    return np.asarray(image.resize(size, Image.Resampling.LANCZOS), dtype=np.float64).clip(0, 1)


def center_by_mass(digit: np.ndarray) -> np.ndarray:
    """Paste into 28x28 so the intensity center of mass lands on (14, 14)."""
    rows, cols = np.indices(digit.shape)
    total = digit.sum()
    com_row, com_col = (rows * digit).sum() / total, (cols * digit).sum() / total
    top, left = round(CENTER - com_row), round(CENTER - com_col)
    out = np.zeros((28, 28))
    # Clip the paste to the 28x28 frame (a very lopsided digit may spill over).
    r0, c0 = max(top, 0), max(left, 0)
    r1, c1 = min(top + digit.shape[0], 28), min(left + digit.shape[1], 28)
    out[r0:r1, c0:c1] = digit[r0 - top : r1 - top, c0 - left : c1 - left]
    return out


def preprocess(source: str | Path | bytes | Image.Image | np.ndarray) -> np.ndarray:
    """Turn a user image into an MNIST-style digit.

    Args:
        source: a file path, encoded bytes, PIL image, or array ((h, w), RGB or RGBA; 0-255 or
            0-1); any size; dark ink on light or light ink on dark; transparent backgrounds.
    Returns:
        (28, 28) float32 pixels in 0-255, white digit on black, as the models take them.
    Raises:
        BlankImageError: no digit in the image. ImageReadError: not a readable image.
    """
    return (pipeline(source)[-1][1] * 255).astype(np.float32)


# The steps a learner may skip, in words (marked N_: a page shows _(STEPS[step]); pipeline translates its own).
STEPS = {
    "crop": N_("Crop to the ink"),
    "fit": N_("Fit in a 20x20 box"),
    "center": N_("Centre by the centre of mass"),
}


def preprocess_steps(source, skip: frozenset[str] = frozenset()) -> list[tuple[str, np.ndarray]]:
    """The preprocessing one step at a time, each step in STEPS skippable: [(what, image 0-255)], `what` in
    the current language.

    The first image is the ink as read; the last is the (28, 28) model input. Without "fit", the
    (cropped) ink is squeezed to 28x28 whole; without "center", the 20x20 box sits in the middle.
    """
    return [(what, (image * 255).astype(np.float32)) for what, image in pipeline(source, skip)]


def pipeline(source, skip: frozenset[str] = frozenset()) -> list[tuple[str, np.ndarray]]:
    """The pipeline itself, every step's image in 0-1 (`preprocess` keeps only the last)."""
    gray = read_image(source)
    if gray.size == 0 or min(gray.shape) < 2:
        raise BlankImageError(_("The image is too small to hold a digit."))
    digit = ink_map(gray)
    steps = [(_("The ink, as read"), digit)]
    if "crop" not in skip:
        digit = crop_to_ink(digit)
        steps.append((_(STEPS["crop"]), digit))
    if "fit" in skip:
        image = Image.fromarray(digit.astype(np.float32), mode="F").resize((28, 28), Image.Resampling.LANCZOS)
        return [*steps, (_("Squeezed to 28x28 (no box)"), np.asarray(image, dtype=np.float64).clip(0, 1))]
    digit = fit_box(digit)
    steps.append((_(STEPS["fit"]), digit))
    if "center" not in skip:
        return [*steps, (_(STEPS["center"]), center_by_mass(digit))]
    out = np.zeros((28, 28))
    top, left = (28 - digit.shape[0]) // 2, (28 - digit.shape[1]) // 2
    out[top : top + digit.shape[0], left : left + digit.shape[1]] = digit
    return [*steps, (_("Put in the middle of 28x28"), out)]
