"""SPEC 14, one question, one answer: for an instance, scenario, method and budget,
every command that shows the plan shows the same plan (section 10), and the same
question gets one number whichever command prints it.

Each test runs the commands as a user does (the CLI, in-process) and compares what
they wrote; nothing here reads the study object the commands share."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from optimizer.cli import app

ROOT = Path(__file__).resolve().parents[1]
KZ = ROOT / "instances" / "kazakhstan"
SPEND = "infrastructure-2020-illustrative"
SCENARIOS = sorted(p.stem for p in (KZ / "scenarios").glob("*.toml"))
GEN_SCENARIOS = ["balanced", "rules", "epsilon", "lexicographic", "reference", "goal",
                 "min_budget"]  # fmt: skip


@pytest.fixture(scope="module")
def gen(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated instance with a scenario for every method and an illustrative spend."""
    from optimizer.generate import generate_instance

    return generate_instance(tmp_path_factory.mktemp("gen") / "g40", towns=40, seed=2)


def run(*args: str) -> str:
    res = CliRunner().invoke(app, [*args, "--lang", "en"])
    assert res.exit_code == 0, res.output
    return res.stdout


def cells(path: Path, column: str) -> dict[tuple[str, str], float]:
    """(town, measure) -> the column's value, for rows with a non-zero value."""
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return {
        (r["town"], r["measure"]): float(r[column])
        for r in rows
        if r.get("measure") and float(r[column] or 0) > 1e-6
    }


def same_cells(a: dict[tuple[str, str], float], b: dict[tuple[str, str], float]) -> None:
    keys = sorted(set(a) | set(b))
    np.testing.assert_allclose(
        [a.get(k, 0.0) for k in keys], [b.get(k, 0.0) for k in keys], rtol=1e-6, atol=1e-4,
        err_msg=str(keys),
    )  # fmt: skip


def solved(tmp: Path, scenario: str, *extra: str, instance: Path = KZ
           ) -> tuple[dict, dict[tuple[str, str], float]]:  # fmt: skip
    out = tmp / f"solve-{scenario}"
    run("solve", str(instance), "--scenario", scenario, "--out", str(out), *extra)
    doc = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    return doc, cells(out / "allocation.csv", "volume_mln")


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_solve_sweep_and_compare_show_one_plan(tmp_path: Path, scenario: str) -> None:
    """At the scenario's budget: the sweep's step and compare's optimum (at a given
    budget) are solve's plan, criteria and cells."""
    one_plan(tmp_path, KZ, scenario, SPEND, full=scenario in ("plan-2021", "reach-2020-jobs"))


@pytest.mark.parametrize("scenario", GEN_SCENARIOS)
def test_every_method_shows_one_plan(tmp_path: Path, gen: Path, scenario: str) -> None:
    """The same on a generated instance, one scenario per method."""
    one_plan(tmp_path, gen, scenario, "spend-illustrative")


def one_plan(tmp_path: Path, instance: Path, scenario: str, spend: str, full: bool = True) -> None:
    """solve's plan against sweep's step and compare's optimum; `full`: also the
    nominal plan of uncertainty, explain's towns and the report's towns."""
    doc, plan = solved(tmp_path, scenario, instance=instance)
    budget = doc["budget_mln"]
    sweep = tmp_path / "sweep"
    run("sweep", str(instance), "--scenario", scenario, "--budget", f"{budget}:{budget}:1",
        "--out", str(sweep))  # fmt: skip
    with (sweep / "sweep.csv").open(encoding="utf-8") as f:
        step = next(csv.DictReader(f))
    for c, v in doc["objectives"].items():
        assert float(step[c]) == pytest.approx(v, rel=1e-6, abs=1e-6), c
    cmp_dir = tmp_path / "compare"
    run("compare", str(instance), "--scenario", scenario, "--actual", spend, "--budget",
        str(budget), "--points", "0", "--out", str(cmp_dir))  # fmt: skip
    cmp = json.loads((cmp_dir / "comparison.json").read_text(encoding="utf-8"))
    for c, v in doc["objectives"].items():
        assert cmp["optimal"]["objectives"][c] == pytest.approx(v, rel=1e-6, abs=1e-6), c
    same_cells(cells(cmp_dir / "reallocation.csv", "optimal_mln"), plan)
    if not full:
        return
    unc = tmp_path / "unc"
    run("uncertainty", str(instance), "--scenario", scenario, "--draws", "2", "--out", str(unc))
    nominal = json.loads((unc / "uncertainty.json").read_text(encoding="utf-8"))["nominal"]
    for c, v in doc["objectives"].items():
        assert nominal[c] == pytest.approx(v, rel=1e-6, abs=1e-6), c
    towns = sorted({t for t, _m in plan})[:2]
    for town in towns:
        ex = json.loads(run("explain", str(instance), "--scenario", scenario, "--town", town,
                            "--format", "json"))  # fmt: skip
        shown = {(town, m["measure"]): m["volume_mln"] for m in ex["measures"]}
        same_cells({k: v for k, v in shown.items() if v > 1e-6},
                   {k: v for k, v in plan.items() if k[0] == town})  # fmt: skip
    rep = tmp_path / "report"
    run("report", str(instance), "--scenario", scenario, "--points", "3", "--out", str(rep),
        "--format", "xlsx")  # fmt: skip
    shown = report_town_costs(rep / "report.xlsx")
    want = town_costs(tmp_path / f"solve-{scenario}" / "allocation.csv")
    for town, cost in want.items():
        if cost > 0.05:
            assert shown.get(town, 0.0) == pytest.approx(cost, abs=0.051), town


def town_costs(path: Path) -> dict[str, float]:
    """allocation.csv: town -> budget cost (mln)."""
    out: dict[str, float] = {}
    with path.open(newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            out[r["town"]] = out.get(r["town"], 0.0) + float(r["budget_cost_mln"] or 0)
    return out


def report_town_costs(path: Path) -> dict[str, float]:
    """The report workbook's by-town sheet: town -> cost (mln, as shown: 0.1)."""
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    rows = list(book["By town"].iter_rows(values_only=True))
    head = list(rows[0])
    t, c = head.index("town"), head.index("cost, mln")
    return {r[t]: float(r[c]) for r in rows[1:] if r[t]}


def test_a_table_at_two_budgets_says_which(tmp_path: Path) -> None:
    """compare --budget puts the spend (at its own budget) and the optimum (at the
    given one) in one criteria table: its title names both budgets, in the terminal
    and in the report."""
    text = run("compare", str(KZ), "--actual", SPEND, "--budget", "10400", "--points", "0")
    assert "Criteria: the spend at 8,700.0 mln, the optimum at 10,400.0 mln" in text
    text = run("compare", str(KZ), "--actual", SPEND, "--points", "0")
    assert "Criteria, optimum at 8,700.0 mln" in text
    rep = tmp_path / "rep"
    run("report", str(KZ), "--actual", SPEND, "--budget", "10400", "--points", "0",
        "--out", str(rep))  # fmt: skip
    md = (rep / "report.md").read_text(encoding="utf-8")
    assert "the spend at 8,700.0 mln, the optimum at 10,400.0 mln" in md
