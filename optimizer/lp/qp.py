"""Problems solved on their own, beside the session: the even plan's quadratic program
and linear programs over an optimal face (SPEC 10), and the small dense LP that tells
a front point on the hull from one inside it.

The face is a row problem of its own (the free columns of one optimum, its rows net
of the fixed ones), not the model the session holds, so it is loaded into a fresh
solver here whatever session found the optimum. Every answer is a proven optimum or
None / `SolverError`, as a session's are.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from optimizer.errors import SolverError
from optimizer.i18n import _
from optimizer.lp.highs import highs_lp, quiet_highs, run_highs, status_text

# Faces up to this many free columns go to HiGHS's active-set QP (milliseconds there,
# and `solve` on a small instance loads neither scipy nor Clarabel); bigger ones to
# Clarabel's interior point (see `minimize_qp`).
SMALL_FACE = 200
# HiGHS's active-set QP as the fallback only up to this size (beyond it, minutes)
ACTIVE_SET_MAX = 5_000

# A quadratic term's Hessian: its lower triangle, column-wise (start, index, value).
Hessian = tuple[np.ndarray, np.ndarray, np.ndarray]


class RowProblem(Protocol):
    """A linear feasible set in row-wise sparse form (the model, or an optimal face),
    read only."""

    @property
    def col_lb(self) -> np.ndarray: ...

    @property
    def col_ub(self) -> np.ndarray: ...

    @property
    def row_start(self) -> np.ndarray: ...

    @property
    def row_index(self) -> np.ndarray: ...

    @property
    def row_value(self) -> np.ndarray: ...

    @property
    def row_lb(self) -> np.ndarray: ...

    @property
    def row_ub(self) -> np.ndarray: ...

    @property
    def n_cols(self) -> int: ...

    @property
    def n_rows(self) -> int: ...


# ----------------------------------------------------------------------------- LPs on a face


def problem_highs(problem: RowProblem):  # -> highspy.Highs
    """A fresh HiGHS holding `problem` (no objective yet)."""
    import highspy

    h = quiet_highs()
    h.setOptionValue("threads", 1)
    if h.passModel(highs_lp(problem)) == highspy.HighsStatus.kError:
        raise SolverError(_("HiGHS rejected the optimal face"))
    return h


def run_problem(h, what: str) -> np.ndarray:  # h: highspy.Highs
    """Run HiGHS on a problem of its own; its columns at the proven optimum."""
    import highspy

    run_highs(h)  # a QP on a big face can take seconds: Ctrl-C is answered meanwhile
    status = h.getModelStatus()
    if status != highspy.HighsModelStatus.kOptimal:
        raise SolverError(
            _("HiGHS stopped on {what}: {status}").format(what=what, status=status_text(h, status))
        )
    return np.array(h.getSolution().col_value)


class FaceLp:
    """One row problem kept in its own HiGHS and optimized for one linear objective
    after another (a town's least and greatest budget cost over a face): each solve
    starts from the last one's basis."""

    def __init__(self, problem: RowProblem) -> None:
        self.h = problem_highs(problem)
        self.n = problem.n_cols
        self.all_cols = np.arange(self.n, dtype=np.int32)
        self.cost: np.ndarray | None = None

    def optimum(self, cost: np.ndarray, maximize: bool, what: str) -> np.ndarray:
        """The columns at the minimum (or maximum) of `cost . y`; `what` names the
        problem in the error should HiGHS stop without an optimum."""
        import highspy

        if self.cost is None or not np.array_equal(cost, self.cost):
            self.h.changeColsCost(self.n, self.all_cols, cost)
            self.cost = np.array(cost, dtype=float)
        sense = highspy.ObjSense.kMaximize if maximize else highspy.ObjSense.kMinimize
        self.h.changeObjectiveSense(sense)
        return run_problem(self.h, what)


# ----------------------------------------------------------------------------- the face's QP


def minimize_qp(problem: RowProblem, lin: np.ndarray, hessian: Hessian) -> np.ndarray | None:
    """min lin . y + 0.5 y' H y on the face: Clarabel's interior point first, HiGHS's
    active-set QP if Clarabel fails. None if both fail.

    Why Clarabel: the face's QP has few rows and many free columns with a singular
    Hessian (one rank-one block per cell over its segments); HiGHS's active-set solver
    then takes one iteration per column leaving its bound (1,000 generated towns:
    3,238 iterations, 7.4 s), while an interior point takes about 30 (0.02 s, the
    same objective to 1e-11). Its answer is put back inside the column bounds; the
    rows hold to its feasibility tolerance (1e-10 relative), far inside the face's."""
    y = qp_clarabel(problem, lin, hessian) if problem.n_cols > SMALL_FACE else None
    if y is None and problem.n_cols <= ACTIVE_SET_MAX:
        y = qp_highs(problem, lin, hessian)
    return y


def qp_clarabel(problem: RowProblem, lin: np.ndarray, hessian: Hessian) -> np.ndarray | None:
    """The face's QP in Clarabel's form: `A y + s = b`, `s` in the zero cone for
    equality rows and the nonnegative cone for one-sided rows and column bounds."""
    try:
        import clarabel
        import scipy.sparse as sp
    except ImportError:  # an installation without them keeps HiGHS's QP
        return None
    start, index, value = hessian
    n = problem.n_cols
    cols = np.repeat(np.arange(n), np.diff(start))
    lower = sp.csc_matrix((value, (index, cols)), shape=(n, n))  # lower triangle
    P = sp.triu(lower.T, format="csc")  # the same entries as an upper triangle
    rows = np.repeat(np.arange(problem.n_rows), np.diff(problem.row_start))
    A = sp.csr_matrix((problem.row_value, (rows, problem.row_index)), shape=(problem.n_rows, n))
    lb, ub = problem.row_lb, problem.row_ub
    # The face holds each criterion within a hair of its optimum (a slab 1e-9 wide):
    # an interior point finds such a slab infeasible, so it becomes its middle plane.
    eq = np.isfinite(lb) & np.isfinite(ub) & (ub - lb <= 1e-6 * np.maximum(1.0, np.abs(ub)))
    hi = np.flatnonzero(np.isfinite(ub) & ~eq)
    lo = np.flatnonzero(np.isfinite(lb) & ~eq)
    ident = sp.identity(n, format="csr")
    cu = np.flatnonzero(np.isfinite(problem.col_ub))
    cl = np.flatnonzero(np.isfinite(problem.col_lb))
    M = sp.vstack([A[np.flatnonzero(eq)], A[hi], -A[lo], ident[cu], -ident[cl]], format="csc")
    mid = 0.5 * (lb[eq] + ub[eq])
    b = np.concatenate([mid, ub[hi], -lb[lo], problem.col_ub[cu], -problem.col_lb[cl]])
    cones = [clarabel.ZeroConeT(int(eq.sum())),
             clarabel.NonnegativeConeT(len(hi) + len(lo) + len(cu) + len(cl))]  # fmt: skip
    # Tight tolerances first; on a face where the interior point stalls there (a few
    # in a hundred generated instances), looser ones. Either answer must then meet
    # the face's rows to 1e-7 relative, as every solver answer is held to.
    for tol in (1e-10, 1e-8):
        settings = clarabel.DefaultSettings()
        settings.verbose = False
        settings.tol_gap_abs = settings.tol_gap_rel = tol
        settings.tol_feas = tol
        try:
            sol = clarabel.DefaultSolver(P, np.asarray(lin, float), M, b, cones, settings).solve()
        except Exception:  # a numerical failure inside Clarabel: HiGHS takes over
            return None
        if str(sol.status) not in ("Solved", "AlmostSolved", "InsufficientProgress"):
            continue
        y = np.clip(np.array(sol.x), problem.col_lb, problem.col_ub)
        act = A @ y
        slack = 1e-7 * np.maximum(1.0, np.abs(act))
        if np.all(act >= lb - slack) and np.all(act <= ub + slack):
            return y
    return None


def qp_highs(problem: RowProblem, lin: np.ndarray, hessian: Hessian) -> np.ndarray | None:
    """The same QP with HiGHS's active-set solver (the fallback). It can stall on a
    degenerate face; it is tried again without presolve, then with a tiny ridge
    (1e-9 of the largest Hessian entry on every column: strictly convex, and the
    plan moves by far less than the face's tolerance). None if all fail."""
    import highspy

    start, index, value = hessian
    n = problem.n_cols
    diag = np.flatnonzero(np.diff(start) > 0)  # columns with a quadratic term
    tries = (("on", 0.0), ("off", 0.0), ("off", 1e-9))
    for presolve, ridge in tries:
        h = problem_highs(problem)
        h.setOptionValue("presolve", presolve)
        h.setOptionValue("qp_iteration_limit", 100_000)
        h.changeColsCost(n, np.arange(n, dtype=np.int32), lin)
        v = value.copy()
        if ridge:
            v[start[diag]] += ridge * float(np.abs(value).max())  # first entry: the diagonal
        status = h.passHessian(n, len(index), highspy.HessianFormat.kTriangular, start, index, v)
        if status == highspy.HighsStatus.kError:
            continue
        try:
            return run_problem(h, _("the even-spread plan"))
        except SolverError:
            continue
    return None


# ----------------------------------------------------------------------------- a dense LP


def dense_max(
    cost: np.ndarray, A: np.ndarray, row_lb: np.ndarray, row_ub: np.ndarray,
    col_lb: np.ndarray, col_ub: np.ndarray,
) -> float | None:  # fmt: skip
    """max cost . v s.t. row_lb <= A v <= row_ub, col_lb <= v <= col_ub, for a small
    dense problem (tens of rows and columns); None when it has no proven optimum."""
    import highspy

    m, n = A.shape
    h = quiet_highs()
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n, m
    lp.col_cost_ = np.asarray(cost, dtype=float)
    lp.col_lower_ = np.asarray(col_lb, dtype=float)
    lp.col_upper_ = np.asarray(col_ub, dtype=float)
    lp.row_lower_ = np.asarray(row_lb, dtype=float)
    lp.row_upper_ = np.asarray(row_ub, dtype=float)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.start_ = np.arange(0, m * n + 1, n, dtype=np.int32)
    lp.a_matrix_.index_ = np.tile(np.arange(n, dtype=np.int32), m)
    lp.a_matrix_.value_ = np.asarray(A, dtype=float).ravel()
    lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = n, m
    lp.sense_ = highspy.ObjSense.kMaximize
    h.passModel(lp)
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    return float(h.getObjectiveValue())
