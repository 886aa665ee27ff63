"""`report --lang ru|kk` (issue 17): report.html, report.md, report.xlsx and every
figure in the reader's language, with no English word but identifiers; figures whose
longer Russian and Kazakh labels neither run off the canvas nor into each other; the
front to walk with the towns' own names and the language's numbers; JSON documents
that do not change with the language.
"""

from __future__ import annotations

import html
import itertools
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from optimizer.cli import app
from optimizer.i18n import language, speaking
from tests.test_i18n import KZ, LANGS, identifiers

SPEND = "infrastructure-2020-illustrative"
TINY_PROJECTS = Path(__file__).parent / "data" / "tiny-projects"
SYNTHETIC_PROJECTS = Path(__file__).parent.parent / "instances" / "synthetic-projects"
# Latin words a Russian or Kazakh report may show besides identifiers() (the data's
# rule, file and town ids): genuine identifiers only.
REPORT_IDENTIFIERS = {
    # the tool, named in the footer and the versions table
    "monotowns",
    # file names: the inputs (instance.toml, towns.csv, measures.csv, effects.csv,
    # tier_effects.csv, scenarios/plan-2021.toml), reallocation.csv, the figures of
    # report.md (report-allocation.png, report-front.png, report-compare.png), report.html
    "instance", "toml", "towns", "measures", "effects", "tier", "scenarios", "csv",
    "reallocation", "report", "allocation", "front", "compare", "png", "html",
    # the versions table: the solver and the packages
    "HiGHS", "highspy", "pulp", "numpy", "matplotlib", "python",
    # "sha256" names the input hashes
    "sha",
}  # fmt: skip
HEX = re.compile(r"\b[0-9a-f]{64}\b")


def allowed() -> set[str]:
    return identifiers() | REPORT_IDENTIFIERS


def latin(text: str) -> set[str]:
    """The Latin words of `text` that are not allowed (sha256 digests left out)."""
    return set(re.findall(r"[A-Za-z]+", HEX.sub(" ", text))) - allowed()


def visible(page: str) -> str:
    """What a reader of report.html sees or hears: the text without tags, scripts and
    styles, and the alt texts, titles and ARIA labels."""
    body = re.sub(r"<script.*?</script>|<style.*?</style>", " ", page, flags=re.S)
    attrs = re.findall(r'\b(?:alt|title|aria-label)="([^"]*)"', body)
    return html.unescape(re.sub(r"<[^>]+>", " ", body) + "\n" + "\n".join(attrs))


def run(*args: str) -> Any:
    """A command in-process; the language it chose does not leak into other tests."""
    with speaking(language()):
        res = CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    return res


@pytest.fixture(scope="module", params=LANGS)
def report(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp(f"report-{request.param}")
    run("report", str(KZ), "-a", SPEND, "--lang", request.param, "--out", str(out),
        "--format", "xlsx")  # fmt: skip
    (out / "lang").write_text(request.param)
    return out


def test_report_html_has_no_english(report: Path) -> None:
    page = (report / "report.html").read_text(encoding="utf-8")
    lang = (report / "lang").read_text()
    assert f'<html lang="{lang}">' in page
    text = visible(page)
    assert not latin(text), f"English words in report.html ({lang}): {sorted(latin(text))}"
    # the towns and measures by their names in the language, numbers as it writes them
    assert ("Теміртау" if lang == "kk" else "Темиртау") in text
    assert ("Кластерлік инфрақұрылымды құру" if lang == "kk"
            else "Создание кластерной инфраструктуры") in text  # fmt: skip
    assert "8\u00a0700,0" in text
    assert ("1-сурет." if lang == "kk" else "Рисунок 1.") in text


def test_report_md_has_no_english(report: Path) -> None:
    from markdown_it import MarkdownIt

    md = (report / "report.md").read_text(encoding="utf-8")
    lang = (report / "lang").read_text()
    words = latin(re.sub(r"\]\([^)]*\)", "]", md))  # link targets are file names
    assert not words, f"English words in report.md ({lang}): {sorted(words)}"
    # the tables still parse as tables, each header as wide as its divider
    tokens = MarkdownIt("commonmark").enable("table").parse(md)
    assert sum(t.type == "table_open" for t in tokens) == len(
        re.findall(r"^\|[-:|]+\|$", md, flags=re.M)
    )


def test_report_workbook_keeps_numbers(report: Path) -> None:
    """report.xlsx: the sheets carry the report's captions and headers in the language,
    and "8 700,0" or "71,3 %" are numbers again, not text."""
    from openpyxl import load_workbook

    wb = load_workbook(report / "report.xlsx")
    numbers = texts = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows(min_row=2, values_only=True):
            for v in row:
                numbers += isinstance(v, int | float)
                if isinstance(v, str) and re.fullmatch(r"[+-]?[\d\u00a0]+(,\d+)?(\u00a0?%)?", v):
                    texts += 1
    assert numbers > 100 and texts == 0
    words = {w for ws in wb.worksheets for w in latin(ws.title)}
    assert not words, words


@pytest.mark.parametrize("args", [["--budget", "9000"], ["--points", "0"]])
def test_report_variants_have_no_english(args: list[str], tmp_path: Path) -> None:
    """Two budgets (--budget), and no front (--points 0): the notes and the payoff
    table speak Kazakh too; they may quote the option they name."""
    run("report", str(KZ), "-a", SPEND, "--lang", "kk", "--out", str(tmp_path), *args)
    option = {args[0].removeprefix("--")}
    for name in ("report.html", "report.md"):
        text = (tmp_path / name).read_text(encoding="utf-8")
        words = latin(visible(text) if name.endswith("html") else text) - option
        assert not words, (name, args, sorted(words))


def test_cell_values_in_the_language() -> None:
    """A number the report shows keeps its value, in every language, so the workbook
    writes numbers without reading the report's text back; other text stays text."""
    from optimizer.outputs.spreadsheet import cell_value
    from optimizer.outputs.text import fixed, pct

    with speaking("ru"):
        assert fixed(2368.2, 1) == "2\u00a0368,2"
        assert cell_value(fixed(2368.2, 1)) == (2368.2, "#,##0.0")
        assert cell_value(pct(71.3)) == (0.713, "0.0%")
        assert cell_value(fixed(-6552.94, 1)) == (-6552.9, "#,##0.0")
        assert cell_value("жұмыс орындары 0,5") == "жұмыс орындары 0,5"
        assert cell_value("2\u00a0368,2") == "2\u00a0368,2"  # text is never parsed
    assert cell_value(fixed(2368.2, 1)) == (2368.2, "#,##0.0")


# ----------------------------------------------------------------------------- figures


@pytest.fixture(scope="module")
def figures(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, list[Any]]]:
    """Every figure report, compare, pareto, sweep and uncertainty draw, in Kazakh and
    in Russian, caught as it is saved."""
    from matplotlib.figure import Figure

    caught: dict[str, list[Any]] = {}
    save = Figure.savefig
    current: list[Any] = []

    def keep(fig: Any, *args: Any, **kw: Any) -> Any:
        current.append(fig)
        return save(fig, *args, **kw)

    mp = pytest.MonkeyPatch()
    mp.setattr(Figure, "savefig", keep)
    try:
        for lang in LANGS:
            current.clear()
            out = tmp_path_factory.mktemp(f"figures-{lang}")
            run("report", str(KZ), "-a", SPEND, "--lang", lang, "--out", str(out / "r"))
            run("compare", str(KZ), "-a", SPEND, "--lang", lang, "--out", str(out / "c"))
            run("pareto", str(KZ), "-a", SPEND, "--lang", lang, "--out", str(out / "p"))
            run("sweep", str(KZ), "--budget", "8bn:12bn:5", "--lang", lang, "--out",
                str(out / "s"))  # fmt: skip
            run("uncertainty", str(KZ), "-a", SPEND, "--draws", "20", "--lang", lang,
                "--out", str(out / "u"))  # fmt: skip
            caught[lang] = list(current)
            # projects: cells and projects (three panels), projects only (two); their
            # instances' own names are English, so these count for the fit only
            current.clear()
            for name, src in (("tp", TINY_PROJECTS), ("sp", SYNTHETIC_PROJECTS)):
                run("uncertainty", str(src), "--draws", "10", "--lang", lang, "--out",
                    str(out / name))  # fmt: skip
            caught[f"{lang}-projects"] = list(current)
        yield caught
    finally:
        mp.undo()


def drawn_texts(fig: Any) -> list[Any]:
    """The texts a figure shows: titles, labels, legends, annotations and the tick
    labels inside the axes' view (matplotlib keeps others it does not draw)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.text import Text

    if not hasattr(fig.canvas, "get_renderer"):  # a pyplot figure, closed after saving
        FigureCanvasAgg(fig)
        fig.canvas.draw()
    ticks, shown = set(), set()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            lo, hi = sorted(axis.get_view_interval())
            pad = 1e-9 * (abs(lo) + abs(hi) + 1)
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                ids = {id(tick.label1), id(tick.label2)}
                ticks |= ids
                if lo - pad <= tick.get_loc() <= hi + pad:
                    shown |= ids
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()
            and (id(t) not in ticks or id(t) in shown)]  # fmt: skip


@pytest.mark.parametrize("lang", LANGS)
def test_figures_have_no_english(figures: dict[str, list[Any]], lang: str) -> None:
    figs = figures[lang]
    assert len(figs) == 7  # report 3, compare, pareto, sweep, uncertainty
    bad = {}
    for fig in figs:
        for t in drawn_texts(fig):
            for w in latin(t.get_text()):
                bad.setdefault(w, t.get_text())
    assert not bad, f"English words in the {lang} figures: {bad}"


@pytest.mark.parametrize("lang", LANGS)
def test_figure_labels_fit(figures: dict[str, list[Any]], lang: str) -> None:
    """No text runs off the canvas, and no two texts cover each other (Kazakh and
    Russian labels are longer than English ones)."""
    problems = []
    for fig in figures[lang] + figures[f"{lang}-projects"]:
        texts = drawn_texts(fig)
        renderer = fig.canvas.get_renderer()
        width, height = fig.bbox.width, fig.bbox.height
        boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in texts]
        for text, bb in boxes:
            if bb.x0 < -1 or bb.y0 < -1 or bb.x1 > width + 1 or bb.y1 > height + 1:
                problems.append(("cut", text))
        for (a, ba), (b, bb) in itertools.combinations(boxes, 2):
            both = ba.intersection(ba, bb)
            if both is not None and both.width > 2 and both.height > 2:
                problems.append(("overlap", a, b))
    assert not problems, problems


def test_measure_labels_on_three_short_lines() -> None:
    from optimizer.domain.instance import load_instance
    from optimizer.outputs.plots.style import measure_names

    inst = load_instance(KZ)
    with speaking("kk"):
        names = measure_names(inst, 20, 3)
    for name in names:
        assert 1 <= len(name.split("\n")) <= 3 and all(len(s) <= 20 for s in name.split("\n"))
    assert names[0].endswith("…")  # the long retraining label, cut


# ----------------------------------------------------------------------------- documents


def test_json_does_not_change_with_the_language(tmp_path: Path) -> None:
    """summary.json's words (the unit of each rate, notes) stay English: a program
    reads them, whatever language the person running the tool speaks."""
    docs = {}
    for lang in ("en", "kk"):
        run("solve", str(KZ), "--lang", lang, "--out", str(tmp_path / lang))
        text = (tmp_path / lang / "summary.json").read_text(encoding="utf-8")
        docs[lang] = re.sub(r'"seconds": [-+.\deE]+', '"seconds": 0', text)  # timings differ
    assert docs["en"] == docs["kk"]
    assert '"unit_text": "1 bn KZT"' in docs["en"]


# ----------------------------------------------------------------------------- browser


def test_kazakh_report_in_chromium(report: Path, tmp_path: Path) -> None:
    """At 1400 px nothing overflows its box (cards, headings, captions); the front to
    walk names the towns in Kazakh, keeps their ids in data-town, and writes numbers
    as Kazakh does (1 500,0), though the browser's own locale data may lack Kazakh."""
    if (report / "lang").read_text() != "kk":
        pytest.skip("the Kazakh report is enough for the browser")
    from tests.test_presentation import BROWSER_ARGS, CHROMIUM, browser

    with browser()() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=BROWSER_ARGS)
        try:
            page = b.new_page(viewport={"width": 1400, "height": 900})
            page.goto((report / "report.html").as_uri() + "#front=1500")
            page.reload()
            assert page.evaluate("document.documentElement.scrollWidth") <= 1400
            over = page.evaluate(
                """() => [...document.querySelectorAll(
                     '.card, .card *, h1, h2, h3, figcaption, p, li, .table-title')]
                   .filter(e => e.scrollWidth > e.clientWidth + 1)
                   .map(e => e.textContent.slice(0, 60))"""
            )
            assert not over, over
            assert page.text_content("#front-value-jobs") == "1\u00a0500,0"
            rate = page.text_content("#front-rate")
            assert "," in rate and "." not in rate
            towns = page.eval_on_selector_all(
                "#front-allocation tbody th", "ths => ths.map(t => t.textContent)"
            )
            ids = page.eval_on_selector_all(
                "#front-allocation tbody tr", "trs => trs.map(t => t.dataset.town)"
            )
            assert "Теміртау" in towns and "Temirtau" in ids and "Temirtau" not in towns
            cost = page.eval_on_selector_all(
                "#front-allocation tbody td.num", "tds => tds.map(t => t.textContent)"
            )
            assert cost and all(re.fullmatch(r"[\d\u00a0]+,\d", c) for c in cost), cost[:5]
            page.screenshot(path=str(tmp_path / "report-kk-1400.png"), full_page=True)
        finally:
            b.close()
