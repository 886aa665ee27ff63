"""The exact efficient front of the allocation LP (SPEC section 5, `monotowns pareto`).

All criteria are maximized. Values are compared in payoff-normalized space,
`z_c = (f_c - nadir_c) / r_c` with `r_c = ideal_c - nadir_c` (1 where the
range is zero), so that jobs and residents weigh alike whatever their scale.
The axes of the trade-off are `x` (jobs when the instance has them, else the
first criterion) and `y` (population when present, else the next one).

**Two criteria.** The front of an LP in two criteria is piecewise linear and
concave, so it is found exactly:

1. Its two ends are the lexicographic optima, the rows of the payoff table:
   max f_x then f_y, and max f_y then f_x.
2. Dichotomic weighted-sum search (Aneja & Nair 1979). For two adjacent known
   points a, b with a_x < b_x, solve

       max  w . z(f(x))   with  w_x = z_y(a) - z_y(b),  w_y = z_x(b) - z_x(a)

   (w >= 0 is the normal of the segment a-b, so w.a = w.b). If the optimum p
   lies beyond the segment, w.p > w.a + TOL_BEYOND * |w|_1, it is a new point
   of the front: search (a, p) and (p, b). Otherwise a-b is an edge. With k
   breakpoints the search takes 2k - 3 solves after the 4 of the two ends.
3. An LP vertex may map into the middle of an edge; points found on the
   segment joining their neighbours are dropped, which leaves the breakpoints
   (the efficient extreme points).
4. `points` evenly spaced points by arc length in normalized space. The point
   at fraction t of the edge between breakpoints i and i+1 is the allocation
   `(1 - t) V_i + t V_{i+1}`: feasible, as budget, limits and rules are linear
   in the volumes, and efficient, as the edge is. Its criteria are scored from
   its volumes (segments filled in order), like every reported value.

**Three or more criteria.** The epsilon-constraint method with the AUGMECON2
augmentation (Mavrotas & Florios 2013). The primary criterion p (y) is
maximized; every other criterion k gets a row `f_k - s_k = e_k` with a slack
column `s_k >= 0`, and e_k runs over `points` levels from nadir_k to ideal_k:

    max  f_p / r_p + EPS_AUG * sum_j 10^-j s_{k_j} / r_{k_j}
    s.t. f_k - s_k = e_k,  s_k >= 0   for every k != p

The slack term rewards any surplus, so a weakly efficient point never wins.
The innermost loop runs over the levels of x: after a solve with slack s_x,
the next floor(s_x / step_x) levels would return the same point and are
skipped (the bypass), and an infeasible level ends the loop (every higher
level is infeasible too). The rows are added once; a sweep only moves their
bounds. Duplicates are removed. As in AUGMECON2, levels start at the payoff
table's nadir, which for three or more criteria can lie above the true nadir.

**Trade-off rates** are in plain units, "y per x": residents retained per job
given up. With two criteria, `rate_prev` of a point is -(y_i - y_{i-1}) /
(x_i - x_{i-1}), the residents gained per job given up by moving to the
previous point (fewer jobs); `rate_next` is the same ratio towards the next
point (more jobs), i.e. residents given up per job gained. On a concave front
rate_prev <= rate_next. With three or more criteria the points are grouped
into slices by the grid level that their values reach in every criterion
other than x and y (the other criteria held at least at that level), sorted
by x within a slice, and the rates are the same ratios to the neighbours in
the slice. A rate is None where there is no neighbour.

**Knee.** The point with the largest distance to the line (two criteria) or
hyperplane (more) through the front's extreme points (the payoff table's
rows), in normalized space, on the side of the ideal point. None when no
point lies off it (a straight front, a single point).

Core code: nothing here prints or exits.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

import numpy as np

from optimizer.analysis.projects_front import GridFallback, mip_front, supported
from optimizer.domain.evaluate import score_volumes
from optimizer.domain.instance import Instance
from optimizer.domain.results import Payoff
from optimizer.domain.scenario import Scenario
from optimizer.errors import InfeasibleError, InstanceError
from optimizer.i18n import _
from optimizer.lp.engine import Engine, Extended
from optimizer.lp.model import INF
from optimizer.lp.session import LpResult, criteria_rows
from optimizer.methods.equal import even_plan
from optimizer.methods.projects import plan_fractions, plan_values
from optimizer.tuning import Tuning

# In normalized units (a criterion's payoff range is 1).
TOL_BEYOND = 1e-7  # a weighted optimum this far beyond a segment is a new breakpoint
TOL_SAME = 1e-7  # points closer than this are one point
TOL_KNEE = 1e-6  # a knee must lie at least this far off the line through the ends
TOL_DOMINATED = 1e-6  # total normalized gain above which an outcome is dominated
# Relative: a payoff range this small (against the ideal) counts as zero, so the
# round-off of the lexicographic solves is never mistaken for a trade-off.
ZERO_RANGE_REL = 1e-6
PURIFY_REL = 1e-6  # a purified point may fall this far (relative) below the point it replaces
EPS_AUG = 1e-3  # AUGMECON2 augmentation weight on the normalized slacks
ALLOC_TOL = 1e-9  # volumes at or below this are not written to pareto_allocations.csv


# ----------------------------------------------------------------------------- results


@dataclass(frozen=True, eq=False)
class FrontPoint:
    """One efficient allocation: criteria `values` (C,) scored from `volumes` (T, M).

    `rate_prev` / `rate_next`: trade-off to the neighbouring points in "y per x"
    (residents retained per job given up); see the module docstring.
    """

    values: np.ndarray
    allocated_mln: float
    volumes: np.ndarray = field(repr=False)
    is_breakpoint: bool
    is_knee: bool = False
    rate_prev: float | None = None
    rate_next: float | None = None
    # projects.csv: each project's funding fraction at this point (None: no projects)
    fractions: np.ndarray | None = field(default=None, repr=False)
    # on the convex hull of the front (some weighted sum finds it); every point of an
    # LP front is
    is_supported: bool = True
    # the plan is its face's even plan (SPEC 10); False where the face was too large
    even: bool = True


@dataclass(frozen=True, eq=False)
class ParetoFront:
    """The efficient front: points sorted along it, with how it was found.

    `method` is "dichotomic" (two criteria) or "augmecon2" (three or more); with
    projects "epsilon-exact" or "epsilon-grid". What a reader should know about how
    it was found, as facts (outputs word them): `single_point` (one allocation is
    best on every criterion, `payoff.ideal`), `zero_range` (criteria with the same
    value at both ends of the payoff table, held there by the grid), `grid`
    (projects: the grid used where every point would need too many cells) and
    `solver_vertices` (breakpoints that keep the solver's own vertex: their faces
    have over `face_limit` free cells). `x`, `y` are the indices of the trade-off
    axes (rates are y per x).
    """

    criteria: tuple[str, ...]
    points: tuple[FrontPoint, ...]
    solves: int
    seconds: float
    method: str
    payoff: Payoff | None = None
    budget_mln: float = 0.0
    x: int = 0
    y: int = 1
    mixed_integer: bool = False  # its solves were mixed-integer programs (projects)
    single_point: bool = False
    zero_range: tuple[str, ...] = ()
    grid: GridFallback | None = None
    solver_vertices: int = 0
    face_limit: int = 0

    @property
    def knee(self) -> FrontPoint | None:
        return next((p for p in self.points if p.is_knee), None)

    @property
    def breakpoints(self) -> tuple[FrontPoint, ...]:
        return tuple(p for p in self.points if p.is_breakpoint)

    @property
    def values(self) -> np.ndarray:
        """(points, C) criteria values."""
        return np.array([p.values for p in self.points]).reshape(-1, len(self.criteria))


@dataclass(frozen=True, eq=False)
class ActualPosition:
    """Where an outcome (e.g. an actual spend) stands against the scenario's front.

    `dominated`: some feasible allocation is at least as good on every criterion
    and better on one. `better` is the criteria of such an allocation (the one
    with the largest total normalized gain, itself efficient), else None.
    """

    values: np.ndarray
    dominated: bool
    better: np.ndarray | None


@dataclass(frozen=True, eq=False)
class _Vertex:
    """An allocation found on the way: scored criteria and volumes."""

    values: np.ndarray
    volumes: np.ndarray
    fractions: np.ndarray | None = None  # projects' funding fractions (projects.csv)
    res: LpResult | None = field(default=None, repr=False)  # the LP answer it came from


# ----------------------------------------------------------------------------- entry point


def compute_front(
    instance: Instance,
    scenario: Scenario,
    points: int = 21,
    solver: str = "highs",
    engine: Engine | None = None,
    tuning: Tuning | None = None,
) -> ParetoFront:
    """The efficient front of the scenario (its budget, rules and limits; not its method).

    Builds the model once (or reuses `engine`, opened on the same instance and
    scenario) and re-solves it with new objectives or row bounds only. Raises
    InfeasibleError with a diagnosis when the scenario has no feasible allocation.
    """
    if points < 2:
        raise InstanceError(
            _("--points: {points} is too few; the front needs at least 2 points").format(
                points=points
            )
        )
    t0 = time.perf_counter()
    eng = engine if engine is not None else Engine.open(instance, scenario, solver, tuning)
    solves0 = eng.solves
    crit = eng.criteria
    x, y = trade_off_axes(crit)
    try:
        ends = [lexicographic_end(eng, [c] + [d for d in range(len(crit)) if d != c])
                for c in range(len(crit))]  # fmt: skip
    except InfeasibleError as e:
        from optimizer.methods.diagnose import infeasible

        raise infeasible(
            eng, _("scenario {name} is infeasible, so it has no front: {diagnosis}")
        ) from e
    payoff = Payoff(crit, np.array([v.values for v in ends]))
    flat = zero_range(payoff)
    scale = Scale(payoff.nadir, np.where(flat, 1.0, payoff.ideal - payoff.nadir))

    single = bool(flat.all() or max_distance(scale, ends) <= TOL_SAME)
    held = tuple(c for c, f in zip(crit, flat, strict=True) if f)  # zero-range criteria
    grid = None
    if single:
        built = single_point(eng, ends, x)
        method = "dichotomic" if len(crit) == 2 else "augmecon2"
        held = ()
    elif eng.model.n_proj:
        built, method, grid = project_points(eng, ends, payoff, scale, flat, points, x, y)
    elif len(crit) == 2:
        built, method = two_criteria(eng, ends, scale, points, x, y), "dichotomic"
        held = ()
    else:
        built, method = augmecon2(eng, ends, scale, flat, points, x, y), "augmecon2"
    vertices = 0
    if not eng.model.n_proj:
        vertices = sum(1 for p in built if not p.even and (p.is_breakpoint or len(crit) > 2))
    return ParetoFront(
        criteria=crit,
        points=tuple(built),
        solves=eng.solves - solves0,
        seconds=time.perf_counter() - t0,
        method=method,
        payoff=payoff,
        budget_mln=eng.scenario.budget_mln,
        x=x,
        y=y,
        mixed_integer=eng.model.is_mip,
        single_point=single,
        zero_range=held,
        grid=grid,
        solver_vertices=vertices,
        face_limit=eng.tuning.many_max_free,
    )


def trade_off_axes(criteria: tuple[str, ...]) -> tuple[int, int]:
    """x: jobs (else the first criterion); y: population (else the first other one)."""
    x = criteria.index("jobs") if "jobs" in criteria else 0
    rest = [i for i in range(len(criteria)) if i != x]
    y = criteria.index("population") if "population" in criteria else rest[0]
    return x, y


@dataclass(frozen=True)
class Scale:
    """Payoff normalization: z = (f - nadir) / range (range 1 where it is zero)."""

    nadir: np.ndarray
    range: np.ndarray

    def z(self, values: np.ndarray) -> np.ndarray:
        return (values - self.nadir) / self.range


def zero_range(payoff: Payoff) -> np.ndarray:
    """(C,) bool: criteria whose payoff range is zero (up to round-off)."""
    r = payoff.ideal - payoff.nadir
    return ~(r > ZERO_RANGE_REL * np.maximum(1.0, np.abs(payoff.ideal)))


def max_distance(scale: Scale, vertices: list[_Vertex]) -> float:
    z = np.array([scale.z(v.values) for v in vertices])
    return float(np.abs(z - z[0]).max())


# ----------------------------------------------------------------------------- solves


def vertex_of(eng: Engine, res: LpResult) -> _Vertex:
    """Volumes of an LP solution, scored with segments filled in order (SPEC section 3),
    plus the projects' effects at their fractions."""
    volumes = np.maximum(eng.model.volumes(res.x), 0.0)
    if eng.model.n_proj:
        return _Vertex(plan_values(eng, res.x), volumes, plan_fractions(eng, res.x))
    return _Vertex(score_volumes(eng.instance, volumes), volumes, res=res)


def evened(eng: Engine, v: _Vertex) -> _Vertex:
    """The vertex moved to the one plan of its face (every plan with its criteria
    values) that SPEC section 10 reports: the most even spread per resident, or the
    one closest to the scenario's baseline. Only breakpoints need it: every other
    point of a two-criteria front is a convex combination of two breakpoints."""
    if v.res is None or eng.model.n_proj:
        return v
    res = even_plan(eng, v.res, method=False, max_free=eng.tuning.many_max_free)
    if res is v.res:
        return replace(v, res=None)  # marks a vertex left as the solver gave it
    volumes = np.maximum(eng.model.volumes(res.x), 0.0)
    return _Vertex(score_volumes(eng.instance, volumes), volumes, res=res)


def lexicographic_end(eng: Engine, order: list[int]) -> _Vertex:
    """An end of the front: `Engine.lexicographic_end`, shared with the payoff table."""
    return vertex_of(eng, eng.lexicographic_end(order))


def weighted_vertex(eng: Engine, scale: Scale, w: np.ndarray) -> _Vertex:
    """max w . z(f): the constant nadir term drops out, the cost on f_c is w_c / r_c."""
    return vertex_of(eng, eng.run(eng.cost_vector(w / scale.range)))


# ----------------------------------------------------------------------------- two criteria


def two_criteria(
    eng: Engine, ends: list[_Vertex], scale: Scale, points: int, x: int, y: int
) -> list[FrontPoint]:
    found = dichotomic(eng, ends[y], ends[x], scale, x, y)
    corners = [evened(eng, v) for v in extreme_points(found, scale, x, y)]
    made = spaced_points(eng.instance, corners, scale, points)
    with_rates = rates_along(made, x, y)
    return mark_knee(with_rates, scale, ends, np.zeros(len(scale.range), dtype=bool))


def dichotomic(
    eng: Engine, left: _Vertex, right: _Vertex, scale: Scale, x: int, y: int
) -> list[_Vertex]:
    """Every efficient extreme point between `left` (max y) and `right` (max x), sorted by x.

    An explicit stack, not recursion: a front can have many breakpoints.
    """
    C = len(eng.criteria)
    found = [left, right]
    stack = [(left, right)]
    while stack:
        a, b = stack.pop()
        za, zb = scale.z(a.values), scale.z(b.values)
        w = np.zeros(C)
        w[x], w[y] = za[y] - zb[y], zb[x] - za[x]
        if w[x] <= TOL_SAME or w[y] <= TOL_SAME:
            continue  # a and b are (numerically) one point
        # Unit weights: on a short segment the solver's optimality tolerance would
        # otherwise be large against the objective.
        w /= w.sum()
        p = weighted_vertex(eng, scale, w)
        if w @ (scale.z(p.values) - za) > TOL_BEYOND:
            found.append(p)
            stack += [(a, p), (p, b)]
    return sorted(found, key=lambda v: float(v.values[x]))


def extreme_points(found: list[_Vertex], scale: Scale, x: int, y: int) -> list[_Vertex]:
    """Drop duplicates and points on the segment joining their neighbours (sorted by x)."""
    pts = [found[0]]
    for v in found[1:]:
        if np.abs(scale.z(v.values) - scale.z(pts[-1].values)).max() > TOL_SAME:
            pts.append(v)
    changed = True
    while changed and len(pts) > 2:
        changed = False
        for i in range(1, len(pts) - 1):
            a, p, b = (scale.z(v.values)[[x, y]] for v in (pts[i - 1], pts[i], pts[i + 1]))
            d, e = b - a, p - a
            if abs(d[0] * e[1] - d[1] * e[0]) / max(float(np.hypot(*d)), 1e-300) <= TOL_BEYOND:
                del pts[i]
                changed = True
                break
    return pts


def spaced_points(
    instance: Instance, corners: list[_Vertex], scale: Scale, points: int
) -> list[FrontPoint]:
    """The breakpoints plus `points` points evenly spaced by normalized arc length."""
    z = np.array([scale.z(v.values) for v in corners])
    seg = np.linalg.norm(np.diff(z, axis=0), axis=1)
    at = np.concatenate([[0.0], np.cumsum(seg)])  # arc position of each breakpoint
    length = float(at[-1])
    # (arc position, edge, fraction); breakpoints are (position, i, 0).
    where = [(float(at[i]), i, 0.0) for i in range(len(corners))]
    for k in range(points):
        s = length * k / (points - 1)
        if np.min(np.abs(at - s)) <= TOL_SAME * max(1.0, length):
            continue  # an evenly spaced point that is a breakpoint
        i = int(np.clip(np.searchsorted(at, s, side="right") - 1, 0, len(seg) - 1))
        where.append((s, i, (s - float(at[i])) / float(seg[i])))
    out = []
    for _s, i, t in sorted(where):
        if t == 0.0:
            v = corners[i]
            vol, values, corner = v.volumes, v.values, True
            even = v.res is not None
        else:
            vol = (1.0 - t) * corners[i].volumes + t * corners[i + 1].volumes
            values, corner = score_volumes(instance, vol), False
            even = corners[i].res is not None and corners[i + 1].res is not None
        out.append(FrontPoint(values=values, allocated_mln=allocated(instance, vol),
                              volumes=vol, is_breakpoint=corner, even=even))  # fmt: skip
    return out


def allocated(
    instance: Instance, volumes: np.ndarray, fractions: np.ndarray | None = None
) -> float:
    """Budget cost of cell volumes, plus the projects' at their fractions."""
    money = float((volumes * instance.budget_cost[None, :]).sum())
    if fractions is not None and instance.projects is not None:
        money += float(instance.projects.clean(fractions) @ instance.projects.cost)
    return money


def rates_along(pts: list[FrontPoint], x: int, y: int) -> list[FrontPoint]:
    """rate_prev / rate_next: -(dy / dx) to the previous / next point of the list."""
    rates = [chord_rate(a, b, x, y) for a, b in itertools.pairwise(pts)]
    return [
        replace(p, rate_prev=rates[i - 1] if i > 0 else None,
                rate_next=rates[i] if i < len(rates) else None)
        for i, p in enumerate(pts)
    ]  # fmt: skip


def chord_rate(a: FrontPoint, b: FrontPoint, x: int, y: int) -> float | None:
    dx = float(b.values[x] - a.values[x])
    if abs(dx) <= 1e-12 * max(1.0, abs(float(a.values[x]))):
        return None
    return -float(b.values[y] - a.values[y]) / dx + 0.0


# ----------------------------------------------------------------------------- three or more


@dataclass(frozen=True)
class Grid:
    """AUGMECON2's grid: the primary criterion, the constrained ones (`order[0]` the
    innermost loop), their levels and steps from the nadir."""

    primary: int
    order: list[int]
    levels: list[int]
    nadir: np.ndarray
    step: np.ndarray


def augmecon2(
    eng: Engine,
    ends: list[_Vertex],
    scale: Scale,
    flat: np.ndarray,
    points: int,
    x: int,
    y: int,
) -> list[FrontPoint]:
    """AUGMECON2 on a grid of `points` levels per constrained criterion (module docstring)."""
    grid = augmecon2_grid(len(eng.criteria), scale, flat, points, x, y)
    found = grid_sweep(eng, ends, scale, grid)
    found = purified(eng, dedupe(found, scale), scale, keep={id(v) for v in ends})
    return grid_points(eng, dedupe(found, scale), ends, scale, flat, grid, x)


def augmecon2_grid(C: int, scale: Scale, flat: np.ndarray, points: int, x: int, y: int) -> Grid:
    primary = y if not flat[y] else next(c for c in range(C) if not flat[c])
    others = [c for c in range(C) if c != primary]
    inner = x if x != primary else others[0]
    order = [inner] + [c for c in others if c != inner]  # order[0] is the innermost loop
    levels = [1 if flat[k] else points for k in order]
    step = np.where(flat, 0.0, scale.range) / (points - 1)
    return Grid(primary, order, levels, scale.nadir, step)


def grid_sweep(eng: Engine, ends: list[_Vertex], scale: Scale, grid: Grid) -> list[_Vertex]:
    """One solve per grid cell, `max f_p / r_p + eps sum_k 10^-k s_k / r_k` s.t.
    `f_k - s_k = e_k`, on one extension whose bounds move; the inner loop skips the
    levels its slack shows to be reached already (the bypass), and stops at the
    first infeasible level (every higher one is infeasible too)."""
    C, K = len(eng.criteria), len(grid.order)
    order, nadir, step = grid.order, grid.nadir, grid.step
    ext = criteria_rows(eng.model, np.eye(C)[order], nadir[order], nadir[order],
                        [f"eps_{eng.criteria[k]}" for k in order], -np.eye(K), K,
                        np.zeros(K), np.full(K, INF))  # fmt: skip
    cost = np.zeros(eng.model.n_cols + K)
    cost[: eng.model.n_cols] = eng.cost_vector(np.eye(C)[grid.primary] / scale.range[grid.primary])
    cost[eng.model.n_cols :] = EPS_AUG * 10.0 ** -np.arange(K) / scale.range[order]
    inner = order[0]
    found: list[_Vertex] = list(ends)
    with eng.extended(ext) as sweep:
        for outer in itertools.product(*(range(n) for n in grid.levels[1:])):
            i = 0
            while i < grid.levels[0]:
                e = nadir[order] + np.array([i, *outer]) * step[order]
                try:
                    res = sweep.run(cost, bounds={j: (e[j], e[j]) for j in range(K)})
                except InfeasibleError:
                    break
                found.append(vertex_of(eng, res))
                slack = float(res.x[eng.model.n_cols])
                jump = math.floor(slack / step[inner] + 1e-9) if step[inner] > 0 else 0
                i += 1 + max(jump, 0)
    return found


def grid_points(
    eng: Engine,
    unique: list[_Vertex],
    ends: list[_Vertex],
    scale: Scale,
    flat: np.ndarray,
    grid: Grid,
    x: int,
) -> list[FrontPoint]:
    """The distinct points, ordered slice by slice of the outer levels, with the
    trade-off rates along each slice and the knee."""
    slices = [slice_key(v, scale, grid.step, grid.levels, grid.order) for v in unique]
    order = sorted(range(len(unique)), key=lambda j: (slices[j], float(unique[j].values[x])))
    end_ids = {id(v) for v in ends}
    # every point of the grid is an LP optimum of its own: each gets the plan of its face
    even = [evened(eng, unique[j]) for j in order]
    pts = [FrontPoint(values=v.values, allocated_mln=allocated(eng.instance, v.volumes),
                      volumes=v.volumes, is_breakpoint=id(unique[j]) in end_ids,
                      even=v.res is not None)
           for j, v in zip(order, even, strict=True)]  # fmt: skip
    keys = [slices[j] for j in order]
    out: list[FrontPoint] = []
    for _key, group in itertools.groupby(zip(keys, pts, strict=True), key=lambda kp: kp[0]):
        out += rates_along([p for _k, p in group], x, grid.primary)
    return mark_knee(out, scale, ends, flat)


class Improver:
    """max sum_c s_c / r_c  s.t.  f_c - s_c >= v_c, s_c >= 0: the best gain over v.

    One extension for any number of outcomes v; only its bounds move. The optimum
    is efficient (every criterion has a positive weight) and at least as good as
    v everywhere; it is infeasible when nothing reaches v.
    """

    def __init__(self, rows: Extended, scale: Scale) -> None:
        self.rows, self.scale = rows, scale
        self.cost = np.append(np.zeros(rows.engine.model.n_cols), 1.0 / scale.range)

    def __call__(self, values: np.ndarray) -> _Vertex | None:
        try:
            res = self.rows.run(
                self.cost, bounds={j: (float(v), INF) for j, v in enumerate(values)}
            )
        except InfeasibleError:
            return None
        return vertex_of(self.rows.engine, res)


@contextmanager
def improving(eng: Engine, scale: Scale) -> Iterator[Improver]:
    """An `Improver` with its rows loaded for as many outcomes as the block asks."""
    C = len(eng.criteria)
    ext = criteria_rows(eng.model, np.eye(C), scale.nadir, np.full(C, INF),
                        [f"reach_{c}" for c in eng.criteria], -np.eye(C), C)  # fmt: skip
    with eng.extended(ext) as rows:
        yield Improver(rows, scale)


def purified(eng: Engine, found: list[_Vertex], scale: Scale, keep: set[int]) -> list[_Vertex]:
    """Each point replaced by the best point that dominates it (those whose id is in `keep`,
    the lexicographic ends, are efficient already).

    AUGMECON2's augmentation weighs slack by EPS_AUG * 10^-j, which can fall
    under the solver's optimality tolerance (1e-7): a grid point can then be
    dominated by ~1e-5 of a range. One solve with unit weights per distinct
    point removes that. The point's own volumes reach its values, so the floor
    is feasible; the answer is taken if it is no worse anywhere than the solver's
    primal tolerance allows.
    """
    out = []
    with improving(eng, scale) as improve:
        for v in found:
            if id(v) in keep:
                out.append(v)
                continue
            better = improve(v.values)
            slack = PURIFY_REL * np.maximum(1.0, np.abs(v.values))
            out.append(better if better is not None and np.all(better.values >= v.values - slack)
                       else v)  # fmt: skip
    return out


def dedupe(found: list[_Vertex], scale: Scale) -> list[_Vertex]:
    """First of each group of points within TOL_SAME (normalized); the ends come first."""
    kept: list[_Vertex] = []
    zs: list[np.ndarray] = []
    for v in found:
        z = scale.z(v.values)
        if all(np.abs(z - k).max() > TOL_SAME for k in zs):
            kept.append(v)
            zs.append(z)
    return kept


def slice_key(
    v: _Vertex, scale: Scale, step: np.ndarray, levels: list[int], grid: list[int]
) -> tuple[int, ...]:
    """The grid level a point reaches in each outer criterion (all but the innermost)."""
    key = []
    for k, n in zip(grid[1:], levels[1:], strict=True):
        level = 0 if step[k] <= 0 else math.floor((v.values[k] - scale.nadir[k]) / step[k] + 1e-9)
        key.append(int(np.clip(level, 0, n - 1)))
    return tuple(key)


# ----------------------------------------------------------------------------- degenerate fronts


def single_point(eng: Engine, ends: list[_Vertex], x: int) -> list[FrontPoint]:
    instance = eng.instance
    v = evened(eng, ends[x])
    return [FrontPoint(values=v.values, allocated_mln=allocated(instance, v.volumes, v.fractions),
                       volumes=v.volumes, is_breakpoint=True, fractions=v.fractions,
                       even=v.res is not None or eng.model.n_proj > 0)]  # fmt: skip


def project_points(
    eng: Engine, ends: list[_Vertex], payoff: Payoff, scale: Scale, flat: np.ndarray,
    points: int, x: int, y: int,
) -> tuple[list[FrontPoint], str, GridFallback | None]:  # fmt: skip
    """The front of an instance with projects (`projects_front`): every nondominated
    point where that is a finite list, each marked a breakpoint, with `is_supported`;
    the grid used instead when the list would need too many cells."""
    found, method, grid = mip_front(eng, payoff, flat, points, x, y)
    values = np.array([v for v, _ in found])
    hull = supported(values, scale.range)
    pts = []
    for (v, res), on_hull in zip(found, hull, strict=True):
        vert = vertex_of(eng, res)
        pts.append(FrontPoint(values=v, allocated_mln=allocated(eng.instance, vert.volumes,
                                                                 vert.fractions),
                              volumes=vert.volumes, is_breakpoint=True, fractions=vert.fractions,
                              is_supported=bool(on_hull)))  # fmt: skip
    if len(eng.criteria) == 2:
        pts = rates_along(pts, x, y)
    pts = mark_knee(pts, scale, ends, flat)
    return pts, method, grid


# ----------------------------------------------------------------------------- knee


def mark_knee(
    pts: list[FrontPoint], scale: Scale, ends: list[_Vertex], flat: np.ndarray
) -> list[FrontPoint]:
    """Mark the point farthest beyond the hyperplane through the ends (normalized space).

    The hyperplane n . z = 1 passes through the normalized payoff rows of the
    criteria with a non-zero range; where those rows are degenerate it falls back
    to the plane through the unit points (n = 1).
    """
    if len(pts) < 3:
        return pts
    dims = np.flatnonzero(~flat)
    if len(dims) < 2:
        return pts
    E = np.array([scale.z(ends[c].values)[dims] for c in dims])
    try:
        n = np.linalg.solve(E, np.ones(len(dims)))
    except np.linalg.LinAlgError:
        n = np.ones(len(dims))
    if not np.all(np.isfinite(n)) or np.linalg.norm(n) == 0:
        n = np.ones(len(dims))
    side = 1.0 if n.sum() - 1.0 >= 0 else -1.0  # the ideal point's side
    Z = np.array([scale.z(p.values)[dims] for p in pts])
    d = side * (Z @ n - 1.0) / np.linalg.norm(n)
    best = float(d.max())
    if best <= TOL_KNEE:
        return pts
    ties = [i for i in range(len(pts)) if d[i] >= best - TOL_KNEE]
    pick = next((i for i in ties if pts[i].is_breakpoint), ties[0])
    return [replace(p, is_knee=i == pick) for i, p in enumerate(pts)]


# ----------------------------------------------------------------------------- actual spend


def actual_position(
    eng: Engine, values: np.ndarray, payoff: Payoff | None = None
) -> ActualPosition:
    """Is the outcome `values` dominated by a feasible allocation of the scenario?

    One LP, exact for any number of criteria (see `Improver`):

        max  sum_c s_c / r_c   s.t.  f_c - s_c >= v_c,  s_c >= 0

    Infeasible: nothing is at least as good on every criterion, so not dominated.
    An optimum above TOL_DOMINATED: dominated, by the (efficient) optimum found.
    `payoff` (e.g. `front.payoff`) normalizes the gains; computed when not given.
    """
    C = len(eng.criteria)
    values = np.asarray(values, float)
    if payoff is None:
        rows = [lexicographic_end(eng, [c] + [d for d in range(C) if d != c]).values
                for c in range(C)]  # fmt: skip
        payoff = Payoff(eng.criteria, np.array(rows))
    flat = zero_range(payoff)
    scale = Scale(payoff.nadir, np.where(flat, 1.0, payoff.ideal - payoff.nadir))
    with improving(eng, scale) as improve:
        better = improve(values)
    if better is None or float(((better.values - values) / scale.range).sum()) <= TOL_DOMINATED:
        return ActualPosition(values, False, None)
    return ActualPosition(values, True, better.values)
