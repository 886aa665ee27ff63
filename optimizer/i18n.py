"""The language the tool speaks: English (the default), Russian or Kazakh.

Words go through gettext message catalogs (`optimizer/locale/<lang>/LC_MESSAGES/
monotowns.po`, compiled to `.mo` with Babel and shipped beside the sources), so a
translation is a catalog entry, plural forms included (Russian has three forms:
1 город, 2 города, 5 городов; Kazakh nouns after a numeral stay singular). Numbers
are formatted by `optimizer.outputs.text` with Babel's locale data.

Strings are marked for `pybabel extract` with the keywords `_`, `ngettext` and
`N_` (a no-op marker for module-level constants, translated where they are
shown). This module imports only the standard library, so every layer may use it.

The language is an argument of rendering, not process state. The translations in
use (a `Language`: our catalog and typer's) live in a `contextvars.ContextVar`:
the CLI chooses them once per run (`--lang`, else `MONOTOWNS_LANG`, else the
user's locale, else English) with `set_language`, in the run's own context, so a
run never changes another's language (tests, threads) and nothing is left behind
when it ends. Core code never chooses it. Words that must not follow the run's
language (the English values of a JSON document) are rendered with `rendered_in`,
which calls a word function with other translations without touching the run's.

Libraries speak too. typer looks its own words up through the standard library's
`gettext.gettext`, which only the process environment (`LANGUAGE`) could steer;
we never write it. Instead `Language.library` holds a second catalog shipped
beside ours, `locale/<lang>/LC_MESSAGES/typer.po` (+ `.mo`; `tools/catalogs.py`
extracts its messages from the installed typer's sources), and
`optimizer.cli.common` looks typer's words up there where typer shows them (its
help panels' titles, "Error", "Try ... for help.", its usage errors).
tests/test_i18n_cli.py checks that every typer message is translated. The words
the CLI framework prints without gettext (its vendored click: "Usage:", "No such
option", "Missing argument", ...) are translated by `optimizer.cli.common` too.
"""

from __future__ import annotations

import contextvars
import functools
import gettext
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import ParamSpec, TypeVar

LANGUAGES = ("en", "ru", "kk")
DOMAIN = "monotowns"
LIBRARY_DOMAIN = "typer"  # the messages typer looks up with gettext.gettext
LOCALE_DIR = Path(__file__).resolve().parent / "locale"

P = ParamSpec("P")
T = TypeVar("T")


@dataclass(frozen=True, eq=False)
class Language:
    """One language's words: `messages`, our catalog; `library`, typer's."""

    code: str
    messages: gettext.NullTranslations
    library: gettext.NullTranslations


ENGLISH = Language("en", gettext.NullTranslations(), gettext.NullTranslations())
# The translations of the run in the current context; English until a run chooses.
WORDS: contextvars.ContextVar[Language] = contextvars.ContextVar("monotowns_words", default=ENGLISH)


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


def translations(lang: str | None) -> Language:
    """The words of `lang` (None: `detect()`). An unknown language raises ValueError
    naming the three known ones (in the language in use)."""
    code = (lang or detect()).strip().lower()
    if code not in LANGUAGES:
        raise ValueError(
            _("unknown language {lang}: use one of {languages}").format(
                lang=repr(code), languages=", ".join(LANGUAGES)
            )
        )
    return catalogs(code)


@functools.cache
def catalogs(code: str) -> Language:
    """The catalogs of a known language, read once per process."""
    if code == "en":
        return ENGLISH
    return Language(
        code,
        gettext.translation(DOMAIN, localedir=LOCALE_DIR, languages=[code]),
        gettext.translation(LIBRARY_DOMAIN, localedir=LOCALE_DIR, languages=[code]),
    )


def asked_for(args: Sequence[str]) -> Language:
    """The language a command line asks for: its `--lang`, else `detect()`. A `--lang`
    we do not speak falls back to `detect()` (then English): the CLI's `--lang` check
    reports it, in that language."""
    for wanted in (lang_in(args), None):
        try:
            return translations(wanted)
        except ValueError:
            continue
    return ENGLISH


def set_language(lang: str | Language | None) -> str:
    """Speak `lang` in the current context from now on (None: `detect()`); returns the
    language chosen. The CLI calls it once per run, in the run's own context."""
    chosen = lang if isinstance(lang, Language) else translations(lang)
    WORDS.set(chosen)
    return chosen.code


def current() -> Language:
    """The translations in use."""
    return WORDS.get()


def language() -> str:
    """The language in use: en, ru or kk."""
    return WORDS.get().code


@contextmanager
def speaking(lang: str) -> Iterator[None]:
    """Speak `lang` inside the block, then what was spoken before (tests)."""
    token = WORDS.set(translations(lang))
    try:
        yield
    finally:
        WORDS.reset(token)


def rendered_in(
    lang: str | Language, words: Callable[P, T], *args: P.args, **kwargs: P.kwargs
) -> T:
    """`words(*args, **kwargs)` rendered with `lang`'s translations, in a copy of the
    current context: the run's language is not touched (an English value of a JSON
    document in a Russian run; a progress line drawn by another thread)."""
    chosen = lang if isinstance(lang, Language) else translations(lang)

    def call() -> T:
        WORDS.set(chosen)
        return words(*args, **kwargs)

    return contextvars.copy_context().run(call)


def _(message: str) -> str:
    """`message` in the current language."""
    return WORDS.get().messages.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The plural form of the current language for `n` (format `n` in yourself)."""
    return WORDS.get().messages.ngettext(singular, plural, n)


def lang_in(args: Sequence[str]) -> str | None:
    """The value of `--lang` on a command line (`--lang ru`, `--lang=ru`), else None;
    the last one given wins, as it does for any option."""
    found = None
    for i, arg in enumerate(args):
        if arg == "--":
            break
        if arg == "--lang" and i + 1 < len(args):
            found = args[i + 1]
        elif arg.startswith("--lang="):
            found = arg.partition("=")[2]
    return found


def percent_sign() -> str:
    """`%`, or ` %` with a no-break space where the language writes one (ru)."""
    return "\u00a0%" if language() == "ru" else "%"


def N_(message: str) -> str:
    """Mark a constant for extraction; `_()` translates it where it is shown."""
    return message
