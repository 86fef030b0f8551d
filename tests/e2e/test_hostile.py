"""A hostile visitor in a class: a canvas that sends what it likes gets a message, never a traceback.

Anyone can replace the page's `toDataURL` from the browser's console; here an init script does,
so every stroke sends the payload instead of the drawing (the Draw page sends the drawing while a
view that needs the server is open: the test opens "Why?").
"""

from __future__ import annotations

import base64
import io
import re
import threading
import time
import zlib

import psutil
import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.e2e.conftest import RENDERED
from tests.e2e.server import STROKES, draw, start_app, stop_app


def png_claiming(width: int, height: int) -> bytes:
    """A PNG of `width` x `height` black pixels, compressed to a few dozen kilobytes: a bomb."""
    row = b"\x00" + b"\x00" * ((width + 7) // 8)  # 1-bit pixels

    def chunk(kind: bytes, data: bytes) -> bytes:
        return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")

    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([1, 0, 0, 0, 0])
    body = zlib.compress(row * height, 9)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")


def data_url(payload: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(payload).decode()


def a_tiff() -> bytes:
    buffer = io.BytesIO()
    Image.new("F", (64, 64), float("nan")).save(buffer, format="TIFF")
    return buffer.getvalue()


PAYLOADS = {
    "not base64": "data:image/png;base64,!!!this is not base64!!!",
    "no data url": "just some words",
    "not an image": data_url(b"hello, server" * 100),
    "64-megapixel bomb": data_url(png_claiming(8_000, 8_000)),
    "NaN float TIFF": data_url(a_tiff()),
}


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory):
    server, url = start_app(
        tmp_path_factory.mktemp("home"), tmp_path_factory.mktemp("log") / "streamlit.log", shared=True
    )
    yield psutil.Process(server.pid), url
    stop_app(server)


@pytest.mark.parametrize("name", list(PAYLOADS))
def test_a_tampered_canvas_gets_a_message_and_no_traceback(hostile_server, browser, name):
    process, url = hostile_server
    context = browser.new_context(viewport={"width": 1400, "height": 1200})
    try:
        payload = PAYLOADS[name].replace("\\", "\\\\").replace("'", "\\'")
        context.add_init_script(f"HTMLCanvasElement.prototype.toDataURL = function () {{ return '{payload}'; }};")
        page = context.new_page()
        page.set_default_timeout(60_000)
        page.goto(f"{url}/draw")
        page.locator("canvas.upper-canvas").wait_for()
        page.wait_for_function(RENDERED, timeout=120_000)
        page.get_by_text("Why?", exact=True).click()
        page.wait_for_function(RENDERED, timeout=120_000)
        before = process.memory_info().rss
        draw(page, STROKES["7"])
        message = page.get_by_text("That picture could not be used")
        message.wait_for()
        page.wait_for_function(RENDERED, timeout=120_000)
        shown = page.locator("body").inner_text()
        assert "Traceback" not in shown and 'File "' not in shown and "/work" not in shown
        assert not page.get_by_test_id("stException").count()
        assert process.memory_info().rss - before < 100 * 2**20
    finally:
        context.close()


def large_palette_png(side: int = 6300) -> bytes:
    """A `side`-pixel square palette PNG with one stroke: about 60 KB, 40 million pixels decoded."""
    from PIL import ImageDraw

    picture = Image.new("P", (side, side), 0)
    picture.putpalette([255, 255, 255, 0, 0, 0])
    ImageDraw.Draw(picture).line([(side // 4, side // 6), (side * 3 // 4, side * 5 // 6)], fill=1, width=side // 16)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return buffer.getvalue()


def test_three_tabs_uploading_a_huge_light_picture_and_pressing_clear_leave_the_server_its_memory(
    hostile_server, browser, tmp_path
):
    """Issue 36's first attack: each tab uploads an 80 KB file of 40 million pixels and keeps pressing
    Clear (every press a run that reads it). Decoded once per tab, small, it costs the server little."""
    process, url = hostile_server
    picture = tmp_path / "large.png"
    picture.write_bytes(large_palette_png())
    peak, sampling = [process.memory_info().rss], threading.Event()

    def sample() -> None:
        while not sampling.wait(0.2):
            peak[0] = max(peak[0], process.memory_info().rss)

    rest = process.memory_info().rss
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    tabs = []
    try:
        for _ in range(3):
            page = browser.new_context(viewport={"width": 1400, "height": 1200}).new_page()
            page.set_default_timeout(120_000)
            page.goto(f"{url}/draw")
            page.locator("canvas.upper-canvas").wait_for()
            page.wait_for_function(RENDERED, timeout=120_000)
            page.locator("input[type=file]").set_input_files(str(picture))
            tabs.append(page)
        for tab in tabs:
            expect(tab.get_by_test_id("live-answer")).to_have_text(re.compile(r"^\d, "), timeout=120_000)  # read
        for _ in range(4):
            for tab in tabs:
                tab.get_by_role("button", name="Clear", exact=True).click()
            tabs[0].wait_for_timeout(1000)
        normal = browser.new_context(viewport={"width": 1400, "height": 1200}).new_page()
        opening = time.perf_counter()
        normal.goto(f"{url}/draw")
        normal.locator("canvas.upper-canvas").wait_for(timeout=120_000)  # another student's page still opens
        print(f"a normal student's Draw page opened in {time.perf_counter() - opening:.1f} s")  # said, not asserted
        normal.context.close()
    finally:
        sampling.set()
        sampler.join()
        for tab in tabs:
            tab.context.close()
    print(f"server memory: {rest / 2**20:.0f} MB at rest, {(peak[0] - rest) / 2**20:.0f} MB more at most")
    assert peak[0] - rest < 500 * 2**20, f"{(peak[0] - rest) / 2**20:.0f} MB over its {rest / 2**20:.0f} MB at rest"
