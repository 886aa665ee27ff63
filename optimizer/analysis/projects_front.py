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
the method lists them all, with 2k + 1 mixed-integer solves for k points (the way
three or more criteria use it; two criteria walk the box below).

**Two criteria, exact mode: a walk from both ends.** With quanta the loop above is
run from both ends of the front at once, inside a *box* of what is still unknown. In
quantum units (`X = f1/q1`, `Y = f2/q2`, integers), the box `[xlo, xhi] x [ylo, yhi]`
keeps three invariants:

    (I1) every plan with Y >= ylo has X <= xhi;
    (I2) every plan with X >= xlo has Y <= yhi;
    (I3) every nondominated point not yet found lies in the box.

It starts as `X, Y` in [the sum of the negative effects, the payoff's ideal], where all
three hold. The *x side* walks from the x end (points by falling X) and owns `xhi` and
`ylo`; the *y side* walks from the y end (points by falling Y) and owns `yhi`, `xlo`.
Each step reads the box once and makes one of two solves with rows for its own two
bounds only (the x side's are written here; the y side's swap X and Y):

- *combined*: `max a X + Y` s.t. `Y >= ylo`, `X <= xhi`, with `a = Ymax - ylo + 1`
  (`Ymax`: the ideal). Where `Y >= ylo`, Y spans less than `a`, so one unit of X
  outweighs any difference in Y: the optimum `p` is the lexicographic maximum (X
  first, then Y) of the plans with `Y >= ylo` (all have `X <= xhi` by (I1)). If `p`
  lies in the box it is the box's lexicographic maximum, and nondominated: a plan
  dominating it has Y >= Y_p >= ylo, so it would be lexicographically larger. Every other
  unfound point w has X_w < X_p (X_w > X_p contradicts the maximum; X_w = X_p with
  Y_w < Y_p is dominated by p) and so Y_w > Y_p. Setting `xhi = X_p - 1`,
  `ylo = Y_p + 1` keeps (I1) (a plan with Y >= Y_p + 1 and X >= X_p would be
  lexicographically larger) and (I3). If `p` lies past the box (`X_p < xlo`; by (I2)
  `Y_p > yhi` cannot happen with `X_p >= xlo`), no plan is left in the box (each
  would be lexicographically larger than p) and by (I3) every point is found; so
  too when the solve is infeasible. Used while `a |X| + |Y|` stays below Tuning.combined_max
  units (1e9: integers exact in doubles, half a unit far above round-off); beyond
  it, two solves (max X, then max Y with X fixed at its maximum).
- *guess*: `max Y` s.t. `X = xhi`, `Y >= ylo`. By (I1) no plan with Y >= ylo has a
  larger X, so a plan found is the lexicographic maximum, handled as above (it lies
  in the box: `X = xhi >= xlo`, and (I2)).
  Infeasible: no plan with Y >= ylo has X = xhi, so `xhi` falls by one and (I1)
  still holds. Along a dense stretch of the front (X falls by one from point to
  point, as on most of a generated instance's x half) a guess finds the point at
  once, where the combined search first climbs through plans one X unit at a time
  (250 generated projects: 0.17-0.2 s a point against 0.27-0.32 s; on the hardest
  stretch 11 s against 25 s for 35 points); a miss costs two to four hits. Each
  side guesses while the expected cost is lower (`Side`).
- before either, the box read empty (`xlo > xhi` or `ylo > yhi`): by (I3) every point
  is found.

The other side's bounds are not rows: in a narrow box, rows on all four sides made
the last solves where the sides meet several times slower (a search for plans in a
small window), while without them the solve that steps past the box is as cheap as
any other.

A side only tightens its own two bounds, under a lock, so a snapshot read by the
other side stays a valid box (its bounds were true statements about the set of
plans when read, and stay true). Both sides may find the same point where they
meet; duplicates are removed. With Tuning.front_threads = 2 and a session that forks
(`Feature.FORK`: HiGHS), the y side runs on a second session (same model) in its own
thread: highspy releases the GIL while HiGHS solves, so the two ends are solved on two
cores; on one thread the side whose recent points cost less steps next. Every solve's
objective is in whole units and stops once its bound is less than one unit above its
plan (`objective_step`, where the session takes hints): a proven optimum, since no
value lies in between. Each point costs one solve, plus one per missed guess, plus the
two ends found again and one closing solve per side (a point both sides find at once
is found twice).

**Starting plans.** HiGHS spends most of a front solve *finding* the optimum: handed
it as a starting plan, a 250-project solve proves it in a third of the time. Plans of
neighbouring points share most of their projects, so before each solve a side asks
its session for a start near its own last Tuning.near_plans plans (`Side.near`, where
the session supports MIP starts): the same problem with every binary on which those
plans agree fixed at that value, a few dozen binaries left free
(`HighsSession.start_near`). Its best plan, usually the optimum or within a unit or two
of it, is handed to HiGHS, which then proves the optimum of the whole problem. A start
only moves where the search begins; the argument above needs nothing of it. 250
projects: 34.8 s of CPU for the front instead of 53.1 s.

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

import contextvars
import itertools
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field

import numpy as np

from optimizer.domain.results import Payoff
from optimizer.errors import InfeasibleError
from optimizer.lp.engine import Engine, EngineView, Extended
from optimizer.lp.model import INF
from optimizer.lp.qp import dense_max
from optimizer.lp.session import Feature, LpResult, Near
from optimizer.methods.projects import plan_values

# A quantum is searched among 10^-k for k up to this many decimals.
MAX_DECIMALS = 6
# Exact mode with three or more criteria: at most this many outer grid cells.
MAX_EXACT_CELLS = 20_000
MIP_GAP_TOL = 1e-6  # the largest relative gap a proven optimum may carry (lp/highs.py)
TOL_SAME = 1e-9  # relative: points closer than this in every criterion are one point
AVERAGE = 0.3  # weight of the newest value in the walk's running averages of costs
FADE = 0.95  # one thread: the waiting side's cost per point, times this after each step


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
        of each stage's objective values, if they have one (see `hints`)."""
        bounds = {c: (float(floors[c]), INF) for c in range(len(floors))}
        try:
            with hints(self.eng, objective_step=steps[0]):
                first = self.rows.run(self.cost1, True, bounds)
        except InfeasibleError:
            return None
        best = float(self.eng.model.criteria_values(first.x)[self.primary])
        bounds[self.primary] = (max(float(floors[self.primary]), best - hold), INF)
        try:
            with hints(self.eng, objective_step=steps[1]):
                return self.rows.run(self.cost2, True, bounds)
        except InfeasibleError:  # round-off: the first stage's plan is the answer
            return first


@contextmanager
def hints(
    eng: Engine, objective_step: float | None = None, near: Near | None = None
) -> Iterator[None]:
    """Tell the session what a front knows about its next solves (`Session.hinted`),
    each hint only where the session takes it (OPTIONS, MIP_START); restored afterwards.

    - `objective_step`: every plan's objective value is a multiple of this step
      (integer effects, one criterion maximized): its search may then stop as soon as
      its bound is less than one step above the best plan, which is still a proven
      optimum (no value lies in between) and saves most of the branching of a gap-0
      search. None: no such knowledge.
    - `near`: where to search for a starting plan (`HighsSession.start_near`)."""
    session = eng.session
    step = objective_step if session.supports(Feature.OPTIONS) else None
    start = near if session.supports(Feature.MIP_START) else None
    with session.hinted(objective_step=step, near=start):
        yield


@dataclass(frozen=True)
class GridFallback:
    """Every nondominated point would need `cells` grid cells, over MAX_EXACT_CELLS: a
    grid of `levels` levels per criterion is used instead."""

    cells: int
    levels: int


def mip_front(eng: Engine, payoff: Payoff, flat: np.ndarray, points: int, x: int, y: int
              ) -> tuple[list[tuple[np.ndarray, LpResult]], str, GridFallback | None]:  # fmt: skip
    """Every nondominated point (exact mode) or a grid of them: (values, solve) pairs,
    the method's name, and the grid used when every point would need too many cells."""
    C = len(eng.criteria)
    q = exact_quanta(eng)
    rng = np.where(flat, 1.0, payoff.ideal - payoff.nadir)
    # the loop's step on y: half a quantum (exact) or the grid step
    step = q / 2.0 if q is not None else rng / max(points - 1, 1)
    hold = q[x] / 2.0 if q is not None else 1e-9 * max(1.0, abs(float(payoff.ideal[x])))
    outer = [c for c in range(C) if c not in (x, y) and not flat[c]]
    grid = None
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
        grid = GridFallback(cells, points)
        levels = [np.linspace(payoff.nadir[c], payoff.ideal[c], points) for c in outer]
        q = None
        step = rng / max(points - 1, 1)
    method = "epsilon-exact" if q is not None else "epsilon-grid"
    # second stage: y first, then the other criteria (normalized, tiny weight)
    w2 = np.full(C, 1e-3) / rng
    w2[y] = 1.0 / rng[y]
    w2[x] = 0.0
    if q is not None and C == 2:
        return dedupe(walk_front(eng, payoff, q, x, y), x), method, grid
    # stage 1 maximizes f_x (multiples of q_x in exact mode): its search may stop one
    # quantum short of its bound
    steps: tuple[float | None, float | None] = (float(q[x]) if q is not None else None, None)
    found: list[tuple[np.ndarray, LpResult]] = []
    ext = eng.floors({c: -INF for c in range(C)})
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
    return dedupe(found, x), method, grid


class Box:
    """What is known of the front points not yet found (module docstring, "a walk from
    both ends"): in quantum units, each lies in `lo[c] <= f_c / q_c <= hi[c]`; every
    plan with `f_y >= lo[y]` has `f_x <= hi[x]`, every plan with `f_x >= lo[x]` has
    `f_y <= hi[y]`.
    The side walking from the x end owns `hi[x]` and `lo[y]`, the other side `hi[y]` and
    `lo[x]`; each only tightens its own two, under the lock, so a snapshot stays valid."""

    def __init__(self, lo: dict[int, int], hi: dict[int, int]) -> None:
        self.lo, self.hi = lo, hi
        self.bottom, self.top = dict(lo), dict(hi)  # no plan's value lies outside
        self.done = False
        self.found: list[tuple[np.ndarray, LpResult]] = []
        self.lock = threading.Lock()

    def snapshot(self) -> tuple[dict[int, int], dict[int, int]] | None:
        with self.lock:
            if self.done:
                return None
            lo, hi = dict(self.lo), dict(self.hi)
            if any(lo[c] > hi[c] for c in lo):
                self.done = True  # no room left: every point is found
                return None
            return lo, hi

    def lower(self, c: int, value: int) -> None:
        with self.lock:
            self.hi[c] = min(self.hi[c], value)

    def point(self, side: Side, v: np.ndarray, units: np.ndarray, res: LpResult) -> None:
        f, g = side.first, side.second
        with self.lock:
            self.found.append((v, res))
            self.hi[f] = min(self.hi[f], int(units[f]) - 1)
            self.lo[g] = max(self.lo[g], int(units[g]) + 1)

    def finish(self) -> None:
        with self.lock:
            self.done = True


@dataclass
class Side:
    """One end of the walk: its points come in order of falling `first` (x from the x
    end, y from the y end), and what its solves have cost so far, to choose the next.

    A *guess* fixes `first` at its bound: when a plan reaches the bound it finds the
    next point (a search that finds plans at the right value at once, cheaper than the
    combined objective's on hard instances); when none does, it only proves the bound
    one quantum lower, which costs two to four hits. The side guesses
    when the expected cost `p hit + (1 - p)(miss + solve)` is below a combined solve's,
    with `p` the share of recent points found at the bound (running averages)."""

    first: int
    second: int
    hit_rate: float = 1.0  # recent points at the bound (a guess would have found them)
    cost: dict[str, float] = field(default_factory=dict)  # "hit", "miss", "solve": seconds
    per_point: float = 0.0  # seconds per point found (one thread: the cheaper side steps)
    spent: float = 0.0  # seconds since its last point
    missed: bool = False  # its last solve was a guess that missed: no guess now
    guessing: str = "auto"  # Tuning.guess: "auto" (by expected cost), "always", "never"
    near_plans: int = 16  # Tuning.near_plans: the last plans a start is searched near
    plans: deque[np.ndarray] = field(default_factory=deque)

    def __post_init__(self) -> None:
        self.plans = deque(maxlen=self.near_plans)

    def guess(self) -> bool:
        if self.guessing != "auto":
            return self.guessing == "always"
        if self.missed:
            return False
        p, c = self.hit_rate, self.cost
        if "miss" not in c or "solve" not in c:
            return p >= 0.5
        hit = c.get("hit", c["solve"])
        return p * hit + (1.0 - p) * (c["miss"] + c["solve"]) < c["solve"]

    def near(self, cols: np.ndarray) -> Near | None:
        """Where the next point's plan is likely to be: the integer columns `cols` on
        which this side's last Tuning.near_plans plans agree, fixed at their common value.
        Along a front the plans of nearby points share most of their projects (250
        generated projects: 6-10 of 250 switch from one point to the next), so the
        next optimum, or a plan within a unit or two of it, is usually among the
        few-binary problems left free; HiGHS, handed it, only has to prove it."""
        if len(self.plans) < 2:
            return None
        Z = np.array(self.plans)
        agree = np.all(Z[0] == Z, axis=0)
        return Near(cols[agree], Z[0][agree])

    def learn(self, kind: str, seconds: float, found: bool, at_bound: bool) -> None:
        old = self.cost.get(kind)
        self.cost[kind] = seconds if old is None else old + AVERAGE * (seconds - old)
        self.spent += seconds
        self.missed = kind == "miss"
        if kind == "miss" or found:
            self.hit_rate += AVERAGE * (float(at_bound) - self.hit_rate)
        if found:
            first = self.per_point == 0.0
            self.per_point = (
                self.spent if first else self.per_point + AVERAGE * (self.spent - self.per_point)
            )
            self.spent = 0.0


def walk_front(eng: Engine, payoff: Payoff, q: np.ndarray, x: int, y: int
               ) -> list[tuple[np.ndarray, LpResult]]:  # fmt: skip
    """Exact mode, two criteria: every nondominated point, walked from both ends at once
    (module docstring); on two threads with a second HiGHS session when Tuning.front_threads
    allows, else on one, the cheaper side stepping."""
    pr = eng.instance.projects
    assert pr is not None
    lo = {c: int(np.floor(np.clip(pr.effects[:, c], None, 0.0).sum() / q[c] + 0.5)) for c in (x, y)}
    hi = {c: int(np.floor(float(payoff.ideal[c]) / q[c] + 0.5)) for c in (x, y)}
    box = Box(lo, hi)
    tune = eng.tuning
    sides = (Side(x, y, guessing=tune.guess, near_plans=tune.near_plans),
             Side(y, x, guessing=tune.guess, near_plans=tune.near_plans))  # fmt: skip
    ext = eng.floors({c: -INF for c in range(len(eng.criteria))})
    other = second_engine(eng)
    with front_options(eng), eng.extended(ext) as rows:
        if other is None:
            while not box.done:
                side = min(sides, key=lambda s: s.per_point)
                walk_step(eng, rows, box, side, q)
                # the side left waiting may have grown cheaper: its estimate fades, so
                # it is tried again before long
                sides[side.first == x].per_point *= FADE
            return box.found
        failed: list[BaseException] = []

        def work() -> None:
            try:
                with front_options(other), other.extended(ext) as rows2:
                    while not box.done:
                        walk_step(other, rows2, box, sides[1], q)
            except BaseException as e:  # handed to the calling thread
                failed.append(e)
                box.finish()

        shown = eng.on_solve
        if shown is not None:  # the live count shows both sessions' solves
            other.on_solve = lambda n: shown(eng.solves + n)
            eng.on_solve = lambda n: shown(n + other.solves)
        # the thread speaks the run's language (an error it raises is shown)
        run = contextvars.copy_context().run
        t = threading.Thread(target=run, args=(work,), name="front-y-end", daemon=True)
        t.start()
        try:
            while not box.done:
                walk_step(eng, rows, box, sides[0], q)
        except BaseException:
            # an error or Ctrl-C: not waiting for the other side's solve (a daemon thread
            # on its own session; it stops after that solve, or with the process)
            box.finish()
            eng.on_solve = shown
            raise
        t.join()  # its last solve, begun before the box closed
        eng.on_solve = shown
        eng.solves += other.solves
        eng.seconds += other.seconds
        if failed:
            raise failed[0]
    return box.found


def second_engine(eng: Engine) -> Engine | None:
    """A second session on the same model for the walk's other end (`Engine.fork`), when
    the front may use two threads (Tuning.front_threads) and the session forks (FORK).
    Not for a view of an engine: its solves are counted on the engine that owns the
    session, which the fork's would miss."""
    if eng.tuning.front_threads < 2 or isinstance(eng, EngineView):
        return None
    if not eng.session.supports(Feature.FORK):
        return None
    return eng.fork()


def walk_step(eng: Engine, rows: Extended, box: Box, side: Side, q: np.ndarray) -> None:
    """One solve (two where the combined objective does not fit) of `side`'s walk,
    on a snapshot of the box; the point it finds, or what it proves, goes in the box."""
    t0 = time.thread_time()  # this thread's time: HiGHS solves in it; other work does not count
    kind, found, at_bound = step(eng, rows, box, side, q)
    if kind:
        side.learn(kind, time.thread_time() - t0, found, at_bound)


def step(eng: Engine, rows: Extended, box: Box, side: Side, q: np.ndarray
         ) -> tuple[str, bool, bool]:  # fmt: skip
    """(what was solved: "hit", "miss", "solve" or "" for nothing, whether a point was
    found, whether it lay at the bound on `first`)."""
    known = box.snapshot()
    if known is None:
        return "", False, False
    lo, hi = known
    f, g = side.first, side.second
    C = len(eng.criteria)

    def bounds(f_lo: float, f_hi: float) -> dict[int, tuple[float, float]]:
        """`f` in [f_lo, f_hi], `g >= lo[g]`, in quantum units, each widened by half a
        quantum (round-off). The other side's bounds are not rows: a solve past them
        says the box is empty (module docstring)."""
        return {f: ((f_lo - 0.5) * q[f], (f_hi + 0.5) * q[f]), g: ((lo[g] - 0.5) * q[g], INF)}

    marks = eng.model.integrality
    int_cols = np.flatnonzero(marks) if marks is not None else np.zeros(0, dtype=np.int64)
    near = side.near(int_cols) if side.near_plans else None

    def run(weights: np.ndarray, limits: dict[int, tuple[float, float]]) -> LpResult | None:
        try:
            # every objective below is in whole quanta
            with hints(eng, objective_step=1.0, near=near):
                return rows.run(eng.cost_vector(weights), True, limits)
        except InfeasibleError:
            return None

    only_g = np.eye(C)[g] / q[g]
    kind = "hit" if side.guess() else "solve"
    if kind == "hit":
        # f at its bound: the next point if any plan reaches it, else f's bound falls by one
        res = run(only_g, bounds(hi[f], hi[f]))
        if res is None:
            box.lower(f, hi[f] - 1)
            return "miss", False, False
    else:
        a = box.top[g] - lo[g] + 1  # f_g / q_g spans less than this where g >= lo[g]
        top = a * max(abs(box.bottom[f]), abs(hi[f])) + max(abs(lo[g]), abs(box.top[g]))
        if top <= eng.tuning.combined_max:
            w = np.zeros(C)
            w[f], w[g] = a / q[f], 1.0 / q[g]
            res = run(w, bounds(-INF, hi[f]))
        else:  # two stages: the largest f, then the largest g with it
            first = run(np.eye(C)[f] / q[f], bounds(-INF, hi[f]))
            if first is None:
                res = None
            else:
                best = int(np.round(values_of(eng, first, q)[f] / q[f]))
                res = run(only_g, bounds(best, best)) or first
        if res is None:  # no plan left: every point is found
            box.finish()
            return kind, False, False
    v = values_of(eng, res, q)
    units = np.round(v / q)
    if units[f] < lo[f] or units[g] > hi[g]:
        # the largest plan lies past the other side's bounds: none is left in the box
        box.finish()
        return kind, False, False
    box.point(side, v, units, res)
    side.plans.append(np.round(res.x[int_cols]))
    return kind, True, bool(units[f] == hi[f])


def front_options(eng: Engine) -> AbstractContextManager[None]:
    """The session's lean search for the many small mixed-integer solves of a front
    (`Session.lean_search`), restored afterwards; a session without such options
    (OPTIONS) is left as it is."""
    session = eng.session
    return session.lean_search() if session.supports(Feature.OPTIONS) else nullcontext()


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
    """Is there w >= 0, sum w = 1, with w . (Z_i - Z_j) >= 0 for every j? (a tiny LP:
    max s over w and s with w . (Z_i - Z_j) >= s; yes when s can reach 0)"""
    C = Z.shape[1]
    n, m = C + 1, len(Z) + 1  # columns: w (C), s
    A = np.zeros((m, n))
    A[:-1, :C] = Z[i] - Z
    A[:-1, C] = -1.0
    A[-1, :C] = 1.0
    best = dense_max(
        np.append(np.zeros(C), 1.0), A,
        np.append(np.zeros(len(Z)), 1.0), np.append(np.full(len(Z), INF), 1.0),
        np.append(np.zeros(C), -INF), np.append(np.ones(C), INF),
    )  # fmt: skip
    return best is not None and best >= -1e-9
