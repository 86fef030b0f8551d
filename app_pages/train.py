"""Train: pick an architecture and settings, train as a job on the cluster, watch it live."""

import logging

import streamlit as st

from digitlab import language
from digitlab.language import _
from digitlab.learn.architectures import ARCHITECTURES, DEFAULT_ARCHITECTURE, menu_label
from digitlab.learn.config import MAX_SEED
from digitlab.learn.network import OWN_NETWORK
from digitlab.learn.train import OPTIMIZERS, TrainConfig
from digitlab.serve.classroom import read_lesson
from digitlab.serve.workspaces import shared_mode
from ui import builder, caches, explain_it, jobs, keys, screen, train_view, visitor
from ui.words import SETTINGS_HELP

log = logging.getLogger("app_pages.train")  # Streamlit runs a page as __main__

st.title(_("Train"))
st.write(
    _(
        "Pick an architecture; its tutorial settings fill in. Training runs as a job on the training "
        "cluster: visit other pages or close the tab, and it goes on and saves the model when it ends."
    )
)

caches.dataset()  # or a message on the page if MNIST cannot be loaded
if shared_mode():  # the class's lesson, as the teacher set it
    lesson = read_lesson()
    if lesson.has_challenge:
        st.info(
            _("**The class's challenge**: {challenge} {standing}").format(
                challenge=lesson.challenge(), standing=lesson.standing(visitor.workspace())
            )
        )
    if lesson.rules():
        st.caption(lesson.rules())

if keys.ARCHITECTURE not in st.session_state:  # the Build page may have set it: "Train this network"
    st.session_state[keys.ARCHITECTURE] = DEFAULT_ARCHITECTURE
choice = st.selectbox(
    _("Architecture"),
    [*ARCHITECTURES, OWN_NETWORK],
    key=keys.ARCHITECTURE,
    format_func=lambda n: _("Your own network, from the Build page") if n == OWN_NETWORK else menu_label(n),
    help=_(SETTINGS_HELP["architecture"]),
)
network = None
if choice == OWN_NETWORK:
    draft = builder.draft()
    arch, network = draft.base, draft.network()
    st.caption(_("The layers you built, with the training settings of {architecture}.").format(architecture=arch))
else:
    arch = choice
    st.caption(
        _(ARCHITECTURES[arch].plain),
        help=_("In the field's own words: {description}.").format(description=_(ARCHITECTURES[arch].description)),
    )
form_key = arch if network is None else f"{OWN_NETWORK}-{arch}"  # the settings' widgets: one set each
with st.form("settings", border=False):  # no frame: on a phone the Train button stays on the first screen
    defaults = ARCHITECTURES[arch]  # the tutorial's settings
    # What a learner changes first, then Train: on a phone the button is on the first screen.
    first = st.container(horizontal=True)  # side by side, on a phone too: the keyboard goes across, as one reads
    a, b, c = first.container(width=105), first.container(width=175), first.container(width=240)
    epochs = a.number_input(
        _("Epochs"),
        value=defaults.epochs,
        min_value=1,
        max_value=100,
        key=f"ep-{form_key}",
        help=_(SETTINGS_HELP["epochs"]),
    )
    limit = b.number_input(
        _("Training images (0 = all {count})").format(count=language.number(55_000)),
        value=0,
        min_value=0,
        step=1000,
        key="limit",
        help=_(SETTINGS_HELP["limit"]),
    )
    name = c.text_input(
        _("Model name"), value="my-network" if network else arch, key=f"name-{choice}", help=_(SETTINGS_HELP["name"])
    )  # follows the arch
    with st.expander(_("More settings")):
        a, b, c = st.columns(3)  # a row of columns per line: the keyboard goes across, as one reads
        optimizer = a.selectbox(
            _("Optimizer"),
            list(OPTIMIZERS),
            index=list(OPTIMIZERS).index(defaults.optimizer),
            key=f"opt-{form_key}",
            help=_(SETTINGS_HELP["optimizer"]),
        )
        learning_rate = b.number_input(
            _("Learning rate"),
            value=defaults.learning_rate,
            min_value=0.0,
            format="%g",
            key=f"lr-{form_key}",
            help=_(SETTINGS_HELP["learning_rate"]),
        )
        batch_size = c.number_input(
            _("Batch size"),
            value=defaults.batch_size,
            min_value=1,
            step=1,
            key=f"bs-{form_key}",
            help=_(SETTINGS_HELP["batch_size"]),
        )
        a, b, c = st.columns(3, vertical_alignment="bottom")
        seed = a.number_input(
            _("Seed"), value=0, min_value=0, max_value=MAX_SEED, step=1, key="seed", help=_(SETTINGS_HELP["seed"])
        )
        augment = b.checkbox(_("Vary the digits"), key="augment", help=_(SETTINGS_HELP["augment"]))
        keep_on_stop = c.checkbox(_("Keep it if I stop"), value=True, key="keep", help=_(SETTINGS_HELP["keep"]))
    start = st.form_submit_button(_("Train"), type="primary")
st.page_link(
    page="app_pages/build.py",  # a path, not words (by keyword: the text check reads first arguments)
    label=_("Build your own network: add, remove and change layers"),
    icon=":material/construction:",
)
explain_it.explain_batches()

# The run's one slot, filled below: a press of Train clears the last run at once, not after the submit.
with st.empty().container(key="run-area"):
    if start:
        config = TrainConfig.for_architecture(
            arch,
            optimizer=optimizer,
            learning_rate=float(learning_rate),
            batch_size=int(batch_size),
            epochs=int(epochs),
            seed=int(seed),
            augment=augment,
            train_limit=int(limit) or None,
            network=network,
        )
        workspace = visitor.workspace()  # checked once, at submit: settings, size, the lesson (start_job says why)
        source = visitor.client_address()  # the queue takes turns between addresses
        started = jobs.start_job(
            keys.TRAIN_JOB, lambda board: board.submit_training(config, name or arch, workspace, keep_on_stop, source)
        )
        if started is not None:
            screen.scroll_into_view("run-area")  # on a tablet or a phone it is below the form
    train_view.show_run()

with st.expander(_("Recent runs")):
    jobs.show_runs()
