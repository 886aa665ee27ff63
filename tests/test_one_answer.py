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


def solved(tmp: Path, scenario: str, *extra: str) -> tuple[dict, dict[tuple[str, str], float]]:
    out = tmp / f"solve-{scenario}"
    run("solve", str(KZ), "--scenario", scenario, "--out", str(out), *extra)
    doc = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    return doc, cells(out / "allocation.csv", "volume_mln")


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_solve_sweep_and_compare_show_one_plan(tmp_path: Path, scenario: str) -> None:
    """At the scenario's budget: the sweep's step and compare's optimum (at a given
    budget) are solve's plan, criteria and cells."""
    doc, plan = solved(tmp_path, scenario)
    budget = doc["budget_mln"]
    sweep = tmp_path / "sweep"
    run("sweep", str(KZ), "--scenario", scenario, "--budget", f"{budget}:{budget}:1",
        "--out", str(sweep))  # fmt: skip
    with (sweep / "sweep.csv").open(encoding="utf-8") as f:
        step = next(csv.DictReader(f))
    for c, v in doc["objectives"].items():
        assert float(step[c]) == pytest.approx(v, rel=1e-6, abs=1e-6), c
    cmp_dir = tmp_path / "compare"
    run("compare", str(KZ), "--scenario", scenario, "--actual", SPEND, "--budget", str(budget),
        "--points", "0", "--out", str(cmp_dir))  # fmt: skip
    cmp = json.loads((cmp_dir / "comparison.json").read_text(encoding="utf-8"))
    for c, v in doc["objectives"].items():
        assert cmp["optimal"]["objectives"][c] == pytest.approx(v, rel=1e-6, abs=1e-6), c
    same_cells(cells(cmp_dir / "reallocation.csv", "optimal_mln"), plan)


def test_budget_override_keeps_the_scenario_normalization(tmp_path: Path) -> None:
    """`solve --budget` and compare at a spend's budget solve the same problem as the
    sweep's step at that budget: one normalization, the scenario's own."""
    spent = 8700.0
    doc, plan = solved(tmp_path, "plan-2021", "--budget", str(spent))
    assert doc["payoff"]["budget_mln"] == 10400.0
    cmp_dir = tmp_path / "compare"
    run("compare", str(KZ), "--actual", SPEND, "--points", "0", "--out", str(cmp_dir))
    cmp = json.loads((cmp_dir / "comparison.json").read_text(encoding="utf-8"))
    assert cmp["budget_mln"] == pytest.approx(spent, rel=1e-9)
    for c, v in doc["objectives"].items():
        assert cmp["optimal"]["objectives"][c] == pytest.approx(v, rel=1e-6), c
    same_cells(cells(cmp_dir / "reallocation.csv", "optimal_mln"), plan)


@pytest.mark.parametrize("scenario", ["plan-2021", "reach-2020-jobs", "differentiated"])
def test_uncertainty_scores_the_plan_solve_shows(tmp_path: Path, scenario: str) -> None:
    """uncertainty's nominal plan is solve's plan (its nominal effects are solve's
    criteria), and with a spend both are at the spend's budget."""
    doc, _plan = solved(tmp_path, scenario)
    out = tmp_path / "unc"
    run("uncertainty", str(KZ), "--scenario", scenario, "--draws", "2", "--out", str(out))
    unc = json.loads((out / "uncertainty.json").read_text(encoding="utf-8"))
    for c, v in doc["objectives"].items():
        assert unc["nominal"][c] == pytest.approx(v, rel=1e-6, abs=1e-6), c
    doc, _plan = solved(tmp_path, scenario, "--budget", "8700")
    run("uncertainty", str(KZ), "--scenario", scenario, "--draws", "2", "--actual", SPEND,
        "--out", str(out))  # fmt: skip
    unc = json.loads((out / "uncertainty.json").read_text(encoding="utf-8"))
    assert unc["budget_mln"] == pytest.approx(8700.0)
    for c, v in doc["objectives"].items():
        assert unc["nominal"][c] == pytest.approx(v, rel=1e-6, abs=1e-6), c


@pytest.mark.parametrize("scenario", ["plan-2021", "reach-2020-jobs", "equal-per-capita"])
def test_explain_explains_the_plan_solve_shows(tmp_path: Path, scenario: str) -> None:
    """explain's volumes are solve's, for a town the plan funds and one it does not
    (reach-2020-jobs, a min_budget scenario, used to explain the weighted plan:
    Balkhash 701.3 mln against solve's 0)."""
    _doc, plan = solved(tmp_path, scenario)
    for town in ("Balkhash", "Temirtau", "Rudny"):
        doc = json.loads(run("explain", str(KZ), "--scenario", scenario, "--town", town,
                             "--format", "json"))  # fmt: skip
        shown = {(town, m["measure"]): m["volume_mln"] for m in doc["measures"]}
        same_cells({k: v for k, v in shown.items() if v > 1e-6},
                   {k: v for k, v in plan.items() if k[0] == town})  # fmt: skip
