"""What the server loads once and every session shares: MNIST, loaded models, their evaluations and maps.

`st.cache_resource` objects are shared by every session: they are read-only once made. No page
calls (`st.error`, `st.stop`) inside a cached function: pages call `dataset()` first. The spinners'
texts are set when the decorators run (at import): `Shown` puts them in the page's language as they show.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import streamlit as st

from digitlab import settings
from digitlab.language import N_, _
from digitlab.learn.data import DataError, Dataset, SplitSummary, load_mnist, summarize
from digitlab.learn.embedding import DigitMap, map_digits, penultimate_model
from digitlab.learn.evaluate import Evaluation, evaluate_model
from digitlab.learn.explain import dream_digits
from digitlab.learn.export import exported_bytes
from digitlab.learn.plots import map_rows
from digitlab.learn.predict import Predictor
from digitlab.learn.styles import StyleSet, model_inputs, style_set
from digitlab.serve import store

log = logging.getLogger(__name__)

MAP_DIGITS = 5000  # test digits on the Map page


class Shown(str):
    """A spinner's text for a cache decorator, marked N_ at import: Streamlit makes it text (`str()`)
    when the spinner shows, in the page's thread, and so gets it in the page's language."""

    def __str__(self) -> str:
        return _(str.__str__(self))


def data_dir() -> str:
    return str(settings.current().data_dir or "")


def dataset() -> Dataset:
    """MNIST, or an error on the page (with how to fix it) and a stop."""
    try:
        return cached_mnist(data_dir())
    except DataError as error:
        log.error("MNIST could not be loaded: %s", error)
        st.error(_("MNIST could not be loaded. {error}").format(error=error))
        st.stop()


@st.cache_resource(show_spinner=Shown(N_("Loading MNIST...")))
def cached_mnist(directory: str) -> Dataset:
    """MNIST from `directory` (empty: the default); read-only arrays, safe to share between sessions."""
    return load_mnist(directory or None)


@st.cache_resource
def split_summary(split: str) -> SplitSummary:
    """Statistics of a split (every verified copy of MNIST is the same, so the folder is no key)."""
    return summarize(*cached_mnist(data_dir()).split(split))


@st.cache_resource(max_entries=8, show_spinner=Shown(N_("Loading model...")))
def cached_predictor(path: str, created: str) -> Predictor:
    """The loaded model in folder `path`; `created` in the key drops stale entries after a rename or retrain."""
    return Predictor(*store.load_entry(store.read_entry(Path(path))))


@st.cache_resource(max_entries=8, show_spinner=Shown(N_("Scoring the 10,000 test digits...")))
def cached_evaluation(path: str, created: str) -> Evaluation:
    data = cached_mnist(data_dir())
    return evaluate_model(cached_predictor(path, created).model, data.x_test, data.y_test)


@st.cache_resource(show_spinner=Shown(N_("Drawing the style set...")))
def cached_style_set() -> tuple[StyleSet, np.ndarray]:
    """The style set (50 digits per variant) and its preprocessed model inputs; the same for everyone."""
    styles = style_set()
    return styles, model_inputs(styles)


@st.cache_resource(max_entries=4, show_spinner=Shown(N_("Placing 5,000 test digits on the map...")))
def cached_map(path: str, created: str):
    """(penultimate-layer model, DigitMap, chart rows) for the model in folder `path`."""
    data = cached_mnist(data_dir())
    extractor = penultimate_model(cached_predictor(path, created).model)
    images, labels = data.x_test[:MAP_DIGITS], data.y_test[:MAP_DIGITS]
    digit_map = map_digits(extractor, images, labels)
    confidence = digit_map.probabilities.max(axis=1)
    return extractor, digit_map, map_rows(digit_map.points, labels, digit_map.predictions, confidence, images)


def predictor_for(entry: store.SavedModel) -> Predictor:
    return cached_predictor(str(entry.path), entry.meta.get("created", ""))


@st.cache_data(max_entries=16, show_spinner=Shown(N_("Writing the model out...")))
def cached_export(path: str, created: str, format: str) -> bytes:
    return exported_bytes(cached_predictor(path, created).model, format)


def exported(entry: store.SavedModel, format: str) -> bytes:
    """The model as `format` (export.FORMATS), as bytes to download."""
    return cached_export(str(entry.path), entry.meta.get("created", ""), format)


@st.cache_resource(
    max_entries=8, show_spinner=Shown(N_("Asking the model what each digit looks like (a few seconds)..."))
)
def cached_dreams(path: str, created: str) -> np.ndarray:
    return dream_digits(cached_predictor(path, created).model)


def dreams_for(entry: store.SavedModel) -> np.ndarray:
    """(10, 28, 28): the input the model finds most like each digit (explain.dream_digits), once per model."""
    return cached_dreams(str(entry.path), entry.meta.get("created", ""))


def evaluation_for(entry: store.SavedModel) -> Evaluation:
    dataset()  # shows the error and stops if MNIST is missing
    return cached_evaluation(str(entry.path), entry.meta.get("created", ""))


def map_for(entry: store.SavedModel) -> tuple[object, DigitMap, list[dict]]:
    dataset()  # shows the error and stops if MNIST is missing
    return cached_map(str(entry.path), entry.meta.get("created", ""))
