"""Saved models on disk with their metadata: save, list, load, rename, delete.

Layout: `<home>/models/<name>/model.keras` beside `meta.json` (and, for trained models,
`snapshots.npz` and TensorBoard's `logs/`). A model is written whole into a
hidden temporary folder, then renamed into place in one step, so the store never shows a
half-written model, and two savers cannot end up sharing one name (renaming onto an existing,
non-empty folder fails). Names are slugs, never paths.

Every function that reads or writes a visitor's models takes their `Workspace` (workspaces.py):
the store has no folder of its own to fall back on.
"""

from __future__ import annotations

import errno
import fcntl
import io
import json
import logging
import os
import re
import shutil
import tempfile
import threading
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import keras

from digitlab import language
from digitlab.language import N_, _
from digitlab.serve.workspaces import Workspace

log = logging.getLogger(__name__)


SCHEMA_VERSION = 1
MODEL_FILE, META_FILE = "model.keras", "meta.json"
MAX_NAME = 64
STALE_TEMP_SECONDS = 3600  # temporary folders older than this are leftovers of killed savers
DEFAULT_MODEL_DIR = Path(__file__).resolve().parent / "pretrained"  # the shipped default model
DEFAULT_NAME = "default"


class StoreError(Exception):
    """A saved model is missing, broken, or the name asked for cannot be used."""


HELD = threading.local()  # the workspace roots whose lock this thread holds
UNWRITABLE = N_("The server could not write to its disk (it is full or read-only), so nothing was changed.")


@contextmanager
def changing(workspace: Workspace) -> Iterator[None]:
    """Hold `workspace`'s lock while checking and changing it; a disk that refuses the change is a StoreError.

    The lock is an flock on `<workspace>/.lock`: one check-then-act at a time (a quota check and
    the save, a name check and the rename), across threads, processes and app servers on one store.
    A thread that holds it already (a submit that writes the run's record) just goes on.
    """
    held = vars(HELD).setdefault("roots", set())
    try:
        if workspace.root in held:
            yield
            return
        workspace.root.mkdir(parents=True, exist_ok=True)
        with open(workspace.root / ".lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
            held.add(workspace.root)
            try:
                yield
            finally:
                held.discard(workspace.root)
    except OSError as error:
        log.warning("workspace %s could not be changed", workspace.alias, exc_info=True)
        raise StoreError(_(UNWRITABLE)) from error


@dataclass
class SavedModel:
    """One entry of the store: its name, folder and metadata (empty if unreadable)."""

    name: str
    path: Path
    meta: dict = field(default_factory=dict)
    error: str | None = None  # why it cannot be loaded, if it cannot
    builtin: bool = False  # the shipped default: read-only

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def test_accuracy(self) -> float:
        return float(self.meta.get("test_accuracy") or 0.0)


def models_dir(workspace: Workspace) -> Path:
    """The folder of the saved models of `workspace`."""
    return workspace.root / "models"


def slugify(name: str) -> str:
    """Return `name` as a safe slug (lowercase letters, digits, '-'), or raise StoreError."""
    slug = re.sub(r"[^a-z0-9]+", "-", str(name).lower()).strip("-")[:MAX_NAME].strip("-")
    if not slug:
        raise StoreError(_("That is not a usable model name: use letters or digits."))
    return slug


def write_json_atomic(path: Path, data: dict) -> None:
    """Write JSON to a temporary file beside `path`, flush it to disk, then rename it over `path`."""
    with tempfile.NamedTemporaryFile("w", dir=path.parent, prefix=".tmp-", suffix=".json", delete=False) as f:
        json.dump(data, f, indent=2)
        os.fchmod(f.fileno(), 0o644)
        f.flush()
        os.fsync(f.fileno())
    os.replace(f.name, path)


LEFTOVER_AGE = 3600  # seconds: a .tmp- file or folder older than this is no write in progress


def clean_leftovers(home: Path) -> int:
    """Remove the `.tmp-*` files and folders that writes cut short (a full disk, a kill) left in the
    DigitLab home, older than LEFTOVER_AGE (another server of the store may be writing a newer one).
    Returns how many were removed; one that cannot be is left and logged."""
    removed, now = 0, time.time()
    for path in home.rglob(".tmp-*") if home.is_dir() else ():
        try:
            if now - path.lstat().st_mtime < LEFTOVER_AGE:
                continue
            shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink()
            removed += 1
        except OSError:
            log.warning("could not remove the leftover %s", path, exc_info=True)
    return removed


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def model_to_bytes(model: keras.Model) -> bytes:
    """The model as the bytes of a `.keras` file (what a training job sends back to the app)."""
    with tempfile.TemporaryDirectory(prefix="digitlab-") as tmp:
        path = Path(tmp) / MODEL_FILE
        model.save(path)
        return path.read_bytes()


def model_record(model: keras.Model, meta: dict) -> dict:
    """`meta` with the model's parameter count: what goes into meta.json besides the save's own fields."""
    return {**meta, "params": int(model.count_params())}


def write_model_files(model_file: bytes, folder: Path, meta: dict, extras: dict[str, bytes] | None = None) -> None:
    """Write `model.keras` and `meta.json` (with schema version and creation time) into `folder`.

    `extras` are more files to keep beside them (snapshots, TensorBoard logs), by relative path.
    """
    for relative, data in {MODEL_FILE: model_file, **(extras or {})}.items():
        path = (folder / relative).resolve()
        if not path.is_relative_to(folder.resolve()) or relative == META_FILE:
            raise StoreError(_("Refused to write {file} beside a model.").format(file=repr(relative)))
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
    record = {
        **meta,
        "schema_version": SCHEMA_VERSION,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),  # a copy's own, not its source's
    }
    write_json_atomic(folder / META_FILE, record)
    fsync_dir(folder)


def save_model(
    model: keras.Model, name: str, meta: dict, workspace: Workspace, extras: dict[str, bytes] | None = None
) -> str:
    """Save `model` with its metadata and `extras` (see `write_model_files`) under a slug of `name`; return that."""
    return save_model_file(model_to_bytes(model), name, model_record(model, meta), workspace, extras)


def disk_use(workspace: Workspace) -> int:
    """Bytes of the files in `workspace`'s folder."""
    return sum(f.stat().st_size for f in workspace.root.rglob("*") if f.is_file())


def check_room(workspace: Workspace, incoming: int) -> None:
    """Raise StoreError where `incoming` more bytes would take `workspace` past its disk quota."""
    if workspace.byte_quota is not None and disk_use(workspace) + incoming > workspace.byte_quota:
        raise StoreError(
            _(
                "This workspace would use more than its {megabytes} MB of disk: delete a model or some drawings first."
            ).format(megabytes=language.number(workspace.byte_quota // 2**20))
        )


def is_full(workspace: Workspace) -> bool:
    """True when `workspace` already holds its quota of saved models (never without a quota)."""
    quota = workspace.model_quota
    return quota is not None and len(list_models(workspace, include_default=False)) >= quota


def save_model_file(
    model_file: bytes, name: str, meta: dict, workspace: Workspace, extras: dict[str, bytes] | None = None
) -> str:
    """Save the bytes of a `.keras` file with its metadata under a slug of `name`; return the name used.

    If the name is taken, the model is saved as `name-2`, `name-3`, ... in `workspace`.
    A workspace already holding its quota of models refuses it with a StoreError.
    """
    with changing(workspace):
        root = models_dir(workspace)
        root.mkdir(parents=True, exist_ok=True)
        if is_full(workspace):
            raise StoreError(
                _("This workspace already holds {count} models, its limit: delete one to save another.").format(
                    count=language.number(workspace.model_quota)
                )
            )
        check_room(workspace, len(model_file) + sum(map(len, (extras or {}).values())))
        base = slugify(name)
        if base == DEFAULT_NAME:
            base = f"{DEFAULT_NAME}-copy"
        tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=root))
        try:
            write_model_files(model_file, tmp, meta, extras)
            for attempt in range(1, 1000):
                final = base if attempt == 1 else f"{base}-{attempt}"[:MAX_NAME]
                try:
                    os.rename(tmp, root / final)  # fails if that name already holds a model
                except OSError:
                    continue
                fsync_dir(root)
                return final
            raise StoreError(_("Could not find a free name for {name}.").format(name=repr(base)))
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)


def read_entry(path: Path, builtin: bool = False) -> SavedModel:
    """Describe the model folder `path`, noting why it is broken if it is."""
    entry = SavedModel(name=path.name, path=path, builtin=builtin)
    try:
        entry.meta = json.loads((path / META_FILE).read_text())
        if not isinstance(entry.meta, dict):
            raise ValueError("not a JSON object")
    except FileNotFoundError:
        entry.meta, entry.error = {}, _("metadata file meta.json is missing")
    except (ValueError, OSError) as error:
        log.warning("model %s: unreadable metadata", path, exc_info=True)
        entry.meta, entry.error = {}, _("metadata is not valid JSON ({error})").format(error=error)
    model_file = path / MODEL_FILE
    if not model_file.is_file():
        entry.error = _("model file model.keras is missing")
    elif not zipfile.is_zipfile(model_file):
        entry.error = _("model file model.keras is corrupt or truncated")
    return entry


def clean_stale_temporaries(root: Path) -> None:
    """Remove temporary folders that savers killed mid-write left behind."""
    for tmp in root.glob(".tmp-*"):
        if time.time() - tmp.stat().st_mtime > STALE_TEMP_SECONDS:
            shutil.rmtree(tmp, ignore_errors=True) if tmp.is_dir() else tmp.unlink(missing_ok=True)


def list_models(workspace: Workspace, include_default: bool = True) -> list[SavedModel]:
    """Return every saved model of `workspace`, broken ones included (with their error), newest first."""
    root = models_dir(workspace)
    entries = []
    if root.is_dir():
        clean_stale_temporaries(root)
        entries = [read_entry(p) for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")]
    entries.sort(key=lambda e: e.meta.get("created", ""), reverse=True)
    if include_default and (DEFAULT_MODEL_DIR / MODEL_FILE).is_file():
        entries.append(default_model())
    return entries


def default_model() -> SavedModel:
    """The store entry of the model shipped with DigitLab, read-only, called 'default'."""
    if not (DEFAULT_MODEL_DIR / MODEL_FILE).is_file():
        raise StoreError(_("The shipped default model is missing: run `python -m digitlab make-default`."))
    entry = read_entry(DEFAULT_MODEL_DIR, builtin=True)
    entry.name = DEFAULT_NAME
    return entry


def find_model(name: str, workspace: Workspace) -> SavedModel:
    """Return the entry called `name` in `workspace` (the shipped default is 'default')."""
    if name == DEFAULT_NAME:
        return default_model()
    path = models_dir(workspace) / slugify(name)
    if slugify(name) != name or not path.is_dir():
        raise StoreError(
            _("No saved model called {name}. `python -m digitlab list` shows the saved models.").format(name=repr(name))
        )
    return read_entry(path)


def model_from_bytes(model_file: bytes) -> keras.Model:
    """Load a model from the bytes of a `.keras` file, in Keras' safe mode."""
    with tempfile.TemporaryDirectory(prefix="digitlab-") as tmp:
        path = Path(tmp) / MODEL_FILE
        path.write_bytes(model_file)
        return keras.saving.load_model(path, compile=False, safe_mode=True)


def load_model(name: str, workspace: Workspace) -> tuple[keras.Model, dict]:
    """Load a saved model (Keras safe mode: no code inside a model file runs) and its metadata."""
    return load_entry(find_model(name, workspace))


def require_ok(entry: SavedModel) -> None:
    """Raise StoreError naming what is broken about `entry`, if anything is."""
    if entry.error:
        raise StoreError(_("Model {name} is broken: {error}.").format(name=repr(entry.name), error=entry.error))


def load_entry(entry: SavedModel) -> tuple[keras.Model, dict]:
    """Load the model of a store entry, in Keras' safe mode, and its metadata."""
    require_ok(entry)
    try:
        model = keras.saving.load_model(entry.path / MODEL_FILE, compile=False, safe_mode=True)
    except Exception as error:  # Keras raises many types for a bad file; all mean the same here
        log.warning("model %s could not be loaded", entry.path, exc_info=True)
        raise StoreError(
            _("Model {name} could not be loaded: {error}").format(name=repr(entry.name), error=error)
        ) from error
    return model, entry.meta


def model_zip(entry: SavedModel) -> bytes:
    """The entry's `model.keras` and `meta.json` in one zip, in a folder named after the model."""
    require_ok(entry)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:  # .keras is already a zip
        for file in (MODEL_FILE, META_FILE):
            archive.write(entry.path / file, f"{entry.name}/{file}")
    return buffer.getvalue()


def rename_model(old: str, new: str, workspace: Workspace) -> str:
    """Rename a saved model; return the new name. Refuses a name that is taken."""
    entry = find_model(old, workspace)
    root = models_dir(workspace)
    if entry.builtin:
        raise StoreError(_("The shipped default model cannot be renamed."))
    target = slugify(new)
    taken = StoreError(_("A model called {name} already exists.").format(name=repr(target)))
    with changing(workspace):
        if target == DEFAULT_NAME or (root / target).exists():
            raise taken
        try:
            os.rename(entry.path, root / target)
        except OSError as error:
            if error.errno in (errno.EEXIST, errno.ENOTEMPTY):  # a saver elsewhere took the name meanwhile
                raise taken from error
            raise
    return target


def delete_model(name: str, workspace: Workspace) -> None:
    """Delete a saved model: it vanishes from the store in one rename, then its files go."""
    entry = find_model(name, workspace)
    if entry.builtin:
        raise StoreError(_("The shipped default model cannot be deleted."))
    with changing(workspace):
        trash = Path(tempfile.mkdtemp(prefix=".tmp-del-", dir=models_dir(workspace)))
        os.rename(entry.path, trash / entry.name)
    shutil.rmtree(trash, ignore_errors=True)


def default_predictor():
    """The shipped default model behind a Predictor (predict.py)."""
    from digitlab.learn.predict import Predictor  # TensorFlow functions: only where a prediction is made

    return Predictor(*load_entry(default_model()))
