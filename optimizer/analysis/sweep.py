"""Each criterion against the budget: a parametric sweep of the budget (SPEC sections 8, 9).

The model is built once. At each budget `b` only the budget row's bounds change
(`A <= b`, or `A == b` with `spend_all`), through `session.solve(...,
row_bounds=...)`, and the scenario's method runs again on the same solver
session, starting warm from the previous step's basis.

Payoff normalization: by default every step keeps the scenario's normalization
(the payoff table at the scenario's own budget), so every step maximizes one and
the same function of the criteria; with non-negative weights its optimum can
only rise with the budget (a larger budget keeps every plan of a smaller one
feasible, unless `spend_all` forces spending it), and the priorities do not
change from row to row. `renormalize=True` (`--renormalize`) recomputes the
payoff table at every step instead, so each step equals `monotowns solve
--budget b` at that budget; the objective's scale then moves with the budget and
a criterion can fall as the budget rises.

Infeasible steps (a budget below what the rules need, or above what can be spent
under `spend_all`) are kept as rows with `status = infeasible` and empty values.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from optimizer.domain.instance import Instance
from optimizer.domain.scenario import Scenario, parse_money
from optimizer.domain.tables import local_number
from optimizer.errors import InfeasibleError, InstanceError
from optimizer.i18n import _
from optimizer.lp.engine import Engine
from optimizer.methods.scalarize import SCALARIZATIONS, maximizes
from optimizer.methods.solution import make_solution

MAX_STEPS = 10_000
RISE_REL = 0.01  # a criterion's rate per bn rising by more than this share is told


@dataclass(frozen=True)
class SweepStep:
    """One budget of the sweep: the plan's criteria and where its money goes.

    Shares are fractions (0-1) of the allocated budget cost; None when infeasible."""

    budget_mln: float
    status: str  # "optimal" | "infeasible"
    allocated_mln: float | None = None
    objective: float | None = None
    criteria: tuple[float, ...] | None = None
    share_tier: tuple[float, ...] | None = None
    share_measure: tuple[float, ...] | None = None
    volumes: np.ndarray | None = None


@dataclass(frozen=True, eq=False)
class SweepResult:
    instance_name: str
    scenario_name: str
    method: str
    criteria: tuple[str, ...]
    tiers: tuple[str, ...]
    measures: tuple[str, ...]
    steps: tuple[SweepStep, ...]
    solves: int
    seconds: float
    renormalized: bool = False  # payoff normalization per budget, not the scenario's
    scenario_budget_mln: float | None = None  # the scenario's own budget, marked on the plot
    # the budget whose payoff table normalizes every step (None: each step's own)
    reference_budget_mln: float | None = None

    def rate_rises(self) -> list[tuple[int, int]]:
        """(interval k, criterion c): what one more bn buys of criterion c rises from
        interval k - 1 to interval k (by more than RISE_REL). The scenario's objective has
        a falling rate (a concave function of the budget); one criterion alone need
        not: where the plan shifts its trade between criteria, one rises."""
        _mid, per_bn = self.marginal_gains()
        rises = []
        for k in range(1, len(per_bn)):
            for c in range(per_bn.shape[1]):
                before, now = per_bn[k - 1, c], per_bn[k, c]
                if now > before + RISE_REL * max(1.0, abs(before), abs(now)):
                    rises.append((k, c))
        return rises

    def marginal_gains(self) -> tuple[np.ndarray, np.ndarray]:
        """Between consecutive feasible budgets: the middle budget (k,) and what one
        more bn bought there, per criterion (k, C) (criterion per bn of budget)."""
        ok = [s for s in self.feasible() if s.criteria is not None]
        if len(ok) < 2:
            return np.zeros(0), np.zeros((0, len(self.criteria)))
        b = np.array([s.budget_mln for s in ok])
        f = np.array([s.criteria for s in ok], dtype=float)
        db = np.diff(b)
        keep = db > 0
        per_bn = np.diff(f, axis=0)[keep] / db[keep, None] * 1000.0
        return ((b[:-1] + b[1:]) / 2)[keep], per_bn

    def feasible(self) -> list[SweepStep]:
        return [s for s in self.steps if s.status == "optimal"]

    def share_columns(self) -> tuple[list[str], list[str]]:
        """`share_<tier>` and `share_<measure>` names; a measure named like a tier
        becomes `share_measure_<measure>` so no two columns share a name."""
        tiers = [f"share_{t}" for t in self.tiers]
        measures = [
            f"share_measure_{m}" if f"share_{m}" in tiers else f"share_{m}" for m in self.measures
        ]
        return tiers, measures


def parse_range(text: str) -> np.ndarray:
    """`FROM:TO:STEPS` (money as on the command line: 5bn, 8000, 850mln) -> the budgets.

    STEPS is the number of budgets, both ends included; 1 only when FROM equals TO
    (a single budget), since a range with one step would silently drop TO."""
    parts = str(text).split(":")
    if len(parts) != 3:
        raise InstanceError(
            _(
                "--budget: {text} is not FROM:TO:STEPS (e.g. 5bn:15bn:11 for 5, 6, ..., 15 bn)"
            ).format(text=repr(text))
        )
    lo = parse_money(parts[0], "--budget FROM")
    hi = parse_money(parts[1], "--budget TO")
    try:
        steps = int(parts[2])
    except ValueError:
        raise InstanceError(
            _("--budget: STEPS {steps} is not a whole number (the number of budgets)").format(
                steps=repr(parts[2])
            )
        ) from None
    if steps < 1 or steps > MAX_STEPS:
        raise InstanceError(
            _("--budget: STEPS must be between 1 and {most}, got {steps}").format(
                most=local_number(f"{MAX_STEPS:,}"), steps=steps
            )
        )
    if hi < lo:
        raise InstanceError(
            _("--budget: TO ({hi} mln) is below FROM ({lo} mln)").format(
                hi=local_number(f"{hi:g}"), lo=local_number(f"{lo:g}")
            )
        )
    if steps == 1:
        if hi != lo:
            raise InstanceError(
                _(
                    "--budget: STEPS 1 gives one budget, but FROM ({lo} mln) and TO ({hi} mln) "
                    "differ; give STEPS >= 2, or FROM = TO for a single budget"
                ).format(lo=local_number(f"{lo:g}"), hi=local_number(f"{hi:g}"))
            )
        return np.array([lo])
    if hi == lo:
        raise InstanceError(_("--budget: FROM equals TO; give STEPS = 1 for a single budget"))
    return np.linspace(lo, hi, steps)


def sweep_budgets(
    instance: Instance,
    scenario: Scenario,
    budgets: np.ndarray,
    solver: str = "highs",
    progress: Callable[[int], None] | None = None,
    renormalize: bool = False,
    engine: Engine | None = None,
) -> SweepResult:
    """Solve the scenario at each budget on one model (module docstring): `engine`
    (a study's) or one opened here.

    `progress(k)` is called after each step with the number of steps done."""
    eng = engine if engine is not None else Engine.open(instance, scenario, solver)
    method = scenario.objective.method
    renormalize = renormalize or scenario.renormalize
    if not renormalize:
        try:
            eng.payoff()  # at the scenario's budget, kept for every step
        except InfeasibleError:  # no normalization there: each budget gets its own
            renormalize = True
    tier_idx = instance.tier_index
    steps = []
    for k, b in enumerate(budgets):
        try:
            with eng.at_budget(float(b), keep_payoff=not renormalize) as v:
                v.payoff()
                res = SCALARIZATIONS[method].solve(v)
        except InfeasibleError:
            steps.append(SweepStep(float(b), "infeasible"))
        else:
            sol = make_solution(v, res, maximizes(method))
            cost = sol.cost
            total = float(cost.sum())
            by_tier = np.array([cost[tier_idx == i].sum() for i in range(len(instance.tiers))])
            by_measure = cost.sum(axis=0)
            shares_t = by_tier / total if total > 0 else np.zeros_like(by_tier)
            shares_m = by_measure / total if total > 0 else np.zeros_like(by_measure)
            steps.append(
                SweepStep(
                    budget_mln=float(b),
                    status="optimal",
                    allocated_mln=total,
                    objective=float(res.objective),
                    criteria=tuple(sol.objectives[c] for c in instance.criteria),
                    share_tier=tuple(map(float, shares_t)),
                    share_measure=tuple(map(float, shares_m)),
                    volumes=sol.volumes,
                )
            )
        if progress is not None:
            progress(k + 1)
    return SweepResult(
        instance_name=instance.name,
        scenario_name=scenario.name,
        method=method,
        criteria=instance.criteria,
        tiers=instance.tiers,
        measures=instance.measures,
        steps=tuple(steps),
        solves=eng.solves,
        seconds=eng.seconds,
        renormalized=renormalize,
        scenario_budget_mln=scenario.budget_mln,
        reference_budget_mln=None if renormalize else scenario.reference_budget,
    )
