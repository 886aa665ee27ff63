"""Actual spend against the optimum (SPEC section 7).

`compare(instance, scenario, actual)` scores an actual spend with the same
function that scores optimal allocations (`evaluate.score_volumes`) and answers
the budget officer's questions, each with a few solves of one loaded model:

Notation: `Xa[t,m]` the actual volumes, `Ba = sum_{t,m} cost_m Xa[t,m]` their
budget cost, `fa = f(Xa)` their criteria values (segments filled in order, volume
above capacity and in ineligible cells without effect), `B` the comparison
budget (`Ba` unless `--budget` is given), `n_c` the scenario's normalizers
(payoff ranges at `B`, or 1 with `normalize = "none"`), `w_c` the scenario's
weights and `W(f) = sum_c w_c f_c / n_c` the scenario's weighted objective.
Every LP below keeps the scenario's rules and limits.

- optimum: the scenario's method at budget `B`; uplift `f*_c - fa_c` (and the
  percentage of `fa_c`, null when `fa_c = 0`).
- efficiency: `min A  s.t.  f_c(x) >= fa_c` for every c, the budget row
  relaxed to `(-inf, +inf)` (so `spend_all` does not force `A = B`), divided by
  `Ba`. The ceiling is lifted on purpose: when the actual spend breaks a rule,
  reaching its outcomes *under* the rules may cost more than `Ba`, and an
  efficiency above 1 says exactly that. When no budget reaches `fa` under the
  rules and limits (e.g. the actual spend exceeds an instrument limit) the
  efficiency is null, with the reason.
- dominated: `max sum_c s_c / n_c  s.t.  f_c(x) - s_c >= fa_c, s_c >= 0` at
  budget `Ba`; dominated when the optimum is positive. The part of the front
  that dominates `fa` is described by its ends: for each criterion c the
  efficient point that is best in c among those with `f >= fa`
  (`max f_c` under the floors, then `max sum_d f_d / n_d` with `f_c` held).
  When `optimizer.pareto` is installed, the computed front points that
  dominate `fa` are listed too.
- closest plans: `W* = max W(f(x))  s.t.  f(x) >= fa` at budget `B` is the best
  reachable without losing on any criterion; for each share `phi` of the gain
  `W* - W(fa)`:

      min  sum_{t,m} cost_m (p[t,m] + n[t,m])
      s.t. X[t,m] - p[t,m] + n[t,m] = Xa[t,m],  p, n >= 0    (p + n = |X - Xa| at an optimum)
           f_c(x) >= fa_c  for every c
           W(f(x)) >= W(fa) + phi (W* - W(fa))
           budget B, rules, limits, capacities

  `moved_mln = sum cost_m |X - Xa|` counts both sides of a move: 10 mln taken
  from one cell and given to another is 20 mln moved (`taken_mln` and
  `added_mln` give the two sides). Capacity is hard in every plan, so actual
  volume above a cell's capacity, and all actual volume in an ineligible cell,
  cannot be kept: it is always moved, and `moved_mln` includes it. Where no plan
  exists (the actual's outcomes cannot be reached under the rules at budget
  `B`), `moved_mln` is null and `reason` says why.

Core code: nothing here prints or exits.
"""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from optimizer import __version__
from optimizer.actual import ActualSpend
from optimizer.errors import InfeasibleError, InstanceError
from optimizer.evaluate import (
    CellIssue,
    Violation,
    budget_cost,
    check_scenario,
    score_volumes,
    wasted_cells,
)
from optimizer.instance import Instance
from optimizer.methods import Engine, hold_at, optimize_engine
from optimizer.model import INF
from optimizer.results import Solution
from optimizer.scenario import Scenario
from optimizer.solvers import Extension, LpResult, criteria_rows

PHIS = (0.25, 0.5, 0.75, 1.0)
# An improvement smaller than this share of a criterion's normalizer is round-off.
DOMINANCE_TOL = 1e-6
# Cells whose change is below this (mln) are not listed.
CELL_TOL = 1e-7


@dataclass(frozen=True, eq=False)
class ClosestPlan:
    """The least money moved from the actual cells to reach `phi` of the achievable gain."""

    phi: float
    target_weighted: float | None
    moved_mln: float | None
    taken_mln: float | None = None
    added_mln: float | None = None
    objectives: dict[str, float] | None = None
    weighted: float | None = None
    volumes: np.ndarray | None = field(default=None, repr=False)
    reason: str | None = None


@dataclass(frozen=True)
class Efficiency:
    """`min_budget_mln / actual budget`; null value with a reason when unreachable."""

    value: float | None
    min_budget_mln: float | None
    reason: str | None = None


@dataclass(frozen=True, eq=False)
class Dominance:
    """Whether some allocation at the actual budget is at least as good on every
    criterion and better on one; `ends` are the efficient points at either end of
    the dominating part of the front (one per criterion, best in that criterion)."""

    dominated: bool
    improvement: dict[str, float] | None
    ends: tuple[dict[str, float], ...] = ()
    reason: str | None = None
    front_points: int | None = None
    front_dominating: tuple[int, ...] = ()  # front point numbers, from 1 as in pareto.csv
    front_note: str | None = None
    front_values: np.ndarray | None = field(default=None, repr=False)  # (points, C)


@dataclass(frozen=True, eq=False)
class Comparison:
    """Everything `compare` found; `comparison_document` turns it into comparison.json."""

    instance: Instance
    scenario: Scenario  # the scenario at the comparison budget
    actual: ActualSpend
    actual_budget_mln: float
    actual_objectives: dict[str, float]
    broken_rules: tuple[Violation, ...]
    over_capacity: tuple[CellIssue, ...]
    ineligible: tuple[CellIssue, ...]
    optimal: Solution
    uplift: dict[str, dict[str, float | None]]
    efficiency: Efficiency
    dominance: Dominance
    weights: dict[str, float]  # w_c / n_c of the weighted objective W
    weighted_actual: float
    weighted_optimal: float
    weighted_best: float | None  # W*: best W with no criterion below the actual
    closest: tuple[ClosestPlan, ...]
    solves: int
    seconds: float

    @property
    def budget_mln(self) -> float:
        """The comparison budget (the actual's budget cost unless --budget was given)."""
        return self.scenario.budget_mln

    @property
    def without_effect_cost_mln(self) -> float:
        cost = dict(zip(self.instance.measures, self.instance.budget_cost, strict=True))
        return float(
            sum(
                c.without_effect_mln * cost[c.measure] for c in self.over_capacity + self.ineligible
            )
        )


# ----------------------------------------------------------------------------- the comparison


def compare(
    instance: Instance,
    scenario: Scenario,
    actual: ActualSpend,
    budget_mln: float | None = None,
    solver: str = "highs",
    phis: tuple[float, ...] = PHIS,
    front_points: int = 0,
) -> Comparison:
    """Compare an actual spend with the scenario's optimum (module docstring).

    `front_points > 0` also computes the Pareto front at the actual budget with
    `optimizer.pareto` (when that module exists) to list the front points that
    dominate the actual spend. Raises `InfeasibleError` (with the diagnosis)
    when the scenario itself has no solution at the comparison budget.
    """
    xa = np.asarray(actual.volume, dtype=float)
    ba = float(budget_cost(instance, xa).sum())
    if ba <= 0:
        raise InstanceError(
            f"{actual.path}: the actual spend has no budget cost (every amount is 0)"
        )
    fa = score_volumes(instance, xa)
    broken = check_scenario(instance, scenario.with_budget(ba), xa)
    over, inelig = wasted_cells(instance, xa)

    b = ba if budget_mln is None else float(budget_mln)
    scen = scenario.with_budget(b)
    eng = Engine.open(instance, scen, solver)
    try:
        optimal = optimize_engine(eng)
    except InfeasibleError as e:
        raise InfeasibleError(
            f"at the comparison budget of {b:,.1f} mln: {e}", e.diagnosis
        ) from None

    wn = scen.objective.weight_vector(instance.criteria) / eng.normalizers()
    f_opt = np.array([optimal.objectives[c] for c in instance.criteria])
    uplift = {
        c: {
            "abs": float(f_opt[i] - fa[i]),
            "pct": float((f_opt[i] - fa[i]) / fa[i] * 100) if abs(fa[i]) > 1e-12 else None,
        }
        for i, c in enumerate(instance.criteria)
    }
    floors = eng.floors({i: hold_at(float(v), 0.0) for i, v in enumerate(fa)})
    efficiency = min_budget_efficiency(eng, floors, ba)
    dominance = dominated_by(eng, fa, ba, floors)
    if front_points > 0:
        dominance = with_front(
            dominance, instance, scenario.with_budget(ba), fa, front_points, solver
        )
    w_best, best_reason = best_weighted(eng, wn, floors)
    closest = closest_plans(eng, xa, fa, wn, w_best, phis, best_reason)
    return Comparison(
        instance=instance,
        scenario=scen,
        actual=actual,
        actual_budget_mln=ba,
        actual_objectives=dict(zip(instance.criteria, map(float, fa), strict=True)),
        broken_rules=tuple(broken),
        over_capacity=tuple(over),
        ineligible=tuple(inelig),
        optimal=optimal,
        uplift=uplift,
        efficiency=efficiency,
        dominance=dominance,
        weights=dict(zip(instance.criteria, map(float, wn), strict=True)),
        weighted_actual=float(wn @ fa),
        weighted_optimal=float(wn @ f_opt),
        weighted_best=w_best,
        closest=closest,
        solves=eng.solves,
        seconds=eng.seconds,
    )


def budget_bounds(eng: Engine, b: float) -> dict[int, tuple[float, float]]:
    """The budget row at `b`, as the scenario states it (`== b` with spend_all)."""
    return {eng.model.budget_row: (b if eng.scenario.spend_all else -INF, b)}


def min_budget_efficiency(eng: Engine, floors: Extension, ba: float) -> Efficiency:
    """`min A  s.t.  f >= fa` under the rules, with no budget ceiling, over `Ba`."""
    cost = eng.cost_vector(np.zeros(len(eng.criteria)), 1.0)
    try:
        res = eng.run(cost, False, floors, {eng.model.budget_row: (-INF, INF)})
    except InfeasibleError:
        return Efficiency(
            None,
            None,
            "no budget reaches the actual's outcomes under the scenario's rules and limits",
        )
    a = float(res.x[eng.model.col_A])
    return Efficiency(a / ba, a)


def dominated_by(eng: Engine, fa: np.ndarray, ba: float, floors: Extension) -> Dominance:
    """Max the normalized improvement over `fa` at budget `Ba`; describe the dominating arc."""
    crit = eng.criteria
    C = len(crit)
    n = eng.normalizers()
    lb = np.array([hold_at(float(v), 0.0) for v in fa])
    ext = criteria_rows(
        eng.model, np.eye(C), lb, np.full(C, INF), [f"improve_{c}" for c in crit], -np.eye(C), C
    )
    cost = np.append(np.zeros(eng.model.n_cols), 1.0 / n)
    bounds = budget_bounds(eng, ba)
    try:
        res = eng.run(cost, True, ext, bounds)
    except InfeasibleError:
        return Dominance(
            False,
            None,
            reason="no allocation that keeps the scenario's rules and "
            "limits at the actual budget reaches the actual's "
            "outcomes",
        )
    f = eng.criteria_of(res)
    gain = np.maximum(f - fa, 0.0)
    dominated = bool(np.max(gain / n) > DOMINANCE_TOL)
    improvement = dict(zip(crit, map(float, gain), strict=True))
    if not dominated:
        return Dominance(
            False,
            improvement,
            reason="no allocation at the actual budget is better "
            "on one criterion without being worse on another",
        )
    ends = []
    for c in range(C):
        top = eng.run(eng.cost_vector(np.eye(C)[c]), True, floors, bounds)
        best = float(eng.criteria_of(top)[c])
        held = eng.floors({**floor_values(floors, crit), c: hold_at(best, 0.0)})
        point = eng.run(eng.cost_vector(1.0 / n), True, held, bounds)
        ends.append(dict(zip(crit, map(float, eng.criteria_of(point)), strict=True)))
    return Dominance(True, improvement, tuple(ends))


def floor_values(floors: Extension, criteria: tuple[str, ...]) -> dict[int, float]:
    """Back from a floors Extension (rows named floor_<criterion>) to {index: value}."""
    return {
        criteria.index(name.removeprefix("floor_")): float(lb)
        for name, lb in zip(floors.row_names, floors.row_lb, strict=True)
    }


def with_front(
    dom: Dominance,
    instance: Instance,
    scenario: Scenario,
    fa: np.ndarray,
    points: int,
    solver: str,
) -> Dominance:
    """The front at the actual budget from `optimizer.pareto` (when installed), and which
    of its points dominate `fa`."""
    if importlib.util.find_spec("optimizer.pareto") is None:
        return replace(dom, front_note="the Pareto module is not installed")
    pareto = importlib.import_module("optimizer.pareto")
    try:
        front = pareto.compute_front(instance, scenario, points, solver)
    except InfeasibleError:
        return replace(dom, front_note="the scenario has no front at the actual budget")
    values = [point_values(p, instance.criteria) for p in front.points]
    tol = 1e-9 * np.maximum(1.0, np.abs(fa))
    # numbered from 1, as the `point` column of pareto.csv
    dominating = tuple(
        i for i, v in enumerate(values, start=1) if np.all(v >= fa - tol) and np.any(v > fa + tol)
    )
    return replace(
        dom,
        front_points=len(values),
        front_dominating=dominating,
        front_values=np.array(values).reshape(-1, len(instance.criteria)),
    )


def point_values(point: Any, criteria: tuple[str, ...]) -> np.ndarray:
    """A front point's criteria values as a vector (the point may carry a dict or an array)."""
    v = point.values
    if isinstance(v, dict):
        return np.array([float(v[c]) for c in criteria])
    return np.asarray(v, dtype=float)


def best_weighted(
    eng: Engine, wn: np.ndarray, floors: Extension
) -> tuple[float | None, str | None]:
    """W* = max W(f(x)) s.t. f(x) >= fa at the comparison budget (None with a reason)."""
    try:
        res = eng.run(eng.cost_vector(wn), True, floors)
    except InfeasibleError:
        return None, (
            f"no allocation that keeps the scenario's rules and limits at "
            f"{eng.scenario.budget_mln:,.1f} mln reaches the actual's outcomes"
        )
    return float(wn @ eng.criteria_of(res)), None


def closest_plans(
    eng: Engine,
    xa: np.ndarray,
    fa: np.ndarray,
    wn: np.ndarray,
    w_best: float | None,
    phis: tuple[float, ...],
    reason: str | None,
) -> tuple[ClosestPlan, ...]:
    """Least money moved (sum cost |X - Xa|) to reach each share `phi` of the gain
    `W* - W(fa)`. The rows are added once; between shares only the bound of the
    weighted-target row moves."""
    if w_best is None:
        return tuple(ClosestPlan(phi, None, None, reason=reason) for phi in phis)
    inst = eng.instance
    w_a = float(wn @ fa)
    targets = [hold_at(w_a + phi * max(w_best - w_a, 0.0), 0.0) for phi in phis]
    ext = movement_extension(eng, xa, fa, wn, targets[0] if targets else w_a)
    w_row = len(inst.criteria)  # the weighted-target row follows the criterion floors
    # objective: sum_{t,m} cost_m (p[t,m] + n[t,m]) over the two blocks of new columns
    per_cell = np.tile(inst.budget_cost, inst.n_towns)
    cost = np.concatenate([np.zeros(eng.model.n_cols), per_cell, per_cell])
    plans = []
    try:
        for phi, target in zip(phis, targets, strict=True):
            try:
                res = run_with_row_bound(eng, ext, w_row, target, INF, cost)
            except InfeasibleError:
                plans.append(
                    ClosestPlan(
                        phi,
                        target,
                        None,
                        reason="no plan reaches this share "
                        "of the gain under the scenario's rules and limits",
                    )
                )
                continue
            x = np.maximum(eng.model.volumes(res.x), 0.0)
            plans.append(plan_from_volumes(inst, phi, target, xa, x, wn))
    finally:
        release_extension(eng)
    return tuple(plans)


def run_with_row_bound(
    eng: Engine, ext: Extension, row: int, lb: float, ub: float, cost: np.ndarray
) -> LpResult:
    """Minimize `cost` with row `row` of `ext` moved to [lb, ub] (in place with HiGHS).

    A warm start does not pay here: the last basis (another objective, or another
    target) is a poor start for the movement LP; on 2,000 towns the first solve is
    four times faster cold, and the later ones are no slower.
    """
    eng.session.reset()
    return eng.run(cost, False, ext, {eng.model.n_rows + row: (lb, ub)})


def release_extension(eng: Engine) -> None:
    """Drop the movement rows from the session once the plans are found."""
    eng.session.release()


def plan_from_volumes(
    instance: Instance, phi: float, target: float, xa: np.ndarray, x: np.ndarray, wn: np.ndarray
) -> ClosestPlan:
    delta = budget_cost(instance, x - xa)
    f = score_volumes(instance, x)
    return ClosestPlan(
        phi=phi,
        target_weighted=target,
        moved_mln=float(np.abs(delta).sum()),
        taken_mln=float(np.maximum(-delta, 0.0).sum()),
        added_mln=float(np.maximum(delta, 0.0).sum()),
        objectives=dict(zip(instance.criteria, map(float, f), strict=True)),
        weighted=float(wn @ f),
        volumes=x,
    )


def movement_extension(
    eng: Engine, xa: np.ndarray, fa: np.ndarray, wn: np.ndarray, w_target: float
) -> Extension:
    """Columns p[t,m], n[t,m] >= 0 (the volume added to and taken from each cell,
    after the base columns) and the rows `f_c >= fa_c`, `W >= w_target` and
    `X[t,m] - p[t,m] + n[t,m] = Xa[t,m]`.

    With both p and n costing `cost_m`, an optimum never has both positive, so
    `p + n = |X - Xa|`. This is the same LP as `u >= +-(X - Xa)` with one row
    per cell instead of two; on 2,000 towns HiGHS's simplex solves it about ten
    times faster. The cell rows are general sparse rows (a cell's segment
    columns and its p and n), so they are built here rather than by
    `criteria_rows`. Cells without capacity and without actual volume need no
    row: their X is 0 and their p and n stay 0.
    """
    inst, model = eng.instance, eng.model
    C = len(inst.criteria)
    S = inst.n_segments
    K = inst.n_towns * inst.n_measures
    combos = np.vstack([np.eye(C), wn[None, :]])
    lb = np.append([hold_at(float(v), 0.0) for v in fa], w_target)
    names = [f"floor_{c}" for c in inst.criteria] + ["weighted_target"]
    crit = criteria_rows(model, combos, lb, np.full(C + 1, INF), names, n_extra=2 * K)

    active = np.flatnonzero(((inst.effective_capacity() > 0) | (xa > CELL_TOL)).ravel())
    k = len(active)
    seg_cols = active[:, None] * S + np.arange(S)[None, :]  # (k, S): x columns of each cell
    p_cols = (model.n_cols + active)[:, None]
    n_cols = (model.n_cols + K + active)[:, None]
    index = np.hstack([seg_cols, p_cols, n_cols]).astype(np.int32)
    value = np.hstack([np.ones((k, S)), -np.ones((k, 1)), np.ones((k, 1))])
    xa_k = xa.ravel()[active]
    cell_start = np.arange(1, k + 1, dtype=np.int32) * (S + 2)
    return Extension(
        n_cols=2 * K,
        col_lb=np.zeros(2 * K),
        col_ub=np.full(2 * K, INF),
        row_start=np.concatenate([crit.row_start, crit.row_start[-1] + cell_start]).astype(
            np.int32
        ),
        row_index=np.concatenate([crit.row_index, index.ravel()]).astype(np.int32),
        row_value=np.concatenate([crit.row_value, value.ravel()]),
        row_lb=np.concatenate([crit.row_lb, xa_k]),
        row_ub=np.concatenate([crit.row_ub, xa_k]),
        row_names=(*names, *(f"move_{j}" for j in active)),
    )


# ----------------------------------------------------------------------------- tables


def reallocation_rows(cmp: Comparison) -> tuple[list[str], list[list[Any]]]:
    """`town,measure,actual_mln,optimal_mln,change_mln` (volumes) then the same in budget
    cost, for every cell where either is non-zero, largest |change| (volume) first."""
    return change_rows(cmp.instance, cmp.actual.volume, cmp.optimal.volumes, "optimal")


def closest_rows(cmp: Comparison, phi: float = 1.0) -> tuple[list[str], list[list[Any]]]:
    """`town,measure,actual_mln,plan_mln,change_mln` (+ budget cost) of the plan for `phi`."""
    plan = next((p for p in cmp.closest if abs(p.phi - phi) < 1e-12), None)
    if plan is None or plan.volumes is None:
        header, _ = change_rows(cmp.instance, cmp.actual.volume, cmp.actual.volume, "plan")
        return header, []
    return change_rows(cmp.instance, cmp.actual.volume, plan.volumes, "plan")


def change_rows(
    instance: Instance, xa: np.ndarray, x: np.ndarray, label: str
) -> tuple[list[str], list[list[Any]]]:
    header = [
        "town",
        "measure",
        "actual_mln",
        f"{label}_mln",
        "change_mln",
        "actual_cost_mln",
        f"{label}_cost_mln",
        "change_cost_mln",
        "tier",
    ]
    x = np.where(np.abs(x) > CELL_TOL, x, 0.0)
    cells = np.argwhere((np.abs(xa) > CELL_TOL) | (x > CELL_TOL))
    cost = instance.budget_cost
    rows = []
    for t, m in cells:
        a, o = float(xa[t, m]), float(x[t, m])
        rows.append(
            [
                instance.towns[t],
                instance.measures[m],
                a,
                o,
                o - a,
                a * cost[m],
                o * cost[m],
                (o - a) * cost[m],
                instance.town_tier[t],
            ]
        )
    rows.sort(key=lambda r: (-abs(r[4]), -abs(r[7]), r[0], r[1]))
    return header, rows


def change_totals(instance: Instance, xa: np.ndarray, x: np.ndarray) -> dict[str, Any]:
    """Actual, optimal and change by tier and by measure, in volume and budget cost."""
    ca, co = budget_cost(instance, xa), budget_cost(instance, x)

    def entry(sel_a: np.ndarray, sel_o: np.ndarray, vol_a: float, vol_o: float) -> dict:
        a, o = float(sel_a.sum()), float(sel_o.sum())
        return {
            "actual_mln": vol_a,
            "optimal_mln": vol_o,
            "change_mln": vol_o - vol_a,
            "actual_cost_mln": a,
            "optimal_cost_mln": o,
            "change_cost_mln": o - a,
        }

    tiers = instance.tier_index
    by_tier = {
        t: entry(
            ca[tiers == i], co[tiers == i], float(xa[tiers == i].sum()), float(x[tiers == i].sum())
        )
        for i, t in enumerate(instance.tiers)
    }
    by_measure = {
        m: entry(ca[:, j], co[:, j], float(xa[:, j].sum()), float(x[:, j].sum()))
        for j, m in enumerate(instance.measures)
    }
    return {"by_tier": by_tier, "by_measure": by_measure}


# ----------------------------------------------------------------------------- documents


def comparison_document(cmp: Comparison) -> dict[str, Any]:
    """comparison.json: the keys of SPEC section 7, plus what a script needs to audit them."""
    from optimizer.output import provenance

    inst, opt = cmp.instance, cmp.optimal
    dom = cmp.dominance
    return {
        "instance": inst.name,
        "scenario": cmp.scenario.name,
        "method": cmp.scenario.objective.method,
        "budget_mln": cmp.budget_mln,
        "actual": {
            "file": str(cmp.actual.path),
            "name": cmp.actual.name,
            "budget_mln": cmp.actual_budget_mln,
            "volume_mln": float(cmp.actual.volume.sum()),
            "objectives": cmp.actual_objectives,
            "broken_rules": [violation_dict(v) for v in cmp.broken_rules],
            "over_capacity": [issue_dict(c) for c in cmp.over_capacity],
            "ineligible": [issue_dict(c) for c in cmp.ineligible],
            "without_effect_cost_mln": cmp.without_effect_cost_mln,
        },
        "optimal": {
            "status": "optimal",
            "budget_mln": cmp.budget_mln,
            "allocated_mln": opt.allocated_mln,
            "objectives": opt.objectives,
            "shadow_prices": {sp.name: sp.value for sp in opt.shadow_prices},
        },
        "uplift": cmp.uplift,
        "efficiency": cmp.efficiency.value,
        "efficiency_detail": {
            "min_budget_mln": cmp.efficiency.min_budget_mln,
            "reason": cmp.efficiency.reason,
        },
        "dominated": dom.dominated,
        "dominance": {
            "improvement": dom.improvement,
            "front_ends": list(dom.ends),
            "front_points": dom.front_points,
            "front_dominating": list(dom.front_dominating),
            "reason": dom.reason or dom.front_note,
        },
        "weighted": {
            "weights": cmp.weights,
            "normalize": cmp.scenario.objective.normalize,
            "actual": cmp.weighted_actual,
            "optimal": cmp.weighted_optimal,
            "best_keeping_actual": cmp.weighted_best,
            "gain": None if cmp.weighted_best is None else cmp.weighted_best - cmp.weighted_actual,
        },
        "closest": [
            {
                "phi": p.phi,
                "moved_mln": p.moved_mln,
                "taken_mln": p.taken_mln,
                "added_mln": p.added_mln,
                "objectives": p.objectives,
                "weighted": p.weighted,
                "target_weighted": p.target_weighted,
                "reason": p.reason,
            }
            for p in cmp.closest
        ],
        "reallocation_totals": change_totals(inst, cmp.actual.volume, opt.volumes),
        "solver": {
            "name": opt.solver.name,
            "version": opt.solver.version,
            "seconds": round(cmp.seconds, 6),
            "solves": cmp.solves,
        },
        "inputs": provenance(inst, cmp.scenario),
        "tool": {"name": "monotowns", "version": __version__},
    }


def violation_dict(v: Violation) -> dict[str, Any]:
    return {
        "rule": v.rule,
        "bound": v.bound,
        "limit": v.limit,
        "value": v.value,
        "by": v.by,
        "unit": v.unit,
        "town": v.town,
    }


def issue_dict(c: CellIssue) -> dict[str, Any]:
    return {
        "town": c.town,
        "measure": c.measure,
        "volume_mln": c.volume_mln,
        "without_effect_mln": c.without_effect_mln,
    }


# ----------------------------------------------------------------------------- words


def money(mln: float | None, currency: str = "") -> str:
    """`43.0 bn KZT` from 43000, `850 mln KZT` from 850."""
    if mln is None:
        return "n/a"
    cur = f" {currency}" if currency else ""
    if abs(mln) >= 1000:
        return f"{mln / 1000:,.1f} bn{cur}"
    if abs(mln) >= 10:
        return f"{mln:,.0f} mln{cur}"
    return f"{mln:,.2f} mln{cur}"


def headline(cmp: Comparison) -> list[str]:
    """The comparison in a few sentences a person reads in ten seconds."""
    inst = cmp.instance
    cur = inst.currency
    same = abs(cmp.budget_mln - cmp.actual_budget_mln) <= 1e-6 * max(1.0, cmp.actual_budget_mln)
    with_what = (
        f"With the same {money(cmp.budget_mln, cur)}"
        if same
        else (f"With {money(cmp.budget_mln, cur)} instead of {money(cmp.actual_budget_mln, cur)}")
    )
    parts = []
    for c in inst.criteria:
        u = cmp.uplift[c]
        pct = "" if u["pct"] is None else f" ({u['pct']:+.1f}%)"
        parts.append(f"{c} {u['abs']:+,.0f}{pct}")
    spent = cmp.optimal.allocated_mln
    optimum = "the optimum"
    if spent < cmp.budget_mln * (1 - 1e-6):
        optimum += f" (spending {money(spent, cur)} of it)"
    lines = [f"{with_what}, {optimum} changes {', '.join(parts)}."]
    eff = cmp.efficiency
    if eff.value is None:
        lines.append(f"Efficiency: n/a ({eff.reason}).")
    elif eff.value < 1 - 1e-6:
        lines.append(
            f"The same outcomes were reachable with {eff.value:.0%} of the money "
            f"({money(eff.min_budget_mln, cur)})."
        )
    elif eff.value > 1 + 1e-6:
        lines.append(
            f"Under the scenario's rules the same outcomes need {eff.value:.0%} of the "
            f"money ({money(eff.min_budget_mln, cur)})."
        )
    else:
        lines.append("No smaller budget reaches the same outcomes (efficiency 100%).")
    dom = cmp.dominance
    lines.append(
        "The actual spend is dominated: " + dominated_words(cmp)
        if dom.dominated
        else f"The actual spend is not dominated ({dom.reason})."
    )
    plans = [p for p in cmp.closest if p.moved_mln is not None]
    if cmp.weighted_best is not None and cmp.weighted_best - cmp.weighted_actual <= 1e-9:
        lines.append("No plan improves the weighted objective without losing on a criterion.")
    elif plans:
        first, full = plans[0], plans[-1]
        text = f"Moving {money(first.taken_mln, cur)} between cells captures {first.phi:.0%} of the gain"
        sums = money(first.moved_mln)
        if full is not first:
            what = "all of it" if full.phi == 1.0 else f"{full.phi:.0%}"
            text += f" and {money(full.taken_mln, cur)} captures {what}"
            sums += f" and {money(full.moved_mln)}"
        lines.append(f"{text}, with no criterion below the actual (sum of cell changes: {sums}).")
    else:
        reason = next((p.reason for p in cmp.closest if p.reason), "no plan exists")
        lines.append(f"Closest plans: none ({reason}).")
    if cmp.broken_rules:
        names = sorted({v.rule for v in cmp.broken_rules})
        lines.append(
            f"The actual spend breaks {len(cmp.broken_rules)} bound(s) of the scenario: "
            f"{', '.join(names)}."
        )
    wasted = cmp.without_effect_cost_mln
    if wasted > CELL_TOL:
        lines.append(
            f"{money(wasted, cur)} of the actual spend has no effect "
            f"(above capacity or in ineligible cells)."
        )
    return lines


def dominated_words(cmp: Comparison) -> str:
    """'from (jobs 103, population 191) to (jobs 110, population 128)' and front points."""
    dom = cmp.dominance
    ends = [
        "(" + ", ".join(f"{c} {e[c]:,.0f}" for c in cmp.instance.criteria) + ")" for e in dom.ends
    ]
    uniq = list(dict.fromkeys(ends))
    text = (
        f"the front from {uniq[0]} to {uniq[-1]} is better on every criterion"
        if len(uniq) > 1
        else f"the front point {uniq[0]} is better on every criterion"
    )
    if dom.front_points:
        idx = dom.front_dominating
        text += (
            f"; front points {idx[0]}-{idx[-1]} ({len(idx)} of {dom.front_points}) dominate it"
            if idx
            else f"; none of the {dom.front_points} computed front points dominates it"
        )
    return text + "."
