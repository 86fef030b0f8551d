"""Learning: MNIST, preprocessing, networks, training, evaluation, explanations, export (no serving, no Streamlit)."""
