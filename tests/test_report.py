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
    assert "21.7" in page  # money moved (taken out of cells) by the 100% closest plan


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
    from optimizer.analysis.study import Options, Study
    from optimizer.outputs.render import html_page
    from optimizer.outputs.report import build_report

    tiny = Path(__file__).parent / "data" / "tiny"
    inst = load_instance(tiny)
    page = html_page(build_report(Study(inst, load_scenario(inst, None), Options(points=0))))
    assert "Payoff table" in page and "front was not traced" in page


# ----------------------------------------------------------------------------- every method


def legend_mismatches(fig) -> list[str]:
    """The legend entries of `fig` with no visible artist of that label drawn inside its
    axes (a legend entry for a ring outside the view, or for nothing at all)."""
    import numpy as np
    from matplotlib.collections import PathCollection
    from matplotlib.lines import Line2D

    fig.canvas.draw()
    out = []
    for ax in fig.axes:
        legend = ax.get_legend()
        if legend is None:
            continue
        box = ax.bbox
        artists = [*ax.lines, *ax.collections, *ax.patches, *ax.containers]
        for text in legend.get_texts():
            label = text.get_text()
            points = []
            for a in artists:
                if a.get_label() != label:
                    continue
                parts = list(a.patches) if hasattr(a, "patches") else [a]
                for part in parts:
                    if not part.get_visible():
                        continue
                    if isinstance(part, Line2D):
                        points.append(part.get_transform().transform(part.get_xydata()))
                    elif isinstance(part, PathCollection):  # a scatter: its markers' places
                        points.append(part.get_offset_transform().transform(part.get_offsets()))
                    else:  # a filled area or a patch (a bar)
                        paths = (
                            part.get_paths() if hasattr(part, "get_paths") else [part.get_path()]
                        )
                        points += [part.get_transform().transform(p.vertices) for p in paths]
            xy = np.vstack(points) if points else np.zeros((0, 2))
            inside = (
                (xy[:, 0] >= box.x0 - 1)
                & (xy[:, 0] <= box.x1 + 1)
                & (xy[:, 1] >= box.y0 - 1)
                & (xy[:, 1] <= box.y1 + 1)
            )
            if not inside.any():
                out.append(label)
    return out


@pytest.fixture(scope="module")
def reach_study():
    from optimizer.analysis.study import Options, Study

    inst = load_instance(KZ)
    study = Study(inst, load_scenario(inst, "reach-2020-jobs"), Options(points=5))
    assert study.front is not None
    return study


def test_front_legend_names_only_what_is_drawn(reach_study) -> None:
    """Every legend entry of the front figure is drawn inside the view: an optimum far
    from the front (the min_budget plan on its cap's front) grows the view rather than
    leaving a legend entry for a ring outside it; without one there is no ring entry."""
    import numpy as np

    from optimizer.outputs.plots.pareto import front_figure

    sol, front = reach_study.solution, reach_study.front
    optimum = np.array([sol.objectives[c] for c in front.criteria])
    fig = front_figure(front, optimum=optimum)
    assert "scenario optimum (ring)" in [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert legend_mismatches(fig) == []
    fig = front_figure(front)
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "scenario optimum (ring)" not in labels and "efficient front" in labels
    assert legend_mismatches(fig) == []


def test_allocation_and_compare_legends_name_only_what_is_drawn(reach_study) -> None:
    from optimizer.analysis.study import Options, Study
    from optimizer.domain.actual import load_actual
    from optimizer.outputs.plots.compare import allocation_figure, compare_figure

    fig = allocation_figure(reach_study.instance, reach_study.solution, cap_share=0.1)
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert len(labels) == 2  # the one measure funded and the cap line
    assert legend_mismatches(fig) == []
    inst = reach_study.instance
    spend = load_actual(inst, "infrastructure-2020-illustrative")
    study = Study(inst, load_scenario(inst, "plan-2021"), Options(points=5), spend)
    cmp = study.comparison
    assert legend_mismatches(compare_figure(cmp, cmp.dominance.front_values)) == []


def least_budget_md(tmp_path: Path, runner) -> str:
    out = tmp_path / "r"
    res = runner.invoke(app, ["report", str(KZ), "-s", "reach-2020-jobs", "--points", "5",
                              "--out", str(out)])  # fmt: skip
    assert res.exit_code == 0, res.output
    return (out / "report.md").read_text()


def test_least_budget_report_says_what_the_plan_costs(tmp_path: Path, runner) -> None:
    """reach-2020-jobs (min_budget): the report gives the plan's least budget and the
    cap as the cap, no 'optimum at 8,700.0 mln' for a 1,268.9 mln plan, no share of a
    payoff range at another budget (it said -26.1% and -125.2%), no ring for a plan
    that is not on the cap's front, and the cost of one more job, as a re-solve with
    671 jobs gives it."""
    import dataclasses

    from optimizer.methods.solution import optimize
    from optimizer.outputs.text import money

    md = least_budget_md(tmp_path, runner)
    inst = load_instance(KZ)
    scen = load_scenario(inst, "reach-2020-jobs")
    sol = optimize(inst, scen)
    more = dataclasses.replace(
        scen, objective=dataclasses.replace(scen.objective, targets={"jobs": 671.0})
    )
    per_job = optimize(inst, more).allocated_mln - sol.allocated_mln
    assert "**least budget**: 1,268.9 mln (cap 8,700.0 mln)" in md
    assert f"{sol.allocated_mln:,.1f} mln" == "1,268.9 mln"
    assert "optimum at" not in md and "of the range" not in md
    assert not re.search(r"\| -\d[\d,.]*%", md)
    assert "| weights |" not in md and "| normalize |" not in md  # min_budget reads neither
    assert "scenario's optimum" not in md  # the front's alt text: no ring drawn
    assert f"**one more unit of jobs**: {money(per_job, 'KZT')}" in md
    assert "One more unit of the jobs target (670.0) costs 1.89 mln KZT of budget" in md


@pytest.mark.parametrize(
    "method", ["weighted", "lexicographic", "epsilon", "reference", "goal", "min_budget"]
)
def test_every_methods_report_shows_only_meaningful_numbers(method: str, tmp_path: Path) -> None:
    """plan-2021 under each method: the settings the method reads and no others, every
    share of the payoff range between 0% and 100%, every caption at the plan's budget,
    every figure's legend drawn."""
    from optimizer.analysis.study import Options, Study
    from optimizer.methods.describe import describe
    from optimizer.outputs.render import markdown
    from optimizer.outputs.report import build_report
    from tests.test_explain import OBJECTIVES, OLD_OBJECTIVE

    inst = load_instance(KZ)
    text = (KZ / "scenarios" / "plan-2021.toml").read_text()
    path = tmp_path / f"{method}.toml"
    path.write_text(text.replace(OLD_OBJECTIVE, OBJECTIVES[method]))
    scen = load_scenario(inst, path)
    study = Study(inst, scen, Options(points=5))
    md = markdown(build_report(study))
    settings = re.findall(r"^\| (weights|normalize|order|tolerance|primary|epsilon|ref|rho|"
                          r"targets) \|", md, re.M)  # fmt: skip
    assert set(settings) == set(describe(scen).settings) - {"rho"} | (
        {"rho"} if "rho" in describe(scen).settings else set()
    )
    for share in re.findall(r"\| (-?[\d.]+)% \|\n", md):
        assert 0.0 <= float(share) <= 100.0, share
    assert not re.search(r"\| -\d[\d,.]*% \|", md)
    plan = study.solution.allocated_mln if describe(scen).least_budget else scen.budget_mln
    assert f"*By tier (at {plan:,.1f} mln)*" in md
    if describe(scen).least_budget:
        assert "optimum at" not in md and "of the range" not in md
    else:
        assert f"optimum at {scen.budget_mln:,.1f} mln" in md
