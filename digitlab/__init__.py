"""DigitLab core: MNIST data, models, training, evaluation and the model store (no Streamlit)."""

from digitlab.quiet import import_tensorflow

__version__ = "0.1.0"

import_tensorflow()  # before any module imports it, so its start-up notices stay off the terminal
