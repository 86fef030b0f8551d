"""The Draw page's answer on the visitor's device: a small Streamlit component over static/live/answer.js.

The component finds the canvas by its key, reads it while the pen moves, preprocesses it as
Python does (static/live/preprocess.js) and runs the active model's browser copy in ONNX Runtime
Web. It reports back only which engine answers ("device", or "server: why"); the page then keeps
the drawing in the browser, or asks for it to answer on the server.
"""

from __future__ import annotations

import base64
import logging

import numpy as np
import streamlit as st

from digitlab.language import N_, _
from digitlab.serve.browser_copies import Offer

log = logging.getLogger(__name__)

# Loads the component's module from the server's /live/files/ (streamlit_app.live_routes) and mounts it.
LOADER_JS = """
export default function(component) {
  let unmount = null, gone = false;
  import(new URL("/live/files/answer.js", window.location.origin).href).then((live) => {
    if (!gone) unmount = live.mount(component);
  }).catch((error) => {
    console.warn("DigitLab: the in-browser answer did not load:", error);
    component.setStateValue("engine", "server: " + String(error).slice(0, 200));
  });
  return () => { gone = true; if (unmount) unmount(); };
}
"""

STYLE = """
.dl-live { font-size: 0.95rem; }
.dl-live .dl-answer { font-size: 1.9rem; font-weight: 700; line-height: 1.2; margin: 0 0 0.2rem; }
.dl-live .dl-answer.dl-message { font-size: 1rem; font-weight: 400; min-height: 0; }
.dl-live .dl-top, .dl-live .dl-note, .dl-live .dl-offline { margin: 0.1rem 0; opacity: 0.85; }
.dl-live .dl-offline { font-weight: 600; opacity: 1; }
.dl-live .dl-row { display: flex; gap: 1rem; align-items: flex-start; flex-wrap: wrap; }
.dl-live .dl-seen { margin: 0; }
.dl-live .dl-seen canvas { width: 112px; height: 112px; image-rendering: pixelated; outline: 1px solid #8a8a8a; }
.dl-live .dl-seen figcaption { font-size: 0.8rem; max-width: 112px; opacity: 0.85; }
.dl-live .dl-bars { list-style: none; padding: 0; margin: 0; flex: 1; min-width: 160px; }
.dl-live .dl-bars li { display: flex; align-items: center; gap: 0.4rem; margin: 0; line-height: 1.35; }
.dl-live .dl-digit { width: 1ch; }
.dl-live .dl-bar { flex: 1; height: 0.7rem; background: rgba(128, 128, 128, 0.2); }
.dl-live .dl-bar span { display: block; height: 100%; background: #5078c8; transform-origin: left; }
.dl-live .dl-best { font-weight: 700; }
.dl-live .dl-best .dl-bar span { background: #1f5fd6; }
.dl-live .dl-percent { width: 3.5ch; text-align: right; }
"""

# What answer.js shows, marked N_ here and sent translated (`words`); it fills in {digit} and {sure} itself.
WORDS = {
    "region": N_("The model's answer"),
    "draw": N_("Draw a digit on the canvas, or upload a photo of one."),
    "answer": N_("{digit}, {sure} sure"),
    "top": N_("Top 3:"),
    "bars": N_("How sure the model is of each digit (the ten add up to 100%)"),
    "seen": N_("What the model sees (28x28)"),
    "seen_alt": N_("Your drawing shrunk to 28 by 28 pixels, as the model sees it; it reads it as a {digit}"),
    "starting": N_("Getting the model ready on this device..."),
    "on_device": N_("Answered on this device."),
    "on_server": N_("Answered on the server."),
    "offline": N_("The server cannot be reached: the answer still works here; the other views need the server."),
}


def words() -> dict[str, str]:
    """WORDS in the page's language, for answer.js."""
    return {name: _(text) for name, text in WORDS.items()}


@st.cache_resource
def live_component():
    return st.components.v2.component("digitlab_live_answer", js=LOADER_JS, css=STYLE, isolate_styles=False)


def live_answer(
    canvas_key: str,
    size: int,
    offer: Offer | None,
    server: tuple[np.ndarray, np.ndarray] | None = None,
    send: bool = False,
    pen: int | None = None,
) -> None:
    """Show the answer for the canvas `canvas_key` (`size` px): on the device with `offer`'s model, or
    the server's `server` answer ((10,) probabilities, (28, 28) pixels). With `send`, the browser sends
    the drawing (as PNG, state "picture") at each pen lift. With the canvas's `pen` width (px), the
    browser re-reads only the box around the stroke in progress, not the whole canvas, at each move."""
    data = {"canvas": canvas_key, "size": size, "words": words(), "model": None, "server": None, "pen": pen}
    data.update(send=send, engine=engine(canvas_key))
    if server is not None:
        probabilities, pixels = server
        data["server"] = {"probabilities": probabilities.round(5).tolist(), "pixels": pixels.round(1).ravel().tolist()}
    elif offer is not None and offer.state == "ready":
        data["model"] = {
            "url": offer.url,
            "check_input": offer.check_input,
            "check_probabilities": offer.check_probabilities,
        }
    live_component()(
        key=state_key(canvas_key), data=data, on_engine_change=lambda: None, on_picture_change=lambda: None
    )


def sent_picture(canvas_key: str) -> bytes | None:
    """The drawing the browser last sent for the canvas `canvas_key` (only while a view needs it), as
    PNG bytes; b"" for something that is not a picture, None before any. Tests patch this function."""
    data_url = reported(canvas_key, "picture")
    if not data_url:
        return None
    try:
        return base64.b64decode(str(data_url).split(",", 1)[1], validate=True)
    except (IndexError, ValueError):  # a tampered client: the reading path says it is not an image
        log.info("the browser sent a picture that is not base64")
        return b""


def state_key(canvas_key: str) -> str:
    return f"live-{canvas_key}"


def reported(canvas_key: str, name: str):
    """What the browser last reported for the canvas `canvas_key` under `name` ("engine", "picture")."""
    return (st.session_state.get(state_key(canvas_key)) or {}).get(name)


def engine(canvas_key: str) -> str:
    """Which engine answers, as the browser said: "device", "server: why", or "" before it has said."""
    return reported(canvas_key, "engine") or ""
