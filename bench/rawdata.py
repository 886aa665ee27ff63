"""The instance files read straight into numpy arrays, without `optimizer`.

The raw highspy baseline and the naive PuLP build start from these arrays, so
neither borrows any code from the package they are compared with. Only what
SPEC sections 2-4 define is read; nothing is validated (the bench generates its
own instances and checks that every route reaches the same objective).

Coefficients of a cell (t, m): `base` from effects.csv if given, else the
measure's `<c>_per_mln`; `mult` and `eligible` from tier_effects.csv;
capacity from effects.csv `capacity_mln`, else `capacity_per_capita * pop / 1e6`.
"""

from __future__ import annotations

import csv
import tomllib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

INF = float("inf")


@dataclass(frozen=True, eq=False)
class RawRule:
    """One bound of one rule: `kind` such as min_share, the selected (T, M) cells."""

    kind: str
    value: float
    cells: np.ndarray  # (T, M) bool
    per_town: bool


@dataclass(frozen=True, eq=False)
class RawInstance:
    criteria: list[str]
    towns: list[str]
    population: np.ndarray  # (T,)
    instruments: list[str]
    budget_cost: np.ndarray  # (M,)
    sigma: np.ndarray  # (M,) measures.csv `sigma`, NaN where not given
    coef: np.ndarray  # (T, M, C): base * mult, 0 where not eligible
    capacity: np.ndarray  # (T, M), 0 where not eligible
    widths: np.ndarray  # (S,)
    seg_mult: np.ndarray  # (S,)
    budget: float
    spend_all: bool
    limits: dict[str, float]
    rules: list[RawRule]

    @property
    def shape(self) -> tuple[int, int, int]:
        return len(self.towns), len(self.instruments), len(self.widths)


def read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def read_raw(folder: str | Path, scenario: str | None = None) -> RawInstance:
    """The instance and one scenario (its name, or the default) as arrays."""
    root = Path(folder)
    head = tomllib.loads((root / "instance.toml").read_text(encoding="utf-8"))
    criteria = list(head["criteria"])
    widths = np.array(head["curve"]["widths"], dtype=float)
    seg_mult = np.array(head["curve"]["multipliers"], dtype=float)

    th, trows = read_csv(root / "towns.csv")
    cols = list(zip(*trows, strict=True))
    towns = list(cols[th.index("town")])
    regions = list(cols[th.index("region")])
    tiers = list(cols[th.index("tier")])
    population = np.array(cols[th.index("population")], dtype=float)
    town_pos = {t: i for i, t in enumerate(towns)}

    mh, mrows = read_csv(root / "measures.csv")
    measures = [r[mh.index("measure")] for r in mrows]
    meas_pos = {m: i for i, m in enumerate(measures)}
    instruments = [r[mh.index("instrument")] for r in mrows]
    budget_cost = np.array([r[mh.index("budget_cost")] for r in mrows], dtype=float)
    cap_pc = np.array([r[mh.index("capacity_per_capita")] for r in mrows], dtype=float)
    per_mln = np.array(
        [[r[mh.index(f"{c}_per_mln")] for c in criteria] for r in mrows], dtype=float
    )  # (M, C)
    T, M, C = len(towns), len(measures), len(criteria)
    sigma = np.full(M, np.nan)
    if "sigma" in mh:
        sigma = np.array([float(r[mh.index("sigma")] or "nan") for r in mrows])

    base = np.broadcast_to(per_mln[None, :, :], (T, M, C)).copy()
    capacity = population[:, None] * cap_pc[None, :] / 1e6
    if (root / "effects.csv").exists():
        eh, erows = read_csv(root / "effects.csv")
        for r in erows:
            t, m = town_pos[r[eh.index("town")]], meas_pos[r[eh.index("measure")]]
            for c, name in enumerate(criteria):
                k = f"{name}_per_mln"
                if k in eh and r[eh.index(k)].strip():
                    base[t, m, c] = float(r[eh.index(k)])
            if "capacity_mln" in eh and r[eh.index("capacity_mln")].strip():
                capacity[t, m] = float(r[eh.index("capacity_mln")])

    tier_names = list(head["tiers"])
    tier_of = np.array([tier_names.index(t) for t in tiers])
    tmult = np.ones((len(tier_names), M))
    telig = np.ones((len(tier_names), M), dtype=bool)
    if (root / "tier_effects.csv").exists():
        fh, frows = read_csv(root / "tier_effects.csv")
        for r in frows:
            k, m = tier_names.index(r[fh.index("tier")]), meas_pos[r[fh.index("measure")]]
            if "multiplier" in fh and r[fh.index("multiplier")].strip():
                tmult[k, m] = float(r[fh.index("multiplier")])
            if "eligible" in fh and r[fh.index("eligible")].strip():
                telig[k, m] = r[fh.index("eligible")].strip().lower() in ("true", "1", "yes", "y")
    eligible = telig[tier_of]
    coef = base * (tmult[tier_of] * eligible)[:, :, None]
    capacity = np.where(eligible, capacity, 0.0)

    name = scenario or head.get("default_scenario")
    scen = tomllib.loads((root / "scenarios" / f"{name}.toml").read_text(encoding="utf-8"))
    towns_attr = {"town": towns, "region": regions, "tier": tiers}
    meas_attr = {"measure": measures, "instrument": instruments}
    rules: list[RawRule] = []
    for rule in scen.get("rules", []):
        tsel = np.ones(T, dtype=bool)
        msel = np.ones(M, dtype=bool)
        for key, val in rule.items():
            wanted = {val} if isinstance(val, str) else set(val) if isinstance(val, list) else None
            if key in towns_attr and wanted is not None:
                tsel &= np.array([v in wanted for v in towns_attr[key]])
            elif key in meas_attr and wanted is not None:
                msel &= np.array([v in wanted for v in meas_attr[key]])
        cells = tsel[:, None] & msel[None, :]
        for kind in ("min_share", "max_share", "min_mln", "max_mln",
                     "min_per_capita", "max_per_capita"):  # fmt: skip
            if kind in rule:
                rules.append(RawRule(kind, float(rule[kind]), cells, bool(rule.get("per_town"))))
    return RawInstance(
        criteria=criteria, towns=towns, population=population, instruments=instruments,
        budget_cost=budget_cost, sigma=sigma, coef=coef, capacity=capacity, widths=widths,
        seg_mult=seg_mult, budget=float(scen["budget_mln"]),
        spend_all=bool(scen.get("spend_all", False)),
        limits={k: float(v) for k, v in scen.get("limits", {}).items()}, rules=rules,
    )  # fmt: skip


@dataclass(frozen=True, eq=False)
class RawLp:
    """The LP of SPEC section 3 as CSR arrays: x columns, then A."""

    n_cols: int
    col_ub: np.ndarray
    cost_of_crit: np.ndarray  # (C, n_x)
    start: np.ndarray
    index: np.ndarray
    value: np.ndarray
    row_lb: np.ndarray
    row_ub: np.ndarray


def raw_lp(r: RawInstance) -> RawLp:
    """The same LP as `optimizer.lp.model.build_model`, written from scratch in numpy."""
    T, M, S = r.shape
    n_x = T * M * S
    A = n_x
    cost = np.repeat(np.tile(r.budget_cost, T), S)  # budget cost of each x column
    starts: list[np.ndarray] = []  # row lengths
    idx: list[np.ndarray] = []
    val: list[np.ndarray] = []
    lbs: list[np.ndarray] = []
    ubs: list[np.ndarray] = []

    def row(i: np.ndarray, v: np.ndarray, lo: float, hi: float) -> None:
        starts.append(np.array([len(i)]))
        idx.append(i)
        val.append(v)
        lbs.append(np.array([lo]))
        ubs.append(np.array([hi]))

    all_x = np.arange(n_x, dtype=np.int32)
    row(np.append(all_x, A).astype(np.int32), np.append(cost, -1.0), 0.0, 0.0)  # alloc
    row(np.array([A], dtype=np.int32), np.array([1.0]), r.budget if r.spend_all else -INF, r.budget)
    for inst, lim in r.limits.items():
        meas = np.array([i == inst for i in r.instruments])
        sel = np.flatnonzero(np.repeat(np.tile(meas, T), S)).astype(np.int32)
        row(sel, np.ones(len(sel)), -INF, lim)
    for rule in r.rules:
        sel = np.repeat(rule.cells.ravel(), S)
        lower = rule.kind.startswith("min_")
        share = rule.kind.endswith("_share")
        per_capita = rule.kind.endswith("_per_capita")
        if not (rule.per_town or per_capita):
            i = np.flatnonzero(sel).astype(np.int32)
            v = cost[i]
            if share:
                i, v, rhs = np.append(i, A).astype(np.int32), np.append(v, -rule.value), 0.0
            else:
                rhs = rule.value
            row(i, v, *((rhs, INF) if lower else (-INF, rhs)))
            continue
        for t in np.flatnonzero(rule.cells.any(axis=1)):
            i = (t * M * S + np.flatnonzero(sel[t * M * S : (t + 1) * M * S])).astype(np.int32)
            v = cost[i]
            if share:
                i, v, rhs = np.append(i, A).astype(np.int32), np.append(v, -rule.value), 0.0
            elif per_capita:
                rhs = rule.value * r.population[t] / 1e6
            else:
                rhs = rule.value
            row(i, v, *((rhs, INF) if lower else (-INF, rhs)))
    counts = np.concatenate(starts)
    start = np.zeros(len(counts) + 1, dtype=np.int32)
    np.cumsum(counts, out=start[1:])
    col_ub = np.append((r.capacity[:, :, None] * r.widths[None, None, :]).ravel(), INF)
    F = (r.coef[:, :, None, :] * r.seg_mult[None, None, :, None]).reshape(n_x, -1).T
    return RawLp(
        n_cols=n_x + 1, col_ub=col_ub, cost_of_crit=np.ascontiguousarray(F), start=start,
        index=np.concatenate(idx), value=np.concatenate(val),
        row_lb=np.concatenate(lbs), row_ub=np.concatenate(ubs),
    )  # fmt: skip
