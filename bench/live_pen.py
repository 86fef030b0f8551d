"""The answer on the device while the pen moves: the real server, headless Chromium, this machine.

    python bench/live_pen.py [--strokes 5] [--parity 500]

Starts `streamlit run` with an empty DigitLab home and measures, on the Draw page:
  - first answer, cold: seconds from opening the page in a new browser profile (nothing cached) to
    the model answering on the device (the runtime, its .wasm and the model's copy fetched and the
    copy checked); warm: the same after a reload (the browser's cache holds them);
  - move to answer: ms from a pointer event to the answer it caused on screen, over --strokes
    digits drawn with the mouse at a pointer's pace (a move every 16 ms) (p50, p90), and where the
    time went (waiting for the frame, reading, preprocessing, the model, drawing); the same with the
    CPU slowed 4x through CDP (`Emulation.setCPUThrottlingRate`), p90;
  - parity: --parity drawings (tests/parity_drawings.py) through the browser's preprocessing and
    ONNX Runtime Web and through Python's preprocessing and Keras: the same digit every time, and
    the largest difference in any probability;
  - websocket bytes the page sent per stroke, with every view folded;
  - offline: the server stopped (SIGSTOP) after load, --strokes more digits drawn: how many got answers.
Targets (issue 35): p50 <= 16 ms, p90 <= 33 ms, 4x slower p90 <= 50 ms, first answer <= 1.5 s warm
and <= 4 s cold, parity 100%, under 2,000 bytes a stroke, every offline stroke answered.
"""

from __future__ import annotations

import argparse
import os
import signal
import tempfile
import time
from pathlib import Path

import common  # noqa: F401 - first: puts the project on the import path
import numpy as np
from playwright.sync_api import sync_playwright

from digitlab.learn.preprocess import BlankImageError, preprocess
from digitlab.serve import store
from tests.e2e.conftest import RENDERED
from tests.e2e.server import CHROMIUM, CHROMIUM_ARGS, STROKES, draw, start_app, stop_app
from tests.e2e.test_live import ON_DEVICE, ORIGIN, browser_answers, serve_files
from tests.parity_drawings import js_preprocess_in_page, parity_drawings

DIGITS = list(STROKES)
MOVE_EVERY_MS = 16  # a mouse or a finger reports about 60 moves a second


def first_answer(page, url: str) -> float:
    """Seconds from opening the Draw page to the model answering on the device."""
    start = time.perf_counter()
    page.goto(f"{url}/draw")
    page.wait_for_function(ON_DEVICE, timeout=120_000, polling=20)
    return time.perf_counter() - start


def paced_stroke(page, strokes, every_ms: float = MOVE_EVERY_MS) -> None:
    """Draw polylines (280x280 grid) with the mouse, one move every `every_ms`, as a hand moves a pointer."""
    box = page.locator("canvas.upper-canvas").bounding_box()
    scale = box["width"] / 280
    for stroke in strokes:
        points = [
            (x0 + (x1 - x0) * t / 10, y0 + (y1 - y0) * t / 10)
            for (x0, y0), (x1, y1) in zip(stroke, stroke[1:])
            for t in range(10)
        ] + [stroke[-1]]
        page.mouse.move(box["x"] + points[0][0] * scale, box["y"] + points[0][1] * scale)
        page.mouse.down()
        for x, y in points[1:]:
            page.wait_for_timeout(every_ms)
            page.mouse.move(box["x"] + x * scale, box["y"] + y * scale)
        page.mouse.up()


def latencies(page, strokes: int) -> list[float]:
    """Ms from each pointer event to its answer, over `strokes` digits drawn at a pointer's pace."""
    page.evaluate("window.digitlabLive.latencies.length = 0; window.digitlabLive.parts.length = 0")
    for i in range(strokes):
        paced_stroke(page, STROKES[DIGITS[i % len(DIGITS)]])
        page.wait_for_timeout(300)
    parts = page.evaluate("window.digitlabLive.parts.slice()")
    print("  where it went (medians, ms):", {k: round(float(np.median([p[k] for p in parts])), 1) for k in parts[0]})
    return page.evaluate("window.digitlabLive.latencies.slice()")


def parity(browser, count: int) -> tuple[int, int, float]:
    """(same digit, answered, largest probability difference) over `count` drawings."""
    drawings = parity_drawings(count, seed=11)
    context = browser.new_context()
    page = context.new_page()
    page.route(f"{ORIGIN}/**", serve_files)
    page.goto(f"{ORIGIN}/")
    page.evaluate("async () => { window.digitlabPreprocess = await import('/live/files/preprocess.js'); }")
    from_js = js_preprocess_in_page(page, drawings)
    inputs, python = [], []
    for drawing, js in zip(drawings, from_js):
        try:
            python.append(preprocess(drawing))
        except BlankImageError:
            continue
        inputs.append(js)
    from_browser = np.array(browser_answers(page, inputs))
    context.close()
    from_python = store.default_predictor().probabilities(np.stack(python))
    same = int((from_browser.argmax(axis=1) == from_python.argmax(axis=1)).sum())
    return same, len(inputs), float(np.abs(from_browser - from_python).max())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--strokes", type=int, default=5)
    parser.add_argument("--parity", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        server, url = start_app(Path(folder) / "home", Path(folder) / "streamlit.log")
        try:
            with sync_playwright() as playwright:
                profile = playwright.chromium.launch_persistent_context(
                    Path(folder) / "profile",
                    executable_path=CHROMIUM,
                    args=CHROMIUM_ARGS,
                    viewport={"width": 1400, "height": 1200},
                )
                page = profile.new_page()
                cold = first_answer(page, url)
                warm = first_answer(page, url)
                page.locator("canvas.upper-canvas").wait_for()
                page.wait_for_function(RENDERED, timeout=120_000)
                sent = []
                page.on("websocket", lambda ws: ws.on("framesent", lambda frame: sent.append(len(frame))))
                page.reload()
                page.wait_for_function(ON_DEVICE, timeout=120_000)
                page.wait_for_function(RENDERED, timeout=120_000)
                before = len(sent)
                moves = latencies(page, args.strokes)
                ws_per_stroke = sum(sent[before:]) / args.strokes
                cdp = profile.new_cdp_session(page)
                cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
                slowed = latencies(page, args.strokes)
                cdp.send("Emulation.setCPUThrottlingRate", {"rate": 1})
                os.kill(server.pid, signal.SIGSTOP)
                try:
                    answered = 0
                    for i in range(args.strokes):
                        count = page.evaluate("window.digitlabLive.latencies.length")
                        draw(page, STROKES[DIGITS[i % len(DIGITS)]])
                        page.wait_for_timeout(500)
                        answered += page.evaluate("window.digitlabLive.latencies.length") > count
                finally:
                    os.kill(server.pid, signal.SIGCONT)
                profile.close()
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                same, total, worst = parity(browser, args.parity)
                browser.close()
        finally:
            stop_app(server)
    p50, p90 = np.percentile(moves, [50, 90])
    print(f"first answer: cold {cold:.2f} s, warm {warm:.2f} s")
    print(f"move to answer: p50 {p50:.1f} ms, p90 {p90:.1f} ms over {len(moves)} answers")
    print(f"CPU slowed 4x: p90 {np.percentile(slowed, 90):.1f} ms over {len(slowed)} answers")
    print(f"parity: {same}/{total} the same digit, largest probability difference {worst:.2g}")
    print(f"websocket: {ws_per_stroke:.0f} bytes sent per stroke; offline: {answered}/{args.strokes} strokes answered")
    print(
        f"live_pen engine=onnxruntime-web first_answer_cold_s={cold:.2f} first_answer_warm_s={warm:.2f} "
        f"move_to_answer_p50_ms={p50:.1f} move_to_answer_p90_ms={p90:.1f} "
        f"throttled4x_p90_ms={np.percentile(slowed, 90):.1f} parity={same}/{total} max_prob_diff={worst:.2g} "
        f"ws_bytes_per_stroke={ws_per_stroke:.0f} offline_answers={answered}/{args.strokes}"
    )


if __name__ == "__main__":
    main()
