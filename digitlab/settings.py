"""Every setting DigitLab reads from the environment, parsed in one place: its default, its bounds, its meaning.

`current()` reads the environment and returns a `Settings`; the same environment is parsed once
(tests and servers that change a variable get the new value on the next call). A bad value is a
`ValueError` naming the variable and what it must be. README's table of settings is `SETTINGS`
(tests/test_settings.py holds the two together).
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Setting:
    """One environment variable: its name, its default as the README shows it, its meaning."""

    name: str
    default: str
    meaning: str
    low: int | None = None  # whole numbers: the smallest allowed (None: not a number)


SETTINGS = (
    Setting("DIGITLAB_HOME", "~/.digitlab", "where models, drawings, runs and the lesson are kept"),
    Setting("DIGITLAB_DATA_DIR", "data/mnist", "the folder with the four MNIST .gz files (checked by SHA-256)"),
    Setting("DIGITLAB_SHARED", "off", "1: a shared server, one workspace per visitor, with quotas"),
    Setting("DIGITLAB_SCHEDULER", "(none)", "a Dask scheduler's address; none: an embedded cluster per server"),
    Setting("DIGITLAB_TRAINING_SLOTS", "cores, up to 4", "trainings the embedded cluster runs at once", low=1),
    Setting("DIGITLAB_TEACHER_KEY", "(none)", "the teacher's key (`/?teacher=KEY`); none: no teacher by key"),
    Setting("DIGITLAB_TEACHERS", "(none)", "signed-in addresses that are teachers (commas or spaces between)"),
    Setting("DIGITLAB_NEW_WORKSPACES_PER_MINUTE", "60", "new workspaces a shared server hands out a minute", low=1),
    Setting("DIGITLAB_WORKSPACE_MB", "300", "shared mode: the disk one workspace may use, in MB", low=1),
    Setting("DIGITLAB_DIGITS_PER_RUN", "1200000", "shared mode: the most digits one run may see (epochs x images)", 1),
    Setting("DIGITLAB_NETWORK_LAYERS", "16", "shared mode: the most layers of a network", low=1),
    Setting("DIGITLAB_NETWORK_PARAMETERS", "1000000", "shared mode: the most parameters of a network", low=1),
    Setting("DIGITLAB_NETWORK_MULTIPLY_ADDS", "20000000", "shared mode: the most multiply-adds a digit", low=1),
)


@dataclass(frozen=True)
class Settings:
    """The settings in force, parsed."""

    home: Path
    data_dir: Path | None  # None: the project's data/mnist
    shared: bool
    scheduler: str  # "" for an embedded cluster
    training_slots: int | None  # None: one per core (cluster.py decides)
    teacher_key: str
    teachers: frozenset[str]  # lower-case addresses
    new_workspaces_per_minute: int
    digits_per_run: int
    network_layers: int
    network_parameters: int
    network_multiply_adds: int
    workspace_bytes: int


def current() -> Settings:
    """The settings of the environment as it is now."""
    return parse(tuple((s.name, os.environ.get(s.name, "").strip()) for s in SETTINGS))


MIN_TEACHER_KEY = 20  # characters: a key a class cannot guess


def long_enough(key: str) -> str:
    if key and len(key) < MIN_TEACHER_KEY:
        raise ValueError(
            f"DIGITLAB_TEACHER_KEY must be at least {MIN_TEACHER_KEY} characters long (it is {len(key)}): "
            "a class could guess a short one."
        )
    return key


@functools.lru_cache(maxsize=8)
def parse(values: tuple[tuple[str, str], ...]) -> Settings:
    raw = dict(values)

    def number(name: str) -> int | None:
        spec = next(s for s in SETTINGS if s.name == name)
        value = raw[name]
        if not value:
            return int(spec.default) if spec.default.isdigit() else None
        if not value.isdigit() or int(value) < spec.low:
            raise ValueError(f"{name} must be a whole number of at least {spec.low}, not {value!r}")
        return int(value)

    return Settings(
        home=Path(raw["DIGITLAB_HOME"] or Path.home() / ".digitlab").expanduser(),
        data_dir=Path(raw["DIGITLAB_DATA_DIR"]).expanduser() if raw["DIGITLAB_DATA_DIR"] else None,
        shared=raw["DIGITLAB_SHARED"].lower() in ("1", "true", "yes"),
        scheduler=raw["DIGITLAB_SCHEDULER"],
        training_slots=number("DIGITLAB_TRAINING_SLOTS"),
        teacher_key=long_enough(raw["DIGITLAB_TEACHER_KEY"]),
        teachers=frozenset(a.lower() for a in re.split(r"[,\s]+", raw["DIGITLAB_TEACHERS"]) if a),
        new_workspaces_per_minute=number("DIGITLAB_NEW_WORKSPACES_PER_MINUTE"),
        digits_per_run=number("DIGITLAB_DIGITS_PER_RUN"),
        network_layers=number("DIGITLAB_NETWORK_LAYERS"),
        network_parameters=number("DIGITLAB_NETWORK_PARAMETERS"),
        network_multiply_adds=number("DIGITLAB_NETWORK_MULTIPLY_ADDS"),
        workspace_bytes=number("DIGITLAB_WORKSPACE_MB") * 2**20,
    )
