"""Why a town got what it got: reduced costs of the weighted LP, in plain words.

The scenario is solved with its weighted objective `max c . x`, where
`c_j = sum_c w_c F[c, j] / n_c` (weights and normalizers as in the scenario).
With the row duals `y` of the optimum (`d(optimum) / d(row bound)`), column j's
reduced cost is `d_j = c_j - a_j . y`, where `a_j` is column j of the constraint
matrix. Column j (segment s of cell (t, m)) carries budget cost `cost_m` per
unit of volume, so per million of budget cost:

- its value is `v_j = c_j / cost_m` (weighted units per million), and
- the value it must clear, "the margin", is `h_j = (c_j - d_j) / cost_m = a_j . y / cost_m`:
  the price of a million inside the allocation (the dual of the `alloc` row,
  the same for every cell) plus what binding rules and limits that select the
  cell add (a binding ceiling raises it) or take away (a binding floor lowers it).

At an optimum a segment at zero has `v_j <= h_j`, a full segment `v_j >= h_j`,
and a partly filled one `v_j = h_j`. For an unfunded cell, the first segment
becomes worth funding when the cell's effect (every criterion scaled alike)
rises by `-d_j / c_j`; a fully funded cell stays full unless its effect falls
by more than `d_j / c_j` (its last segment). Both thresholds hold the other
cells' effects, the rules and the normalizers fixed, and are exact where the
optimal basis is not degenerate (otherwise a larger change may be needed).

Scenarios whose method is not `weighted` are explained under the weighted
objective with their weights; the explanation says so. Core code: no printing.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

import numpy as np

from optimizer.domain.instance import Instance
from optimizer.domain.results import ShadowPrice
from optimizer.domain.scenario import Scenario
from optimizer.errors import InfeasibleError, InstanceError
from optimizer.i18n import _
from optimizer.lp.engine import Engine
from optimizer.lp.session import LpResult
from optimizer.methods.equal import even_plan, town_ranges
from optimizer.methods.scalarize import solve_weighted
from optimizer.methods.solution import shadow_prices

TOL = 1e-7


@dataclass(frozen=True)
class RuleEffect:
    """A binding rule or limit that changes a cell's margin, per million of budget cost."""

    name: str
    kind: str  # "rule" | "limit"
    bound: str
    per_mln: float  # added to the margin (negative: the rule pulls money into the cell)


@dataclass(frozen=True)
class CellExplanation:
    """One measure in the town: what its next million is worth against the margin."""

    measure: str
    label: str
    instrument: str
    status: str  # "full" | "partial" | "marginal" | "unfunded" | "ineligible" | "no capacity"
    volume_mln: float
    capacity_mln: float
    cost_mln: float
    segment: int | None  # the segment the numbers refer to
    value_per_mln: float | None  # weighted units per million of budget cost
    margin_per_mln: float | None
    effects_per_mln: dict[str, float]  # criteria per million of budget cost in that segment
    rule_effects: tuple[RuleEffect, ...]
    change_pct: float | None  # unfunded: +% effect needed; full: -% it can lose and stay full
    tier: str  # the town's tier (an ineligible cell names it)
    n_segments: int
    scale: float  # 1 (per million) or 1000 (per billion) for the words


@dataclass(frozen=True)
class TownExplanation:
    town: str
    tier: str
    region: str
    population: float
    allocated_mln: float  # the town's budget cost
    total_mln: float  # the whole allocation
    rank: int  # 1 = the town with the most money
    cells: tuple[CellExplanation, ...]
    price_per_mln: float  # the dual of the alloc row: a million inside the allocation
    budget_shadow_price: float  # one more million of budget
    binding: tuple[ShadowPrice, ...]  # rules and limits that bind in this town
    scale: float  # 1 (per million) or 1000 (per billion) for the words
    note: str | None
    # SPEC section 10: the town's least and greatest budget cost over the optimal face
    # (every plan as good on every criterion); None when not computed (other methods)
    range_mln: tuple[float, float] | None = None
    baseline: str | None = None  # the actual spend the plan keeps closest to (SPEC 10)
    # what one more bn of budget buys, per criterion (a re-solve at a small step)
    budget_criteria_per_bn: dict[str, float] | None = None
    # the town's index in the instance (display names: town, region)
    town_index: int | None = None

    @property
    def per_capita(self) -> float:
        return self.allocated_mln * 1e6 / self.population


def find_town(instance: Instance, town: str) -> int:
    """The town's index; an unknown name is bad input naming the town (and close names)."""
    if town in instance.towns:
        return instance.towns.index(town)
    close = difflib.get_close_matches(town, instance.towns, n=3)
    hint = _(" (did you mean {names}?)").format(names=", ".join(close)) if close else ""
    raise InstanceError(
        _("--town: unknown town {town}: it is not in {file}").format(
            town=repr(town), file=instance.path / "towns.csv"
        )
        + hint
    )


def explain(
    instance: Instance, scenario: Scenario, town: str, solver: str = "highs"
) -> TownExplanation:
    """Solve the scenario's weighted objective and explain the town's cells (module docstring)."""
    t = find_town(instance, town)
    eng = Engine.open(instance, scenario, solver)
    try:
        eng.payoff()
        weighted = scenario.objective.method == "weighted"
        method_res = solve_weighted(eng)
        res = even_plan(eng, method_res, method=weighted)  # SPEC section 10
    except InfeasibleError as e:
        from optimizer.methods.diagnose import infeasible

        raise infeasible(eng, _("scenario {name} is infeasible: {diagnosis}")) from e
    model = eng.model
    wn = scenario.objective.weight_vector(instance.criteria) / eng.normalizers()
    c = eng.cost_vector(wn)
    y = res.row_dual
    M, S = instance.n_measures, instance.n_segments
    cols = np.arange(t * M * S, (t + 1) * M * S)
    contrib = column_contributions(eng, y, cols)  # block name -> (M*S,) a_ij y_i
    alloc = model.block("alloc")
    price = float(y[alloc.start])
    aty = sum(contrib.values(), np.zeros(len(cols)))
    d = c[cols] - aty  # reduced costs of the town's columns

    x = res.x[cols].reshape(M, S)
    ub = model.col_ub[cols].reshape(M, S)
    volumes = np.maximum(model.volumes(res.x), 0.0)
    cost = volumes * instance.budget_cost[None, :]
    per_town = cost.sum(axis=1)
    scale = 1000.0 if abs(price) < 0.01 else 1.0

    cells = []
    for m in range(M):
        j = slice(m * S, (m + 1) * S)
        cells.append(
            explain_cell(
                instance,
                eng,
                t,
                m,
                x[m],
                ub[m],
                c[cols][j],
                d[j],
                {k: v[j] for k, v in contrib.items()},
                scale,
            )
        )
    prices = dict(
        zip(
            [b.name for b in model.blocks if b.kind != "alloc"],
            shadow_prices(eng, res, True),
            strict=True,
        )
    )
    # Every rule and limit that selects the town's cells and is at its bound in the
    # plan (SPEC section 10), priced or not; for per-town rows, the town's own row.
    binding = tuple(
        prices[name]
        for name in contrib
        if name in prices
        and prices[name].binding
        and (model.block(name).towns is None or t in prices[name].towns)
    )
    method = scenario.objective.method
    note = (
        None
        if method == "weighted"
        else f"the scenario's method is {method}; this explains the weighted objective with its "
        f"weights ({', '.join(f'{k}={v:g}' for k, v in scenario.objective.weights.items())})"
    )
    per_bn = budget_criteria(eng, res)
    span = None
    if weighted and not model.n_proj:
        lo, hi = town_ranges(eng, method_res, only=[t])[t]
        span = (min(float(lo), float(per_town[t])), max(float(hi), float(per_town[t])))
    return TownExplanation(
        range_mln=span,
        baseline=scenario.baseline,
        budget_criteria_per_bn=per_bn,
        town=instance.towns[t],
        town_index=t,
        tier=instance.town_tier[t],
        region=instance.regions[t],
        population=float(instance.population[t]),
        allocated_mln=float(per_town[t]),
        total_mln=float(cost.sum()),
        rank=int((per_town > per_town[t] + TOL).sum()) + 1,
        cells=tuple(cells),
        price_per_mln=price,
        budget_shadow_price=prices["budget"].value,
        binding=binding,
        scale=scale,
        note=note,
    )


def budget_criteria(eng: Engine, res: LpResult) -> dict[str, float] | None:
    """Criteria per bn of budget from a re-solve of the weighted objective at a budget
    `delta` higher (1 mln or 0.1% of the budget); None when that re-solve fails."""
    b = eng.scenario.budget_mln
    delta = min(1.0, 1e-3 * max(b, 1.0))
    f0 = eng.criteria_of(res)
    try:
        with eng.at_budget(b + delta) as v:
            f1 = v.criteria_of(solve_weighted(v))
    except InfeasibleError:
        return None
    return {c: float(d) for c, d in zip(eng.criteria, (f1 - f0) / delta * 1000.0, strict=True)}


def column_contributions(eng: Engine, y: np.ndarray, cols: np.ndarray) -> dict[str, np.ndarray]:
    """For each row block touching `cols`: its share `sum_i a_ij y_i` of each column's price."""
    model = eng.model
    entry_row = np.repeat(np.arange(model.n_rows), np.diff(model.row_start))
    lo, hi = int(cols[0]), int(cols[-1]) + 1
    sel = np.flatnonzero((model.row_index >= lo) & (model.row_index < hi))
    starts = np.array([b.start for b in model.blocks])
    out: dict[str, np.ndarray] = {}
    for e in sel:
        r = entry_row[e]
        block = model.blocks[int(np.searchsorted(starts, r, side="right")) - 1]
        vec = out.setdefault(block.name, np.zeros(len(cols)))
        vec[model.row_index[e] - lo] += model.row_value[e] * y[r]
    return out


def effect_of(eng: Engine, block_name: str, size: float) -> RuleEffect:
    b = eng.model.block(block_name)
    return RuleEffect(b.label, b.kind, b.bound, size)


def deciding_segment(x: np.ndarray, ub: np.ndarray) -> tuple[int, str]:
    """The curve segment that decides a cell and the cell's status: `full` (its last
    segment), `marginal` (a segment partly filled), `partial` or `unfunded` (the
    first segment not full)."""
    full = x >= ub - TOL * np.maximum(1.0, ub)
    empty = x <= TOL * np.maximum(1.0, ub)
    if full.all():
        return len(x) - 1, "full"
    if (~full & ~empty).any():
        return int(np.flatnonzero(~full & ~empty)[0]), "marginal"
    s = int(np.flatnonzero(~full)[0])
    return s, "unfunded" if s == 0 else "partial"


def effect_change_pct(status: str, value: float, reduced: float) -> float | None:
    """A full cell: how far (%) its effect may fall and it stays full; an unfunded or
    partial one: how far it must rise to get more; a marginal one: 0 (a tie)."""
    if status == "marginal":
        return 0.0
    if value <= 0:
        return None
    return float((reduced if status == "full" else -reduced) / value * 100)


def explain_cell(
    instance: Instance,
    eng: Engine,
    t: int,
    m: int,
    x: np.ndarray,
    ub: np.ndarray,
    c: np.ndarray,
    d: np.ndarray,
    contrib: dict[str, np.ndarray],
    scale: float,
) -> CellExplanation:
    """Status of one cell, the segment that decides it, its value against the margin
    and the rules that move the margin (the words are made in `outputs.text`)."""
    cost_m = float(instance.budget_cost[m])
    label = instance.labels[m]
    volume = float(x.sum())
    common: dict[str, Any] = dict(
        measure=instance.measures[m],
        label=label,
        instrument=instance.instruments[m],
        volume_mln=volume,
        capacity_mln=float(ub.sum()),
        cost_mln=volume * cost_m,
        tier=instance.town_tier[t],
        n_segments=len(x),
        scale=scale,
    )
    none: dict[str, Any] = dict(
        segment=None,
        value_per_mln=None,
        margin_per_mln=None,
        effects_per_mln={},
        rule_effects=(),
        change_pct=None,
    )
    if not instance.eligible[t, m]:
        return CellExplanation(status="ineligible", **common, **none)
    if ub.sum() <= TOL:
        return CellExplanation(status="no capacity", **common, **none)
    s, status = deciding_segment(x, ub)
    value = c[s] / cost_m
    margin = (c[s] - d[s]) / cost_m
    coef = instance.cell_coefficients()[t, m] * instance.seg_mult[s] / cost_m
    effects = dict(zip(instance.criteria, map(float, coef), strict=True))
    rules = tuple(
        effect_of(eng, name, float(v[s]) / cost_m)
        for name, v in contrib.items()
        if name != "alloc" and abs(v[s]) > TOL * max(1.0, abs(margin))
    )
    change = effect_change_pct(status, float(c[s]), float(d[s]))
    return CellExplanation(
        status=status,
        segment=s,
        value_per_mln=float(value),
        margin_per_mln=float(margin),
        effects_per_mln=effects,
        rule_effects=rules,
        change_pct=change,
        **common,
    )
