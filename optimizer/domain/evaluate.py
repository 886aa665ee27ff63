"""Score any allocation (optimal or actual) the same way (SPEC sections 3 and 7).

A cell's volume fills its curve segments in order: segment s holds up to
`capacity * widths[s]` at effect `base * mult * multipliers[s]`. Volume above
capacity, and all volume in an ineligible cell, has no effect, but its money
still counts as spent. The same function scores the solver's allocation and an
actual spend, so they can be compared.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from optimizer.domain.instance import Instance
from optimizer.domain.scenario import PER_CAPITA_BOUNDS, SHARE_BOUNDS, Scenario

TOL = 1e-6


def segment_fill(instance: Instance, volumes: np.ndarray) -> np.ndarray:
    """(T, M, S) volume in each segment when cells are filled in order."""
    start, size = instance.segment_bounds
    return np.clip(volumes[:, :, None] - start, 0.0, size)


def effective_volume(instance: Instance, volumes: np.ndarray) -> np.ndarray:
    """(T, M) volume weighted by its segments' effect multipliers."""
    return segment_fill(instance, volumes) @ instance.seg_mult


def cell_scores(
    instance: Instance, volumes: np.ndarray, base: np.ndarray | None = None
) -> np.ndarray:
    """(T, M, C) criterion values of each cell."""
    effective = effective_volume(instance, volumes)
    if base is None:
        return instance.effect_per_mln * effective[:, :, None]
    return base * (effective * instance.mult * instance.eligible)[:, :, None]


def score_volumes(
    instance: Instance, volumes: np.ndarray, base: np.ndarray | None = None
) -> np.ndarray:
    """(C,) criterion values of an allocation given as (T, M) volumes in millions."""
    effective = effective_volume(instance, volumes)
    if base is None:
        return np.einsum("tm,tmc->c", effective, instance.effect_per_mln)
    return np.einsum("tm,tmc->c", effective * instance.mult * instance.eligible, base)


def score_plan(
    instance: Instance, volumes: np.ndarray, fractions: np.ndarray | None = None
) -> np.ndarray:
    """(C,) criterion values of cell volumes plus, where the instance has projects,
    each project's effects times its funding fraction (SPEC section 12)."""
    values = score_volumes(instance, volumes)
    if fractions is not None and instance.projects is not None:
        values = values + instance.projects.score(fractions)
    return values


def budget_cost(instance: Instance, volumes: np.ndarray) -> np.ndarray:
    """(T, M) budget cost in millions."""
    return volumes * instance.budget_cost[None, :]


@dataclass(frozen=True)
class CellIssue:
    town: str
    measure: str
    volume_mln: float
    without_effect_mln: float


def wasted_cells(
    instance: Instance, volumes: np.ndarray
) -> tuple[list[CellIssue], list[CellIssue]]:
    """Cells with volume above capacity, and cells that are not eligible, with the
    volume that has no effect."""
    over, inelig = [], []
    cap = instance.capacity
    for t, m in zip(*np.nonzero(volumes > TOL), strict=True):
        v = float(volumes[t, m])
        if not instance.eligible[t, m]:
            inelig.append(CellIssue(instance.towns[t], instance.measures[m], v, v))
        elif v > cap[t, m] + TOL:
            over.append(CellIssue(instance.towns[t], instance.measures[m], v, v - float(cap[t, m])))
    return over, inelig


@dataclass(frozen=True)
class Violation:
    """A rule bound (or the budget, or a limit) that an allocation breaks."""

    rule: str
    bound: str
    limit: float
    value: float
    by: float  # how far, in the bound's unit (million, share points, currency per resident)
    unit: str
    town: str | None = None
    instrument: str | None = None  # a limit's instrument (`rule` is then "limit <instrument>")


def check_scenario(
    instance: Instance, scenario: Scenario, volumes: np.ndarray, tol: float = 1e-6
) -> list[Violation]:
    """Every budget, limit and rule bound the allocation breaks, computed from volumes
    alone (no solver objects), so it can check the solver's answer independently."""
    cost = budget_cost(instance, volumes)
    A = float(cost.sum())
    out: list[Violation] = []
    scale = max(1.0, A)
    if scenario.budget_mln + tol * scale < A:
        out.append(
            Violation("budget", "max_mln", scenario.budget_mln, A, A - scenario.budget_mln, "mln")
        )
    if scenario.spend_all and scenario.budget_mln - tol * scale > A:
        out.append(
            Violation("budget", "spend_all", scenario.budget_mln, A, scenario.budget_mln - A, "mln")
        )
    for inst, limit in scenario.limits.items():
        meas = np.array([i == inst for i in instance.instruments])
        vol = float(volumes[:, meas].sum())
        if vol > limit + tol * max(1.0, limit):
            out.append(Violation(f"limit {inst}", "max_mln", limit, vol, vol - limit, "mln",
                                 instrument=inst))  # fmt: skip
    for rule in scenario.rules:
        sel = rule.cells(instance)
        for bnd in rule.bounds:
            per_town = rule.per_town or bnd.kind in PER_CAPITA_BOUNDS
            groups = (
                [(instance.towns[t], sel & (np.arange(instance.n_towns) == t)[:, None])
                 for t in np.flatnonzero(sel.any(axis=1))]
                if per_town else [(None, sel)]
            )  # fmt: skip
            for town, mask in groups:
                S = float(cost[mask].sum())
                if bnd.kind in SHARE_BOUNDS:
                    # compare in money (S against share * A), as the LP does; report points
                    gap_mln = (bnd.value * A - S) if bnd.is_lower else (S - bnd.value * A)
                    if gap_mln > tol * scale:
                        value = S / A if A > 0 else 0.0
                        out.append(Violation(rule.label, bnd.kind, bnd.value, value,
                                             gap_mln / A * 100, "pp", town))  # fmt: skip
                    continue
                if bnd.kind in PER_CAPITA_BOUNDS:
                    t = instance.towns.index(town)
                    value, unit = S * 1e6 / instance.population[t], "per resident"
                else:
                    value, unit = S, "mln"
                gap = (bnd.value - value) if bnd.is_lower else (value - bnd.value)
                if gap > tol * max(1.0, abs(bnd.value)):
                    out.append(Violation(rule.label, bnd.kind, bnd.value, value, gap, unit, town))
    return out
