"""Everything a report shows, computed once: the optimum, the front, the comparison.

`run_study` is the analysis behind `monotowns report`; `outputs.report` lays out
a `Study` and computes nothing itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from optimizer.analysis.compare import Comparison, compare
from optimizer.analysis.pareto import ParetoFront, compute_front
from optimizer.domain.actual import ActualSpend
from optimizer.domain.instance import Instance
from optimizer.domain.results import Solution
from optimizer.domain.scenario import Scenario
from optimizer.methods.solution import optimize


@dataclass(frozen=True, eq=False)
class Study:
    """The scenario's optimum, its efficient front (None when `points` is 0) and,
    with an actual spend, the comparison."""

    instance: Instance
    scenario: Scenario
    solution: Solution
    front: ParetoFront | None
    actual: ActualSpend | None
    comparison: Comparison | None
    solver: str


def run_study(
    instance: Instance,
    scenario: Scenario,
    actual: ActualSpend | None = None,
    solver: str = "highs",
    points: int = 21,
) -> Study:
    """Solve the scenario, trace its front and compare the actual spend when given."""
    sol = optimize(instance, scenario, solver)
    front = compute_front(instance, scenario, points, solver) if points > 0 else None
    cmp = None
    if actual is not None:
        cmp = compare(instance, scenario, actual, solver=solver, front_points=points)
    return Study(instance, scenario, sol, front, actual, cmp, solver)
