"""The answer on the device, server side: the pinned runtime, the checked browser copies, their addresses."""

from __future__ import annotations

import hashlib
import json
from concurrent.futures import Future
from pathlib import Path

import pytest

from digitlab.learn.browser import BrowserExportError, browser_model
from digitlab.learn.network import build
from digitlab.serve import browser_copies, store

VENDOR = Path(__file__).resolve().parents[1] / "static" / "live" / "vendor"


def test_the_shipped_runtime_is_the_pinned_version():
    version = (VENDOR / "VERSION").read_text().strip()
    assert json.loads((VENDOR / "onnxruntime-web" / "package.json").read_text())["version"] == version
    sums = dict(line.split()[::-1] for line in (VENDOR / "SHA256SUMS").read_text().splitlines())
    assert set(sums) == {"ort.wasm.bundle.min.mjs", "ort-wasm-simd-threaded.wasm", "package.json"}
    for name, digest in sums.items():
        assert hashlib.sha256((VENDOR / "onnxruntime-web" / name).read_bytes()).hexdigest() == digest, name
    assert "MIT License" in (VENDOR / "LICENSE-onnxruntime-web").read_text()


def test_a_good_export_passes_its_check_and_carries_the_browsers_check_digit(mnist):
    model, _ = store.load_entry(store.default_model())
    made = browser_model(model, mnist.x_test[:8])
    assert made.onnx[:2] and len(made.check_input) == 784 and len(made.check_probabilities) == 10
    assert abs(sum(made.check_probabilities) - 1) < 1e-4
    assert max(range(10), key=made.check_probabilities.__getitem__) == mnist.y_test[0]


def test_a_copy_that_answers_differently_is_refused_in_words(mnist, monkeypatch):
    other = build({"input": "unit", "layers": [{"type": "flatten"}, {"type": "dense", "units": 8}]})
    model = build({"input": "unit", "layers": [{"type": "flatten"}, {"type": "dense", "units": 8}]})
    from digitlab.learn import browser, export

    monkeypatch.setattr(browser, "exported_bytes", lambda m, f: export.exported_bytes(other, f))  # another's file
    with pytest.raises(BrowserExportError, match="answers differently"):
        browser_model(model, mnist.x_test[:8])
    monkeypatch.setattr(browser, "exported_bytes", lambda m, f: b"not an onnx file")
    with pytest.raises(BrowserExportError, match="cannot run in a browser"):
        browser_model(model, mnist.x_test[:8])


def run_at_once(function, *args) -> Future:
    """A stand-in for the cluster's submit: runs the function here, a finished future back."""
    future = Future()
    future.set_result(function(*args))
    return future


def test_a_models_copy_is_made_once_kept_and_served_only_by_its_digest(workspace, monkeypatch):
    from digitlab.learn.architectures import build_model
    from digitlab.learn.data import load_mnist
    from digitlab.serve import pool

    monkeypatch.setattr(pool, "worker_mnist", load_mnist)
    store.save_model(build_model("softmax"), "mine", {"architecture": "softmax"}, workspace)
    entry = store.find_model("mine", workspace)
    assert browser_copies.offer(entry, None).state == "making"  # no cluster yet: the server answers
    assert browser_copies.offer(entry, run_at_once).state == "making"  # asked for, written when done
    ready = browser_copies.offer(entry, None)
    digest = hashlib.sha256((entry.path / store.MODEL_FILE).read_bytes()).hexdigest()
    assert ready.state == "ready" and ready.url == f"/live/models/{digest}.onnx"
    assert browser_copies.registered_file(f"{digest}.onnx").read_bytes()[:2]
    for name in ["../../etc/passwd", f"{digest}", f"{'0' * 64}.onnx", "..%2f..%2fetc.onnx"]:
        assert browser_copies.registered_file(name) is None


def test_a_network_a_browser_cannot_run_is_remembered_as_refused(workspace, monkeypatch):
    from digitlab.learn.architectures import build_model

    monkeypatch.setattr(browser_copies, "make_copy", lambda model_file: {"refused": "This network cannot run."})
    store.save_model(build_model("softmax"), "odd", {"architecture": "softmax"}, workspace)
    entry = store.find_model("odd", workspace)
    browser_copies.offer(entry, run_at_once)
    refused = browser_copies.offer(entry, run_at_once)
    assert refused.state == "refused" and refused.reason == "This network cannot run." and refused.url is None


def test_the_shipped_default_has_its_checked_copy():
    offer = browser_copies.offer(store.default_model(), None)
    assert offer.state == "ready" and len(offer.check_input) == 784
