"""How HiGHS is set up for the first solve (`solvers.first_solve`), and that every
set-up gives the same optimum: copy-heavy models keep HiGHS's parallel-columns
presolve rule, models with their own coefficients per town switch it off and go
to interior point earlier. The optimum is checked against scipy's linprog on a
heterogeneous instance large enough for the interior-point path."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
from typer.testing import CliRunner

from optimizer.cli import app
from optimizer.domain.instance import load_instance
from optimizer.domain.scenario import load_scenario
from optimizer.lp.engine import Engine
from optimizer.lp.highs import (
    DISTINCT_SHARE,
    DUAL_SIMPLEX,
    IPM_COLUMNS,
    IPM_COLUMNS_DISTINCT,
    PARALLEL_RULE_OFF,
    PRIMAL_SIMPLEX,
    HighsSession,
    distinct_share,
    first_solve,
)
from optimizer.lp.model import build_model
from tests.independent import linprog_solve, read_allocation, read_raw, score, violations

runner = CliRunner()

SCENARIO = """name = "Heterogeneous"
budget_mln = {budget}

[limits]
guarantee = {guarantee}

[objective]
method = "weighted"
weights = {{ jobs = 0.7, population = 0.3 }}
normalize = "none"

[[rules]]
name = "low-tier floor"
tier = "low"
min_share = 0.03

[[rules]]
name = "high-tier cap"
tier = "high"
max_share = 0.3
"""


def test_distinct_share_counts_identical_columns() -> None:
    F = np.array([[1.0, 1.0, 2.0, 1.0], [3.0, 3.0, 3.0, 3.0]])
    cost = np.array([1.0, 1.0, 1.0, 0.5])
    # columns 0 and 1 are copies; 2 differs in F, 3 in cost
    assert distinct_share(F, cost) == 3 / 4
    assert distinct_share(np.zeros((2, 0)), np.zeros(0)) == 0.0


def generated(tmp: Path, towns: int) -> Path:
    folder = tmp / f"towns-{towns}"
    res = runner.invoke(app, ["generate", str(folder), "--towns", str(towns), "--seed", "3"])
    assert res.exit_code == 0, res.output
    return folder


def make_heterogeneous(folder: Path, seed: int = 1) -> None:
    """Every cell's effects overridden by a lognormal factor: no two towns alike."""
    with (folder / "measures.csv").open(newline="") as f:
        measures = list(csv.DictReader(f))
    with (folder / "towns.csv").open(newline="") as f:
        towns = [r["town"] for r in csv.DictReader(f)]
    rng = np.random.default_rng(seed)
    lines = ["town,measure,jobs_per_mln,population_per_mln"]
    for town in towns:
        for m in measures:
            j, p = rng.lognormal(0.0, 0.3, 2)
            jobs = float(m["jobs_per_mln"]) * j
            pop = float(m["population_per_mln"]) * p
            lines.append(f"{town},{m['measure']},{jobs:.6g},{pop:.6g}")
    (folder / "effects.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_generated_instance_keeps_presolve(tmp_path: Path) -> None:
    inst = load_instance(generated(tmp_path, 300))
    model = build_model(inst, load_scenario(inst, None))
    plan = first_solve(model)
    assert plan.distinct_share <= DISTINCT_SHARE
    assert plan.presolve_rule_off == 0
    assert plan.algorithm == ("ipm" if model.n_cols > IPM_COLUMNS else "simplex")


def test_heterogeneous_instance_matches_linprog_on_the_ipm_path(tmp_path: Path) -> None:
    folder = generated(tmp_path, 700)
    make_heterogeneous(folder)
    raw = read_raw(folder)
    total = float(np.sum(raw.cap)) * 0.3
    text = SCENARIO.format(budget=round(total), guarantee=round(total * 0.2))
    (folder / "scenarios" / "het.toml").write_text(text, encoding="utf-8")
    inst = load_instance(folder)
    scen = load_scenario(inst, "het")
    model = build_model(inst, scen)
    plan = first_solve(model)
    assert model.n_cols > IPM_COLUMNS_DISTINCT
    assert plan.presolve_rule_off == PARALLEL_RULE_OFF
    assert plan.algorithm == "ipm"

    out = tmp_path / "out"
    res = runner.invoke(
        app, ["solve", str(folder), "-s", "het", "--out", str(out), "--format", "json"]
    )
    assert res.exit_code == 0, res.output
    doc = json.loads((out / "summary.json").read_text())
    scen_doc = {
        "budget_mln": round(total),
        "limits": {"guarantee": round(total * 0.2)},
        "rules": [
            {"name": "low-tier floor", "tier": "low", "min_share": 0.03},
            {"name": "high-tier cap", "tier": "high", "max_share": 0.3},
        ],
    }
    weights = np.array([0.7, 0.3])
    status, best, _ = linprog_solve(raw, scen_doc, weights)
    assert status == 0
    vol = read_allocation(out / "allocation.csv", raw)
    assert violations(raw, scen_doc, vol, tol=1e-6) == []
    values = score(raw, vol)
    assert np.isclose(float(weights @ values), best, rtol=1e-7)
    for k, c in enumerate(raw.criteria):
        assert np.isclose(doc["objectives"][c], values[k], rtol=1e-7)


def test_presolve_choice_does_not_change_the_optimum(tmp_path: Path) -> None:
    """The same heterogeneous model, solved with HiGHS's default presolve and simplex:
    the same optimum and the same shadow price of the budget."""
    folder = generated(tmp_path, 150)
    make_heterogeneous(folder, seed=5)
    inst = load_instance(folder)
    scen = load_scenario(inst, None)
    ours = Engine.open(inst, scen)
    other = Engine.open(inst, scen)
    session = other.session
    assert session.plan.presolve_rule_off == PARALLEL_RULE_OFF  # type: ignore[attr-defined]
    session.h.setOptionValue("presolve_rule_off", 0)  # type: ignore[attr-defined]
    cost = ours.cost_vector(np.array([0.6, 0.4]))
    a = ours.run(cost, True)
    b = other.run(cost, True)
    assert np.isclose(a.objective, b.objective, rtol=1e-9)
    budget = ours.model.budget_row
    assert np.isclose(a.row_dual[budget], b.row_dual[budget], rtol=1e-6, atol=1e-12)


def test_primal_simplex_only_right_after_rows_the_last_optimum_meets(tmp_path: Path) -> None:
    folder = generated(tmp_path, 150)
    make_heterogeneous(folder, seed=7)
    inst = load_instance(folder)
    scen = load_scenario(inst, None)
    eng = Engine.open(inst, scen)
    session = eng.session
    assert isinstance(session, HighsSession)
    jobs, pop = eng.cost_vector(np.array([1.0, 0.0])), eng.cost_vector(np.array([0.0, 1.0]))
    first = eng.run(jobs)
    best_jobs, pop_then = eng.criteria_of(first)
    held = eng.floors({0: best_jobs * (1 - 1e-9)})
    second = eng.run(pop, True, held)
    assert session.strategy == PRIMAL_SIMPLEX
    fresh = Engine.open(inst, scen).run(pop, True, eng.floors({0: best_jobs * (1 - 1e-9)}))
    assert np.isclose(second.objective, fresh.objective, rtol=1e-9)
    # objective-only change: dual simplex
    eng.run(jobs)
    assert session.strategy == DUAL_SIMPLEX
    # a floor the last optimum does not meet: dual simplex, same optimum as a fresh solve
    above = eng.floors({1: pop_then + 0.5 * (float(second.objective) - pop_then)})
    third = eng.run(jobs, True, above)
    assert session.strategy == DUAL_SIMPLEX
    fresh = Engine.open(inst, scen).run(jobs, True, above)
    assert np.isclose(third.objective, fresh.objective, rtol=1e-9)
