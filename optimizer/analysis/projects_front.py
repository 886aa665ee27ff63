"""The exact efficient front of an instance with projects (SPEC section 12).

With projects funded all or nothing the problem is a mixed-integer program and its
front is a set of points, most of them *unsupported* (no weighted sum finds them),
so the dichotomic search of the LP front does not apply. The front is built by a
**lexicographic epsilon-constraint** method instead. Write `f1` for the x axis
(jobs) and `f2` for the y axis (population), and `L` for a floor on `f2`:

    P(L):  first   f1* = max f1       s.t. f2 >= L              (and the scenario)
           then    f2* = max f2       s.t. f1 >= f1* - q1/2, f2 >= L

`(f1*, f2*)` is nondominated: a plan at least as good on both criteria would meet
both problems' rows and so tie. Starting from `L = -inf`, the next floor is
`L = f2* + q2/2`, and the loop ends when P(L) is infeasible.

**Why it is exact.** When no cell can contribute to a criterion (zero capacity or
zero coefficients) and every project is all or nothing, a criterion's value is a
sum of project effects, so it is a multiple of the effects' *quantum* `q`: 1 when
they are integers, `10^-k` when they are written with at most k decimals (k <= 6:
data with k decimals is integer data in units of 10^-k). Two plans with different
f2 then differ by at least q2, so the floor `f2* + q2/2` excludes exactly the plans
with f2 <= f2* and keeps every plan with a larger f2; likewise `f1 >= f1* - q1/2`
is `f1 >= f1*`. Half a quantum is far above the solver's tolerances (1e-6
relative), so round-off cannot skip or repeat a point. Every nondominated point
(supported or not) is the answer of P(L) for L just above its predecessor's f2:
the method lists them all, with 2k + 1 mixed-integer solves for k points.

**One solve per point (two criteria, exact mode).** The two stages are one problem
with the combined objective `a * f1/q1 + f2/q2`, `a = (hi2 - max(L, lo2))/q2 + 1`
(rounded down, then + 1), where `[lo2, hi2]` holds every value f2 can take (the sum
of the negative effects; the payoff's ideal). Its values are integers; over the plans
with `f2 >= L`, f2/q2 spans less than `a`, so one quantum of f1 outweighs any
difference in f2 and the optimum is P(L)'s lexicographic optimum: k + 1 solves for k
points. Each solve also caps `f1 <= f1(previous) - q1/2` (valid: a plan with a larger
f2 than the previous point has a smaller f1, or that point was not lexicographically
best), which tightens the relaxation. Used while the objective's values stay below
COMBINED_MAX units (1e9: exact in doubles, half a unit far above round-off), else the
two stages. Every solve stops once its bound is less than one unit above its plan
(`objective_step`): a proven optimum, since no value lies in between.

**Otherwise** (a cell can contribute, a project is divisible or semi-continuous,
or the effects have no quantum) the front has continuous pieces and no finite
list of points is "all of them". The same loop then steps the floor by at least
`(ideal_2 - nadir_2) / (points - 1)`: every point returned is nondominated, and
consecutive points are at least one step apart in f2. The method is reported as
`epsilon-grid` instead of `epsilon-exact`.

**Three or more criteria.** The primary criterion (x) is maximized with floors on
the others: an outer grid over every criterion but x and y, and the loop above
over y inside it (AUGMECON2's bypass: a solve whose y exceeds the floor skips the
floors it exceeds). With quanta, the outer grid steps by the quantum, which makes
the front exact (every value a criterion can take is a level); the second stage
maximizes the sum of the normalized other criteria with x held, so every point is
nondominated. When that grid would exceed MAX_EXACT_CELLS cells, it falls back to
`points` levels per criterion and says so.

`is_supported`: the point lies on the boundary of the convex hull of the front,
i.e. some nonnegative weighting of the (normalized) criteria is maximized there.
`is_breakpoint` is true for every point: each one is a vertex of the front.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

from optimizer.domain.results import Payoff
from optimizer.errors import InfeasibleError
from optimizer.lp.engine import Engine, Extended
from optimizer.lp.model import INF
from optimizer.lp.session import LpResult
from optimizer.methods.projects import plan_fractions, plan_values

# A quantum is searched among 10^-k for k up to this many decimals.
MAX_DECIMALS = 6
# Exact mode with three or more criteria: at most this many outer grid cells.
MAX_EXACT_CELLS = 20_000
MIP_GAP_TOL = 1e-6  # the largest relative gap a proven optimum may carry (lp/highs.py)
TOL_SAME = 1e-9  # relative: points closer than this in every criterion are one point
# Exact mode, two criteria: the one-solve objective (`combined_loop`) is used while its
# values (integers) stay below this many units, far inside doubles' exact integers
# (2^53) and with half a unit far above HiGHS's round-off on them; above it, two stages.
COMBINED_MAX = 1e9
# HiGHS options for a front's solves, measured with `python -m bench.projects`
# (bench/results.md): on these small knapsack-like MIPs (tens to hundreds of binaries,
# a few rows) HiGHS's sub-MIP heuristics (RINS, RENS) and root restarts took most of
# each solve (0.08 of 0.11 s); without them the whole front takes 2.5-4x less time.
# They only change how the search looks for plans, never what it proves.
FRONT_OPTIONS = {"mip_heuristic_run_rins": False, "mip_heuristic_run_rens": False,
                 "mip_allow_restart": False}  # fmt: skip


def quantum(effects: np.ndarray) -> float | None:
    """The largest 10^-k (k <= MAX_DECIMALS) of which every value is a multiple, or None."""
    for k in range(MAX_DECIMALS + 1):
        scaled = np.asarray(effects, dtype=float) * 10.0**k
        if np.all(np.abs(scaled - np.round(scaled)) <= 1e-9 * np.maximum(1.0, np.abs(scaled))):
            return 10.0**-k
    return None


def exact_quanta(eng: Engine) -> np.ndarray | None:
    """(C,) each criterion's quantum when the front is a finite set of points that the
    method can list exactly (see the module docstring), else None."""
    m, pr = eng.model, eng.instance.projects
    if pr is None or not pr.all_or_nothing:
        return None
    cells = m.F[:, : m.n_x]
    if np.any((cells != 0) & (m.col_ub[: m.n_x] > 0)[None, :]):
        return None  # a cell can contribute: continuous pieces
    q = [quantum(pr.effects[:, c]) for c in range(len(m.criteria))]
    if any(v is None for v in q):
        return None
    # Half a quantum must exceed the solver's relative tolerance (MIP_GAP_TOL) times the
    # largest value a criterion can take, or round-off could skip a value.
    top = np.clip(pr.effects, 0.0, None).sum(axis=0)
    if np.any(np.array(q) / 2.0 <= MIP_GAP_TOL * np.maximum(1.0, top)):
        return None
    return np.array(q, dtype=float)


def values_of(eng: Engine, res: LpResult, q: np.ndarray | None) -> np.ndarray:
    """Criteria of a solve; in exact mode rounded to their quantum (removing round-off)."""
    v = plan_values(eng, res.x)
    return v if q is None else np.round(v / q) * q


class Stepper:
    """The two-stage solve P(floors) on one loaded extension: a row per criterion
    (`f_c` in [lb, inf)), whose bounds are moved in place between solves."""

    def __init__(self, rows: Extended, eng: Engine, primary: int, weights2: np.ndarray) -> None:
        self.rows, self.eng, self.primary = rows, eng, primary
        C = len(eng.criteria)
        self.cost1 = eng.cost_vector(np.eye(C)[primary])
        self.cost2 = eng.cost_vector(weights2)

    def solve(
        self, floors: np.ndarray, hold: float, steps: tuple[float | None, float | None]
    ) -> LpResult | None:
        """max f_primary s.t. f >= floors; then max weights2 . f with f_primary held at
        its best less `hold`. None when the floors are infeasible. `steps`: the quantum
        of each stage's objective values, if they have one (see `objective_step`)."""
        bounds = {c: (float(floors[c]), INF) for c in range(len(floors))}
        try:
            with objective_step(self.eng, steps[0]):
                first = self.rows.run(self.cost1, True, bounds)
        except InfeasibleError:
            return None
        best = float(self.eng.model.criteria_values(first.x)[self.primary])
        bounds[self.primary] = (max(float(floors[self.primary]), best - hold), INF)
        try:
            with objective_step(self.eng, steps[1]):
                return self.rows.run(self.cost2, True, bounds)
        except InfeasibleError:  # round-off: the first stage's plan is the answer
            return first


@contextmanager
def objective_step(eng: Engine, step: float | None) -> Iterator[None]:
    """Tell a HiGHS session that every plan's objective value is a multiple of `step`
    (integer effects, one criterion maximized): its search may then stop as soon as its
    bound is less than one step above the best plan, which is still a proven optimum
    (no value lies in between) and saves most of the branching of a gap-0 search."""
    session = eng.session
    if not hasattr(session, "objective_step"):
        yield
        return
    saved = session.objective_step
    session.objective_step = step
    try:
        yield
    finally:
        session.objective_step = saved


def mip_front(eng: Engine, payoff: Payoff, flat: np.ndarray, points: int, x: int, y: int
              ) -> tuple[list[tuple[np.ndarray, LpResult]], str, str | None]:  # fmt: skip
    """Every nondominated point (exact mode) or a grid of them: (values, solve) pairs,
    the method's name, and a note when the grid is not exhaustive."""
    C = len(eng.criteria)
    q = exact_quanta(eng)
    rng = np.where(flat, 1.0, payoff.ideal - payoff.nadir)
    # the loop's step on y: half a quantum (exact) or the grid step
    step = q / 2.0 if q is not None else rng / max(points - 1, 1)
    hold = q[x] / 2.0 if q is not None else 1e-9 * max(1.0, abs(float(payoff.ideal[x])))
    outer = [c for c in range(C) if c not in (x, y) and not flat[c]]
    note = None
    levels: list[np.ndarray] = []
    for c in outer:
        lo, hi = float(payoff.nadir[c]), float(payoff.ideal[c])
        if q is not None:
            n = int(np.floor((hi - lo) / q[c] + 0.5)) + 1
            levels.append(lo + q[c] * np.arange(n) - q[c] / 2.0)
        else:
            levels.append(np.linspace(lo, hi, points) - 1e-9 * max(1.0, abs(hi)))
    cells = int(np.prod([len(v) for v in levels])) if levels else 1
    if q is not None and cells > MAX_EXACT_CELLS:
        note = (f"{cells:,} grid cells would be needed for every point; a grid of {points} "
                "levels per criterion is used instead")  # fmt: skip
        levels = [np.linspace(payoff.nadir[c], payoff.ideal[c], points) for c in outer]
        q = None
        step = rng / max(points - 1, 1)
    method = "epsilon-exact" if q is not None else "epsilon-grid"
    # second stage: y first, then the other criteria (normalized, tiny weight)
    w2 = np.full(C, 1e-3) / rng
    w2[y] = 1.0 / rng[y]
    w2[x] = 0.0
    steps: tuple[float | None, float | None] = (None, None)
    if q is not None:
        # stage 1 maximizes f_x (multiples of q_x); with two criteria stage 2 is f_y alone
        # (multiples of q_y), so both searches may stop one quantum short of their bound
        if C == 2:
            w2 = np.eye(C)[y]
        steps = (float(q[x]), float(q[y]) if C == 2 else None)
    found: list[tuple[np.ndarray, LpResult]] = []
    ext = eng.floors({c: -INF for c in range(C)})
    if q is not None and C == 2 and combined_fits(eng, payoff, q, x, y):
        with front_options(eng), eng.extended(ext) as rows:
            found = combined_loop(eng, rows, payoff, q, x, y)
        return dedupe(found, x), method, note
    with front_options(eng), eng.extended(ext) as rows:
        stepper = Stepper(rows, eng, x, w2)
        for combo in itertools.product(*levels) if levels else [()]:
            floors = np.full(C, -INF)
            for c, v in zip(outer, combo, strict=True):
                floors[c] = v
            while True:
                res = stepper.solve(floors, hold, steps)
                if res is None:
                    break
                v = values_of(eng, res, q)
                found.append((v, res))
                top = float(payoff.ideal[y])
                if q is not None:
                    if v[y] >= top - q[y] / 2.0:
                        break  # y at its best: no larger value exists
                    floors[y] = v[y] + q[y] / 2.0
                else:
                    near = 1e-7 * max(1.0, abs(top))
                    if v[y] >= top - near:
                        break
                    # the grid step, but never past the y end, so the end is listed
                    floors[y] = min(v[y] + step[y], top - near)
    return dedupe(found, x), method, note


def y_range(eng: Engine, payoff: Payoff, q: np.ndarray, y: int) -> tuple[float, float]:
    """The least and the largest value f_y can take (exact mode: a sum of project
    effects, at least the sum of the negative ones, at most the payoff's ideal)."""
    pr = eng.instance.projects
    assert pr is not None
    lo = float(np.clip(pr.effects[:, y], None, 0.0).sum())
    hi = float(np.round(payoff.ideal[y] / q[y]) * q[y])
    return lo, hi


def combined_fits(eng: Engine, payoff: Payoff, q: np.ndarray, x: int, y: int) -> bool:
    """Whether the one-solve objective's values stay within COMBINED_MAX units."""
    pr = eng.instance.projects
    assert pr is not None
    lo, hi = y_range(eng, payoff, q, y)
    a = np.floor((hi - lo) / q[y] + 0.5) + 1
    top = a * np.abs(pr.effects[:, x]).sum() / q[x] + np.abs(pr.effects[:, y]).sum() / q[y]
    return bool(top <= COMBINED_MAX)


def combined_loop(eng: Engine, rows: Extended, payoff: Payoff, q: np.ndarray, x: int, y: int
                  ) -> list[tuple[np.ndarray, LpResult]]:  # fmt: skip
    """Exact mode, two criteria: one solve per point (see the module docstring).

    P'(L, U):  max  a * f_x / q_x + f_y / q_y   s.t.  f_y >= L,  f_x <= U

    with a = (hi_y - max(L, lo_y)) / q_y + 1 (rounded down, then + 1). Every value is
    an integer (multiples of the quanta), and over plans with f_y >= L the term
    f_y / q_y spans less than `a`, so one quantum more of f_x outweighs any difference
    in f_y: the optimum is the lexicographic optimum (f_x first, then f_y) of P(L).
    The cap U = f_x(previous) - q_x / 2 is valid: a plan with f_y above the previous
    point's has f_x below the previous point's (else that point was not a
    lexicographic optimum), so it cuts no plan the solve can return, only the
    relaxation's bound, which then meets the next point sooner."""
    lo, hi = y_range(eng, payoff, q, y)
    floor_y, cap_x = -INF, INF
    found: list[tuple[np.ndarray, LpResult]] = []
    while True:
        a = float(np.floor((hi - max(floor_y, lo)) / q[y] + 0.5) + 1)
        w = np.zeros(len(eng.criteria))
        w[x], w[y] = a / q[x], 1.0 / q[y]
        try:
            with objective_step(eng, 1.0):
                res = rows.run(eng.cost_vector(w), True, {x: (-INF, cap_x), y: (floor_y, INF)})
        except InfeasibleError:
            break
        v = values_of(eng, res, q)
        found.append((v, res))
        if v[y] >= hi - q[y] / 2.0:
            break  # y at its best: no larger value exists
        floor_y, cap_x = float(v[y] + q[y] / 2.0), float(v[x] - q[x] / 2.0)
    return found


@contextmanager
def front_options(eng: Engine) -> Iterator[None]:
    """HiGHS options for the many small mixed-integer solves of a front (FRONT_OPTIONS),
    restored afterwards; other sessions (CBC) are left as they are."""
    session = eng.session
    if not hasattr(session, "set_options"):
        yield
        return
    saved = session.set_options(FRONT_OPTIONS)
    try:
        yield
    finally:
        session.set_options(saved)


def dedupe(found: list[tuple[np.ndarray, LpResult]], x: int) -> list[tuple[np.ndarray, LpResult]]:
    """Distinct nondominated points, sorted by x (ties by the other criteria)."""
    out: list[tuple[np.ndarray, LpResult]] = []
    for v, r in sorted(found, key=lambda vr: tuple(vr[0][[x]]) + tuple(vr[0])):
        tol = TOL_SAME * np.maximum(1.0, np.abs(v))
        if any(np.all(np.abs(v - w) <= tol) for w, _ in out):
            continue
        out.append((v, r))
    # grid floors can return a point another floor's point dominates (3+ criteria)
    keep = []
    for i, (v, r) in enumerate(out):
        tol = 1e-9 * np.maximum(1.0, np.abs(v))
        dominated = any(
            np.all(w >= v - tol) and np.any(w > v + tol) for j, (w, _) in enumerate(out) if j != i
        )
        if not dominated:
            keep.append((v, r))
    return keep


def supported(values: np.ndarray, scale_range: np.ndarray) -> np.ndarray:
    """(N,) whether each point maximizes some nonnegative weighting of the normalized
    criteria over the front (lies on its convex hull's upper boundary). Two criteria:
    the upper hull by a monotone chain; three or more: one small LP per point."""
    Z = values / scale_range
    n = len(Z)
    if n <= 2:
        return np.ones(n, dtype=bool)
    if Z.shape[1] == 2:
        return hull_2d(Z)
    return np.array([weight_exists(Z, i) for i in range(n)])


def hull_2d(Z: np.ndarray) -> np.ndarray:
    """Points on the upper-right hull of a 2-D nondominated set (sorted by x, y falling)."""
    order = np.argsort(Z[:, 0])
    P = Z[order]
    hull: list[int] = []
    for i in range(len(P)):
        while len(hull) >= 2:
            a, b = P[hull[-2]], P[hull[-1]]
            cross = (b[0] - a[0]) * (P[i][1] - a[1]) - (b[1] - a[1]) * (P[i][0] - a[0])
            if cross >= -1e-12:  # b lies on or below the chord a-i: not a hull vertex
                hull.pop()
            else:
                break
        hull.append(i)
    on = np.zeros(len(P), dtype=bool)
    on[hull] = True
    # points on a hull edge (between two vertices, on the chord) are supported too
    for k in range(len(hull) - 1):
        a, b = P[hull[k]], P[hull[k + 1]]
        for i in range(hull[k] + 1, hull[k + 1]):
            cross = (b[0] - a[0]) * (P[i][1] - a[1]) - (b[1] - a[1]) * (P[i][0] - a[0])
            on[i] = abs(cross) <= 1e-12 * max(1.0, float(np.abs(P).max()))
    out = np.zeros(len(P), dtype=bool)
    out[order] = on
    return out


def weight_exists(Z: np.ndarray, i: int) -> bool:
    """Is there w >= 0, sum w = 1, with w . (Z_i - Z_j) >= 0 for every j? (a tiny LP)"""
    import highspy

    from optimizer.lp.highs import quiet_highs

    C = Z.shape[1]
    h = quiet_highs()
    D = Z[i] - Z  # (N, C): rows w . D_j >= s
    # columns: w (C), s ; maximize s
    lp = highspy.HighsLp()
    n, m = C + 1, len(Z) + 1
    lp.num_col_, lp.num_row_ = n, m
    lp.col_cost_ = np.append(np.zeros(C), 1.0)
    lp.col_lower_ = np.append(np.zeros(C), -INF)
    lp.col_upper_ = np.append(np.ones(C), INF)
    A = np.zeros((m, n))
    A[:-1, :C] = D
    A[:-1, C] = -1.0
    A[-1, :C] = 1.0
    lp.row_lower_ = np.append(np.zeros(len(Z)), 1.0)
    lp.row_upper_ = np.append(np.full(len(Z), INF), 1.0)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.start_ = np.arange(0, m * n + 1, n, dtype=np.int32)
    lp.a_matrix_.index_ = np.tile(np.arange(n, dtype=np.int32), m)
    lp.a_matrix_.value_ = A.ravel()
    lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = n, m
    lp.sense_ = highspy.ObjSense.kMaximize
    h.passModel(lp)
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return False
    return float(h.getObjectiveValue()) >= -1e-9


def fractions_of(eng: Engine, res: LpResult) -> np.ndarray | None:
    return plan_fractions(eng, res.x)
