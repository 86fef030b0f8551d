"""Accessibility: axe-core finds no critical or serious violation on any page, and a keyboard trains."""

from __future__ import annotations

from pathlib import Path

from axe_playwright_python.sync_playwright import Axe

from tests.e2e.conftest import RENDERED
from tests.e2e.server import STROKES, draw
from ui.pages import PAGES

SERIOUS = ("critical", "serious")


def violations(page) -> list[str]:
    """axe-core's critical and serious findings that last: one seen while the page was still settling
    (a busy machine draws it in steps) is looked at again once the page has rendered."""
    found = axe_findings(page)
    if found:
        page.wait_for_timeout(2000)
        page.wait_for_function(RENDERED, timeout=120_000)
        found = [finding for finding in axe_findings(page) if finding in found]
    return found


def axe_findings(page) -> list[str]:
    found = Axe().run(page).response["violations"]
    return [f"{v['id']} ({v['impact']}): {v['nodes'][0]['target']}" for v in found if v["impact"] in SERIOUS]


def test_no_page_has_a_serious_accessibility_violation(app_url, page):
    problems = {}
    for info in PAGES:
        name = Path(info.file).stem
        page.goto(f"{app_url}/{'' if name == 'home' else name}")
        page.wait_for_selector("h1")
        page.wait_for_function(RENDERED, timeout=120_000)
        if name == "draw":  # with a drawing: the answer, its pictures and charts
            page.locator("canvas.upper-canvas").wait_for()
            draw(page, STROKES["7"])
            page.get_by_text("Wrong? Teach it").wait_for()
            page.wait_for_function(RENDERED, timeout=120_000)
        if found := violations(page):
            problems[name] = found
    assert not problems, problems


def test_a_keyboard_alone_starts_a_training(app_url, page):
    page.goto(f"{app_url}/train")
    page.get_by_label("Epochs", exact=True).fill("1")
    page.get_by_label("Training images (0 = all 55,000)", exact=True).fill("2000")
    page.get_by_label("Model name", exact=True).fill("keyboard")
    page.get_by_label("Model name", exact=True).focus()
    for _ in range(20):  # Tab through the form to its Train button
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.innerText?.trim()") == "Train":
            break
    else:
        raise AssertionError("Tab never reached the Train button")
    page.keyboard.press("Enter")
    page.get_by_text("Saved as").wait_for(timeout=300_000)
    assert "keyboard" in page.get_by_test_id("stAlertContentSuccess").inner_text()
