"""A second route to the model, for tests: read the instance files directly (pandas,
tomllib), build the LP of SPEC section 3 as dense scipy matrices, and check
allocations against every bound. Shares no code with `optimizer`.
"""

from __future__ import annotations

import csv
import tomllib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd


@dataclass
class Raw:
    towns: list[str]
    regions: list[str]
    tiers: list[str]
    population: np.ndarray
    measures: list[str]
    instruments: list[str]
    cost: np.ndarray  # (M,)
    criteria: list[str]
    widths: np.ndarray
    seg_mult: np.ndarray
    coef: np.ndarray  # (T, M, C) per mln, first segment, tier multiplier applied
    cap: np.ndarray  # (T, M) mln, 0 where not eligible


def read_raw(folder: Path) -> Raw:
    head = tomllib.loads((folder / "instance.toml").read_text())
    towns = pd.read_csv(folder / "towns.csv", dtype={"town": str, "region": str, "tier": str})
    meas = pd.read_csv(folder / "measures.csv", dtype={"measure": str, "instrument": str})
    crit = list(head["criteria"])
    curve = head.get("curve", {"widths": [1.0], "multipliers": [1.0]})
    T, M = len(towns), len(meas)
    base = np.stack([meas[f"{c}_per_mln"].to_numpy(float) for c in crit], axis=1)  # (M, C)
    coef = np.repeat(base[None, :, :], T, axis=0).copy()
    pop = towns["population"].to_numpy(float)
    cap = np.outer(pop, meas["capacity_per_capita"].to_numpy(float)) / 1e6
    tpos = {t: i for i, t in enumerate(towns["town"])}
    mpos = {m: i for i, m in enumerate(meas["measure"])}
    if (folder / "effects.csv").exists():
        eff = pd.read_csv(folder / "effects.csv", dtype={"town": str, "measure": str})
        for _, r in eff.iterrows():
            t, m = tpos[r["town"]], mpos[r["measure"]]
            for k, c in enumerate(crit):
                col = f"{c}_per_mln"
                if col in eff.columns and pd.notna(r[col]):
                    coef[t, m, k] = float(r[col])
            if "capacity_mln" in eff.columns and pd.notna(r["capacity_mln"]):
                cap[t, m] = float(r["capacity_mln"])
    mult = np.ones((T, M))
    elig = np.ones((T, M), dtype=bool)
    if (folder / "tier_effects.csv").exists():
        te = pd.read_csv(folder / "tier_effects.csv", dtype=str)
        for _, r in te.iterrows():
            rows = towns["tier"].to_numpy() == r["tier"]
            m = mpos[r["measure"]]
            if isinstance(r.get("multiplier"), str) and r["multiplier"] != "":
                mult[rows, m] = float(r["multiplier"])
            if isinstance(r.get("eligible"), str) and r["eligible"] != "":
                elig[rows, m] = r["eligible"].strip().lower() in ("true", "1", "yes", "y")
    coef = coef * mult[:, :, None]
    return Raw(
        towns=list(towns["town"]),
        regions=list(towns["region"]),
        tiers=list(towns["tier"]),
        population=pop,
        measures=list(meas["measure"]),
        instruments=list(meas["instrument"]),
        cost=meas["budget_cost"].to_numpy(float),
        criteria=crit,
        widths=np.array(curve["widths"], float),
        seg_mult=np.array(curve["multipliers"], float),
        coef=coef,
        cap=np.where(elig, cap, 0.0),
    )


def selection(raw: Raw, rule: dict) -> np.ndarray:
    T, M = len(raw.towns), len(raw.measures)
    sel = np.ones((T, M), dtype=bool)

    def names(v: str | list[str]) -> set[str]:
        return {v} if isinstance(v, str) else set(v)

    if "town" in rule:
        sel &= np.array([t in names(rule["town"]) for t in raw.towns])[:, None]
    if "region" in rule:
        sel &= np.array([r in names(rule["region"]) for r in raw.regions])[:, None]
    if "tier" in rule:
        sel &= np.array([t in names(rule["tier"]) for t in raw.tiers])[:, None]
    if "measure" in rule:
        sel &= np.array([m in names(rule["measure"]) for m in raw.measures])[None, :]
    if "instrument" in rule:
        sel &= np.array([i in names(rule["instrument"]) for i in raw.instruments])[None, :]
    return sel


BOUND_KINDS = ("min_share", "max_share", "min_mln", "max_mln", "min_per_capita", "max_per_capita")


def linprog_solve(
    raw: Raw, scen: dict, weights: np.ndarray
) -> tuple[int, float, np.ndarray | None]:
    """max sum_c weights_c f_c over the LP of SPEC section 3 with scipy (HiGHS).

    Returns (status, optimum, volumes (T, M)); status 0 optimal, 2 infeasible.
    """
    from scipy.optimize import linprog

    c, A_ub, b_ub, A_eq, b_eq, bounds = lp_rows(raw, scen, weights)
    T, M, S = len(raw.towns), len(raw.measures), len(raw.widths)
    res = linprog(
        c,
        A_ub=np.array(A_ub) if A_ub else None,
        b_ub=np.array(b_ub) if b_ub else None,
        A_eq=np.array(A_eq) if A_eq else None,
        b_eq=np.array(b_eq) if b_eq else None,
        bounds=bounds,
        method="highs",
    )
    if res.status != 0:
        return res.status, float("nan"), None
    return 0, -float(res.fun), res.x.reshape(T, M, S).sum(axis=2)


def lp_rows(raw: Raw, scen: dict, weights: np.ndarray) -> tuple:
    """The LP of SPEC section 3 as dense rows for linprog: (c, A_ub, b_ub, A_eq, b_eq,
    bounds), c the negated weighted criteria over the columns x[t, m, s]."""
    T, M, S = len(raw.towns), len(raw.measures), len(raw.widths)
    n = T * M * S
    # per-column effect and money
    seg_coef = raw.coef[:, :, None, :] * raw.seg_mult[None, None, :, None]  # (T,M,S,C)
    c = -(seg_coef @ weights).ravel()
    ub = (raw.cap[:, :, None] * raw.widths[None, None, :]).ravel()
    money = np.repeat(np.broadcast_to(raw.cost, (T, M)).ravel(), S)  # budget cost per column
    cell_of = np.repeat(np.arange(T * M), S)
    A_ub, b_ub, A_eq, b_eq = [], [], [], []
    B = float(scen["budget_mln"])
    if scen.get("spend_all"):
        A_eq.append(money)
        b_eq.append(B)
    else:
        A_ub.append(money)
        b_ub.append(B)
    for inst, lim in scen.get("limits", {}).items():
        meas = np.array([i == inst for i in raw.instruments])
        A_ub.append(np.repeat(np.broadcast_to(meas, (T, M)).ravel(), S).astype(float))
        b_ub.append(float(lim))
    for rule in scen.get("rules", []):
        sel = selection(raw, rule)
        for kind in BOUND_KINDS:
            if kind not in rule:
                continue
            v = float(rule[kind])
            per_town = rule.get("per_town", False) or "per_capita" in kind
            groups = (
                [sel & (np.arange(T) == t)[:, None] for t in range(T) if sel[t].any()]
                if per_town
                else [sel]
            )
            for t_mask in groups:
                s_row = money * t_mask.ravel()[cell_of]
                if "share" in kind:
                    row = s_row - v * money  # S - share * A
                    rhs = 0.0
                elif "per_capita" in kind:
                    t = int(np.flatnonzero(t_mask.any(axis=1))[0])
                    row, rhs = s_row, v * raw.population[t] / 1e6
                else:
                    row, rhs = s_row, v
                if kind.startswith("min_"):
                    A_ub.append(-row)
                    b_ub.append(-rhs)
                else:
                    A_ub.append(row)
                    b_ub.append(rhs)
    return c, A_ub, b_ub, A_eq, b_eq, np.stack([np.zeros(n), ub], axis=1)


def criteria_matrix(raw: Raw) -> np.ndarray:
    """(C, T*M*S): each criterion's coefficient on each column x[t, m, s]."""
    seg_coef = raw.coef[:, :, None, :] * raw.seg_mult[None, None, :, None]
    return seg_coef.reshape(-1, len(raw.criteria)).T


def money_per_column(raw: Raw) -> np.ndarray:
    T, M, S = len(raw.towns), len(raw.measures), len(raw.widths)
    return np.repeat(np.broadcast_to(raw.cost, (T, M)).ravel(), S)


def score(raw: Raw, volumes: np.ndarray) -> np.ndarray:
    """Criteria of (T, M) volumes, segments filled in order (SPEC section 7)."""
    out = np.zeros(len(raw.criteria))
    for t in range(len(raw.towns)):
        for m in range(len(raw.measures)):
            left = volumes[t, m]
            for s in range(len(raw.widths)):
                take = min(max(left, 0.0), raw.cap[t, m] * raw.widths[s])
                out += take * raw.seg_mult[s] * raw.coef[t, m]
                left -= take
    return out


def read_allocation(path: Path, raw: Raw) -> np.ndarray:
    vol = np.zeros((len(raw.towns), len(raw.measures)))
    with path.open() as fh:
        for row in csv.DictReader(fh):
            vol[raw.towns.index(row["town"]), raw.measures.index(row["measure"])] = float(
                row["volume_mln"]
            )
    return vol


def violations(raw: Raw, scen: dict, volumes: np.ndarray, tol: float = 1e-6) -> list[str]:
    """Every bound of the scenario an allocation breaks, plus capacity and eligibility."""
    out = []
    T = volumes.shape[0]
    money = volumes * raw.cost[None, :]
    A = money.sum()
    scale = max(1.0, A)
    if (volumes < -tol).any():
        out.append("negative volume")
    over = volumes - raw.cap
    if (over > tol * np.maximum(1.0, raw.cap)).any():
        out.append(f"capacity exceeded by {over.max():g}")
    B = float(scen["budget_mln"])
    if B + tol * scale < A:
        out.append(f"budget {A} > {B}")
    if scen.get("spend_all") and B - tol * scale > A:
        out.append(f"spend_all: {A} < {B}")
    for inst, lim in scen.get("limits", {}).items():
        meas = np.array([i == inst for i in raw.instruments])
        vol = volumes[:, meas].sum()
        if vol > lim + tol * max(1.0, lim):
            out.append(f"limit {inst}: {vol} > {lim}")
    for i, rule in enumerate(scen.get("rules", [])):
        sel = selection(raw, rule)
        for kind in BOUND_KINDS:
            if kind not in rule:
                continue
            v = float(rule[kind])
            per_town = rule.get("per_town", False) or "per_capita" in kind
            towns = [t for t in range(T) if sel[t].any()] if per_town else [None]
            for t in towns:
                mask = sel if t is None else sel & (np.arange(T) == t)[:, None]
                S = money[mask].sum()
                if "share" in kind:
                    lhs, rhs, sc = S, v * A, scale
                elif "per_capita" in kind:
                    lhs, rhs, sc = S * 1e6 / raw.population[t], v, max(1.0, v)
                else:
                    lhs, rhs, sc = S, v, max(1.0, v)
                bad = lhs < rhs - tol * sc if kind.startswith("min_") else lhs > rhs + tol * sc
                if bad:
                    out.append(f"rules[{i}] {kind} town={t}: {lhs} vs {rhs}")
    return out
