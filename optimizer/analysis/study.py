"""The study of one run: one engine for an instance, scenario, method, budget and
options, and everything a command may ask of it, each computed at most once.

A command parses its options, opens a `Study` and asks it for what it shows: the
plan (SPEC 10), what one more unit buys, each town's range, the efficient front,
the comparison with an actual spend, where that spend lies against the front, the
explanation of a town. The study owns the one model and solver session every one
of these is solved on, so the payoff table is computed once, the front traced
once, and two outputs that answer one question read one computed fact (SPEC 14).

One budget per comparison: with an actual spend, the study is at the spend's
budget cost (unless the budget was given on the command line), and the plan, the
front and the comparison are all at that budget. The normalization ranges stay
those of the scenario's reference budget (`Scenario.reference_budget`) unless the
scenario was renormalized (`--renormalize`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from optimizer.analysis.sensitivity import Depth, SensitivityReport, sensitivity_report
from optimizer.domain.actual import ActualSpend
from optimizer.domain.instance import Instance
from optimizer.domain.results import Solution
from optimizer.domain.scenario import Scenario
from optimizer.errors import SolverError
from optimizer.i18n import _
from optimizer.lp.engine import Engine
from optimizer.methods.equal import TownRange, plan_ranges
from optimizer.methods.solution import optimize_engine
from optimizer.tuning import Tuning

if TYPE_CHECKING:
    import numpy as np

    from optimizer.analysis.compare import Comparison
    from optimizer.analysis.explain import TownExplanation
    from optimizer.analysis.pareto import ActualPosition, ParetoFront
    from optimizer.analysis.project_explain import ProjectExplanation
    from optimizer.analysis.sweep import SweepResult
    from optimizer.analysis.targets import TargetRate
    from optimizer.analysis.uncertainty import UncertaintyResult


@dataclass(frozen=True)
class Options:
    """What a run asks of its study besides the scenario: the solver, the front's
    evenly spaced points (0: no front), each town's range over the optimal face,
    how deep the sensitivity goes (None: not asked) and the solver tuning."""

    solver: str = "highs"
    points: int = 21
    ranges: bool = False
    depth: Depth | None = Depth.quick
    tuning: Tuning = field(default_factory=Tuning)


@dataclass(frozen=True, eq=False)
class Solved:
    """The plan, what one more unit buys (None when not asked for, or for a
    mixed-integer program, which has no duals) and each town's range over the
    equally good plans (None when not asked for)."""

    solution: Solution
    sensitivity: SensitivityReport | None
    ranges: tuple[TownRange, ...] | None


class Study:
    """One run's questions, each answered once on one engine (module docstring)."""

    def __init__(
        self,
        instance: Instance,
        scenario: Scenario,
        options: Options | None = None,
        actual: ActualSpend | None = None,
        budget_given: bool = False,
    ) -> None:
        from optimizer.analysis.compare import actual_cost

        self.instance = instance
        self.options = options if options is not None else Options()
        self.actual = actual
        if actual is not None and not budget_given:
            scenario = scenario.with_budget(actual_cost(instance, actual))
        self.scenario = scenario

    # ------------------------------------------------------------------ the engine

    @cached_property
    def engine(self) -> Engine:
        return Engine.open(self.instance, self.scenario, self.options.solver, self.options.tuning)

    @contextmanager
    def reporting(self, on_solve: Callable[[int], None]) -> Iterator[Study]:
        """`on_solve(solves so far)` after every solve made in the block (progress)."""
        with self.engine.reporting(on_solve):
            yield self

    # ------------------------------------------------------------------ the plan

    @cached_property
    def solved(self) -> Solved:
        """The plan of the scenario's own method (SPEC 10), then the analyses asked
        for, each error naming its stage. InfeasibleError carries the diagnosis."""
        eng = self.engine
        try:
            sol = optimize_engine(eng)
        except SolverError as e:
            raise SolverError(
                _("scenario {name}, solving: {error}").format(name=repr(eng.scenario.name), error=e)
            ) from None
        depth = self.options.depth
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
        town_ranges = plan_ranges(eng, sol.x, sol.row_dual) if self.options.ranges else None
        return Solved(sol, report, town_ranges)

    @property
    def solution(self) -> Solution:
        return self.solved.solution

    @property
    def sensitivity(self) -> SensitivityReport | None:
        return self.solved.sensitivity

    @property
    def ranges(self) -> tuple[TownRange, ...] | None:
        return self.solved.ranges

    @cached_property
    def targets(self) -> tuple[TargetRate, ...]:
        """The method's floors on criteria (min_budget's targets, epsilon's bounds) and
        what one more unit of each costs: its dual, checked by a re-solve (SPEC 14)."""
        from optimizer.analysis.targets import target_rates

        return target_rates(self.engine, self.solution)

    # ------------------------------------------------------------------ the front

    @cached_property
    def front(self) -> ParetoFront | None:
        """The efficient front at the study's budget (None when `points` is 0)."""
        from optimizer.analysis.pareto import compute_front

        if self.options.points <= 0:
            return None
        return compute_front(
            self.instance, self.scenario, self.options.points, self.options.solver,
            engine=self.engine,
        )  # fmt: skip

    # ------------------------------------------------------------------ the actual spend

    @cached_property
    def comparison(self) -> Comparison | None:
        """The actual spend against the plan at the study's budget (None without one)."""
        from optimizer.analysis.compare import compare

        if self.actual is None:
            return None
        return compare(
            self.instance,
            self.scenario,
            self.actual,
            budget_mln=self.scenario.budget_mln,
            solver=self.options.solver,
            front_points=self.options.points,
            engine=self.engine,
            optimal=self.solution,
            front=self.front,
        )

    @cached_property
    def actual_position(self) -> ActualPosition | None:
        """Whether some feasible plan at the study's budget beats the actual spend on
        every criterion (None without an actual spend)."""
        from optimizer.analysis.pareto import actual_position

        if self.actual_values is None:
            return None
        payoff = self.front.payoff if self.front is not None else None
        return actual_position(self.engine, self.actual_values, payoff)

    @cached_property
    def uplift(self) -> dict[str, dict[str, float | None]] | None:
        """The plan against the actual spend at the study's budget, per criterion: the
        uplift `compare` prints (None without a spend)."""
        from optimizer.analysis.compare import optimum_uplift

        if self.actual_values is None:
            return None
        return optimum_uplift(self.instance.criteria, self.solution.objectives,
                              self.actual_values)  # fmt: skip

    @property
    def actual_values(self) -> np.ndarray | None:
        """The actual spend's criteria, its cells and its projects scored as every
        command scores them (None without a spend)."""
        from optimizer.domain.evaluate import score_plan

        if self.actual is None:
            return None
        fractions = self.actual.fractions if self.instance.projects is not None else None
        return score_plan(self.instance, self.actual.volume, fractions)

    # ------------------------------------------------------------------ export

    def export(self, lp_path: Path | None, mps_path: Path | None) -> None:
        """Write the problem the scenario's method solves last (SPEC 14) as LP and/or
        MPS, on the study's engine, so the file is what the plan was solved from."""
        from optimizer.methods.export import export_problem

        export_problem(self.engine, lp_path, mps_path)

    # ------------------------------------------------------------------ explanations

    def explanation(self, town: str) -> TownExplanation:
        """Why `town` gets what it gets in the study's plan (the plan `solve` shows,
        for every method), priced by the method's own last LP."""
        from optimizer.analysis.explain import explain_plan, find_town

        return explain_plan(self.engine, self.solution, [find_town(self.instance, town)])[0]

    def project_explanation(self, project: str) -> ProjectExplanation:
        """What funding `project` (or leaving it out) costs against the study's plan."""
        from optimizer.analysis.project_explain import explain_project

        return explain_project(self.instance, self.scenario, project, self.options.solver,
                               engine=self.engine, plan=self.solution)  # fmt: skip

    # ------------------------------------------------------------------ the budget

    def sweep(
        self, budgets: np.ndarray, progress: Callable[[int], None] | None = None
    ) -> SweepResult:
        """The scenario's method at each budget on the study's engine; each step is the
        plan `solve --budget` gives there (the same normalization, SPEC 14)."""
        from optimizer.analysis.sweep import sweep_budgets

        return sweep_budgets(self.instance, self.scenario, budgets, self.options.solver,
                             progress, engine=self.engine)  # fmt: skip

    # ------------------------------------------------------------------ uncertainty

    def uncertainty(
        self,
        *,
        draws: int,
        sigma: float,
        seed: int = 0,
        workers: int = 1,
        dask: str | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> UncertaintyResult:
        """The study's plan scored, and the scenario re-optimized, under random draws
        of the effects (at the study's budget: the actual spend's, with one)."""
        from optimizer.analysis.uncertainty import run_uncertainty

        return run_uncertainty(
            self.instance, self.scenario, draws=draws, sigma=sigma, seed=seed,
            workers=workers, solver=self.options.solver, actual=self.actual,
            budget_given=True, dask=dask, progress=progress, engine=self.engine,
            nominal=self.solution,
        )  # fmt: skip
