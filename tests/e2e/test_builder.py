"""The Build page in a real browser: build a network from a preset, see it refused in words, train it."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import screenshot
from tests.e2e.test_browser import wait_for_app


def choose(page, label: str, option: str | re.Pattern) -> None:
    page.get_by_role("combobox", name=label).click()
    page.get_by_role("option", name=option).click()
    wait_for_app(page)


def test_building_a_network_and_training_it(app_url, page):
    page.goto(f"{app_url}/build")
    wait_for_app(page)
    choose(page, "Start from", re.compile(r"\(softmax\)"))
    page.get_by_role("button", name="Start from this network").click()
    wait_for_app(page)
    table = page.get_by_test_id("stDataFrame")
    expect(page.get_by_text("In all: 7,850 numbers to learn")).to_be_visible()

    # A hidden layer of 32 neurons after the flatten.
    choose(page, "Add a layer", "Dense")
    choose(page, "Where", "after 1. Flatten")
    page.get_by_role("button", name="Add", exact=True).click()
    wait_for_app(page)
    neurons = page.get_by_label("Neurons", exact=True)
    neurons.fill("32")
    neurons.press("Enter")
    expect(page.get_by_text(f"In all: {784 * 32 + 32 + 32 * 10 + 10:,} numbers to learn")).to_be_visible()

    # A pooling after the flatten cannot work: the page says why, and nothing can be trained.
    choose(page, "Add a layer", "Max pooling")
    page.get_by_role("button", name="Add", exact=True).click()
    wait_for_app(page)
    said = page.get_by_text("comes after the picture was flattened: move it up")
    expect(said).to_have_count(2)  # at the layer, and where the table was
    expect(said.first).to_be_visible()
    expect(page.get_by_role("button", name="Train this network")).to_be_disabled()
    screenshot(page, "build-refused")
    page.get_by_role("button", name="Remove").nth(1).click()  # it went after the flatten, as "Where" still says
    wait_for_app(page)
    expect(table).to_be_visible()
    screenshot(page, "build")

    page.get_by_role("button", name="Train this network").click()
    page.get_by_label("Model name", exact=True).and_(page.locator("[value='my-network']")).wait_for()
    expect(page.get_by_role("combobox", name="Architecture")).to_have_value("Your own network, from the Build page")
    page.get_by_label("Epochs", exact=True).fill("1")
    page.get_by_label("Training images (0 = all 55,000)", exact=True).fill("3000")
    page.get_by_role("button", name="Train", exact=True).click()
    page.get_by_text("Run: my-network (your own network)").wait_for()
    page.get_by_text("Saved as my-network").wait_for(timeout=180_000)
    accuracy = re.search(r"test accuracy ([\d.]+)%", page.get_by_text("Saved as my-network").inner_text())
    assert float(accuracy.group(1)) > 70  # 3,000 digits, one pass: it learned
    # Saved and selectable: the sidebar's active model offers it.
    page.get_by_role("combobox", name="Active model").click()
    expect(page.get_by_role("option", name=re.compile("^my-network"))).to_be_visible()
