"""Start the real app and drive Debian's Chromium: shared by the browser tests and the benches."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import expect

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


# Records, in the page's own clock, each new digit the live answer shows and when the last
# stroke ended (the mouse button let go). Evaluate it before each drawing: it starts a new record.
WATCH_METRIC = """
window.__predictions = [];
window.__strokeEnd = null;
if (!window.__watching) {
  window.__watching = true;
  addEventListener('mouseup', (event) => { window.__strokeEnd = event.timeStamp; }, true);
  new MutationObserver(() => {
    const el = document.querySelector('[data-testid="live-answer"]');
    const text = el ? (el.innerText.trim().match(/^(\\d),/) || [])[1] || null : null;
    const last = window.__predictions.at(-1);
    if (text && (!last || last[1] !== text)) window.__predictions.push([performance.now(), text]);
  }).observe(document.body, {subtree: true, childList: true, characterData: true});
}
"""


def shows(digit: str) -> str:
    """A page condition: the live answer (its text begins with the digit, in any language) reads `digit`."""
    return f"/^{digit}\\D/.test(document.querySelector('[data-testid=\"live-answer\"]')?.innerText.trim())"


def teach(page) -> None:
    """Open the Draw page's "Wrong? Teach it" view (the drawing then goes to the server) and wait for its Save."""
    page.get_by_text("Wrong? Teach it").click()
    page.get_by_role("button", name="Save to my drawings", exact=True).wait_for(timeout=120_000)


def prediction_latency(page, digit: str, timeout: float = 180_000) -> float:
    """Ms from the end of the stroke drawn since WATCH_METRIC to the live answer showing `digit` (0 when it
    showed it already while the pen was down: the answer follows the pen)."""
    latest = "window.__predictions.at(-1)"
    page.wait_for_function(f"window.__strokeEnd !== null && {latest}?.[1] === '{digit}'", timeout=timeout)
    return page.evaluate(f"Math.max(0, {latest}[0] - window.__strokeEnd)")


def choose_architecture(page, name: str) -> None:
    """Pick `name` in the Train page's Architecture box (it opens on the default, `fast`)."""
    page.get_by_role("combobox", name="Architecture").click()
    page.get_by_role("option", name=re.compile(rf"\({name}[,)]")).click()  # "Two hidden layers of 128 (mlp)"
    page.get_by_label("Model name", exact=True).and_(page.locator(f"[value='{name}']")).wait_for()  # the form followed
    expect(page.get_by_label("Epochs", exact=True)).to_have_count(1)  # and the last one's form is gone (a slow rerun)


def train_from_page(page, architecture: str, name: str, epochs: int, images: int | None = None) -> None:
    """On the Train page: pick `architecture`, set epochs, training images (None: all) and name; press Train."""
    choose_architecture(page, architecture)
    page.get_by_label("Epochs", exact=True).fill(str(epochs))
    if images is not None:
        page.get_by_label("Training images (0 = all 55,000)", exact=True).fill(str(images))
    page.get_by_label("Model name", exact=True).fill(name)
    page.get_by_role("button", name="Train", exact=True).click()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(
    home: Path, log: Path, scheduler: str | None = None, shared: bool = False, env: dict | None = None
) -> tuple[subprocess.Popen, str]:
    """Run `streamlit run streamlit_app.py` on a free local port; return the process and its URL.

    With `scheduler`, the app trains on that Dask cluster; without, on its own embedded one.
    `shared` serves a class (DIGITLAB_SHARED=1): a workspace per visitor. `env`: more settings.
    """
    port = free_port()
    env = {**os.environ, "DIGITLAB_HOME": str(home), "TF_CPP_MIN_LOG_LEVEL": "2", **(env or {})}
    env.pop("DIGITLAB_SCHEDULER", None)
    env["DIGITLAB_SHARED"] = "1" if shared else ""
    if scheduler:
        env["DIGITLAB_SCHEDULER"] = scheduler
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
    for _ in range(360):  # up to 3 minutes: it imports TensorFlow before it answers, slowly on a busy machine
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=1).read() == b"ok":
                return server, url
        except OSError:
            time.sleep(0.5)
    server.kill()
    raise RuntimeError(f"the Streamlit server did not start; see {log}")


INKED = """canvases => canvases.some(c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  for (let i = 0; i < d.length; i += 4) if (d[i] > 128) return true; return false; })"""


def draw(page, strokes, touch: bool = False) -> int:
    """Draw polylines (in the 280x280 grid) on the canvas, scaled to its size on screen, ten moves per
    segment, with the mouse or (`touch`) with touch events through CDP; return the tries.

    A canvas that has just been mounted (first load, or after Clear) can miss the first strokes
    while it starts listening: if none of its ink shows, wait a second and draw again (3 tries).
    """
    cdp = page.context.new_cdp_session(page) if touch else None
    for tries in range(1, 4):
        box = page.locator("canvas.upper-canvas").bounding_box()
        scale = box["width"] / 280
        for stroke in strokes:
            points = [stroke[0]] + [
                (x0 + (x1 - x0) * t / 10, y0 + (y1 - y0) * t / 10)
                for (x0, y0), (x1, y1) in zip(stroke, stroke[1:])
                for t in range(1, 11)
            ]
            at = [(box["x"] + x * scale, box["y"] + y * scale) for x, y in points]
            if touch:
                touch_stroke(cdp, at)
            else:
                page.mouse.move(*at[0])
                page.mouse.down()
                for x, y in at[1:]:
                    page.mouse.move(x, y)
                page.mouse.up()
        page.wait_for_timeout(100)
        if page.locator("canvas.lower-canvas").evaluate_all(INKED):
            return tries
        page.wait_for_timeout(1000)
    raise AssertionError(f"the canvas on {page.url} took no ink in 3 tries")


def touch_stroke(cdp, points: list[tuple[float, float]]) -> None:
    """One finger stroke through `points` (page coordinates), as a touch screen sends it."""
    kinds = ["touchStart"] + ["touchMove"] * (len(points) - 1)
    for kind, (x, y) in zip(kinds, points):
        cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": [{"x": x, "y": y, "id": 1}]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def stop_app(server: subprocess.Popen) -> None:
    """Stop a process and everything it started (an embedded cluster's workers).

    The process first, alone: it closes its cluster. (Stopped all at once, each Dask nanny saw its
    worker die and started a new one, which nothing stopped: it imported TensorFlow and warmed up
    for ~10 s beside whatever ran next.) What is left after 15 s is stopped, then killed.
    """
    import psutil

    try:
        started = psutil.Process(server.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        started = []
    server.terminate()
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
    for process in started:
        try:
            process.terminate()
        except psutil.NoSuchProcess:
            pass
    _, alive = psutil.wait_procs(started, timeout=10)
    for process in alive:
        process.kill()
    psutil.wait_procs(alive, timeout=10)


def start_dask(log_dir: Path) -> tuple[list[subprocess.Popen], str]:
    """Start `dask scheduler` and one `dask worker` (one training slot) as separate processes on localhost.

    Returns the processes and the scheduler's address, as another machine's worker would use them.
    """
    address = f"tcp://127.0.0.1:{free_port()}"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "2"}
    port = address.rsplit(":", 1)[1]
    dask = str(Path(sys.executable).parent / "dask")  # the one installed beside this Python (a venv's too)
    scheduler_cmd = [dask, "scheduler", "--host", "127.0.0.1", "--port", port, "--no-dashboard"]
    worker_cmd = [dask, "worker", address, "--nthreads", "1", "--resources", "training=1", "--no-dashboard"]
    processes = []
    for name, command in (("scheduler", scheduler_cmd), ("worker", worker_cmd)):
        log = (log_dir / f"dask-{name}.log").open("w")
        processes.append(subprocess.Popen(command, cwd=log_dir, env=env, stdout=log, stderr=subprocess.STDOUT))
        if name == "scheduler":
            wait_for_port(int(port))
    return processes, address


def wait_for_port(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"nothing listens on port {port}")
