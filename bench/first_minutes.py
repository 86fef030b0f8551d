"""A learner's first minutes, measured as they happen: the real server, headless Chromium.

    python bench/first_minutes.py [--wait 60]

Starts `streamlit run` (embedded Dask cluster) with an empty DigitLab home, then, in one browser tab:
  - the server's start: seconds from `streamlit run` to its health check answering (it imports
    the core before it takes visitors);
  - the first page: seconds from then to Home fully drawn, in a browser already open;
  - a fresh press of Train (the default `fast`, 2 epochs, on a server started --wait seconds
    before): seconds to the first state shown on the page, and to the first loss point drawn;
    while it runs, the progress line's time left against the time the training really took,
    at 20%, 50% and 80% of its steps;
  - a warm press (the same again, READING seconds after the first was saved): first state and
    first loss point;
  - Stop, during the warm run: seconds until the page confirms the model was saved;
  - the time left as the training itself estimates it (its progress events, in this process, the
    server stopped; the worst of three runs), against when its last epoch really ended. The page
    shows the same estimate less the time it took to arrive, to a tenth of a second under 10 s; it
    redraws a few times a second, which near the end of a 7-s run is itself a share of what is left.
Then, on a phone (360x740, touch; the same server):
  - the sidebar's arrow tapped as soon as it shows: is the sidebar open 3 s later (1 or 0)?
  - where the Train button stands when the page opens, in screens from the top;
  - a press of Train: seconds until the run's progress is in the top quarter of the screen;
  - a second press, once the first run is saved: seconds until the first run's "Saved as" is gone.
Targets (issue 21): first page <= 3 s; a state <= 1 s; first point <= 6 s fresh, <= 3 s warm;
Stop confirmed <= 3 s; time left within 25% from 20% of the run on. Issue 38: the first tap opens
the sidebar, the run in view and the last run cleared within a second or two.
"""

from __future__ import annotations

import argparse
import re
import tempfile
import time
from pathlib import Path

import common  # noqa: F401 - first: puts the project on the import path
from playwright.sync_api import sync_playwright

from tests.e2e.conftest import RENDERED
from tests.e2e.server import CHROMIUM, CHROMIUM_ARGS, start_app, stop_app

# The new run's header and its first state, in elements of the page's latest draw (not the faded ones of
# the last, kept until replaced), looked for every 50 ms.
STATE_SHOWN = """name => {
  const texts = [...document.querySelectorAll('[data-testid="stElementContainer"]:not([data-stale="true"])')]
    .map(element => element.innerText);
  return texts.some(text => text.includes(`Run: ${name} `))
    && texts.some(text => /Starting\\.\\.\\.|Queued|Epoch \\d+ of/.test(text));
}"""
PROGRESS = '[data-testid="stProgress"]'
CHART_DRAWN = "document.querySelector('.st-key-training-chart .marks') !== null"  # the training's chart
STEP = re.compile(r"batch ([\d,]+) of ([\d,]+)")
LEFT = re.compile(r"about ([\d.]+) s left")
READING = 10  # seconds a learner looks at the saved model before pressing Train again
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
IDLE = "!document.querySelector('[data-testid=\"stStatusWidget\"]')"
RUN_IN_VIEW = """() => {
  const area = document.querySelector('.st-key-run-area');
  const top = area && area.getBoundingClientRect().top;
  return area !== null && area.innerText.includes('Run: ') && top >= -1 && top <= window.innerHeight * 0.25;
}"""


def press_train(page, name: str) -> tuple[float, float]:
    """Press Train on the default settings; return seconds to the first state and to the first loss point."""
    page.get_by_label("Model name", exact=True).fill(name)
    pressed = time.monotonic()
    page.get_by_role("button", name="Train", exact=True).click()
    page.wait_for_function(STATE_SHOWN, arg=name, timeout=120_000, polling=50)
    state = time.monotonic() - pressed
    page.wait_for_function(CHART_DRAWN, timeout=120_000, polling=100)
    return state, time.monotonic() - pressed


def follow(page, until: float = 1.0) -> list[tuple[float, int, int, float | None, str]]:
    """Sample the progress line every 0.2 s until the run is saved (or `until` of its steps)."""
    samples = []
    while not page.get_by_text("Saved as").count():
        text = page.locator(PROGRESS).first.inner_text() if page.locator(PROGRESS).count() else ""
        step = STEP.search(text)
        if step:
            done, total = (int(g.replace(",", "")) for g in step.groups())
            left = LEFT.search(text)
            samples.append((time.monotonic(), done, total, float(left.group(1)) if left else None, text))
            if done >= until * total:
                break
        time.sleep(0.2)
    return samples


def time_left_errors(samples) -> dict[float, float]:
    """|said - true| / true at 20%, 50% and 80% of the steps; the truth ends at the last epoch's end."""
    end = next((t for t, *_, text in samples if "testing on" in text), samples[-1][0])
    errors = {}
    for fraction in (0.2, 0.5, 0.8):
        t, done, total, left, _ = min(
            (s for s in samples if s[3] is not None), key=lambda s: abs(s[1] / s[2] - fraction)
        )
        errors[fraction] = abs(left - (end - t)) / max(end - t, 1e-9)
    return errors


def core_time_left_errors(rounds: int = 3) -> dict[float, float]:
    """The same, from the training's own events: `fast` at its defaults, in this process, the worst of
    `rounds` runs (a new model first, then ready ones, as a worker trains them)."""
    from digitlab.learn.data import load_mnist
    from digitlab.learn.train import TrainConfig, train_model
    from digitlab.serve import pool

    data = load_mnist()
    errors = dict.fromkeys((0.2, 0.5, 0.8), 0.0)
    config = TrainConfig.for_architecture("fast")
    for round_ in range(rounds):
        model = None
        if round_:
            pool.prepare_ready_model(data)
            model = pool.take_ready_model(config, data).model
        events = []
        train_model(config, data, listener=events.append, model=model)
        end = events[-1].elapsed  # the last epoch's end
        estimates = [e for e in events if e.kind == "batch" and e.seconds_left is not None]
        for fraction in errors:
            event = min(estimates, key=lambda e: abs(e.step / e.total_steps - fraction))
            error = abs(event.seconds_left - (end - event.elapsed)) / (end - event.elapsed)
            errors[fraction] = max(errors[fraction], error)
    return errors


def phone_checks(browser, url: str) -> dict[str, float]:
    """The phone's first tap on the sidebar, the Train button's place, the run in view, the last run cleared."""
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.set_default_timeout(120_000)
    try:
        page.goto(url)
        page.get_by_test_id("stExpandSidebarButton").tap()  # as soon as it shows
        page.wait_for_function(IDLE)
        page.wait_for_timeout(3000)
        opened = page.get_by_test_id("stSidebar").get_attribute("data-collapsed") == "false"
        context.close()

        context = browser.new_context(**PHONE)  # a new visitor: the sidebar folded again
        page = context.new_page()
        page.set_default_timeout(120_000)
        page.goto(f"{url}/train")
        button = page.get_by_role("button", name="Train", exact=True)
        button.wait_for()
        page.wait_for_function(IDLE)
        screens = (button.bounding_box()["y"] + page.evaluate("window.scrollY")) / PHONE["viewport"]["height"]
        page.get_by_label("Model name", exact=True).fill("phone-first")
        pressed = time.monotonic()
        button.tap()
        page.wait_for_function(RUN_IN_VIEW, polling=50)
        in_view = time.monotonic() - pressed
        page.get_by_text("Saved as phone-first").wait_for(timeout=300_000)
        page.get_by_label("Model name", exact=True).fill("phone-second")
        pressed = time.monotonic()
        page.get_by_role("button", name="Train", exact=True).tap()
        page.get_by_text("Saved as phone-first").wait_for(state="detached", timeout=60_000)
        cleared = time.monotonic() - pressed
        page.get_by_role("button", name="Stop", exact=True).tap()
        return {"opens": float(opened), "screens": screens, "in_view": in_view, "cleared": cleared}
    finally:
        context.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--wait", type=float, default=60, help="seconds from the server's start to the first press")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="digitlab-first-"))
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)  # a learner's, open
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(120_000)
        launched = time.monotonic()
        server, url = start_app(home, home / "streamlit.log")
        started = time.monotonic()
        server_start = started - launched
        try:
            page.goto(url)
            page.wait_for_selector("h1")
            page.wait_for_function(RENDERED, timeout=120_000)
            first_page = time.monotonic() - started

            page.goto(f"{url}/train")
            page.get_by_label("Model name", exact=True).wait_for()
            time.sleep(max(0.0, args.wait - (time.monotonic() - started)))
            fresh_state, fresh_point = press_train(page, "fresh")
            errors = time_left_errors(follow(page))
            page.get_by_text("Saved as").wait_for(timeout=300_000)
            time.sleep(READING)

            warm_state, warm_point = press_train(page, "warm")
            follow(page, until=0.3)
            stop_pressed = time.monotonic()
            page.get_by_role("button", name="Stop", exact=True).click()
            page.get_by_text("Saved as").wait_for(timeout=120_000)
            stop_confirmed = time.monotonic() - stop_pressed
            on_phone = phone_checks(browser, url)
        finally:
            stop_app(server)
            browser.close()
    core_errors = core_time_left_errors()

    rows = [
        ("`streamlit run` to the server answering", server_start, "(imports the core first)"),
        ("first page drawn after the server answers", first_page, "<= 3 s"),
        (f"fresh press ({args.wait:.0f} s after start): first state", fresh_state, "<= 1 s"),
        ("fresh press: first loss point", fresh_point, "<= 6 s"),
        ("warm press: first state", warm_state, "<= 1 s"),
        ("warm press: first loss point", warm_point, "<= 3 s"),
        ("Stop to saved, confirmed on the page", stop_confirmed, "<= 3 s"),
        ("phone: Train pressed to the run in view", on_phone["in_view"], "<= 2 s"),
        ("phone: second press to the last run cleared", on_phone["cleared"], "<= 2 s"),
    ]
    for what, seconds, target in rows:
        print(f"{what:<55} {seconds:6.2f} s   {'target ' if '<=' in target else ''}{target}")
    for fraction, error in core_errors.items():
        on_page = errors[fraction]
        print(
            f"time left at {fraction:.0%} of the run: off by {error:.0%} at worst in 3 runs "
            f"(page: {on_page:.0%}), target <= 25%"
        )
    print(
        f"first_minutes first_page_s={first_page:.2f} train_first_point_fresh_s={fresh_point:.2f} "
        f"train_first_point_warm_s={warm_point:.2f} stop_confirmed_s={stop_confirmed:.2f} "
        f"eta_error_max={max(core_errors.values()):.3f} sidebar_first_tap_opens={on_phone['opens']:.0f} "
        f"train_button_screens={on_phone['screens']:.2f} train_progress_in_view_s={on_phone['in_view']:.2f} "
        f"second_run_cleared_s={on_phone['cleared']:.2f}"
    )


if __name__ == "__main__":
    main()
