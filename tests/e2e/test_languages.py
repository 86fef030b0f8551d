"""The app in the visitor's language: from the browser, from the link, from the picker; readable in each."""

from __future__ import annotations

from pathlib import Path

import pytest

from digitlab import language
from tests.e2e.conftest import RENDERED, screenshot
from tests.e2e.server import STROKES, draw, shows
from tests.e2e.test_accessibility import violations
from ui.pages import PAGES

IDLE = "!document.querySelector('[data-testid=\"stStatusWidget\"]')"


def said(code: str, message: str) -> str:
    """`message` as the app says it in language `code`."""
    before = language.current()
    language.use(code)
    try:
        return language._(message)
    finally:
        language.use(before)


def open_page(page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("h1")
    page.wait_for_function(RENDERED, timeout=120_000)


def test_the_page_speaks_the_browsers_language_and_the_picker_keeps_its_choice_in_the_link(app_url, browser):
    context = browser.new_context(locale="de-DE", viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(120_000)
    try:
        open_page(page, f"{app_url}/draw")
        assert page.locator("h1").first.inner_text() == said("de", "Draw")
        assert page.evaluate("document.documentElement.lang") == "de"
        assert "lang=de" in page.url
        page.get_by_role("combobox", name=said("de", "Language")).click()  # the sidebar's picker
        page.get_by_role("option", name="Español").click()
        page.wait_for_function("() => location.search.includes('lang=es')")
        page.get_by_role("heading", name=said("es", "Draw")).first.wait_for()
        page.get_by_role("link", name=said("es", "Train"), exact=True).click()  # another page keeps it
        page.get_by_role("heading", name=said("es", "Train")).first.wait_for()
        assert "lang=es" in page.url
        page.get_by_role("button", name=said("es", "Train"), exact=True).wait_for()
        screenshot(page, "train-es")
    finally:
        context.close()


def test_a_link_with_a_language_opens_in_it_and_the_live_answer_speaks_it(app_url, page):
    open_page(page, f"{app_url}/draw?lang=zh")
    assert page.locator("h1").first.inner_text() == said("zh", "Draw")
    assert page.evaluate("document.documentElement.lang") == "zh-Hans"
    page.locator("canvas.upper-canvas").wait_for()
    page.wait_for_function(IDLE)
    draw(page, STROKES["7"])
    page.wait_for_function(shows("7"), timeout=120_000)
    answer = page.get_by_test_id("live-answer").inner_text()
    assert answer.startswith("7") and any("\u4e00" <= c <= "\u9fff" for c in answer), answer  # in Chinese
    screenshot(page, "draw-7-zh")


@pytest.mark.parametrize("code", ["zh"])  # the other script; bench/languages.py checks every language
def test_every_page_in_another_script_has_no_serious_accessibility_violation(app_url, page, code):
    problems = {}
    for info in PAGES:
        name = Path(info.file).stem
        open_page(page, f"{app_url}/{'' if name == 'home' else name}?lang={code}")
        if found := violations(page):
            problems[name] = found
    assert not problems, problems
