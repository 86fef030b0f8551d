"""DigitLab core: MNIST data, models, training, evaluation and the model store (no Streamlit)."""

__version__ = "0.1.0"
