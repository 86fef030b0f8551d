"""The exploring views in a real browser: the map's tooltips, turning a drawing, taking a model home."""

from __future__ import annotations

import re
import zipfile

import keras
import numpy as np
import pytest

from tests.e2e.conftest import screenshot
from tests.e2e.server import STROKES, draw, shows
from tests.e2e.test_browser import wait_for_app

TOOLTIP = "#vg-tooltip-element.visible"


def test_hovering_the_map_shows_a_digit_and_clicking_shows_it_large(app_url, page):
    page.goto(f"{app_url}/map")
    wait_for_app(page)
    chart = page.get_by_test_id("stVegaLiteChart").first
    chart.locator(".marks").wait_for()
    box = chart.bounding_box()
    found = None
    for fy in np.linspace(0.2, 0.8, 13):  # sweep the plot until the pointer rests on a digit
        for fx in np.linspace(0.15, 0.7, 12):
            x, y = box["x"] + box["width"] * fx, box["y"] + box["height"] * fy
            page.mouse.move(x, y)
            try:
                page.wait_for_selector(TOOLTIP, timeout=400)
            except Exception:
                continue
            found = (x, y)
            break
        if found:
            break
    assert found, "no tooltip appeared anywhere on the map"
    tooltip = page.locator(TOOLTIP)
    assert "true" in tooltip.inner_text() and "predicted" in tooltip.inner_text()
    assert tooltip.locator("img").get_attribute("src").startswith("data:image/png")
    screenshot(page, "map-tooltip")
    page.mouse.click(*found)
    page.get_by_text("Test digit #").wait_for(timeout=30_000)
    wait_for_app(page)
    assert page.get_by_test_id("stException").count() == 0
    screenshot(page, "map")


@pytest.mark.xfail(
    strict=False,
    reason="open bug, seen before 2026-12-07 too (about 1 run in 3, alone or busy): after one change of the "
    "Rotate slider, every slider of the view shows its minimum while the server reads the change as none",
)
def test_turning_the_drawing_changes_the_prediction(app_url, page):
    page.goto(f"{app_url}/draw")
    page.locator("canvas.upper-canvas").wait_for()
    draw(page, STROKES["7"])
    page.wait_for_function(shows("7"), timeout=30_000)
    page.get_by_text("Change it: rotate, shift, scale, thicken").click()
    thumb = page.get_by_role("slider").first  # Rotate
    thumb.wait_for()
    page.get_by_text(
        "Move a slider: the model's answer to the changed drawing shows here."
    ).wait_for()  # it has the drawing
    wait_for_app(page)
    thumb.focus()
    page.keyboard.press("Home")  # to -45 degrees in one change (one rerun): the 7 on its back
    turned = "(() => { const m = document.body.innerText.match(/Changed this way, the model reads a (\\d)/);"
    page.wait_for_function(turned + " return m && m[1] !== '7'; })()", timeout=60_000)
    wait_for_app(page)
    assert page.get_by_test_id("stSliderThumbValue").first.inner_text().strip() == "-45"
    screenshot(page, "draw-turned")


def test_a_model_downloads_and_loads_in_safe_mode(app_url, page, tmp_path):
    page.goto(f"{app_url}/models")
    wait_for_app(page)
    button = page.get_by_role("button", name=re.compile(r"^Download .+\.zip$"))  # the first model listed
    name = button.inner_text().strip().removeprefix("Download ").removesuffix(".zip")
    with page.expect_download() as download:
        button.click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.name == f"{name}.zip"
    zipfile.ZipFile(path).extractall(tmp_path)
    model = keras.saving.load_model(tmp_path / name / "model.keras", safe_mode=True)
    assert model.output_shape == (None, 10)
    assert (tmp_path / name / "meta.json").is_file()
