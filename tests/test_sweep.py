"""`monotowns sweep` (issue 6, item 3): one model, only the budget row changes."""

from __future__ import annotations

import csv
from dataclasses import replace
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest

from optimizer.analysis.sweep import parse_range, sweep_budgets
from optimizer.cli import app
from optimizer.domain.instance import load_instance
from optimizer.domain.scenario import Scenario, apply_overrides, load_scenario
from optimizer.errors import InfeasibleError, InstanceError
from optimizer.generate import generate_instance
from optimizer.methods.solution import optimize

TINY = Path(__file__).parent / "data" / "tiny"


@pytest.fixture(scope="module")
def gen(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_instance(tmp_path_factory.mktemp("gen") / "g", towns=10, seed=4)


def unnormalized(scen: Scenario) -> Scenario:
    return replace(scen, objective=replace(scen.objective, normalize="none"))


def test_parse_range() -> None:
    assert parse_range("5bn:15bn:11").tolist() == [5000.0 + 1000 * k for k in range(11)]
    assert parse_range("100:100:1").tolist() == [100.0]
    assert parse_range("850mln:1.2bn:2").tolist() == [850.0, 1200.0]
    for bad in ("5bn:15bn", "a:b:3", "10:5:3", "5:10:0", "5:10:x", "5:5:3"):
        with pytest.raises(InstanceError, match="--budget"):
            parse_range(bad)


def test_model_built_once_only_budget_changes(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from optimizer.lp.engine import Engine

    methods = sys.modules[Engine.__module__]

    built = []
    real = methods.build_model
    monkeypatch.setattr(methods, "build_model", lambda *a: built.append(1) or real(*a))
    inst = load_instance(TINY)
    sweep_budgets(inst, load_scenario(inst, "weighted"), np.linspace(10, 300, 8))
    assert len(built) == 1


@pytest.mark.parametrize("name", ["weighted", "jobs-only", "lexicographic", "reference"])
def test_tiny_objective_never_falls(name: str) -> None:
    inst = load_instance(TINY)
    scen = unnormalized(load_scenario(inst, name))
    res = sweep_budgets(inst, scen, np.linspace(0, 300, 31))
    objectives = [s.objective for s in res.steps]
    assert all(s.status == "optimal" for s in res.steps)
    assert all(b >= a - 1e-9 * max(1, abs(a)) for a, b in pairwise(objectives))


def test_generated_objective_and_single_criterion_never_fall(gen: Path) -> None:
    inst = load_instance(gen)
    budgets = np.linspace(500, 20_000, 25)
    for name in ("balanced", "rules"):  # rules: spend_all, feasible from ~3 to ~11 bn
        scen = unnormalized(load_scenario(inst, name))
        res = sweep_budgets(inst, scen, budgets)
        ok = res.feasible()
        assert len(ok) >= 10
        obj = [s.objective for s in ok]
        assert all(b >= a - 1e-9 * max(1, abs(a)) for a, b in pairwise(obj)), name
    for c in inst.criteria:
        weights = ",".join(f"{d}={1 if d == c else 0}" for d in inst.criteria)
        scen = apply_overrides(load_scenario(inst, "balanced"), inst, weights=weights)
        res = sweep_budgets(inst, scen, budgets)
        j = inst.criteria.index(c)
        vals = [s.criteria[j] for s in res.feasible() if s.criteria is not None]
        assert all(b >= a - 1e-7 * max(1, abs(a)) for a, b in pairwise(vals)), c


@pytest.mark.parametrize("renormalize", [False, True])
@pytest.mark.parametrize(
    "name", ["balanced", "rules", "epsilon", "lexicographic", "reference", "goal", "min_budget"]
)
def test_every_step_equals_a_fresh_solve(gen: Path, name: str, renormalize: bool) -> None:
    """SPEC 14: a sweep's step is the plan `solve --budget b` gives at that budget: both
    keep the scenario's normalization (the payoff table at its own budget), or, with
    --renormalize, both recompute it at b. (`solve --budget` used to renormalize while
    the sweep did not: 1,214.9 against 1,712.4 jobs at 4 bn on the Kazakhstan plan.)"""
    inst = load_instance(gen)
    scen = load_scenario(inst, name)
    if renormalize:
        scen = scen.renormalized()
    budgets = np.linspace(0.3 * scen.budget_mln, 1.5 * scen.budget_mln, 6)
    res = sweep_budgets(inst, scen, budgets)
    for step, b in zip(res.steps, budgets, strict=True):
        budget = apply_overrides(scen, inst, budget=repr(float(b)))
        try:
            fresh = optimize(inst, budget)
        except InfeasibleError:
            assert step.status == "infeasible"
            continue
        assert step.status == "optimal"
        assert step.objective == pytest.approx(fresh.lp_objective, rel=1e-6, abs=1e-9)
        assert step.allocated_mln == pytest.approx(fresh.allocated_mln, rel=1e-6, abs=1e-6)
        for j, c in enumerate(inst.criteria):
            assert step.criteria[j] == pytest.approx(fresh.objectives[c], rel=1e-6, abs=1e-6)
        np.testing.assert_allclose(step.volumes, fresh.volumes, rtol=1e-6, atol=1e-6)


def test_kazakhstan_sweep_and_solve_agree_at_4bn(runner) -> None:
    """The row of issue 'one question, one answer': what does 4 bn buy? sweep and solve
    print one number, and both name the budget their normalization comes from."""
    import json

    from optimizer.cli import app

    kz = Path(__file__).resolve().parents[1] / "instances" / "kazakhstan"
    res = runner.invoke(app, ["sweep", str(kz), "--budget", "4000:18000:15", "--lang", "en"])
    assert res.exit_code == 0, res.output
    row = next(line for line in res.stdout.splitlines() if line.startswith("│    4,000.0"))
    jobs_sweep = row.split("│")[3].strip()
    assert "payoff table at 10,400 mln" in res.stdout
    assert "jobs per bn rises" in res.stdout  # 17-18 bn: +91.2 -> +198.6, said in words
    res = runner.invoke(app, ["solve", str(kz), "--budget", "4000", "--format", "json"])
    doc = json.loads(res.stdout)
    assert f"{doc['objectives']['jobs']:,.1f}" == jobs_sweep == "1,712.4"
    assert doc["payoff"]["budget_mln"] == 10400.0
    res = runner.invoke(app, ["solve", str(kz), "--budget", "4000", "--renormalize",
                              "--format", "json"])  # fmt: skip
    doc = json.loads(res.stdout)
    assert f"{doc['objectives']['jobs']:,.1f}" == "1,214.9"
    assert doc["payoff"]["budget_mln"] == 4000.0


def test_spend_all_steps_spend_everything_or_are_infeasible(tmp_path: Path) -> None:
    """Spend-all budgets above what every cell can absorb (250 mln) are infeasible rows."""
    inst = load_instance(TINY)
    path = tmp_path / "all.toml"
    path.write_text('name = "all"\nbudget_mln = 100\nspend_all = true\n')
    res = sweep_budgets(inst, load_scenario(inst, path), np.array([50.0, 200.0, 250.0, 300.0]))
    assert [s.status for s in res.steps] == ["optimal", "optimal", "optimal", "infeasible"]
    for s in res.feasible():
        assert s.allocated_mln == pytest.approx(s.budget_mln)
        assert sum(s.share_tier) == pytest.approx(1.0)
        assert sum(s.share_measure) == pytest.approx(1.0)


def test_cli_writes_csv_and_png(runner, tmp_path: Path) -> None:
    out = tmp_path / "out"
    res = runner.invoke(app, ["sweep", str(TINY), "--budget", "20:300:8", "--out", str(out)])
    assert res.exit_code == 0, res.output
    rows = list(csv.reader((out / "sweep.csv").open()))
    assert rows[0][:7] == ["budget_mln", "allocated_mln", "jobs", "population", "share_high",
                           "share_low", "share_m1"]  # fmt: skip
    assert len(rows) == 9
    assert (out / "sweep.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "by budget" in res.stdout


def test_cli_bad_range_exits_2(runner, tmp_path: Path) -> None:
    out = tmp_path / "out"
    res = runner.invoke(app, ["sweep", str(TINY), "--budget", "300:20:8", "--out", str(out)])
    assert res.exit_code == 2
    assert "--budget" in res.output
    assert not out.exists()


KZ = Path(__file__).resolve().parents[1] / "instances" / "kazakhstan"


@pytest.mark.parametrize("where", ["kazakhstan", "generated"])
def test_weighted_objective_never_falls_with_the_scenarios_normalization(
    gen: Path, where: str
) -> None:
    """By default every step keeps the scenario's payoff normalization: one function
    of the criteria, so with non-negative weights it cannot fall as the budget rises."""
    folder = KZ if where == "kazakhstan" else gen
    inst = load_instance(folder)
    scen = load_scenario(inst, None if where == "kazakhstan" else "balanced")
    assert scen.objective.method == "weighted"
    budgets = np.linspace(0.4 * scen.budget_mln, 2.5 * scen.budget_mln, 12)
    res = sweep_budgets(inst, scen, budgets)
    values = [s.objective for s in res.steps if s.status == "optimal"]
    assert len(values) >= 6
    assert all(b >= a - 1e-9 * max(1.0, abs(a)) for a, b in pairwise(values))
    # the scenario's own budget gives exactly solve's objective
    at = sweep_budgets(inst, scen, np.array([scen.budget_mln]))
    assert at.steps[0].objective == pytest.approx(optimize(inst, scen).lp_objective, rel=1e-9)
