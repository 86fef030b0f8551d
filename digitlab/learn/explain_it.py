"""The numbers behind the pages' "Explain it to me" pictures: small, exact, computed, not drawn by hand."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

# A 5x5 filter that answers to a vertical stroke: positive in its middle column, negative beside it.
VERTICAL_STROKE = np.array([[-1, -0.5, 2, -0.5, -1]] * 5, dtype=np.float32) / 5


def convolve(image: npt.ArrayLike, kernel: npt.ArrayLike) -> np.ndarray:
    """Slide `kernel` over `image` (no padding), as a convolution layer does: one sum per position."""
    image, kernel = np.asarray(image, np.float32), np.asarray(kernel, np.float32)
    windows = np.lib.stride_tricks.sliding_window_view(image, kernel.shape)
    return np.einsum("ijkl,kl->ij", windows, kernel)


def feature_map(image: npt.ArrayLike, kernel: npt.ArrayLike = VERTICAL_STROKE) -> np.ndarray:
    """The convolution followed by ReLU, scaled to 0-1: bright where the filter's pattern is."""
    response = np.maximum(convolve(np.asarray(image, np.float32) / 255.0, kernel), 0)
    return response / response.max() if response.max() > 0 else response


def descent_on_a_bowl(learning_rates: list[float], steps: int = 20, start: float = 1.0) -> list[dict]:
    """Gradient descent on the simplest loss there is, loss(w) = w², from w = `start`, per learning rate.

    Rows {"step", "loss", "learning rate"} for a chart: a small rate crawls down, a good one drops
    fast, one above 1 overshoots further at every step and the loss grows.
    """
    rows = []
    for rate in learning_rates:
        weight = start
        for step in range(steps + 1):
            rows.append({"step": step, "loss": weight**2, "learning rate": str(rate)})
            weight -= rate * 2 * weight  # the gradient of w² is 2w
    return rows
