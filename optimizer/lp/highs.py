"""The HiGHS session: the model passed in one call as a row-wise matrix and kept in
one live `highspy.Highs`, so a re-solve changes costs, bounds or rows in place and
starts warm from the last basis. How the first solve runs (simplex or interior
point, presolve rules) is chosen per model from the bench's tuning table.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

from optimizer.domain.tables import local_number
from optimizer.errors import InfeasibleError, SolverError
from optimizer.i18n import N_, _
from optimizer.lp.model import LinearModel
from optimizer.lp.session import Extension, Feature, LpResult, Near, within

# How HiGHS solves a model the first time, chosen from what `python -m bench` shows
# (bench/results.md, "HiGHS algorithm and presolve"):
#
# - Copy-heavy models (at most DISTINCT_SHARE of the columns distinct, as in
#   generated instances, where cells differ only by tier, measure and segment):
#   HiGHS's presolve merges the parallel columns cheaply; dual simplex is fastest
#   up to about IPM_COLUMNS, interior point with crossover above.
# - Models with their own coefficients per town (effects.csv overrides, as real
#   national data would have): the same presolve rule (rule 13, parallel rows and
#   columns) then costs seconds to minutes (first solve of 1,000 towns: 1.7 s with
#   it, 0.10 s without; 10,000 towns: over a minute with it, 1.5 s without), so it
#   is switched off, and interior point wins from IPM_COLUMNS_DISTINCT columns.
#
# Crossover stays on, so every answer is a vertex with duals. Re-solves start warm
# from the last basis with dual simplex, except right after rows were added that the
# last optimum meets (a criterion held at the best just found, as the payoff table
# and the lexicographic method do): the basis is then still primal feasible and
# primal simplex is 16x faster on 10,000 heterogeneous towns. For objective-only
# changes (a front's weights, a study's draws) and moved bounds (a sweep) dual
# simplex stays: primal was 2-6x slower there on 1,000 towns.
IPM_COLUMNS = 60_000
IPM_COLUMNS_DISTINCT = 10_000
DISTINCT_SHARE = 0.02
DUAL_SIMPLEX, PRIMAL_SIMPLEX = 1, 4  # HiGHS simplex_strategy values
COLD_COSINE = 0.9  # re-solves whose objective turns further than this start from scratch
PARALLEL_RULE_OFF = 8192  # HiGHS presolve_rule_off bit of rule 13, parallel rows and columns


@dataclass(frozen=True)
class FirstSolve:
    """The HiGHS options for a model: first-solve algorithm and the presolve rules off."""

    algorithm: str  # "simplex" | "ipm"
    presolve_rule_off: int
    distinct_share: float


def distinct_share(F: np.ndarray, cost: np.ndarray) -> float:
    """Share of distinct columns (criterion coefficients and budget cost) among the x
    columns. Each column is reduced to one number by a fixed random projection;
    identical columns give identical numbers, distinct ones practically never do
    (random weights, fixed seed)."""
    n = len(cost)
    if n == 0:
        return 0.0
    weights = 0.5 + np.random.default_rng(20121).random(F.shape[0] + 1)
    key = np.sort(weights[:-1] @ F + weights[-1] * cost)
    return (1 + int(np.count_nonzero(key[1:] != key[:-1]))) / n


def first_solve(model: LinearModel) -> FirstSolve:
    share = distinct_share(model.F, model.cost)
    if share <= DISTINCT_SHARE:
        ipm = model.n_cols > IPM_COLUMNS
        return FirstSolve("ipm" if ipm else "simplex", 0, share)
    ipm = model.n_cols > IPM_COLUMNS_DISTINCT
    return FirstSolve("ipm" if ipm else "simplex", PARALLEL_RULE_OFF, share)


# ----------------------------------------------------------------------------- HiGHS

THREADED_COLUMNS = 20_000  # a model this big runs HiGHS in a helper thread (`run_highs`)
# `start_near`: the search for a starting plan stops after this many nodes (it is a
# small problem; a plan found by then is still handed on).
NEAR_NODES = 1_000
# `lean_search`: HiGHS options for a front's many small mixed-integer solves, measured
# with `python -m bench.projects` (bench/results.md): on these knapsack-like MIPs (tens
# to hundreds of binaries, a few rows) HiGHS's sub-MIP heuristics (RINS, RENS) and root
# restarts took most of each solve (0.08 of 0.11 s); without them the whole front takes
# 2.5-4x less time. Cut separation below the root and the feasibility-jump heuristic
# cost another 18% (250 projects, one thread: 64.7 s with them, 53.1 s without). They
# only change how the search looks for plans, never what it proves.
LEAN_MIP_OPTIONS = {"mip_heuristic_run_rins": False, "mip_heuristic_run_rens": False,
                    "mip_allow_restart": False, "mip_allow_cut_separation_at_nodes": False,
                    "mip_heuristic_run_feasibility_jump": False}  # fmt: skip


def run_highs(h: Any, threaded: bool = True) -> None:
    """`h.run()`, answerable by Ctrl-C while it runs.

    Python runs a signal handler only between bytecodes of the main thread, so a
    Ctrl-C during one long HiGHS call (a national model's first solve, an even-plan
    QP: seconds to minutes) would wait for the call to end. With `threaded` (and on
    the main thread), HiGHS runs in a helper thread (highspy releases the GIL while
    it solves) and the main thread waits in 0.1 s steps, so the entry point's
    handler (`optimizer.entry`: one line, exit 130) runs at once and ends the
    process, helper thread included. Small solves (milliseconds) run directly: a
    thread per solve would cost more than they do."""
    import threading

    if not threaded or threading.current_thread() is not threading.main_thread():
        h.run()
        return
    failed: list[BaseException] = []

    def work() -> None:
        try:
            h.run()
        except BaseException as e:  # handed to the caller's thread
            failed.append(e)

    t = threading.Thread(target=work, name="highs-run", daemon=True)
    t.start()
    while t.is_alive():
        t.join(0.1)
    if failed:
        raise failed[0]


def highs_lp(arrays: Any) -> Any:
    """A `highspy.HighsLp` from row-wise arrays (`col_lb`, `col_ub`, `row_start`,
    `row_index`, `row_value`, `row_lb`, `row_ub`, and `n_cols`, `n_rows`): the model,
    or any problem shaped like it (the optimal face of `methods.equal`). No costs yet."""
    import highspy

    lp = highspy.HighsLp()
    lp.num_col_ = arrays.n_cols
    lp.num_row_ = arrays.n_rows
    lp.col_cost_ = np.zeros(arrays.n_cols)
    lp.col_lower_ = arrays.col_lb
    lp.col_upper_ = arrays.col_ub
    lp.row_lower_ = arrays.row_lb
    lp.row_upper_ = arrays.row_ub
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.start_ = arrays.row_start
    lp.a_matrix_.index_ = arrays.row_index
    lp.a_matrix_.value_ = arrays.row_value
    lp.a_matrix_.num_col_ = arrays.n_cols
    lp.a_matrix_.num_row_ = arrays.n_rows
    return lp


def quiet_highs() -> Any:
    """A `highspy.Highs` that prints nothing.

    Its constructor writes a banner to the process's standard output (file
    descriptor 1, below Python's `sys.stdout`), which would corrupt `--format json`
    output; the descriptor is pointed at the null device for the construction only.
    """
    import highspy

    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 1)
            h = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    h.setOptionValue("output_flag", False)
    return h


class HighsSession:
    """The model kept in one live `highspy.Highs`; re-solves change it in place."""

    name = "HiGHS"
    FEATURES = frozenset(Feature)  # everything a session may declare

    def supports(self, feature: Feature) -> bool:
        return feature in self.FEATURES

    def __init__(self, model: LinearModel, time_limit: float | None = None) -> None:
        import highspy

        self.hs = highspy
        self.model = model
        h = quiet_highs()
        h.setOptionValue("threads", 1)
        self.time_limit = time_limit
        if time_limit is not None:
            h.setOptionValue("time_limit", float(time_limit))
        self.version = h.version()
        self.h = h
        self.plan = first_solve(model)
        if self.plan.presolve_rule_off:
            h.setOptionValue("presolve_rule_off", self.plan.presolve_rule_off)
        self.solved_once = False
        self.all_cols = np.arange(model.n_cols, dtype=np.int32)
        self.maximize: bool | None = None  # the sense and algorithm HiGHS holds
        self.algorithm: str | None = None
        self.strategy = DUAL_SIMPLEX
        # The last optimum (columns), while HiGHS still holds its basis unchanged but
        # for costs and sense: rows it meets can be added and the basis stays feasible.
        self.last_x: np.ndarray | None = None
        self.rows_added_met = False  # this solve: rows just added, met by the last optimum
        self.last_cost: np.ndarray | None = None  # the last solve's scaled costs (base columns)
        self.rows_dropped = False  # this solve: a method's added rows were just removed
        lp = highs_lp(model)
        self.mip = model.is_mip
        # Set by a caller that knows every plan's objective value is a multiple of this
        # step (integer project effects): a search may stop once its bound is less than
        # one step above the best plan, which is then proven optimal (no better value
        # exists in between). None: no such knowledge, gap 0.
        self.objective_step: float | None = None
        self.abs_gap = 0.0
        # Set by a caller that knows plans near the next optimum (a front's last points):
        # the next mixed-integer solve first searches there for a starting plan
        # (`start_near`). None: HiGHS starts on its own.
        self.near: Near | None = None
        if self.mip:
            set_integrality(h, lp, model)
        self.check(h.passModel(lp), "passModel")
        self.extension: Extension | None = None
        self.row_lb = model.row_lb.copy()
        self.row_ub = model.row_ub.copy()

    def fork(self) -> HighsSession:
        """A second HiGHS on the model as built, with this one's time limit: its own
        `highspy.Highs`, so another thread solves on it while this one solves (highspy
        releases the GIL while HiGHS runs)."""
        return HighsSession(self.model, self.time_limit)

    @contextmanager
    def hinted(
        self, objective_step: float | None = None, near: Near | None = None
    ) -> Iterator[None]:
        """`objective_step` and `near` for the solves inside the block (`solve` reads
        them: the MIP gap one step allows, `start_near`), restored afterwards."""
        saved = self.objective_step, self.near
        self.objective_step, self.near = objective_step, near
        try:
            yield
        finally:
            self.objective_step, self.near = saved

    @contextmanager
    def lean_search(self) -> Iterator[None]:
        """LEAN_MIP_OPTIONS for the solves inside the block, restored afterwards."""
        saved = self.set_options(LEAN_MIP_OPTIONS)
        try:
            yield
        finally:
            self.set_options(saved)

    def set_options(self, options: dict[str, Any]) -> dict[str, Any]:
        """Set HiGHS options; returns their previous values (to restore them)."""
        saved = {}
        for key, value in options.items():
            got = self.h.getOptionValue(key)  # (status, value) in recent highspy
            saved[key] = got[1] if isinstance(got, tuple) else got
            self.check(self.h.setOptionValue(key, value), _("option {key}").format(key=key))
        return saved

    def check(self, status: object, what: str) -> None:
        if status == self.hs.HighsStatus.kError:
            raise SolverError(_("HiGHS rejected {what}").format(what=what))

    def set_extension(self, ext: Extension | None) -> None:
        if ext is self.extension:
            return
        met = self.extension is None and self.meets(ext)
        self.rows_dropped = self.extension is not None and bool(self.extension.n_rows)
        self.last_x = None
        m = self.model
        if self.extension is not None:
            old = self.extension
            if old.n_rows:
                self.h.deleteRows(
                    old.n_rows, np.arange(m.n_rows, m.n_rows + old.n_rows, dtype=np.int32)
                )
            if old.n_cols:
                self.h.deleteCols(
                    old.n_cols, np.arange(m.n_cols, m.n_cols + old.n_cols, dtype=np.int32)
                )
        if ext is not None:
            if ext.n_cols:
                self.check(
                    self.h.addCols(ext.n_cols, np.zeros(ext.n_cols), ext.col_lb, ext.col_ub, 0,
                                   np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int32),
                                   np.zeros(0)),
                    "addCols",
                )  # fmt: skip
            if ext.n_rows:
                self.check(
                    self.h.addRows(ext.n_rows, ext.row_lb, ext.row_ub, len(ext.row_index),
                                   ext.row_start[:-1].astype(np.int32), ext.row_index, ext.row_value),
                    "addRows",
                )  # fmt: skip
        self.extension = ext
        # model rows keep whatever bounds they had; added rows start at their own
        kept = self.model.n_rows
        lb, ub = self.default_bounds()
        lb[:kept], ub[:kept] = self.row_lb[:kept], self.row_ub[:kept]
        self.row_lb, self.row_ub = lb, ub
        self.rows_added_met = met

    def meets(self, ext: Extension | None) -> bool:
        """Whether the last optimum, with the added columns at their lower bounds,
        satisfies the added rows: the warm basis then stays primal feasible."""
        if ext is None or self.last_x is None or not np.all(np.isfinite(ext.col_lb)):
            return False
        x = np.concatenate([self.last_x[: self.model.n_cols], ext.col_lb])
        row_of = np.repeat(np.arange(ext.n_rows), np.diff(ext.row_start))
        act = np.bincount(row_of, ext.row_value * x[ext.row_index], minlength=ext.n_rows)
        return within(act, ext.row_lb, ext.row_ub)

    def reset(self) -> None:
        self.h.clearSolver()
        self.last_x = None

    def set_basis(self, basis: Any) -> None:
        """Start the next solve from `basis` (one this session returned)."""
        if basis is None or self.mip:  # a mixed-integer solve has no basis to start from
            return
        self.check(self.h.setBasis(basis), "setBasis")
        self.last_x = None

    def get_basis(self) -> Any:
        return self.h.getBasis()

    def change_coefficient(self, row: int, col: int, value: float) -> None:
        """One matrix coefficient changed in place (a share rule at another share)."""
        self.check(self.h.changeCoeff(row, col, value), "changeCoeff")
        self.last_x = None

    def release(self) -> None:
        self.set_extension(None)

    def turns(self, cost: np.ndarray, flipped: bool) -> bool:
        """Whether this solve should start from scratch: a model planned for interior
        point whose objective points elsewhere than the last one (cosine below
        COLD_COSINE, or the sense flipped) or whose method rows were just dropped
        (the payoff table's next criterion), with no just-added rows to keep the basis
        feasible. From such a basis dual simplex crawls on big models (100,000 towns:
        over 7 minutes for one payoff row; primal simplex was slower still)."""
        if self.plan.algorithm != "ipm" or not self.solved_once or self.rows_added_met:
            return False
        if self.last_cost is None:
            return False
        if flipped or self.rows_dropped:
            return True
        new = cost[: self.model.n_cols]
        norm = float(np.linalg.norm(new) * np.linalg.norm(self.last_cost))
        return norm > 0 and float(new @ self.last_cost) / norm < COLD_COSINE

    def default_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Row bounds as the model and the current extension define them."""
        ext = self.extension
        if ext is None or not ext.n_rows:
            return self.model.row_lb.copy(), self.model.row_ub.copy()
        return (
            np.concatenate([self.model.row_lb, ext.row_lb]),
            np.concatenate([self.model.row_ub, ext.row_ub]),
        )

    def set_row_bounds(self, row_bounds: dict[int, tuple[float, float]] | None) -> None:
        """Bounds for this solve: the defaults, overridden for the rows given (model rows
        first, then the extension's rows at `model.n_rows + j`)."""
        want_lb, want_ub = self.default_bounds()
        for i, (lo, hi) in (row_bounds or {}).items():
            want_lb[i], want_ub[i] = lo, hi
        changed = np.flatnonzero((want_lb != self.row_lb) | (want_ub != self.row_ub))
        if len(changed):
            self.last_x = None
            self.rows_added_met = False
            self.h.changeRowsBounds(
                len(changed), changed.astype(np.int32), want_lb[changed], want_ub[changed]
            )
        self.row_lb, self.row_ub = want_lb, want_ub

    def solve(
        self,
        cost: np.ndarray,
        maximize: bool,
        extension: Extension | None = None,
        row_bounds: dict[int, tuple[float, float]] | None = None,
    ) -> LpResult:
        self.rows_added_met = self.rows_dropped = False
        was_max = self.maximize
        self.set_extension(extension)
        self.set_row_bounds(row_bounds)
        n = self.model.n_cols + (extension.n_cols if extension else 0)
        full = np.zeros(n)
        full[: len(cost)] = cost
        scale = self.set_objective(full, maximize)
        flipped = was_max is not None and was_max != maximize
        self.choose_algorithm(full * scale, flipped)
        step = self.objective_step * scale if (self.mip and self.objective_step) else 0.0
        if 0.999 * step != self.abs_gap:
            self.abs_gap = 0.999 * step
            self.h.setOptionValue("mip_abs_gap", self.abs_gap)
        t0 = time.perf_counter()
        if self.mip and self.near is not None and self.time_limit is None:
            # under a time limit the limit is the whole solve's: no search before it
            self.start_near(self.near)
        status, retried = self.run()
        seconds = time.perf_counter() - t0
        self.last_x = None
        return self.result(status, retried, scale, step, seconds)

    def start_near(self, near: Near) -> None:
        """A starting plan for the next mixed-integer solve, searched near plans found
        before: the same problem with `near.cols` fixed at `near.values` (a few free
        binaries, solved in a fraction of the full search, at most NEAR_NODES nodes).
        A plan found is handed to HiGHS (`setSolution`) and the columns are freed again.

        On a front's solves HiGHS spends most of its time *finding* the optimum, not
        proving it: handed the optimum, a 250-project solve takes a third of the time
        (bench/results.md). The start changes only where the search begins; the solve
        still ends at a proven optimum of the whole problem, whatever the start was."""
        hs, h = self.hs, self.h
        cols = np.asarray(near.cols, dtype=np.int32)
        n = len(cols)
        values = np.asarray(near.values, dtype=float)
        nodes = h.getOptionValue("mip_max_nodes")
        plan = None
        try:
            h.changeColsBounds(n, cols, values, values)
            h.setOptionValue("mip_max_nodes", NEAR_NODES)
            # in this thread, never in a helper (`run_highs`): the bounds below are
            # restored only once HiGHS has stopped, whatever interrupts it
            h.run()
            found = h.getInfo().primal_solution_status == hs.SolutionStatus.kSolutionStatusFeasible
            plan = list(h.getSolution().col_value) if found else None
        finally:
            h.setOptionValue("mip_max_nodes", nodes[1] if isinstance(nodes, tuple) else nodes)
            h.changeColsBounds(n, cols, self.model.col_lb[cols], self.model.col_ub[cols])
        if plan is not None:
            start = hs.HighsSolution()
            start.col_value = plan
            start.value_valid = True
            self.check(h.setSolution(start), "setSolution")

    def set_objective(self, full: np.ndarray, maximize: bool) -> float:
        """The costs and sense in HiGHS; returns the scale applied to the costs.

        The objective is scaled so its largest cost is 1: payoff-normalized weights
        give costs near 1e-7, inside HiGHS's dual feasibility tolerance, which makes the
        simplex crawl (40 s instead of 1 s at 30,000 towns). Values are scaled back."""
        hs, h = self.hs, self.h
        n = len(full)
        top = float(np.abs(full).max()) if n else 0.0
        scale = 1.0 / top if top > 0 else 1.0
        if len(self.all_cols) != n:
            self.all_cols = np.arange(n, dtype=np.int32)
        h.changeColsCost(n, self.all_cols, full * scale)
        if maximize != self.maximize:
            h.changeObjectiveSense(hs.ObjSense.kMaximize if maximize else hs.ObjSense.kMinimize)
            self.maximize = maximize
        return scale

    def choose_algorithm(self, scaled: np.ndarray, flipped: bool) -> None:
        """The first solve as `first_solve` planned it; re-solves are warm simplex
        (primal right after rows the last optimum meets, else dual), except on models
        big enough for interior point when the problem turns elsewhere (`turns`): from
        the last basis dual simplex then crawls, so they start from scratch."""
        h = self.h
        cold = self.turns(scaled, flipped)
        self.last_cost = scaled[: self.model.n_cols].copy()
        if cold:
            h.clearSolver()
        algorithm = self.plan.algorithm if not self.solved_once or cold else "simplex"
        if algorithm != self.algorithm:
            h.setOptionValue("solver", algorithm)
            self.algorithm = algorithm
        strategy = PRIMAL_SIMPLEX if self.rows_added_met else DUAL_SIMPLEX
        if strategy != self.strategy:
            h.setOptionValue("simplex_strategy", strategy)
            self.strategy = strategy

    def run(self) -> tuple[Any, bool]:
        """Run HiGHS; a warm start that ends neither optimal nor infeasible is retried
        from scratch, and only that status is final. Returns (status, retried)."""
        hs, h = self.hs, self.h
        threaded = self.model.n_cols >= THREADED_COLUMNS
        run_highs(h, threaded)
        status = h.getModelStatus()
        if self.solved_once and status not in (
            hs.HighsModelStatus.kOptimal,
            hs.HighsModelStatus.kInfeasible,
        ):
            # A warm start can stall on a basis that is numerically poor for the changed
            # objective or bounds ("Unknown" at 10,000 towns).
            h.clearSolver()
            run_highs(h, threaded)
            return h.getModelStatus(), True
        return status, False

    def result(
        self, status: Any, retried: bool, scale: float, step: float, seconds: float
    ) -> LpResult:
        """The proven optimum, scaled back; any other status raises."""
        hs, h = self.hs, self.h
        if status == hs.HighsModelStatus.kOptimal and self.mip:
            check_mip_gap(h, self.model.mip_gap, step)
        if status == hs.HighsModelStatus.kOptimal:
            self.solved_once = True
            sol = h.getSolution()
            self.last_x = np.array(sol.col_value)
            return LpResult(
                x=self.last_x.copy(),
                row_dual=np.array(sol.row_dual) / scale,
                objective=float(h.getObjectiveValue()) / scale,
                seconds=seconds,
                col_dual=np.array(sol.col_dual),
            )
        text = status_text(h, status)
        if status == hs.HighsModelStatus.kInfeasible:
            raise InfeasibleError(_("the scenario is infeasible"))
        if status in (hs.HighsModelStatus.kUnbounded, hs.HighsModelStatus.kUnboundedOrInfeasible):
            # A bounded x and A <= budget cannot be unbounded; say what HiGHS said.
            raise SolverError(_("HiGHS stopped: {status}").format(status=text))
        if retried:
            raise SolverError(
                _(
                    "HiGHS stopped without a proven optimum: {status} (also when re-solved "
                    "from scratch after a warm start)"
                ).format(status=text)
            )
        raise SolverError(_("HiGHS stopped without a proven optimum: {status}").format(status=text))


# ----------------------------------------------------------------------------- mixed-integer


def set_integrality(h: Any, lp: Any, model: LinearModel) -> None:
    """Mark the model's integer columns (the projects' on/off columns) and ask for a
    proven optimum: HiGHS's default relative gap is 1e-4 and its absolute gap 1e-6; ours
    are 0 unless `--gap` (`model.mip_gap`) says otherwise, so the search ends only when
    its bound meets the best plan (`check_mip_gap` reads the gap after every solve)."""
    import highspy

    kinds = [highspy.HighsVarType.kContinuous, highspy.HighsVarType.kInteger]
    integ = np.zeros(model.n_cols, dtype=np.int8)
    assert model.integrality is not None
    integ[: len(model.integrality)] = model.integrality
    lp.integrality_ = [kinds[int(v)] for v in integ]
    h.setOptionValue("mip_rel_gap", float(model.mip_gap))
    h.setOptionValue("mip_abs_gap", 0.0)


MIP_GAP_ROUNDOFF = 1e-6

# HiGHS's model statuses as `modelStatusToString` writes them, marked for the catalogs:
# a solver that stops says why in the language in use.
HIGHS_STATUSES = (
    N_("Not Set"), N_("Load error"), N_("Model error"), N_("Presolve error"), N_("Solve error"),
    N_("Postsolve error"), N_("Empty"), N_("Optimal"), N_("Infeasible"),
    N_("Primal infeasible or unbounded"), N_("Unbounded"), N_("Bound on objective reached"),
    N_("Target for objective reached"), N_("Time limit reached"), N_("Iteration limit reached"),
    N_("Unknown"), N_("Solution limit reached"), N_("Interrupted by user"),
    N_("Memory limit reached"), N_("Interrupted by HiGHS"),
)  # fmt: skip


def status_text(h: Any, status: Any) -> str:
    """HiGHS's word for a model status, in the language in use."""
    return _(h.modelStatusToString(status))


def check_mip_gap(h: Any, allowed: float, step: float = 0.0) -> None:
    """A mixed-integer 'optimum' is one only when its proven relative gap is within
    what was asked (0, or `--gap`), or its bound lies less than one objective `step`
    from the plan (values are multiples of the step: nothing better exists): anything
    else is an error, never a result."""
    info = h.getInfo()
    if step > 0 and abs(float(info.mip_dual_bound) - float(info.objective_function_value)) < step:
        return
    gap = float(info.mip_gap)
    # HiGHS prunes a node whose bound is within its tolerances of the best plan, so a
    # finished search can report a gap up to about 1e-7; that is the solver's tolerance
    # (the same the LP answers carry), not an early stop.
    if gap > allowed + MIP_GAP_ROUNDOFF and gap != float("inf"):
        raise SolverError(
            _(
                "HiGHS stopped with a relative gap of {gap}, above the {allowed} asked "
                "(a proven optimum has 0; --gap G accepts a gap up to G)"
            ).format(gap=local_number(f"{gap:.3g}"), allowed=local_number(f"{allowed:g}"))
        )
