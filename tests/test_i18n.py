"""The tool speaks English, Russian and Kazakh (issue 17).

The catalogs are complete (every message translated in each language, none fuzzy),
cover every marked string of the code (re-extracted here), and the shipped `.mo`
files say what the `.po` sources say. `solve --lang ru|kk` prints no English word
besides identifiers; plural forms and numbers follow the language.
"""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from typer.testing import CliRunner

from optimizer.cli import app
from optimizer.i18n import LOCALE_DIR, detect, ngettext, speaking

REPO = Path(__file__).resolve().parent.parent
KZ = REPO / "instances" / "kazakhstan"
LANGS = ("ru", "kk")
KEYWORDS = {"_": None, "ngettext": (1, 2), "N_": None}


def catalog(lang: str):
    with (LOCALE_DIR / lang / "LC_MESSAGES" / "monotowns.po").open("rb") as fh:
        return read_po(fh, locale=lang)


def marked() -> set[str | tuple[str, ...]]:
    """Every string the code marks with _(), ngettext() or N_() (pybabel extract)."""
    return {
        msg
        for _f, _l, msg, _c, _x in extract_from_dir(
            REPO / "optimizer", [("**.py", "python")], keywords=KEYWORDS, comment_tags=()
        )
    }


@pytest.mark.parametrize("lang", LANGS)
def test_every_message_translated_none_fuzzy(lang: str) -> None:
    cat = catalog(lang)
    assert not cat.fuzzy, f"{lang}: the catalog header is fuzzy (Plural-Forms would be lost)"
    bad = []
    for m in cat:
        if not m.id:
            continue
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        if m.fuzzy or not all(s.strip() for s in strings):
            bad.append(m.id)
        if isinstance(m.id, tuple):
            assert len(strings) == cat.num_plurals, m.id
        # the same {placeholders} on both sides, or .format() fails at run time
        want = set(re.findall(r"\{\w*\}", m.id if isinstance(m.id, str) else m.id[1]))
        for s in strings:
            assert set(re.findall(r"\{\w*\}", s)) <= want | {"{n}"}, (lang, m.id, s)
            assert want - {"{n}"} <= set(re.findall(r"\{\w*\}", s)), (lang, m.id, s)
    assert not bad, f"{lang}: untranslated or fuzzy: {bad}"


@pytest.mark.parametrize("lang", LANGS)
def test_catalog_covers_every_marked_string(lang: str) -> None:
    ids = {m.id for m in catalog(lang) if m.id}
    missing = sorted(map(str, marked() - ids))
    assert not missing, f"{lang}: run tools/catalogs.py and translate: {missing}"


@pytest.mark.parametrize("lang", LANGS)
def test_compiled_catalog_is_up_to_date(lang: str) -> None:
    mo = gettext.translation("monotowns", localedir=LOCALE_DIR, languages=[lang])
    for m in catalog(lang):
        if not m.id:
            continue
        if isinstance(m.id, tuple):
            for n in (1, 2, 5):
                got = mo.ngettext(m.id[0], m.id[1], n)
                assert got in m.string, (lang, m.id, n, got)
        else:
            assert mo.gettext(m.id) == m.string, f"{lang}: .mo is stale, run tools/catalogs.py"


def test_plural_forms() -> None:
    with speaking("ru"):
        got = [ngettext("{n} town", "{n} towns", n).format(n=n) for n in (1, 2, 5, 11, 21, 22)]
    assert got == ["1 город", "2 города", "5 городов", "11 городов", "21 город", "22 города"]
    with speaking("kk"):  # after a numeral a Kazakh noun stays singular
        assert {ngettext("{n} town", "{n} towns", n).format(n=n) for n in (1, 2, 5)} == {
            "1 қала", "2 қала", "5 қала"}  # fmt: skip
    assert ngettext("{n} town", "{n} towns", 2).format(n=2) == "2 towns"


def test_numbers_follow_the_language() -> None:
    from optimizer.outputs.text import mln, money, pct, rate

    assert (mln(10400), money(10400, "KZT"), pct(74.2), rate(0.00605)) == (
        "10,400.0", "10.4 bn KZT", "74.2%", "0.00605")  # fmt: skip
    with speaking("ru"):
        assert f"{mln(10400)} млн ₸" == "10\u00a0400,0 млн ₸"
        assert (money(10400, "KZT"), pct(74.2), rate(0.00605)) == (
            "10,4 млрд ₸", "74,2\u00a0%", "0,00605")  # fmt: skip
    with speaking("kk"):
        assert (mln(10400), money(850, "KZT")) == ("10\u00a0400,0", "850 млн ₸")


def test_language_choice() -> None:
    assert detect({}) == "en"
    assert detect({"LANG": "ru_RU.UTF-8"}) == "ru"
    assert detect({"LANG": "kk_KZ.UTF-8", "LC_ALL": "de_DE.UTF-8"}) == "en"
    assert detect({"LANG": "kk_KZ.UTF-8", "LC_MESSAGES": "C"}) == "en"
    assert detect({"LC_MESSAGES": "kk_KZ", "LANG": "en_US"}) == "kk"
    assert detect({"MONOTOWNS_LANG": "kk", "LANG": "ru_RU.UTF-8"}) == "kk"


def identifiers() -> set[str]:
    """Latin words allowed in Russian and Kazakh output: identifiers of the data
    (scenario rule names such as low-potential-floor, scenario file names) and the
    option names a message may quote. Town and measure ids are allowed too, though
    the Kazakhstan instance names all of them in both languages."""
    import tomllib

    words: set[str] = set()
    for f in (KZ / "scenarios").glob("*.toml"):
        doc = tomllib.loads(f.read_text(encoding="utf-8"))
        words.update(re.findall(r"[A-Za-z]+", f.stem))
        for rule in doc.get("rules", []):
            words.update(re.findall(r"[A-Za-z]+", rule.get("name", "")))
    for f in ("towns.csv", "measures.csv"):
        first = [ln.split(",")[0] for ln in (KZ / f).read_text(encoding="utf-8").splitlines()]
        for w in first[1:]:
            words.update(re.findall(r"[A-Za-z]+", w))
    # the provenance line names data files and their columns or keys (SPEC section 11)
    prov = tomllib.loads((KZ / "instance.toml").read_text(encoding="utf-8")).get("provenance", {})
    for key in [*prov.get("derived", {}), *prov.get("assumed", {}), *prov.get("illustrative", [])]:
        words.update(re.findall(r"[A-Za-z]+", key))
    words.update(("SOURCES", "md"))
    return words


@pytest.mark.parametrize("lang", LANGS)
def test_solve_speaks_the_language(lang: str) -> None:
    res = CliRunner().invoke(app, ["solve", str(KZ), "--lang", lang], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    latin = set(re.findall(r"[A-Za-z]+", res.output))
    assert latin, "the rule names are identifiers and stay"
    assert latin <= identifiers(), f"English words in {lang} output: {latin - identifiers()}"
    assert "10\u00a0400,0 млн ₸" in res.output
    assert ("Теміртау" if lang == "kk" else "Темиртау") in res.output


def test_english_stays_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("MONOTOWNS_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(var, raising=False)
    res = CliRunner().invoke(app, ["solve", str(KZ)])
    assert res.exit_code == 0
    assert "2021 plan: weighted, budget 10,400.0 mln KZT" in res.output
    res = CliRunner().invoke(app, ["solve", str(KZ)], env={"MONOTOWNS_LANG": "ru"})
    assert "План 2021 года" in res.output


def test_json_and_csv_do_not_change(tmp_path: Path) -> None:
    outs = {}
    for lang in ("en", "kk"):
        res = CliRunner().invoke(app, ["solve", str(KZ), "--lang", lang, "--format", "csv"])
        assert res.exit_code == 0
        outs[lang] = res.output
    assert outs["en"] == outs["kk"]
    assert outs["kk"].startswith("town,measure,volume_mln")


def test_errors_in_the_language(tmp_path: Path) -> None:
    res = CliRunner().invoke(app, ["solve", str(KZ), "--lang", "ru", "--format", "xlsx"])
    assert res.exit_code == 2
    assert "ошибка:" in res.output and "нужен --out" in res.output
    res = CliRunner().invoke(app, ["solve", str(KZ), "--lang", "de"])
    assert res.exit_code == 2 and "en, ru, kk" in res.output


def test_validate_counts_in_kazakh() -> None:
    res = CliRunner().invoke(app, ["validate", str(KZ), "--lang", "kk"])
    assert res.exit_code == 0
    assert "27 қала, 6 шара, 2 өлшем" in res.output


def test_display_names_loaded() -> None:
    from optimizer.domain.instance import load_instance

    inst = load_instance(KZ)
    kk = dict(zip(inst.towns, inst.town_names["kk"], strict=True))
    assert kk["Zhanaozen"] == "Жаңаөзен" and kk["Satpayev"] == "Сәтбаев"
    assert inst.measure_labels["kk"][inst.measures.index("cluster_infrastructure")] == (
        "Кластерлік инфрақұрылымды құру"
    )
    assert "town_ru" not in inst.town_extra


KAZAKH_LETTERS = "әғқңөұүһі"


def test_report_in_kazakh_renders_in_chromium(tmp_path: Path) -> None:
    """report --lang kk: <html lang="kk">, Kazakh headings, names and plot labels; the
    page font stack and the plots' font (DejaVu Sans) have every Kazakh letter."""
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    res = CliRunner().invoke(app, ["report", str(KZ), "--lang", "kk", "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert '<html lang="kk">' in html and '"DejaVu Sans"' in html
    assert "Оңтайлы бөлу" in html and "2021 жылғы жоспар" in html
    md = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "Оңтайлы бөлу" in md
    font = FT2Font(font_manager.findfont("DejaVu Sans"))
    assert all(font.get_char_index(ord(c)) for c in KAZAKH_LETTERS + KAZAKH_LETTERS.upper())
    from tests.test_presentation import BROWSER_ARGS, CHROMIUM, browser

    with browser()() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=BROWSER_ARGS)
        page = b.new_page()
        page.goto((tmp_path / "report.html").as_uri())
        text = page.inner_text("body")
        assert "Оңтайлы бөлу" in text and "2021 жылғы жоспар" in text
        # every Kazakh letter has a glyph in the page's font (not the fallback box)
        widths = page.evaluate(
            """letters => { const c = document.createElement('canvas').getContext('2d');
              c.font = getComputedStyle(document.body).font;
              const tofu = c.measureText('\\uFFFF').width;
              return letters.split('').map(l => c.measureText(l).width !== tofu); }""",
            KAZAKH_LETTERS,
        )
        assert all(widths)
        page.screenshot(path=str(tmp_path / "report-kk.png"))
        b.close()
