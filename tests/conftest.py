"""Shared fixtures: the real MNIST (loaded once), a private DigitLab home per test, one real Dask cluster."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import psutil  # noqa: E402
import pytest  # noqa: E402

from digitlab.learn.data import load_mnist  # noqa: E402
from digitlab.serve.cluster import connect, start_local_cluster  # noqa: E402
from digitlab.serve.jobs import JobBoard, all_boards  # noqa: E402
from digitlab.serve.workspaces import personal_workspace  # noqa: E402

E2E_DIR = os.path.join(os.path.dirname(__file__), "e2e")


def pytest_collection_modifyitems(items):
    """Mark `e2e` every test that drives a real browser or server (tests/e2e) or needs a Dask cluster:
    `pytest -m "not e2e"` is the fast part."""
    for item in items:
        if str(item.path).startswith(E2E_DIR) or "cluster" in item.fixturenames:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def mnist():
    return load_mnist()


@pytest.fixture
def home(tmp_path, monkeypatch):
    """An empty DigitLab home, so tests never touch ~/.digitlab."""
    monkeypatch.setenv("DIGITLAB_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


@pytest.fixture
def workspace(home):
    """The personal workspace in the test's private home."""
    return personal_workspace(home)


@pytest.fixture(autouse=True)
def no_cluster_started_by_app_tests(monkeypatch):
    """AppTest runs the app inside pytest: its background start of an embedded cluster stays off
    (a test that trains gives the app the test cluster through DIGITLAB_SCHEDULER)."""
    import ui.jobs

    monkeypatch.setattr(ui.jobs, "start_job_board_in_background", lambda: None)


@pytest.fixture(scope="session")
def cluster():
    """A real embedded LocalCluster with one training slot, shut down at the end of the session."""
    cluster = start_local_cluster(slots=1)
    yield cluster
    for board in all_boards():  # the app's boards too (AppTest caches them): no reconnect attempts
        board.client.close()
    cluster.close()


@pytest.fixture
def board(cluster, monkeypatch):
    """A JobBoard on the test cluster; the app (AppTest) finds the same cluster through DIGITLAB_SCHEDULER.

    Whatever a test leaves running is stopped, so the next test finds the slot free.
    """
    monkeypatch.setenv("DIGITLAB_SCHEDULER", cluster.scheduler_address)
    board = JobBoard(connect(cluster.scheduler_address))
    yield board
    for job in board.jobs.values():
        job.cancel()
    for job in board.jobs.values():
        job.wait(60)
    board.client.close()


@pytest.fixture(scope="session", autouse=True)
def no_leftover_processes():
    """Whatever a test started (a server, a Dask scheduler or worker) is gone when the tests end."""
    yield
    for board in all_boards():  # an app's embedded cluster (AppTest caches its board) closes first
        board.close()
    children = psutil.Process().children(recursive=True)
    for child in children:
        child.kill()
    psutil.wait_procs(children, timeout=10)
