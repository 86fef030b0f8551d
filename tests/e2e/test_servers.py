"""More than one app server: two `streamlit run` servers on one DIGITLAB_HOME and one `dask scheduler`
with a worker, behind Debian's nginx with deploy/nginx-digitlab.conf (sticky, websockets proxied)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import expect

from digitlab.serve import store, workspaces
from digitlab.serve.drawings import list_drawings, save_drawing
from tests.e2e.conftest import screenshot
from tests.e2e.server import (
    ROOT,
    STROKES,
    draw,
    free_port,
    start_app,
    start_dask,
    stop_app,
    teach,
    train_from_page,
    wait_for_port,
)
from tests.e2e.test_browser import wait_for_app
from tests.e2e.test_workspaces import TEACHER_KEY, go, token_of, visit

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
SITE = ROOT / "deploy" / "nginx-digitlab.conf"


def nginx_config(folder: Path, port: int, servers: list[str]) -> Path:
    """A whole nginx configuration around the shipped site file, listening on `port`, to `servers`."""
    site = SITE.read_text().replace("listen 80;", f"listen 127.0.0.1:{port};")
    site = site.replace(
        "    server 127.0.0.1:8501;\n    server 127.0.0.1:8502;\n", "".join(f"    server {s};\n" for s in servers)
    )
    temp = "\n".join(
        f"    {kind}_temp_path {folder}/{kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    config = folder / "nginx.conf"
    config.write_text(
        f"pid {folder}/nginx.pid;\nerror_log {folder}/error.log;\nevents {{}}\n"
        f"http {{\n    access_log {folder}/access.log;\n{temp}\n{site}\n}}\n"
    )
    return config


@pytest.fixture(scope="module")
def class_servers(tmp_path_factory):
    """Two app servers (A, B) on one home and one scheduler with a worker, and nginx before them."""
    if not Path(NGINX).exists():
        if os.environ.get("CI"):
            pytest.fail("nginx is missing: apt-get install nginx")
        pytest.skip("nginx is not installed (apt-get install nginx)")
    folder = tmp_path_factory.mktemp("two-servers")
    home = folder / "home"
    home.mkdir()
    (home / "lesson.json").write_text(
        '{"max_minutes": 600}'
    )  # the long run below is stopped by the test, not for its length
    processes, address = start_dask(folder)
    try:
        urls = []
        for name in ("a", "b"):
            log = folder / f"server-{name}.log"
            server, url = start_app(
                home, log, scheduler=address, shared=True, env={"DIGITLAB_TEACHER_KEY": TEACHER_KEY}
            )
            processes.append(server)
            urls.append(url)
        port = free_port()
        config = nginx_config(folder, port, [url.removeprefix("http://") for url in urls])
        command = [NGINX, "-p", str(folder), "-c", str(config), "-g", "daemon off;"]
        processes.append(subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT))
        wait_for_port(port)
        yield {"a": urls[0], "b": urls[1], "proxy": f"http://127.0.0.1:{port}", "home": home}
    finally:
        for process in processes[::-1]:
            stop_app(process)


def test_a_browser_through_the_proxy_trains_and_its_model_is_saved(class_servers, browser, monkeypatch):
    monkeypatch.setenv("DIGITLAB_HOME", str(class_servers["home"]))  # the store's key signs the token
    monkeypatch.setenv("DIGITLAB_SHARED", "1")
    page = visit(browser, class_servers["proxy"])
    assert "digitlab_server" in [c["name"] for c in page.context.cookies()]  # the proxy keeps it on one server
    go(page, "Train")
    train_from_page(page, "softmax", "through-the-proxy", epochs=1, images=2000)
    page.get_by_text("Saved as through-the-proxy").wait_for(timeout=180_000)
    key = workspaces.from_token(token_of(page)).key  # its folder's name, on the one store
    assert (class_servers["home"] / "workspaces" / key / "models" / "through-the-proxy" / store.MODEL_FILE).is_file()
    page.context.close()


def test_a_run_started_on_one_server_is_seen_on_the_other_which_starts_no_second_and_its_teacher_stops_it(
    class_servers, browser
):
    on_a = visit(browser, class_servers["a"])
    token = token_of(on_a)
    go(on_a, "Train")
    train_from_page(on_a, "cnn", "long-run", epochs=20, images=0)  # minutes of training: stopped below
    on_a.get_by_text(re.compile(r"Epoch 1 of 20")).wait_for(timeout=180_000)
    try:
        on_b = visit(browser, f"{class_servers['b']}/train?ws={token}")  # the same workspace, on server B
        expect(on_b.get_by_text(re.compile(r"Your run long-run is running, started in another window"))).to_be_visible()
        train_from_page(on_b, "softmax", "second", epochs=1, images=1000)
        expect(on_b.get_by_text(re.compile(r"still running, started in another window"))).to_be_visible()
        wait_for_app(on_b)
        expect(on_b.get_by_text("Run: second")).to_have_count(0)  # one run per workspace, across servers
        screenshot(on_b, "servers-b-sees-a-run-of-a")
        on_b.context.close()
        teacher = visit(browser, f"{class_servers['b']}/?teacher={TEACHER_KEY}")  # the teacher, on server B
        go(teacher, "Teacher")
        expect(teacher.get_by_text(re.compile(r"long-run.*running on another app server"))).to_be_visible()
        teacher.get_by_role("button", name="Stop", exact=True).click()
        expect(teacher.get_by_text("Asked to stop.")).to_be_visible()
        screenshot(teacher, "servers-teacher-on-b-stops-a-run-of-a")
        on_a.get_by_text(re.compile(r"Saved as long-run")).wait_for(timeout=60_000)  # server A stopped it
        teacher.context.close()
    finally:
        if not on_a.get_by_text(re.compile(r"Saved as long-run")).count():
            on_a.get_by_role("button", name="Stop", exact=True).click()
            on_a.get_by_text(re.compile(r"Saved as long-run")).wait_for(timeout=60_000)
    on_a.context.close()


def test_two_visitors_of_one_workspace_on_two_servers_cannot_pass_its_quota_together(
    class_servers, browser, monkeypatch
):
    on_a = visit(browser, class_servers["a"])
    token = token_of(on_a)
    monkeypatch.setenv("DIGITLAB_HOME", str(class_servers["home"]))
    monkeypatch.setenv("DIGITLAB_SHARED", "1")
    workspace = workspaces.from_token(token)
    for _ in range(workspace.drawing_quota - 1):  # one drawing short of its limit
        save_drawing(np.zeros((28, 28), np.float32), 1, np.zeros((28, 28), np.uint8), workspace)
    on_b = visit(browser, f"{class_servers['b']}/?ws={token}")
    for page in (on_a, on_b):
        go(page, "Draw")
        page.locator("canvas.upper-canvas").wait_for()
        draw(page, STROKES["7"])
        teach(page)
    for page in (on_a, on_b):  # both press Save at once, each on its own server
        page.get_by_role("button", name="Save to my drawings", exact=True).click()
    saved, refused = re.compile(r"Saved as a"), re.compile(r"holds \d+ drawings, its limit")
    for page in (on_a, on_b):
        expect(page.get_by_text(saved).or_(page.get_by_text(refused))).to_be_visible()
    assert len(list_drawings(workspace)) == workspace.drawing_quota  # on disk: at its limit, not past it
    outcomes = sorted(bool(page.get_by_text(saved).count()) for page in (on_a, on_b))
    assert outcomes == [False, True]  # one saved, one told the workspace is full
    for page in (on_a, on_b):
        page.context.close()
