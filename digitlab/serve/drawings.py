"""The user's own labelled drawings: saved when the model got them wrong, used to fine-tune it.

Layout: `<workspace>/drawings/<id>.npz`, each holding `pixels` (the 28x28 input, 0-255), `label`,
`original` (the drawing or upload, re-encoded as a small greyscale PNG: a few kilobytes whatever
came in) and `created`. Written to a temporary file and renamed, so a drawing is either whole or
absent, under the workspace's lock (its quota checked and the file written as one step).
"""

from __future__ import annotations

import functools
import io
import logging
import os
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

from digitlab import language
from digitlab.language import _, ngettext
from digitlab.learn.preprocess import read_image
from digitlab.serve import store

ORIGINAL_SIZE = 280  # the canvas' own size: an upload is kept no larger

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from digitlab.serve.workspaces import Workspace


@dataclass
class Drawing:
    id: str
    pixels: np.ndarray  # (28, 28) float32, 0-255: what the model sees
    label: int  # what the user says it is
    original: bytes  # PNG of what the user drew or uploaded
    created: float


def drawings_dir(workspace: Workspace) -> Path:
    return workspace.root / "drawings"


def small_png(original: np.ndarray | bytes) -> bytes:
    """The original drawing or upload as a greyscale PNG at most ORIGINAL_SIZE pixels a side."""
    image = Image.fromarray((read_image(original) * 255).round().astype(np.uint8))
    image.thumbnail((ORIGINAL_SIZE, ORIGINAL_SIZE))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def save_drawing(pixels: np.ndarray, label: int, original: np.ndarray | bytes, workspace: Workspace) -> str:
    """Save a labelled drawing in `workspace`; return its id.

    Raises: ValueError for a label or pixels that are not a digit's, ImageReadError for an original
    that is not a picture, StoreError past the workspace's quota or when the disk refuses it.
    """
    if not 0 <= int(label) <= 9:
        raise ValueError(_("A digit is 0-9, not {label}").format(label=label))
    pixels = np.asarray(pixels, np.float32)
    if pixels.shape != (28, 28):
        raise ValueError(_("Expected the 28x28 model input, got shape {shape}").format(shape=pixels.shape))
    data = small_png(original)
    folder = drawings_dir(workspace)
    with store.changing(workspace):
        folder.mkdir(parents=True, exist_ok=True)
        quota = workspace.drawing_quota
        if quota is not None and len(list(folder.glob("[!.]*.npz"))) >= quota:
            raise store.StoreError(
                ngettext(
                    "This workspace holds {count} drawing, its limit: delete some to save more.",
                    "This workspace holds {count} drawings, its limit: delete some to save more.",
                    quota,
                ).format(count=language.number(quota))
            )
        store.check_room(workspace, len(data) + pixels.nbytes)
        drawing_id = free_id(folder)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".tmp-", suffix=".npz", delete=False) as f:
            np.savez(f, pixels=pixels, label=int(label), original=np.frombuffer(data, np.uint8), created=time.time())
        os.replace(f.name, folder / f"{drawing_id}.npz")
    return drawing_id


def free_id(folder: Path) -> str:
    """A new drawing's id, its file not in `folder` yet (call it under the workspace's lock).

    Ids were once a second's time and 24 random bits, used as they came: two drawings saved in one
    second shared a name once in 16.7 million pairs, and the second replaced the first. Filling a
    workspace to one short of its quota (499 in about 2 s, as a test does) makes about 51,000 such
    pairs: a 0.3% chance a time. Now 48 bits, and a taken name is never reused.
    """
    while True:
        drawing_id = f"{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:12]}"
        if not (folder / f"{drawing_id}.npz").exists():
            return drawing_id


def list_drawings(workspace: Workspace) -> list[Drawing]:
    """Every saved drawing of `workspace`, oldest first; unreadable files are skipped."""
    drawings = []
    for path in sorted(drawings_dir(workspace).glob("[!.]*.npz")):
        try:
            drawings.append(read_drawing(str(path), path.stat().st_mtime_ns))
        except (OSError, KeyError, ValueError):
            log.warning("skipped the unreadable drawing %s", path, exc_info=True)
            continue
    return drawings


@functools.lru_cache(maxsize=5000)
def read_drawing(path: str, modified: int) -> Drawing:
    """One drawing's file, read once while it is unchanged (`modified`, its mtime, is in the key):
    a page that lists a class's 500 drawings reads none of them again."""
    with np.load(path) as f:
        pixels = f["pixels"]
        pixels.flags.writeable = False  # shared by every caller
        return Drawing(Path(path).stem, pixels, int(f["label"]), f["original"].tobytes(), float(f["created"]))


def delete_drawing(drawing_id: str, workspace: Workspace) -> None:
    """Delete one drawing by id (an id is a file name in the drawings folder, never a path)."""
    if Path(drawing_id).name != drawing_id or drawing_id.startswith("."):
        raise ValueError(_("Not a drawing id: {id}").format(id=repr(drawing_id)))
    with store.changing(workspace):
        (drawings_dir(workspace) / f"{drawing_id}.npz").unlink(missing_ok=True)


def as_arrays(drawings: list[Drawing]) -> tuple[np.ndarray, np.ndarray]:
    """(n, 28, 28) float32 pixels and (n,) labels."""
    if not drawings:
        return np.zeros((0, 28, 28), np.float32), np.zeros((0,), np.int64)
    return np.stack([d.pixels for d in drawings]), np.array([d.label for d in drawings])
