"""SPEC section 10: one plan among equals, the freedom left (--ranges), binding at no cost."""

from __future__ import annotations

import csv
import json
import shutil
import tomllib
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from optimizer.cli import app
from optimizer.generate import generate_instance
from tests.conftest import ROOT
from tests.independent import criteria_matrix, lp_rows, money_per_column, read_raw

KZ = ROOT / "instances" / "kazakhstan"
runner = CliRunner()


def allocation(path: Path) -> dict[tuple[str, str], float]:
    with path.open() as f:
        return {(r["town"], r["measure"]): float(r["budget_cost_mln"]) for r in csv.DictReader(f)}


def same_plan(a: Path, b: Path, budget: float) -> None:
    x, y = allocation(a), allocation(b)
    for key in set(x) | set(y):
        assert abs(x.get(key, 0.0) - y.get(key, 0.0)) <= 1e-6 * budget, key


def solve(folder: Path, out: Path, *args: str) -> dict:
    res = runner.invoke(app, ["solve", str(folder), "--out", str(out), "--no-sensitivity", *args])
    assert res.exit_code == 0, res.output
    return json.loads((out / "summary.json").read_text())


def shuffled_copy(src: Path, dst: Path, seed: int) -> Path:
    """The instance with the rows of towns.csv and measures.csv in another order."""
    shutil.copytree(src, dst)
    rng = np.random.default_rng(seed)
    for name in ("towns.csv", "measures.csv"):
        lines = (dst / name).read_text().splitlines()
        body = lines[1:]
        order = rng.permutation(len(body))
        (dst / name).write_text("\n".join([lines[0], *[body[i] for i in order]]) + "\n")
    return dst


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_instance(tmp_path_factory.mktemp("gen") / "g", 40, seed=5)


@pytest.mark.parametrize("scenario", ["plan-2021", "equal-per-capita", "programme-2015-plan"])
def test_highs_cbc_and_shuffled_rows_write_the_same_plan(scenario: str, tmp_path: Path) -> None:
    doc = solve(KZ, tmp_path / "h", "-s", scenario)
    solve(KZ, tmp_path / "c", "-s", scenario, "--solver", "cbc")
    shuffled = shuffled_copy(KZ, tmp_path / "kz", seed=1)
    solve(shuffled, tmp_path / "s", "-s", scenario)
    same_plan(tmp_path / "h" / "allocation.csv", tmp_path / "c" / "allocation.csv",
              doc["budget_mln"])  # fmt: skip
    same_plan(tmp_path / "h" / "allocation.csv", tmp_path / "s" / "allocation.csv",
              doc["budget_mln"])  # fmt: skip


def test_generated_instance_same_plan_whatever_the_solver_or_row_order(
    generated: Path, tmp_path: Path
) -> None:
    doc = solve(generated, tmp_path / "h")
    solve(generated, tmp_path / "c", "--solver", "cbc")
    solve(shuffled_copy(generated, tmp_path / "g", seed=2), tmp_path / "s")
    same_plan(tmp_path / "h" / "allocation.csv", tmp_path / "c" / "allocation.csv",
              doc["budget_mln"])  # fmt: skip
    same_plan(tmp_path / "h" / "allocation.csv", tmp_path / "s" / "allocation.csv",
              doc["budget_mln"])  # fmt: skip


def face_ranges(folder: Path, scenario: str, objectives: dict[str, float]) -> np.ndarray:
    """(T, 2) each town's least and greatest budget cost over the optimal face, by
    per-town LPs solved with scipy's linprog from the raw files."""
    from scipy.optimize import linprog

    raw = read_raw(folder)
    scen = tomllib.loads((folder / "scenarios" / f"{scenario}.toml").read_text())
    _, A_ub, b_ub, A_eq, b_eq, bounds = lp_rows(raw, scen, np.ones(len(raw.criteria)))
    F = criteria_matrix(raw)
    f = np.array([objectives[c] for c in raw.criteria])
    tol = 1e-7 * np.maximum(1.0, np.abs(f))
    A_ub = [*A_ub, *F, *(-F)]
    b_ub = [*b_ub, *(f + tol), *(-(f - tol))]
    money = money_per_column(raw)
    T, S = len(raw.towns), len(raw.widths)
    per_town = len(money) // T
    out = np.zeros((T, 2))
    for t in range(T):
        c = np.zeros(len(money))
        c[t * per_town : (t + 1) * per_town] = money[t * per_town : (t + 1) * per_town]
        for side, sign in ((0, 1.0), (1, -1.0)):
            res = linprog(sign * c, A_ub=np.array(A_ub), b_ub=np.array(b_ub),
                          A_eq=np.array(A_eq) if A_eq else None,
                          b_eq=np.array(b_eq) if b_eq else None, bounds=bounds, method="highs")  # fmt: skip
            assert res.status == 0
            out[t, side] = sign * res.fun
    assert S > 0
    return out


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_ranges_match_per_town_linprog(solver: str, tmp_path: Path) -> None:
    doc = solve(KZ, tmp_path / "r", "--ranges", "--solver", solver)
    want = face_ranges(KZ, "plan-2021", doc["objectives"])
    raw = read_raw(KZ)
    with (tmp_path / "r" / "ranges.csv").open() as f:
        rows = {r["town"]: r for r in csv.DictReader(f)}
    assert list(rows["Temirtau"]) == ["town", "min_cost_mln", "max_cost_mln", "plan_cost_mln"]
    assert [r["town"] for r in doc["ranges"]] == list(raw.towns)
    plan = allocation(tmp_path / "r" / "allocation.csv")
    for t, town in enumerate(raw.towns):
        lo, hi = float(rows[town]["min_cost_mln"]), float(rows[town]["max_cost_mln"])
        mine = float(rows[town]["plan_cost_mln"])
        assert lo == pytest.approx(want[t, 0], abs=0.05), town
        assert hi == pytest.approx(want[t, 1], abs=0.05), town
        assert lo - 1e-6 <= mine <= hi + 1e-6
        assert mine == pytest.approx(sum(v for (tt, _), v in plan.items() if tt == town), abs=1e-6)
    # the flat optimum leaves real freedom: some town can get anything over a wide range
    assert max(float(r["max_cost_mln"]) - float(r["min_cost_mln"]) for r in rows.values()) > 500


def test_plan_is_the_most_even_per_resident(tmp_path: Path) -> None:
    """No other plan of the face (here: the HiGHS vertex) has a smaller
    sum C^2 / population, and the towns with freedom are spread by population."""
    from optimizer.domain.instance import load_instance
    from optimizer.domain.scenario import load_scenario
    from optimizer.lp.engine import Engine
    from optimizer.methods.scalarize import scalarize
    from optimizer.methods.solution import make_solution

    inst = load_instance(KZ)
    eng = Engine.open(inst, load_scenario(inst, None))
    eng.payoff()
    res = scalarize(eng)
    vertex = eng.model.volumes(res.x) * inst.budget_cost[None, :]
    sol = make_solution(eng, res, True)

    def spread(cost: np.ndarray) -> float:
        return float(((cost**2).sum(axis=1) / inst.population).sum())

    assert spread(sol.cost) <= spread(vertex) + 1e-9
    for c in inst.criteria:  # the same outcomes
        assert sol.objectives[c] == pytest.approx(
            float(eng.model.criteria_values(res.x)[inst.criteria.index(c)]), rel=1e-8
        )


def test_binding_at_no_cost_is_told_from_slack(tmp_path: Path) -> None:
    doc = solve(KZ, tmp_path / "b")
    sp = doc["shadow_prices"]
    assert set(sp["town-cap"]) >= {"price", "binding"}
    assert sp["town-cap"]["binding"] is True
    assert sp["town-cap"]["price"] == pytest.approx(0.0, abs=1e-12)
    assert sp["town-cap"]["state"] == "binding (no cost)"
    assert sp["budget"]["binding"] is True and sp["budget"]["price"] > 0
    # the towns at 15% of 10,400 in the reported plan
    plan = allocation(tmp_path / "b" / "allocation.csv")
    per_town: dict[str, float] = {}
    for (town, _), v in plan.items():
        per_town[town] = per_town.get(town, 0.0) + v
    capped = sorted(t for t, v in per_town.items() if abs(v - 0.15 * 10400) < 1e-4)
    assert capped, per_town
    for town in capped:
        res = runner.invoke(app, ["explain", str(KZ), "--town", town])
        assert res.exit_code == 0, res.output
        assert "town-cap" in res.output, res.output
        assert "no cost" in res.output
    free = next(t for t, v in per_town.items() if v < 0.15 * 10400 - 1)
    res = runner.invoke(app, ["explain", str(KZ), "--town", free])
    assert "town-cap" not in res.output


def test_terminal_says_binding_no_cost(tmp_path: Path) -> None:
    res = runner.invoke(app, ["solve", str(KZ), "--no-sensitivity"])
    assert res.exit_code == 0, res.output
    assert "binding (no cost)" in res.output
