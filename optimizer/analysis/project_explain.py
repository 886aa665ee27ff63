"""`explain --project P`: what funding a project costs, by re-solving (SPEC section 12).

A mixed-integer program has no duals, so the question "what does project P cost the
programme" is answered by two more solves of the scenario's own method:

- **forced in**: `y_P >= m` (m = its min_fraction, or 1 when it is divisible), and
  every alternative of its group off;
- **forced out**: `y_P <= 0`.

Both change the project's row `y_P - z_P <= 0` in place (the coefficient of `z_P`
set to 0 and the row's bounds moved; for a group, its row `sum z <= 1` moved to
`<= 0`), so the model is not rebuilt; the normalization stays the scenario's.
The loss of the variant that differs from the optimum is what the decision is worth:
for a funded project, what dropping it loses; for an unfunded one, what forcing it
in loses. It is measured in the method's own objective (`describe(method).value`):
the weighted normalized score for `weighted`, the least budget for `min_budget`
(a loss is the budget it adds), the primary criterion for `epsilon`, and so on.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass

import numpy as np

from optimizer.domain.instance import Instance
from optimizer.domain.results import Solution
from optimizer.domain.scenario import Scenario
from optimizer.errors import InfeasibleError, InstanceError
from optimizer.lp.engine import Engine
from optimizer.lp.model import INF
from optimizer.methods.describe import Margin, describe
from optimizer.methods.scalarize import SCALARIZATIONS
from optimizer.methods.solution import make_solution, optimize_engine


@dataclass(frozen=True)
class Variant:
    """The scenario re-solved with the project forced in or out (None: infeasible)."""

    forced: str  # "in" | "out"
    objectives: dict[str, float] | None
    allocated_mln: float | None
    funded: tuple[str, ...]  # projects funded in this variant
    objective: float | None = None  # the method's objective (None: infeasible)


@dataclass(frozen=True)
class ProjectExplanation:
    project: str
    fraction: float  # at the optimum
    objectives: dict[str, float]  # at the optimum
    objective: float  # the method's objective at the optimum (`describe(method).value`)
    forced_in: Variant
    forced_out: Variant
    method: str  # the scenario's method, whose objective measures the loss
    maximizes: bool  # its sense: a loss is a fall (maximized) or a rise (minimized)
    margin: Margin = Margin.objective  # Margin.budget: the objective is the least budget
    normalized: bool = False  # the objective divides criteria by their payoff ranges

    def loss(self, v: Variant) -> float | None:
        """What forcing costs in the method's objective, positive when worse (None:
        infeasible): the fall of a maximized objective, the rise of a minimized one
        (for min_budget, the budget it adds)."""
        change = self.change(v)
        if change is None:
            return None
        return -change if self.maximizes else change

    def change(self, v: Variant) -> float | None:
        """The method's objective forced less at the optimum (None: infeasible); a
        difference within round-off of the objective's size is 0."""
        if v.objective is None:
            return None
        d = v.objective - self.objective
        return 0.0 if abs(d) <= 1e-9 * max(1.0, abs(self.objective)) else float(d)


def explain_project(
    instance: Instance,
    scenario: Scenario,
    project: str,
    solver: str = "highs",
    engine: Engine | None = None,
    plan: Solution | None = None,
) -> ProjectExplanation:
    """What funding `project` costs in the plan `solve` reports (`engine` and `plan`:
    a study's, used as they are; otherwise solved here)."""
    pr = instance.projects
    if pr is None:
        raise InstanceError(f"--project: {instance.path} has no projects.csv")
    if project not in pr.names:
        near = ", ".join(pr.names[:8]) + (" ..." if len(pr) > 8 else "")
        raise InstanceError(f"--project: unknown project {project!r} (projects: {near})")
    p = pr.index(project)
    eng = engine if engine is not None else Engine.open(instance, scenario, solver)
    sol = plan if plan is not None else optimize_engine(eng)
    desc = describe(scenario)
    assert sol.fractions is not None
    return ProjectExplanation(
        project=project,
        fraction=float(sol.fractions[p]),
        objectives=sol.objectives,
        objective=method_value(eng, sol.objectives, sol.allocated_mln),
        forced_in=forced(eng, p, True),
        forced_out=forced(eng, p, False),
        method=str(scenario.objective.method),
        maximizes=desc.maximizes,
        margin=desc.margin,
        normalized="normalize" in desc.settings and scenario.objective.normalize != "none",
    )


def method_value(eng: Engine, objectives: dict[str, float], allocated: float) -> float:
    """The scenario's method's objective at a plan (its normalizers held)."""
    f = np.array([objectives[c] for c in eng.criteria])
    return describe(eng.scenario).value(
        eng.scenario.objective, eng.criteria, eng.normalizers(), f, allocated
    )


def forced(eng: Engine, p: int, funded: bool) -> Variant:
    m = eng.model
    pr = eng.instance.projects
    assert pr is not None
    on_row = m.block(f"project{p}_on").start
    col_z = m.col_A + 1 + p
    least = float(pr.min_fraction[p]) if pr.min_fraction[p] > 0 else 1.0
    overrides = {on_row: (least, INF) if funded else (-INF, 0.0)}
    if funded and pr.group[p]:
        groups = sorted(pr.groups())
        k = groups.index(pr.group[p])
        with suppress(KeyError):  # a group of one has no row
            overrides[m.block(f"group{k}").start] = (-INF, 0.0)
    with eng.coefficients({(on_row, col_z): 0.0}):
        view = eng.view(overrides=overrides)
        try:
            res = SCALARIZATIONS[eng.scenario.objective.method].solve(view)
        except InfeasibleError:
            return Variant("in" if funded else "out", None, None, ())
        sol = make_solution(view, res, describe(eng.scenario).maximizes)
    y = sol.fractions if sol.fractions is not None else np.zeros(len(pr))
    names = tuple(pr.names[j] for j in np.flatnonzero(y > 0))
    value = method_value(eng, sol.objectives, sol.allocated_mln)
    return Variant("in" if funded else "out", sol.objectives, sol.allocated_mln, names, value)
