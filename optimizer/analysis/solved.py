"""What `monotowns solve` shows, computed once: the plan, what one more unit buys
and each town's range over the equally good plans. Kept apart from `study` so that
`solve` loads neither the front nor the comparison."""

from __future__ import annotations

from dataclasses import dataclass

from optimizer.analysis.sensitivity import Depth, SensitivityReport, sensitivity_report
from optimizer.domain.results import Solution
from optimizer.errors import SolverError
from optimizer.i18n import _
from optimizer.lp.engine import Engine
from optimizer.methods.equal import TownRange, plan_ranges
from optimizer.methods.solution import optimize_engine


@dataclass(frozen=True, eq=False)
class Solved:
    """What `monotowns solve` shows: the plan, what one more unit buys (None when not
    asked for, or for a mixed-integer program, which has no duals) and each town's
    range over the equally good plans (None when not asked for)."""

    solution: Solution
    sensitivity: SensitivityReport | None
    ranges: tuple[TownRange, ...] | None


def solve_scenario(eng: Engine, depth: Depth | None, ranges: bool) -> Solved:
    """Solve the engine's scenario with its method (InfeasibleError with a diagnosis
    when it has no plan), then the analyses asked for, each error naming its stage."""
    try:
        sol = optimize_engine(eng)
    except SolverError as e:
        raise SolverError(
            _("scenario {name}, solving: {error}").format(name=repr(eng.scenario.name), error=e)
        ) from None
    report = None
    if depth is not None and not sol.mip:
        try:
            report = sensitivity_report(eng, sol, depth)
        except SolverError as e:
            raise SolverError(
                _(
                    "scenario {name}, sensitivity step (a re-solve after the "
                    "optimum; --no-sensitivity skips it): {error}"
                ).format(name=repr(eng.scenario.name), error=e)
            ) from None
    town_ranges = plan_ranges(eng, sol.x, sol.row_dual) if ranges else None
    return Solved(sol, report, town_ranges)
