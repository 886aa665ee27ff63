"""What one more unit of a target costs: the dual of a method's floor rows, checked
by a re-solve with the floor moved by one unit.

`min_budget` (min `A` s.t. `f_c >= target_c`) answers "the least budget"; the dual
of a target row is `d(A*) / d(target_c)`, the budget one more unit of the target
costs (mln per job). `epsilon` (max `f_p` s.t. `f_c >= epsilon_c`) gives the
primary criterion one more unit of a floor costs. Which rows those are comes from
the method's description (`methods.describe`), not from its name.

The dual is a rate at the optimum; the re-solve (the method run again with the
floor one unit higher, the normalizers held) measures the same over one unit, and
`agrees` says whether they match (they differ only where the optimal basis changes
within that unit). Core code: facts, no words.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from optimizer.domain.results import Solution
from optimizer.domain.scenario import Scenario
from optimizer.errors import InfeasibleError
from optimizer.lp.engine import Engine
from optimizer.methods.describe import Margin, describe
from optimizer.methods.scalarize import SCALARIZATIONS

STEP = 1.0  # the re-solve moves the target by one unit (one job, one resident)
AGREE_REL, AGREE_ABS = 1e-4, 1e-7  # dual and re-solve agree within this (relative, absolute)
BINDING_REL = 1e-7  # a criterion within this of its floor (relative, at least 1 unit) is on it


@dataclass(frozen=True)
class TargetRate:
    """One floor of the method on a criterion and what one more unit of it costs."""

    criterion: str
    bound: float  # the floor, as in the scenario file
    value: float  # the criterion in the plan
    binding: bool  # the plan sits on the floor (or its dual is not zero)
    cost: float  # from the dual: objective given up per unit (min_budget: mln of budget)
    checked: float | None  # from the re-solve at `bound + STEP`; None: infeasible there
    margin: Margin  # what `cost` is measured in
    counted_in: str | None = None  # Margin.objective: the criterion the objective counts

    @property
    def agrees(self) -> bool:
        return self.checked is not None and abs(self.checked - self.cost) <= max(
            AGREE_ABS, AGREE_REL * max(abs(self.cost), abs(self.checked))
        )


def target_rates(eng: Engine, sol: Solution) -> tuple[TargetRate, ...]:
    """Every floor of the scenario's method (`describe(...).bounds`) with its dual cost
    and a re-solve one unit higher; empty for a method without floors or a
    mixed-integer plan (no duals). Call with the engine that produced `sol`."""
    desc = describe(eng.scenario)
    obj = eng.scenario.objective
    if desc.bounds is None or sol.mip:
        return ()
    bounds = desc.bound_values(obj)
    rows = desc.bound_rows(obj, eng.criteria)
    n = eng.normalizers()
    f = np.array([sol.objectives[c] for c in eng.criteria])
    base = desc.value(obj, eng.criteria, n, f, sol.allocated_mln)
    sense = 1.0 if desc.maximizes else -1.0
    first = eng.model.n_rows
    out = []
    for k, c in enumerate(rows):
        dual = float(sol.row_dual[first + k]) if first + k < len(sol.row_dual) else 0.0
        cost = -sense * dual + 0.0
        value = float(sol.objectives[c])
        on = value <= bounds[c] + BINDING_REL * max(1.0, abs(bounds[c]))
        assert desc.bounds is not None  # rows exist only for a method with floors
        moved = replace(obj, **{desc.bounds: {**bounds, c: bounds[c] + STEP}})  # type: ignore[arg-type]
        checked = resolved(eng, replace(eng.scenario, objective=moved))
        out.append(
            TargetRate(
                criterion=c,
                bound=float(bounds[c]),
                value=value,
                binding=bool(on or abs(dual) > 1e-9),
                cost=cost,
                checked=None if checked is None else sense * (base - checked) / STEP + 0.0,
                margin=desc.margin,
                counted_in=desc.counted_in(obj),
            )
        )
    return tuple(out)


def resolved(eng: Engine, scenario: Scenario) -> float | None:
    """The method's objective for `scenario` re-solved on the engine's session (its
    normalizers held); None when it is infeasible."""
    desc = describe(scenario)
    view = replace(eng.view(scenario=scenario), raw=True)  # the method's own LP, no polish
    try:
        res = SCALARIZATIONS[scenario.objective.method].solve(view)
    except InfeasibleError:
        return None
    n = eng.normalizers()
    f = view.criteria_of(res)
    allocated = float(res.x[view.model.col_A])
    return desc.value(scenario.objective, eng.criteria, n, f, allocated)
