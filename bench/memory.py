"""Peak memory of the app server while one session trains and another draws.

    python bench/memory.py

Starts `streamlit run` with an empty DigitLab home, opens two headless Chromium sessions: one
trains the default `fast` model on all 55,000 images (2 epochs), the other draws digits on the
canvas again and again, until training ends. Samples the server's RSS (with its children)
every 0.2 s and prints the peak. Target: <= 1.5 GB.
"""

from __future__ import annotations

import tempfile
import threading
import time
from pathlib import Path

import common  # noqa: F401 - first: puts the project on the import path
import psutil
from playwright.sync_api import sync_playwright

from tests.e2e.server import CHROMIUM, CHROMIUM_ARGS, STROKES, draw, start_app, stop_app


def rss(process: psutil.Process) -> int:
    processes = [process, *process.children(recursive=True)]
    return sum(p.memory_info().rss for p in processes if p.is_running())


def main() -> None:
    work = Path(tempfile.mkdtemp())
    server, url = start_app(work / "home", work / "streamlit.log")
    process, peak, samples, done = psutil.Process(server.pid), [0], [], threading.Event()

    def sample() -> None:
        while not done.is_set():
            value = rss(process)
            samples.append(value)
            peak[0] = max(peak[0], value)
            time.sleep(0.2)

    sampler = threading.Thread(target=sample)
    sampler.start()
    strokes_drawn = 0
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            trainer, drawer = browser.new_page(), browser.new_page()
            trainer.set_default_timeout(300_000)
            trainer.goto(f"{url}/train")
            trainer.get_by_label("Architecture", exact=True).wait_for()
            trainer.get_by_role("combobox", name="Architecture").click()
            trainer.get_by_role("option", name="A quick convnet (fast, the default)").click()
            drawer.goto(f"{url}/draw")
            drawer.locator("canvas.upper-canvas").wait_for(timeout=120_000)
            idle = rss(process)
            trainer.get_by_role("button", name="Train", exact=True).click()
            while not trainer.get_by_text("Saved as").is_visible():
                for strokes in STROKES.values():
                    draw(drawer, strokes)
                    drawer.get_by_test_id("stMetricValue").wait_for(timeout=60_000)
                    drawer.get_by_role("button", name="Clear", exact=True).click()
                    strokes_drawn += 1
            browser.close()
    finally:
        done.set()
        sampler.join()
        stop_app(server)
    print("| measure | value |")
    print("| --- | --- |")
    print(f"| server RSS with both pages open, before training | {idle / 2**20:.0f} MiB |")
    print(f"| peak server RSS while training `fast` and drawing | {peak[0] / 2**20:.0f} MiB |")
    print(f"| digits drawn and predicted meanwhile | {strokes_drawn} |")


if __name__ == "__main__":
    main()
