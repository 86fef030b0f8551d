"""A hostile visitor in a class: a canvas that sends what it likes gets a message, never a traceback.

Anyone can replace the page's `toDataURL` from the browser's console; here an init script does,
so every stroke sends the payload instead of the drawing (the Draw page sends the drawing while a
view that needs the server is open: the test opens "Why?").
"""

from __future__ import annotations

import base64
import io
import zlib

import psutil
import pytest
from PIL import Image

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
