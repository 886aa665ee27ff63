"""Issue 14: what people read. Valid Markdown, accessible HTML for print and phone, the
front walked in a real browser, terminal output that fits, and workbooks for every result."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from optimizer.cli import app

KZ = Path(__file__).resolve().parent.parent / "instances" / "kazakhstan"
TINY = Path(__file__).parent / "data" / "tiny"
CHROMIUM = Path("/usr/bin/chromium")
MONOTOWNS = Path(sys.executable).parent / "monotowns"
BROWSER_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync"]  # fmt: skip


@pytest.fixture(scope="module")
def kz_report(tmp_path_factory) -> Path:
    from typer.testing import CliRunner

    out = tmp_path_factory.mktemp("kz-report")
    res = CliRunner().invoke(app, ["report", str(KZ), "-a", "infrastructure-2020-illustrative",
                                   "--out", str(out), "--format", "xlsx"])  # fmt: skip
    assert res.exit_code == 0, res.output
    return out


def run(*args: str, columns: int | None = None) -> str:
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    if columns is not None:
        env["COLUMNS"] = str(columns)
    res = subprocess.run([str(MONOTOWNS), *args], capture_output=True, text=True, env=env,
                         timeout=300)  # fmt: skip
    assert res.returncode == 0, res.stderr
    return res.stdout


# ----------------------------------------------------------------------------- Markdown


def test_every_markdown_table_parses(kz_report: Path) -> None:
    """CommonMark + GFM tables: each table of the report is a table, with its header's columns."""
    from markdown_it import MarkdownIt

    md = (kz_report / "report.md").read_text()
    tokens = MarkdownIt("commonmark").enable("table").parse(md)
    tables = sum(t.type == "table_open" for t in tokens)
    expected = len(re.findall(r"^\|[-:|]+\|$", md, flags=re.M))
    assert tables == expected >= 15
    assert "Front points" in md
    # every header row has as many cells as the divider under it
    lines = md.splitlines()
    for i, line in enumerate(lines):
        if re.fullmatch(r"\|[-:|]+\|", line):
            assert lines[i - 1].count(" | ") + 1 == line.count("|") - 1, lines[i - 1]


def test_table_with_wrong_alignment_is_refused() -> None:
    from optimizer.outputs.report import table

    with pytest.raises(ValueError, match="3 columns"):
        table(["a", "b", "c"], [["1", "2", "3"]], [True, True, True, False])


def test_markdown_figures_open_full_size(kz_report: Path) -> None:
    md = (kz_report / "report.md").read_text()
    assert re.search(r"\[!\[[^\]]+\]\(report-front\.png\)\]\(report-front\.png\)", md)


# ----------------------------------------------------------------------------- HTML


def test_tables_are_accessible(kz_report: Path) -> None:
    page = (kz_report / "report.html").read_text()
    tables = re.findall(r"<table[^>]*>(.*?)</table>", page, flags=re.S)
    assert len(tables) >= 15
    for t in tables:
        assert re.match(r"<caption[^>]*>[^<]+</caption>", t), t[:200]
        assert "<th>" not in t and 'scope="col"' in t
    assert page.count('<a class="zoom"') == page.count("<figure")


def test_print_and_phone_css(kz_report: Path) -> None:
    page = (kz_report / "report.html").read_text()
    assert "@page { size: A4 portrait" in page and "@media print" in page
    assert "break-after: avoid" in page and "@media (max-width: 600px)" in page
    # the by-town table (11 columns) prints in parts that together hold every column
    parts = re.findall(
        r"By town \(at [\d,.]+ mln; budget cost, mln\) \(part (\d) of (\d)\)</caption>", page
    )
    assert parts and int(parts[0][1]) >= 2


def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed (pip install -e '.[test]')")
    if not CHROMIUM.exists():
        pytest.skip("no browser: Chromium is not installed (apt-get install chromium)")
    return sync_playwright


def front_of(instance_dir: Path, budget_mln: float | None = None):
    from optimizer.analysis.pareto import compute_front
    from optimizer.domain.instance import load_instance
    from optimizer.domain.scenario import load_scenario

    inst = load_instance(instance_dir)
    scen = load_scenario(inst, None)
    if budget_mln is not None:
        scen = scen.with_budget(budget_mln)
    return inst, compute_front(inst, scen, 21, "highs")


def shown_volumes(page, inst) -> np.ndarray:
    rows = page.eval_on_selector_all(
        "#front-allocation tbody tr",
        "rs => rs.map(r => [r.dataset.town, r.dataset.measure, r.dataset.volumeMln])",
    )
    x = np.zeros((inst.n_towns, inst.n_measures))
    for town, measure, v in rows:
        x[inst.towns.index(town), inst.measures.index(measure)] = float(v)
        assert float(v) > 0
    return x


def test_walk_the_front_in_chromium(kz_report: Path) -> None:
    """SPEC 13: #front=<value> selects the point; the allocation shown scores, by the
    project's own scoring, to the front's values there; the slider moves it."""
    from optimizer.domain.evaluate import score_volumes

    sync_playwright = browser()
    # the report compares a spend, so its front is at the spend's budget cost (8.7 bn)
    inst, front = front_of(KZ, 8700.0)
    bps = sorted(front.breakpoints, key=lambda p: p.values[0])
    xs = np.array([p.values[0] for p in bps])
    ys = np.array([p.values[1] for p in bps])
    url = (kz_report / "report.html").as_uri()
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=BROWSER_ARGS)
        try:
            page = b.new_page(viewport={"width": 1400, "height": 900})
            requests = []
            page.on("request", lambda r: requests.append(r.url))
            for x in (float(xs[0]), 0.5 * (xs[3] + xs[4]), 1500.0, float(xs[-1]), 1e9, -5.0):
                page.goto(f"{url}#front={x}")
                page.reload()
                want_x = float(np.clip(x, xs[0], xs[-1]))
                want_y = float(np.interp(want_x, xs, ys))
                got = {c: float(page.get_attribute(f"#front-value-{c}", "data-value"))
                       for c in inst.criteria}  # fmt: skip
                assert got["jobs"] == pytest.approx(want_x, rel=1e-9)
                assert got["population"] == pytest.approx(want_y, rel=1e-7)
                score = score_volumes(inst, shown_volumes(page, inst))
                assert score == pytest.approx([want_x, want_y], rel=1e-6, abs=1e-6)
                assert float(page.input_value("#front-slider")) == pytest.approx(want_x, rel=1e-3)
            k = int(np.searchsorted(xs, 1500.0))
            rate = -(ys[k] - ys[k - 1]) / (xs[k] - xs[k - 1])
            page.goto(f"{url}#front=1500")
            page.reload()
            assert float(page.get_attribute("#front-rate", "data-value")) == pytest.approx(rate)
            # the slider: move it and the page follows
            page.eval_on_selector(
                "#front-slider",
                "(s, v) => { s.value = v; s.dispatchEvent(new Event('input')); }",
                str(float(xs[2])),
            )
            score = score_volumes(inst, shown_volumes(page, inst))
            assert score == pytest.approx([xs[2], ys[2]], rel=1e-6)
            assert "#front=" in page.url
            assert all(u.startswith(("file:", "data:")) for u in requests)
        finally:
            b.close()


def test_print_to_a4_keeps_every_column(kz_report: Path, tmp_path: Path) -> None:
    """Printed to A4, the PDF holds every town and every measure of the by-town table."""
    sync_playwright = browser()
    from pypdf import PdfReader

    from optimizer.domain.instance import load_instance

    inst = load_instance(KZ)
    pdf = tmp_path / "report.pdf"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=BROWSER_ARGS)
        try:
            page = b.new_page()
            page.goto((kz_report / "report.html").as_uri())
            page.pdf(path=str(pdf), format="A4")
            for width in (390, 1400):
                page.set_viewport_size({"width": width, "height": 900})
                assert page.evaluate("document.documentElement.scrollWidth") <= width
        finally:
            b.close()
    pages = PdfReader(pdf).pages
    flat = " ".join(" ".join(page.extract_text() for page in pages).split())
    for town in inst.towns:
        assert town in flat, town
    for m in inst.measures:
        assert m.replace("_", " ") in flat, m


# ----------------------------------------------------------------------------- terminal


def test_shares_add_up_to_100() -> None:
    from optimizer.outputs.text import shares_pct

    shares = shares_pct([9.1, 6132.1, 0, 3554.6, 704.2, 0])
    assert sum(float(s.rstrip("%")) for s in shares) == pytest.approx(100.0)
    assert shares[0] == "0.1%"
    out = run("solve", str(KZ), "--no-sensitivity")
    block = out.split("Budget cost by measure")[1].split("Top")[0]
    got = [float(v) for v in re.findall(r"(\d+\.\d)%", block)]
    assert sum(got) == pytest.approx(100.0)


def test_signs_print_right() -> None:
    from optimizer.outputs.text import signed_pct

    assert signed_pct(-0.3) == "0%" and signed_pct(7.4) == "+7%" and signed_pct(-12) == "-12%"
    out = run("explain", str(KZ), "--town", "Rudny")
    assert "+-" not in out


@pytest.mark.parametrize(
    "args",
    [
        ["solve", str(KZ)],
        ["compare", str(KZ), "-a", "infrastructure-2020-illustrative"],
        ["explain", str(KZ), "--town", "Rudny"],
        ["sweep", str(KZ), "--budget", "5bn:15bn:3"],
        ["uncertainty", str(KZ), "--draws", "20"],
        ["pareto", str(KZ)],
    ],
)
def test_tables_fit_80_columns(args: list[str]) -> None:
    from optimizer.domain.instance import load_instance

    out = run(*args, columns=80)
    lines = out.splitlines()
    for line in lines:
        assert line == line.rstrip(), repr(line)
        if line[:1] in "┏┃┡│└":
            assert len(line) <= 80, line
    assert "…" not in out
    inst = load_instance(KZ)
    table_text = "\n".join(line for line in lines if line[:1] in "┃│")
    for m in inst.measures:
        if m in out:  # a name in a table is whole, never "constr..."
            assert re.search(rf"\b{m}\b", out)
    if args[0] == "solve":
        assert "low-potential-floor" in table_text and "town-cap (binding, no cost)" in table_text


def test_piped_prose_is_not_hard_wrapped() -> None:
    out = run("compare", str(KZ), "-a", "infrastructure-2020-illustrative")
    dominated = next(line for line in out.splitlines() if "is dominated" in line)
    assert dominated.rstrip().endswith("dominate it.")
    assert all(line == line.rstrip() for line in out.splitlines())


def test_points_help_says_what_it_does(runner) -> None:
    res = runner.invoke(app, ["report", "--help"], env={"COLUMNS": "200"})
    assert "pareto module is installed" not in res.output
    assert "--points" in res.output


# ----------------------------------------------------------------------------- workbooks


def read_book(path: Path):
    from openpyxl import load_workbook

    wb = load_workbook(path)
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A2", ws.title
        assert ws.column_dimensions["A"].width >= 8
    return wb


def numbers(ws) -> list[float]:
    return [c.value for row in ws.iter_rows(min_row=2) for c in row
            if isinstance(c.value, int | float) and not isinstance(c.value, bool)]  # fmt: skip


def test_compare_workbook(tmp_path: Path, runner) -> None:
    res = runner.invoke(app, ["compare", str(TINY), "-a", "spend", "--format", "xlsx",
                              "--out", str(tmp_path)])  # fmt: skip
    assert res.exit_code == 0, res.output
    wb = read_book(tmp_path / "comparison.xlsx")
    assert {"summary", "criteria", "closest plans", "reallocation", "by tier"} <= set(wb.sheetnames)
    crit = wb["criteria"]
    assert [c.value for c in crit[1]][:3] == ["criterion", "actual", "optimal"]
    assert isinstance(crit["B2"].value, int | float) and crit["B2"].number_format != "General"
    assert crit["E2"].number_format == "0.0%"


def test_compare_xlsx_needs_out(runner) -> None:
    res = runner.invoke(app, ["compare", str(TINY), "-a", "spend", "--format", "xlsx"])
    assert res.exit_code == 2 and "--out" in res.output


@pytest.mark.parametrize(
    ("args", "book", "sheets"),
    [
        (["pareto", str(TINY)], "pareto.xlsx", {"front", "allocations"}),
        (["sweep", str(TINY), "--budget", "50:150:3"], "sweep.xlsx", {"sweep"}),
        (["uncertainty", str(TINY), "--draws", "10"], "uncertainty.xlsx",
         {"percentiles", "draws", "robustness"}),
    ],
)  # fmt: skip
def test_result_workbooks(args, book, sheets, tmp_path: Path, runner) -> None:
    res = runner.invoke(app, [*args, "--format", "xlsx", "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    wb = read_book(tmp_path / book)
    assert sheets <= set(wb.sheetnames)
    for name in sheets:
        assert numbers(wb[name]), name


def test_report_workbook(kz_report: Path) -> None:
    wb = read_book(kz_report / "report.xlsx")
    assert len(wb.sheetnames) >= 15
    by_town = next(wb[n] for n in wb.sheetnames if n.startswith("By town"))
    header = [c.value for c in by_town[1]]
    assert "interest subsidy" in header and "asset modernization" in header
    assert by_town.max_row == 28  # header and 27 towns
    # 15% of 8,700 mln: with a spend compared, the report is at its budget cost
    assert by_town["D2"].value == 1305 and by_town["D2"].number_format == "#,##0.0"
    shares = next(wb[n] for n in wb.sheetnames if n == "By tier")
    assert shares["E2"].number_format == "0.0%" and 0 < shares["E2"].value < 1


# ----------------------------------------------------------------------------- plots


def test_one_plot_style_and_one_front_picture(kz_report: Path) -> None:
    import optimizer.outputs.plots.compare as compare_plots
    from optimizer.outputs.plots import style

    assert not hasattr(compare_plots, "front_png")  # one front picture: plots.pareto
    root = Path(style.__file__).parent
    for mod in ("compare.py", "pareto.py", "sensitivity.py"):
        assert "optimizer.outputs.plots.style import" in (root / mod).read_text(), mod
    assert set(style.TIER_PALETTE).isdisjoint(style.MEASURE_PALETTE)
    page = (kz_report / "report.html").read_text()
    assert "the dashed line is the town cap of 15% of the allocation" in page
    from optimizer.domain.instance import load_instance

    names = style.measure_names(load_instance(KZ))
    assert "cluster_infrastructure" not in names
    assert any(n.startswith("Social and engineering") for n in names)  # the label, wrapped
