"""The linear program of SPEC section 3, built once from a validated instance and scenario.

The model is held as arrays (a row-wise sparse matrix, bounds, and the criterion
coefficients), built vectorized with numpy. From these arrays the solver layer
hands the whole matrix to HiGHS in one call, and `to_pulp` builds the same model
as a PuLP problem (for CBC, and for `--export-lp` / `--export-mps` so auditors can
re-solve it in any solver). Names come from indices, never from town names:
`x_t12_m3_s0`, `budget`, `limit_guarantee`, `rule3_min_share`, `rule3_min_share_t12`.

Columns: `x[t, m, s]` at index `(t * M + m) * S + s`, then one column `A`, the
allocated budget (`A = sum cost * x`), so share rules stay sparse:
`S_sel - share * A >= 0`.

Rows, in order: `alloc` (`sum cost * x - A = 0`), `budget` (`A <= B`, or `= B`
with spend_all), one per limit (volume of an instrument), then the rules.

Projects (SPEC section 12, `projects.csv`) add, for each project p, a fraction
column `y_p` in [0, 1] right after the x columns (so `F` and `cost` cover
`x` then `y`, the "valued" columns) and an on/off column `z_p` after `A`:

    columns  x[t,m,s] ... | y_p ... | A | z_p ...
    y_p <= z_p,  y_p >= min_fraction_p * z_p      (rows `project_p`, structural)
    sum_{p in g} z_p <= 1                          (one row per group, structural)
    sum_p line_mln_p * y_p <= cap_l                (one row per capped funding line)

`z_p` is binary where the project needs an on/off decision (min_fraction > 0 or a
group), so the problem becomes a mixed-integer program; a divisible project keeps
a continuous `z_p`. A project's budget cost `cost_p * y_p` enters the `alloc` row
(so `A`, the budget and every share rule see it), its volume `volume_p * y_p` the
limit of its instrument, and its budget cost every rule that selects its cell.
Structural rows have kind `alloc`: never relaxed, never priced.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np

from optimizer.domain.instance import Instance
from optimizer.domain.scenario import PER_CAPITA_BOUNDS, SHARE_BOUNDS, Scenario

INF = float("inf")


class BlockKind(StrEnum):
    """What a block of rows is: the allocation identity, the budget, a limit, a rule."""

    alloc = "alloc"
    budget = "budget"
    limit = "limit"
    rule = "rule"


class Unit(StrEnum):
    """What one unit of relaxing a block's bound is: a million of money, one
    percentage point of share, one currency unit per resident."""

    mln = "mln"
    pp = "pp"
    per_capita = "per_capita"


@dataclass(frozen=True, eq=False)
class RowBlock:
    """A named group of rows: the budget, one limit, or one bound of one rule.

    `towns` gives the town of each row for per-town rules (else None). `unit` is
    what one unit of relaxation means for shadow prices: 'mln', 'pp' (share) or
    'per_capita' (one currency unit per resident).
    """

    name: str
    label: str
    kind: BlockKind
    bound: str  # "eq" | "max" | a rule bound kind such as "min_share"
    start: int
    stop: int
    unit: Unit
    value: float
    towns: np.ndarray | None = None

    @property
    def is_lower(self) -> bool:
        return self.bound.startswith("min_")


@dataclass(frozen=True, eq=False)
class LinearModel:
    """Arrays of the LP. `n` columns (x then A), `F[c]` the criterion rows over x."""

    n_towns: int
    n_measures: int
    n_segments: int
    col_lb: np.ndarray
    col_ub: np.ndarray
    cost: np.ndarray  # budget cost of each x column, (n_x,)
    F: np.ndarray  # (C, n_x)
    row_start: np.ndarray
    row_index: np.ndarray
    row_value: np.ndarray
    row_lb: np.ndarray
    row_ub: np.ndarray
    blocks: tuple[RowBlock, ...]
    criteria: tuple[str, ...]
    n_slack: int = 0  # elastic columns after the model's own (infeasibility diagnosis only)
    n_proj: int = 0  # projects: a fraction column y_p after x, an on/off column z_p after A
    # 1 for each integer column of the model's own columns (None: a pure LP)
    integrality: np.ndarray | None = None
    mip_gap: float = 0.0  # the relative gap a mixed-integer solve may stop at (--gap)

    @property
    def n_x(self) -> int:
        return self.n_towns * self.n_measures * self.n_segments

    @property
    def n_v(self) -> int:
        """Valued columns: x then the projects' fractions y (the columns of F and cost)."""
        return self.n_x + self.n_proj

    @property
    def n_cols(self) -> int:
        return self.n_x + 2 * self.n_proj + 1 + self.n_slack

    @property
    def col_A(self) -> int:
        return self.n_x + self.n_proj

    @property
    def is_mip(self) -> bool:
        return self.integrality is not None and bool(self.integrality.any())

    def fractions(self, x: np.ndarray) -> np.ndarray:
        """(P,) the projects' funding fractions from a column vector."""
        return x[self.n_x : self.n_v]

    @property
    def n_rows(self) -> int:
        return len(self.row_lb)

    def block(self, name: str) -> RowBlock:
        for b in self.blocks:
            if b.name == name:
                return b
        raise KeyError(name)

    @property
    def budget_row(self) -> int:
        return self.block("budget").start

    def volumes(self, x: np.ndarray) -> np.ndarray:
        """(T, M) volume from a column vector."""
        return x[: self.n_x].reshape(self.n_towns, self.n_measures, self.n_segments).sum(axis=2)

    def criteria_values(self, x: np.ndarray) -> np.ndarray:
        return self.F @ x[: self.n_v]


class RowBuilder:
    """Collects CSR rows block by block (numpy arrays, not terms)."""

    def __init__(self) -> None:
        self.counts: list[np.ndarray] = []
        self.indices: list[np.ndarray] = []
        self.values: list[np.ndarray] = []
        self.lbs: list[np.ndarray] = []
        self.ubs: list[np.ndarray] = []
        self.blocks: list[RowBlock] = []
        self.n_rows = 0

    def add(
        self,
        counts: np.ndarray,
        index: np.ndarray,
        coefs: np.ndarray,
        lb: np.ndarray,
        ub: np.ndarray,
        **block: Any,
    ) -> None:
        k = len(counts)
        self.counts.append(np.asarray(counts, dtype=np.int64))
        self.indices.append(np.asarray(index, dtype=np.int32))
        self.values.append(np.asarray(coefs, dtype=float))
        self.lbs.append(np.asarray(lb, dtype=float))
        self.ubs.append(np.asarray(ub, dtype=float))
        self.blocks.append(RowBlock(start=self.n_rows, stop=self.n_rows + k, **block))
        self.n_rows += k

    def add_row(
        self, index: np.ndarray, coefs: np.ndarray, lb: float, ub: float, **block: Any
    ) -> None:
        self.add(np.array([len(index)]), index, coefs, np.array([lb]), np.array([ub]), **block)

    def arrays(self) -> tuple[np.ndarray, ...]:
        counts = np.concatenate(self.counts)
        start = np.zeros(len(counts) + 1, dtype=np.int32)
        np.cumsum(counts, out=start[1:])
        return (
            start,
            np.concatenate(self.indices),
            np.concatenate(self.values),
            np.concatenate(self.lbs),
            np.concatenate(self.ubs),
        )


def column_bounds(instance: Instance) -> np.ndarray:
    """Upper bound of each x column: capacity * width of its segment, 0 if not eligible."""
    cap = instance.effective_capacity()  # (T, M)
    return (cap[:, :, None] * instance.widths[None, None, :]).ravel()


def criterion_matrix(instance: Instance, base: np.ndarray | None = None) -> np.ndarray:
    """(C, n_v): base * tier multiplier * segment multiplier for each x column, then each
    project's effects. With drawn coefficients `base`, a project's effects move by the
    factor its cell's coefficient moved (its measure's draw)."""
    b = instance.base if base is None else base
    coef = b * (instance.mult * instance.eligible)[:, :, None]  # (T, M, C)
    full = coef[:, :, None, :] * instance.seg_mult[None, None, :, None]  # (T, M, S, C)
    F = full.reshape(-1, len(instance.criteria)).T
    pr = instance.projects
    if pr is None:
        return np.ascontiguousarray(F)
    effects = pr.effects
    if base is not None:
        nominal = instance.base[pr.town, pr.measure]  # (P, C)
        drawn = b[pr.town, pr.measure]
        factor = np.divide(drawn, nominal, out=np.ones_like(drawn), where=nominal != 0)
        effects = effects * factor
    return np.ascontiguousarray(np.hstack([F, effects.T]))


def build_model(instance: Instance, scenario: Scenario) -> LinearModel:
    """Build the LP once; methods change only its objective, bounds or added rows."""
    T, M, S = instance.n_towns, instance.n_measures, instance.n_segments
    n_x = T * M * S
    col_A = n_x
    cost_cell = np.broadcast_to(instance.budget_cost[None, :], (T, M))
    cost = np.repeat(cost_cell.ravel(), S)
    rows = RowBuilder()

    # alloc: sum cost * x - A = 0
    idx = np.append(np.arange(n_x, dtype=np.int32), col_A)
    rows.add_row(
        idx,
        np.append(cost, -1.0),
        0.0,
        0.0,
        name="alloc",
        label="allocated",
        kind=BlockKind.alloc,
        bound="eq",
        unit=Unit.mln,
        value=0.0,
    )
    b = scenario.budget_mln
    rows.add_row(
        np.array([col_A]),
        np.array([1.0]),
        b if scenario.spend_all else -INF,
        b,
        name="budget",
        label="budget",
        kind=BlockKind.budget,
        bound="eq" if scenario.spend_all else "max",
        unit=Unit.mln,
        value=b,
    )
    add_limits(rows, instance, scenario, S)
    for rule in scenario.rules:
        add_rule(rows, instance, rule, cost, S, col_A)

    start, index, value, lb, ub = rows.arrays()
    col_lb = np.zeros(n_x + 1)
    col_ub = np.append(column_bounds(instance), INF)
    if instance.projects is not None:
        return add_projects(instance, scenario, rows, cost)
    return LinearModel(
        n_towns=T, n_measures=M, n_segments=S,
        col_lb=col_lb, col_ub=col_ub, cost=cost, F=criterion_matrix(instance),
        row_start=start, row_index=index, row_value=value, row_lb=lb, row_ub=ub,
        blocks=tuple(rows.blocks), criteria=instance.criteria,
    )  # fmt: skip


def add_projects(
    instance: Instance, scenario: Scenario, cells: RowBuilder, cell_cost: np.ndarray
) -> LinearModel:
    """The cells' rows with the projects' columns added (see the module docstring).

    Each row of the cell model gains the projects it concerns: `alloc` every
    project's budget cost, a limit the volume of the projects of its instrument, a
    rule the budget cost of the projects in the cells it selects (per town for
    per-town bounds). Column indices at and after A move right by P.
    """
    pr = instance.projects
    assert pr is not None
    T, M, S = instance.n_towns, instance.n_measures, instance.n_segments
    n_x, P = T * M * S, len(pr)
    col_y = n_x + np.arange(P)
    col_A = n_x + P
    col_z = col_A + 1 + np.arange(P)
    start, index, value, lb, ub = cells.arrays()
    index = np.where(index >= n_x, index + P, index).astype(np.int32)
    rules = {f"rule{r.index}_{b.kind}": r for r in scenario.rules for b in r.bounds}
    instr = np.array(instance.instruments)[pr.measure]
    adds: list[tuple[np.ndarray, np.ndarray]] = []  # per row: (projects, coefficients)
    none = (np.zeros(0, dtype=np.int64), np.zeros(0))
    for b in cells.blocks:
        if b.kind == BlockKind.alloc:
            adds.append((np.arange(P), pr.cost))
        elif b.kind == BlockKind.limit:
            sel = np.flatnonzero(instr == b.label)
            adds.append((sel, pr.volume[sel]))
        elif b.kind == BlockKind.rule:
            in_rule = rules[b.name].cells(instance)[pr.town, pr.measure]
            if b.towns is None:
                sel = np.flatnonzero(in_rule)
                adds.append((sel, pr.cost[sel]))
            else:
                for t in b.towns:
                    sel = np.flatnonzero(in_rule & (pr.town == t))
                    adds.append((sel, pr.cost[sel]))
        else:
            adds.extend([none] * (b.stop - b.start))
    assert len(adds) == len(lb)
    idx_parts, val_parts, counts = [], [], []
    for r, (sel, coef) in enumerate(adds):
        lo, hi = start[r], start[r + 1]
        idx_parts += [index[lo:hi], col_y[sel].astype(np.int32)]
        val_parts += [value[lo:hi], np.asarray(coef, dtype=float)]
        counts.append(hi - lo + len(sel))
    rows = RowBuilder()
    rows.add(np.array(counts), np.concatenate(idx_parts), np.concatenate(val_parts), lb, ub,
             name="cells", label="cells", kind=BlockKind.alloc, bound="eq", unit=Unit.mln,
             value=0.0)  # fmt: skip
    structural = dict(kind=BlockKind.alloc, unit=Unit.mln, value=0.0)
    for p in range(P):
        yz = np.array([col_y[p], col_z[p]], dtype=np.int32)
        # y_p <= z_p: funded only when switched on
        rows.add_row(yz, np.array([1.0, -1.0]), -INF, 0.0, name=f"project{p}_on",
                     label=pr.names[p], bound="max", **structural)  # fmt: skip
        if pr.min_fraction[p] > 0:
            # y_p >= min_fraction * z_p: switched on, at least the minimum
            rows.add_row(yz, np.array([1.0, -pr.min_fraction[p]]), 0.0, INF,
                         name=f"project{p}_min", label=pr.names[p], bound="min_fraction",
                         **structural)  # fmt: skip
    for k, (g, members) in enumerate(sorted(pr.groups().items())):
        if len(members) > 1:
            rows.add_row(col_z[members].astype(np.int32), np.ones(len(members)), -INF, 1.0,
                         name=f"group{k}", label=f"group {g}", bound="max", **structural)  # fmt: skip
    for k, line in enumerate(instance.lines):
        if line not in scenario.lines:
            continue  # an uncapped line limits nothing
        on = np.flatnonzero(pr.line_cost[:, k] > 0)
        cap = scenario.lines[line]
        rows.add_row(col_y[on].astype(np.int32), pr.line_cost[on, k], -INF, cap,
                     name=f"line{k}", label=f"line {line}", kind=BlockKind.limit, bound="max",
                     unit=Unit.mln, value=cap)  # fmt: skip
    # The cell rows go back in as they were, one block each, now wider.
    r_start, r_index, r_value, r_lb, r_ub = rows.arrays()
    blocks = list(cells.blocks) + list(rows.blocks[1:])
    n_cols = n_x + 2 * P + 1
    col_lb = np.zeros(n_cols)
    col_ub = np.concatenate([column_bounds(instance), np.ones(P), [INF], np.ones(P)])
    integrality = np.zeros(n_cols, dtype=np.int8)
    integrality[col_z] = pr.needs_binary
    return LinearModel(
        n_towns=T, n_measures=M, n_segments=S,
        col_lb=col_lb, col_ub=col_ub, cost=np.concatenate([cell_cost, pr.cost]),
        F=criterion_matrix(instance),
        row_start=r_start, row_index=r_index, row_value=r_value, row_lb=r_lb, row_ub=r_ub,
        blocks=tuple(blocks), criteria=instance.criteria, n_proj=P,
        integrality=integrality, mip_gap=scenario.mip_gap,
    )  # fmt: skip


def add_limits(rows: RowBuilder, instance: Instance, scenario: Scenario, S: int) -> None:
    """Instrument limits: total volume of the instrument's cells, over all towns."""
    T, M = instance.n_towns, instance.n_measures
    for inst, limit in scenario.limits.items():
        meas = np.array([i == inst for i in instance.instruments])
        sel = np.repeat(np.broadcast_to(meas[None, :], (T, M)).ravel(), S)
        idx = np.flatnonzero(sel).astype(np.int32)
        rows.add_row(idx, np.ones(len(idx)), -INF, limit, name=f"limit_{inst}", label=inst,
                     kind=BlockKind.limit, bound="max", unit=Unit.mln, value=limit)  # fmt: skip


def add_rule(
    rows: RowBuilder, instance: Instance, rule: Any, cost: np.ndarray, S: int, col_A: int
) -> None:
    """One block of rows per bound of the rule; per-town bounds give a row per town."""
    T, M = instance.n_towns, instance.n_measures
    sel_cells = rule.cells(instance)  # (T, M)
    sel = np.repeat(sel_cells.ravel(), S)
    for bnd in rule.bounds:
        name = f"rule{rule.index}_{bnd.kind}"
        lower = bnd.is_lower
        unit = Unit.pp if bnd.kind in SHARE_BOUNDS else Unit.mln
        common = dict(label=rule.label, kind=BlockKind.rule, bound=bnd.kind, value=bnd.value)
        per_town = rule.per_town or bnd.kind in PER_CAPITA_BOUNDS
        if not per_town:
            idx = np.flatnonzero(sel).astype(np.int32)
            val = cost[idx]
            if bnd.kind in SHARE_BOUNDS:
                # S_sel - share * A  (>= 0 or <= 0)
                idx, val = np.append(idx, col_A), np.append(val, -bnd.value)
                rhs = 0.0
            else:
                rhs = bnd.value
            lb, ub = (rhs, INF) if lower else (-INF, rhs)
            rows.add_row(idx, val, lb, ub, name=name, unit=unit, **common)
            continue
        towns = np.flatnonzero(sel_cells.any(axis=1))
        rhs_t: np.ndarray
        mask = sel.reshape(T, M * S)[towns]
        cols = np.arange(T * M * S, dtype=np.int32).reshape(T, M * S)[towns]
        counts = mask.sum(axis=1)
        index = cols[mask]
        value = cost.reshape(T, M * S)[towns][mask]
        if bnd.kind in SHARE_BOUNDS:
            # each town's S_t - share * A: append the A column to every row
            k = len(towns)
            starts = np.concatenate([[0], np.cumsum(counts)])
            index = np.insert(index, starts[1:], col_A)
            value = np.insert(value, starts[1:], -bnd.value)
            counts = counts + 1
            rhs_t = np.zeros(k)
        elif bnd.kind in PER_CAPITA_BOUNDS:
            rhs_t = bnd.value * instance.population[towns] / 1e6
            unit = Unit.per_capita
        else:
            rhs_t = np.full(len(towns), bnd.value)
        inf = np.full(len(towns), INF)
        lo, hi = (rhs_t, inf) if lower else (-inf, rhs_t)
        rows.add(counts, index, value, lo, hi, name=name, unit=unit, towns=towns, **common)


# ----------------------------------------------------------------------------- names


def column_names(model: LinearModel) -> list[str]:
    T, M, S = model.n_towns, model.n_measures, model.n_segments
    names = [f"x_t{t}_m{m}_s{s}" for t in range(T) for m in range(M) for s in range(S)]
    names += [f"y_p{p}" for p in range(model.n_proj)]
    names.append("A")
    names += [f"z_p{p}" for p in range(model.n_proj)]
    return names


def row_names(model: LinearModel) -> list[str]:
    names: list[str] = []
    for b in model.blocks:
        if b.towns is None:
            names.append(b.name)
        else:
            names.extend(f"{b.name}_t{t}" for t in b.towns)
    return names
