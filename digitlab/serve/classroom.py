"""A class on a shared server: the lesson's rules and challenge, the class's results and drawings.

Who the teacher is: teacher.py. The lesson (`<home>/lesson.json`)
says which architectures a student may train, the most epochs and training images per run and a
challenge ("at least 98% with at most 10,000 parameters"); it is checked when a job is submitted.
"New lesson" moves every workspace into a dated folder under `<home>/archive/`, from which it can
be restored.

The class's own test set, the drawings students gave: class_set.py.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from digitlab import language
from digitlab.language import N_, _, ngettext
from digitlab.learn.network import OWN_NETWORK
from digitlab.serve import store
from digitlab.serve.class_set import class_set
from digitlab.serve.drawings import list_drawings
from digitlab.serve.workspaces import (
    Workspace,
    WorkspaceError,
    all_workspaces,
    check_run_size,
    home,
    shared_mode,
    workspaces_dir,
)

if TYPE_CHECKING:
    from digitlab.learn.train import TrainConfig

log = logging.getLogger(__name__)

ARCHIVE_NAME = re.compile(r"\d{4}-\d{2}-\d{2}-\d{6}")  # when the lesson was archived: 2026-12-03-091500


DEFAULT_RUN_MINUTES = 20  # how long one run may take in shared mode, unless the lesson says
FASTEST_STEP = 0.001  # seconds a training step takes at the least (Keras on a CPU or GPU): a submitted run's floor


@dataclass
class Lesson:
    """What the teacher allows and asks for. None: no limit (or no challenge)."""

    architectures: list[str] | None = None  # names in models.ARCHITECTURES, or OWN_NETWORK
    max_epochs: int | None = None
    max_images: int | None = None  # training images per run
    max_parameters: int | None = None  # the largest network a student may train (builder limit)
    goal_accuracy: float | None = None  # the challenge: at least this test accuracy (0-1)
    goal_parameters: int | None = None  # ... with at most this many parameters
    max_minutes: int | None = None  # how long one run may take (None: DEFAULT_RUN_MINUTES)
    extra: dict = field(default_factory=dict, repr=False)  # fields a newer version wrote: kept, not used

    @property
    def has_challenge(self) -> bool:
        return self.goal_accuracy is not None or self.goal_parameters is not None

    def challenge(self) -> str:
        """The challenge in words ("" when there is none)."""
        if self.goal_parameters is not None:
            accuracy = None if self.goal_accuracy is None else language.percent(self.goal_accuracy)
            parameters = language.number(self.goal_parameters)
            if accuracy is not None:
                return _(
                    "Train a model with at least {accuracy} right on the test digits and at most {count} parameters."
                ).format(accuracy=accuracy, count=parameters)
            return _("Train a model with at most {count} parameters.").format(count=parameters)
        if self.goal_accuracy is not None:
            return _("Train a model with at least {accuracy} right on the test digits.").format(
                accuracy=language.percent(self.goal_accuracy)
            )
        return ""

    def met_by(self, meta: dict) -> bool:
        """Whether a saved model's record meets the challenge (never, when there is none)."""
        if not self.has_challenge:
            return False
        accurate = self.goal_accuracy is None or (meta.get("test_accuracy") or 0) >= self.goal_accuracy
        small = self.goal_parameters is None or (meta.get("params") or float("inf")) <= self.goal_parameters
        return accurate and small

    def rules(self) -> str:
        """What the lesson allows, in words ("" when it allows everything): a list of what it allows."""
        parts = []
        if self.architectures is not None:
            names = ", ".join(_("your own network") if a == OWN_NETWORK else a for a in self.architectures)
            parts.append(_("these networks: {names}").format(names=names or _("none")))
        if self.max_epochs is not None:
            parts.append(
                ngettext("{count} epoch at most", "{count} epochs at most", self.max_epochs).format(
                    count=language.number(self.max_epochs)
                )
            )
        if self.max_images is not None:
            parts.append(
                ngettext("{count} training image at most", "{count} training images at most", self.max_images).format(
                    count=language.number(self.max_images)
                )
            )
        if self.max_parameters is not None:
            parts.append(_("networks of {count} parameters at most").format(count=language.number(self.max_parameters)))
        if self.max_minutes is not None:
            parts.append(
                ngettext("runs of {count} minute at most", "runs of {count} minutes at most", self.max_minutes).format(
                    count=language.number(self.max_minutes)
                )
            )
        return _("In this lesson your teacher allows {rules}.").format(rules="; ".join(parts)) if parts else ""

    def standing(self, workspace: Workspace) -> str:
        """Where `workspace`'s best model stands against the challenge, in words, with a ✓ when it met it."""
        models = [m for m in store.list_models(workspace, include_default=False) if m.ok]
        met = [m for m in models if self.met_by(m.meta)]
        if met:
            best = max(met, key=lambda m: m.test_accuracy)
            params = best.meta.get("params", 0)
            return _("✓ Met by your model {name}: {accuracy}, {count} parameters.").format(
                name=best.name, accuracy=language.percent(best.test_accuracy), count=language.number(params)
            )
        if not models:
            return _("Not met yet: you have no trained model.")
        best = max(models, key=lambda m: m.test_accuracy)
        params = best.meta.get("params", 0)
        return _("Not met yet: your best, {name}, has {accuracy} with {count} parameters.").format(
            name=best.name, accuracy=language.percent(best.test_accuracy), count=language.number(params)
        )

    @property
    def run_seconds(self) -> float:
        """How long one run may take, in seconds."""
        return 60.0 * (self.max_minutes or DEFAULT_RUN_MINUTES)

    def check(self, config: TrainConfig) -> None:
        """Raise WorkspaceError, in words, for a run this lesson does not allow."""
        steps = config.epochs * -(-config.example_count() // config.batch_size)
        if steps * FASTEST_STEP > self.run_seconds:
            raise WorkspaceError(
                _(
                    "This run would take at least {minutes} minutes ({steps} corrections of the weights, one per "
                    "batch); in this class a run may take {limit} minutes. Use a larger batch size, fewer epochs or "
                    "fewer training images."
                ).format(
                    minutes=language.number(steps * FASTEST_STEP / 60),
                    steps=language.number(steps),
                    limit=language.number(self.run_seconds / 60),
                )
            )
        architecture = OWN_NETWORK if config.network is not None else config.architecture
        if self.architectures is not None and architecture not in self.architectures:
            raise WorkspaceError(_("{rules} Pick one of them.").format(rules=self.rules()))
        if self.max_epochs is not None and config.epochs > self.max_epochs:
            raise WorkspaceError(
                ngettext(
                    "In this lesson a run has {count} epoch at most: use fewer.",
                    "In this lesson a run has {count} epochs at most: use fewer.",
                    self.max_epochs,
                ).format(count=language.number(self.max_epochs))
            )
        if self.max_images is not None and config.example_count() > self.max_images:
            raise WorkspaceError(
                ngettext(
                    "In this lesson a run trains on {count} image at most: set Training images to {count} or fewer.",
                    "In this lesson a run trains on {count} images at most: set Training images to {count} or fewer.",
                    self.max_images,
                ).format(count=language.number(self.max_images))
            )
        if self.max_parameters is not None:
            from digitlab.learn.architectures import get_architecture  # Keras: imported when needed
            from digitlab.learn.network import describe

            network = config.network or get_architecture(config.architecture).network
            parameters = sum(row.parameters for row in describe(network))
            if parameters > self.max_parameters:
                raise WorkspaceError(
                    _(
                        "In this lesson a network has {count} parameters at most; this one has {parameters}. Use "
                        "fewer or smaller layers (the Build page counts them)."
                    ).format(count=language.number(self.max_parameters), parameters=language.number(parameters))
                )


def lesson_path() -> Path:
    return home() / "lesson.json"


def read_lesson() -> Lesson:
    """The lesson the teacher set; none set (or a file that cannot be read): no rules, no challenge."""
    try:
        record = json.loads(lesson_path().read_text())
        if not isinstance(record, dict):
            raise ValueError(f"a lesson is a JSON object, not {type(record).__name__}")
        known = {name: record.pop(name) for name in list(record) if name in Lesson.__dataclass_fields__}
        return checked(Lesson(**known, extra=record))
    except FileNotFoundError:
        return Lesson()
    except (OSError, ValueError, TypeError, AttributeError):
        log.warning("the lesson file %s cannot be read: no lesson rules apply", lesson_path(), exc_info=True)
        return Lesson()


def checked(lesson: Lesson) -> Lesson:
    """`lesson` if each of its fields has a value a lesson can have, else a ValueError."""
    names = lesson.architectures
    if names is not None and not (isinstance(names, list) and all(isinstance(a, str) for a in names)):
        raise ValueError(f"architectures must be names, not {lesson.architectures!r}")
    for name in ("max_epochs", "max_images", "max_parameters", "goal_parameters", "max_minutes"):
        value = getattr(lesson, name)
        if value is not None and (type(value) is not int or value < 1):
            raise ValueError(f"{name} must be a whole number of at least 1, not {value!r}")
    if lesson.goal_accuracy is not None and not (
        type(lesson.goal_accuracy) in (int, float) and 0 <= lesson.goal_accuracy <= 1
    ):
        raise ValueError(f"goal_accuracy must be between 0 and 1, not {lesson.goal_accuracy!r}")
    return lesson


def save_lesson(lesson: Lesson) -> None:
    """Write the lesson for every server on this home (a StoreError when the disk refuses)."""
    checked(lesson)
    record = {**lesson.extra, **{k: v for k, v in asdict(lesson).items() if k != "extra"}}
    try:
        lesson_path().parent.mkdir(parents=True, exist_ok=True)
        store.write_json_atomic(lesson_path(), record)
    except OSError as error:
        raise store.StoreError(_(store.UNWRITABLE)) from error


def check_submission(config: TrainConfig) -> None:
    """Refuse, with an error that says why, a run this server does not take: too large (workspaces.py),
    a network over the limits, or, in shared mode, one the lesson does not allow. Settings that cannot
    train at all are a ValueError too (`TrainConfig.validate`)."""
    config.validate()
    check_run_size(config.epochs, config.example_count(), config.network)
    if shared_mode():
        read_lesson().check(config)


def class_rows(current_jobs: dict[str, str]) -> list[dict]:
    """Every workspace at a glance: its alias, models, best accuracy, drawings and its current job
    (`current_jobs`: a workspace key's job in words)."""
    rows = []
    for workspace in all_workspaces():
        models = [m for m in store.list_models(workspace, include_default=False) if m.ok]
        rows.append(
            {  # the column names stay English here (the keys); the page shows _(name)
                N_("Student"): workspace.alias,
                N_("Models"): len(models),
                N_("Best accuracy"): max((m.test_accuracy for m in models), default=None),
                N_("Drawings"): len(list_drawings(workspace)),
                N_("Now"): current_jobs.get(workspace.key, ""),
            }
        )
    return rows


def results_csv(lesson: Lesson) -> str:
    """The class's models as CSV: who, which, how accurate, how large, when, and whether it met the challenge."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["student", "model", "network", "test_accuracy", "parameters", "train_seconds", "saved", "challenge"]
    )
    for entry in leaderboard():
        if entry.owner is None:
            continue  # the shipped default is nobody's result
        meta = entry.model.meta
        saved = time.strftime("%Y-%m-%d %H:%M", time.localtime(entry.model.path.stat().st_mtime))
        writer.writerow(
            [
                entry.owner.alias,
                entry.model.name,
                meta.get("architecture", ""),
                f"{entry.model.test_accuracy:.4f}",
                meta.get("params", ""),
                meta.get("train_seconds", ""),
                saved,
                "met" if lesson.met_by(meta) else "",
            ]
        )
    return out.getvalue()


def archive_dir() -> Path:
    return home() / "archive"


def archives() -> list[str]:
    """The archived lessons, newest first."""
    folder = archive_dir()
    names = [p.name for p in folder.iterdir() if ARCHIVE_NAME.fullmatch(p.name)] if folder.is_dir() else []
    return sorted(names, reverse=True)


def class_folders() -> list[Path]:
    """What a lesson leaves behind: every workspace, and the class's test set."""
    return [workspaces_dir(), class_set().root]


def new_lesson() -> str | None:
    """Move every workspace and the class set into a dated archive and start the class empty; return
    the archive's name (None when there was nothing to archive). Raises StoreError where the disk refuses."""
    current = [folder for folder in class_folders() if folder.is_dir() and any(folder.iterdir())]
    if not current:
        return None
    name = time.strftime("%Y-%m-%d-%H%M%S")
    while (archive_dir() / name).exists():  # two in one second
        time.sleep(1)
        name = time.strftime("%Y-%m-%d-%H%M%S")
    try:
        (archive_dir() / name).mkdir(parents=True)
        for folder in current:
            folder.rename(archive_dir() / name / folder.name)  # one rename: a workspace is never half moved
    except OSError as error:
        log.warning("the class could not be archived", exc_info=True)
        raise store.StoreError(_(store.UNWRITABLE)) from error
    log.info("archived the class as %s", name)
    return name


def restore(name: str) -> str | None:
    """Bring back the archived lesson `name`; the class as it is now is archived first (its name returned).

    Raises WorkspaceError for a name that is not an archive, StoreError where the disk refuses.
    """
    if not isinstance(name, str) or name not in archives():
        raise WorkspaceError(_("There is no archived lesson {name}.").format(name=repr(name)))
    saved_now = new_lesson()
    folder = archive_dir() / name
    try:
        for kept in class_folders():
            if (folder / kept.name).is_dir():
                if kept.is_dir():
                    kept.rmdir()  # an empty leftover (the full ones were just archived); else OSError
                (folder / kept.name).rename(kept)
        folder.rmdir()
    except OSError as error:
        log.warning("lesson %s could not be restored", name, exc_info=True)
        raise store.StoreError(_(store.UNWRITABLE)) from error
    log.info("restored the lesson archived as %s", name)
    return saved_now


@dataclass
class BoardEntry:
    """One row of the class leaderboard: a model and its owner (None for the shipped default)."""

    model: store.SavedModel
    owner: Workspace | None


def leaderboard() -> list[BoardEntry]:
    """Every usable model of every workspace and the shipped default, best test accuracy first."""
    entries = [BoardEntry(store.default_model(), None)]
    for workspace in all_workspaces():
        entries += [BoardEntry(m, workspace) for m in store.list_models(workspace, include_default=False) if m.ok]
    return sorted(entries, key=lambda e: -e.model.test_accuracy)
