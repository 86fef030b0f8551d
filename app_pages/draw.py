"""Draw: a digit on the canvas (or a photo); the answer on this device as the pen moves; views that need the server."""

import logging

import streamlit as st

from digitlab.language import _
from digitlab.learn.preprocess import BlankImageError, ImageReadError
from digitlab.serve import browser_copies
from ui import caches, draw_views, jobs, keys, live, picker, screen, widgets

log = logging.getLogger("app_pages.draw")  # Streamlit runs a page as __main__

st.title(_("Draw"))
st.write(
    _(
        "Draw a digit with your finger, a pen or the mouse: the model answers under the canvas while "
        "you draw, with the 28x28 image it really receives, after the same clean-up MNIST's digits went through."
    )
)

entry = picker.active_model()
st.session_state.setdefault("canvas_round", 0)
canvas_key = f"canvas-{st.session_state['canvas_round']}"
opened = draw_views.opened_views()
engine = live.engine(canvas_key)
offer = browser_copies.offer(entry, jobs.submitter())

source, views = st.columns([1, 2])
with source:
    widgets.draw_canvas(key=canvas_key)  # the live answer reads it in the browser
    answer_box = st.container()
    if st.session_state.pop("cleared", False):
        screen.scroll_into_view(canvas_key, hidden_only=True)  # on a phone the page may have moved under it
    if st.button(_("Clear")):
        st.session_state["canvas_round"] += 1  # a new key is a new, empty canvas
        st.session_state["cleared"] = True
        st.rerun()
    kinds = ["png", "jpg", "jpeg", "gif", "bmp", "webp", "tif", "tiff"]
    upload = st.file_uploader(_("...or upload a photo of a digit"), type=kinds)

on_device = offer.state == "ready" and not engine.startswith("server") and upload is None
needs_server = bool(opened) or not on_device  # only then does the browser send the drawing
image = upload.getvalue() if upload is not None else live.sent_picture(canvas_key) if needs_server else None
with views:
    change = (
        draw_views.change_sliders()
        if st.toggle(_("Change it: rotate, shift, scale, thicken"), key=keys.view("change"))
        else None
    )
reading, problem, unusable = None, None, False
if image is not None and needs_server:
    try:
        reading = draw_views.read_drawing(image, change or draw_views.Change(), entry, caches.predictor_for(entry))
        draw_views.remember(reading)
    except BlankImageError as error:
        problem = str(error)
    except ImageReadError as error:
        log.info("an unusable image: %s", error, exc_info=True)
        problem, unusable = _("That picture could not be used: {error}").format(error=error), True

with answer_box:
    server_answer = None if on_device or reading is None else (reading.probabilities, reading.pixels)
    live.live_answer(canvas_key, widgets.CANVAS_SIZE, offer, server_answer, send=needs_server, pen=widgets.PEN_WIDTH)
    st.caption(_("Your drawing stays on this device until you save it or open a view that needs the server."))
    if not on_device and offer.state != "ready" and upload is None:
        st.caption(
            _("Answered on the server: {reason}").format(reason=_(offer.reason))  # the worker's words, in English
            if offer.reason
            else _("Answered on the server: this model's copy for your device is being made.")
        )
    if reading is not None and server_answer is not None:  # the server answered: said in words too
        st.metric(_("Prediction"), reading.digit)
    if problem and not on_device:
        (st.error if unusable else st.info)(problem)
    if offer.state == "making":
        draw_views.wait_for_the_copy(entry)

with views:
    if change is not None and reading is not None:
        draw_views.changed_view(reading)
    for name, (title, view) in draw_views.VIEWS.items():
        if st.toggle(_(title), key=keys.view(name)):
            if reading is not None:
                view(reading)
            else:
                st.info(problem or _("Draw a digit on the canvas (or upload a photo): this view shows it."))
