"""Shared fixtures: the real MNIST (loaded once), a private DigitLab home per test."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import pytest  # noqa: E402

from digitlab.data import load_mnist  # noqa: E402


@pytest.fixture(scope="session")
def mnist():
    return load_mnist()


@pytest.fixture
def home(tmp_path, monkeypatch):
    """An empty DigitLab home, so tests never touch ~/.digitlab."""
    monkeypatch.setenv("DIGITLAB_HOME", str(tmp_path / "home"))
    return tmp_path / "home"
