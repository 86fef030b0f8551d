"""The multi-machine path on one machine: `dask scheduler` and `dask worker` as their own processes,
the app pointed at them with DIGITLAB_SCHEDULER, a training started from the Train page in Chromium."""

from __future__ import annotations

import pytest

from digitlab.serve import store
from digitlab.serve.workspaces import personal_workspace
from tests.e2e.conftest import screenshot
from tests.e2e.server import start_app, start_dask, stop_app, train_from_page
from tests.e2e.test_browser import wait_for_app


@pytest.fixture
def cluster_app(tmp_path):
    """The app on a separate scheduler and worker; all three processes stopped afterwards."""
    processes, address = start_dask(tmp_path)
    server = None
    try:
        server, url = start_app(tmp_path / "home", tmp_path / "streamlit.log", scheduler=address)
        yield url, tmp_path / "home"
    finally:
        for process in ([server] if server else []) + processes[::-1]:
            stop_app(process)


def test_training_from_the_page_runs_on_the_separate_worker_and_is_saved(cluster_app, page):
    url, home = cluster_app
    page.goto(f"{url}/train")
    wait_for_app(page)
    train_from_page(page, "softmax", "on-the-cluster", epochs=2, images=5000)
    page.get_by_text("Saved as on-the-cluster").wait_for(timeout=120_000)
    screenshot(page, "train-on-cluster")
    meta = store.load_model("on-the-cluster", personal_workspace(home))[1]
    assert meta["architecture"] == "softmax" and meta["test_accuracy"] > 0.8
    assert meta["epochs_completed"] == 2
