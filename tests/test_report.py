"""`report`: report.md and a self-contained report.html that renders in Chromium."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from optimizer.cli import app
from optimizer.domain.instance import load_instance
from optimizer.domain.scenario import load_scenario
from optimizer.outputs.documents import provenance

KZ = Path(__file__).resolve().parent.parent / "instances" / "kazakhstan"
CHROMIUM = Path("/usr/bin/chromium")
SECTIONS = [
    "Scenario",
    "Optimal allocation",
    "Pareto front",
    "Shadow prices",
    "Inputs and versions",
]


@pytest.fixture(scope="module")
def tiny_report(tmp_path_factory) -> Path:
    from typer.testing import CliRunner

    out = tmp_path_factory.mktemp("report")
    tiny = Path(__file__).parent / "data" / "tiny"
    res = CliRunner().invoke(app, ["report", str(tiny), "--actual", "spend", "--out", str(out)])
    assert res.exit_code == 0, res.output
    return out


def test_files_written(tiny_report: Path) -> None:
    names = {p.name for p in tiny_report.iterdir()}
    assert {"report.html", "report.md", "report-allocation.png", "report-compare.png"} <= names
    assert not [n for n in names if n.endswith(".tmp")]


def test_html_is_self_contained(tiny_report: Path) -> None:
    page = (tiny_report / "report.html").read_text()
    assert page.startswith("<!DOCTYPE html>")
    # nothing loaded from anywhere: no external src/href, no stylesheet or script links
    assert not re.search(r"""(src|href)\s*=\s*["'](?!data:|#)""", page)
    assert "<link" not in page and not re.search(r"<script[^>]*\bsrc=", page)
    assert page.count('src="data:image/png;base64,') >= 3
    assert "<style>" in page


def test_html_has_every_section(tiny_report: Path) -> None:
    page = (tiny_report / "report.html").read_text()
    for s in [*SECTIONS, "Actual spend: spend"]:
        assert f">{s}</h2>" in page, s
    inst = load_instance(Path(__file__).parent / "data" / "tiny")
    prov = provenance(inst, load_scenario(inst, None))
    assert prov["sha256"] in page
    assert "HiGHS" in page and "monotowns" in page
    # the comparison's key numbers, as the hand computation in test_compare.py has them
    assert "90% of the money" in page
    assert "43.3" in page  # money moved by the 100% closest plan


def test_markdown_matches(tiny_report: Path) -> None:
    md = (tiny_report / "report.md").read_text()
    for s in SECTIONS:
        assert f"## {s}" in md
    for img in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", md):
        assert (tiny_report / img).is_file(), img
    assert "| criterion | optimum |" in md


def test_report_without_actual(tmp_path: Path, runner) -> None:
    tiny = Path(__file__).parent / "data" / "tiny"
    res = runner.invoke(app, ["report", str(tiny), "-s", "lexicographic", "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    page = (tmp_path / "report.html").read_text()
    assert "Actual spend" not in page
    assert ">lexicographic</td>" in page


def test_report_needs_out(runner) -> None:
    tiny = Path(__file__).parent / "data" / "tiny"
    res = runner.invoke(app, ["report", str(tiny)])
    assert res.exit_code == 2
    assert "--out" in res.output


def test_report_bad_actual_writes_nothing(tmp_path: Path, runner) -> None:
    tiny = Path(__file__).parent / "data" / "tiny"
    bad = tmp_path / "bad.csv"
    bad.write_text("town,measure,amount_mln\nNowhere,m1,5\n")
    out = tmp_path / "out"
    res = runner.invoke(app, ["report", str(tiny), "--actual", str(bad), "--out", str(out)])
    assert res.exit_code == 2
    assert "Nowhere" in res.output and not out.exists()


@pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Chromium is not installed (apt-get install chromium)"
)
def test_renders_in_chromium(tmp_path: Path, runner) -> None:
    """The Kazakhstan report with a comparison renders in headless Chromium, network off."""
    from PIL import Image

    out = tmp_path / "kz"
    res = runner.invoke(
        app,
        [
            "report",
            str(KZ),
            "-s",
            "programme-2014-plan",
            "-a",
            "programme-2014-plan-illustrative",
            "--out",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    shot = tmp_path / "shot.png"
    profile = tempfile.mkdtemp()
    try:
        args = [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", f"--user-data-dir={profile}", "--window-size=1280,3000"]  # fmt: skip
        subprocess.run([*args, f"--screenshot={shot}", (out / "report.html").as_uri()],
                       check=True, capture_output=True, timeout=120)  # fmt: skip
        dom = subprocess.run([*args, "--dump-dom", (out / "report.html").as_uri()],
                             check=True, capture_output=True, timeout=120, text=True).stdout  # fmt: skip
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    assert "Kazakhstan monotowns: 2014 programme plan" in dom
    # a spend file listed as illustrative is called so (SPEC 11)
    assert "Illustrative spend: programme-2014-plan-illustrative" in dom
    img = Image.open(shot).convert("L")
    assert img.size == (1280, 3000)
    # not a blank page: plenty of ink, and text spread down the page
    hist = img.histogram()
    dark = sum(hist[:128]) / (img.size[0] * img.size[1])
    assert dark > 0.005
    top, bottom = img.crop((0, 0, 1280, 1500)), img.crop((0, 1500, 1280, 3000))
    assert min(top.getextrema()) < 100 and min(bottom.getextrema()) < 100


def test_payoff_table_when_the_front_is_missing(tmp_path: Path) -> None:
    """Without a front (--points 0) the report shows the payoff table and says so."""
    from optimizer.analysis.study import run_study
    from optimizer.outputs.render import html_page
    from optimizer.outputs.report import build_report

    tiny = Path(__file__).parent / "data" / "tiny"
    inst = load_instance(tiny)
    page = html_page(build_report(run_study(inst, load_scenario(inst, None), points=0)))
    assert "Payoff table" in page and "front was not traced" in page
