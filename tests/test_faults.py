"""A store that cannot write (read-only, full) and visitors racing each other: a sentence, nothing half-done.

The disk is a real one: a small tmpfs mounted for the test and remounted read-only, or filled, so
every write path meets the error the kernel gives (root ignores chmod, so permissions cannot
stand in for it).
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from digitlab.learn.architectures import build_model
from digitlab.learn.train import TrainConfig
from digitlab.serve import runs, store, workspaces
from digitlab.serve.drawings import delete_drawing, list_drawings, save_drawing
from digitlab.serve.workspaces import Workspace, personal_workspace
from ui import keys

SOFTMAX_META = {"architecture": "softmax", "test_accuracy": 0.9}


class Disk:
    """A tmpfs of `size` at `path`, for one test."""

    def __init__(self, path: Path, size: str = "8m"):
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        command = ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)]
        mounted = subprocess.run(command, capture_output=True)
        if mounted.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here ({mounted.stderr.decode().strip()}): needs root")

    def read_only(self, on: bool = True) -> None:
        subprocess.run(["mount", "-o", f"remount,{'ro' if on else 'rw'}", str(self.path)], check=True)

    def unmount(self) -> None:
        subprocess.run(["umount", "-l", str(self.path)], check=False)


@pytest.fixture
def disk(tmp_path, monkeypatch):
    disk = Disk(tmp_path / "disk")
    monkeypatch.setenv("DIGITLAB_HOME", str(disk.path))
    yield disk
    disk.unmount()


def everything_in(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def test_a_read_only_store_refuses_every_change_in_a_sentence_and_works_again_after(disk, mnist):
    workspace = personal_workspace(disk.path)
    store.save_model(build_model("softmax"), "kept", SOFTMAX_META, workspace)
    drawing = save_drawing(mnist.x_test[0], 7, mnist.x_test[0], workspace)
    before = everything_in(disk.path)

    disk.read_only()
    attempts = [
        lambda: store.save_model(build_model("softmax"), "new", SOFTMAX_META, workspace),
        lambda: store.rename_model("kept", "renamed", workspace),
        lambda: store.delete_model("kept", workspace),
        lambda: save_drawing(mnist.x_test[1], 2, mnist.x_test[1], workspace),
        lambda: delete_drawing(drawing, workspace),
        lambda: runs.record_run(workspace, "run-1", state="queued"),
    ]
    for attempt in attempts:
        with pytest.raises(store.StoreError) as refused:
            attempt()
        assert str(refused.value) == store.UNWRITABLE  # not "already exists", no path, no errno
    assert everything_in(disk.path) == before  # nothing half-written

    disk.read_only(False)
    store.rename_model("kept", "renamed", workspace)
    save_drawing(mnist.x_test[1], 2, mnist.x_test[1], workspace)
    assert [m.name for m in store.list_models(workspace, include_default=False)] == ["renamed"]
    assert len(list_drawings(workspace)) == 2


def test_a_full_disk_refuses_a_model_and_leaves_no_half_written_folder(tmp_path, monkeypatch):
    disk = Disk(tmp_path / "small", size="256k")  # a model.keras of `mlp` is about 470 KB
    try:
        workspace = personal_workspace(disk.path)
        with pytest.raises(store.StoreError, match="full or read-only"):
            store.save_model(build_model("mlp"), "big", {"architecture": "mlp"}, workspace)
        assert store.list_models(workspace, include_default=False) == []
        assert not list(store.models_dir(workspace).glob(".tmp-*"))
        store.save_model(build_model("softmax"), "small", SOFTMAX_META, workspace)  # what fits still saves
    finally:
        disk.unmount()


def shared(key: str, root: Path, quota: int) -> Workspace:
    return Workspace(key, root, key, model_quota=quota, drawing_quota=quota)


def test_eight_savers_at_once_leave_exactly_the_quota(home, mnist):
    workspace = shared("racers", home / "racers", quota=5)
    for i in range(3):
        store.save_model(build_model("softmax"), f"before-{i}", SOFTMAX_META, workspace)
    model_file = store.model_to_bytes(build_model("softmax"))
    start = threading.Barrier(16)
    outcomes: list[str] = []

    def save_model(i: int) -> None:
        start.wait()
        try:
            store.save_model_file(model_file, f"racer-{i}", SOFTMAX_META, workspace)
            outcomes.append("model")
        except store.StoreError:
            outcomes.append("model refused")

    def save_a_drawing(i: int) -> None:
        start.wait()
        try:
            save_drawing(mnist.x_test[i], int(mnist.y_test[i]), mnist.x_test[i], workspace)
            outcomes.append("drawing")
        except store.StoreError:
            outcomes.append("drawing refused")

    threads = [threading.Thread(target=save_model, args=(i,)) for i in range(8)]
    threads += [threading.Thread(target=save_a_drawing, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert len(store.list_models(workspace, include_default=False)) == 5
    assert len(list_drawings(workspace)) == 5
    assert sorted(outcomes).count("model") == 2 and outcomes.count("drawing") == 5


def test_the_lock_holds_across_processes(home):
    """Two app servers on one store: a second process waits for the lock the first one holds."""
    workspace = shared("servers", home / "servers", quota=5)
    script = (
        "import time; from pathlib import Path; from digitlab.serve import store; "
        "from digitlab.serve.workspaces import Workspace; "
        f"w = Workspace('servers', Path({str(workspace.root)!r}), 'servers'); "
        "print('trying', flush=True); t = time.monotonic(); store.changing(w).__enter__(); "
        "print(time.monotonic() - t, flush=True)"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    with store.changing(workspace):
        other = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, env=env)
        assert other.stdout.readline().strip() == "trying"
        time.sleep(2)  # held for 2 s after the other process asked for it
    waited = float(other.stdout.readline())
    assert other.wait(timeout=120) == 0 and waited >= 1.9


def test_a_run_whose_model_cannot_be_saved_keeps_it_and_saves_it_when_the_disk_allows(disk, board, mnist, monkeypatch):
    from digitlab.serve import job as followed

    monkeypatch.setattr(followed, "SAVE_RETRY", 0.5)
    workspace = workspaces.personal_workspace(disk.path)
    quick = TrainConfig.for_architecture("softmax", epochs=1, train_limit=2000)
    job = board.submit_training(quick, "kept", workspace)
    disk.read_only()
    deadline = time.monotonic() + 300
    while job.status().unsaved is None and time.monotonic() < deadline:
        time.sleep(0.2)
    status = job.status()
    assert status.state == "running" and "not saved yet" in status.unsaved and store.UNWRITABLE in status.unsaved
    disk.read_only(False)  # room again: it is saved at the next try
    assert job.wait(300).state == "done" and job.status().unsaved is None
    assert [m.name for m in store.list_models(workspace, include_default=False)] == ["kept"]
    letting_go = board.submit_training(quick, "let-go", workspace)
    disk.read_only()
    while letting_go.status().unsaved is None and time.monotonic() < deadline:
        time.sleep(0.2)
    letting_go.cancel()  # its owner lets it go
    assert letting_go.wait(60).state == "cancelled"
    disk.read_only(False)


def test_an_upload_of_megabytes_is_kept_in_kilobytes(home, mnist):
    workspace = personal_workspace(home)
    noise = np.random.default_rng(0).integers(0, 256, (2500, 2500), np.uint8)
    noise[800:1700, 1200:1300] = 255  # a bar: a 1
    upload = io.BytesIO()
    Image.fromarray(noise).save(upload, format="PNG")
    save_drawing(mnist.x_test[2], 1, upload.getvalue(), workspace)
    (path,) = (home / "drawings").glob("*.npz")
    assert len(upload.getvalue()) > 5_000_000 and path.stat().st_size < 100_000
    (drawing,) = list_drawings(workspace)
    assert max(Image.open(io.BytesIO(drawing.original)).size) <= 280


def test_on_a_read_only_disk_every_page_action_says_so_and_works_again_after(disk, board, mnist):
    from tests.test_app import app_job, canvas_with, draw_page, drawn_seven, page, start_training

    workspace = personal_workspace(disk.path)
    store.save_model(build_model("softmax"), "mine", SOFTMAX_META, workspace)
    disk.read_only()
    train = start_training(page("train").run(), "softmax", **{"ep-softmax": 1, "limit": 2000})
    assert [e.value for e in train.error] == [store.UNWRITABLE] and keys.TRAIN_JOB not in train.session_state
    with canvas_with(drawn_seven(mnist)):
        draw = draw_page("teach").run()
        next(b for b in draw.button if b.label == "Save to my drawings").click().run()
    assert store.UNWRITABLE in [e.value for e in draw.error]
    models = page("models").run()
    models.selectbox(key="rename_target").set_value("mine")
    models.checkbox(key="confirm").check().run()
    models.button(key="delete").click().run()
    assert store.UNWRITABLE in [e.value for e in models.error]
    for app in (train, draw, models):
        assert not app.exception

    disk.read_only(False)
    train = start_training(page("train").run(), "softmax", **{"ep-softmax": 1, "limit": 2000, "name": "after"})
    assert app_job(train).wait(300).state == "done"
    assert sorted(m.name for m in store.list_models(workspace, include_default=False)) == ["after", "mine"]
