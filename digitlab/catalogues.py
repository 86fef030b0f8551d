"""The translation catalogues checked against the code: every message the code marks, translated.

The messages are extracted from the code the way `pybabel extract -F locales/babel.cfg` does (the
calls `_`, `ngettext` and `N_`); a shipped language's catalogue is complete when each of them has a
translation that is not fuzzy and keeps the message's `{placeholders}`. tests/test_language.py and
bench/languages.py count what is missing.
"""

from __future__ import annotations

import string
from dataclasses import dataclass

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir, extract_from_file
from babel.messages.pofile import read_po

from digitlab import language

ROOT = language.LOCALES.parent
CONFIG = language.LOCALES / "babel.cfg"
KEYWORDS = {"_": None, "ngettext": (1, 2), "N_": None}
SOURCES = ("app_pages", "ui", "digitlab")  # and streamlit_app.py: the command line and tests stay English


def extract() -> Catalog:
    """Every message the code marks for translation, as a catalogue template."""
    template = Catalog(project="DigitLab", domain=language.DOMAIN)
    found = [
        ("streamlit_app.py", *message) for message in extract_from_file("python", ROOT / "streamlit_app.py", KEYWORDS)
    ]
    for folder in SOURCES:
        found += [
            (f"{folder}/{file}", line, message, comments, context)
            for file, line, message, comments, context in extract_from_dir(
                ROOT / folder, [("**.py", "python")], keywords=KEYWORDS
            )
        ]
    for file, line, message, comments, context in found:
        template.add(message, None, [(file, line)], auto_comments=comments, context=context)
    return template


@dataclass
class Missing:
    untranslated: list[str]
    fuzzy: list[str]
    placeholders: list[str]  # translations that lose or add a {placeholder} (or break the braces)


def placeholders(text: str) -> set[str] | None:
    """The `{names}` that `.format()` fills in; None where the braces do not parse."""
    try:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError:
        return None


def keeps_placeholders(ids: tuple[str, ...], texts: tuple[str, ...]) -> bool:
    """Each translation fills in the message's placeholders (a singular may leave out the count)."""
    wanted = placeholders(ids[-1])
    for text in texts:
        got = placeholders(text)
        if got is None or wanted is None or not got <= wanted or (len(ids) == 1 and got != wanted):
            return False
    return True


def missing(code: str, template: Catalog) -> Missing:
    """What the language's catalogue lacks against the code's messages."""
    with language.catalogue_path(code).open("rb") as po:
        catalogue = read_po(po, locale=language.BABEL_LOCALES[code])
    catalogue.update(template, no_fuzzy_matching=True)
    gaps = Missing([], [], [])
    for entry in catalogue:
        if not entry.id:
            continue
        ids = entry.id if isinstance(entry.id, tuple) else (entry.id,)
        texts = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        if not all(texts):
            gaps.untranslated.append(ids[0])
        elif entry.fuzzy:
            gaps.fuzzy.append(ids[0])
        elif not keeps_placeholders(ids, texts):
            gaps.placeholders.append(ids[0])
    return gaps


def shipped() -> list[str]:
    """The languages with a catalogue (English is the messages themselves)."""
    return [code for code in language.LANGUAGES if code == language.SOURCE or language.catalogue_path(code).is_file()]
