"""The language the tool speaks: English (the default), Russian or Kazakh.

Words go through gettext message catalogs (`optimizer/locale/<lang>/LC_MESSAGES/
monotowns.po`, compiled to `.mo` with Babel and shipped beside the sources), so a
translation is a catalog entry, plural forms included (Russian has three forms:
1 город, 2 города, 5 городов; Kazakh nouns after a numeral stay singular). Numbers
are formatted by `optimizer.outputs.text` with Babel's locale data.

Strings are marked for `pybabel extract` with the keywords `_`, `ngettext` and
`N_` (a no-op marker for module-level constants, translated where they are
shown). The language is a process-wide setting, chosen once by the CLI
(`--lang`, else `MONOTOWNS_LANG`, else the user's locale, else English); core code
never chooses it. This module imports only the standard library, so every layer
may use it.

Libraries speak too. typer looks its own words up through the standard library's
`gettext.gettext` (the process-wide default domain: "Options", "Error", "Try ...
for help.", "[default: ...]"). `set_language` therefore also points that default
domain at a second catalog shipped beside ours, `locale/<lang>/LC_MESSAGES/
typer.po` (+ `.mo`; `tools/catalogs.py` extracts its messages from the installed
typer's sources), and sets `LANGUAGE`, the variable gettext reads first, to the
language in use, so any later `gettext.gettext` call, and any module typer imports
later, answers in it (the words typer computes once, when a module of it is
imported, are looked up again on a change of language by `optimizer.cli.common`).
A library message missing from that catalog stays English
(tests/test_i18n_cli.py checks that every typer message is translated). The words
the CLI framework prints without gettext (its vendored click: "Usage:", "No such
option", "Missing argument", ...) are translated by `optimizer.cli.common`.
"""

from __future__ import annotations

import functools
import gettext
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

LANGUAGES = ("en", "ru", "kk")
DOMAIN = "monotowns"
LIBRARY_DOMAIN = "typer"  # the messages typer looks up with gettext.gettext
LOCALE_DIR = Path(__file__).resolve().parent / "locale"

_lang = "en"
_tr: gettext.NullTranslations = gettext.NullTranslations()
_library: str | None = None  # the language the standard library's gettext speaks (typer)


def detect(env: Mapping[str, str] | None = None) -> str:
    """The language to speak when `--lang` is not given: `MONOTOWNS_LANG`, else the
    locale (`LC_ALL`, then `LC_MESSAGES`, then `LANG`, as POSIX orders them) when it
    is one of ours (`ru_RU.UTF-8` -> ru, `kk_KZ` -> kk), else English."""
    env = os.environ if env is None else env
    wanted = env.get("MONOTOWNS_LANG", "").strip().lower()
    if wanted:
        return wanted
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(var, "")
        if value:  # the first one set decides, even if it is not ours
            code = value.split(".")[0].split("_")[0].split("@")[0].lower()
            return code if code in LANGUAGES else "en"
    return "en"


def set_language(lang: str | None) -> str:
    """Speak `lang` from now on (None: `detect()`); returns the language chosen.
    An unknown language raises ValueError naming the three known ones."""
    global _lang, _tr
    lang = (lang or detect()).strip().lower()
    if lang not in LANGUAGES:
        raise ValueError(
            _("unknown language {lang}: use one of {languages}").format(
                lang=repr(lang), languages=", ".join(LANGUAGES)
            )
        )
    _lang = lang
    _tr = catalog(lang)
    if _library != lang:
        speak_library_words(lang)
    return lang


@functools.cache
def catalog(lang: str) -> gettext.NullTranslations:
    """The messages of `lang`, read once per process (`speaking` switches languages for
    every English value a document writes)."""
    if lang == "en":
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, localedir=LOCALE_DIR, languages=[lang])


def speak_library_words(lang: str) -> None:
    """Make the standard library's `gettext.gettext` (what typer calls) answer in `lang`
    from the `typer` catalog: the default domain and `LANGUAGE` (see the module's
    docstring). English has no catalog, so gettext returns the words as they are."""
    gettext.bindtextdomain(LIBRARY_DOMAIN, str(LOCALE_DIR))
    gettext.textdomain(LIBRARY_DOMAIN)
    global _library
    os.environ["LANGUAGE"] = lang
    _library = lang


def language() -> str:
    """The language in use: en, ru or kk."""
    return _lang


@contextmanager
def speaking(lang: str) -> Iterator[None]:
    """Speak `lang` inside the block (tests; documents that must stay English)."""
    before = _lang
    set_language(lang)
    try:
        yield
    finally:
        set_language(before)


def _(message: str) -> str:
    """`message` in the current language."""
    return _tr.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The plural form of the current language for `n` (format `n` in yourself)."""
    return _tr.ngettext(singular, plural, n)


def lang_in(args: list[str]) -> str | None:
    """The value of `--lang` on a command line (`--lang ru`, `--lang=ru`), else None."""
    for i, arg in enumerate(args):
        if arg == "--":
            break
        if arg == "--lang" and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith("--lang="):
            return arg.partition("=")[2]
    return None


def percent_sign() -> str:
    """`%`, or ` %` with a no-break space where the language writes one (ru)."""
    return "\u00a0%" if _lang == "ru" else "%"


def N_(message: str) -> str:
    """Mark a constant for extraction; `_()` translates it where it is shown."""
    return message
