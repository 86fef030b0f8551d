"""The answer on the device, in a real browser: parity with Python, no picture sent, offline, the fallback."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import numpy as np
import pytest

from digitlab.learn.preprocess import BlankImageError, preprocess
from digitlab.serve import store
from tests.e2e.conftest import RENDERED
from tests.e2e.server import STROKES, draw, shows, start_app, stop_app
from tests.parity_drawings import js_preprocess_in_page, parity_drawings

ROOT = Path(__file__).resolve().parents[2]
ORIGIN = "http://digitlab.test"  # answered by the test itself (page.route): no server
ON_DEVICE = "document.querySelector('.dl-note')?.innerText.includes('on this device')"


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    server, url = start_app(tmp_path_factory.mktemp("home"), tmp_path_factory.mktemp("log") / "streamlit.log")
    yield server, url
    os.kill(server.pid, signal.SIGCONT)  # in case a test stopped it and failed before going on
    stop_app(server)


def serve_files(route) -> None:
    """The page's files from the repository: /live/files/ is static/live, /model.onnx the default's copy."""
    path = route.request.url.removeprefix(ORIGIN)
    if path.startswith("/live/files/"):
        file = ROOT / "static" / "live" / path.removeprefix("/live/files/")
    elif path == "/model.onnx":
        file = store.DEFAULT_MODEL_DIR / "browser.onnx"
    else:
        return route.fulfill(body="<!doctype html><title>parity</title>", content_type="text/html")
    kinds = {".mjs": "text/javascript", ".js": "text/javascript", ".wasm": "application/wasm"}
    route.fulfill(body=file.read_bytes(), content_type=kinds.get(file.suffix, "application/octet-stream"))


def browser_answers(page, pixels: list[np.ndarray]) -> list[list[float]]:
    """The default model's probabilities for each (28, 28) input, from ONNX Runtime Web in `page`."""
    return page.evaluate(
        """async (inputs) => {
        const ort = await import("/live/files/vendor/onnxruntime-web/ort.wasm.bundle.min.mjs");
        ort.env.wasm.numThreads = 1;
        ort.env.wasm.wasmPaths = { wasm: "/live/files/vendor/onnxruntime-web/ort-wasm-simd-threaded.wasm" };
        const session = await ort.InferenceSession.create("/model.onnx", { executionProviders: ["wasm"] });
        const out = [];
        for (const pixels of inputs) {
            const input = new ort.Tensor("float32", Float32Array.from(pixels), [1, 28, 28]);
            const result = await session.run({ [session.inputNames[0]]: input });
            out.push(Array.from(result[session.outputNames[0]].data));
        }
        return out;
    }""",
        [p.ravel().tolist() for p in pixels],
    )


def test_500_drawings_get_the_same_answer_in_the_browser_as_in_python(browser):
    drawings = parity_drawings(500, seed=7)
    context = browser.new_context()
    try:
        page = context.new_page()
        page.route(f"{ORIGIN}/**", serve_files)
        page.goto(f"{ORIGIN}/")
        page.evaluate("async () => { window.digitlabPreprocess = await import('/live/files/preprocess.js'); }")
        from_js = js_preprocess_in_page(page, drawings)
        answered = [i for i, r in enumerate(from_js) if not isinstance(r, str)]
        from_browser = np.array(browser_answers(page, [from_js[i] for i in answered]))
    finally:
        context.close()
    predictor = store.default_predictor()
    inputs = []
    for drawing, js in zip(drawings, from_js):
        try:
            inputs.append(preprocess(drawing))
        except BlankImageError as error:
            assert js == f"BlankImageError: {error}"  # the same refusal, in the same words
            continue
        assert not isinstance(js, str), js
        assert np.abs(js - inputs[-1]).max() < 0.01  # the same 28x28 picture (0-255)
    from_python = predictor.probabilities(np.stack(inputs))
    assert len(answered) == len(inputs) >= 480
    assert (from_browser.argmax(axis=1) == from_python.argmax(axis=1)).all()  # the same digit, every time
    assert np.abs(from_browser - from_python).max() <= 0.01


def open_draw(context, url):
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(f"{url}/draw")
    page.locator("canvas.upper-canvas").wait_for()
    page.wait_for_function(RENDERED, timeout=120_000)
    return page


def test_the_answer_is_made_here_sends_no_picture_and_keeps_working_offline(browser, live_server):
    server, url = live_server
    context = browser.new_context(viewport={"width": 1400, "height": 1200})
    try:
        page = open_draw(context, url)
        page.wait_for_function(ON_DEVICE, timeout=120_000)
        answer = page.get_by_test_id("live-answer")
        assert answer.get_attribute("aria-live") == "polite"
        sent = []
        page.on("websocket", lambda ws: ws.on("framesent", lambda frame: sent.append(len(frame))))
        page.reload()  # the socket is watched from its start
        page.locator("canvas.upper-canvas").wait_for()
        page.wait_for_function(ON_DEVICE, timeout=120_000)
        page.wait_for_function(RENDERED, timeout=120_000)
        before = len(sent)
        draw(page, STROKES["7"])
        page.wait_for_function(shows("7"), timeout=30_000)
        assert answer.inner_text().startswith("7, ") and answer.inner_text().endswith("% sure")
        page.wait_for_timeout(1000)
        assert sum(sent[before:]) < 2000  # no picture went to the server

        os.kill(server.pid, signal.SIGSTOP)  # the server is gone (a school's Wi-Fi dropped)
        try:
            page.evaluate("window.digitlabLive.latencies.length = 0")
            draw(page, STROKES["1"])  # over the 7: every move is still answered, here
            page.wait_for_function("window.digitlabLive.latencies.length >= 10", timeout=30_000)
            assert answer.inner_text()[0].isdigit()
            page.get_by_text("The server cannot be reached").wait_for(timeout=30_000)
        finally:
            os.kill(server.pid, signal.SIGCONT)
    finally:
        context.close()


def test_where_the_device_cannot_run_the_model_the_server_answers_and_says_so(browser, live_server):
    _, url = live_server
    context = browser.new_context(viewport={"width": 1400, "height": 1200})
    context.add_init_script("delete window.WebAssembly;")  # a browser without WebAssembly
    try:
        page = open_draw(context, url)
        page.wait_for_function("document.querySelector('.dl-note')?.innerText.includes('on the server')")
        draw(page, STROKES["7"])
        page.wait_for_function(shows("7"), timeout=120_000)  # the server's answer, in the same place
        assert page.get_by_test_id("stMetricValue").inner_text().strip() == "7"
    finally:
        context.close()
