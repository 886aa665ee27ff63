"""One plan among equals (SPEC section 10).

An LP's optimum is often a whole face: many splits reach the same criteria
values. The reported plan is the unique point of that face that minimizes

    sum_{t,m} (C[t,m] - R[t,m])^2 / population(t),    C[t,m] = cost_m sum_s x[t,m,s]

(`R = 0`: the most even spread per resident among equally good plans; `R` an
actual spend's budget cost: the equally good plan that moves least from it). The
function is strictly convex in `C`, so the plan does not depend on the solver,
the row order of the files or the machine.

The optimal face: every `x` that meets the scenario's rows (with the bounds the
engine solves under: a view's budget, a min_budget's ceiling) and keeps each
criterion within `1e-7 * max(1, |f_c*|)` of the method's optimum `f*`; for
`min_budget` also `A <= A* + tol`.

Columns whose reduced cost in the method's last LP is clearly non-zero sit at the
same bound on that LP's whole optimal set (complementary slackness), which holds
the face, so they are fixed and the quadratic step works on the free ones only.
Whichever optimal dual the solver returned, the fixed columns are truly fixed, so
the face, and the plan, are the same. The quadratic step always runs in a solver of
its own (`optimizer.lp.qp`: a convex QP), whatever solver ran the method.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from optimizer.errors import InfeasibleError
from optimizer.i18n import _
from optimizer.lp.engine import Engine
from optimizer.lp.model import INF
from optimizer.lp.qp import FaceLp, minimize_qp
from optimizer.lp.session import Extension, Feature, LpResult
from optimizer.methods.describe import describe

FACE_REL = 1e-9  # criteria held within FACE_REL * max(1, |f*|): inside SPEC 10's 1e-7, so the
# even plan gives up no visible outcome for its evenness
FIXED_DUAL = 1e-6  # a reduced cost above this (objective scaled to max |cost| 1) fixes a column


@dataclass(frozen=True, eq=False)
class Face:
    """The optimal face over the free columns `free` (indices of base columns x then
    A); every other base column is fixed at `fixed[j]`. Rows are row-wise sparse over
    the free columns, their bounds already net of the fixed columns."""

    free: np.ndarray  # (k,) base-column indices
    fixed: np.ndarray  # (n_x + 1,) values of all base columns (free ones: the LP's)
    col_lb: np.ndarray
    col_ub: np.ndarray
    row_start: np.ndarray
    row_index: np.ndarray
    row_value: np.ndarray
    row_lb: np.ndarray
    row_ub: np.ndarray

    @property
    def n_cols(self) -> int:
        return len(self.free)

    @property
    def n_rows(self) -> int:
        return len(self.row_lb)


def face_bounds(eng: Engine, res: LpResult, method: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """The base rows' bounds the method solved under: the model's, a view's
    overrides (another budget), and for min_budget the budget held at its minimum."""
    m = eng.model
    lb, ub = m.row_lb.copy(), m.row_ub.copy()
    for row, (lo, hi) in eng.overrides.items():
        if row < m.n_rows:
            lb[row], ub[row] = lo, hi
    if method and describe(eng.scenario).least_budget:
        a = float(res.x[m.col_A])
        lb[m.budget_row], ub[m.budget_row] = -INF, a + FACE_REL * max(1.0, abs(a))
    return lb, ub


def optimal_face(eng: Engine, res: LpResult, method: bool = True) -> Face:
    """The face of plans as good as `res` on every criterion, over its free columns."""
    m = eng.model
    n = m.n_x + 1
    x = np.array(res.x[:n], dtype=float)
    x[: m.n_x] = np.clip(x[: m.n_x], m.col_lb[: m.n_x], m.col_ub[: m.n_x])
    free_mask = m.col_ub[:n] > m.col_lb[:n]
    if res.col_dual is not None:
        free_mask &= np.abs(res.col_dual[:n]) <= FIXED_DUAL
    free_mask[m.col_A] = True
    free = np.flatnonzero(free_mask)
    fixed = np.where(free_mask, 0.0, x)

    # base rows, net of the fixed columns
    lb, ub = face_bounds(eng, res, method)
    row_of = np.repeat(np.arange(m.n_rows), np.diff(m.row_start))
    const = np.bincount(row_of, m.row_value * fixed[m.row_index], minlength=m.n_rows)
    keep = free_mask[m.row_index]
    # criterion rows |f_c - f*_c| <= tol, net of the fixed columns
    f_star = m.F @ x[: m.n_x]
    tol = FACE_REL * np.maximum(1.0, np.abs(f_star))
    F_free = m.F[:, free[free < m.n_x]]
    f_const = m.F @ fixed[: m.n_x]

    position = np.full(n, -1, dtype=np.int64)
    position[free] = np.arange(len(free))
    base_rows = np.bincount(row_of[keep], minlength=m.n_rows)
    starts = [np.concatenate([[0], np.cumsum(base_rows)])]
    index = [position[m.row_index[keep]]]
    value = [m.row_value[keep]]
    C = F_free.shape[0]
    crit_cols = np.arange(F_free.shape[1])  # free x columns come first in `free`
    for c in range(C):
        nz = np.flatnonzero(F_free[c])
        index.append(crit_cols[nz])
        value.append(F_free[c, nz])
    counts = [np.count_nonzero(F_free[c]) for c in range(C)]
    row_start = np.concatenate([starts[0], starts[0][-1] + np.cumsum(counts)])
    return Face(
        free=free,
        fixed=fixed,
        col_lb=m.col_lb[free],
        col_ub=m.col_ub[free],
        row_start=row_start.astype(np.int32),
        row_index=np.concatenate(index).astype(np.int32),
        row_value=np.concatenate(value),
        # A front point (method=False) keeps its criteria at the vertex's, so the
        # front's exact vertices (jobs 125.0, not 124.9999999) stay exact.
        row_lb=np.concatenate([lb - const, f_star - (tol if method else 0.0) - f_const]),
        row_ub=np.concatenate([ub - const, f_star + (tol if method else 0.0) - f_const]),
    )


def on_qp_solver(eng: Engine, res: LpResult) -> tuple[Engine, LpResult]:
    """The engine's method solved again on a session that solves QPs and gives reduced
    costs (`Engine.supporting`), when the one that ran it does not.

    CBC's answers are accurate to about 1e-6 relative; where the front is nearly
    parallel to the weights that moves the criteria by far more than the face's
    tolerance, and the face (and so the plan) would depend on the solver. The face
    is therefore always taken around the optimum of the same method by the solver of
    the quadratic step, with the same payoff table and bounds; the first solver's
    duals still give the shadow prices."""
    twin = eng.supporting(Feature.QP, Feature.REDUCED_COSTS)
    if twin is eng:
        return eng, res
    from optimizer.methods.scalarize import scalarize

    try:
        return twin, scalarize(twin)
    except InfeasibleError:  # round-off: keep the other solver's optimum
        return eng, res


def even_plan(
    eng: Engine,
    res: LpResult,
    baseline: np.ndarray | None = None,
    method: bool = True,
    max_free: int | None = None,
    skipped: list[int] | None = None,
) -> LpResult:
    """The optimum `res` moved to the one plan of its optimal face that minimizes
    `sum (C - R)^2 / population` (R: `baseline` budget cost (T, M), or the
    scenario's baseline, or 0). Duals and the objective value stay those of `res`.
    `method`: `res` is the engine's method's answer (re-solved where the solver that
    gave it has no QP, see `on_qp_solver`); else any optimum, e.g. a front point.
    `max_free`: leave `res` as it is when the face has more free cell columns (their
    number is appended to `skipped`)."""

    m = eng.model
    if m.n_proj:
        # A mixed-integer optimum has no single convex face: the projects' funding is
        # the solver's proven optimum as found (README, "Projects").
        return res
    if baseline is None:
        baseline = baseline_cost(eng)
    face_eng, face_res = on_qp_solver(eng, res) if method else (eng, res)
    face = optimal_face(face_eng, face_res, method)
    n_free = int(np.count_nonzero(face.free < m.n_x))
    if max_free is not None and n_free > max_free:
        if skipped is not None:
            skipped.append(n_free)
        return res
    y = even_point(eng, face, baseline)
    if y is None:  # no free cell, or every QP route failed: the optimum stands
        if n_free and skipped is not None:
            skipped.append(n_free)
        return res
    x = np.array(res.x, dtype=float)
    n = m.n_x + 1
    base = face.fixed.copy()
    base[face.free] = y
    base[: m.n_x] = np.clip(base[: m.n_x], m.col_lb[: m.n_x], m.col_ub[: m.n_x])
    x[:n] = base
    return replace(res, x=x)


def even_point(eng: Engine, face: Face, baseline: np.ndarray | None) -> np.ndarray | None:
    """The free columns' values at the minimizer of `sum (C - R)^2 / population` on
    `face` (None when no cell column is free or the QP fails)."""
    m, inst = eng.model, eng.instance
    T, M, S = m.n_towns, m.n_measures, m.n_segments
    xfree = face.free[face.free < m.n_x]
    if len(xfree) == 0:
        return None
    # Per cell: 0.5 k (cost (sum_s x + xf) - R)^2 with k = 1 / population share,
    # scaled so the largest Hessian entry is 1 (HiGHS's QP cycles on entries near 1e-5).
    pop = inst.population / inst.population.mean()
    cell = xfree // S  # t * M + m of each free x column
    town, meas = cell // M, cell % M
    bc = inst.budget_cost[meas]
    k = 1.0 / pop[town]
    k = k / float((k * bc**2).max())
    fixed_vol = face.fixed[: m.n_x].reshape(T * M, S).sum(axis=1)
    R = np.zeros(T * M) if baseline is None else np.asarray(baseline, dtype=float).ravel()
    gap = inst.budget_cost[np.arange(T * M) % M] * fixed_vol - R  # (T*M,)
    lin = np.zeros(face.n_cols)
    lin[: len(xfree)] = k * bc * gap[cell]
    # Hessian: k cost^2 on every pair of free columns of one cell; lower triangle,
    # column-wise. Free x columns are sorted, so a cell's columns are contiguous.
    end = np.searchsorted(cell, cell, side="right")
    counts = end - np.arange(len(xfree))
    starts = np.zeros(face.n_cols + 1, dtype=np.int64)
    starts[1 : len(xfree) + 1] = np.cumsum(counts)
    starts[len(xfree) + 1 :] = starts[len(xfree)]  # A: no quadratic term
    first = np.repeat(np.arange(len(xfree)), counts)
    idx = first + (np.arange(int(starts[-1])) - np.repeat(starts[:-1][: len(xfree)], counts))
    val = (k * bc**2)[first]
    hessian = (starts.astype(np.int32), idx.astype(np.int32), val)
    return minimize_qp(face, lin, hessian)


def extended_face(
    eng: Engine, ext: Extension, res: LpResult, cost: np.ndarray,
    ext_bounds: dict[int, tuple[float, float]],
) -> Face:  # fmt: skip
    """The optimal face of an LP over the base model and an extension (e.g. compare's
    movement LP): its rows (extension rows `j` moved to `ext_bounds[j]`) and
    `cost . x` held within FACE_REL of the optimum `res` (a minimum). Columns with a
    clearly non-zero reduced cost are fixed, as in `optimal_face`."""
    m = eng.model
    nb, N = m.n_cols, m.n_cols + ext.n_cols
    x = np.array(res.x[:N], dtype=float)
    col_lb = np.concatenate([m.col_lb[:nb], ext.col_lb])
    col_ub = np.concatenate([m.col_ub[:nb], ext.col_ub])
    x = np.clip(x, col_lb, col_ub)
    free_mask = col_ub > col_lb
    # Without duals (CBC) every column stays free, and the optimum is CBC's, accurate
    # to about 1e-7 relative: the objective row is held to that instead.
    rel = FACE_REL
    if res.col_dual is not None and len(res.col_dual) >= N:
        free_mask &= np.abs(np.asarray(res.col_dual[:N])) <= FIXED_DUAL
    else:
        rel = 1e-7
    free_mask[m.col_A] = True
    free = np.flatnonzero(free_mask)
    fixed = np.where(free_mask, 0.0, x)

    lb, ub = face_bounds(eng, res, method=False)
    e_lb, e_ub = ext.row_lb.copy(), ext.row_ub.copy()
    for j, (lo, hi) in ext_bounds.items():
        e_lb[j], e_ub[j] = lo, hi
    opt = float(cost[:N] @ x)
    nz = np.flatnonzero(cost[:N])
    starts = np.concatenate([m.row_start[:-1], m.row_start[-1] + ext.row_start,
                             [m.row_start[-1] + ext.row_start[-1] + len(nz)]])  # fmt: skip
    index = np.concatenate([m.row_index, ext.row_index, nz])
    value = np.concatenate([m.row_value, ext.row_value, cost[nz]])
    row_lb = np.concatenate([lb, e_lb, [-INF]])
    row_ub = np.concatenate([ub, e_ub, [opt + rel * max(1.0, abs(opt))]])
    n_rows = len(row_lb)
    row_of = np.repeat(np.arange(n_rows), np.diff(starts))
    const = np.bincount(row_of, value * fixed[index], minlength=n_rows)
    keep = free_mask[index]
    position = np.full(N, -1, dtype=np.int64)
    position[free] = np.arange(len(free))
    counts = np.bincount(row_of[keep], minlength=n_rows)
    return Face(
        free=free,
        fixed=fixed,
        col_lb=col_lb[free],
        col_ub=col_ub[free],
        row_start=np.concatenate([[0], np.cumsum(counts)]).astype(np.int32),
        row_index=position[index[keep]].astype(np.int32),
        row_value=value[keep],
        row_lb=np.where(np.isfinite(row_lb), row_lb - const, row_lb),
        row_ub=np.where(np.isfinite(row_ub), row_ub - const, row_ub),
    )


def even_extended(
    eng: Engine, ext: Extension, res: LpResult, cost: np.ndarray,
    ext_bounds: dict[int, tuple[float, float]], reference: np.ndarray | None,
    max_free: int | None = None,
) -> LpResult:  # fmt: skip
    """`res`, a minimum of `cost` over the base model and `ext`, moved to the plan of
    its optimal face that minimizes `sum (C - R)^2 / population` (R: `reference`, a
    (T, M) budget cost, or 0). Used where an LP other than the method's has ties,
    such as the least money moved from an actual spend."""
    if eng.model.n_proj:
        return res
    face = extended_face(eng, ext, res, cost, ext_bounds)
    if max_free is not None and np.count_nonzero(face.free < eng.model.n_x) > max_free:
        return res
    y = even_point(eng, face, reference)
    if y is None:
        return res
    N = eng.model.n_cols + ext.n_cols
    full = face.fixed.copy()
    full[face.free] = y
    x = np.array(res.x, dtype=float)
    x[:N] = full
    return replace(res, x=x)


def baseline_cost(eng: Engine) -> np.ndarray | None:
    """(T, M) budget cost of the scenario's baseline actual spend, or None."""
    vol = eng.scenario.baseline_volume
    return None if vol is None else vol * eng.instance.budget_cost[None, :]


def town_ranges(eng: Engine, res: LpResult, only: list[int] | None = None) -> np.ndarray:
    """(T, 2): each town's least and greatest budget cost over the optimal face of
    the method's answer `res` (two LPs per town on the face; `only`: just those
    towns, the others keep their fixed cost)."""
    m, inst = eng.model, eng.instance
    eng, res = on_qp_solver(eng, res)
    face = optimal_face(eng, res)
    T, M, S = m.n_towns, m.n_measures, m.n_segments
    fixed_cost = (m.cost * face.fixed[: m.n_x]).reshape(T, M * S).sum(axis=1)
    xfree = face.free[face.free < m.n_x]
    town = xfree // (M * S)
    out = np.repeat(fixed_cost[:, None], 2, axis=1)
    lp = FaceLp(face)
    names = inst.shown_towns
    for t in np.unique(town):
        if only is not None and t not in only:
            continue
        cost = np.zeros(face.n_cols)
        sel = np.flatnonzero(town == t)
        cost[sel] = m.cost[xfree[sel]]
        for side, maximize in ((0, False), (1, True)):
            y = lp.optimum(cost, maximize, _("the range of {town}").format(town=names[t]))
            out[t, side] += float(cost @ y)
    return np.maximum(out, 0.0)


@dataclass(frozen=True)
class TownRange:
    """How much freedom the optimum leaves a town: its least and greatest budget cost
    over the optimal face, and what the reported plan gives it (SPEC section 10)."""

    town: str
    min_cost_mln: float
    max_cost_mln: float
    plan_cost_mln: float


def plan_ranges(eng: Engine, plan_x: np.ndarray, row_dual: np.ndarray) -> tuple[TownRange, ...]:
    """Each town's range over the optimal face of the reported plan `plan_x` (which
    lies on the face, so the face around it is the method's)."""
    inst, m = eng.instance, eng.model
    res = LpResult(np.asarray(plan_x, dtype=float), row_dual, 0.0, 0.0)
    rng = town_ranges(eng, res)
    plan = (m.volumes(res.x).clip(min=0.0) * inst.budget_cost[None, :]).sum(axis=1)
    # the plan is on the face: round-off must not put it outside its own range
    lo, hi = np.minimum(rng[:, 0], plan), np.maximum(rng[:, 1], plan)
    return tuple(
        TownRange(inst.towns[t], float(lo[t]), float(hi[t]), float(plan[t]))
        for t in range(inst.n_towns)
    )
