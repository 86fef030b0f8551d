"""The record of every training run the app started: what it was, how it ended, kept on disk.

Layout: `<workspace>/runs/<run id>.json`, rewritten atomically at each change of state. A run whose
record still says queued or running when no live job answers for it (the server or its worker
died) is shown as interrupted: the truth survives whatever dies when.

Several app servers may share one store. Each record names the server that follows the run
(`SERVER`), and that server rewrites it every HEARTBEAT seconds while the run is queued or
running: another server shows such a run as it is, and as interrupted once its heartbeat is more
than STALE_AFTER seconds old. A teacher on any server asks a run to stop or to be cancelled by
writing the ask into its record (`ask`); the server that follows the run reads it and does it.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from digitlab.language import N_
from digitlab.serve.store import StoreError, changing, write_json_atomic

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from digitlab.serve.workspaces import Workspace

ACTIVE = ("queued", "running")
KEPT_RUNS = 200  # records kept per workspace, the newest
HEARTBEAT = 5.0  # seconds between rewrites of an active run's record by the server that follows it
STALE_AFTER = 30.0  # seconds without one after which another server reads the run as interrupted
SERVER = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"  # this process, for its records


def runs_dir(workspace: Workspace) -> Path:
    return workspace.root / "runs"


def record_run(workspace: Workspace, run_id: str, **fields) -> dict:
    """Merge `fields` into the record of run `run_id` (created if new) and return it."""
    folder = runs_dir(workspace)
    path = folder / f"{run_id}.json"
    with changing(workspace):  # raises StoreError where the disk refuses
        folder.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            forget_old_runs(folder)
        record = read_run(path) or {"id": run_id, "created": time.time(), "server": SERVER}
        record.update(fields, updated=time.time())
        write_json_atomic(path, record)
    return record


ASKS = ("stop", "cancel")


def ask(workspace: Workspace, run_id: str, what: str) -> bool:
    """Ask the server that follows run `run_id` to stop it or cancel it (`what`, one of ASKS).

    False, and nothing written, where the run has ended or has no record. Raises StoreError where the disk refuses.
    """
    if what not in ASKS:
        raise ValueError(f"a run can be asked to {' or '.join(ASKS)}, not {what!r}")
    path = runs_dir(workspace) / f"{run_id}.json"
    with changing(workspace):
        record = read_run(path)
        if record is None or record.get("state") not in ACTIVE:
            return False
        write_json_atomic(path, {**record, "asked": what})
    return True


def asked(workspace: Workspace, run_id: str) -> str | None:
    """What run `run_id` was asked to do (stop, cancel), if anything."""
    record = read_run(runs_dir(workspace) / f"{run_id}.json") or {}
    return record.get("asked") if record.get("asked") in ASKS else None


def record_files(folder: Path) -> list[Path]:
    """The run records in `folder` (not the .tmp- files of a write under way)."""
    return [p for p in folder.glob("*.json") if not p.name.startswith(".")] if folder.is_dir() else []


def forget_old_runs(folder: Path) -> None:
    """Keep the newest KEPT_RUNS records of a workspace: its disk use stays bounded."""
    records = sorted(record_files(folder), key=lambda p: p.stat().st_mtime)
    for old in records[: max(0, len(records) - KEPT_RUNS + 1)]:
        old.unlink(missing_ok=True)


def read_run(path: Path) -> dict | None:
    """The record at `path`; None for a new run (no file yet) or an unreadable one (logged)."""
    try:
        record = json.loads(path.read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        log.warning("unreadable run record %s", path, exc_info=True)
        return None
    return record if isinstance(record, dict) else None


# Kept in English in the records (a worker and the app's threads make it); the pages show _(error).
INTERRUPTED = N_("Interrupted: the server or its worker stopped mid-run. No model was saved.")


def alive(record: dict, live: set[str]) -> bool:
    """Whether an active record's run is still followed: by this server (its id in `live`), or by
    another server whose heartbeat is recent."""
    if record["id"] in live:
        return True
    elsewhere = record.get("server") not in (None, SERVER)
    return elsewhere and time.time() - record.get("updated", 0) <= STALE_AFTER


def list_runs(workspace: Workspace, live: set[str] = frozenset()) -> list[dict]:
    """Every recorded run of `workspace`, newest first; an active record that no server follows any
    more (`alive`) is marked interrupted."""
    folder = runs_dir(workspace)
    records = [r for p in record_files(folder) if (r := read_run(p))]
    for record in records:
        if record.get("state") in ACTIVE and not alive(record, live):
            ended = {"state": "interrupted", "error": INTERRUPTED}
            try:
                record.update(record_run(workspace, record["id"], **ended))
            except StoreError:  # said here, written once the disk takes it
                record.update(ended)
    return sorted(records, key=lambda r: r.get("created", 0), reverse=True)
