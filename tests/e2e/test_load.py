"""Eight browser sessions on one server at once: one trains, five draw, two browse. No errors."""

from __future__ import annotations

import numpy as np
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.e2e.conftest import ARTIFACTS
from tests.e2e.server import STROKES, WATCH_METRIC, draw, prediction_latency, shows, train_from_page


def no_errors(page) -> bool:
    return page.get_by_test_id("stException").count() == 0 and page.get_by_text("Training failed").count() == 0


def test_eight_sessions_train_draw_and_browse(app_url, browser):
    contexts = [browser.new_context(viewport={"width": 1400, "height": 1000}) for _ in range(8)]
    trainer, *drawers = [c.new_page() for c in contexts[:6]]
    browsers = [c.new_page() for c in contexts[6:]]
    for p in [trainer, *drawers, *browsers]:
        p.set_default_timeout(180_000)

    trainer.goto(f"{app_url}/train")
    train_from_page(trainer, "softmax", "under-load", epochs=100)  # trains through the drawing rounds; stopped below
    for p in drawers:
        p.goto(f"{app_url}/draw")
        p.locator("canvas.upper-canvas").wait_for()
    for p, where in zip(browsers, ["dataset", "mistakes"]):
        p.goto(f"{app_url}/{where}")

    latencies = []
    for round_ in range(3):
        digit = list(STROKES)[round_ % len(STROKES)]
        for p in drawers:  # draw on every page before waiting on any: the sessions overlap
            p.evaluate(WATCH_METRIC)
            draw(p, STROKES[digit])
        for p in drawers:
            latencies.append(prediction_latency(p, digit))
            p.get_by_role("button", name="Clear", exact=True).click()
            p.wait_for_function(f"!({shows(digit)})", timeout=30_000)
        for p, where in zip(browsers, ["mistakes", "dataset"] if round_ % 2 == 0 else ["dataset", "mistakes"]):
            p.goto(f"{app_url}/{where}")
            p.wait_for_selector("h1")

    try:
        trainer.get_by_role("button", name="Stop", exact=True).click(timeout=5_000)
    except PlaywrightTimeout:  # the run already ended: a fast machine, or slow drawing rounds
        pass
    trainer.get_by_text("Saved as under-load").wait_for()
    assert all(no_errors(p) for p in [trainer, *drawers, *browsers])
    p50, p99 = np.percentile(latencies, [50, 99])
    report = (
        "stroke end to the answer shown, 5 drawing sessions + 1 training + 2 browsing: "
        f"p50 {p50:.0f} ms, p99 {p99:.0f} ms (n={len(latencies)})"
    )
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "load.txt").write_text(report + "\n")
    print(report)
    # Every drawing above got the right digit (wait_for_function) within the 180 s timeout. The
    # figures are recorded, not bounded: 8 Chromium tabs share the 2 cores with the server here.
    for c in contexts:
        c.close()
