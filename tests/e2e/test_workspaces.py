"""A shared server in a real browser: two visitors with their own workspaces; a bookmark brings one back."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect

from digitlab.serve import runs, workspaces
from tests.e2e.conftest import screenshot
from tests.e2e.server import STROKES, draw, start_app, stop_app, teach, train_from_page
from tests.e2e.test_accessibility import violations
from tests.e2e.test_browser import wait_for_app

TEACHER_KEY = "a-long-teacher-key-for-the-tests-0123456789"


@pytest.fixture(scope="module")
def shared_server(tmp_path_factory):
    home, log = tmp_path_factory.mktemp("shared-home"), tmp_path_factory.mktemp("log") / "shared.log"
    server, url = start_app(home, log, shared=True, env={"DIGITLAB_TEACHER_KEY": TEACHER_KEY})
    yield url, home
    stop_app(server)


@pytest.fixture(scope="module")
def shared_url(shared_server):
    return shared_server[0]


def visit(browser, url: str):
    context = browser.new_context(viewport={"width": 1400, "height": 1500})
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(url)
    wait_for_app(page)
    page.wait_for_url(re.compile(r"ws="))
    return page


def token_of(page) -> str:
    return parse_qs(urlparse(page.url).query)["ws"][0]


def go(page, title: str) -> None:
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=title, exact=True).click()
    wait_for_app(page)


def choose(page, label: str, option: str) -> None:
    page.get_by_role("combobox", name=label).click()
    page.get_by_role("option", name=option, exact=True).click()


def test_two_visitors_keep_their_own_things_and_a_bookmark_brings_a_workspace_back(shared_url, browser):
    alice = visit(browser, shared_url)
    alice_token = token_of(alice)
    sidebar = alice.get_by_test_id("stSidebar").get_by_text(re.compile(r"Workspace \S+:")).inner_text()
    alias = re.search(r"Workspace (\S+):", sidebar).group(1)

    go(alice, "Draw")  # alice saves a drawing, then trains a small model
    alice.locator("canvas.upper-canvas").wait_for()
    draw(alice, STROKES["7"])
    teach(alice)
    alice.get_by_role("button", name="Save to my drawings", exact=True).click()
    alice.get_by_text("Saved as a").wait_for()
    go(alice, "Train")
    train_from_page(alice, "softmax", "alices", epochs=1, images=2000)
    alice.get_by_text("Saved as alices").wait_for(timeout=120_000)
    assert token_of(alice) == alice_token  # the URL kept the workspace across pages

    bob = visit(browser, shared_url)
    assert token_of(bob) != alice_token
    go(bob, "My drawings")
    expect(bob.get_by_text("No drawings yet")).to_be_visible()  # alice's drawing is not shown to bob
    go(bob, "Models")
    expect(bob.get_by_text("Only the shipped default model so far.")).to_be_visible()  # nothing of alice's to change
    choose(bob, "Use a model from the leaderboard (read-only)", f"{alias}/alices")
    bob.get_by_role("button", name="Make it my active model", exact=True).click()
    wait_for_app(bob)
    expect(bob.get_by_role("combobox", name="Active model")).to_have_value(re.compile(f"{alias}/alices"))
    go(bob, "Draw")
    bob.locator("canvas.upper-canvas").wait_for()
    draw(bob, STROKES["1"])
    bob.get_by_test_id("live-answer").wait_for()  # bob draws with alice's model (its copy made, or the server's)
    bob.wait_for_function(
        "/^\\d,/.test(document.querySelector('[data-testid=\"live-answer\"]').innerText)", timeout=120_000
    )
    screenshot(bob, "shared-borrowed-model")

    go(alice, "Models")  # alice can rename her model
    alice.get_by_label("New name").fill("alices-best")
    alice.get_by_label("New name").press("Enter")  # commits the text: Rename is enabled after the rerun
    wait_for_app(alice)
    alice.get_by_role("button", name="Rename", exact=True).click()
    alice.get_by_text("Renamed alices to alices-best").wait_for()
    expect(alice.get_by_role("combobox", name="Model").last).to_have_value("alices-best")

    bookmark = browser.new_context(viewport={"width": 1400, "height": 1500}).new_page()
    bookmark.goto(f"{shared_url}/models?ws={alice_token}")
    wait_for_app(bookmark)
    expect(bookmark.get_by_test_id("stSidebar").get_by_text(f"Workspace {alias}")).to_be_visible()
    go(bookmark, "My drawings")
    expect(bookmark.get_by_text("No drawings yet")).to_have_count(0)  # alice's drawing is back
    screenshot(bookmark, "shared-bookmark")
    for page in (alice, bob, bookmark):
        page.context.close()


def test_only_the_teacher_has_the_teachers_page(shared_url, browser):
    student = visit(browser, shared_url)
    nav = student.get_by_test_id("stSidebarNav")
    expect(nav.get_by_role("link", name="Train", exact=True)).to_be_visible()
    expect(nav.get_by_role("link", name="Teacher", exact=True)).to_have_count(0)
    student.goto(f"{shared_url}/teacher?ws={token_of(student)}")  # by URL: not there
    wait_for_app(student)
    expect(student.get_by_role("heading", name="Your class")).to_have_count(0)

    teacher = visit(browser, f"{shared_url}/?teacher={TEACHER_KEY}")
    assert TEACHER_KEY not in teacher.url  # taken out of the address bar at once
    go(teacher, "Teacher")
    expect(teacher.get_by_role("heading", name="Your class")).to_be_visible()
    expect(teacher.get_by_role("heading", name="The lesson")).to_be_visible()
    screenshot(teacher, "teacher")
    assert not violations(teacher)  # axe-core: no critical or serious finding
    for _ in range(3):  # Back, three times: the key is in no entry of the history
        teacher.go_back(wait_until="commit")
        teacher.wait_for_timeout(300)
        assert TEACHER_KEY not in teacher.url
    assert TEACHER_KEY not in teacher.evaluate("location.href")

    # A reload, and a new tab of the same browser, keep the teacher: its pass is a cookie, not the key.
    [cookie] = [c for c in teacher.context.cookies() if c["name"] == "digitlab_teacher"]
    assert TEACHER_KEY not in cookie["value"] and cookie["sameSite"] == "Strict" and cookie["expires"] == -1
    tab = teacher.context.new_page()
    tab.goto(f"{shared_url}/teacher?ws={token_of(student)}")
    wait_for_app(tab)
    expect(tab.get_by_role("heading", name="Your class")).to_be_visible()
    expect(tab.get_by_text("This browser stays signed in as the teacher until it closes")).to_be_visible()
    tab.get_by_role("button", name="Sign out", exact=True).click()
    expect(tab.get_by_role("heading", name="Your class")).to_have_count(0)
    tab.wait_for_function("!document.cookie.includes('digitlab_teacher=')")
    tab.reload()
    wait_for_app(tab)
    expect(tab.get_by_test_id("stSidebarNav").get_by_role("link", name="Teacher", exact=True)).to_have_count(0)
    student.context.close()
    teacher.context.close()


HOSTILE_NAME = (
    "![x](http://127.0.0.1:9/tracker.png) [Your grade is ready: click](http://127.0.0.1:9/phish)" + "W" * 3000
)


def test_a_name_in_markdown_is_shown_as_text_on_the_teachers_page(shared_server, browser, monkeypatch):
    """A run recorded under a hostile name (as a server before names were slugged wrote it, on
    another server of the class): the teacher's browser shows its letters, fetches no image, has no link."""
    from digitlab.serve import runs, store, workspaces

    url, home = shared_server
    monkeypatch.setenv("DIGITLAB_HOME", str(home))
    monkeypatch.setenv("DIGITLAB_SHARED", "1")
    student = workspaces.from_token(workspaces.new_token())
    runs.record_run(student, "digitlab-train-hostile", state="queued", kind="train", name=HOSTILE_NAME)
    path = runs.runs_dir(student) / "digitlab-train-hostile.json"
    store.write_json_atomic(path, {**runs.read_run(path), "server": "another-host-1-abcdef"})
    teacher = visit(browser, f"{url}/?teacher={TEACHER_KEY}")
    fetched = []
    teacher.on("request", lambda request: fetched.append(request.url) if "127.0.0.1:9" in request.url else None)
    go(teacher, "Teacher")
    expect(teacher.get_by_text("![x](http://127.0.0.1:9/tracker.png) [Y…", exact=False)).to_be_visible()  # as typed
    main = teacher.get_by_test_id("stMain")
    assert main.locator("a[href*='phish']").count() == 0 and main.locator("img[src*='tracker']").count() == 0
    assert not fetched and "W" * 100 not in main.inner_text()  # no request to the tracker; the name is cut
    teacher.context.close()


def test_new_workspaces_are_limited_per_client_address(tmp_path, browser):
    """Behind the shipped nginx (X-Real-IP): one address that spends its allowance holds up no other."""
    server, url = start_app(
        tmp_path / "home", tmp_path / "streamlit.log", shared=True, env={"DIGITLAB_NEW_WORKSPACES_PER_MINUTE": "2"}
    )
    try:

        def first_visit(address: str):
            page = browser.new_context(extra_http_headers={"X-Real-IP": address}).new_page()
            page.set_default_timeout(60_000)
            page.goto(url)
            page.wait_for_function("document.querySelector('h1') || document.body.innerText.includes('Too many')")
            return page

        pages = [first_visit("10.0.0.66") for _ in range(3)]
        assert all("ws=" in page.url for page in pages[:2])
        expect(pages[2].get_by_text("Too many new workspaces were opened from your address")).to_be_visible()
        other = first_visit("10.0.0.7")  # another pupil, at the same minute
        other.wait_for_url(re.compile(r"ws="))
        for page in [*pages, other]:
            page.context.close()
    finally:
        stop_app(server)


# Keeps every frame the page sends over its websocket, and the socket, for the replay below.
RECORD_FRAMES = """
window.sentFrames = [];
const send = WebSocket.prototype.send;
WebSocket.prototype.send = function (data) {
  window.socket = this;
  window.sentFrames.push(data.slice(0));
  return send.call(this, data);
};
"""


def test_a_train_press_replayed_over_the_websocket_starts_one_run(shared_server, browser, monkeypatch):
    url, home = shared_server
    context = browser.new_context(viewport={"width": 1400, "height": 1500})
    context.add_init_script(RECORD_FRAMES)
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(f"{url}/train")
    wait_for_app(page)
    page.wait_for_url(re.compile(r"ws="))
    before = page.evaluate("window.sentFrames.length")
    train_from_page(page, "softmax", "replayed", epochs=100, images=10_000)  # still running when the replays arrive
    cancel, stop = (page.get_by_role("button", name=name, exact=True) for name in ("Cancel", "Stop"))
    expect(cancel.or_(stop)).to_be_visible(timeout=60_000)  # the run is queued or running
    page.evaluate(
        """async (from) => {
            const press = window.sentFrames.slice(from);
            for (let i = 0; i < 10; i++) {
                for (const frame of press) window.socket.send(frame);
                await new Promise((done) => setTimeout(done, 200));
            }
        }""",
        before,
    )
    expect(page.get_by_text(re.compile(r"Your train run is still (queued|running)"))).to_be_visible(timeout=60_000)
    wait_for_app(page)
    monkeypatch.setenv("DIGITLAB_HOME", str(home))  # the store's key reads the token
    monkeypatch.setenv("DIGITLAB_SHARED", "1")
    records = [runs.read_run(p) for p in runs.record_files(runs.runs_dir(workspaces.from_token(token_of(page))))]
    assert [r["name"] for r in records] == ["replayed"]  # ten replays of the press, one run
    stop.click(timeout=120_000)  # once it runs
    page.get_by_text("Saved as replayed").wait_for(timeout=120_000)
    context.close()


def test_a_made_up_workspace_link_opens_nothing_and_wrong_keys_are_slowed(shared_url, browser):
    """Last in this module: its wrong keys hold the local address's guesses for a minute."""
    made_up = browser.new_context().new_page()
    made_up.goto(f"{shared_url}/models?ws={'x' * 32}")
    expect(made_up.get_by_text("That workspace link was not made by this server")).to_be_visible(timeout=60_000)
    made_up.context.close()
    guesser = browser.new_context().new_page()
    for guess in range(5):
        guesser.goto(f"{shared_url}/?teacher=guess-number-{guess}-of-a-key")
        expect(guesser.get_by_text("That is not the teacher's key.")).to_be_visible(timeout=60_000)
    guesser.goto(f"{shared_url}/?teacher={TEACHER_KEY}")  # even the right key, from that address, for a minute
    expect(guesser.get_by_text("Too many wrong keys: wait a minute")).to_be_visible(timeout=60_000)
    expect(guesser.get_by_test_id("stSidebarNav").get_by_role("link", name="Teacher", exact=True)).to_have_count(0)
    guesser.context.close()
