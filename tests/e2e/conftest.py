"""A real `streamlit run` server and headless Debian Chromium driven by Playwright."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.e2e.server import CHROMIUM, CHROMIUM_ARGS, ROOT, start_app, stop_app

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


@pytest.fixture(scope="session")
def app_url(tmp_path_factory):
    """The app on a free local port with an empty DigitLab home; stopped afterwards."""
    server, url = start_app(tmp_path_factory.mktemp("home"), tmp_path_factory.mktemp("log") / "streamlit.log")
    yield url
    stop_app(server)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed browser test reports what each of its open pages showed: CI's output is all it leaves."""
    report = yield
    browser = item.funcargs.get("browser")
    if report.failed and call.when == "call" and browser is not None:
        for number, page in enumerate(page for context in browser.contexts for page in context.pages):
            report.sections.append((f"page {number}: {page.url}", shown_text(page)))
    return report


def shown_text(page, limit: int = 3000) -> str:
    try:
        return page.locator("body").inner_text(timeout=5000)[:limit]
    except Exception as error:  # the page may be gone or hung: the report goes on without it
        return f"(its text could not be read: {error})"


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("chromium is missing: apt-get install chromium")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1500})
    page = context.new_page()
    page.set_default_timeout(60_000)
    yield page
    context.close()


# Every element has rendered: no run in progress, no loading placeholder, every image decoded,
# every chart drawn.
RENDERED = """() => !document.querySelector('[data-testid="stStatusWidget"], [data-testid="stSkeleton"]')
  && [...document.images].every(image => image.complete)
  && [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')].every(chart => chart.querySelector('.marks'))"""


def screenshot(page, name: str) -> Path:
    """Once the page has rendered, save a screenshot in tests/e2e/artifacts (and docs/ with DIGITLAB_UPDATE_DOCS=1)."""
    page.wait_for_function(RENDERED, timeout=60_000)
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=path)
    if os.environ.get("DIGITLAB_UPDATE_DOCS"):
        shutil.copy(path, ROOT / "docs" / f"{name}.png")
    return path
