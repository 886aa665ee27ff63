"""Results as frozen dataclasses: what a method returns and what reports read."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np


@dataclass(frozen=True, eq=False)
class Payoff:
    """Row i: the criteria when criterion i is maximized, then the others
    lexicographically with it held. `ideal` is the diagonal, `nadir` the column minima."""

    criteria: tuple[str, ...]
    table: np.ndarray  # (C, C)
    # the budget the table was computed at: the scenario's reference budget (SPEC 14),
    # whose ranges normalize the criteria at every budget the run solves at
    budget_mln: float | None = None

    @property
    def ideal(self) -> np.ndarray:
        return np.diag(self.table).copy()

    @property
    def nadir(self) -> np.ndarray:
        return self.table.min(axis=0)

    @property
    def ranges(self) -> np.ndarray:
        """ideal - nadir, with 1 where the range is (numerically) zero, so dividing is safe."""
        r = self.ideal - self.nadir
        return np.where(r > 1e-6 * np.maximum(1.0, np.abs(self.ideal)), r, 1.0)


@dataclass(frozen=True)
class SolverInfo:
    name: str
    version: str
    seconds: float
    solves: int


class Tightness(StrEnum):
    """Where a constraint stands in the reported plan; the values are summary.json's."""

    binding = "binding"
    binding_no_cost = "binding (no cost)"
    slack = "slack"


@dataclass(frozen=True)
class ShadowPrice:
    """What relaxing one constraint by one unit is worth in the scenario's objective.

    `unit`: 'mln' (one million), 'pp' (one percentage point of share), or
    'per_capita' (one currency unit per resident). For the budget the value is the
    signed rate per extra million; for rules and limits it is the gain from relaxing.

    `binding`: the constraint is at its bound in the reported plan (SPEC section 10),
    whatever its price; binding with a zero price is "binding at no cost", not slack.
    `towns`: for per-town rows, the positions of the towns whose row is at its bound.
    """

    name: str
    kind: str
    unit: str
    value: float
    binding: bool
    towns: tuple[int, ...] = ()

    @property
    def price(self) -> float:
        return self.value

    @property
    def state(self) -> Tightness:
        """Binding at a price, binding at no cost, or slack (SPEC 10)."""
        if not self.binding:
            return Tightness.slack
        return Tightness.binding if abs(self.value) > 1e-12 else Tightness.binding_no_cost


@dataclass(frozen=True)
class Relaxation:
    """One part of an infeasibility diagnosis: a rule that must give, and by how much."""

    name: str
    bound: str
    by_mln: float
    by_pp: float | None = None
    towns: tuple[str, ...] = ()


@dataclass(frozen=True)
class BudgetRepair:
    """The budgets at which the rules hold together: at least `least_mln` (and, with
    spend_all, at most `most_mln`); None where no budget helps. `binds`: the
    scenario's budget lies outside, so money alone repairs it."""

    binds: bool
    least_mln: float | None
    most_mln: float | None


@dataclass(frozen=True)
class RuleRepair:
    """The smallest change of one bound alone that makes the scenario feasible, in the
    bound's own unit (`mln`, `pp`, `per_capita`); `by` None: that bound alone is not enough."""

    rule: str
    bound: str
    value: float
    by: float | None
    unit: str
    relaxed_to: float | None

    @property
    def alone_enough(self) -> bool:
        return self.by is not None


@dataclass(frozen=True)
class Repair:
    budget: BudgetRepair
    rules: tuple[RuleRepair, ...]


@dataclass(frozen=True)
class Diagnosis:
    """Why a scenario is infeasible: the smallest total relaxation (elastic re-solve),
    and the repairs a budget officer asks for next."""

    relaxations: tuple[Relaxation, ...]
    message: str  # in English: summary.json's `message` (documents never change with the language)
    repair: Repair | None = None
    text: str = ""  # the same in the language in use, for the error line a person reads


@dataclass(frozen=True)
class MethodObjective:
    """The objective the scenario's method optimizes, valued at the reported plan
    (SPEC 14): the optimum any solver reaches on `--export-lp`'s file. `criterion`:
    the criterion's identifier where the objective is one criterion."""

    name: str
    maximize: bool
    value: float
    criterion: str | None = None


@dataclass(frozen=True, eq=False)
class Solution:
    """An optimal allocation. `volumes` is (towns, measures) in millions; `objectives`
    are scored from the volumes (segments filled in order), like any actual spend."""

    instance_name: str
    scenario_name: str
    method: str
    budget_mln: float
    volumes: np.ndarray
    cost: np.ndarray  # (T, M) budget cost
    objectives: dict[str, float]
    payoff: Payoff | None
    shadow_prices: tuple[ShadowPrice, ...]
    solver: SolverInfo
    lp_objective: float
    x: np.ndarray = field(repr=False)
    row_dual: np.ndarray = field(repr=False)
    # projects.csv: each project's funding fraction (None: the instance has no projects);
    # their budget cost is in `cost` (by their cell), their effects in `objectives`
    fractions: np.ndarray | None = field(default=None, repr=False)
    mip: bool = False  # solved as a mixed-integer program: no shadow prices exist
    # SPEC section 10 not applied: the optimal face had this many free cells, more than
    # the even-plan step takes (Tuning.solve_max_free); the plan is the vertex
    uneven_free_cells: int | None = None
    method_objective: MethodObjective | None = None  # the method's own objective, SPEC 14

    @property
    def allocated_mln(self) -> float:
        return float(self.cost.sum())
