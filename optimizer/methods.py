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

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from optimizer.errors import InfeasibleError
from optimizer.instance import Instance
from optimizer.model import INF, LinearModel, build_model
from optimizer.results import Payoff, ShadowPrice, Solution, SolverInfo
from optimizer.scenario import Scenario
from optimizer.solvers import Extension, LpResult, Session, criteria_rows, open_session

# Holding a criterion at its best for the next solve: a tiny relative give, so
# round-off in the last solve cannot make the next one infeasible.
HOLD_REL = 1e-9
HOLD_ABS = 1e-7


@dataclass(eq=False)
class Engine:
    """Validated inputs, the model (built once) and a solver session."""

    instance: Instance
    scenario: Scenario
    model: LinearModel
    session: Session
    solves: int = 0
    seconds: float = 0.0
    _payoff: Payoff | None = field(default=None, repr=False)
    # called with the number of solves so far after each one (a progress display)
    on_solve: Callable[[int], None] | None = field(default=None, repr=False)

    @classmethod
    def open(cls, instance: Instance, scenario: Scenario, solver: str = "highs") -> Engine:
        model = build_model(instance, scenario)
        return cls(instance, scenario, model, open_session(model, solver))

    @property
    def criteria(self) -> tuple[str, ...]:
        return self.instance.criteria

    def cost_vector(self, crit_weights: np.ndarray, budget_weight: float = 0.0) -> np.ndarray:
        """Objective over the base columns: crit_weights . F, plus budget_weight * A."""
        c = np.zeros(self.model.n_cols)
        c[: self.model.n_x] = crit_weights @ self.model.F
        c[self.model.col_A] = budget_weight
        return c

    def run(
        self,
        cost: np.ndarray,
        maximize: bool = True,
        extension: Extension | None = None,
        row_bounds: dict[int, tuple[float, float]] | None = None,
    ) -> LpResult:
        t0 = time.perf_counter()
        try:
            return self.session.solve(cost, maximize, extension, row_bounds)
        finally:
            self.solves += 1
            self.seconds += time.perf_counter() - t0
            if self.on_solve is not None:
                self.on_solve(self.solves)

    def floors(self, values: dict[int, float]) -> Extension:
        """Rows f_c >= value for the given criterion indices."""
        idx = sorted(values)
        combos = np.eye(len(self.criteria))[idx]
        lb = np.array([values[i] for i in idx])
        names = [f"floor_{self.criteria[i]}" for i in idx]
        return criteria_rows(self.model, combos, lb, np.full(len(idx), INF), names)

    def criteria_of(self, res: LpResult) -> np.ndarray:
        return self.model.criteria_values(res.x)

    def payoff(self) -> Payoff:
        """Each criterion maximized, then the others lexicographically with it held.

        The diagonal holds each criterion's own best exactly, as its first solve found
        it; the later solves hold it with a round-off margin only."""
        if self._payoff is None:
            C = len(self.criteria)
            table = np.zeros((C, C))
            for c in range(C):
                order = [c] + [d for d in range(C) if d != c]
                res, bests = self.lexicographic_steps(order, 0.0)
                table[c] = self.criteria_of(res)
                table[c, c] = bests[c]
            self._payoff = Payoff(self.criteria, table)
        return self._payoff

    def normalizers(self) -> np.ndarray:
        if self.scenario.objective.normalize == "none":
            return np.ones(len(self.criteria))
        return self.payoff().ranges

    def lexicographic(self, order: list[int], tolerance: float) -> LpResult:
        return self.lexicographic_steps(order, tolerance)[0]

    def lexicographic_steps(
        self, order: list[int], tolerance: float
    ) -> tuple[LpResult, dict[int, float]]:
        """Maximize the criteria in `order`, each with the earlier ones held at
        (1 - tolerance) of their best. Returns the last solve and each best."""
        held: dict[int, float] = {}
        bests: dict[int, float] = {}
        res = None
        for c in order:
            ext = self.floors(held) if held else None
            res = self.run(self.cost_vector(np.eye(len(self.criteria))[c]), True, ext)
            bests[c] = float(self.criteria_of(res)[c])
            held[c] = hold_at(bests[c], tolerance)
        assert res is not None
        return res, bests

    def polish(self, res: LpResult, hold_budget: bool = False) -> LpResult:
        """Make an answer efficient: max sum_c f_c / n_c  s.t.  f_c >= f_c(found).

        Weighted sums with a zero weight, epsilon, reference (its rho term is below
        the solver's tolerance) and goal (reached targets stop counting) can return
        a plan that another plan beats on one criterion and ties on the rest; this
        second solve only moves to such a plan, so the method's own objective stays
        optimal. The duals of the method's solve are kept for shadow prices.
        """
        found = self.criteria_of(res)
        # Held exactly: any margin would be traded away for the other criteria. The
        # found plan meets these rows, so the LP is feasible up to round-off.
        ext = self.floors({i: float(v) for i, v in enumerate(found)})
        bounds = None
        if hold_budget:
            a = float(res.x[self.model.col_A])
            bounds = {self.model.budget_row: (-INF, a)}
        try:
            better = self.run(self.cost_vector(1.0 / self.normalizers()), True, ext, bounds)
        except InfeasibleError:  # round-off made the found plan's own values unreachable
            return res
        return LpResult(better.x, res.row_dual, res.objective, res.seconds + better.seconds)


def hold_at(best: float, tolerance: float) -> float:
    """The floor that keeps a criterion at (1 - tolerance) of its best, less round-off."""
    value = (1.0 - tolerance) * best
    return value - HOLD_REL * abs(value) - HOLD_ABS


# ----------------------------------------------------------------------------- methods


def solve_weighted(eng: Engine) -> LpResult:
    w = eng.scenario.objective.weight_vector(eng.criteria) / eng.normalizers()
    res = eng.run(eng.cost_vector(w))
    return eng.polish(res) if (w <= 0).any() else res


def solve_lexicographic(eng: Engine) -> LpResult:
    obj = eng.scenario.objective
    order = [eng.criteria.index(c) for c in obj.order]
    return eng.lexicographic(order, obj.tolerance)


def solve_epsilon(eng: Engine) -> LpResult:
    obj = eng.scenario.objective
    assert obj.primary is not None
    p = eng.criteria.index(obj.primary)
    ext = eng.floors({eng.criteria.index(c): v for c, v in obj.epsilon.items()})
    return eng.polish(eng.run(eng.cost_vector(np.eye(len(eng.criteria))[p]), True, ext))


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
    return eng.polish(eng.run(cost, False, ext))


def solve_min_budget(eng: Engine) -> LpResult:
    obj = eng.scenario.objective
    ext = eng.floors({eng.criteria.index(c): v for c, v in obj.targets.items()})
    b = eng.model.budget_row
    res = eng.run(eng.cost_vector(np.zeros(len(eng.criteria)), 1.0), False, ext,
                  {b: (-INF, eng.scenario.budget_mln)})  # fmt: skip
    return eng.polish(res, hold_budget=True)


METHODS: dict[str, Callable[[Engine], LpResult]] = {
    "weighted": solve_weighted,
    "lexicographic": solve_lexicographic,
    "epsilon": solve_epsilon,
    "reference": solve_reference,
    "goal": solve_goal,
    "min_budget": solve_min_budget,
}


# ----------------------------------------------------------------------------- solution


def shadow_prices(eng: Engine, res: LpResult, maximize: bool) -> tuple[ShadowPrice, ...]:
    """Rate of the objective per unit of relaxation for the budget, each limit and rule bound.

    HiGHS's row dual is d(optimum)/d(row bound). Relaxing an upper bound raises it,
    relaxing a lower bound lowers it; a share rule `S - share * A >= 0` relaxed by
    one point moves its bound by 0.01 * A; a per-capita bound by population / 1e6 mln.
    """
    m = eng.model
    sign = 1.0 if maximize else -1.0
    A = float(res.x[m.col_A])
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
        binding = bool(np.any(np.abs(duals) > 1e-9))
        name = b.label
        if b.kind == "rule":
            rule = next(r for r in eng.scenario.rules if r.label == b.label)
            if len(rule.bounds) > 1:
                name = f"{b.label} ({b.bound})"
        out.append(ShadowPrice(name, b.kind, b.unit, value + 0.0, binding))
    return tuple(out)


def make_solution(eng: Engine, res: LpResult, maximize: bool) -> Solution:
    from optimizer.evaluate import score_volumes

    inst = eng.instance
    x = res.x
    volumes = np.maximum(eng.model.volumes(x), 0.0)
    values = score_volumes(inst, volumes)
    return Solution(
        instance_name=inst.name,
        scenario_name=eng.scenario.name,
        method=eng.scenario.objective.method,
        budget_mln=eng.scenario.budget_mln,
        volumes=volumes,
        cost=volumes * inst.budget_cost[None, :],
        objectives=dict(zip(inst.criteria, map(float, values), strict=True)),
        payoff=eng._payoff,
        shadow_prices=shadow_prices(eng, res, maximize),
        solver=SolverInfo(eng.session.name, eng.session.version, eng.seconds, eng.solves),
        lp_objective=res.objective,
        x=x,
        row_dual=res.row_dual,
    )


def optimize(instance: Instance, scenario: Scenario, solver: str = "highs") -> Solution:
    """Solve the scenario with its method. Raises InfeasibleError with a diagnosis."""
    eng = Engine.open(instance, scenario, solver)
    return optimize_engine(eng)


def optimize_engine(eng: Engine) -> Solution:
    method = eng.scenario.objective.method
    try:
        eng.payoff()
        res = METHODS[method](eng)
    except InfeasibleError as e:
        from optimizer.diagnose import diagnose

        diagnosis = diagnose(eng)
        raise InfeasibleError(f"scenario {eng.scenario.name!r} is infeasible: {diagnosis.message}",
                              diagnosis) from e  # fmt: skip
    return make_solution(eng, res, method not in ("goal", "min_budget"))
