"""What one more unit of money or one point of a rule buys: shadow prices in money (issue 6).

For the budget, each instrument limit and each rule bound, `sensitivity_report`
gives the rate at which relaxing it by one unit improves the scenario's
objective and moves each criterion. Units: 1 bn of money (1,000 mln) for the
budget, limits and `*_mln` bounds; one percentage point for `*_share` bounds;
one currency unit per resident for `*_per_capita` bounds. A per-town bound is
relaxed in every selected town at once, which is what changing its one number
in the scenario file does.

- `objective`: the rate read from the LP's duals (the core's `shadow_prices`,
  scaled to the unit). Relaxing an upper bound raises it, a lower bound lowers
  it. A share rule `S - share * A >= 0` relaxed by one point gains `dual * 0.01 * A`
  (the envelope theorem for a matrix coefficient). The budget's is the slope of
  v(B) just above the budget (below: `budget_pieces`), which is its dual wherever
  the dual is unique; at a breakpoint of v(B) the dual is any slope between the
  two sides' (which one depends on the basis, so on the row order and the solver),
  and the entry gives both sides instead (`below`).
- `checked`: the same rate from a re-solve with the bound relaxed by a small
  `delta` (1 mln or 0.1 % of the budget, whichever is less; 0.01 point; 1 currency unit
  per resident; tried again at a tenth and a hundredth of that if the rates differ).
  The method runs again on the engine's own solver session; only row bounds change,
  or for a share the coefficient of `A` in the rule's rows (`changeCoeff` on the
  live HiGHS object, restored afterwards; CBC sessions use the first-order
  right-hand-side form `S - share * A >= -delta * A*` instead).
  `agrees` says whether dual and re-solve give the same rate; they differ only
  where the optimal basis changes within `delta` (a degenerate vertex).
- `criteria`: `(f_c(b + delta) - f_c(b)) / delta` per unit from that re-solve: how
  each criterion moves when the optimal allocation follows the relaxed bound. The
  duals give no per-criterion rate; this is the only way to read one.
- budget `range_mln` (SPEC 14): the budgets over which the budget's rate holds,
  a property of the problem, not of a basis. The scenario's optimal value v(B)
  as a function of the budget (normalizers fixed) is concave (convex for the
  minimizing methods) and piecewise linear, being an LP's optimal value as a
  function of one right-hand side; the range is the piece of v around the
  budget, between its two breakpoints, each found exactly by the supporting-line
  iteration of Eisner and Severance (re-solves on the engine's own session: the
  gain solved where two lines through solved points cross lies on both exactly
  at a breakpoint). A piece also ends at the least budget that has a plan, and
  with spend_all at the most; where more money buys nothing more it has no upper
  end (None). At a breakpoint, `objective` and `range_mln` are the piece above
  (what one more bn buys) and `below` the piece below (what one bn less costs).
  (A basis's ranging, as a solver reports it, is only where that basis stays
  optimal: at a degenerate optimum it depends on which optimal basis the solver
  returned, so on the order of the rows in the files and on the solver.)
- `drop`: for rules and limits, what removing the whole rule gains (objective and
  criteria), and the budget that buys the same gain at the current budget rate.
  The rule whose removal gains most is `most_expensive_rule`.

The scenario's objective is what the method optimizes, with payoff normalizers
held at their values for this scenario (a re-solve does not recompute the payoff
table, so dual and re-solve measure the same function): the weighted sum for
`weighted`, the achievement function for `reference`, the epsilon problem's
primary criterion, the weighted deviation for `goal` and the allocated budget for
`min_budget` (these two minimize; a gain is a decrease). For `lexicographic` it is
the first criterion of `order`, whose dual is read from the first stage's LP and
scaled by `1 - tolerance`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import TYPE_CHECKING

import numpy as np

from optimizer.domain.tables import local_number
from optimizer.errors import InfeasibleError, SolverError
from optimizer.i18n import _
from optimizer.lp.engine import Engine
from optimizer.lp.model import INF, BlockKind, RowBlock, Unit
from optimizer.lp.session import LpResult
from optimizer.methods.describe import describe
from optimizer.methods.scalarize import SCALARIZATIONS, maximizes
from optimizer.methods.solution import shadow_prices

if TYPE_CHECKING:
    from optimizer.domain.results import Solution

# The unit a rate is reported in, per unit the model's rows are written in.
UNIT_SCALE = {"mln": 1000.0, "pp": 1.0, "per_capita": 1.0}
DELTA_PP = 0.01
DELTA_PER_CAPITA = 1.0
# Two rates agree when they differ by less than this share of the larger one ...
RATE_REL_TOL = 1e-4
# ... or by less than the objective's solver round-off spread over delta.
OBJ_REL_TOL = 1e-7
PER_BN = UNIT_SCALE["mln"]
# The budget's pieces: a solved value is on a line when it is within this share of the
# larger of it and the value at the budget (solver round-off) ...
VALUE_REL_TOL = 1e-7
# ... two budgets are one when they are within this share of the scenario's budget ...
BUDGET_REL_TOL = 1e-6
# ... the least or the most budget with a plan is found to this share of it ...
EDGE_REL_TOL = 1e-8
# ... a search for one end takes at most this many solves ...
MAX_STEPS = 100
# ... and looks for its far point this share of the budget away, then ever farther.
FIRST_STEP = 0.02
STEP_GROWTH = 2.0
RANGE_SOURCE = "breakpoints"  # of v(B), found by re-solves: the same for any basis or solver


# ----------------------------------------------------------------------------- the objective


@dataclass(frozen=True)
class Outcome:
    """One re-solve: the scenario objective and the criteria (None if infeasible)."""

    objective: float
    criteria: np.ndarray
    allocated: float


def scenario_objective(eng: Engine, res: LpResult) -> float:
    """The value of the scenario's objective in a method's result (see module docstring)."""
    obj = eng.scenario.objective
    if describe(obj.method).staged:
        return float(eng.criteria_of(res)[eng.criteria.index(obj.order[0])])
    return float(res.objective)


def solve_outcome(v: Engine) -> Outcome | None:
    """Run the scenario's method on a view; None if it is infeasible there."""
    try:
        res = SCALARIZATIONS[v.scenario.objective.method].solve(v)
    except InfeasibleError:
        return None
    return Outcome(scenario_objective(v, res), v.criteria_of(res), float(res.x[v.model.col_A]))


def objective_lp(v: Engine) -> tuple[LpResult, float]:
    """The LP whose duals price the scenario objective, solved last on the session
    (the duals are read from it), and the factor from its optimum to the objective."""
    obj = v.scenario.objective
    if describe(obj.method).staged:
        first = np.eye(len(v.criteria))[v.criteria.index(obj.order[0])]
        return v.run(v.cost_vector(first), True), 1.0 - obj.tolerance
    return SCALARIZATIONS[obj.method].solve(v), 1.0


# ----------------------------------------------------------------------------- results


class Depth(StrEnum):
    """How much re-solving the report does.

    - quick (the command line's default): rates from the duals, each checked by one
      re-solve at a small step; the budget's rate and range from the breakpoints of
      v(B) (a few warm re-solves per end). Its cost is one warm re-solve per budget,
      limit and rule bound, and those of the breakpoints.
    - full: as quick, and a disagreeing check is tried again at a tenth and a
      hundredth of the step; what dropping each rule or limit gains (one re-solve
      each, far from the optimum's basis), and so the most expensive rule.
    """

    quick = "quick"
    full = "full"


@dataclass(frozen=True)
class Drop:
    """What removing a whole rule or limit gains (None where the scenario would then be
    infeasible, which relaxing cannot cause but round-off could)."""

    objective: float | None
    criteria: dict[str, float] | None
    budget_equivalent_bn: float | None  # the budget that buys the same gain at the budget rate


@dataclass(frozen=True)
class Rates:
    """One re-solve with a bound relaxed by `delta` (in the model's unit)."""

    checked: float | None  # objective rate per reported unit
    agrees: bool  # with the dual's rate
    criteria: dict[str, float] | None  # per-criterion rates per reported unit
    delta: float


@dataclass(frozen=True)
class Piece:
    """Budgets over which the scenario's optimal value is linear in the budget, and the
    rate (per bn) at which it moves there: between two breakpoints of v(B), or up to
    the least (or, with spend_all, the most) budget that has a plan."""

    rate: float
    low_mln: float
    high_mln: float | None  # None: every larger budget (more money buys nothing more)


@dataclass(frozen=True)
class ConstraintRate:
    """The budget, a limit or one bound of a rule: its rates per unit (module docstring)."""

    name: str
    kind: BlockKind
    bound: str
    value: float  # as in the scenario file
    unit: Unit  # the model's unit; rates are per bn for Unit.mln
    binding: bool
    objective: float  # rate from the duals
    rates: Rates
    range_mln: tuple[float, float | None] | None = None  # budget; None above: unbounded
    range_source: str | None = None
    # budget: where the scenario's budget is a breakpoint of v(B), the rate one bn less
    # costs and the budgets it holds for (`objective` and `range_mln`: one bn more)
    below: Piece | None = None
    drop: Drop | None = None  # rules and limits


@dataclass(frozen=True)
class MostExpensive:
    """The rule or limit whose removal gains most."""

    name: str
    kind: BlockKind
    drop: Drop


@dataclass(frozen=True)
class SensitivityReport:
    """Shadow prices in money per criterion, checked by re-solves."""

    method: str
    maximize: bool
    value: float  # the scenario objective
    normalizers: dict[str, float] | None  # held fixed (weighted, reference, goal)
    allocated_mln: float
    criteria: dict[str, float]
    constraints: tuple[ConstraintRate, ...]
    most_expensive_rule: MostExpensive | None
    solves: int
    seconds: float
    depth: Depth = Depth.full


# ----------------------------------------------------------------------------- relaxing a block


def row_steps(eng: Engine, block: RowBlock, A0: float, coefficient_form: bool) -> np.ndarray:
    """How far each row bound of `block` moves per unit of relaxation (always >= 0).

    Shares: zero when the coefficient of A is changed instead (HiGHS), else the
    first-order `0.01 * A*` per point."""
    n = block.stop - block.start
    if block.unit == "pp":
        return np.zeros(n) if coefficient_form else np.full(n, 0.01 * A0)
    if block.unit == "per_capita":
        assert block.towns is not None
        return eng.instance.population[block.towns] / 1e6
    return np.ones(n)


@contextmanager
def relaxed(eng: Engine, block: RowBlock, units: float, A0: float) -> Iterator[Engine]:
    """A view of `eng` with `block` relaxed by `units` of its unit (`inf`: dropped).

    Budget: the scenario's budget rises. Shares on HiGHS: the coefficient of A in
    the block's rows changes in place and is restored on exit."""
    m = eng.model
    if block.kind == "budget":
        with eng.at_budget(eng.scenario.budget_mln + units) as v:
            yield v
        return
    rows = np.arange(block.start, block.stop)
    if math.isinf(units):
        yield eng.view(overrides={int(r): (-INF, INF) for r in rows})
        return
    coefficient_form = block.unit == "pp"
    steps = row_steps(eng, block, A0, coefficient_form) * units
    overrides = {}
    for r, s in zip(rows, steps, strict=True):
        lb, ub = float(m.row_lb[r]), float(m.row_ub[r])
        overrides[int(r)] = (lb - s, ub) if block.is_lower else (lb, ub + s)
    if not coefficient_form:
        yield eng.view(overrides=overrides)
        return
    share = block.value
    new = share - units / 100 if block.is_lower else share + units / 100
    with eng.coefficients({(int(r), m.col_A): -new for r in rows}):
        yield eng.view(overrides=overrides)


# ----------------------------------------------------------------------------- the report


@dataclass(frozen=True)
class Context:
    """What every entry of the report needs: the nominal outcome and the scales."""

    eng: Engine
    base: Outcome
    sense: float  # +1 maximize, -1 minimize: gain = sense * (new - old)
    A0: float
    depth: Depth = Depth.full
    origin: Point | None = None  # the gain at the budget, from the LP the duals price

    def gain(self, o: Outcome) -> float:
        return self.sense * (o.objective - self.base.objective)

    def obj_tol(self) -> float:
        return OBJ_REL_TOL * max(1.0, abs(self.base.objective))

    def clean(self, change: np.ndarray) -> np.ndarray:
        """Criterion changes with solver round-off set to zero."""
        tol = OBJ_REL_TOL * np.maximum(1.0, np.abs(self.base.criteria))
        return np.where(np.abs(change) <= tol, 0.0, change)

    def criteria_dict(self, values: np.ndarray) -> dict[str, float]:
        return {c: float(v) + 0.0 for c, v in zip(self.eng.criteria, values, strict=True)}


def delta_for(ctx: Context, block: RowBlock) -> float:
    """The re-solve's step, in the block's own unit (mln, pp, currency per resident)."""
    if block.unit == "pp":
        return DELTA_PP
    if block.unit == "per_capita":
        return DELTA_PER_CAPITA
    return min(1.0, 1e-3 * max(1.0, ctx.eng.scenario.budget_mln))


def block_name(eng: Engine, block: RowBlock) -> str:
    """The name a person knows the constraint by (as in the core's shadow prices)."""
    if block.kind != "rule":
        return block.label
    rule = next(r for r in eng.scenario.rules if r.label == block.label)
    return f"{block.label} ({block.bound})" if len(rule.bounds) > 1 else block.label


def check_block(ctx: Context, block: RowBlock, dual_rate: float) -> Rates:
    """Re-solve with the block relaxed by delta: objective and per-criterion rates.

    If the re-solve's rate differs from the dual's, the step may have crossed a
    basis change; it is tried again at a tenth and a hundredth of delta, and the
    smallest step's rates are reported."""
    delta = delta_for(ctx, block)
    shrinks = (1.0, 0.1, 0.01) if ctx.depth is Depth.full else (1.0,)
    for shrink in shrinks:
        result = resolve_rates(ctx, block, delta * shrink, dual_rate)
        if result.agrees:
            break
    return result


def resolve_rates(ctx: Context, block: RowBlock, delta: float, dual_rate: float) -> Rates:
    scale = UNIT_SCALE[block.unit]
    with relaxed(ctx.eng, block, delta, ctx.A0) as v:
        o = solve_outcome(v)
    if o is None:  # relaxing never removes solutions; only round-off could get here
        return Rates(None, False, None, delta)
    gain = ctx.gain(o)
    checked = 0.0 if abs(gain) <= ctx.obj_tol() else gain / delta * scale
    crit = ctx.clean(o.criteria - ctx.base.criteria) / delta * scale
    tol = RATE_REL_TOL * max(abs(checked), abs(dual_rate)) + ctx.obj_tol() / delta * scale
    return Rates(checked + 0.0, bool(abs(checked - dual_rate) <= tol), ctx.criteria_dict(crit),
                 delta)  # fmt: skip


def drop_block_group(ctx: Context, blocks: list[RowBlock], budget_rate_bn: float) -> Drop:
    """What removing every bound of a rule (or a limit) gains."""
    eng = ctx.eng
    overrides = {int(r): (-INF, INF) for b in blocks for r in range(b.start, b.stop)}
    o = solve_outcome(eng.view(overrides=overrides))
    if o is None:
        return Drop(None, None, None)
    gain = ctx.gain(o)
    gain = 0.0 if abs(gain) <= ctx.obj_tol() else gain
    equivalent = gain / budget_rate_bn if budget_rate_bn > 1e-12 and gain > 0 else None
    return Drop(gain + 0.0, ctx.criteria_dict(ctx.clean(o.criteria - ctx.base.criteria)),
                equivalent)  # fmt: skip


# ----------------------------------------------------------------------------- the budget's pieces


@dataclass(frozen=True)
class Point:
    """The optimal value at one budget as a gain (`sense * value`) and the slope, per
    mln, of a line through it that no budget's gain lies above (a supergradient of the
    concave gain: the budget row's dual)."""

    budget: float
    gain: float
    slope: float
    allocated: float  # what the plan at this budget spends

    def line(self, at: float) -> float:
        return self.gain + self.slope * (at - self.budget)


@dataclass(frozen=True)
class Side:
    """The piece next to the scenario's budget on one side: its slope per mln, its end,
    and whether the budget itself is a breakpoint on this side."""

    slope: float
    end: float
    kink: bool


def gain_at(ctx: Context, budget: float) -> Point | None:
    """The scenario's objective at `budget` with its normalizers kept, re-solved on the
    engine's own session from the last basis (only the budget row moves, so the warm
    dual simplex takes few steps); None where it has no plan."""
    with ctx.eng.at_budget(budget) as v:
        try:
            res, factor = objective_lp(replace(v, raw=True))
        except InfeasibleError:
            return None
    return point_of(ctx.eng, budget, res, ctx.sense * factor)


def point_of(eng: Engine, budget: float, res: LpResult, scale: float) -> Point:
    """The point of the gain an `objective_lp` result gives (`scale`: the sense times
    the factor from that LP's optimum to the scenario's objective)."""
    m = eng.model
    return Point(budget, scale * res.objective, scale * float(res.row_dual[m.budget_row]),
                 float(res.x[m.col_A]))  # fmt: skip


def gain_inside(ctx: Context, budget: float) -> Point:
    """`gain_at` between two budgets that have a plan: the budgets with a plan form an
    interval, so a solver that finds none there is in numerical trouble."""
    p = gain_at(ctx, budget)
    if p is None:
        raise SolverError(
            _("no plan at a budget of {amount} mln, between budgets that have one "
              "(numerical trouble)").format(amount=local_number(f"{budget:,.3f}"))
        )  # fmt: skip
    return p


def on_line(base: Point, p: Point, scale: float) -> bool:
    """Whether the gain at `p` is on the line `base` to round-off: within
    `VALUE_REL_TOL` of the larger of `scale` (the gain's size at the budget) and the
    gain itself. Concavity puts it on or below the line; only below counts."""
    return p.gain >= base.line(p.budget) - VALUE_REL_TOL * max(scale, abs(p.gain))


def meet(a: Point, b: Point) -> float | None:
    """Where the lines through `a` and `b` cross (None: parallel)."""
    ds = a.slope - b.slope
    return None if ds == 0.0 else a.budget + (b.line(a.budget) - a.gain) / ds


def crossing(
    ctx: Context, base: Point, inner: float, outer: Point, scale: float, btol: float
) -> tuple[float, Point]:
    """Where the gain leaves the line `base` between `inner` (on it) and `outer` (below
    it): Eisner and Severance's supporting-line iteration.

    The gain is concave, so the line through any solved point (`outer`) lies on or
    above it, and `base`'s piece ends at or before the budget where the two lines
    cross. The gain is solved there: on `base` (`on_line`), it is on both lines,
    so it is linear along each on either side and the crossing is the end; below,
    that point is the new `outer`, nearer and on a nearer piece's line. A piecewise
    linear gain ends this in as many steps as pieces are passed; should round-off
    stall it, a bisection on "the gain is on `base`" finishes to `btol`.

    Returns the end and the solved point whose line is the piece after it."""
    way = math.copysign(1.0, outer.budget - base.budget)
    for _step in range(MAX_STEPS):
        x = meet(base, outer)
        if x is not None and way * (x - inner) <= 0.01 * btol:
            # outer's line passes through the last budget on base (or, to round-off,
            # just short of it: the crossing is then the better end)
            return (x if way * (x - base.budget) > 0.0 else base.budget), outer
        crosses = x is not None and way * (outer.budget - x) > 0.01 * btol
        at = x if crosses and x is not None else 0.5 * (inner + outer.budget)
        p = gain_inside(ctx, at)
        if on_line(base, p, scale):
            if crosses:
                return at, outer
            inner = at
        else:
            outer = p
        if way * (outer.budget - inner) <= btol:
            break
    return 0.5 * (inner + outer.budget), outer


def piece_end(
    ctx: Context, base: Point, toward: float, scale: float, btol: float
) -> tuple[float, Point | None]:
    """Where the gain leaves the line `base` (through the scenario's budget), going
    toward the budget `toward` (nought, or the money that buys every cell whole).

    The far point of the iteration is found by steps from the budget, each
    `STEP_GROWTH` times the last (the first `FIRST_STEP` of the budget), up to
    `toward`: the first solved budget below `base`. Warm re-solves after a short move
    of the budget take few simplex steps; on a big model one from far away costs
    nearly a solve from scratch. Where a step finds no plan, the budgets halfway
    between the last with a plan and the first without are tried until one lies
    below `base` (the far point) or the two meet within `EDGE_REL_TOL` of the budget:
    the piece ends where the plans do. Going down, a plan that spends less than its
    budget has a plan at every budget down to what it spends, with the same gain (the
    budget binds no more), so the search moves there at once.

    Returns the end and the solved point beyond it whose line is the next piece's
    (None: the gain is on `base` up to the end, where the budgets with a plan end,
    or `toward`)."""
    way = math.copysign(1.0, toward - base.budget)
    edge = EDGE_REL_TOL * max(1.0, abs(base.budget))
    step = FIRST_STEP * max(abs(base.budget), btol)
    inner, outside = base.budget, None  # on `base` with a plan; the nearest without one
    at = inner + way * step
    while True:
        if way * (at - toward) >= 0.0:
            at = toward
        p = gain_at(ctx, at)
        if p is not None and not on_line(base, p, scale):
            return crossing(ctx, base, inner, p, scale, btol)
        # going down, still looking for a budget without a plan
        spends_less = outside is None and p is not None and way < 0.0 and p.allocated < at - edge
        if p is None:
            outside = at
        else:
            inner = max(p.allocated, toward) if spends_less else at
        if inner == toward:
            return toward, None
        if outside is not None and abs(outside - inner) <= edge:
            return inner, None
        if outside is not None:
            at = 0.5 * (inner + outside)
        elif spends_less:
            at = inner + way * edge  # a budget just below what the plan spends
        else:
            step *= STEP_GROWTH
            at = inner + way * step


def side(ctx: Context, origin: Point, toward: float, scale: float, btol: float) -> Side:
    """The piece next to the scenario's budget toward `toward`. The budget's dual is
    its slope unless the budget is a breakpoint, where the dual can be any slope
    between the two sides' (which one depends on the basis); the dual's line then ends
    at the budget at once, and the side's own slope is that of the piece beyond."""
    end, beyond = piece_end(ctx, origin, toward, scale, btol)
    if beyond is None or abs(end - origin.budget) > btol:
        return Side(origin.slope, end, False)
    end, _ = piece_end(ctx, replace(origin, slope=beyond.slope), toward, scale, btol)
    return Side(beyond.slope, end, True)


def budget_pieces(ctx: Context) -> tuple[Piece, Piece | None]:
    """The piece of v(B) that holds above the scenario's budget (what one more unit of
    money buys) and, where the budget is itself a breakpoint, the piece below it.

    Each end is a breakpoint of v, the least budget with a plan (below), the most
    with spend_all (above; at that budget the piece below is the only one), or none
    (None: more money buys nothing more). Every solve runs on the engine's session and
    moves only the budget: one at the budget, one at each far point, a few per end."""
    eng = ctx.eng
    B = eng.scenario.budget_mln
    btol = BUDGET_REL_TOL * max(1.0, abs(B))
    origin = ctx.origin if ctx.origin is not None else gain_at(ctx, B)
    if origin is None:  # solved at B a moment ago; only round-off gets here
        raise InfeasibleError(
            _("scenario {name} is infeasible").format(name=repr(eng.scenario.name))
        )
    # Above the money that buys every cell whole no plan spends more.
    top = max(B, float(eng.instance.effective_capacity().sum(axis=0) @ eng.instance.budget_cost))
    # The gain's size at the budget, for round-off (`on_line`): its value, or what the
    # budget is worth at its rate where the value is nought.
    scale = max(abs(origin.gain), abs(origin.slope) * max(abs(B), btol))
    tol = VALUE_REL_TOL * scale
    below = side(ctx, origin, 0.0, scale, btol) if btol < B else None
    above: Side | None = None
    if top - B > btol:
        above = side(ctx, origin, top, scale, btol)
        if above.end - B <= btol and not above.kink:
            above = None  # spend_all at the most it can spend: no plan above
        elif (
            not eng.scenario.spend_all
            and above.end >= top - btol
            and abs(above.slope) * (top - B) <= tol
        ):  # more money buys nothing more
            above = replace(above, end=math.inf)
    elif not eng.scenario.spend_all:  # the budget buys every cell whole
        rises = below is not None and below.slope * (B - below.end) > tol
        above = Side(0.0, math.inf, rises)
    if above is None:
        if below is None:  # a single budget has a plan
            return Piece(origin.slope * PER_BN + 0.0, B, B), None
        return Piece(below.slope * PER_BN + 0.0, below.end, B), None
    kink = above.kink or (below is not None and below.kink)
    start = below.end if below is not None and not kink else B
    piece = Piece(above.slope * PER_BN + 0.0, start, None if math.isinf(above.end) else above.end)
    if below is None or not kink:
        return piece, None
    return piece, Piece(below.slope * PER_BN + 0.0, below.end, B)


def sensitivity_report(eng: Engine, sol: Solution, depth: Depth | None = None) -> SensitivityReport:
    """Shadow prices in money per criterion, checked by re-solves (module docstring).

    Call with the engine that produced `sol` (after `optimize_engine(eng)`); it
    re-solves on that engine's session (row bounds and coefficients are restored;
    `sol` is not touched). One entry per budget, limit and rule bound, in model
    order; the budget adds the range of budgets over which its rate holds, rules
    and limits what dropping them gains.
    """
    depth = Depth.full if depth is None else Depth(depth)
    t0 = time.perf_counter()
    solves0 = eng.solves
    method = eng.scenario.objective.method
    maximize = maximizes(method)
    eng.payoff()  # cached by the solve; normalizers stay fixed from here on
    nominal = eng.view()
    res, factor = objective_lp(replace(nominal, raw=True))
    duals = shadow_prices(nominal, res, maximize)
    base = solve_outcome(nominal)
    if base is None:
        raise InfeasibleError(
            _("scenario {name} is infeasible").format(name=repr(eng.scenario.name))
        )
    sense = 1.0 if maximize else -1.0
    origin = point_of(eng, eng.scenario.budget_mln, res, sense * factor)
    ctx = Context(eng, base, sense, base.allocated, depth, origin)
    blocks = [b for b in eng.model.blocks if b.kind != "alloc"]
    entries = [
        constraint_rate(ctx, block, sp.value * factor * UNIT_SCALE[block.unit], sp.binding)
        for block, sp in zip(blocks, duals, strict=True)
    ]
    most = None
    if depth is Depth.full:  # one re-solve per rule, each far from the optimum's basis
        entries, most = with_drops(ctx, blocks, entries)
    return SensitivityReport(
        method=str(method),
        maximize=maximize,
        value=base.objective,
        normalizers=(
            dict(zip(eng.criteria, map(float, eng.normalizers()), strict=True))
            if describe(method).normalized
            else None
        ),
        allocated_mln=base.allocated,
        criteria=dict(sol.objectives),
        constraints=tuple(entries),
        most_expensive_rule=most,
        solves=eng.solves - solves0,
        seconds=round(time.perf_counter() - t0, 6),
        depth=depth,
    )


def constraint_rate(ctx: Context, block: RowBlock, rate: float, binding: bool) -> ConstraintRate:
    """One block's rate, checked by a re-solve. The budget's is the slope of v(B) above
    the budget and holds over that piece (`budget_pieces`), not the dual: at a
    breakpoint the dual is any slope between the two sides', whichever the basis gives."""
    spend_all = block.kind == "budget" and block.bound == "eq"
    piece = below = None
    if block.kind == "budget":
        piece, below = budget_pieces(ctx)
        rate = piece.rate
    entry = ConstraintRate(
        name=block_name(ctx.eng, block),
        kind=block.kind,
        bound="spend_all" if spend_all else block.bound,
        value=block.value,
        unit=block.unit,
        binding=binding,
        objective=rate + 0.0,
        rates=check_block(ctx, block, rate),
    )
    if piece is None:
        return entry
    return replace(entry, range_mln=(piece.low_mln, piece.high_mln), range_source=RANGE_SOURCE,
                   below=below)  # fmt: skip


def with_drops(
    ctx: Context, blocks: list[RowBlock], entries: list[ConstraintRate]
) -> tuple[list[ConstraintRate], MostExpensive | None]:
    """Each rule and limit with what dropping it (all its bounds) gains, and the most
    expensive of them."""
    budget_rate_bn = next((e.objective for e in entries if e.kind == "budget"), 0.0)
    groups: dict[tuple[str, str], list[int]] = {}
    for i, block in enumerate(blocks):
        if block.kind in ("rule", "limit"):
            groups.setdefault((block.kind, block.label), []).append(i)
    most: MostExpensive | None = None
    out = list(entries)
    for (kind, label), members in groups.items():
        drop = drop_block_group(ctx, [blocks[i] for i in members], budget_rate_bn)
        for i in members:
            out[i] = replace(out[i], drop=drop)
        gain = drop.objective
        if gain is not None and gain > 0 and (most is None or gain > (most.drop.objective or 0)):
            most = MostExpensive(label, BlockKind(kind), drop)
    return out, most
