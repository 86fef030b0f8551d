"""Build: start from one of the preset networks, add, remove, move and change its layers, then train it."""

import json
import logging

import streamlit as st

from digitlab import language
from digitlab.language import _
from digitlab.learn.architectures import ARCHITECTURES, menu_label
from digitlab.learn.builder import Draft
from digitlab.learn.network import INPUTS, LAYER_TYPES, MAX_LAYERS, OWN_NETWORK, PLAIN_NAMES, NetworkError, describe
from digitlab.learn.train import TrainConfig
from digitlab.serve.workspaces import check_network_size, network_limits
from ui import builder, keys, widgets
from ui.numbers import in_words
from ui.words import INPUT_HELP, LAYER_HELP

log = logging.getLogger("app_pages.build")  # Streamlit runs a page as __main__

st.title(_("Build a network"))
st.write(
    _(
        "Start from one of the {count} networks, then add, remove, move and change its layers. "
        "The table shows what each layer makes of a digit and how many numbers it learns. Then train it."
    ).format(count=in_words(len(ARCHITECTURES)))
)
draft = builder.draft()


def start_from_the_preset() -> None:
    st.session_state[keys.DRAFT] = Draft.from_preset(st.session_state["start-from"])  # as chosen on this press


left, right = st.columns([3, 1], vertical_alignment="bottom")
left.selectbox(
    _("Start from"),
    list(ARCHITECTURES),
    index=list(ARCHITECTURES).index(draft.base),
    format_func=menu_label,
    key="start-from",
    help=_("Its layers replace the ones below. It also gives the training settings: optimizer, learning rate..."),
)
right.button(_("Start from this network"), on_click=start_from_the_preset)

scaling = st.radio(
    _("Input"),
    list(INPUTS),
    index=list(INPUTS).index(draft.input),
    format_func=lambda scaling: _(INPUTS[scaling]),
    help=_(INPUT_HELP),
)
draft.set_input(scaling)

st.subheader(_("Layers"))
cards = []  # each layer's box: a message about a layer is shown in it
for position, (uid, settings) in enumerate(list(draft.layers)):
    card = st.container(border=True)
    cards.append(card)
    with card:
        st.markdown(
            _("**{position}. {layer}**: {help}").format(
                position=position + 1, layer=_(PLAIN_NAMES[settings["type"]]), help=_(LAYER_HELP[settings["type"]])
            )
        )
        draft.change(position, **builder.layer_settings(uid, settings))
        moves = st.container(horizontal=True)  # one row on a phone too
        last = position == len(draft.layers) - 1
        moves.button(
            _("Up"),
            key=f"up-{uid}",
            icon=":material/arrow_upward:",
            on_click=draft.move,
            args=(position, -1),
            disabled=position == 0,
        )
        moves.button(
            _("Down"),
            key=f"down-{uid}",
            icon=":material/arrow_downward:",
            on_click=draft.move,
            args=(position, 1),
            disabled=last,
        )
        moves.button(
            _("Remove"), key=f"remove-{uid}", icon=":material/delete:", on_click=draft.remove, args=(position,)
        )
st.caption(_("Every network ends with ten neurons, one for each digit: its answers (added for you)."))


def add_the_layer() -> None:
    draft.add(st.session_state["add-kind"], after=st.session_state["add-where"])  # as chosen on this press


kind_column, where_column, add_column = st.columns([2, 2, 1], vertical_alignment="bottom")
kind = kind_column.selectbox(
    _("Add a layer"),
    list(LAYER_TYPES),
    format_func=lambda kind: _(PLAIN_NAMES[kind]),
    key="add-kind",
    help=_("Pick one to see what it does."),
)
where_column.selectbox(
    _("Where"),
    range(len(draft.layers) + 1),
    key="add-where",
    index=len(draft.layers),
    format_func=lambda i: (
        _("first")
        if i == 0
        else _("after {position}. {layer}").format(position=i, layer=_(PLAIN_NAMES[draft.layers[i - 1][1]["type"]]))
    ),
)
add_column.button(_("Add"), on_click=add_the_layer, disabled=len(draft.layers) >= MAX_LAYERS)
st.caption(_("{layer}: {help}").format(layer=_(PLAIN_NAMES[kind]), help=_(LAYER_HELP[kind])))

st.subheader(_("What it makes of a digit"))
network = draft.network()
try:
    rows = describe(network)
    check_network_size(network)  # a class's own limits, if the server sets them
except NetworkError as error:
    log.info("network refused: %s", error)
    if error.position and error.position <= len(cards):
        cards[error.position - 1].error(str(error), icon=":material/error:")  # at its layer
    st.error(str(error))
    rows = None
else:
    counts = st.column_config.NumberColumn(format="localized")  # 25,120, not 25120
    st.dataframe(
        builder.table_rows(rows),
        hide_index=True,
        column_config={
            _("Layer"): st.column_config.TextColumn(pinned=True),  # kept in sight when a phone scrolls the table
            _("Numbers it learns"): counts,
            _("Multiply-adds per digit"): counts,
        },  # as builder.table_rows names them
    )
    st.caption(
        _(
            "In all: {parameters} numbers to learn (parameters) and {multiply_adds} multiply-adds for each digit "
            "it reads: the more, the longer each training step."
        ).format(
            parameters=language.number(sum(r.parameters for r in rows)),
            multiply_adds=language.number(sum(r.multiply_adds for r in rows)),
        )
    )
layers, parameters, multiply_adds = network_limits()
st.caption(
    _(
        "This server trains networks of up to {layers} layers, {parameters} parameters and "
        "{multiply_adds} multiply-adds per digit."
    ).format(
        layers=language.number(layers),
        parameters=language.number(parameters),
        multiply_adds=language.number(multiply_adds),
    )
)

if st.button(_("Train this network"), type="primary", disabled=rows is None):
    st.session_state[keys.ARCHITECTURE] = OWN_NETWORK
    st.switch_page("app_pages/train.py")
if rows is not None:
    config = TrainConfig.for_architecture(draft.base, network=network)
    widgets.see_the_code(config, "my-network", key="build-code")
    st.download_button(
        _("Download the network (a file to keep or share)"),
        json.dumps(network, indent=2),
        "network.json",
        "application/json",
    )
