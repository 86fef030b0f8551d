"""The class's own test set (`<home>/class-set/drawings/`): the drawings students chose to give.

Each is a copy, named after its giver's workspace key and the drawing's id; a student's drawings stay
private unless given, and the teacher can remove any. The leaderboard scores every model on them.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from pathlib import Path

from digitlab import language
from digitlab.language import _, ngettext
from digitlab.serve import store
from digitlab.serve.drawings import Drawing, drawings_dir, list_drawings
from digitlab.serve.workspaces import KEY, Workspace, alias_for, home

log = logging.getLogger(__name__)

CLASS_SET_QUOTA = 2000  # drawings in the class's own test set


def class_set() -> Workspace:
    """The class's own test set: a folder of given drawings, read by the leaderboard."""
    return Workspace("class-set", home() / "class-set", "the class", drawing_quota=CLASS_SET_QUOTA)


def class_drawings() -> list[Drawing]:
    return list_drawings(class_set())


def given_ids(workspace: Workspace) -> set[str]:
    """The ids of `workspace`'s drawings that are in the class set."""
    prefix = f"{workspace.key}-"
    return {d.id.removeprefix(prefix) for d in class_drawings() if d.id.startswith(prefix)}


def give_drawing(drawing_id: str, workspace: Workspace) -> None:
    """Copy one of `workspace`'s drawings into the class set (giving it twice keeps one copy).

    Raises ValueError for an id that is not one of its drawings, StoreError when the class set is
    full or the disk refuses.
    """
    source = drawings_dir(workspace) / f"{drawing_id}.npz"
    if Path(drawing_id).name != drawing_id or drawing_id.startswith(".") or not source.is_file():
        raise ValueError(_("Not one of your drawings: {id}").format(id=repr(drawing_id)))
    target_set = class_set()
    folder = drawings_dir(target_set)
    with store.changing(target_set):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            if len(list(folder.glob("[!.]*.npz"))) >= CLASS_SET_QUOTA:
                raise store.StoreError(
                    ngettext(
                        "The class's test set holds {count} drawing, its limit.",
                        "The class's test set holds {count} drawings, its limit.",
                        CLASS_SET_QUOTA,
                    ).format(count=language.number(CLASS_SET_QUOTA))
                )
            with (
                source.open("rb") as given,
                tempfile.NamedTemporaryFile(dir=folder, prefix=".tmp-", suffix=".npz", delete=False) as f,
            ):
                shutil.copyfileobj(given, f)
            os.replace(f.name, folder / f"{workspace.key}-{drawing_id}.npz")
        except OSError as error:
            log.warning("drawing %s could not be given to the class set", drawing_id, exc_info=True)
            raise store.StoreError(_(store.UNWRITABLE)) from error


def giver(drawing: Drawing) -> str:
    """The alias of the workspace that gave a class-set drawing."""
    key = drawing.id.split("-", 1)[0]
    return alias_for(key) if KEY.fullmatch(key) else _("someone")
