"""Each method of SPEC section 5 described as data, so that no caller asks a method's
name to know what its answer means.

A `MethodDescription` says what the method optimizes and in which sense, which
`[objective]` keys it reads, which of them are hard bounds on the criteria (the
rows whose duals price "one more unit of the target"), what its margin is in
words' units (`Margin`), how its objective is named in an exported problem, and
two pieces of arithmetic:

- `last_lp(scenario, criteria, n)`: the criteria part of the last LP the method
  solves (`scalarize.solve_<method>`), i.e. the objective's weight on each
  criterion and, for every row the method adds, its combination of the criteria,
  in the order the method adds them. With the LP's row duals this prices any
  cell column: `explain` reads a cell's worth from it;
- `value(scenario, n, f, allocated)`: the method's objective at a plan with
  criteria `f` and budget cost `allocated`, so that two plans (an optimum and a
  re-solve with a project forced in) are compared in the method's own terms.

`n` are the normalizers (`Engine.normalizers()`); `f` a (C,) array in the
instance's criteria order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from optimizer.domain.scenario import Method, Objective, Scenario
from optimizer.lp.engine import Engine


class Margin(StrEnum):
    """What the margin of a cell (the price a million must earn) is measured in."""

    # the method's objective per million of budget cost (weighted sum, a criterion, ...)
    objective = "objective per unit"
    # millions of budget per unit of the binding targets: the least budget is the answer
    budget = "budget per unit of target"


@dataclass(frozen=True)
class LastLp:
    """The criteria part of a method's last LP.

    `objective` (C,): its cost on each criterion (a cell column's cost is
    `objective . F_j`); `rows` (k, C): each added row's combination of the
    criteria (its coefficients on cell columns are `rows @ F`), in the order the
    method adds them after the base rows; `maximize`: the LP's sense."""

    objective: np.ndarray
    rows: np.ndarray
    maximize: bool


@dataclass(frozen=True)
class MethodDescription:
    """One method of SPEC section 5 (see the module docstring)."""

    method: Method
    maximizes: bool  # goal and min_budget minimize: a gain is a decrease
    margin: Margin
    export_name: str  # the objective's name in an exported LP or MPS file
    settings: tuple[str, ...]  # the [objective] keys it reads (besides `method`)
    # the [objective] key whose values are hard floors `f_c >= value` on criteria
    # (their rows' duals: the cost of one more unit), or None
    bounds: str | None
    # the [objective] key of the per-criterion values it aims at, hard or soft: floors,
    # targets, the reference point (shown beside the criteria), or None
    aims: str | None
    last_lp: Callable[[Objective, tuple[str, ...], np.ndarray], LastLp]
    value: Callable[[Objective, tuple[str, ...], np.ndarray, np.ndarray, float], float]
    # the criterion the objective counts in, when it is one (epsilon's primary), or None
    counted_in: Callable[[Objective], str | None] = lambda obj: None

    @property
    def form(self) -> ObjectiveForm:
        """How its objective is written in an exported problem and valued at a plan."""
        return FORMS[self.method]

    @property
    def normalized(self) -> bool:
        """Its objective divides the criteria by the normalizers (payoff ranges)."""
        return "normalize" in self.settings

    @property
    def staged(self) -> bool:
        """It solves in stages, each criterion of `order` held at (1 - tolerance) of its
        best: the scenario's objective is the first stage's criterion, and one more
        unit is priced on that stage's LP (lexicographic)."""
        return "order" in self.settings

    @property
    def least_budget(self) -> bool:
        """The method's answer is a budget: the scenario's budget is only its cap."""
        return self.margin is Margin.budget

    def criteria_weights(
        self, objective: Objective, criteria: tuple[str, ...], n: np.ndarray
    ) -> np.ndarray | None:
        """The method's objective as weights on the criteria alone, when it is one (a
        maximized LP with no rows of its own: weighted, `w_c / n_c`), else None; a
        plan's objective is then `weights . f`, whatever the effects drawn."""
        last = self.last_lp(objective, criteria, n)
        return last.objective if last.maximize and not last.rows.size else None

    def bound_values(self, objective: Objective) -> dict[str, float]:
        """The hard floors on criteria, criterion -> value (empty when none)."""
        return dict(getattr(objective, self.bounds)) if self.bounds else {}

    def aimed(self, objective: Objective) -> dict[str, float]:
        """The per-criterion values the method aims at, criterion -> value (or empty)."""
        return dict(getattr(objective, self.aims)) if self.aims else {}

    def bound_rows(self, objective: Objective, criteria: tuple[str, ...]) -> tuple[str, ...]:
        """The criteria of the floor rows, in the order the method adds them
        (`Engine.floors` sorts them by the criteria's order)."""
        wanted = self.bound_values(objective)
        return tuple(c for c in criteria if c in wanted)


def unit(criteria: tuple[str, ...], names: tuple[str, ...] | list[str]) -> np.ndarray:
    """(len(names), C): one row per named criterion, a 1 in its column."""
    return np.eye(len(criteria))[[criteria.index(c) for c in names]].reshape(-1, len(criteria))


def none(criteria: tuple[str, ...]) -> np.ndarray:
    return np.zeros((0, len(criteria)))


# ----------------------------------------------------------------------------- last LPs


def weighted_lp(obj: Objective, crit: tuple[str, ...], n: np.ndarray) -> LastLp:
    """max sum_c w_c f_c / n_c."""
    return LastLp(obj.weight_vector(crit) / n, none(crit), True)


def lexicographic_lp(obj: Objective, crit: tuple[str, ...], n: np.ndarray) -> LastLp:
    """The last stage: max the last criterion of `order`, the earlier ones held."""
    held = [c for c in crit if c in obj.order[:-1]]
    return LastLp(unit(crit, [obj.order[-1]])[0], unit(crit, held), True)


def epsilon_lp(obj: Objective, crit: tuple[str, ...], n: np.ndarray) -> LastLp:
    """max the primary criterion s.t. f_c >= epsilon_c."""
    assert obj.primary is not None
    floors = [c for c in crit if c in obj.epsilon]
    return LastLp(unit(crit, [obj.primary])[0], unit(crit, floors), True)


def reference_lp(obj: Objective, crit: tuple[str, ...], n: np.ndarray) -> LastLp:
    """max z + rho sum_c f_c / n_c s.t. f_c / n_c - z >= ref_c / n_c."""
    rows = unit(crit, list(obj.ref)) / n[None, :]
    return LastLp(obj.rho / n, rows, True)


def goal_lp(obj: Objective, crit: tuple[str, ...], n: np.ndarray) -> LastLp:
    """min sum_c w_c d_c / n_c s.t. f_c + d_c >= target_c: no cost on the cells."""
    return LastLp(np.zeros(len(crit)), unit(crit, list(obj.targets)), False)


def min_budget_lp(obj: Objective, crit: tuple[str, ...], n: np.ndarray) -> LastLp:
    """min A s.t. f_c >= target_c: the cells cost only through the allocation row."""
    floors = [c for c in crit if c in obj.targets]
    return LastLp(np.zeros(len(crit)), unit(crit, floors), False)


# ----------------------------------------------------------------------------- values


def at(crit: tuple[str, ...], f: np.ndarray, name: str) -> float:
    return float(f[crit.index(name)])


def weighted_value(obj: Objective, crit: tuple[str, ...], n: np.ndarray, f: np.ndarray,
                   allocated: float) -> float:  # fmt: skip
    return float(obj.weight_vector(crit) / n @ f)


def lexicographic_value(obj: Objective, crit: tuple[str, ...], n: np.ndarray, f: np.ndarray,
                        allocated: float) -> float:  # fmt: skip
    """The first criterion of `order`: the one the later stages may not give up."""
    return at(crit, f, obj.order[0])


def epsilon_value(obj: Objective, crit: tuple[str, ...], n: np.ndarray, f: np.ndarray,
                  allocated: float) -> float:  # fmt: skip
    assert obj.primary is not None
    return at(crit, f, obj.primary)


def reference_value(obj: Objective, crit: tuple[str, ...], n: np.ndarray, f: np.ndarray,
                    allocated: float) -> float:  # fmt: skip
    """min_c (f_c - ref_c) / n_c + rho sum_c f_c / n_c (achievement scalarizing)."""
    worst = min((at(crit, f, c) - r) / float(n[crit.index(c)]) for c, r in obj.ref.items())
    return float(worst + obj.rho * (f / n).sum())


def goal_value(obj: Objective, crit: tuple[str, ...], n: np.ndarray, f: np.ndarray,
               allocated: float) -> float:  # fmt: skip
    """sum_c w_c max(0, target_c - f_c) / n_c: the weighted shortfall (minimized)."""
    w = obj.weight_vector(crit)
    return float(
        sum(w[crit.index(c)] * max(0.0, t - at(crit, f, c)) / n[crit.index(c)]
            for c, t in obj.targets.items())
    )  # fmt: skip


def min_budget_value(obj: Objective, crit: tuple[str, ...], n: np.ndarray, f: np.ndarray,
                     allocated: float) -> float:  # fmt: skip
    return float(allocated)


# ----------------------------------------------------------------------------- the table


DESCRIPTIONS: dict[Method, MethodDescription] = {
    d.method: d
    for d in (
        MethodDescription(Method.weighted, True, Margin.objective, "weighted_criteria",
                          ("weights", "normalize"), None, None, weighted_lp, weighted_value),
        MethodDescription(Method.lexicographic, True, Margin.objective, "last_criterion",
                          ("order", "tolerance"), None, None, lexicographic_lp,
                          lexicographic_value, lambda obj: obj.order[0]),
        MethodDescription(Method.epsilon, True, Margin.objective, "primary_criterion",
                          ("primary", "epsilon"), "epsilon", "epsilon", epsilon_lp,
                          epsilon_value, lambda obj: obj.primary),
        MethodDescription(Method.reference, True, Margin.objective, "achievement",
                          ("ref", "rho", "normalize"), None, "ref", reference_lp,
                          reference_value),
        MethodDescription(Method.goal, False, Margin.objective, "weighted_deviation",
                          ("targets", "weights", "normalize"), None, "targets", goal_lp,
                          goal_value),
        MethodDescription(Method.min_budget, False, Margin.budget, "allocated_budget",
                          ("targets",), "targets", "targets", min_budget_lp,
                          min_budget_value),
    )
}  # fmt: skip


def describe(method: Method | str | Scenario) -> MethodDescription:
    """The description of a method, or of a scenario's method."""
    if isinstance(method, Scenario):
        method = method.objective.method
    return DESCRIPTIONS[Method(method)]


# ----------------------------------------------------------------------------- written objectives
# How each method's objective is written in an exported problem and valued at a plan
# (SPEC 14: summary.json's method_objective, the optimum of the file `--export-lp`
# writes). Read through `MethodDescription.form`.


@dataclass(frozen=True)
class ObjectiveForm:
    """How a method's objective is written and valued (SPEC 14), besides what its
    description says (`describe`: its sense, and `export_name`, the objective's name
    in summary.json and in the file).

    `formula`: the file's comment line. `value(eng, f, A)`: the objective at a plan
    with criteria `f` and allocated budget `A`. `criterion(eng)`: the index of the
    criterion the objective is, where it is one (summary.json names its identifier).
    `scale(eng)`: what turns the costs the method solves with into the objective
    reported (weighted: the weights divided by their sum). `columns(rows)`: the
    extension's columns named from its rows' names."""

    formula: str
    value: Callable[[Engine, np.ndarray, float], float]
    criterion: Callable[[Engine], int] | None = None
    scale: Callable[[Engine], float] = lambda eng: 1.0
    columns: Callable[[tuple[str, ...]], tuple[str, ...]] = lambda rows: ()


def raw_weights(eng: Engine) -> np.ndarray:
    return eng.scenario.objective.weight_vector(eng.criteria)


def written_weighted(eng: Engine, f: np.ndarray, allocated: float) -> float:
    w = raw_weights(eng)
    return float((w / w.sum()) @ (f / eng.normalizers()))


def last_criterion(eng: Engine) -> int:
    return eng.criteria.index(eng.scenario.objective.order[-1])


def primary_criterion(eng: Engine) -> int:
    primary = eng.scenario.objective.primary
    assert primary is not None  # checked with the scenario (NEEDS)
    return eng.criteria.index(primary)


def written_reference(eng: Engine, f: np.ndarray, allocated: float) -> float:
    """z + rho sum_c f_c / n_c, z at its best: the least (f_c - ref_c) / n_c."""
    obj, n = eng.scenario.objective, eng.normalizers()
    idx = [eng.criteria.index(c) for c in obj.ref]
    ref = np.array([obj.ref[eng.criteria[i]] for i in idx])
    z = float(np.min((f[idx] - ref) / n[idx]))
    return z + float(np.sum(obj.rho * f / n))


def written_goal(eng: Engine, f: np.ndarray, allocated: float) -> float:
    """sum_c w_c d_c / n_c, d_c at its least: the shortfall max(0, target_c - f_c)."""
    obj, n = eng.scenario.objective, eng.normalizers()
    idx = [eng.criteria.index(c) for c in obj.targets]
    target = np.array([obj.targets[eng.criteria[i]] for i in idx])
    return float(np.sum(raw_weights(eng)[idx] * np.maximum(target - f[idx], 0.0) / n[idx]))


FORMS: dict[Method, ObjectiveForm] = {
    Method.weighted: ObjectiveForm(
        "maximize sum_c w_c f_c / n_c, the weights summing to 1",
        written_weighted,
        scale=lambda eng: 1.0 / float(raw_weights(eng).sum()),
    ),
    Method.lexicographic: ObjectiveForm(
        "the last stage: maximize the last criterion of the order, the earlier ones "
        "held at (1 - tolerance) of their best (rows floor_c*)",
        lambda eng, f, a: float(f[last_criterion(eng)]),
        criterion=last_criterion,
    ),
    Method.epsilon: ObjectiveForm(
        "maximize the primary criterion subject to f_c >= eps_c (rows floor_c*)",
        lambda eng, f, a: float(f[primary_criterion(eng)]),
        criterion=primary_criterion,
    ),
    Method.reference: ObjectiveForm(
        "maximize z + rho sum_c f_c / n_c subject to f_c / n_c - z >= ref_c / n_c "
        "(rows ref_c*, z free)",
        written_reference,
        columns=lambda rows: ("z",),
    ),
    Method.goal: ObjectiveForm(
        "minimize sum_c w_c d_c / n_c subject to f_c + d_c >= target_c (rows goal_c*, d_c >= 0)",
        written_goal,
        columns=lambda rows: tuple("d_" + r.removeprefix("goal_") for r in rows),
    ),
    Method.min_budget: ObjectiveForm(
        "minimize the allocated budget A subject to f_c >= target_c (rows floor_c*), "
        "A <= the budget",
        lambda eng, f, a: a,
    ),
}
