"""The engine every method and analysis solves through: the validated inputs, the
model built once, and one solver session.

State changes are scoped, so no caller has to remember a call order:

- `with engine.extended(ext) as x:` rows and columns added for a block of solves
  (`x.run(...)` moves their bounds in place), dropped on exit;
- `with engine.at_budget(b) as v:` the scenario at another budget (a view: the
  same model and session, other row bounds for every solve made through it);
- `with engine.coefficients({(row, col): value}):` matrix coefficients changed
  in place, restored on exit;
- `with engine.reporting(callback):` a progress display told after every solve;
- `engine.restart(basis)`: the next solve starts from a basis, nothing added.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

import numpy as np

from optimizer.domain.instance import Instance
from optimizer.domain.results import Payoff
from optimizer.domain.scenario import Scenario
from optimizer.errors import InfeasibleError, OptimizerError, SolverError
from optimizer.i18n import _
from optimizer.lp.highs import HighsSession
from optimizer.lp.model import INF, LinearModel, build_model
from optimizer.lp.pulp import CbcSession
from optimizer.lp.session import (
    Basis,
    Extension,
    Feature,
    LpResult,
    Session,
    UnsupportedFeature,
    criteria_rows,
)
from optimizer.tuning import Tuning


def open_session(
    model: LinearModel, solver: str = "highs", time_limit: float | None = None
) -> Session:
    """A session for `highs` (default) or `cbc`."""
    if solver == "highs":
        return HighsSession(model, time_limit)
    if solver == "cbc":
        return CbcSession(model, time_limit)
    raise OptimizerError(
        _("--solver: unknown solver {solver} (highs or cbc)").format(solver=repr(solver))
    )


# Holding a criterion at its best for the next solve: a tiny relative give, so
# round-off in the last solve cannot make the next one infeasible.
HOLD_REL = 1e-9
HOLD_ABS = 1e-7
# the margins tried in turn where a best held exactly cannot be reached again: the
# hair above, then the primal feasibility tolerance of the solvers (1e-7), within
# which a solver may report a best it cannot reach again under the hold
HOLD_GIVES = (HOLD_REL, 1e-7)


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
    _ends: dict[tuple[int, ...], LpResult] = field(default_factory=dict, repr=False)
    # called with the number of solves so far after each one (a progress display)
    on_solve: Callable[[int], None] | None = field(default=None, repr=False)
    tuning: Tuning = field(default_factory=Tuning, repr=False)
    # row bounds every solve gets besides its own, which win where both name a row (a
    # view's budget: `min_budget` still sets the budget row itself); none on an opened engine
    overrides: dict[int, tuple[float, float]] = field(default_factory=dict)
    raw: bool = False  # skip the methods' efficiency polish: the last LP is the method's own

    @classmethod
    def open(
        cls,
        instance: Instance,
        scenario: Scenario,
        solver: str = "highs",
        tuning: Tuning | None = None,
    ) -> Engine:
        model = build_model(instance, scenario)
        return cls(instance, scenario, model, open_session(model, solver),
                   tuning=tuning if tuning is not None else Tuning())  # fmt: skip

    @property
    def criteria(self) -> tuple[str, ...]:
        return self.instance.criteria

    @property
    def known_payoff(self) -> Payoff | None:
        """The payoff table if this engine has computed (or been given) it, else None:
        read without solving anything (`payoff()` computes it)."""
        return self._payoff

    def fork(self) -> Engine:
        """This engine on a second, independent session over the same model
        (`Session.fork`, FORK): another thread solves on it while this one solves. Its
        solves are counted on it, not here."""
        return Engine(self.instance, self.scenario, self.model, self.session.fork(),
                      _payoff=self._payoff, tuning=self.tuning,
                      overrides=dict(self.overrides), raw=self.raw)  # fmt: skip

    def supporting(self, *needs: Feature) -> Engine:
        """This engine when its session can do `needs`, else the same engine (scenario,
        payoff table, a view's bounds) on a new HiGHS session of its model, which can
        do everything a session declares. Its solves are not counted here."""
        if all(self.session.supports(f) for f in needs):
            return self
        session = HighsSession(self.model)
        for f in needs:
            if not session.supports(f):
                raise UnsupportedFeature(session.name, f)
        return EngineView(instance=self.instance, scenario=self.scenario, model=self.model,
                          session=session, _payoff=self._payoff, overrides=dict(self.overrides),
                          raw=self.raw, tuning=self.tuning)  # fmt: skip

    # ------------------------------------------------------------------ scoped state

    @contextmanager
    def extended(self, ext: Extension) -> Iterator[Extended]:
        """`ext`'s rows and columns loaded for a block of solves, dropped on exit."""
        try:
            yield Extended(self, ext)
        finally:
            self.session.release()

    @contextmanager
    def at_budget(self, budget_mln: float, keep_payoff: bool = True) -> Iterator[EngineView]:
        """The scenario at another budget, on the same model and session; its
        normalization kept (`keep_payoff`) or recomputed at that budget."""
        scenario = self.scenario.with_budget(budget_mln)
        yield self.view(
            scenario=scenario if keep_payoff else scenario.renormalized(),
            overrides={self.model.budget_row: budget_bounds(self.scenario, budget_mln)},
            keep_payoff=keep_payoff,
        )

    @contextmanager
    def coefficients(self, changes: dict[tuple[int, int], float]) -> Iterator[Engine]:
        """Matrix coefficients of the base model changed for a block of solves."""
        m = self.model
        old = {}
        for row, col in changes:
            lo, hi = m.row_start[row], m.row_start[row + 1]
            at = np.flatnonzero(m.row_index[lo:hi] == col)
            old[(row, col)] = float(m.row_value[lo + at[0]]) if len(at) else 0.0
        try:
            for (row, col), value in changes.items():
                self.session.change_coefficient(row, col, value)
            yield self
        finally:
            for (row, col), value in old.items():
                self.session.change_coefficient(row, col, value)

    @contextmanager
    def reporting(self, on_solve: Callable[[int], None]) -> Iterator[Engine]:
        """`on_solve(solves so far)` after every solve in the block."""
        saved, self.on_solve = self.on_solve, on_solve
        try:
            yield self
        finally:
            self.on_solve = saved

    def restart(self, basis: Basis | None) -> None:
        """Base model only, solver data cleared, the next solve started from `basis`
        (one `session.get_basis()` returned; None: a cold start)."""
        self.session.release()
        self.session.reset()
        self.session.set_basis(basis)

    def view(
        self,
        *,
        scenario: Scenario | None = None,
        model: LinearModel | None = None,
        overrides: dict[int, tuple[float, float]] | None = None,
        keep_payoff: bool = True,
    ) -> EngineView:
        """This engine's session seen with another scenario variant, a model of the
        same shape or other row bounds. `keep_payoff=False` recomputes the payoff
        table (and so the normalizers) under the view's bounds when a method needs it."""
        parent = self.parent if isinstance(self, EngineView) and self.parent is not None else self
        return EngineView(
            instance=self.instance,
            scenario=self.scenario if scenario is None else scenario,
            model=self.model if model is None else model,
            session=self.session,
            _payoff=self._payoff if keep_payoff else None,
            overrides=dict(overrides or {}),
            parent=parent,
            tuning=self.tuning,
        )

    # ------------------------------------------------------------------ solving

    def cost_vector(self, crit_weights: np.ndarray, budget_weight: float = 0.0) -> np.ndarray:
        """Objective over the base columns: crit_weights . F, plus budget_weight * A."""
        c = np.zeros(self.model.n_cols)
        c[: self.model.n_v] = crit_weights @ self.model.F
        c[self.model.col_A] = budget_weight
        return c

    def bounds_with(
        self, row_bounds: dict[int, tuple[float, float]] | None
    ) -> dict[int, tuple[float, float]] | None:
        """A solve's own row bounds with this engine's overrides under them (the
        solve's win where both name a row)."""
        return {**self.overrides, **(row_bounds or {})} if self.overrides else row_bounds

    def run(
        self,
        cost: np.ndarray,
        maximize: bool = True,
        extension: Extension | None = None,
        row_bounds: dict[int, tuple[float, float]] | None = None,
    ) -> LpResult:
        row_bounds = self.bounds_with(row_bounds)
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
        """Each criterion maximized, then the others lexicographically with it held,
        at the scenario's reference budget (SPEC 14: the ranges that normalize the
        criteria come from there, whatever budget the run solves at).

        The diagonal holds each criterion's own best exactly, as its first solve found
        it; the later solves hold it with a round-off margin only."""
        if self._payoff is None and not same_budget(
            self.scenario.reference_budget, self.scenario.budget_mln
        ):
            with self.at_budget(self.scenario.reference_budget) as ref:
                self._payoff = ref.payoff()
        if self._payoff is None:
            C = len(self.criteria)
            table = np.zeros((C, C))
            for c in range(C):
                table[c] = self.criteria_of(
                    self.lexicographic_end([c] + [d for d in range(C) if d != c])
                )
            self._payoff = Payoff(self.criteria, table, self.scenario.budget_mln)
        return self._payoff

    def lexicographic_end(self, order: list[int]) -> LpResult:
        """Each criterion of `order` maximized in turn, the earlier ones held at their
        best: a row of the payoff table and an end of the front, solved once per
        engine and order (both ask for it).

        Unlike `lexicographic`, the hold is the optimum itself, not a hair below it:
        the end is then the exact vertex (jobs 125.0, not 124.9999998), and the
        solver's primal tolerance absorbs the round-off. A stage the exact hold makes
        infeasible is solved again with the holds loosened (`held_stage`)."""
        key = tuple(order)
        if key not in self._ends:
            self._ends[key] = self.held_steps(order, 0.0, (0.0, *HOLD_GIVES))[0]
        return self._ends[key]

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
        (1 - tolerance) of their best, less round-off. Returns the last solve and
        each best."""
        return self.held_steps(order, tolerance, HOLD_GIVES)

    def held_steps(
        self, order: list[int], tolerance: float, gives: tuple[float, ...]
    ) -> tuple[LpResult, dict[int, float]]:
        """The stages of a lexicographic solve, each holding the earlier bests
        (`held_stage`, with `gives` the margins tried in turn). Returns the last
        solve and each best."""
        bests: dict[int, float] = {}
        res = None
        for stage, c in enumerate(order):
            res = self.held_stage(order, stage, bests, tolerance, gives)
            bests[c] = float(self.criteria_of(res)[c])
        assert res is not None
        return res, bests

    def held_stage(
        self,
        order: list[int],
        stage: int,
        bests: dict[int, float],
        tolerance: float,
        gives: tuple[float, ...],
    ) -> LpResult:
        """Stage `stage` of `order`: its criterion maximized with the earlier bests held.

        The first stage holds nothing: infeasible there, the scenario is. A later
        stage is feasible by construction (the last stage's plan meets every hold),
        so "infeasible" there is the solver's round-off: a best reported a hair above
        what it can reach again (CBC writes 8 significant digits). Such a stage is
        solved again with each margin of `gives` in turn, then once more from a cold
        start, before it is called the solver's failure, naming the stage."""
        c = order[stage]
        cost = self.cost_vector(np.eye(len(self.criteria))[c])
        if not bests:
            return self.run(cost, True)
        for attempt, give in enumerate((*gives, gives[-1])):
            if attempt == len(gives):
                self.session.reset()
            ext = self.floors({d: hold_at(b, tolerance, give) if give else (1.0 - tolerance) * b
                               for d, b in bests.items()})  # fmt: skip
            try:
                return self.run(cost, True, ext)
            except InfeasibleError:
                continue
        raise SolverError(
            _(
                "{solver}: maximizing {criterion} with {held} held at the best found before"
                " (stage {stage} of {stages}) is infeasible even with the holds loosened by"
                " {give} of their value: the solver's round-off, not the scenario; try"
                " --solver highs"
            ).format(
                solver=self.session.name,
                criterion=self.criteria[c],
                held=", ".join(self.criteria[d] for d in bests),
                stage=stage + 1,
                stages=len(order),
                give=f"{gives[-1]:g}",
            )
        )

    def polish(
        self, res: LpResult, hold_budget: bool = False, hold: Extension | None = None
    ) -> LpResult:
        """Make an answer efficient: max sum_c f_c / n_c  s.t.  f_c >= f_c(found).

        Weighted sums with a zero weight, epsilon, reference (its rho term is below
        the solver's tolerance) and goal (reached targets stop counting) can return
        a plan that another plan beats on one criterion and ties on the rest; this
        second solve only moves to such a plan, so the method's own objective stays
        optimal. The duals of the method's solve are kept for shadow prices.

        `hold`: rows (and columns) that describe every plan optimal for the method,
        used instead of the floors at the found values. Where the method's optimum is
        a set of plans with different criteria values (goal: every plan that reaches
        the targets), floors at the found plan would make the answer depend on which
        vertex the solver returned (HiGHS and CBC gave jobs 7,380 and 7,980 for the
        same goal scenario); over the whole set the answer is the solver's no more.

        The holds are exact first. Where round-off makes the found plan's own values
        unreachable (CBC writes 8 significant digits: min_budget's least budget
        7,654.1847 held as a cap is a hair below the 7,654.18473 the floors need), the
        budget's cap is loosened first, then the holds too (`polish_holds`); the
        method's plan unpolished is the answer only if every margin fails.
        """
        if self.raw:
            return res
        found = self.criteria_of(res)
        # Held exactly: any margin would be traded away for the other criteria. The
        # found plan meets these rows, so the LP is feasible up to round-off.
        exact = (
            hold if hold is not None else self.floors({i: float(v) for i, v in enumerate(found)})
        )
        cost = self.cost_vector(1.0 / self.normalizers())
        a = float(res.x[self.model.col_A])
        for hold_give, cap in polish_holds(a if hold_budget else None):
            bounds = None if cap is None else {self.model.budget_row: (-INF, cap)}
            try:
                better = self.run(cost, True, loosened(exact, hold_give), bounds)
            except InfeasibleError:
                continue
            return LpResult(better.x, res.row_dual, res.objective,
                            res.seconds + better.seconds, better.col_dual)  # fmt: skip
        return res


# CBC (through PuLP) writes its plans with 8 significant digits
WRITTEN_DIGITS = 8


def polish_holds(budget: float | None) -> list[tuple[float, float | None]]:
    """The (hold's relative margin, budget's cap) pairs the polish tries in turn:
    exact; then, when the budget is held (`budget`: the plan's, else None), its cap
    alone loosened by a hair, by the rounding of a number written with
    WRITTEN_DIGITS digits (a least budget is the number CBC rounds, and every
    margin given to the cap is spent on the criteria, so the smallest that works is
    wanted), then by the solvers' tolerance; then the holds too."""
    if budget is None:
        return [(0.0, None), *((g, None) for g in HOLD_GIVES)]
    scale = 10.0 ** math.floor(math.log10(max(abs(budget), 1e-300)))
    written = 0.5 * scale * 10.0 ** (1 - WRITTEN_DIGITS) * 1.01
    caps = [budget, budget + HOLD_REL * abs(budget) + HOLD_ABS, budget + written + HOLD_ABS,
            budget + HOLD_GIVES[-1] * abs(budget) + HOLD_ABS]  # fmt: skip
    return [*((0.0, cap) for cap in caps), *((g, caps[-1]) for g in HOLD_GIVES)]


def loosened(ext: Extension, give: float) -> Extension:
    """`ext` with every finite row bound moved outward by `give` of itself and HOLD_ABS."""
    if not give:
        return ext
    lb, ub = ext.row_lb.astype(float), ext.row_ub.astype(float)
    lo, hi = np.isfinite(lb) & (lb > -INF), np.isfinite(ub) & (ub < INF)
    lb[lo] = lb[lo] - give * np.abs(lb[lo]) - HOLD_ABS
    ub[hi] = ub[hi] + give * np.abs(ub[hi]) + HOLD_ABS
    return replace(ext, row_lb=lb, row_ub=ub)


def hold_at(best: float, tolerance: float, give: float = 0.0) -> float:
    """The floor that keeps a criterion at (1 - tolerance) of its best, less round-off
    (`give`: the relative margin, HOLD_REL by default)."""
    value = (1.0 - tolerance) * best
    return value - (give or HOLD_REL) * abs(value) - HOLD_ABS


# ----------------------------------------------------------------------------- engine views


@dataclass(eq=False)
class EngineView(Engine):
    """An engine's model and solver session seen with other row bounds, another
    scenario variant (e.g. a budget) or another model of the same shape (e.g. drawn
    criterion coefficients). Every solve a method makes goes through `run`, which
    adds `overrides` to the method's own row bounds (the method's win: `min_budget`
    sets the budget row from the scenario). Nothing is rebuilt; the work is counted
    on the engine that owns the session too."""

    parent: Engine | None = field(default=None, repr=False)

    def run(
        self,
        cost: np.ndarray,
        maximize: bool = True,
        extension: Extension | None = None,
        row_bounds: dict[int, tuple[float, float]] | None = None,
    ) -> LpResult:
        solves, seconds = self.solves, self.seconds
        try:
            return super().run(cost, maximize, extension, row_bounds)
        finally:
            if self.parent is not None:  # count the work on the engine that owns the session
                self.parent.solves += self.solves - solves
                self.parent.seconds += self.seconds - seconds


def same_budget(a: float, b: float) -> bool:
    """Two budgets equal to round-off (1e-9 relative)."""
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def budget_bounds(scenario: Scenario, budget_mln: float) -> tuple[float, float]:
    """The budget row's bounds at another budget: `A <= B`, or `A == B` with spend_all."""
    return (budget_mln if scenario.spend_all else -INF, budget_mln)


@dataclass(frozen=True, eq=False)
class Extended:
    """An engine with an extension loaded (`Engine.extended`): solves move the
    extension's row bounds in place instead of rebuilding anything."""

    engine: Engine
    ext: Extension

    def run(
        self,
        cost: np.ndarray,
        maximize: bool = True,
        bounds: dict[int, tuple[float, float]] | None = None,
        cold: bool = False,
    ) -> LpResult:
        """Solve with the extension's rows `j` moved to `bounds[j]`; `cold` forgets
        the last basis first (a poor start when the objective changed entirely)."""
        first = self.engine.model.n_rows
        rows = {first + j: b for j, b in (bounds or {}).items()}
        if cold:
            self.engine.session.reset()
        return self.engine.run(cost, maximize, self.ext, rows)
