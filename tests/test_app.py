"""The pages, run by Streamlit's AppTest: every page renders, and each does its job."""

from __future__ import annotations

import contextlib
import json
import re
import threading
import time
from pathlib import Path
from unittest import mock

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import ui.pages
from digitlab.learn.architectures import DEFAULT_ARCHITECTURE, build_model
from digitlab.serve import browser_copies, store
from digitlab.serve.jobs import Job, all_boards
from ui import jobs as ui_jobs
from ui import keys

ROOT = Path(__file__).resolve().parents[1]
PAGES = [Path(p.file).stem for p in ui.pages.PAGES]  # home first


def page(name: str) -> AppTest:
    """The app, opened through its entry point (so the sidebar runs), switched to page `name`."""
    app = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=120)
    app.switch_page(f"app_pages/{name}.py")
    return app


@pytest.fixture(autouse=True)
def private_home(home):
    return home


def test_entry_point_navigates_every_page():
    app = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=120).run()
    assert not app.exception
    assert app.title[0].value.endswith("DigitLab")
    assert app.sidebar.selectbox[0].value == "default"  # the shipped model is active
    for name in PAGES[1:]:
        app.switch_page(f"app_pages/{name}.py").run()
        assert not app.exception, (name, app.exception)


@pytest.mark.parametrize("name", PAGES)
def test_every_page_renders_with_no_developer_command_for_a_learner(name):
    with mock.patch("ui.widgets.draw_canvas", return_value=None):
        app = page(name).run()
    assert not app.exception, app.exception
    assert app.title
    said = [getattr(node, "value", None) for node in in_page_order(app.main)]
    said += [getattr(node, "label", None) for node in in_page_order(app.main)]
    commands = [text for text in said if isinstance(text, str) and re.search(r"python (-m|bench)", text)]
    assert not commands, commands  # those are in the README


@pytest.mark.parametrize("name", ["dataset", "mistakes", "draw", "map"])
def test_pages_that_need_a_model_say_so_when_there_is_none(name, tmp_path, monkeypatch):
    monkeypatch.setattr(store, "DEFAULT_MODEL_DIR", tmp_path / "no-default")  # and the home is empty
    with mock.patch("ui.widgets.draw_canvas", return_value=None):
        app = page(name).run()
    assert not app.exception, app.exception
    assert "Train a model first." in [info.value for info in app.info]


def grid_caption(app: AppTest) -> str:
    return app.get("image")[0].captions[0]


def test_dataset_filter_changes_the_grid(mnist):
    app = page("dataset").run()
    assert not app.exception, app.exception
    assert grid_caption(app).startswith("55,000 digits")
    app.selectbox(key="digit").set_value(3).run()
    assert grid_caption(app).startswith(f"{(mnist.y_fit == 3).sum():,} digits")
    shown_large = app.number_input(key="pick-train-3-1").value
    assert mnist.y_fit[shown_large] == 3  # the digit shown large follows the filter
    app.selectbox(key="split").set_value("test").run()
    assert grid_caption(app).startswith(f"{(mnist.y_test == 3).sum():,} digits")


def test_dataset_page_shows_the_styles_beyond_mnist_and_how_the_model_reads_them():
    from digitlab.learn.styles import VARIANTS

    app = page("dataset").run()
    assert not app.exception, app.exception
    table = app.dataframe[-1].value
    assert list(table["style"]) == [v.name for v in VARIANTS]
    assert all(share.endswith("%") for share in table["read right"])
    assert any("of all 700 style digits read right" in c.value for c in app.caption)


def gallery_captions(app: AppTest) -> list[str]:
    return next(image.captions for image in app.get("image") if len(image.captions) > 1)


def test_mistakes_gallery_shows_only_wrong_predictions():
    app = page("mistakes").run()
    assert not app.exception
    captions = gallery_captions(app)
    assert captions
    for caption in captions:
        true, predicted = caption.split(": ")[1].split(" ")[0].split("→")
        assert true != predicted
    app.selectbox(key="true").set_value(9).run()
    captions = gallery_captions(app)
    assert captions and all(c.split(": ")[1].startswith("9→") for c in captions)


@contextlib.contextmanager
def canvas_with(pixels: np.ndarray | None):
    """The Draw page with `pixels` sent by the browser, answered on the server (as where the runtime
    cannot start: AppTest runs no browser)."""
    refused = browser_copies.Offer("refused", reason="no browser in AppTest")
    with (
        mock.patch("ui.live.sent_picture", return_value=pixels),
        mock.patch("digitlab.serve.browser_copies.offer", return_value=refused),
    ):
        yield


def draw_page(*views: str) -> AppTest:
    """The Draw page with the views named (ui/draw_views.py, and "change") switched on."""
    app = page("draw")
    for name in views:
        app.session_state[keys.view(name)] = True
    return app


def test_empty_canvas_gives_no_prediction():
    with canvas_with(np.zeros((280, 280, 4), np.uint8)):
        app = page("draw").run()
    assert not app.exception
    assert not app.metric
    assert "blank" in app.info[0].value


def test_the_answer_on_the_device_asks_the_server_nothing(mnist):
    with mock.patch("ui.live.sent_picture", return_value=drawn_seven(mnist)) as sent:
        app = page("draw").run()  # the shipped default has its browser copy: the device answers
    assert not app.exception
    assert not app.metric and not app.get("image")  # no server answer, no view read the drawing
    sent.assert_not_called()
    with mock.patch("ui.live.sent_picture", return_value=drawn_seven(mnist)) as sent:
        app = draw_page("why").run()  # a view that needs the server: the drawing is read there
    assert not app.exception and sent.called and app.get("image")


def test_drawn_digit_is_predicted(mnist):
    canvas = np.zeros((280, 280, 4), np.uint8)
    big = np.kron(mnist.x_test[0], np.ones((8, 8), np.uint8))  # a 7, 224x224
    canvas[20:244, 30:254, :3] = big[..., None]
    canvas[..., 3] = 255
    with canvas_with(canvas):
        app = page("draw").run()
    assert not app.exception
    assert app.metric[0].label == "Prediction" and app.metric[0].value == "7"


def chart_specs(app: AppTest) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in app.get("vega_lite_chart")]


def sweep_chart(app: AppTest) -> dict | None:
    """The rotation-sweep chart's spec (its rows travel apart from the spec, as Arrow data)."""
    return next(
        (s for s in chart_specs(app) if s.get("layer") and s["layer"][0]["encoding"]["x"]["field"] == "angle"), None
    )


def test_draw_page_turns_the_drawing_and_shows_every_layer_and_the_best_models(mnist, workspace):
    for i in range(5):
        store.save_model(
            build_model("softmax"), f"untrained-{i}", {"architecture": "softmax", "test_accuracy": i / 10}, workspace
        )
    with canvas_with(drawn_seven(mnist)):
        app = draw_page("change", "mind", "layers", "best").run()
        upright = app.session_state[keys.DRAWING].copy()
        assert sweep_chart(app) is not None
        captions = [c for image in app.get("image") for c in image.captions]
        for layer in ["input 28x28", "conv1 24x24x16", "conv2 10x10x32", "dense1 128"]:
            assert layer in captions, captions
        table = app.dataframe[-1].value
        assert list(table["Model"]) == ["default", "untrained-4", "untrained-3", "untrained-2", "untrained-1"]
        assert "The 5 most accurate of the 6 models" in " ".join(c.value for c in app.caption)
        assert table["Its answer"].iloc[0] in range(10)

        app.slider(key="rotate").set_value(45).run()
    assert not app.exception, app.exception
    turned = app.session_state[keys.DRAWING]
    assert np.abs(turned - upright).mean() > 10  # the model now sees a turned 7
    assert sweep_chart(app)["layer"][3]["data"]["values"] == [{"angle": 45}]  # the dashed line: the rotation set


def test_train_page_opens_on_the_default_architecture():
    app = page("train").run()
    assert app.selectbox(key="architecture").value == DEFAULT_ARCHITECTURE


def test_every_train_setting_explains_itself_in_plain_words():
    app = page("train").run()
    fields = [*app.selectbox, *app.number_input, *app.text_input, *app.checkbox, *app.select_slider]
    fields = [f for f in fields if f.key != keys.ACTIVE_MODEL]  # the sidebar's, explained there
    assert len(fields) >= 8
    unexplained = [f.label for f in fields if not (f.help or "").strip()]
    assert not unexplained


@pytest.mark.parametrize("name", ["train", "draw", "map", "mistakes"])
def test_the_pages_explain_themselves(name, mnist):
    with canvas_with(drawn_seven(mnist)):
        app = draw_page("why").run() if name == "draw" else page(name).run()
    assert not app.exception, app.exception
    lessons = [e for e in app.expander if e.label.startswith("Explain it to me")]
    assert lessons and all(len(e.markdown[0].value) > 200 for e in lessons)  # a real paragraph each
    if name == "draw":  # the default is a convnet: filters and feature maps, with their pictures
        assert any("feature maps" in e.label for e in lessons)


def test_models_page_reads_in_words():
    app = page("models").run()
    table = app.dataframe[0]
    assert list(table.value.columns) == [  # name and accuracy first: on a phone, the rest scrolls sideways
        "Name",
        "Right on the test digits",
        "Network",
        "Weights",
        "Epochs",
        "Training time",
        "Trained on",
        "Status",
    ]
    default = table.value.set_index("Name").loc["default"]
    assert 0.99 < default["Right on the test digits"] <= 1 and default["Trained on"].year >= 2025
    columns = json.loads(table.proto.columns)
    assert columns["Right on the test digits"]["type_config"]["format"] == "percent" and columns["Name"]["pinned"]
    assert "val_accuracy" not in [r.value for r in app.radio] + [o for r in app.radio for o in r.options]


def test_the_shipped_model_replays_how_it_learned():
    app = page("models").run()
    assert app.selectbox(key="replay_target").value == "default"
    assert app.slider(key="replay-default").max > 20  # a snapshot at each of its 20 epoch ends, and between
    assert not app.exception


def test_map_page_places_the_drawing_as_a_star(mnist):
    app = page("map").run()
    assert not app.exception, app.exception
    spec = chart_specs(app)[0]
    assert len(spec["layer"]) == 3 and len(spec["layer"][0]["data"]["values"]) == 5000  # points, digit numbers
    assert "5,000 test digits" in app.caption[0].value
    app.session_state[keys.DRAWING] = mnist.x_test[0].astype(np.float32)  # what the Draw page leaves
    app.run()
    star = chart_specs(app)[0]["layer"][-1]["data"]["values"][0]
    assert star["label"].startswith("read as 7")


def test_models_page_offers_each_model_as_a_zip():
    app = page("models").run()
    assert not app.exception, app.exception
    assert app.selectbox(key="download_target").value == "default"
    assert app.get("download_button")[0].proto.label == "Download default.zip"


def test_models_page_says_why_a_model_has_no_onnx_file(workspace):
    from digitlab.learn.network import build, layer
    from digitlab.serve import browser_copies

    gelu = build({"input": "unit", "layers": [layer("flatten"), layer("dense", units=8, activation="gelu")]})
    name = store.save_model(gelu, "tiny-gelu", {"architecture": "custom", "test_accuracy": 0.1}, workspace)
    entry = store.find_model(name, workspace)
    onnx, record = browser_copies.copy_paths(entry, browser_copies.model_digest(entry.path / store.MODEL_FILE))
    refused = "This network cannot run in a browser: No Op registered for Erfc"  # as make_copy records it
    browser_copies.write_copy({"refused": refused}, onnx, record)
    app = page("models")
    app.session_state["download_target"] = name
    app.run()
    assert not app.exception, app.exception
    buttons = {b.proto.label: b.proto for b in app.get("download_button")}
    assert buttons["ONNX (for ONNX Runtime)"].disabled and not buttons["TensorFlow Lite (for phones)"].disabled
    assert any(c.value == f"No ONNX file for this model: {refused}" for c in app.caption)


def app_job(app: AppTest, key: str = keys.TRAIN_JOB) -> Job:
    """The job the page submitted, found on the app's own board (on the test cluster)."""
    job_id = app.session_state[key]
    return next(board.get(job_id) for board in all_boards() if board.get(job_id))


def test_short_training_from_the_train_page_saves_a_model(board, workspace):
    app = start_training(page("train").run(), "softmax", **{"ep-softmax": 1, "limit": 2000, "name": "from-page"})
    assert not app.exception
    status = app_job(app).wait(120)
    assert status.state == "done" and status.saved_name == "from-page"
    app.run()
    assert any("Saved as **from-page**" in s.value for s in app.success)
    assert store.load_model("from-page", workspace)[1]["test_accuracy"] > 0.8


def learning_caption(app: AppTest) -> str:
    return next(c.value for c in app.caption if "of these 20 test digits right" in c.value)


def test_the_train_page_shows_the_model_learning_and_the_models_page_replays_it(board):
    app = start_training(page("train").run(), "mlp", **{"ep-mlp": 100, "limit": 5000, "name": "watched"})
    job = app_job(app)
    seen = set()
    deadline = time.time() + 120
    while len(seen) < 2 and time.time() < deadline:  # two different snapshots shown on the page
        job.wait(1.0)
        app.run()
        if any("of these 20 test digits right" in c.value for c in app.caption):
            seen.add(learning_caption(app))
    assert len(seen) >= 2, seen
    panel = [c for image in app.get("image") for c in image.captions if " · " in c]
    assert len(panel) == 20 and all(c[0] in "✓✗" and c.split(" · ")[0][2:] in "0123456789" for c in panel)
    assert any("First-layer weights" in c.value for c in app.caption)
    job.stop()
    assert job.wait(60).saved_name == "watched"

    models = page("models").run()
    assert not models.exception, models.exception
    assert models.selectbox(key="replay_target").value == "watched"
    first = models.slider(key="replay-watched").set_value(1).run()
    assert "Before training:" in learning_caption(first)  # the untrained model
    assert sum(1 for c in first.get("vega_lite_chart")) == 1  # the curves; no confusion before an epoch ended
    last = first.slider(key="replay-watched").set_value(first.slider(key="replay-watched").max).run()
    assert "Before training:" not in learning_caption(last)
    assert any("Validation confusion after epoch" in c.value for c in last.caption)


def test_models_page_renames_and_deletes(workspace):
    store.save_model(build_model("softmax"), "old", {"architecture": "softmax", "test_accuracy": 0.9}, workspace)
    app = page("models").run()
    app.text_input(key="new_name").set_value("new").run()
    app.button(key="rename").click().run()
    assert not app.exception
    assert [e.name for e in store.list_models(workspace, include_default=False)] == ["new"]
    assert "Renamed old to new" in app.success[0].value
    app.run()  # a later rerun (a worker's answers arriving) leaves the result in sight
    assert "Renamed old to new" in app.success[0].value
    app.checkbox(key="confirm").check().run()
    app.button(key="delete").click().run()
    assert store.list_models(workspace, include_default=False) == []
    assert "Deleted new" in app.success[0].value


def start_training(app: AppTest, arch: str, **fields) -> AppTest:
    app.selectbox(key="architecture").set_value(arch).run()
    for key, value in fields.items():
        widget = app.text_input(key=f"name-{arch}") if key == "name" else app.number_input(key=key)
        widget.set_value(value)
    return app.button(key="FormSubmitter:settings-Train").click().run()


def test_exploding_learning_rate_is_reported_and_nothing_saved(board, workspace):
    app = start_training(page("train").run(), "mlp", **{"lr-mlp": 1e6, "ep-mlp": 1, "limit": 2000})
    status = app_job(app).wait(120)
    assert status.state == "failed" and "learning rate is too high" in status.error
    app.run()
    assert any("learning rate is too high" in e.value for e in app.error)
    assert store.list_models(workspace, include_default=False) == []


def test_a_second_run_is_refused_while_one_trains(board):
    app = start_training(page("train").run(), "softmax", **{"ep-softmax": 100})
    first = app_job(app)
    app.button(key="FormSubmitter:settings-Train").click().run()
    assert any("stop or cancel it" in w.value for w in app.warning)
    assert app_job(app) is first
    first.stop()
    assert first.wait(60).state == "stopped"


def test_two_sessions_train_independently_and_the_second_waits_its_turn(board, workspace, monkeypatch):
    monkeypatch.setattr(ui_jobs, "STOP_WAIT", 0)  # the page draws the stopping run without waiting for its end
    first = start_training(page("train").run(), "softmax", **{"ep-softmax": 100, "limit": 2000, "name": "alice"})
    alice = app_job(first)
    while not alice.events:  # alice holds the test cluster's only slot
        alice.wait(0.1)
    second = start_training(page("train").run(), "mlp", **{"ep-mlp": 1, "limit": 2000, "name": "bob"})
    bob = app_job(second)
    assert alice is not bob and bob.state == "queued"
    assert any("Queued: next in line" in i.value for i in second.info)
    assert "Watch it learn" not in [s.value for s in second.subheader]  # no live views while queued
    first.run()
    first.button(key="stop").click().run()  # alice stops from her page; bob's run starts
    stop = first.button(key="stop")  # until her run has ended, it says it is stopping
    stopping = stop.disabled and stop.label == "Stopping..." and "stopping" in first.progress[0].text
    assert stopping or alice.state == "stopped"
    assert alice.wait(60).saved_name == "alice" and bob.wait(120).saved_name == "bob"
    assert "Watch it learn" in [s.value for s in second.run().subheader]
    architectures = {e.name: e.meta["architecture"] for e in store.list_models(workspace, include_default=False)}
    assert architectures == {"alice": "softmax", "bob": "mlp"}


def upload(app: AppTest, name: str, content: bytes, mime: str = "image/png") -> AppTest:
    with canvas_with(None):
        app.file_uploader[0].set_value((name, content, mime))
        return app.run()


def png(array: np.ndarray) -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


def test_uploads_good_bad_and_blank(mnist):
    with canvas_with(None):
        app = page("draw").run()
    app = upload(app, "seven.png", png(255 - np.kron(mnist.x_test[0], np.ones((6, 6), np.uint8))))
    assert app.metric[0].value == "7"
    app = upload(app, "notes.png", b"this is not a picture")
    assert not app.metric and "could not be used" in app.error[0].value
    app = upload(app, "white.png", png(np.full((100, 100), 255, np.uint8)))
    assert not app.metric and "blank" in app.info[0].value
    assert not app.exception


def test_broken_model_is_listed_not_fatal(home, workspace):
    store.save_model(build_model("softmax"), "fine", {"architecture": "softmax", "test_accuracy": 0.9}, workspace)
    store.save_model(build_model("softmax"), "broken", {"architecture": "softmax"}, workspace)
    (store.models_dir(workspace) / "broken" / "model.keras").write_bytes(b"garbage")
    app = page("models").run()
    assert not app.exception
    table = app.dataframe[0].value
    assert "corrupt or truncated" in table.set_index("Name").loc["broken", "Status"]
    assert table.set_index("Name").loc["fine", "Status"] == "ready"
    assert "broken" not in app.sidebar.selectbox[0].options  # only loadable models are offered


def test_missing_mnist_is_shown_on_the_page(tmp_path, monkeypatch):
    monkeypatch.setenv("DIGITLAB_DATA_DIR", str(tmp_path))
    app = page("dataset").run()
    assert not app.exception
    assert "MNIST could not be loaded" in app.error[0].value and "is missing" in app.error[0].value


def drawn_seven(mnist) -> np.ndarray:
    canvas = np.zeros((280, 280, 4), np.uint8)
    canvas[20:244, 30:254, :3] = np.kron(mnist.x_test[0], np.ones((8, 8), np.uint8))[..., None]
    canvas[..., 3] = 255
    return canvas


def test_draw_page_explains_the_prediction(mnist):
    with canvas_with(drawn_seven(mnist)):
        app = draw_page("why").run()
        captions = [c for image in app.get("image") for c in image.captions]
        assert any("push towards 7" in c for c in captions)
        assert any("First-layer filters" in c for c in captions)  # the default model is a convnet
        assert app.metric[0].value == "7"
        app.selectbox(key="why-7").set_value(1).run()
        captions = [c for image in app.get("image") for c in image.captions]
        assert any("push towards 1" in c for c in captions)
    assert not app.exception


def test_teach_then_fine_tune(mnist, board, workspace):
    with canvas_with(drawn_seven(mnist)):
        app = draw_page("teach").run()
        label = next(box for box in app.selectbox if box.label == "This digit is really a")
        assert label.value == 7  # the drawing's own prediction, not a label kept from another drawing
        label.set_value(1)
        next(b for b in app.button if b.label == "Save to my drawings").click().run()
    assert "Saved as a 1" in app.success[0].value
    from digitlab.serve.drawings import list_drawings

    assert [d.label for d in list_drawings(workspace)] == [1]
    app = page("drawings").run()
    assert not app.exception
    app.number_input(key="tune_epochs").set_value(1)
    app.button(key="tune").click().run()
    assert not app.exception
    assert app_job(app, keys.TUNE_JOB).wait(180).saved_name == "default-tuned"
    app.run()
    assert "default-tuned" in app.success[0].value
    tuned_meta = store.load_model("default-tuned", workspace)[1]
    assert tuned_meta["fine_tuned_from"] == "default"
    assert tuned_meta["created"] > store.load_model("default", workspace)[1].get("created", "")
    app.button(key="delete_drawing").click().run()
    assert list_drawings(workspace) == []


def test_a_zero_learning_rate_is_refused_on_the_page():
    app = start_training(page("train").run(), "mlp", **{"lr-mlp": 0.0})
    assert any("Learning rate must be a positive number" in e.value for e in app.error)
    assert keys.TRAIN_JOB not in app.session_state


def visitor(monkeypatch, page_name: str, token: str | None = None) -> AppTest:
    """A visitor of a shared server (DIGITLAB_SHARED=1), with the workspace token of their URL, if any."""
    monkeypatch.setenv("DIGITLAB_SHARED", "1")
    app = page(page_name)
    if token:
        app.query_params["ws"] = token
    return app


def test_shared_mode_gives_a_first_visit_its_own_token_and_refuses_a_malformed_one(monkeypatch):
    from digitlab.serve import workspaces

    app = visitor(monkeypatch, "home").run()
    assert not app.exception
    token = app.query_params["ws"][0] if isinstance(app.query_params["ws"], list) else app.query_params["ws"]
    assert workspaces.TOKEN.fullmatch(token)
    assert "bookmark this page" in app.sidebar.caption[0].value
    bad = visitor(monkeypatch, "home", "../../etc/passwd").run()
    assert not bad.exception and "not valid" in bad.error[0].value


def test_shared_mode_keeps_drawings_and_models_to_their_owner(monkeypatch, mnist):
    from digitlab.serve import workspaces

    alice_token, bob_token = workspaces.new_token(), workspaces.new_token()
    alice = workspaces.from_token(alice_token)
    with canvas_with(drawn_seven(mnist)):
        app = visitor(monkeypatch, "draw", alice_token)
        app.session_state[keys.view("teach")] = True
        app.run()
        next(box for box in app.selectbox if box.label == "This digit is really a").set_value(1)
        next(b for b in app.button if b.label == "Save to my drawings").click().run()
    assert "Saved as a 1" in app.success[0].value
    store.save_model(build_model("softmax"), "mine", {"architecture": "softmax", "test_accuracy": 0.9}, alice)

    bob = visitor(monkeypatch, "drawings", bob_token).run()
    assert "No drawings yet" in bob.info[0].value  # alice's drawing is hers
    bob = visitor(monkeypatch, "models", bob_token).run()
    assert not bob.exception
    board = bob.dataframe[1].value.set_index("Name")  # the leaderboard, after bob's own models
    assert board.loc["mine", "Owner"] == alice.alias and alice_token not in bob.dataframe[1].value.to_csv()
    assert all(box.key != "rename_target" or "mine" not in box.options for box in bob.selectbox)
    bob.selectbox(key="borrow").set_value(f"{alice.alias}/mine")
    bob.button(key="use_borrowed").click().run()
    assert bob.sidebar.selectbox[0].value == f"{alice.alias}/mine"  # bob uses alice's model, read-only
    with canvas_with(drawn_seven(mnist)):
        bob.switch_page("app_pages/draw.py").run()
    assert not bob.exception and bob.metric[0].label == "Prediction"
    assert [m.name for m in store.list_models(alice, include_default=False)] == ["mine"]  # still there, unchanged


def test_a_signed_in_user_gets_the_workspace_of_their_identity(monkeypatch):
    # st.login needs an identity provider, which cannot be reached offline: the identity is patched.
    from digitlab.serve import workspaces

    with mock.patch("ui.visitor.signed_in_subject", return_value="alice@example.org"):
        app = visitor(monkeypatch, "home").run()
    assert not app.exception and "ws" not in app.query_params
    assert workspaces.from_identity("alice@example.org").alias in app.sidebar.caption[0].value


def test_a_workspace_trains_one_run_at_a_time_even_from_two_tabs(monkeypatch, board):
    from digitlab.serve import workspaces

    token = workspaces.new_token()
    first = visitor(monkeypatch, "train", token).run()
    first = start_training(first, "softmax", **{"ep-softmax": 100, "limit": 2000})
    second = start_training(visitor(monkeypatch, "train", token).run(), "softmax", **{"ep-softmax": 1})
    assert any("stop or cancel it" in w.value for w in second.warning)
    assert keys.TRAIN_JOB not in second.session_state
    app_job(first).stop()
    assert app_job(first).wait(60).state == "stopped"


def test_two_tabs_pressing_train_at_once_start_one_job(monkeypatch, board):
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache

    from digitlab.serve import workspaces

    # Each AppTest compiles the script anew; Python 3.11's compiler is not safe in two threads at once
    # ("AST constructor recursion depth mismatch"). A server's one cache compiles under a lock: so here.
    compiling, compile_once = threading.Lock(), ScriptCache.get_bytecode

    def get_bytecode(cache, path):
        with compiling:
            return compile_once(cache, path)

    monkeypatch.setattr(ScriptCache, "get_bytecode", get_bytecode)
    token = workspaces.new_token()
    for _ in range(20):
        tabs = [visitor(monkeypatch, "train", token).run() for _ in range(2)]
        for tab in tabs:  # the form filled in, not yet sent
            tab.selectbox(key="architecture").set_value("softmax").run()
            tab.number_input(key="ep-softmax").set_value(100)
            tab.number_input(key="limit").set_value(2000)
            tab.button(key="FormSubmitter:settings-Train").click()
        presses = [threading.Thread(target=tab.run) for tab in tabs]
        for press in presses:
            press.start()
        for press in presses:
            press.join(120)
        started = [tab for tab in tabs if keys.TRAIN_JOB in tab.session_state]
        assert len(started) == 1, [w.value for tab in tabs for w in tab.warning]
        job = app_job(started[0])
        job.cancel()
        job.wait(60)


def test_a_run_started_from_another_app_server_keeps_the_workspace_busy(board, monkeypatch):
    from digitlab.serve import runs, workspaces

    token = workspaces.new_token()
    runs.record_run(workspaces.from_token(token), "digitlab-train-there", state="running", kind="train", name="theirs")
    path = runs.runs_dir(workspaces.from_token(token)) / "digitlab-train-there.json"
    store.write_json_atomic(path, {**runs.read_run(path), "server": "server-b-1-abcdef"})  # followed by server B
    app = visitor(monkeypatch, "train", token).run()
    assert "Your run **theirs** is running, started in another window" in app.info[0].value
    app = start_training(app, "softmax", **{"ep-softmax": 1, "limit": 1000})
    assert not app.exception and keys.TRAIN_JOB not in app.session_state
    assert "Your run theirs is still running, started in another window" in app.warning[0].value
    assert not board.jobs  # nothing was submitted


def test_a_class_run_larger_than_the_ceiling_is_refused_on_the_page(monkeypatch):
    monkeypatch.setenv("DIGITLAB_DIGITS_PER_RUN", "10000")
    app = start_training(visitor(monkeypatch, "train").run(), "softmax", **{"ep-softmax": 3, "limit": 5000})
    assert any("10,000 digits at most" in e.value for e in app.error)
    assert keys.TRAIN_JOB not in app.session_state and not app.exception


def test_models_page_offers_savedmodel_tflite_and_onnx_downloads():
    app = page("models").run()
    labels = [b.proto.label for b in app.get("download_button")]
    assert {"Download default.zip", "TensorFlow SavedModel (zip)", "TensorFlow Lite (for phones)"} <= set(labels)
    assert "ONNX (for ONNX Runtime)" in labels
    assert not app.exception


def test_draw_page_shows_each_preprocessing_step_and_the_answer_without_it(mnist):
    corner = np.zeros((280, 280, 4), np.uint8)
    corner[10:122, 10:122, :3] = np.kron(mnist.x_test[0], np.ones((4, 4), np.uint8))[..., None]  # a small 7 up left
    corner[..., 3] = 255
    with canvas_with(corner):
        app = draw_page("preprocessing").run()
        steps = next(image for image in app.get("image") if "Crop to the ink" in image.captions)
        assert steps.captions[-1] == "Centre by the centre of mass"
        next(t for t in app.toggle if t.label == "Crop to the ink").set_value(False).run()
    assert not app.exception
    said = [m.value for m in app.markdown if m.value.startswith("Without crop to the ink")]
    assert said and "with every step, a **7**" in said[0]


def test_models_page_compares_two_models(workspace):
    store.save_model(build_model("softmax"), "untrained", {"architecture": "softmax", "test_accuracy": 0.1}, workspace)
    app = page("models").run()
    app.selectbox(key="compare_first").set_value("default")
    app.selectbox(key="compare_second").set_value("untrained").run()
    assert not app.exception
    table = next(d.value for d in app.dataframe if "Right where the other is wrong" in d.value.columns)
    wins = table.set_index("Name")["Right where the other is wrong"]
    assert wins["default"] > 5000 > wins["untrained"]  # an untrained model is right by chance only
    texts = [v if isinstance(v := getattr(node, "value", None), str) else "" for node in in_page_order(app.main)]
    summary = next(i for i, t in enumerate(texts) if "both read" in t)
    gallery = texts.index("**Right for default, wrong for untrained**")
    assert summary < gallery  # the galleries are under the summary they belong to


def in_page_order(node) -> list:
    """Every element under `node` (an AppTest block), top to bottom."""
    children = getattr(node, "children", None)
    if not children:
        return [node]
    return [leaf for key in sorted(children) for leaf in in_page_order(children[key])]


def test_mistakes_page_shows_what_the_model_thinks_each_digit_looks_like():
    app = page("mistakes").run()
    assert not [i for i in app.get("image") if "grown from faint noise" in (i.captions or [""])[0]]  # not unasked
    app.toggle(key="dreams").set_value(True).run()
    assert not app.exception
    assert any("grown from faint noise" in i.captions[0] for i in app.get("image"))


def test_models_page_shows_a_models_run_as_code_to_download():
    app = page("models").run()
    assert not app.exception
    code = app.get("code")[0].proto.code_text
    assert "keras.Sequential(" in code and 'layers.Conv2D(16, 5, activation="relu", name="conv1")' in code
    labels = [b.proto.label for b in app.get("download_button")]
    assert "Download the script (.py)" in labels and "Download it as a notebook (.ipynb)" in labels


def test_a_picture_is_decoded_once_however_often_the_page_runs(mnist):
    from ui import draw_views

    decode = mock.Mock(side_effect=draw_views.read_image)
    with canvas_with(drawn_seven(mnist)), mock.patch("ui.draw_views.read_image", decode):
        app = draw_page("why").run()
        app.toggle(key=keys.view("change")).set_value(True).run()  # the page runs again: the sliders, another view
        app.slider(key="rotate").set_value(20).run()
    assert not app.exception and app.metric[0].value == "7"
    assert decode.call_count == 1
    with canvas_with(np.frombuffer(b"not a picture" * 50, np.uint8)), mock.patch("ui.draw_views.read_image", decode):
        app.run()
        app.run()
    assert "could not be used" in app.error[0].value and decode.call_count == 2  # its error is kept too


def test_epochs_read_as_a_sentence_says_them():
    from ui.numbers import epochs_in_words

    assert [epochs_in_words(e) for e in (1.0, 2.0, 1.25, 0.5, 1.004)] == [
        "1 epoch",
        "2 epochs",
        "1.25 epochs",
        "0.5 epochs",
        "1 epoch",
    ]


# A technical word a page may show -> its entry in the glossary.
TECHNICAL_WORDS = {
    r"\bCNN\b|convnet": "Convnet (CNN)",
    r"\bMLP\b": "MLP",
    r"hidden layer": "Hidden layer",
    r"parameters": "Parameters",
    r"\bbias": "Bias",
    r"multiply-adds": "Multiply-adds",
    r"\bstride": "Stride",
    r"\bpadding": "Padding",
    r"batch ?norm": "Batch norm",
    r"dropout": "Dropout",
    r"one-?cycle": "One-cycle",
    r"\bPCA\b": "PCA",
    r"snapshot": "Snapshot",
    r"\bKeras\b": "Keras",
    r"\bONNX\b": "ONNX",
    r"SavedModel": "SavedModel",
    r"TF ?Lite": "TF Lite",
    r"\bJSON\b": "JSON",
    r"convolution": "Convolution",
    r"feature map": "Feature map",
    r"pooling": "Pooling",
    r"dense layer": "Dense layer",
    r"\bepochs?\b": "Epoch",
    r"learning rate": "Learning rate",
    r"optimizer": "Optimizer",
    r"overfitting": "Overfitting",
    r"confusion matrix": "Confusion matrix",
    r"fine-tun": "Fine-tuning",
    r"augment": "Augmentation",
    r"validation": "Validation digits",
}


def words_on(app: AppTest) -> str:
    """Every text the page shows: values, labels, help texts, captions and options."""
    found = []
    for node in in_page_order(app.main) + in_page_order(app.sidebar):
        for name in ("value", "label", "help", "caption", "captions", "options", "body"):
            value = getattr(node, name, None)
            found += (
                [value]
                if isinstance(value, str)
                else [v for v in value or [] if isinstance(v, str)]
                if isinstance(value, list)
                else []
            )
    return "\n".join(found)


def test_every_technical_word_a_page_shows_has_a_glossary_entry():
    from ui.words import GLOSSARY

    used = set()
    for name in PAGES:
        if name == "glossary":
            continue
        with mock.patch("ui.widgets.draw_canvas", return_value=None):
            app = page(name).run()
        text = words_on(app)
        used |= {entry for pattern, entry in TECHNICAL_WORDS.items() if re.search(pattern, text, re.IGNORECASE)}
    assert len(used) >= 15  # the pages do use them
    assert not used - set(GLOSSARY), sorted(used - set(GLOSSARY))
