"""Start the real app and drive Debian's Chromium: shared by the browser tests and the benches."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
STROKES = {  # digits as polylines in canvas pixels (280x280)
    "1": [[(140, 40), (140, 240)]],
    "7": [[(70, 50), (210, 50), (120, 245)]],
    "0": [[(140, 40), (80, 90), (75, 180), (140, 240), (200, 180), (200, 90), (140, 40)]],
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(home: Path, log: Path) -> tuple[subprocess.Popen, str]:
    """Run `streamlit run streamlit_app.py` on a free local port; return the process and its URL."""
    port = free_port()
    env = {**os.environ, "DIGITLAB_HOME": str(home), "TF_CPP_MIN_LOG_LEVEL": "2"}
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        "streamlit_app.py",
        "--server.headless",
        "true",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--browser.gatherUsageStats",
        "false",
    ]
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=1).read() == b"ok":
                return server, url
        except OSError:
            time.sleep(0.5)
    server.kill()
    raise RuntimeError(f"the Streamlit server did not start; see {log}")


def draw(page, strokes) -> None:
    """Draw polylines on the canvas with real mouse events, ten moves per segment."""
    box = page.locator("canvas.upper-canvas").bounding_box()
    for stroke in strokes:
        page.mouse.move(box["x"] + stroke[0][0], box["y"] + stroke[0][1])
        page.mouse.down()
        for (x0, y0), (x1, y1) in zip(stroke, stroke[1:]):
            for t in range(1, 11):
                page.mouse.move(box["x"] + x0 + (x1 - x0) * t / 10, box["y"] + y0 + (y1 - y0) * t / 10)
        page.mouse.up()


def stop_app(server: subprocess.Popen) -> None:
    """Stop the server; kill it if it is still busy (a training thread) after 10 s."""
    server.terminate()
    try:
        server.wait(10)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
