import io
import json
import logging
import zipfile

import keras
import numpy as np
import pytest

from digitlab.learn.architectures import build_model
from digitlab.serve import store
from digitlab.serve.store import StoreError


@pytest.fixture
def model():
    return build_model("softmax")


def test_round_trip_gives_same_predictions(home, model, mnist, workspace):
    name = store.save_model(model, "My Model", {"architecture": "softmax", "test_accuracy": 0.5}, workspace)
    assert name == "my-model"
    loaded, meta = store.load_model(name, workspace)
    x = mnist.x_test[:20].astype("float32")
    np.testing.assert_allclose(loaded.predict_on_batch(x), model.predict_on_batch(x), rtol=1e-6)
    assert meta["schema_version"] == store.SCHEMA_VERSION and meta["params"] == 7850
    assert meta["test_accuracy"] == 0.5 and meta["created"]
    assert [e.name for e in store.list_models(workspace, include_default=False)] == ["my-model"]


def test_a_model_downloads_as_a_zip_that_loads_in_safe_mode(home, model, mnist, tmp_path, workspace):
    name = store.save_model(model, "to-take", {"architecture": "softmax", "test_accuracy": 0.5}, workspace)
    archive = zipfile.ZipFile(io.BytesIO(store.model_zip(store.find_model(name, workspace))))
    assert sorted(archive.namelist()) == ["to-take/meta.json", "to-take/model.keras"]
    archive.extractall(tmp_path)
    loaded = keras.saving.load_model(tmp_path / "to-take" / "model.keras", safe_mode=True)
    x = mnist.x_test[:5].astype("float32")
    np.testing.assert_allclose(loaded.predict_on_batch(x), model.predict_on_batch(x), rtol=1e-6)
    assert json.loads((tmp_path / "to-take" / "meta.json").read_text())["architecture"] == "softmax"
    (store.models_dir(workspace) / name / "model.keras").write_bytes(b"not a zip")
    with pytest.raises(StoreError, match="corrupt"):
        store.model_zip(store.find_model(name, workspace))


def test_names_are_slugs_never_paths(home, model, workspace):
    assert store.save_model(model, "../../etc/passwd", {}, workspace) == "etc-passwd"
    assert (store.models_dir(workspace) / "etc-passwd" / "model.keras").is_file()
    assert not (home.parent / "etc").exists()
    for bad in ["", "../..", "///"]:
        with pytest.raises(StoreError, match="not a usable model name"):
            store.save_model(model, bad, {}, workspace)
    with pytest.raises(StoreError, match="No saved model"):
        store.load_model("../../etc/passwd", workspace)


def test_duplicate_names_are_kept_apart(home, model, workspace):
    names = [store.save_model(model, "twin", {"n": i}, workspace) for i in range(3)]
    assert names == ["twin", "twin-2", "twin-3"]
    assert [store.load_model(n, workspace)[1]["n"] for n in names] == [0, 1, 2]


def test_failed_save_leaves_nothing(home, model, monkeypatch, workspace):
    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(store, "write_json_atomic", crash)
    with pytest.raises(store.StoreError, match="full or read-only"):
        store.save_model(model, "half", {}, workspace)
    assert store.list_models(workspace, include_default=False) == []
    assert list(store.models_dir(workspace).iterdir()) == []


def test_broken_entries_are_listed_as_broken(home, model, workspace):
    for name in ["good", "truncated", "nometa", "badjson"]:
        store.save_model(model, name, {}, workspace)
    root = store.models_dir(workspace)
    data = (root / "truncated" / "model.keras").read_bytes()
    (root / "truncated" / "model.keras").write_bytes(data[: len(data) // 2])
    (root / "nometa" / "meta.json").unlink()
    (root / "badjson" / "meta.json").write_text("{not json")
    entries = {e.name: e for e in store.list_models(workspace, include_default=False)}
    assert entries["good"].ok
    assert "corrupt or truncated" in entries["truncated"].error
    assert "meta.json is missing" in entries["nometa"].error
    assert "not valid JSON" in entries["badjson"].error
    with pytest.raises(StoreError, match="broken"):
        store.load_model("truncated", workspace)
    assert store.load_model("good", workspace)[0] is not None


def test_model_with_code_is_refused_by_safe_mode(home, workspace):
    model = keras.Sequential([keras.Input((28, 28)), keras.layers.Lambda(lambda x: x * 2), keras.layers.Flatten()])
    name = store.save_model(model, "sneaky", {}, workspace)
    with pytest.raises(StoreError, match="could not be loaded.*"):
        store.load_model(name, workspace)


def test_rename_and_delete(home, model, workspace):
    store.save_model(model, "a", {}, workspace)
    store.save_model(model, "b", {}, workspace)
    with pytest.raises(StoreError, match="already exists"):
        store.rename_model("a", "b", workspace)
    assert store.rename_model("a", "Better Name", workspace) == "better-name"
    store.delete_model("b", workspace)
    assert [e.name for e in store.list_models(workspace, include_default=False)] == ["better-name"]
    with pytest.raises(StoreError, match="No saved model"):
        store.delete_model("b", workspace)


def test_shipped_default_is_listed_and_protected(home, workspace):
    entries = store.list_models(workspace)
    default = [e for e in entries if e.builtin]
    assert len(default) == 1 and default[0].name == "default" and default[0].ok
    assert default[0].test_accuracy >= 0.99
    with pytest.raises(StoreError, match="cannot be deleted"):
        store.delete_model("default", workspace)
    model, meta = store.load_model("default", workspace)
    assert meta["architecture"] == "fast" and meta["config"]["augment"] is True
    assert zipfile.is_zipfile(store.DEFAULT_MODEL_DIR / "model.keras")
    assert json.loads((store.DEFAULT_MODEL_DIR / "meta.json").read_text())["params"] == model.count_params()


def test_concurrent_saves_with_one_name_are_kept_apart(home, model, workspace):
    import threading

    names, barrier = [], threading.Barrier(4)

    def save(i):
        barrier.wait()
        names.append(store.save_model(model, "same", {"writer": i}, workspace))

    threads = [threading.Thread(target=save, args=(i,)) for i in range(4)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert sorted(names) == ["same", "same-2", "same-3", "same-4"]
    writers = {store.load_model(n, workspace)[1]["writer"] for n in names}
    assert writers == {0, 1, 2, 3}  # each name holds one whole model, never a mix


KILLER_SCRIPT = """
import sys
from digitlab.serve import store, workspaces
from digitlab.learn.architectures import build_model
model = build_model("softmax")
workspace = workspaces.personal_workspace()
print("ready", flush=True)
for i in range(10_000):
    store.save_model(model, "victim", {"i": i}, workspace)
"""


def test_kill_9_while_saving_leaves_only_whole_models(home, mnist, workspace):
    import os
    import random
    import signal
    import subprocess
    import sys
    import time

    env = {**os.environ, "DIGITLAB_HOME": str(home), "TF_CPP_MIN_LOG_LEVEL": "3"}
    rng = random.Random(0)
    for _ in range(2):  # 8 savers in all, four at a time: they also race each other for names
        savers = [
            subprocess.Popen([sys.executable, "-c", KILLER_SCRIPT], env=env, stdout=subprocess.PIPE, text=True)
            for _ in range(4)
        ]
        try:
            for saver in savers:
                assert saver.stdout.readline().strip() == "ready"
            for saver in savers:
                time.sleep(rng.uniform(0.0, 0.2))  # a save takes about 20 ms: every kill lands in the loop of saves
                saver.send_signal(signal.SIGKILL)
        finally:
            for saver in savers:
                saver.kill()
                saver.wait()
    entries = store.list_models(workspace, include_default=False)
    assert entries and all(e.ok for e in entries), [e.error for e in entries if not e.ok]
    for entry in entries:
        model, meta = store.load_model(entry.name, workspace)
        assert model.predict_on_batch(mnist.x_test[:2].astype("float32")).shape == (2, 10)
        assert "i" in meta


def test_a_broken_model_is_logged_with_its_details(home, model, workspace, caplog):
    store.save_model(model, "bad-meta", {}, workspace)
    (store.models_dir(workspace) / "bad-meta" / "meta.json").write_text("{not json")
    with caplog.at_level(logging.WARNING, logger="digitlab.serve.store"):
        assert store.list_models(workspace, include_default=False)[0].error
    assert "bad-meta" in caplog.text and "JSONDecodeError" in caplog.text  # the path and the traceback


def test_leftovers_of_cut_short_writes_are_cleaned_and_a_write_in_progress_is_not(tmp_path):
    import os
    import time

    runs_folder = tmp_path / "workspaces" / ("a" * 32) / "runs"
    runs_folder.mkdir(parents=True)
    old_file, old_folder, new_file = (
        runs_folder / ".tmp-x1.json",
        tmp_path / "models" / ".tmp-dir",
        runs_folder / ".tmp-x2.npz",
    )
    old_folder.mkdir(parents=True)
    (old_folder / "model.keras").write_bytes(b"half")
    old_file.write_text("{")
    new_file.write_bytes(b"in progress")
    kept = runs_folder / "run.json"
    kept.write_text("{}")
    an_hour_ago = time.time() - store.LEFTOVER_AGE - 60
    for path in (old_file, old_folder):
        os.utime(path, (an_hour_ago, an_hour_ago))
    assert store.clean_leftovers(tmp_path) == 2
    assert not old_file.exists() and not old_folder.exists() and new_file.exists() and kept.exists()
