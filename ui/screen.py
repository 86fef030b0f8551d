"""The visitor's screen: the canvas scaled to fit its column, and the sidebar folded on narrow screens.

Streamlit tells the server nothing about the browser's size, and the drawing canvas is a fixed
280x280 element: in a narrow column it was clipped, and since it takes every touch, its hidden
part could not be scrolled into view. A small component of our own (`st.components.v2`, a few
lines of JavaScript, no rerun) scales the canvas down in the browser to the width of its column;
the canvas library maps the strokes back to its 280x280 grid, so the server receives the same
pixels at any size. The same kind of component folds the sidebar once per browser session where
the window is narrower than NARROW_SCREEN (a tablet; on a phone Streamlit starts with it folded), so
the page gets the whole width; the visitor can open it again with the arrow.
"""

from __future__ import annotations

import time

import streamlit as st

NARROW_SCREEN = 1024  # CSS px: below this an open sidebar leaves the page too little room (an 810-px iPad)
STREAMLIT_FOLDS = 768  # CSS px: at or below this Streamlit starts with the sidebar folded (its "md" breakpoint)

# Scales the element keyed `data.key` to the width of the column this component sits in (never up).
FIT_JS = """
export default function(component) {
  const { parentElement, data } = component;
  const column = parentElement.closest('[data-testid="stColumn"], [data-testid="stVerticalBlock"]');
  const fit = () => {
    const target = document.querySelector(".st-key-" + CSS.escape(data.key));
    if (!target || !column || !target.firstElementChild) return;
    const scale = Math.min(1, column.getBoundingClientRect().width / data.size);
    const inner = target.firstElementChild;
    inner.style.transformOrigin = "top left";
    inner.style.transform = scale < 1 ? `scale(${scale})` : "";
    inner.style.width = `${data.size}px`;
    target.style.width = `${Math.floor(data.size * scale)}px`;
    target.style.height = `${Math.floor(data.size * scale)}px`;
    target.style.outline = "2px solid #8a8a8a";  // the black canvas's edge, on a light or a dark page
  };
  const resized = new ResizeObserver(fit);
  if (column) resized.observe(column);
  // The canvas mounts after this script, or again after Clear: fit a new one. Other changes in the
  // column (the live answer, many times a second) are not looked at: fit reads the layout.
  let fitted = null;
  const changed = new MutationObserver(() => {
    const target = document.querySelector(".st-key-" + CSS.escape(data.key));
    if (!target || target.firstElementChild === fitted) return;
    fitted = target.firstElementChild;
    fit();
  });
  if (column) changed.observe(column, { childList: true, subtree: true });
  fit();
  return () => { resized.disconnect(); changed.disconnect(); };
}
"""

FOLD_SIDEBAR_JS = """
export default function(component) {
  const { narrow, streamlit_folds } = component.data;
  // Where Streamlit folds it itself (a phone), it is left alone: the visitor may have opened it already
  // (their first tap on the arrow must open it). Elsewhere, once a browser session.
  if (window.innerWidth <= streamlit_folds || window.innerWidth >= narrow) return;
  if (sessionStorage.getItem("digitlab-sidebar-folded")) return;
  const fold = () => {
    const sidebar = document.querySelector('[data-testid="stSidebar"]');
    if (!sidebar) return false;
    if (sidebar.getAttribute("data-collapsed") !== "true") {
      const button = document.querySelector('button[aria-label="Collapse sidebar"]');
      if (!button) return false;
      button.click();
    }
    sessionStorage.setItem("digitlab-sidebar-folded", "1");
    return true;
  };
  if (!fold()) {
    const timer = setInterval(() => { if (fold()) clearInterval(timer); }, 200);  // the sidebar renders later
    setTimeout(() => clearInterval(timer), 10000);
  }
}
"""


# Brings the element keyed `data.key` to the top of the screen, where it starts below its top quarter
# (with `data.hidden_only`, only where it starts off screen or near its bottom).
# The page may still be too short to scroll that far (the run has only begun), or move under it as it
# fills in (a new canvas): it looks again for a few seconds, unless the visitor scrolls or touches the page.
SCROLL_JS = """
export default function(component) {
  const { data } = component;
  let stopped = false;
  const stop = () => { stopped = true; };
  const kinds = ["wheel", "touchstart", "keydown"];
  kinds.forEach((kind) => window.addEventListener(kind, stop, { once: true, passive: true }));
  const bring = (tries) => {
    if (stopped || tries === 0) return;
    const target = document.querySelector(".st-key-" + CSS.escape(data.key));
    const top = target ? target.getBoundingClientRect().top : Infinity;
    const there = top <= window.innerHeight * (data.hidden_only ? 0.8 : 0.25) && top >= -1;  // its top in sight
    if (target && !there) target.scrollIntoView({ behavior: "smooth", block: "start" });
    setTimeout(() => bring(tries - 1), 300);  // still looking: the page may move under it as it fills in
  };
  bring(20);  // it goes on after the next rerun takes this component away: its listeners stay till then
}
"""


@st.cache_resource
def scrolling_component():
    return st.components.v2.component("digitlab_scroll_into_view", js=SCROLL_JS, isolate_styles=False)


def scroll_into_view(key: str, hidden_only: bool = False) -> None:
    """Scroll the element with widget key `key` to the top of the screen, unless it starts in its top
    quarter (with `hidden_only`: unless its top is on screen at all)."""
    data = {"key": key, "hidden_only": hidden_only}
    scrolling_component()(key=f"{key}-scroll-{time.monotonic_ns()}", data=data, height=0)


@st.cache_resource
def fitting_component():
    return st.components.v2.component("digitlab_fit_to_column", js=FIT_JS, isolate_styles=False)


@st.cache_resource
def folding_component():
    return st.components.v2.component("digitlab_fold_sidebar", js=FOLD_SIDEBAR_JS, isolate_styles=False)


def fit_to_column(key: str, size: int) -> None:
    """Scale the element with widget key `key`, `size` px wide, down to the width of this column."""
    fitting_component()(key=f"{key}-fit", data={"key": key, "size": size}, height=0)


def fold_sidebar_on_narrow_screens() -> None:
    """Fold the sidebar once per browser session on a screen narrower than NARROW_SCREEN (on a phone,
    Streamlit folds it itself)."""
    data = {"narrow": NARROW_SCREEN, "streamlit_folds": STREAMLIT_FOLDS}
    folding_component()(key="fold-sidebar", data=data, height=0)
