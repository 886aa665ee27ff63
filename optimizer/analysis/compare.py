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

      min  sum_{t,m} cost_m n[t,m]
      s.t. X[t,m] - p[t,m] + n[t,m] = Xa[t,m],  p, n >= 0    (n = max(Xa - X, 0) at an optimum)
           f_c(x) >= fa_c  for every c
           W(f(x)) >= W(fa) + phi (W* - W(fa))
           budget B, rules, limits, capacities

  Money moved (SPEC 14) is one quantity everywhere: the money taken out of cells,
  `moved_mln = sum cost_m max(Xa - X, 0)`, computed by `money_moved` alone;
  `added_mln` is the money put in. When the plan costs what the actual cost (the
  default: `spend_all` at the actual's own budget) the two are equal, and the total
  change `sum cost_m |X - Xa|` is twice either. When the totals differ (`--budget`,
  or a scenario that need not spend all) an officer asks how much of what was spent
  must be taken from where it went: money the plan adds from a larger budget is
  taken from no one, and money a plan gives back still leaves its cells. So the LP
  minimizes the money taken out (with `spend_all` as the total change, which has the
  same optimal plans there: `movement_cost`), and that is what `moved_mln` reports;
  minimizing the total change when the plan's total is free could report a plan that
  takes out more than another reaching the same share (it would trade money put in
  against money taken out).

  The movement LP can have ties (many plans take out the same least money; with
  totals that differ, the money put in is free among them); the plan reported is the
  one of that LP's optimal face that minimizes `sum (C - Ca)^2 / population`
  (SPEC section 10's rule with R the actual's budget cost `Ca`): the changes, in
  and out, spread most evenly per resident, whatever the solver.

  With projects (SPEC section 12) a project's funding change counts too, at its
  budget cost: dropping funding the actual gave is money taken out, funding a
  project the actual did not is money put in; columns and rows
  `y_p - p_p + n_p = ya_p` as the cells', so the movement LP minimizes the same
  money it reports; the plan's criteria count the projects' effects. Capacity is
  hard in every plan, so actual volume above a cell's capacity, and all actual
  volume in an ineligible cell, cannot be kept: it is always taken out, and
  `moved_mln` includes it. Where no plan exists (the actual's outcomes cannot be
  reached under the rules at budget `B`), `moved_mln` is null and `reason` says why.

Core code: nothing here prints or exits.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

import numpy as np

from optimizer.analysis.pareto import ParetoFront, compute_front
from optimizer.domain.actual import ActualSpend
from optimizer.domain.evaluate import (
    CellIssue,
    Violation,
    budget_cost,
    check_scenario,
    score_plan,
    wasted_cells,
)
from optimizer.domain.instance import Instance
from optimizer.domain.results import Solution
from optimizer.domain.scenario import Scenario
from optimizer.domain.tables import local_number
from optimizer.errors import InfeasibleError, InstanceError
from optimizer.i18n import _
from optimizer.lp.engine import Engine, hold_at
from optimizer.lp.model import INF
from optimizer.lp.session import Extension, criteria_rows
from optimizer.methods.equal import even_extended
from optimizer.methods.solution import optimize_engine

PHIS = (0.25, 0.5, 0.75, 1.0)
# An improvement smaller than this share of a criterion's normalizer is round-off.
DOMINANCE_TOL = 1e-6
# Cells whose change is below this (mln) are not listed.
CELL_TOL = 1e-7


class Unreached(StrEnum):
    """Why the comparison has no value for a quantity (outputs word it)."""

    no_budget = "no_budget"  # no budget reaches the actual's outcomes under the rules
    at_actual_budget = "at_actual_budget"  # no plan at the actual budget reaches them
    at_budget = "at_budget"  # no plan at the comparison budget (`Reason.budget_mln`) does
    none_better = "none_better"  # no plan at the actual budget is better on some criterion
    share = "share"  # no plan reaches this share of the gain under the rules
    no_front = "no_front"  # the scenario has no front at the actual budget


@dataclass(frozen=True)
class Reason:
    """Why a quantity has no value: the code, and the budget it speaks of (mln)."""

    code: Unreached
    budget_mln: float | None = None


@dataclass(frozen=True, eq=False)
class ClosestPlan:
    """The least money moved from the actual cells to reach `phi` of the achievable gain."""

    phi: float
    target_weighted: float | None
    moved_mln: float | None  # money taken out (SPEC 14; `money_moved`)
    added_mln: float | None = None  # money put in
    objectives: dict[str, float] | None = None
    weighted: float | None = None
    volumes: np.ndarray | None = field(default=None, repr=False)
    reason: Reason | None = None
    # projects' funding fractions of the plan (instances with projects.csv)
    fractions: np.ndarray | None = field(default=None, repr=False)
    # SPEC 10's rule applied among the plans that move as little (False: the face had
    # over Tuning.closest_max_free free cells and the solver's own plan stands)
    even: bool = True


@dataclass(frozen=True)
class Efficiency:
    """`min_budget_mln / actual budget`; null value with a reason when unreachable."""

    value: float | None
    min_budget_mln: float | None
    reason: Reason | None = None


@dataclass(frozen=True, eq=False)
class Dominance:
    """Whether some allocation at the actual budget is at least as good on every
    criterion and better on one; `ends` are the efficient points at either end of
    the dominating part of the front (one per criterion, best in that criterion)."""

    dominated: bool
    improvement: dict[str, float] | None
    ends: tuple[dict[str, float], ...] = ()
    reason: Reason | None = None
    front_points: int | None = None
    front_dominating: tuple[int, ...] = ()  # front point numbers, from 1 as in pareto.csv
    front_note: Reason | None = None  # why no front point is listed
    front_values: np.ndarray | None = field(default=None, repr=False)  # (points, C)


@dataclass(frozen=True, eq=False)
class ProjectChanges:
    """An actual project list against the optimum's (SPEC section 12): the funded
    projects the optimum keeps, drops and adds (names in the projects.csv order), and
    the budget cost of each side at the funded fractions."""

    kept: tuple[str, ...]
    dropped: tuple[str, ...]
    added: tuple[str, ...]
    actual_fractions: np.ndarray = field(repr=False)
    optimal_fractions: np.ndarray = field(repr=False)
    kept_cost_mln: float = 0.0
    dropped_cost_mln: float = 0.0
    added_cost_mln: float = 0.0


FUNDED_TOL = 1e-9  # a fraction above this is a funded project


def project_changes(instance: Instance, actual: np.ndarray, optimal: np.ndarray) -> ProjectChanges:
    pr = instance.projects
    assert pr is not None
    a, o = actual > FUNDED_TOL, optimal > FUNDED_TOL
    names = np.array(pr.names, dtype=object)

    def cost(sel: np.ndarray, y: np.ndarray) -> float:
        return float((y * pr.cost)[sel].sum())

    return ProjectChanges(
        kept=tuple(names[a & o]), dropped=tuple(names[a & ~o]), added=tuple(names[~a & o]),
        actual_fractions=actual, optimal_fractions=optimal,
        kept_cost_mln=cost(a & o, optimal), dropped_cost_mln=cost(a & ~o, actual),
        added_cost_mln=cost(~a & o, optimal),
    )  # fmt: skip


def project_volume(instance: Instance, fractions: np.ndarray | None) -> np.ndarray:
    """(T, M) the volume funded projects put into their cells (fraction * volume_mln)."""
    out = np.zeros((instance.n_towns, instance.n_measures))
    pr = instance.projects
    if fractions is not None and pr is not None:
        np.add.at(out, (pr.town, pr.measure), fractions * pr.volume)
    return out


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
    # when the actual lists projects (`project,fraction` rows): kept, dropped, added
    projects: ProjectChanges | None = None

    @property
    def budget_mln(self) -> float:
        """The comparison budget (the actual's budget cost unless --budget was given)."""
        return self.scenario.budget_mln

    @property
    def at_actual_budget(self) -> bool:
        """Whether the comparison budget is the actual's own budget cost (to a millionth
        of it): one budget, not two (--budget was not given, or gave the same)."""
        return same_budget(self.actual_budget_mln, self.budget_mln)

    @property
    def without_effect_cost_mln(self) -> float:
        cost = dict(zip(self.instance.measures, self.instance.budget_cost, strict=True))
        return float(
            sum(
                c.without_effect_mln * cost[c.measure] for c in self.over_capacity + self.ineligible
            )
        )


# ----------------------------------------------------------------------------- the comparison


def same_budget(spent_mln: float, budget_mln: float) -> bool:
    """Whether a spend cost the budget (to a millionth of it): one budget, not two."""
    return abs(spent_mln - budget_mln) <= 1e-6 * max(1.0, budget_mln)


def actual_cost(instance: Instance, actual: ActualSpend) -> float:
    """The budget cost of an actual spend (mln), its cells and the projects it funds:
    the budget every comparison with it uses unless another is given (one budget per
    comparison: `compare`, `pareto --actual`, `uncertainty --actual`, `report`)."""
    ya = actual.fractions if instance.projects is not None else None
    xa = np.asarray(actual.volume, dtype=float) + project_volume(instance, ya)
    return float(budget_cost(instance, xa).sum())


def optimum_uplift(
    criteria: tuple[str, ...], optimal: dict[str, float], fa: np.ndarray
) -> dict[str, dict[str, float | None]]:
    """`f*_c - fa_c` and its percentage of `fa_c` (None when `fa_c` is 0): the one
    uplift `compare`, `pareto --actual` and `report` all print."""
    return {
        c: {
            "abs": float(optimal[c] - fa[i]),
            "pct": float((optimal[c] - fa[i]) / fa[i] * 100) if abs(fa[i]) > 1e-12 else None,
        }
        for i, c in enumerate(criteria)
    }


def compare(
    instance: Instance,
    scenario: Scenario,
    actual: ActualSpend,
    budget_mln: float | None = None,
    solver: str = "highs",
    phis: tuple[float, ...] = PHIS,
    front_points: int = 0,
    engine: Engine | None = None,
    optimal: Solution | None = None,
    front: ParetoFront | None = None,
) -> Comparison:
    """Compare an actual spend with the scenario's optimum (module docstring).

    `front_points > 0` also computes the Pareto front at the actual budget with
    `optimizer.pareto` (when that module exists) to list the front points that
    dominate the actual spend. Raises `InfeasibleError` (with the diagnosis)
    when the scenario itself has no solution at the comparison budget.
    """
    xa = np.asarray(actual.volume, dtype=float)
    ya = actual.fractions if instance.projects is not None else None
    # a project's volume goes into its cell (budget cost, rules, limits) but is scored
    # with the project's own effects, not the cell's curve (SPEC section 12)
    xp = project_volume(instance, ya)
    ba = actual_cost(instance, actual)
    if ba <= 0:
        raise InstanceError(
            f"{actual.path}: the actual spend has no budget cost (every amount is 0)"
        )
    fa = score_plan(instance, xa, ya)
    broken = check_scenario(instance, scenario.with_budget(ba), xa + xp)
    over, inelig = wasted_cells(instance, xa)

    b = ba if budget_mln is None else float(budget_mln)
    scen = scenario.with_budget(b)
    # a study's engine, plan and front at this budget are used as they are (SPEC 14:
    # one plan, solved once); otherwise they are solved here
    eng = engine if engine is not None else Engine.open(instance, scen, solver)
    try:
        if optimal is None:
            optimal = optimize_engine(eng)
    except InfeasibleError as e:
        raise InfeasibleError(
            _("at the comparison budget of {amount} mln: {error}").format(
                amount=local_number(f"{b:,.1f}"), error=e
            ),
            e.diagnosis,
        ) from None

    wn = scen.objective.weight_vector(instance.criteria) / eng.normalizers()
    f_opt = np.array([optimal.objectives[c] for c in instance.criteria])
    uplift = optimum_uplift(instance.criteria, optimal.objectives, fa)
    floors = eng.floors({i: hold_at(float(v), 0.0) for i, v in enumerate(fa)})
    efficiency = min_budget_efficiency(eng, floors, ba)
    dominance = dominated_by(eng, fa, ba, floors)
    if front_points > 0:
        same = front is not None and same_budget(ba, front.budget_mln)
        dominance = with_front(
            dominance, instance, scenario.with_budget(ba), fa, front_points, solver,
            front if same else None,
        )  # fmt: skip
    w_best, best_reason = best_weighted(eng, wn, floors)
    closest = closest_plans(eng, xa, fa, wn, w_best, phis, best_reason, ya)
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
        projects=None
        if ya is None
        else project_changes(instance, np.asarray(ya, dtype=float), optimal_fractions(optimal)),
    )


def optimal_fractions(sol: Solution) -> np.ndarray:
    assert sol.fractions is not None, "an instance with projects has fractions"
    return np.asarray(sol.fractions, dtype=float)


def budget_bounds(eng: Engine, b: float) -> dict[int, tuple[float, float]]:
    """The budget row at `b`, as the scenario states it (`== b` with spend_all)."""
    return {eng.model.budget_row: (b if eng.scenario.spend_all else -INF, b)}


def min_budget_efficiency(eng: Engine, floors: Extension, ba: float) -> Efficiency:
    """`min A  s.t.  f >= fa` under the rules, with no budget ceiling, over `Ba`."""
    cost = eng.cost_vector(np.zeros(len(eng.criteria)), 1.0)
    try:
        res = eng.run(cost, False, floors, {eng.model.budget_row: (-INF, INF)})
    except InfeasibleError:
        return Efficiency(None, None, Reason(Unreached.no_budget))
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
            reason=Reason(Unreached.at_actual_budget),
        )
    f = eng.criteria_of(res)
    gain = np.maximum(f - fa, 0.0)
    dominated = bool(np.max(gain / n) > DOMINANCE_TOL)
    improvement = dict(zip(crit, map(float, gain), strict=True))
    if not dominated:
        return Dominance(
            False,
            improvement,
            reason=Reason(Unreached.none_better),
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
    front: ParetoFront | None = None,
) -> Dominance:
    """The front at the actual budget (`front` when already traced there), and which
    of its points dominate `fa`."""
    try:
        if front is None:
            front = compute_front(instance, scenario, points, solver)
    except InfeasibleError:
        return replace(dom, front_note=Reason(Unreached.no_front))
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
) -> tuple[float | None, Reason | None]:
    """W* = max W(f(x)) s.t. f(x) >= fa at the comparison budget (None with a reason)."""
    try:
        res = eng.run(eng.cost_vector(wn), True, floors)
    except InfeasibleError:
        return None, Reason(Unreached.at_budget, eng.scenario.budget_mln)
    return float(wn @ eng.criteria_of(res)), None


def closest_plans(
    eng: Engine,
    xa: np.ndarray,
    fa: np.ndarray,
    wn: np.ndarray,
    w_best: float | None,
    phis: tuple[float, ...],
    reason: Reason | None,
    ya: np.ndarray | None = None,
) -> tuple[ClosestPlan, ...]:
    """Least money moved (taken out: sum cost max(Xa - X, 0), plus sum cost_p
    max(ya - y, 0) over projects) to reach each share `phi` of the gain `W* - W(fa)`.
    The rows are added once; between shares only the bound of the weighted-target row
    moves."""
    if w_best is None:
        return tuple(ClosestPlan(phi, None, None, reason=reason) for phi in phis)
    inst = eng.instance
    w_a = float(wn @ fa)
    targets = [hold_at(w_a + phi * max(w_best - w_a, 0.0), 0.0) for phi in phis]
    pr = inst.projects
    if pr is not None and ya is None:
        ya = np.zeros(len(pr))  # an actual of cells only funds no project
    ext = movement_extension(eng, xa, fa, wn, targets[0] if targets else w_a, ya)
    w_row = len(inst.criteria)  # the weighted-target row follows the criterion floors
    cost = movement_cost(eng, ya is not None)
    reference = xa * inst.budget_cost[None, :]
    plans = []
    # A warm start does not pay here: the last basis (another objective, or another
    # target) is a poor start for the movement LP; on 2,000 towns the first solve is
    # four times faster cold, and the later ones are no slower.
    with eng.extended(ext) as moves:
        for phi, target in zip(phis, targets, strict=True):
            try:
                res = moves.run(cost, False, {w_row: (target, INF)}, cold=True)
            except InfeasibleError:
                plans.append(
                    ClosestPlan(
                        phi,
                        target,
                        None,
                        reason=Reason(Unreached.share),
                    )
                )
                continue
            # Ties: many plans may move the same least money; the one reported is the
            # one whose changes are spread most evenly per resident (SPEC 10 on this
            # LP's face, with R the actual's budget cost), whatever the solver chose.
            evened = even_extended(eng, ext, res, cost, {w_row: (target, INF)}, reference,
                                   max_free=eng.tuning.closest_max_free)  # fmt: skip
            x = np.maximum(eng.model.volumes(evened.x), 0.0)
            y = pr.clean(eng.model.fractions(evened.x)) if pr is not None else None
            plan = plan_from_volumes(inst, phi, target, xa, x, wn, y, ya)
            plans.append(replace(plan, even=evened is not res or eng.model.n_proj > 0))
    return tuple(plans)


def movement_cost(eng: Engine, projects: bool) -> np.ndarray:
    """The movement LP's objective: the money taken out, `sum_{t,m} cost_m n[t,m]`
    over the second block of new columns, then `sum_p cost_p n_p` over the projects'
    second.

    When the plan's total is pinned (`spend_all`: the budget row is `A == B`), the
    money put in is the money taken out plus `B - Ba` in every plan, so the total
    change `sum cost (p + n)` is twice the money taken out plus a constant: the same
    optimal plans. It is then the objective solved, because HiGHS's simplex solves it
    faster than one whose put-in columns cost nothing (2,000 generated towns, the
    four shares: 4.0 s of CPU against 5.6 s)."""
    inst = eng.instance
    per_cell = np.tile(inst.budget_cost, inst.n_towns)
    pr = inst.projects
    per_project = pr.cost if pr is not None and projects else np.zeros(0)
    put_in = 1.0 if eng.scenario.spend_all else 0.0
    return np.concatenate([np.zeros(eng.model.n_cols), put_in * per_cell, per_cell,
                           put_in * per_project, per_project])  # fmt: skip


def plan_from_volumes(
    instance: Instance, phi: float, target: float, xa: np.ndarray, x: np.ndarray,
    wn: np.ndarray, y: np.ndarray | None = None, ya: np.ndarray | None = None,
) -> ClosestPlan:  # fmt: skip
    """The plan's money moved and put in (`money_moved`) and its criteria."""
    movement = money_moved(instance, xa, x, ya, y)
    f = score_plan(instance, x, y)
    return ClosestPlan(
        phi=phi,
        target_weighted=target,
        moved_mln=movement.moved_mln,
        added_mln=movement.added_mln,
        objectives=dict(zip(instance.criteria, map(float, f), strict=True)),
        weighted=float(wn @ f),
        volumes=x,
        fractions=y,
    )


@dataclass(frozen=True)
class Movement:
    """Money between an actual spend and a plan, in budget cost (mln): `moved_mln`
    taken out of cells (and funding of projects dropped), `added_mln` put in."""

    moved_mln: float
    added_mln: float


def money_moved(
    instance: Instance, xa: np.ndarray, x: np.ndarray,
    ya: np.ndarray | None = None, y: np.ndarray | None = None,
) -> Movement:  # fmt: skip
    """The one count of money moved (SPEC 14): the sum of the decreases in budget cost
    from `xa` to `x` over cells, then over projects' funding (`ya` to `y`, at their
    cost). Every output that says "moved" shows this number; the money put in is the
    sum of the increases (equal to it when the two cost the same)."""
    delta = budget_cost(instance, np.asarray(x, dtype=float) - xa).ravel()
    pr = instance.projects
    if pr is not None and y is not None and ya is not None:
        delta = np.concatenate([delta, (np.asarray(y, dtype=float) - ya) * pr.cost])
    return Movement(
        moved_mln=float(np.maximum(-delta, 0.0).sum()),
        added_mln=float(np.maximum(delta, 0.0).sum()),
    )


def movement_extension(
    eng: Engine, xa: np.ndarray, fa: np.ndarray, wn: np.ndarray, w_target: float,
    ya: np.ndarray | None = None,
) -> Extension:  # fmt: skip
    """Columns p[t,m], n[t,m] >= 0 (the volume added to and taken from each cell,
    after the base columns) and the rows `f_c >= fa_c`, `W >= w_target` and
    `X[t,m] - p[t,m] + n[t,m] = Xa[t,m]`; with projects, then columns p_p, n_p >= 0
    and rows `y_p - p_p + n_p = ya_p` (the funding fraction added and taken).

    With n costing `cost_m` (the money taken out) and p free, an optimum has n as
    small as the row allows, `n = max(Xa - X, 0)`; p is then the money put in. The
    rows are equalities so that both sides are columns of the plan (a form with
    `u >= +-(X - Xa)`, two rows per cell, was about ten times slower in HiGHS's
    simplex on 2,000 towns). The cell rows are general sparse rows (a cell's segment
    columns and its p and n), so they are built here rather than by
    `criteria_rows`. Cells without capacity and without actual volume need no
    row: their X is 0 and their p and n stay 0.
    """
    inst, model = eng.instance, eng.model
    C = len(inst.criteria)
    S = inst.n_segments
    K = inst.n_towns * inst.n_measures
    P = model.n_proj if ya is not None else 0
    combos = np.vstack([np.eye(C), wn[None, :]])
    lb = np.append([hold_at(float(v), 0.0) for v in fa], w_target)
    names = [f"floor_{c}" for c in inst.criteria] + ["weighted_target"]
    crit = criteria_rows(model, combos, lb, np.full(C + 1, INF), names, n_extra=2 * K + 2 * P)

    active = np.flatnonzero(((inst.effective_capacity() > 0) | (xa > CELL_TOL)).ravel())
    k = len(active)
    seg_cols = active[:, None] * S + np.arange(S)[None, :]  # (k, S): x columns of each cell
    p_cols = (model.n_cols + active)[:, None]
    n_cols = (model.n_cols + K + active)[:, None]
    index = np.hstack([seg_cols, p_cols, n_cols]).astype(np.int32).ravel()
    value = np.hstack([np.ones((k, S)), -np.ones((k, 1)), np.ones((k, 1))]).ravel()
    targets = xa.ravel()[active]
    move_names = [f"move_{j}" for j in active]
    if P:
        # a project's row: its fraction column y_p, then p_p and n_p after the cells'
        proj = np.arange(P)
        cols = np.stack([model.n_x + proj, model.n_cols + 2 * K + proj,
                         model.n_cols + 2 * K + P + proj], axis=1)  # fmt: skip
        index = np.concatenate([index, cols.astype(np.int32).ravel()])
        value = np.concatenate([value, np.tile([1.0, -1.0, 1.0], P)])
        targets = np.concatenate([targets, np.asarray(ya, dtype=float)])
        move_names += [f"move_project_{p}" for p in range(P)]
    # row ends: S + 2 entries per cell row, 3 per project row
    starts = np.cumsum(np.r_[np.full(k, S + 2), np.full(P, 3)]).astype(np.int32)
    n_new = 2 * K + 2 * P
    return Extension(
        n_cols=n_new,
        col_lb=np.zeros(n_new),
        col_ub=np.full(n_new, INF),
        row_start=np.concatenate([crit.row_start, crit.row_start[-1] + starts]).astype(np.int32),
        row_index=np.concatenate([crit.row_index, index]).astype(np.int32),
        row_value=np.concatenate([crit.row_value, value]),
        row_lb=np.concatenate([crit.row_lb, targets]),
        row_ub=np.concatenate([crit.row_ub, targets]),
        row_names=(*names, *move_names),
    )


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
