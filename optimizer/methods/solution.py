"""From a method's optimum to a `Solution`: solve-or-diagnose (an infeasible
scenario raises with the elastic diagnosis), the one plan among equals (SPEC
section 10), the criteria scored from the volumes, and the shadow prices of the
budget, each limit and each rule bound, with binding told from slack.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from optimizer.domain.instance import Instance
from optimizer.domain.results import ShadowPrice, Solution, SolverInfo
from optimizer.domain.scenario import Scenario
from optimizer.errors import InfeasibleError
from optimizer.i18n import _
from optimizer.lp.engine import Engine
from optimizer.lp.session import LpResult
from optimizer.methods.describe import describe
from optimizer.methods.export import method_objective
from optimizer.methods.projects import with_projects
from optimizer.methods.scalarize import SCALARIZATIONS, maximizes

# ----------------------------------------------------------------------------- solution


BINDING_REL = 1e-7  # a row within this (relative to its bound, at least 1e-7 mln) is at its bound


def row_activity(eng: Engine, x: np.ndarray) -> np.ndarray:
    """Every base row's activity at the columns `x`."""
    m = eng.model
    row_of = np.repeat(np.arange(m.n_rows), np.diff(m.row_start))
    return np.bincount(row_of, m.row_value * x[m.row_index], minlength=m.n_rows)


def at_bound(eng: Engine, x: np.ndarray) -> np.ndarray:
    """(rows,) bool: each base row at one of its bounds, within BINDING_REL (relative
    to the bound, and at least that fraction of the budget for share rows, whose
    bound 0 stands for `share * A`). The bounds are the engine's (a view's budget)."""
    from optimizer.methods.equal import face_bounds

    m = eng.model
    act = row_activity(eng, x)
    lb, ub = face_bounds(eng, LpResult(x, np.zeros(m.n_rows), 0.0, 0.0))
    if describe(eng.scenario).least_budget:  # the ceiling is the scenario's
        lb[m.budget_row], ub[m.budget_row] = m.row_lb[m.budget_row], m.row_ub[m.budget_row]
        for row, (lo, hi) in eng.overrides.items():
            if row == m.budget_row:
                lb[row], ub[row] = lo, hi
    size = max(1.0, abs(float(x[m.col_A])))
    tol_lb = BINDING_REL * np.maximum(size, np.abs(np.where(np.isfinite(lb), lb, 0.0)))
    tol_ub = BINDING_REL * np.maximum(size, np.abs(np.where(np.isfinite(ub), ub, 0.0)))
    return (np.isfinite(lb) & (act <= lb + tol_lb)) | (np.isfinite(ub) & (act >= ub - tol_ub))


def shadow_prices(
    eng: Engine, res: LpResult, maximize: bool, x: np.ndarray | None = None
) -> tuple[ShadowPrice, ...]:
    """Rate of the objective per unit of relaxation for the budget, each limit and rule bound.

    HiGHS's row dual is d(optimum)/d(row bound). Relaxing an upper bound raises it,
    relaxing a lower bound lowers it; a share rule `S - share * A >= 0` relaxed by
    one point moves its bound by 0.01 * A; a per-capita bound by population / 1e6 mln.

    `binding` (SPEC section 10): some row of the block is at its bound in the
    reported plan `x` (default `res.x`), or has a non-zero dual (then it is at its
    bound in every optimal plan), whatever the price: a cap four towns sit on is
    binding even when relaxing it would gain nothing ("binding at no cost").
    """
    m = eng.model
    sign = 1.0 if maximize else -1.0
    plan = res.x if x is None else x
    A = float(plan[m.col_A])
    tight = at_bound(eng, plan)
    out = []
    for b in m.blocks:
        if b.kind == "alloc":
            continue
        duals = res.row_dual[b.start : b.stop] * sign
        if b.kind == "budget":
            value = float(duals.sum())
        else:
            direction = -1.0 if b.is_lower else 1.0
            per_row = duals * direction
            if b.unit == "pp":
                per_row = per_row * 0.01 * A
            elif b.unit == "per_capita":
                assert b.towns is not None
                per_row = per_row * eng.instance.population[b.towns] / 1e6
            value = float(per_row.sum())
        rows_binding = tight[b.start : b.stop] | (np.abs(duals) > 1e-9)
        name = b.label
        if b.kind == "rule":
            rule = next(r for r in eng.scenario.rules if r.label == b.label)
            if len(rule.bounds) > 1:
                name = f"{b.label} ({b.bound})"
        towns: tuple[int, ...] = ()
        if b.towns is not None:
            towns = tuple(int(t) for t in b.towns[rows_binding])
        out.append(ShadowPrice(name, b.kind, b.unit, value + 0.0, bool(rows_binding.any()), towns))
    return tuple(out)


def make_solution(eng: Engine, res: LpResult, maximize: bool) -> Solution:
    from optimizer.domain.evaluate import score_volumes
    from optimizer.methods.equal import even_plan

    inst = eng.instance
    method_res = res
    skipped: list[int] = []
    res = even_plan(eng, res, max_free=eng.tuning.solve_max_free, skipped=skipped)
    x = res.x
    volumes = np.maximum(eng.model.volumes(x), 0.0)
    values = score_volumes(inst, volumes)
    sol = Solution(
        instance_name=inst.name,
        scenario_name=eng.scenario.name,
        method=eng.scenario.objective.method,
        budget_mln=eng.scenario.budget_mln,
        volumes=volumes,
        cost=volumes * inst.budget_cost[None, :],
        objectives=dict(zip(inst.criteria, map(float, values), strict=True)),
        payoff=eng.known_payoff,
        shadow_prices=shadow_prices(eng, method_res, maximize, x),
        solver=SolverInfo(eng.session.name, eng.session.version, eng.seconds, eng.solves),
        lp_objective=res.objective,
        x=x,
        row_dual=res.row_dual,
        uneven_free_cells=skipped[0] if skipped else None,
    )
    sol = with_projects(eng, sol)
    values = np.array([sol.objectives[c] for c in inst.criteria])
    return replace(sol, method_objective=method_objective(eng, values, sol.allocated_mln))


def optimize(instance: Instance, scenario: Scenario, solver: str = "highs") -> Solution:
    """Solve the scenario with its method. Raises InfeasibleError with a diagnosis."""
    eng = Engine.open(instance, scenario, solver)
    return optimize_engine(eng)


def optimize_engine(eng: Engine) -> Solution:
    method = eng.scenario.objective.method
    try:
        eng.payoff()
        res = SCALARIZATIONS[method].solve(eng)
    except InfeasibleError as e:
        from optimizer.methods.diagnose import infeasible

        raise infeasible(eng, _("scenario {name} is infeasible: {diagnosis}")) from e
    return make_solution(eng, res, maximizes(method))
