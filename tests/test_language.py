"""Every word through the translation layer: complete catalogues, no text built outside `_()`, every
page in every shipped language, numbers written as each language writes them."""

from __future__ import annotations

import ast
from pathlib import Path
from unittest import mock

import pytest
from streamlit.testing.v1 import AppTest

import ui.pages
from digitlab import catalogues, language

ROOT = Path(__file__).resolve().parents[1]
PAGES = [Path(p.file).stem for p in ui.pages.PAGES]
TRANSLATED = [code for code in language.LANGUAGES if code != language.SOURCE]

# Streamlit calls whose first argument (or `label`, `help`, ...) a visitor reads.
TEXT_CALLS = {
    "title", "header", "subheader", "write", "markdown", "caption", "text", "info", "warning", "error",
    "success", "toast", "button", "download_button", "form_submit_button", "link_button", "page_link",
    "toggle", "checkbox", "radio", "selectbox", "multiselect", "select_slider", "slider", "number_input",
    "text_input", "text_area", "file_uploader", "expander", "popover", "status", "spinner", "metric",
    "tabs", "segmented_control", "pills", "Column", "TextColumn", "NumberColumn", "ProgressColumn",
    "ImageColumn", "LinkColumn", "CheckboxColumn", "ListColumn", "DatetimeColumn", "image",
}  # fmt: skip
TEXT_KEYWORDS = {"label", "help", "caption", "placeholder", "title", "body", "value_label"}


def is_words(node: ast.AST) -> bool:
    """A literal a person reads: a string with letters, or an f-string (built outside `_()`)."""
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        text = node.value.strip()
        return any(c.isalpha() for c in text) and not text.startswith(("<", ":material/", "st-", "#"))
    if isinstance(node, ast.List | ast.Tuple):
        return any(is_words(item) for item in node.elts)
    return False


def untranslated_text(path: Path) -> list[str]:
    found, place = [], path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        if node.func.attr not in TEXT_CALLS or "log" in ast.unparse(node.func.value):
            continue  # the log stays English
        shown = node.args[:1] + [k.value for k in node.keywords if k.arg in TEXT_KEYWORDS]
        if node.func.attr == "tabs" and node.args:
            shown = [node.args[0]]
        found += [f"{place}:{node.lineno}" for value in shown if is_words(value)]
    return found


def test_no_text_for_people_is_built_outside_the_translation_call():
    files = [ROOT / "streamlit_app.py", *sorted((ROOT / "app_pages").glob("*.py")), *sorted((ROOT / "ui").glob("*.py"))]
    found = [place for path in files for place in untranslated_text(path)]
    assert not found, f"{len(found)} texts not passed through _(): {found[:40]}"


def test_the_check_sees_untranslated_text(tmp_path):
    page = tmp_path / "page.py"
    page.write_text('st.title("Draw")\nst.button(_("Clear"), help=f"Wipe {it}")\nst.caption(_("ok"))\nst.html("<b>")\n')
    assert untranslated_text(page) == ["page.py:1", "page.py:2"]


@pytest.fixture(scope="module")
def template():
    return catalogues.extract()


def test_the_code_marks_its_messages(template):
    ids = {message.id if isinstance(message.id, str) else message.id[0] for message in template}
    assert "Language" in ids and len(ids) > 300


@pytest.mark.parametrize("code", TRANSLATED)
def test_every_shipped_language_is_complete(code, template):
    gaps = catalogues.missing(code, template)
    assert not gaps.untranslated, f"{len(gaps.untranslated)} untranslated in {code}: {gaps.untranslated[:10]}"
    assert not gaps.fuzzy, f"{len(gaps.fuzzy)} fuzzy in {code}: {gaps.fuzzy[:10]}"
    assert not gaps.placeholders, f"placeholders changed in {code}: {gaps.placeholders[:10]}"


def test_the_completeness_check_sees_a_missing_translation(template, tmp_path, monkeypatch):
    po = language.catalogue_path("de").read_text(encoding="utf-8")
    cut = po.replace('msgstr "Sprache"', 'msgstr ""', 1)
    assert cut != po
    (tmp_path / "de" / "LC_MESSAGES").mkdir(parents=True)
    (tmp_path / "de" / "LC_MESSAGES" / "digitlab.po").write_text(cut, encoding="utf-8")
    monkeypatch.setattr(language, "LOCALES", tmp_path)
    assert catalogues.missing("de", template).untranslated == ["Language"]


def test_a_language_is_chosen_from_the_link_then_the_browser():
    assert language.best_match("fr-CH,fr;q=0.9,en;q=0.8") == "fr"
    assert language.best_match(None, "it-IT,de;q=0.7") == "de"
    assert language.best_match("zh-CN") == "zh"
    assert language.best_match("pt-BR", None) == "en"


def test_numbers_are_written_as_the_language_writes_them():
    written = {}
    for code in language.LANGUAGES:
        language.use(code)
        written[code] = (language.number(60000), language.percent(0.984))
    language.use("en")
    assert written["en"] == ("60,000", "98.4%")
    assert written["de"][0] == "60.000" and written["de"][1].startswith("98,4")
    assert written["fr"][0].replace("\u202f", " ") == "60 000"


def test_a_message_is_translated_in_its_thread_only():
    import threading

    language.use("de")
    seen = []
    thread = threading.Thread(target=lambda: seen.append(language._("Language")))
    thread.start()
    thread.join()
    assert language._("Language") == "Sprache" and seen == ["Language"]
    language.use("en")


def render(name: str, code: str) -> AppTest:
    app = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=120)
    app.query_params["lang"] = code
    app.switch_page(f"app_pages/{name}.py")
    with mock.patch("ui.widgets.draw_canvas", return_value=None):
        return app.run()


@pytest.mark.parametrize("code", TRANSLATED)
def test_every_page_renders_in_every_language(code, home):
    for name in PAGES:
        app = render(name, code)
        assert not app.exception, (code, name, app.exception)
        assert app.title, (code, name)


def test_the_page_speaks_the_language_of_the_link(home):
    german = render("home", "de")
    english = render("home", "en")
    assert german.title[0].value != english.title[0].value or german.markdown != english.markdown
    language_picker = [box for box in german.sidebar.selectbox if box.label == "Sprache"]
    assert language_picker and language_picker[0].value == "de"
