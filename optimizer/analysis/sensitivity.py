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
  (the envelope theorem for a matrix coefficient).
- `checked`: the same rate from a re-solve with the bound relaxed by a small
  `delta` (1 mln or 0.1 % of the budget, whichever is less; 0.01 point; 1 currency unit
  per resident; tried again at a tenth and a hundredth of that if the rates differ). The method runs again on the engine's own solver session; only row
  bounds change, or for a share the coefficient of `A` in the rule's rows
  (`changeCoeff` on the live HiGHS object, restored afterwards; CBC sessions use the
  first-order right-hand-side form `S - share * A >= -delta * A*` instead).
  `agrees` says whether dual and re-solve give the same rate; they differ only
  where the optimal basis changes within `delta` (a degenerate vertex).
- `criteria`: `(f_c(b + delta) - f_c(b)) / delta` per unit from that re-solve: how
  each criterion moves when the optimal allocation follows the relaxed bound. The
  duals give no per-criterion rate; this is the only way to read one.
- budget `range_mln`: the budgets over which the objective rate holds. With HiGHS
  and a single final LP this is HiGHS's ranging of the budget row (the budgets
  over which the optimal basis stays optimal), confirmed by a re-solve at each
  finite end; otherwise, or if that check fails, it is found by bisection on
  re-solves (the optimal value is concave in the budget, so the points where the
  rate still holds form an interval around the budget).
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

from optimizer.errors import InfeasibleError
from optimizer.i18n import _
from optimizer.lp.engine import Engine
from optimizer.lp.model import INF, BlockKind, RowBlock, Unit
from optimizer.lp.session import LpResult
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
    if obj.method == "lexicographic":
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
    (so HiGHS ranging reads it), and the factor from its optimum to the objective."""
    obj = v.scenario.objective
    if obj.method == "lexicographic":
        first = np.eye(len(v.criteria))[v.criteria.index(obj.order[0])]
        return v.run(v.cost_vector(first), True), 1.0 - obj.tolerance
    return SCALARIZATIONS[obj.method].solve(v), 1.0


# ----------------------------------------------------------------------------- results


class Depth(StrEnum):
    """How much re-solving the report does.

    - quick (the command line's default): rates from the duals, each checked by one
      re-solve at a small step; the budget's range from the solver's ranging of the
      final LP (no re-solves). Its cost is one warm re-solve per budget, limit and
      rule bound, whatever the instance's size.
    - full: as quick, and a disagreeing check is tried again at a tenth and a
      hundredth of the step; the budget's range is confirmed by re-solves at its
      ends and pushed out by bisection where the rate holds beyond the basis; what
      dropping each rule or limit gains (one re-solve each, far from the optimum's
      basis), and so the most expensive rule.
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


def budget_range(
    ctx: Context, rate_mln: float, ranging: tuple[float, float] | None
) -> tuple[tuple[float, float | None] | None, str]:
    """Budgets over which the objective rate per million holds (see module docstring).

    HiGHS's ranging gives the budgets over which the basis stays optimal; at a
    degenerate vertex the rate can hold beyond them, so each end is probed just
    outside and, if the rate still holds there, pushed out by bisection."""
    B = ctx.eng.scenario.budget_mln
    inst = ctx.eng.instance
    if ctx.depth is Depth.quick:
        return quick_range(B, ranging)
    # Beyond the budget cost of every cell's full capacity more money changes nothing.
    top = max(B, float(inst.effective_capacity().sum(axis=0) @ inst.budget_cost)) + 1.0
    eps = 1e-6 * max(1.0, B)

    def holds(budget: float) -> bool:
        with ctx.eng.at_budget(budget) as v:
            o = solve_outcome(v)
        if o is None:
            return False
        want = rate_mln * (budget - B)
        return abs(ctx.gain(o) - want) <= ctx.obj_tol() + 1e-9 * abs(want)

    def extend(inner: float, outer: float) -> float:
        """The last budget between `inner` (where the rate holds) and `outer` where it holds."""
        if abs(outer - inner) <= eps:
            return inner
        probe = inner + math.copysign(eps, outer - inner)
        if not holds(probe):
            return inner
        inner = probe
        if holds(outer):
            return outer
        while abs(outer - inner) > 1e-5 * max(1.0, B):
            mid = 0.5 * (inner + outer)
            inner, outer = (mid, outer) if holds(mid) else (inner, mid)
        return inner

    lo_in = hi_in = B
    source = "bisection"
    if ranging is not None:
        lo, hi = max(ranging[0], 0.0), min(ranging[1], top)
        if lo <= B <= hi and holds(lo) and holds(hi):
            lo_in, hi_in, source = lo, hi, "highs-ranging"
    lo, hi = extend(lo_in, 0.0), extend(hi_in, top)
    if source == "highs-ranging" and (lo, hi) != (lo_in, hi_in):
        source = "highs-ranging, extended by bisection"
    return (lo, None if hi >= top else hi), source


def quick_range(
    B: float, ranging: tuple[float, float] | None
) -> tuple[tuple[float, float | None] | None, str]:
    """The solver's ranging as it stands: the budgets over which the optimal basis
    stays optimal, so over which the rate certainly holds (it may hold further at a
    degenerate vertex; `--sensitivity full` finds how far by re-solves)."""
    if ranging is None or not (
        ranging[0] <= B + 1e-9 * max(1.0, B) and ranging[1] * (1 + 1e-9) + 1e-9 >= B
    ):
        return None, "not computed (no ranging from this solver; --sensitivity full bisects)"
    hi = None if not math.isfinite(ranging[1]) or ranging[1] >= 1e20 else ranging[1]
    return (max(ranging[0], 0.0), hi), "highs-ranging"


def highs_ranging(eng: Engine) -> tuple[float, float] | None:
    """The solver's range of the budget row's bound keeping the last basis optimal."""
    return eng.session.row_bound_range(eng.model.budget_row)


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
    ranging = highs_ranging(eng)  # must read the LP just solved, hence no polish
    duals = shadow_prices(nominal, res, maximize)
    base = solve_outcome(nominal)
    if base is None:
        raise InfeasibleError(
            _("scenario {name} is infeasible").format(name=repr(eng.scenario.name))
        )
    ctx = Context(eng, base, 1.0 if maximize else -1.0, base.allocated, depth)
    blocks = [b for b in eng.model.blocks if b.kind != "alloc"]
    entries = [
        constraint_rate(ctx, block, sp.value * factor * UNIT_SCALE[block.unit], sp.binding, ranging)
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
            if method in ("weighted", "reference", "goal")
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


def constraint_rate(
    ctx: Context,
    block: RowBlock,
    rate: float,
    binding: bool,
    ranging: tuple[float, float] | None,
) -> ConstraintRate:
    """One block's dual rate, checked by a re-solve; the budget's range of validity."""
    spend_all = block.kind == "budget" and block.bound == "eq"
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
    if block.kind != "budget":
        return entry
    span, source = budget_range(ctx, rate / 1000.0, ranging)
    return replace(entry, range_mln=span, range_source=source)


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
