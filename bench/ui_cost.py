"""Server-side cost of the UI: training-chart redraw, Dataset grid, each page's warm render.

    python bench/ui_cost.py

- chart redraw: what the Train page's fragment does each second with a 2,000-event history
  (rows, two Vega-Lite specs, and Streamlit marshalling them), median of 50. Target <= 5 ms.
- Dataset grid: compose 100 digits into one image and marshal it as PNG, median of 50. Target <= 50 ms.
- first render of each page once the app is warm (AppTest, after one run has filled the caches).
  Target <= 1 s. AppTest adds its own setup to each run (an empty page is printed for scale).
- the Models page of a visitor with one drawing in a class of 200 workspaces with a model each and
  500 drawings given to the class: server CPU seconds of its first view (the models' answers on
  the drawings handed to a worker: digitlab/serve/answers.py) and of a later one, once the worker
  has written them (target <= 1 s each); then every page's later view in that class (<= 1 s each).
- the Map page: its first render for a model (5,000 digits embedded, PCA, their pictures; the
  model and MNIST already loaded) and a later redraw, on the server (AppTest) and in headless
  Chromium (page opened to the map drawn; a click on a point to its detail shown). Targets: first
  render <= 5 s, redraw <= 300 ms.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT  # first: puts the project on the import path

os.environ.setdefault("DIGITLAB_HOME", tempfile.mkdtemp())

import numpy as np
import streamlit as st
from streamlit.testing.v1 import AppTest

import ui.pages
from digitlab.learn.data import load_mnist
from digitlab.learn.plots import history_rows, image_grid, training_spec
from digitlab.learn.train import ProgressEvent

PAGES = [Path(p.file).stem for p in ui.pages.PAGES if "drawings" not in p.file]  # My drawings is empty here


def median_ms(function, repeats: int = 50) -> float:
    function()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def fake_history(n: int, steps_per_epoch: int = 430) -> list[ProgressEvent]:
    rng = np.random.default_rng(0)
    events = []
    for i in range(1, n + 1):
        step = i * 2
        epoch_end = step % steps_per_epoch == 0
        events.append(
            ProgressEvent(
                kind="epoch" if epoch_end else "batch",
                epoch=step // steps_per_epoch + 1,
                step=step,
                total_steps=2 * n,
                loss=float(rng.random()),
                accuracy=float(rng.random()),
                examples_per_second=5000.0,
                elapsed=i * 0.1,
                val_loss=0.1 if epoch_end else None,
                val_accuracy=0.9 if epoch_end else None,
            )
        )
    return events


def chart_redraw(events) -> None:
    rows = history_rows(events, 430)
    st.vega_lite_chart(training_spec(rows))


def page_render_seconds(name: str) -> float:
    app = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=300)
    app.switch_page(f"app_pages/{name}.py")
    start = time.perf_counter()
    app.run()
    assert not app.exception, app.exception
    return time.perf_counter() - start


def map_server_seconds() -> tuple[float, float]:
    """The Map page's first render with an empty map cache, then the median of 5 warm reruns."""
    app = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=300)
    app.switch_page("app_pages/map.py")
    sys.modules["ui.caches"].cached_map.clear()
    start = time.perf_counter()
    app.run()
    first = time.perf_counter() - start
    assert not app.exception, app.exception
    reruns = []
    for _ in range(5):
        start = time.perf_counter()
        app.run()
        reruns.append(time.perf_counter() - start)
    return first, statistics.median(reruns)


def map_browser_seconds() -> tuple[float, float]:
    """In Chromium: open the Map page on a fresh server until the map is drawn; click a point until its detail shows."""
    from playwright.sync_api import sync_playwright

    from tests.e2e.server import CHROMIUM, CHROMIUM_ARGS, start_app, stop_app

    server, url = start_app(Path(tempfile.mkdtemp()), Path(tempfile.mkdtemp()) / "streamlit.log")
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_context(viewport={"width": 1400, "height": 1200}).new_page()
            page.set_default_timeout(120_000)
            page.goto(f"{url}/mistakes")  # the server loads MNIST and the model first, as any visit would
            page.get_by_text("Mistakes per digit").wait_for()
            start = time.perf_counter()
            page.goto(f"{url}/map")
            page.get_by_text("Click a point to see it large").wait_for()
            page.get_by_test_id("stVegaLiteChart").first.locator(".marks").wait_for()
            first = time.perf_counter() - start
            box = page.get_by_test_id("stVegaLiteChart").first.bounding_box()
            redraws = []
            for fx in (0.3, 0.4, 0.5, 0.6, 0.35, 0.45, 0.55):
                page.mouse.move(box["x"] + box["width"] * fx, box["y"] + box["height"] * 0.5)
                try:
                    page.wait_for_selector("#vg-tooltip-element.visible", timeout=500)  # on a point
                except Exception:
                    continue
                start = time.perf_counter()
                page.mouse.click(box["x"] + box["width"] * fx, box["y"] + box["height"] * 0.5)
                page.get_by_text("Test digit #").wait_for()
                redraws.append(time.perf_counter() - start)
                page.keyboard.press("Escape")
                page.mouse.dblclick(box["x"] + 5, box["y"] + 5)  # empty corner: clears the selection
                page.get_by_text("Click a point to see it large").wait_for()
            browser.close()
    finally:
        stop_app(server)
    return first, statistics.median(redraws) if redraws else float("nan")


def class_pages(models: int = 200, class_drawings: int = 500) -> tuple[float, float, float, dict[str, float]]:
    """Server CPU seconds of the Models page for a visitor with one drawing, in a class of `models`
    workspaces holding a model each and `class_drawings` drawings given to the class: the first view
    (the answers on the drawings handed to a worker, answers.py), the seconds until the worker has
    written them, a later view (the table from the answers kept); then a later view of every page."""
    from digitlab.learn.architectures import build_model
    from digitlab.serve import answers, class_set, classroom, store, workspaces
    from digitlab.serve.drawings import list_drawings, save_drawing

    home = tempfile.mkdtemp(prefix="digitlab-class-")
    settings = dict(DIGITLAB_HOME=home, DIGITLAB_SHARED="1", DIGITLAB_NEW_WORKSPACES_PER_MINUTE="1000")
    saved = {k: os.environ.get(k) for k in settings}
    os.environ.update(settings)
    try:
        model = build_model("softmax")
        for i in range(models):
            owner = workspaces.from_token(workspaces.new_token())
            store.save_model(model, f"model-{i}", {"architecture": "softmax", "test_accuracy": 0.9}, owner)
        data = load_mnist()
        giver = workspaces.from_token(workspaces.new_token())
        for i in range(class_drawings):
            save_drawing(data.x_test[i], int(data.y_test[i]), data.x_test[i], giver)
        for drawing in list_drawings(giver):
            class_set.give_drawing(drawing.id, giver)
        token = workspaces.new_token()
        save_drawing(data.x_test[0], 7, data.x_test[0], workspaces.from_token(token))
        app = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=600)
        app.query_params["ws"] = token

        def cpu_seconds(page: str) -> float:
            app.switch_page(f"app_pages/{page}.py")
            start = time.process_time()
            app.run()
            assert not app.exception, app.exception
            return time.process_time() - start

        def unanswered() -> int:
            entries = [row.model for row in classroom.leaderboard()]
            mine = list_drawings(workspaces.from_token(token))
            return len(answers.scores(entries, mine)[1] + answers.scores(entries, class_set.class_drawings())[1])

        from digitlab.serve.jobs import board_at
        from ui.jobs import scheduler_address

        board_at(scheduler_address())  # as a server starts its cluster before its first visitor
        first = cpu_seconds("models")
        start = time.perf_counter()
        while unanswered() and time.perf_counter() - start < 1800:
            time.sleep(1)
        answered_after = time.perf_counter() - start
        later = statistics.median(cpu_seconds("models") for _ in range(3))
        for name in PAGES + ["drawings"]:
            cpu_seconds(name)  # the caches a visitor's first view fills
        pages = {name: cpu_seconds(name) for name in PAGES + ["drawings"]}
        return first, answered_after, later, pages
    finally:
        for key, value in saved.items():
            os.environ.pop(key, None) if value is None else os.environ.__setitem__(key, value)


def main() -> None:
    data = load_mnist()
    events = fake_history(2000)
    print("| what | measured | target |")
    print("| --- | --- | --- |")
    print(
        f"| training charts redraw, 2,000-event history | {median_ms(lambda: chart_redraw(events)):.2f} ms | <= 5 ms |"
    )
    grid = median_ms(lambda: st.image(image_grid(data.x_train[:100], columns=10, scale=2), output_format="PNG"))
    print(f"| Dataset grid of 100 digits | {grid:.2f} ms | <= 50 ms |")
    for name in PAGES:
        page_render_seconds(name)  # cold: loads MNIST, the model, scores the test set
    empty = AppTest.from_string("import streamlit as st\nst.title('empty')")
    start = time.perf_counter()
    empty.run()
    print(f"| (AppTest's own cost: an empty page) | {(time.perf_counter() - start) * 1000:.0f} ms | |")
    for name in PAGES:
        print(f"| {name} page, warm render | {page_render_seconds(name) * 1000:.0f} ms | <= 1000 ms |")
    first, redraw = map_server_seconds()
    print(f"| Map page, first render for a model (server, AppTest) | {first:.2f} s | <= 5 s |")
    print(f"| Map page, redraw (server, AppTest) | {redraw * 1000:.0f} ms | <= 300 ms |")
    first, answered_after, later, pages = class_pages()
    print(f"| Models page, class of 200 models and 500 drawings, first view: server CPU | {first:.2f} s | <= 1 s |")
    print(f"| the answers on the drawings written by a worker, after | {answered_after:.0f} s | |")
    print(f"| the same page, a later view: server CPU | {later:.2f} s | <= 1 s |")
    for name, seconds in pages.items():
        print(f"| {name} page in that class, a later view: server CPU | {seconds:.2f} s | <= 1 s |")
    first, redraw = map_browser_seconds()
    print(f"| Map page, opened until the map is drawn (Chromium) | {first:.2f} s | <= 5 s |")
    print(f"| Map page, click on a point until its detail shows (Chromium) | {redraw * 1000:.0f} ms | <= 300 ms |")


if __name__ == "__main__":
    main()
