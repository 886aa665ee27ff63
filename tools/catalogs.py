"""Keep the message catalogs in step with the code (maintainers; not part of the package).

    python tools/catalogs.py          # extract, merge into ru/kk .po, compile .mo
    python tools/catalogs.py --check  # exit 1 if a message lacks a translation

The `.po` files under `optimizer/locale/<lang>/LC_MESSAGES/` are the sources: edit
them (or a translation tool does), then run this script; it re-extracts every
string marked `_()`, `ngettext()` or `N_()` (the same as `pybabel extract -k _ -k
ngettext:1,2 -k N_`), adds new messages untranslated, drops obsolete ones, and
compiles the `.mo` files the package ships. tests/test_i18n.py fails on an
untranslated, fuzzy or stale entry.

Two catalogs per language: `monotowns.po`, the words of our code, and `typer.po`,
the words typer itself looks up with the standard library's gettext (its help
page's frames, "Error", "Try ... for help."), extracted from the installed typer's
sources (every module of it that imports `gettext`), so an upgrade of typer that
adds a message shows up here as untranslated (see optimizer/i18n.py).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir, extract_from_file
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "optimizer"
LOCALE = PACKAGE / "locale"
KEYWORDS = {"_": None, "ngettext": (1, 2), "N_": None}
LANGS = ("ru", "kk")
DOMAIN = "monotowns"
LIBRARY_DOMAIN = "typer"  # optimizer.i18n.LIBRARY_DOMAIN


def extract() -> Catalog:
    """Every marked message of the package, as a template."""
    pot = Catalog(project="monotowns", domain="monotowns")
    for _file, _line, message, _comments, _context in extract_from_dir(
        PACKAGE, [("**.py", "python")], keywords=KEYWORDS, comment_tags=()
    ):
        pot.add(message)
    return pot


def library_sources() -> list[Path]:
    """The installed typer's modules that look words up with gettext."""
    spec = importlib.util.find_spec("typer")
    assert spec is not None and spec.submodule_search_locations
    root = Path(next(iter(spec.submodule_search_locations)))
    return sorted(
        f
        for f in root.rglob("*.py")
        if "from gettext import gettext as _" in f.read_text(encoding="utf-8")
    )


def extract_library() -> Catalog:
    """Every message typer passes to gettext, as a template (the `typer` catalog)."""
    pot = Catalog(project="monotowns", domain=LIBRARY_DOMAIN)
    for source in library_sources():
        for _line, message, _comments, _context in extract_from_file(
            "python", source, keywords={"_": None}, comment_tags=()
        ):
            pot.add(message)
    return pot


def po_path(lang: str, domain: str = DOMAIN) -> Path:
    return LOCALE / lang / "LC_MESSAGES" / f"{domain}.po"


def update(pot: Catalog, lang: str, domain: str = DOMAIN) -> Catalog:
    path = po_path(lang, domain)
    if path.exists():
        with path.open("rb") as fh:
            cat = read_po(fh, locale=lang)
    else:
        cat = Catalog(locale=lang, project="monotowns", domain=domain)
    cat.update(pot, no_fuzzy_matching=True)
    cat.obsolete.clear()
    cat.fuzzy = False  # the header: a fuzzy header would drop Plural-Forms from the .mo
    cat.project, cat.version = "monotowns", "0.1"
    cat.copyright_holder = "monotowns contributors"
    cat.msgid_bugs_address = ""
    cat.last_translator = cat.language_team = "monotowns contributors"
    return cat


def save(cat: Catalog, lang: str, domain: str = DOMAIN) -> None:
    path = po_path(lang, domain)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        write_po(fh, cat, no_location=True, sort_output=True, width=100)
    with path.with_suffix(".mo").open("wb") as fh:
        write_mo(fh, cat)


def missing(cat: Catalog) -> list[str]:
    out = []
    for m in cat:
        if not m.id:
            continue
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        if m.fuzzy or not all(strings):
            out.append(m.id if isinstance(m.id, str) else m.id[0])
    return out


def main(check: bool) -> int:
    bad = 0
    for domain, template in ((DOMAIN, extract), (LIBRARY_DOMAIN, extract_library)):
        for lang in LANGS:
            # a template per language: babel's update adds the template's own message
            # objects, so one template would share new messages between ru and kk
            cat = update(template(), lang, domain)
            if not check:
                save(cat, lang, domain)
            for msg in missing(cat):
                print(f"{lang}: {domain}.po: untranslated: {msg!r}")
                bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main("--check" in sys.argv))
