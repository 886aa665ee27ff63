"""Why a town got what it got: reduced costs of the method's own LP, in plain words.

The plan explained is the one `solve` reports: the scenario solved with its own
method, moved to the one plan among equals (SPEC section 10, `optimize_engine`).
Its prices are the row duals `y` of the method's last LP (`d(optimum) / d(row
bound)`), turned to the sense "more is better" (a minimizing method's duals change
sign). That LP has the base rows and the rows the method adds, each a combination
of the criteria (`describe(method).last_lp`: floors, targets, goal or reference
rows). Column j's reduced cost splits in two:

- its value `v_j = w . F_j / cost_m`: what a million of the cell buys, priced at
  the LP's own weight on each criterion `w = objective - rows' y_rows` (for
  `weighted` the scenario's weights over the normalizers; for `min_budget` the
  targets' duals, the budget one more unit of a target costs, so a million's
  value is in millions of budget);
- the value it must clear, "the margin", `h_j = a_j . y / cost_m` over the base
  rows: the price of a million inside the allocation (the dual of the `alloc`
  row, the same for every cell; for `min_budget` one million of budget) plus
  what binding rules and limits that select the cell add (a binding ceiling
  raises it) or take away (a binding floor lowers it).

At an optimum a segment at zero has `v_j <= h_j`, a full segment `v_j >= h_j`,
and a partly filled one `v_j = h_j`. For an unfunded cell, the first segment
becomes worth funding when the cell's effect (every criterion scaled alike)
rises by `(h_j - v_j) / v_j`; a fully funded cell stays full unless its effect
falls by more than `(v_j - h_j) / v_j` (its last segment). Both thresholds hold
the other cells' effects, the rules, the normalizers and the duals of the
method's rows fixed, and are exact where the optimal basis is not degenerate
(otherwise a larger change may be needed). Core code: no printing.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

import numpy as np

from optimizer.analysis.targets import TargetRate, target_rates
from optimizer.domain.instance import Instance
from optimizer.domain.results import ShadowPrice, Solution
from optimizer.domain.scenario import Scenario
from optimizer.errors import InfeasibleError, InstanceError
from optimizer.i18n import _
from optimizer.lp.engine import Engine
from optimizer.lp.session import LpResult
from optimizer.methods.describe import Margin, describe
from optimizer.methods.equal import town_ranges
from optimizer.methods.scalarize import SCALARIZATIONS
from optimizer.methods.solution import optimize_engine

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
    total_mln: float  # the whole allocation (for a least-budget method: that least budget)
    rank: int  # 1 = the town with the most money
    cells: tuple[CellExplanation, ...]
    price_per_mln: float  # the dual of the alloc row: a million inside the allocation
    budget_shadow_price: float  # one more million of budget
    binding: tuple[ShadowPrice, ...]  # rules and limits that bind in this town
    scale: float  # 1 (per million) or 1000 (per billion) for the words
    method: str = "weighted"  # the scenario's method, whose plan is explained
    # what the margin is measured in: the method's objective per million, or (a
    # least-budget method) millions of budget, the targets priced by their duals
    margin: Margin = Margin.objective
    budget_mln: float = 0.0  # the scenario's budget (a least-budget method: its cap)
    # the method's floors on criteria and what one more unit of each costs (SPEC 14)
    targets: tuple[TargetRate, ...] = ()
    # SPEC section 10: the town's least and greatest budget cost over the optimal face
    # (every plan as good on every criterion); None for a mixed-integer plan
    range_mln: tuple[float, float] | None = None
    baseline: str | None = None  # the actual spend the plan keeps closest to (SPEC 10)
    # what one more bn of budget buys, per criterion (a re-solve at a small step); None
    # where the budget does not decide (a least-budget method) or the re-solve fails
    budget_criteria_per_bn: dict[str, float] | None = None
    # the town's index in the instance (display names: town, region)
    town_index: int | None = None

    @property
    def per_capita(self) -> float:
        return self.allocated_mln * 1e6 / self.population

    @property
    def least_budget(self) -> bool:
        """The plan is the least budget that reaches the targets; the budget is a cap."""
        return self.margin is Margin.budget


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
    """Solve the scenario with its own method and explain the town's cells in the
    plan `solve` reports (module docstring)."""
    return explain_towns(instance, scenario, [town], solver)[0]


def explain_towns(
    instance: Instance, scenario: Scenario, towns: list[str] | None = None, solver: str = "highs"
) -> tuple[TownExplanation, ...]:
    """One solve, every named town (None: all) explained in that one plan."""
    idx = (
        list(range(instance.n_towns)) if towns is None else [find_town(instance, t) for t in towns]
    )
    eng = Engine.open(instance, scenario, solver)
    return explain_plan(eng, optimize_engine(eng), idx)


def explain_plan(eng: Engine, sol: Solution, towns: list[int]) -> tuple[TownExplanation, ...]:
    """The towns (indices) explained in `sol`, the plan `optimize_engine(eng)` gave
    (SPEC section 10, as `solve` reports it), priced by its method's own LP."""
    prices = Prices.of(eng, sol)
    targets = target_rates(eng, sol)
    per_bn = None if describe(eng.scenario).least_budget else budget_criteria(eng, sol)
    spans = None
    if not sol.mip:
        spans = town_ranges(eng, LpResult(sol.x, sol.row_dual, 0.0, 0.0), only=towns)
    return tuple(
        town_explanation(eng, sol, prices, t, targets, per_bn,
                         None if spans is None else spans[t])
        for t in towns
    )  # fmt: skip


@dataclass(frozen=True, eq=False)
class Prices:
    """The method's last LP priced in the sense "more is better": each cell column's
    value (`value`, (n_x,), objective per unit of volume) and the base rows' duals."""

    value: np.ndarray
    y: np.ndarray  # base rows' duals, sign turned for a minimizing method
    margin: Margin

    @classmethod
    def of(cls, eng: Engine, sol: Solution) -> Prices:
        desc = describe(eng.scenario)
        m = eng.model
        lp = desc.last_lp(eng.scenario.objective, eng.criteria, eng.normalizers())
        sense = 1.0 if lp.maximize else -1.0
        y = np.asarray(sol.row_dual, dtype=float)
        y_rows = y[m.n_rows : m.n_rows + len(lp.rows)]
        if len(y_rows) < len(lp.rows):  # a solver that gave no duals for the added rows
            y_rows = np.zeros(len(lp.rows))
        weights = sense * (lp.objective - lp.rows.T @ y_rows)
        return cls(weights @ m.F[:, : m.n_x], sense * y[: m.n_rows], desc.margin)


def town_explanation(
    eng: Engine,
    sol: Solution,
    prices: Prices,
    t: int,
    targets: tuple[TargetRate, ...],
    per_bn: dict[str, float] | None,
    span: np.ndarray | None,
) -> TownExplanation:
    """The town's cells against the margin, its binding rules and its range."""
    instance, scenario, model = eng.instance, eng.scenario, eng.model
    M, S = instance.n_measures, instance.n_segments
    cols = np.arange(t * M * S, (t + 1) * M * S)
    contrib = column_contributions(eng, prices.y, cols)  # block name -> (M*S,) a_ij y_i
    price = float(prices.y[model.block("alloc").start])
    aty = sum(contrib.values(), np.zeros(len(cols)))
    c = prices.value[cols]
    d = c - aty  # reduced costs of the town's columns ("more is better")
    x = sol.x[cols].reshape(M, S)
    ub = model.col_ub[cols].reshape(M, S)
    per_town = sol.cost.sum(axis=1)
    scale = 1000.0 if abs(price) < 0.01 else 1.0
    cells = tuple(
        explain_cell(instance, eng, t, m, x[m], ub[m], c[m * S : (m + 1) * S],
                     d[m * S : (m + 1) * S], {k: v[m * S : (m + 1) * S] for k, v in contrib.items()},
                     scale)
        for m in range(M)
    )  # fmt: skip
    names = [b.name for b in model.blocks if b.kind != "alloc"]
    # a mixed-integer plan has no shadow prices (`Solution.mip`): nothing to list
    shadow = dict(zip(names, sol.shadow_prices, strict=True)) if sol.shadow_prices else {}
    # Every rule and limit that selects the town's cells and is at its bound in the
    # plan (SPEC section 10), priced or not; for per-town rows, the town's own row.
    binding = tuple(
        shadow[name]
        for name in contrib
        if name in shadow
        and shadow[name].binding
        and (model.block(name).towns is None or t in shadow[name].towns)
    )
    here = float(per_town[t])
    return TownExplanation(
        town=instance.towns[t],
        town_index=t,
        tier=instance.town_tier[t],
        region=instance.regions[t],
        population=float(instance.population[t]),
        allocated_mln=here,
        total_mln=float(sol.cost.sum()),
        rank=int((per_town > here + TOL).sum()) + 1,
        cells=cells,
        price_per_mln=price,
        budget_shadow_price=shadow["budget"].value if shadow else 0.0,
        binding=binding,
        scale=scale,
        method=str(scenario.objective.method),
        margin=prices.margin,
        budget_mln=float(scenario.budget_mln),
        targets=targets,
        range_mln=None if span is None
        else (min(float(span[0]), here), max(float(span[1]), here)),
        baseline=scenario.baseline,
        budget_criteria_per_bn=per_bn,
    )  # fmt: skip


def budget_criteria(eng: Engine, sol: Solution) -> dict[str, float] | None:
    """Criteria per bn of budget from a re-solve of the scenario's method at a budget
    `delta` higher (1 mln or 0.1% of the budget), its normalizers held; None when
    that re-solve fails."""
    b = eng.scenario.budget_mln
    delta = min(1.0, 1e-3 * max(b, 1.0))
    f0 = np.array([sol.objectives[c] for c in eng.criteria])
    try:
        with eng.at_budget(b + delta) as v:
            f1 = v.criteria_of(SCALARIZATIONS[v.scenario.objective.method].solve(v))
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
