"""Workspaces: tokens that cannot name paths, names per workspace, quotas, read across, change only your own."""

from __future__ import annotations

import dataclasses
import threading

import numpy as np
import pytest

from digitlab.learn.architectures import build_model
from digitlab.serve import classroom, store, workspaces
from digitlab.serve.drawings import list_drawings, save_drawing
from digitlab.serve.last_minute import LastMinute
from digitlab.serve.workspaces import WorkspaceError


@pytest.fixture(scope="module")
def model():
    return build_model("softmax")


@pytest.fixture
def shared(home, monkeypatch):
    monkeypatch.setenv("DIGITLAB_SHARED", "1")
    return home


def test_a_personal_install_has_one_workspace_the_home_itself(home):
    assert workspaces.all_workspaces() == [workspaces.personal_workspace()]
    assert workspaces.personal_workspace().root == home and workspaces.personal_workspace().model_quota is None


def test_a_token_names_a_hashed_folder_and_the_same_one_each_time(shared):
    token = workspaces.new_token()
    assert workspaces.TOKEN.fullmatch(token) and token != workspaces.new_token()
    a = workspaces.from_token(token)
    assert a == workspaces.from_token(token)
    assert a.root.parent == shared / "workspaces" and workspaces.KEY.fullmatch(a.root.name)
    assert token not in str(a.root) and token not in a.alias
    assert a.model_quota == workspaces.MODEL_QUOTA and a.drawing_quota == workspaces.DRAWING_QUOTA


@pytest.mark.parametrize(
    "token", ["", "../../etc/passwd", "a" * 31, "a" * 33, "ab/" * 11, "..%2F..%2Fetc%2Fpasswdxxxxxxxxxxxx", None]
)
def test_a_malformed_token_is_refused(shared, token):
    with pytest.raises(WorkspaceError, match="not valid"):
        workspaces.from_token(token)


def test_a_made_up_token_names_no_workspace_and_a_token_from_before_signing_keeps_its_own(shared):
    token = workspaces.new_token()
    forged = token[:16] + ("A" if token[16] != "A" else "B") + token[17:]  # one character of its signature changed
    with pytest.raises(WorkspaceError, match="not made by this server"):
        workspaces.from_token(forged)
    with pytest.raises(WorkspaceError, match="not made by this server"):
        workspaces.from_token("x" * 32)
    old = "o" * 32  # an unsigned token of an earlier version, whose workspace holds something
    hashed = workspaces.by_key(workspaces.hashlib.sha256(f"token:{old}".encode()).hexdigest()[:32])
    hashed.root.mkdir(parents=True)
    assert workspaces.from_token(old) == hashed
    assert (shared / ".token-key").stat().st_mode & 0o077 == 0  # the signing key is the server's alone


@pytest.mark.parametrize("key", ["../" + "a" * 29, "A" * 32, "a" * 31, "/etc/passwd"])
def test_a_key_that_is_not_32_hex_digits_is_refused(shared, key):
    with pytest.raises(WorkspaceError):
        workspaces.by_key(key)


def test_names_are_per_workspace_and_the_leaderboard_reads_across(shared, model):
    a, b = (workspaces.from_token(workspaces.new_token()) for _ in range(2))
    assert store.save_model(model, "mine", {"architecture": "softmax", "test_accuracy": 0.5}, a) == "mine"
    assert store.save_model(model, "mine", {"architecture": "softmax", "test_accuracy": 0.7}, b) == "mine"
    rows = [(e.owner.alias if e.owner else None, e.model.name) for e in classroom.leaderboard()]
    assert rows == [(None, "default"), (b.alias, "mine"), (a.alias, "mine")]  # best first
    assert {w.key for w in workspaces.all_workspaces()} == {a.key, b.key}


def test_only_the_owner_may_change_a_model_and_nobody_the_default(shared):
    a, b = (workspaces.from_token(workspaces.new_token()) for _ in range(2))
    workspaces.require_owner(a, a)
    with pytest.raises(WorkspaceError, match=f"belongs to {b.alias}"):
        workspaces.require_owner(a, b)
    with pytest.raises(WorkspaceError, match="read-only"):
        workspaces.require_owner(a, None)


def test_deleting_ones_last_model_leaves_the_others(shared, model):
    a, b = (workspaces.from_token(workspaces.new_token()) for _ in range(2))
    store.save_model(model, "only", {}, a)
    store.save_model(model, "only", {}, b)
    store.delete_model("only", a)
    assert store.list_models(a, include_default=False) == [] and [
        m.name for m in store.list_models(b, include_default=False)
    ] == ["only"]


def test_two_visitors_saving_the_same_name_at_once_both_keep_theirs(shared, model):
    owners = [workspaces.from_token(workspaces.new_token()) for _ in range(4)]
    names = {}

    def save(workspace):
        names[workspace.key] = store.save_model(model, "same", {"owner": workspace.key}, workspace)

    threads = [threading.Thread(target=save, args=(w,)) for w in owners]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert set(names.values()) == {"same"}
    for w in owners:
        assert store.find_model("same", w).meta["owner"] == w.key


def test_quotas_refuse_with_a_message_and_keep_what_is_there(shared, model):
    a = dataclasses.replace(workspaces.from_token(workspaces.new_token()), model_quota=2, drawing_quota=1)
    for i in range(2):
        store.save_model_file(store.model_to_bytes(model), f"m{i}", {}, a)
    with pytest.raises(store.StoreError, match="already holds 2 models"):
        store.save_model_file(store.model_to_bytes(model), "m2", {}, a)
    assert len(store.list_models(a, include_default=False)) == 2
    pixels = np.zeros((28, 28), np.float32)
    save_drawing(pixels, 1, pixels.astype(np.uint8), a)
    with pytest.raises(store.StoreError, match="holds 1 drawing,"):
        save_drawing(pixels, 2, pixels.astype(np.uint8), a)
    assert [d.label for d in list_drawings(a)] == [1]


def test_drawings_stay_in_their_workspace(shared):
    a, b = (workspaces.from_token(workspaces.new_token()) for _ in range(2))
    pixels = np.zeros((28, 28), np.float32)
    save_drawing(pixels, 3, pixels.astype(np.uint8), a)
    assert [d.label for d in list_drawings(a)] == [3] and list_drawings(b) == []


def test_a_signed_in_identity_has_its_own_stable_workspace(shared):
    assert workspaces.from_identity("alice@example.org") == workspaces.from_identity("alice@example.org")
    assert workspaces.from_identity("alice@example.org") != workspaces.from_identity("bob@example.org")
    with pytest.raises(WorkspaceError):
        workspaces.from_identity("")


def test_new_workspaces_per_minute_are_capped_in_shared_mode(shared, monkeypatch):
    monkeypatch.setenv("DIGITLAB_NEW_WORKSPACES_PER_MINUTE", "3")
    monkeypatch.setattr(workspaces, "NEW_TOKENS", LastMinute())
    tokens = {workspaces.new_token("10.0.0.7") for _ in range(3)}
    assert len(tokens) == 3
    with pytest.raises(WorkspaceError, match="Too many new workspaces"):
        workspaces.new_token("10.0.0.7")
    assert workspaces.new_token("10.0.0.8") not in tokens  # another pupil's address is not held up
    workspaces.NEW_TOKENS.times["10.0.0.7"][0] -= 61  # a minute later, one more gets in
    assert workspaces.new_token("10.0.0.7") not in tokens
    monkeypatch.setenv("DIGITLAB_SHARED", "")
    assert len({workspaces.new_token() for _ in range(10)}) == 10  # no cap on a personal install


def test_a_run_larger_than_the_ceiling_is_refused_in_shared_mode(shared, monkeypatch):
    workspaces.check_run_size(20, 60_000)  # the long preset fits the default ceiling
    with pytest.raises(WorkspaceError, match="1,200,000 digits at most"):
        workspaces.check_run_size(100, 55_000)
    monkeypatch.setenv("DIGITLAB_DIGITS_PER_RUN", "10000")
    with pytest.raises(WorkspaceError, match="would look at 15,000"):
        workspaces.check_run_size(3, 5_000)
    monkeypatch.setenv("DIGITLAB_SHARED", "")
    workspaces.check_run_size(100, 55_000)  # a personal install trains what it likes


def test_a_workspace_has_a_disk_ceiling_and_keeps_its_newest_runs(shared, model, monkeypatch):
    from digitlab.serve import runs

    monkeypatch.setenv("DIGITLAB_WORKSPACE_MB", "1")
    owner = workspaces.from_token(workspaces.new_token())
    store.save_model(model, "fits", {}, owner)  # softmax: ~100 KB
    with pytest.raises(store.StoreError, match="more than its 1 MB"):
        store.save_model(model, "too-much", {}, owner, extras={"big.bin": bytes(2**20)})
    assert [m.name for m in store.list_models(owner, include_default=False)] == ["fits"]
    noise = np.random.default_rng(0).integers(0, 256, (280, 280, 4), np.uint8)  # a noisy drawing
    noise[..., 3] = 255
    with pytest.raises(store.StoreError, match="more than its 1 MB of disk: delete a model or some drawings"):
        for _ in range(40):  # drawings count in the disk a workspace uses too
            save_drawing(np.zeros((28, 28), np.float32), 3, noise, owner)
    assert store.disk_use(owner) <= 2**20
    monkeypatch.setattr(runs, "KEPT_RUNS", 5)
    for i in range(8):
        runs.record_run(owner, f"run-{i}", state="done")
    assert [r["id"] for r in runs.list_runs(owner)] == [f"run-{i}" for i in range(7, 2, -1)]


QUOTA_RACER = """
import pathlib, sys, time
from digitlab.serve import store, workspaces
from digitlab.learn.architectures import build_model
workspace, model_file = workspaces.by_key(sys.argv[1]), store.model_to_bytes(build_model("softmax"))
print("ready", flush=True)
while not pathlib.Path(sys.argv[2]).exists():
    time.sleep(0.01)
try:
    print("saved as", store.save_model_file(model_file, "last", {}, workspace), flush=True)
except store.StoreError as error:
    print("refused:", error, flush=True)
"""


def test_the_model_quota_holds_across_processes_as_across_app_servers(shared, model, tmp_path):
    import os
    import subprocess
    import sys

    workspace = workspaces.from_token(workspaces.new_token())
    for i in range(workspaces.MODEL_QUOTA - 1):
        store.save_model_file(store.model_to_bytes(model), f"m{i}", {}, workspace)
    go, env = tmp_path / "go", {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    command = [sys.executable, "-c", QUOTA_RACER, workspace.key, str(go)]
    racers = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True) for _ in range(3)]
    try:
        assert [racer.stdout.readline().strip() for racer in racers] == ["ready"] * 3
        go.touch()  # all three save at once, each in its own process, as three app servers would
        said = sorted(racer.communicate(timeout=120)[0].strip() for racer in racers)
    finally:
        for racer in racers:
            racer.kill()
    assert said[0].startswith("refused: This workspace already holds 20 models") and said[1].startswith("refused")
    assert said[2] == "saved as last"
    assert len(store.list_models(workspace, include_default=False)) == workspaces.MODEL_QUOTA
