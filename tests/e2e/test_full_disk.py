"""A disk that fills while a run trains: the finished model is kept, the learner told, and it is saved
once there is room again. The disk is a real tmpfs (tests/test_faults.py's Disk), filled by a file."""

from __future__ import annotations

import errno

import pytest
from playwright.sync_api import expect

from digitlab.serve import store
from digitlab.serve.workspaces import personal_workspace
from tests.e2e.conftest import screenshot
from tests.e2e.server import start_app, stop_app, train_from_page
from tests.e2e.test_browser import wait_for_app
from tests.test_faults import Disk


def fill(path) -> None:
    """Write zeros to `path` until the disk holding it has no room left."""
    block = bytes(1 << 20)
    with open(path, "wb", buffering=0) as filler:
        try:
            while True:
                filler.write(block)
        except OSError as error:
            assert error.errno == errno.ENOSPC


@pytest.fixture
def small_disk_server(tmp_path):
    disk = Disk(tmp_path / "home", size="64m")
    try:
        server, url = start_app(disk.path, tmp_path / "streamlit.log")
        try:
            yield url, disk.path
        finally:
            stop_app(server)
    finally:
        disk.unmount()


def test_a_model_finished_on_a_full_disk_is_kept_and_saved_when_there_is_room(small_disk_server, page, monkeypatch):
    url, home = small_disk_server
    page.goto(f"{url}/train")
    wait_for_app(page)
    train_from_page(page, "softmax", "kept-for-later", epochs=3, images=2000)
    cancel, stop = (page.get_by_role("button", name=name, exact=True) for name in ("Cancel", "Stop"))
    expect(cancel.or_(stop)).to_be_visible(timeout=60_000)  # queued or running: the disk fills now
    fill(home / "filler")
    expect(page.get_by_text("Your model is trained but not saved yet")).to_be_visible(timeout=180_000)
    screenshot(page, "full-disk-model-kept")
    (home / "filler").unlink()  # room again: saved at the next try
    expect(page.get_by_text("Saved as kept-for-later")).to_be_visible(timeout=120_000)
    monkeypatch.setenv("DIGITLAB_HOME", str(home))
    assert [m.name for m in store.list_models(personal_workspace(home), include_default=False)] == ["kept-for-later"]
