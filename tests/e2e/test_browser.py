"""The app in a real browser: draw with the mouse, train live, and every page renders."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot
from tests.e2e.server import STROKES, draw, shows, train_from_page


def wait_for_app(page) -> None:
    page.wait_for_selector("h1")
    page.wait_for_function("!document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000)


def test_drawing_digits_predicts_them(app_url, page):
    page.goto(f"{app_url}/draw")
    page.locator("canvas.upper-canvas").wait_for()
    expect(page.get_by_text("Draw a digit on the canvas")).to_be_visible()
    for digit, strokes in STROKES.items():
        draw(page, strokes)
        page.wait_for_function(shows(digit), timeout=30_000)
        screenshot(page, f"draw-{digit}")
        page.get_by_role("button", name="Clear", exact=True).click()
        page.wait_for_function(f"!({shows(digit)})", timeout=30_000)
        expect(page.locator("canvas.upper-canvas")).to_have_count(1, timeout=30_000)  # the old one gone
    screenshot(page, "draw-cleared")


def progress_value(page) -> float:
    bar = page.locator('[data-testid="stProgress"] [role="progressbar"]')
    return float(bar.get_attribute("aria-valuenow") or 0) if bar.count() else 0.0


def test_live_training_grows_the_chart_and_stops(app_url, page):
    page.goto(f"{app_url}/train")
    wait_for_app(page)
    train_from_page(page, "softmax", "live-run", epochs=100)  # long enough to watch, stopped below

    seen, charts, panels = set(), set(), set()
    deadline = time.time() + 90
    while time.time() < deadline and (len(seen) < 3 or len(charts) < 2 or len(panels) < 2):
        value = progress_value(page)
        if value > 0:
            seen.add(value)
            chart = page.locator(".st-key-training-chart")
            if chart.count():
                charts.add(chart.screenshot())
            panel = page.get_by_text("of these 20 test digits right")
            if panel.count():
                panels.add(panel.inner_text())
        time.sleep(0.5)
    assert len(seen) >= 3, f"the progress bar did not move: {seen}"
    assert len(charts) >= 2, "the loss chart did not change while training"
    assert len(panels) >= 2, f"the panel of digits did not change while training: {panels}"
    page.get_by_text("Watch it learn").scroll_into_view_if_needed()
    screenshot(page, "train-running")

    # Leave for another page and come back: the run went on, its charts are still there.
    before = max(seen)
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Draw", exact=True).click()
    page.locator("canvas.upper-canvas").wait_for()
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Train", exact=True).click()
    page.locator(".st-key-training-chart").wait_for()
    page.wait_for_function(
        f'Number(document.querySelector(\'[data-testid="stProgress"] [role="progressbar"]\')'
        f"?.getAttribute('aria-valuenow')) > {before}"
    )

    expect(page.get_by_text("Your training is running")).to_be_visible()  # the sidebar says so on every page
    page.get_by_role("button", name="Stop", exact=True).click()
    page.get_by_text("Saved as live-run").wait_for(timeout=60_000)
    expect(page.get_by_role("button", name="Stop", exact=True)).to_have_count(0)
    expect(page.get_by_text("stopped early")).to_be_visible()
    expect(page.get_by_text("Your training is")).to_have_count(0)  # the whole page, sidebar included, was redrawn
    assert max(seen) < 100
    screenshot(page, "train")

    # The saved model replays how it learned on the Models page: back to its first snapshot.
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Models", exact=True).click()
    page.get_by_text("How it learned").wait_for()
    wait_for_app(page)
    slider = page.get_by_role("slider", name="Snapshot")
    slider.focus()
    page.keyboard.press("Home")
    page.get_by_text("Before training:").wait_for(timeout=30_000)
    page.get_by_text("How it learned").scroll_into_view_if_needed()
    screenshot(page, "models-replay")


@pytest.mark.parametrize("name", ["home", "dataset", "mistakes", "models"])
def test_every_page_renders_without_error(app_url, page, name):
    page.goto(f"{app_url}/{'' if name == 'home' else name}")
    wait_for_app(page)
    page.wait_for_timeout(1500)  # charts and images finish drawing
    assert page.get_by_test_id("stException").count() == 0
    screenshot(page, name)


def selected(page, label: str) -> str:
    """The value shown by the selectbox labelled `label`."""
    return page.get_by_role("combobox", name=label).input_value()


def test_clicking_a_confusion_cell_filters_the_gallery(app_url, page):
    page.goto(f"{app_url}/mistakes")
    wait_for_app(page)
    chart = page.get_by_test_id("stVegaLiteChart").first
    assert selected(page, "True digit") == "any"
    for _ in range(5):  # the chart may still be laying out, or not yet listening: measure and try again
        wait_for_app(page)
        box = chart.bounding_box()
        # The cell true 9, predicted 4 (5 digits with the shipped model).
        page.mouse.click(box["x"] + box["width"] * 0.50, box["y"] + box["height"] * 0.79)
        try:
            page.wait_for_function(
                "document.querySelector('input[aria-label=\"True digit\"]').value !== 'any'", timeout=10_000
            )
            break
        except PlaywrightTimeout:
            continue
    wait_for_app(page)
    true, predicted = selected(page, "True digit").strip(), selected(page, "Predicted digit").strip()
    assert (true, predicted) == ("9", "4")
    captions = page.locator("[data-testid='stImageCaption']").all_inner_texts()
    gallery = [c for c in captions if "→" in c]
    assert gallery and all(": 9→4 " in c for c in gallery), gallery
    screenshot(page, "mistakes-filtered")
