"""Build: start from one of the preset networks, add, remove, move and change its layers, then train it."""

import json
import logging

import streamlit as st

from digitlab.learn.architectures import ARCHITECTURES, menu_label
from digitlab.learn.builder import Draft
from digitlab.learn.network import INPUTS, LAYER_TYPES, MAX_LAYERS, OWN_NETWORK, PLAIN_NAMES, NetworkError, describe
from digitlab.learn.train import TrainConfig
from digitlab.serve.workspaces import check_network_size, network_limits
from ui import builder, keys, widgets
from ui.numbers import in_words
from ui.words import INPUT_HELP, LAYER_HELP

log = logging.getLogger("app_pages.build")  # Streamlit runs a page as __main__

st.title("Build a network")
st.write(
    f"Start from one of the {in_words(len(ARCHITECTURES))} networks, then add, remove, move and change its layers. "
    "The table shows what each layer makes of a digit and how many numbers it learns. Then train it."
)
draft = builder.draft()


def start_from_the_preset() -> None:
    st.session_state[keys.DRAFT] = Draft.from_preset(st.session_state["start-from"])  # as chosen on this press


left, right = st.columns([3, 1], vertical_alignment="bottom")
left.selectbox(
    "Start from",
    list(ARCHITECTURES),
    index=list(ARCHITECTURES).index(draft.base),
    format_func=menu_label,
    key="start-from",
    help="Its layers replace the ones below. It also gives the training settings: optimizer, learning rate...",
)
right.button("Start from this network", on_click=start_from_the_preset)

scaling = st.radio(
    "Input", list(INPUTS), index=list(INPUTS).index(draft.input), format_func=INPUTS.get, help=INPUT_HELP
)
draft.set_input(scaling)

st.subheader("Layers")
for position, (uid, settings) in enumerate(list(draft.layers)):
    with st.container(border=True):
        head, up, down, remove = st.columns([5, 1, 1, 1], vertical_alignment="center")
        head.markdown(f"**{position + 1}. {PLAIN_NAMES[settings['type']]}**: {LAYER_HELP[settings['type']]}")
        up.button("Up", key=f"up-{uid}", on_click=draft.move, args=(position, -1), disabled=position == 0)
        last = position == len(draft.layers) - 1
        down.button("Down", key=f"down-{uid}", on_click=draft.move, args=(position, 1), disabled=last)
        remove.button("Remove", key=f"remove-{uid}", on_click=draft.remove, args=(position,))
        draft.change(position, **builder.layer_settings(uid, settings))
st.caption("Every network ends with ten neurons, one for each digit: its answers (added for you).")


def add_the_layer() -> None:
    draft.add(st.session_state["add-kind"], after=st.session_state["add-where"])  # as chosen on this press


kind_column, where_column, add_column = st.columns([2, 2, 1], vertical_alignment="bottom")
kind = kind_column.selectbox(
    "Add a layer", list(LAYER_TYPES), format_func=PLAIN_NAMES.get, key="add-kind", help="Pick one to see what it does."
)
where_column.selectbox(
    "Where",
    range(len(draft.layers) + 1),
    key="add-where",
    index=len(draft.layers),
    format_func=lambda i: "first" if i == 0 else f"after {i}. {PLAIN_NAMES[draft.layers[i - 1][1]['type']]}",
)
add_column.button("Add", on_click=add_the_layer, disabled=len(draft.layers) >= MAX_LAYERS)
st.caption(f"{PLAIN_NAMES[kind]}: {LAYER_HELP[kind]}")

st.subheader("What it makes of a digit")
network = draft.network()
try:
    rows = describe(network)
    check_network_size(network)  # a class's own limits, if the server sets them
except NetworkError as error:
    log.info("network refused: %s", error)
    st.error(str(error))
    rows = None
else:
    counts = st.column_config.NumberColumn(format="localized")  # 25,120, not 25120
    st.dataframe(
        builder.table_rows(rows),
        hide_index=True,
        column_config={"Numbers it learns": counts, "Multiply-adds per digit": counts},
    )
    st.caption(
        f"In all: {sum(r.parameters for r in rows):,} numbers to learn (parameters) and "
        f"{sum(r.multiply_adds for r in rows):,} multiply-adds for each digit it reads: the more, the "
        "longer each training step."
    )
layers, parameters, multiply_adds = network_limits()
st.caption(
    f"This server trains networks of up to {layers} layers, {parameters:,} parameters and "
    f"{multiply_adds:,} multiply-adds per digit."
)

if st.button("Train this network", type="primary", disabled=rows is None):
    st.session_state[keys.ARCHITECTURE] = OWN_NETWORK
    st.switch_page("app_pages/train.py")
if rows is not None:
    config = TrainConfig.for_architecture(draft.base, network=network)
    widgets.see_the_code(config, "my-network", key="build-code")
    st.download_button(
        "Download the network (a file to keep or share)",
        json.dumps(network, indent=2),
        "network.json",
        "application/json",
    )
