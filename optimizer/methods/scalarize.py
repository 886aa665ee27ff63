"""The methods of SPEC section 5, each a sequence of solves on one loaded model.

Notation: `f_c(x) = F[c] . x` is criterion c, `A` the allocated budget,
`n_c` the normalizer (payoff range `ideal_c - nadir_c`, or 1).

- weighted:      max  sum_c w_c f_c / n_c
- lexicographic: for c in order: max f_c  s.t. f_d >= (1 - tol) best_d for earlier d
- epsilon:       max f_p  s.t. f_c >= eps_c
- reference:     max z + rho sum_c f_c / n_c  s.t. (f_c - ref_c) / n_c >= z  (z free)
- goal:          min sum_c w_c d_c / n_c  s.t. f_c + d_c >= target_c, d_c >= 0
- min_budget:    min A  s.t. f_c >= target_c  (the budget is an upper bound only)

`Engine` holds the validated inputs, the model built once, and one solver
session; every method below only changes the objective or adds rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from optimizer.domain.scenario import Method
from optimizer.lp.engine import Engine
from optimizer.lp.model import INF
from optimizer.lp.session import LpResult, criteria_rows

# ----------------------------------------------------------------------------- methods

GOAL_HOLD_REL, GOAL_HOLD_ABS = 1e-7, 1e-9  # the goal method's minimum, held for its polish


def solve_weighted(eng: Engine) -> LpResult:
    w = eng.scenario.objective.weight_vector(eng.criteria) / eng.normalizers()
    res = eng.run(eng.cost_vector(w))
    if not (w <= 0).any():
        return res
    # Every weighted-optimal plan: the weighted sum held at its optimum. With a zero
    # weight the optimum is a set of plans; floors at the vertex the solver returned
    # made the polished answer the solver's (HiGHS and CBC: population 6,963.3 and
    # 6,964.3, firms 835.6 and 832.0 at the same jobs on a generated instance).
    held = criteria_rows(eng.model, w[None, :], np.array([float(w @ eng.criteria_of(res))]),
                         np.array([INF]), ["weighted_optimum"])  # fmt: skip
    return eng.polish(res, hold=held)


def solve_lexicographic(eng: Engine) -> LpResult:
    obj = eng.scenario.objective
    order = [eng.criteria.index(c) for c in obj.order]
    return eng.lexicographic(order, obj.tolerance)


def solve_epsilon(eng: Engine) -> LpResult:
    obj = eng.scenario.objective
    assert obj.primary is not None
    p = eng.criteria.index(obj.primary)
    floors = {eng.criteria.index(c): v for c, v in obj.epsilon.items()}
    res = eng.run(eng.cost_vector(np.eye(len(eng.criteria))[p]), True, eng.floors(floors))
    # Every epsilon-optimal plan: the floors, and the primary held at its best (the
    # polish over all of them, not over plans as good as the vertex returned).
    best = float(eng.criteria_of(res)[p])
    return eng.polish(res, hold=eng.floors({**floors, p: max(best, floors.get(p, -INF))}))


def solve_reference(eng: Engine) -> LpResult:
    obj = eng.scenario.objective
    n = eng.normalizers()
    C = len(eng.criteria)
    idx = [eng.criteria.index(c) for c in obj.ref]
    # (f_c - ref_c) / n_c - z >= 0  <=>  f_c / n_c - z >= ref_c / n_c
    combos = np.eye(C)[idx] / n[idx, None]
    lb = np.array([obj.ref[eng.criteria[i]] / n[i] for i in idx])
    extra = -np.ones((len(idx), 1))
    ext = criteria_rows(eng.model, combos, lb, np.full(len(idx), INF),
                        [f"ref_{eng.criteria[i]}" for i in idx], extra, 1,
                        np.array([-INF]), np.array([INF]))  # fmt: skip
    cost = np.append(eng.cost_vector(obj.rho / n), 1.0)
    return eng.polish(eng.run(cost, True, ext))


def solve_goal(eng: Engine) -> LpResult:
    obj = eng.scenario.objective
    n = eng.normalizers()
    C = len(eng.criteria)
    idx = [eng.criteria.index(c) for c in obj.targets]
    # f_c + d_c >= target_c
    combos = np.eye(C)[idx]
    lb = np.array([obj.targets[eng.criteria[i]] for i in idx])
    extra = np.eye(len(idx))
    ext = criteria_rows(eng.model, combos, lb, np.full(len(idx), INF),
                        [f"goal_{eng.criteria[i]}" for i in idx], extra, len(idx))  # fmt: skip
    w = obj.weight_vector(eng.criteria)
    cost = np.append(np.zeros(eng.model.n_cols), w[idx] / n[idx])
    res = eng.run(cost, False, ext)
    # Every goal-optimal plan: the same rows, and the weighted deviation held at its
    # minimum. The polish maximizes over all of them, not only over plans at least as
    # good as the vertex the solver returned. The margin covers the solvers' round-off
    # (CBC's minimum can sit 2e-8 below the true one, and held exactly it was then
    # infeasible); 1e-9 of a normalized deviation is about 1e-6 of a job.
    cap = max(res.objective, 0.0) * (1 + GOAL_HOLD_REL) + GOAL_HOLD_ABS
    held = criteria_rows(eng.model, np.vstack([combos, np.zeros((1, C))]),
                         np.append(lb, -INF), np.append(np.full(len(idx), INF), cap),
                         [f"goal_{eng.criteria[i]}" for i in idx] + ["goal_deviation"],
                         np.vstack([extra, cost[eng.model.n_cols:]]), len(idx))  # fmt: skip
    return eng.polish(res, hold=held)


def solve_min_budget(eng: Engine) -> LpResult:
    obj = eng.scenario.objective
    ext = eng.floors({eng.criteria.index(c): v for c, v in obj.targets.items()})
    b = eng.model.budget_row
    res = eng.run(eng.cost_vector(np.zeros(len(eng.criteria)), 1.0), False, ext,
                  {b: (-INF, eng.scenario.budget_mln)})  # fmt: skip
    return eng.polish(res, hold_budget=True)


@dataclass(frozen=True)
class Scalarization:
    """A method of SPEC section 5: how it solves, and the sense of its objective.

    To add a method: a `Method` member and its required keys (`NEEDS`) in
    `domain/scenario.py`, a `solve_<name>(eng) -> LpResult` here, and its entry below.
    """

    method: Method
    solve: Callable[[Engine], LpResult]
    maximizes: bool  # goal and min_budget minimize: a gain is a decrease


SCALARIZATIONS: dict[Method, Scalarization] = {
    s.method: s
    for s in (
        Scalarization(Method.weighted, solve_weighted, True),
        Scalarization(Method.lexicographic, solve_lexicographic, True),
        Scalarization(Method.epsilon, solve_epsilon, True),
        Scalarization(Method.reference, solve_reference, True),
        Scalarization(Method.goal, solve_goal, False),
        Scalarization(Method.min_budget, solve_min_budget, False),
    )
}


def scalarize(eng: Engine) -> LpResult:
    """Solve the engine's scenario with its own method."""
    return SCALARIZATIONS[eng.scenario.objective.method].solve(eng)


def maximizes(method: Method | str) -> bool:
    """Whether the method's objective is maximized."""
    return SCALARIZATIONS[Method(method)].maximizes
