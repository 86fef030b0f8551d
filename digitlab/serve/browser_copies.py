"""The browser copy of a saved model: made once per model on a Dask worker, kept, and sent by a fixed address.

A model's browser copy is its ONNX file (learn/browser.py), named by the SHA-256 of the model's
`.keras` file: the same model has the same address (`/live/models/<digest>.onnx`) on every visit
and every app server, so a browser's cache keeps it until the active model changes. Copies live
in `<home>/browser-models/` (the shipped default's beside it in `pretrained/`), each with a JSON
record written last: the digit the browser checks it on, or why the model cannot go to a browser.
The server sends only the files it has offered (`REGISTERED`), by digest.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from digitlab import settings
from digitlab.language import N_
from digitlab.learn.browser import BrowserExportError, browser_model
from digitlab.serve import pool, store

log = logging.getLogger(__name__)

URL_PREFIX = "/live/models/"
SHIPPED = "browser"  # the shipped default's copy: pretrained/browser.onnx and browser.json
REGISTERED: dict[str, Path] = {}  # digest -> ONNX file this server has offered to a browser
MAKING: set[str] = set()  # digests whose copy a worker is making now
LOCK = threading.Lock()


@dataclass(frozen=True)
class Offer:
    """What the Draw page can tell the browser about the active model's copy."""

    state: str  # "ready", "making" or "refused"
    url: str | None = None
    check_input: list[float] | None = None
    check_probabilities: list[float] | None = None
    reason: str = ""  # in English, as the worker wrote it (BrowserExportError): the page shows _(reason)


def offer(entry: store.SavedModel, submit: Callable | None) -> Offer:
    """The browser copy of `entry`: ready (with its address), being made, or refused (with why).

    `submit(function, *args)` runs a function on the cluster and returns its future; with None, a
    missing copy is not made (the server answers).
    """
    digest = model_digest(entry.path / store.MODEL_FILE)
    onnx, record = copy_paths(entry, digest)
    if record.exists():
        return registered(digest, onnx, record)
    if submit is None:  # no cluster yet: the server answers, and a later look asks for the copy
        return Offer("making")
    with LOCK:
        if digest in MAKING:
            return Offer("making")
        MAKING.add(digest)
    try:
        future = submit(make_copy, (entry.path / store.MODEL_FILE).read_bytes())
    except Exception:  # noqa: BLE001 - the server answers meanwhile; the next look tries again
        log.warning("could not ask for a browser copy of %s", entry.name, exc_info=True)
        with LOCK:
            MAKING.discard(digest)
        return Offer("making")
    future.add_done_callback(functools.partial(keep_copy, digest, onnx, record))
    return Offer("making")


def registered(digest: str, onnx: Path, record: Path) -> Offer:
    try:
        kept = json.loads(record.read_text())
    except (OSError, ValueError):
        log.warning("unreadable browser copy record %s", record, exc_info=True)
        return Offer("refused", reason=N_("Its browser copy could not be read."))
    if "refused" in kept:
        return Offer("refused", reason=kept["refused"])
    REGISTERED[digest] = onnx
    return Offer("ready", URL_PREFIX + f"{digest}.onnx", kept["check_input"], kept["check_probabilities"])


def onnx_refusal(entry: store.SavedModel) -> str | None:
    """Why `entry` has no ONNX file (its browser copy's export was refused), where that is known."""
    try:
        record = copy_paths(entry, model_digest(entry.path / store.MODEL_FILE))[1]
        return json.loads(record.read_text()).get("refused")
    except (OSError, ValueError, AttributeError):
        return None


def copy_paths(entry: store.SavedModel, digest: str) -> tuple[Path, Path]:
    if entry.builtin and (entry.path / f"{SHIPPED}.json").exists():
        return entry.path / f"{SHIPPED}.onnx", entry.path / f"{SHIPPED}.json"
    folder = settings.current().home / "browser-models"
    return folder / f"{digest}.onnx", folder / f"{digest}.json"


@functools.lru_cache(maxsize=256)
def digest_of(path: Path, modified: int, size: int) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def model_digest(path: Path) -> str:
    """The SHA-256 of a model file, read once per version of the file."""
    status = path.stat()
    return digest_of(path, status.st_mtime_ns, status.st_size)


def make_copy(model_file: bytes) -> dict:
    """On a worker: the browser copy of a `.keras` file, checked on 32 test digits, or why there is none."""
    try:
        made = browser_model(store.model_from_bytes(model_file), pool.worker_mnist().x_test[:32])
    except BrowserExportError as error:
        return {"refused": str(error)}
    return {"onnx": made.onnx, "check_input": made.check_input, "check_probabilities": made.check_probabilities}


def write_copy(made: dict, onnx: Path, record: Path) -> None:
    """Write a copy and then its record, each atomically (a record means its file is whole)."""
    onnx.parent.mkdir(parents=True, exist_ok=True)
    if "onnx" in made:
        with tempfile.NamedTemporaryFile(dir=onnx.parent, prefix=".tmp-", suffix=".onnx", delete=False) as f:
            f.write(made["onnx"])
            os.fchmod(f.fileno(), 0o644)
        os.replace(f.name, onnx)
    store.write_json_atomic(record, {k: v for k, v in made.items() if k != "onnx"})


def keep_copy(digest: str, onnx: Path, record: Path, future) -> None:
    try:
        write_copy(future.result(), onnx, record)
    except Exception:  # noqa: BLE001 - a lost worker or a full disk: the server answers, the next look retries
        log.warning("the browser copy %s was not kept", digest, exc_info=True)
    finally:
        with LOCK:
            MAKING.discard(digest)


def registered_file(name: str) -> Path | None:
    """The file behind `/live/models/<name>`, if this server offered it."""
    digest = name.removesuffix(".onnx")
    return REGISTERED.get(digest) if name.endswith(".onnx") else None
