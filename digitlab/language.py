"""Every word a visitor reads goes through `_()`: gettext catalogues, read with Babel.

Text is written once, in English, as the message: `_("Train")`, `_("Saved as {name}").format(name=...)`,
`ngettext("{n} digit", "{n} digits", n).format(n=n)`. Text written before a language is known (a
module's table of help texts) is marked with `N_()` and translated where it is shown: `_(HELP[key])`.

The catalogues are `locales/<code>/LC_MESSAGES/digitlab.po`, compiled in memory the first time a
language is used (Babel's `write_mo`; fuzzy entries left out). The language of the running page is a
context variable: the app sets it at the start of every run (`use`), each page thread has its own.
Numbers and dates are formatted for the language by Babel. Adding a language: docs/architecture.md.
"""

from __future__ import annotations

import functools
import gettext
import io
from collections.abc import Callable
from contextvars import ContextVar
from datetime import datetime
from pathlib import Path

from babel import Locale, dates, numbers
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

# The shipped languages, each named in its own words (the picker shows these).
LANGUAGES = {"en": "English", "es": "Español", "fr": "Français", "de": "Deutsch", "zh": "中文"}
SOURCE = "en"  # the messages themselves: no catalogue
BABEL_LOCALES = {"en": "en_US", "es": "es_ES", "fr": "fr_FR", "de": "de_DE", "zh": "zh_Hans_CN"}
LOCALES = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "digitlab"

_language: ContextVar[str | None] = ContextVar("digitlab_language", default=None)
_elsewhere: Callable[[], str | None] | None = None  # the language of a thread `use` was not called in


def catalogue_path(code: str) -> Path:
    return LOCALES / code / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.cache
def translations(code: str) -> gettext.NullTranslations:
    """The compiled catalogue of a language (English, or a language without one: the messages)."""
    if code == SOURCE or not catalogue_path(code).is_file():
        return gettext.NullTranslations()
    with catalogue_path(code).open("rb") as po:
        catalogue = read_po(po, locale=BABEL_LOCALES[code])
    compiled = io.BytesIO()
    write_mo(compiled, catalogue)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def use(code: str) -> str:
    """The language of what this thread shows from now on; an unknown code means English."""
    code = code if code in LANGUAGES else SOURCE
    _language.set(code)
    return code


def follow(language_of_this_thread: Callable[[], str | None]) -> None:
    """Where a thread has not called `use` (the app's fragments run in threads of their own), ask this."""
    global _elsewhere
    _elsewhere = language_of_this_thread


def current() -> str:
    code = _language.get() or (_elsewhere() if _elsewhere else None)
    return code if code in LANGUAGES else SOURCE


def _(message: str) -> str:
    """The message in the current language."""
    return translations(current()).gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """The singular or plural message, as the current language counts."""
    return translations(current()).ngettext(singular, plural, count)


def N_(message: str) -> str:
    """Marks a message for the catalogue; `_()` translates it where it is shown."""
    return message


def best_match(*preferences: str | None) -> str:
    """The first shipped language among browser preferences ("de-DE", "fr-CH,fr;q=0.9,en;q=0.8", ...)."""
    for preference in preferences:
        for tag in (preference or "").split(","):
            primary = tag.split(";")[0].strip().replace("_", "-").split("-")[0].lower()
            if primary in LANGUAGES:
                return primary
    return SOURCE


def locale() -> Locale:
    return Locale.parse(BABEL_LOCALES[current()])


def number(value: float, decimals: int = 0) -> str:
    """A number as the language writes it: 60,000 / 60.000 / 60 000, 0.5 / 0,5."""
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return numbers.format_decimal(value, format=pattern, locale=locale())


def percent(share: float, decimals: int = 1) -> str:
    """A share (0-1) as a percentage as the language writes it: 98.4% / 98,4 % / 98,4 %."""
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "") + "%"
    return numbers.format_percent(share, format=pattern, locale=locale())


def when(moment: datetime) -> str:
    """A date and time, short, as the language writes it."""
    return dates.format_datetime(moment, "short", locale=locale())
