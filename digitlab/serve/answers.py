"""What each saved model reads on saved drawings, kept on disk, so a leaderboard never loads the models.

A model's answers (drawing id -> the digit it reads) live in `<home>/answers/<key>.json`, the key
naming the model's folder and its creation time (a retrained or renamed model starts afresh). A page
asks `scores` for what is known and hands what is missing to `answer_in_background`, which runs
`answer_drawings` on a Dask worker: it loads each model once, reads the drawings, writes the answers.
A drawing's pixels never change under its id, so an answer, once written, stays true.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from digitlab.serve import store
from digitlab.serve.drawings import Drawing, as_arrays
from digitlab.serve.workspaces import home

log = logging.getLogger(__name__)


def answers_dir() -> Path:
    return home() / "answers"


def model_key(entry: store.SavedModel) -> str:
    return hashlib.sha256(f"{entry.path.resolve()}|{entry.meta.get('created', '')}".encode()).hexdigest()[:32]


def known_answers(entry: store.SavedModel, folder: Path | None = None) -> dict[str, int]:
    """The answers written for `entry` (none where the file is missing or unreadable)."""
    try:
        answers = json.loads(((folder or answers_dir()) / f"{model_key(entry)}.json").read_text())
    except (OSError, ValueError):
        return {}
    return answers if isinstance(answers, dict) else {}


@dataclass
class Unanswered:
    """A model and the drawings it has no answer for yet."""

    entry: store.SavedModel
    drawings: list[Drawing]


def scores(entries: list[store.SavedModel], drawings: list[Drawing]) -> tuple[dict[Path, float | None], list]:
    """({a model's folder: its share right on `drawings`, None while some answer is missing}, the
    Unanswered to hand to `answer_in_background`). Nothing is loaded but the answer files."""
    found, missing = {}, []
    for entry in entries:
        answers = known_answers(entry)
        unanswered = [d for d in drawings if d.id not in answers]
        if unanswered:
            missing.append(Unanswered(entry, unanswered))
        right = [answers.get(d.id) == d.label for d in drawings]
        found[entry.path] = None if unanswered or not drawings else float(np.mean(right))
    return found, missing


def answer_drawings(work: list[tuple[list[str], list[str], np.ndarray]], folder: str) -> int:
    """On a worker: for each (model folders, drawing ids, their pixels), load each model, read the
    drawings and merge the answers into its file under `folder`. Returns how many answers were
    written; a model that cannot be loaded answers -1 (wrong) on every drawing."""
    from digitlab.learn.predict import Predictor  # Keras: on the worker only

    written = 0
    Path(folder).mkdir(parents=True, exist_ok=True)
    for path, ids, pixels in ((path, ids, pixels) for paths, ids, pixels in work for path in paths):
        entry = store.read_entry(Path(path))
        try:
            digits = Predictor(*store.load_entry(entry)).probabilities(pixels).argmax(axis=1)
        except store.StoreError:
            log.info("%s cannot be loaded: it reads no drawing right", path)
            digits = np.full(len(ids), -1)
        answers = {**known_answers(entry, Path(folder)), **{i: int(d) for i, d in zip(ids, digits, strict=True)}}
        store.write_json_atomic(Path(folder) / f"{model_key(entry)}.json", answers)
        written += len(ids)
    return written


def work_for(missing: list[Unanswered]) -> list[tuple[list[str], list[str], np.ndarray]]:
    """The Unanswered as `answer_drawings` takes them (plain values: they travel to a worker): the
    models that miss the same drawings together, so each set of drawings travels once."""
    by_drawings: dict[tuple[str, ...], tuple[list[str], list[Drawing]]] = {}
    for item in missing:
        paths, _ = by_drawings.setdefault(tuple(d.id for d in item.drawings), ([], item.drawings))
        paths.append(str(item.entry.path))
    return [(paths, list(ids), as_arrays(drawings)[0]) for ids, (paths, drawings) in by_drawings.items()]
