"""Everything a report shows, computed once: the optimum, the front, the comparison.

`run_study` is the analysis behind `monotowns report` (`analysis.solved` the one
behind `monotowns solve`); `outputs` lays their results out and computes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from optimizer.analysis.compare import Comparison, actual_cost, compare
from optimizer.analysis.pareto import ParetoFront, compute_front
from optimizer.analysis.sensitivity import Depth, SensitivityReport, sensitivity_report
from optimizer.domain.actual import ActualSpend
from optimizer.domain.instance import Instance
from optimizer.domain.results import Solution
from optimizer.domain.scenario import Scenario
from optimizer.lp.engine import Engine
from optimizer.methods.equal import TownRange, plan_ranges
from optimizer.methods.solution import optimize_engine


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
    ranges: tuple[TownRange, ...] | None = None  # `--ranges`: each town's range (SPEC 10)
    # what one more unit buys per criterion (quick: duals checked by one re-solve each);
    # None for a mixed-integer plan
    sensitivity: SensitivityReport | None = None


def run_study(
    instance: Instance,
    scenario: Scenario,
    actual: ActualSpend | None = None,
    solver: str = "highs",
    points: int = 21,
    ranges: bool = False,
    budget_given: bool = False,
) -> Study:
    """Solve the scenario, trace its front and compare the actual spend when given;
    `ranges`: also each town's range over the optimal face.

    One budget per comparison: with an actual spend the optimum, the front and the
    comparison are all at the actual's budget cost, unless the budget was given
    (`budget_given`: `--budget`), and then all at that budget."""
    if actual is not None and not budget_given:
        scenario = scenario.with_budget(actual_cost(instance, actual))
    eng = Engine.open(instance, scenario, solver)
    sol = optimize_engine(eng)
    town_ranges = plan_ranges(eng, sol.x, sol.row_dual) if ranges else None
    sens = None if sol.mip else sensitivity_report(eng, sol, Depth.quick)
    front = compute_front(instance, scenario, points, solver) if points > 0 else None
    cmp = None
    if actual is not None:
        cmp = compare(instance, scenario, actual, budget_mln=scenario.budget_mln, solver=solver,
                      front_points=points)  # fmt: skip
    return Study(instance, scenario, sol, front, actual, cmp, solver, town_ranges, sens)
