"""`--export-lp` / `--export-mps` (SPEC section 14): the problem a method solves
last, written so that any LP or MIP solver given the file reaches the objective
value the tool reports for the method (`method_objective` in summary.json).

What each method solves last, in the notation of `scalarize`:

- weighted:      max  sum_c w_c f_c / n_c, the weights divided by their sum (so they
                 sum to 1: the file's optimum is the value reported, not a multiple)
- lexicographic: the last stage: max f_last  s.t.  f_d >= (1 - tol) best_d - margin
                 for the earlier d, at the floors the tool held them at
- epsilon:       max f_p  s.t.  f_c >= eps_c
- reference:     max z + rho sum_c f_c / n_c  s.t.  f_c / n_c - z >= ref_c / n_c, z free
- goal:          min sum_c w_c d_c / n_c  s.t.  f_c + d_c >= target_c, d_c >= 0
- min_budget:    min A  s.t.  f_c >= target_c, A <= budget

The problem is not rewritten here from the method's formulas: the method runs on a
view of the engine that records each solve (`Recording`), without its efficiency
polish, and the last solve it makes is what is written. So the file holds the
normalizers, floors, targets and row bounds the tool used, and cannot drift from
the method as it is solved. With projects the problem is the MIP (the on/off
columns integer, binary by their bounds).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from pathlib import Path

import numpy as np

from optimizer.domain.results import MethodObjective
from optimizer.domain.scenario import Method
from optimizer.lp.engine import Engine, EngineView
from optimizer.lp.pulp import write_problem
from optimizer.lp.session import Extension, LpResult
from optimizer.methods.describe import describe
from optimizer.methods.scalarize import SCALARIZATIONS

# ----------------------------------------------------------------------------- the objectives

# a criterion's name in the file: its index (STYLE habit 4: PuLP rewrites spaces and dashes)
CRITERION = "f_c{i}"


def method_objective(eng: Engine, values: np.ndarray, allocated_mln: float) -> MethodObjective:
    """The scenario's method's objective at a plan with criteria `values` and budget
    cost `allocated_mln` (summary.json's `method_objective`): at the reported plan, the
    optimum of the problem `export_problem` writes."""
    method = eng.scenario.objective.method
    form = describe(method).form
    criterion = None if form.criterion is None else eng.criteria[form.criterion(eng)]
    value = form.value(eng, np.asarray(values, dtype=float), float(allocated_mln))
    about = describe(method)
    return MethodObjective(about.export_name, about.maximizes, value, criterion)


# ----------------------------------------------------------------------------- the last problem


@dataclass(eq=False)
class Recording(EngineView):
    """An engine view that keeps the arguments of its last solve, with its own row
    bounds merged in: what the method solved last, as it was handed to the solver."""

    last: tuple[np.ndarray, bool, Extension | None, dict[int, tuple[float, float]]] | None = field(
        default=None, repr=False
    )

    def run(
        self,
        cost: np.ndarray,
        maximize: bool = True,
        extension: Extension | None = None,
        row_bounds: dict[int, tuple[float, float]] | None = None,
    ) -> LpResult:
        merged = self.bounds_with(row_bounds) or {}
        self.last = (np.array(cost, dtype=float), maximize, extension, merged)
        return super().run(cost, maximize, extension, row_bounds)


def recording(eng: Engine) -> Recording:
    """`eng` seen through a `Recording`: the same model, session, payoff table and row
    bounds (a view's included), the methods' efficiency polish skipped (`raw`): it
    moves the plan among the method's optima, not the method's objective."""
    view = eng if isinstance(eng, EngineView) else eng.view()
    kept = {f.name: getattr(view, f.name) for f in fields(view) if f.init}
    kept.update(raw=True, parent=view.parent if view.parent is not None else eng)
    return Recording(**kept)


@dataclass(frozen=True, eq=False)
class LastProblem:
    """The problem a method solved last: its objective over the model's columns then
    the extension's (`cost`, already scaled to the objective reported), the
    extension, the moved row bounds, and the names the file gives them."""

    method: Method
    objective: str  # the objective's name in the file
    cost: np.ndarray
    maximize: bool
    extension: Extension
    row_bounds: dict[int, tuple[float, float]]
    ext_col_names: tuple[str, ...]


def index_names(eng: Engine, ext: Extension) -> tuple[str, ...]:
    """The extension's rows named by criterion index (`floor_c0`, not `floor_jobs`):
    the engine names them after the criteria, which may hold any character."""
    by_name = {
        f"{kind}_{c}": f"{kind}_c{i}"
        for kind in ("floor", "ref", "goal")
        for i, c in enumerate(eng.criteria)
    }
    return tuple(by_name.get(n, f"row{k}") for k, n in enumerate(ext.row_names))


def last_problem(eng: Engine) -> LastProblem:
    """Run the scenario's method on a recording view of `eng` and return the last
    problem it solved. Raises InfeasibleError when the scenario has no plan."""
    method = eng.scenario.objective.method
    form = describe(method).form
    rec = recording(eng)
    SCALARIZATIONS[method].solve(rec)
    assert rec.last is not None  # every method solves at least once
    cost, maximize, ext, bounds = rec.last
    ext = ext if ext is not None else Extension()
    rows = index_names(eng, ext)
    cols = form.columns(rows)
    if len(cols) != ext.n_cols:  # a method that adds columns names them in its form
        cols = tuple(f"v{k}" for k in range(ext.n_cols))
    return LastProblem(method, describe(method).export_name, cost * form.scale(eng), maximize,
                       replace(ext, row_names=rows), bounds, cols)  # fmt: skip


# ----------------------------------------------------------------------------- the files


def header(eng: Engine, problem: LastProblem) -> list[str]:
    """The files' comment lines: which problem this is and what its names mean."""
    obj, form = eng.scenario.objective, describe(problem.method).form
    objective = problem.objective
    if form.criterion is not None:
        objective += f" ({CRITERION.format(i=form.criterion(eng))})"
    lines = [
        f"monotowns: instance {plain(eng.instance.name)}, scenario {plain(eng.scenario.name)}",
        f"method {problem.method.value}: {form.formula}",
        f"objective {objective}: its optimum is method_objective in summary.json",
        "criteria: "
        + ", ".join(f"{CRITERION.format(i=i)} = {plain(c)}" for i, c in enumerate(eng.criteria)),
        "columns: x_t{t}_m{m}_s{s} volume of town t, measure m, curve segment s (mln); "
        "A allocated budget (mln)"
        + ("; y_p{p}, z_p{p} project p's fraction and on/off" if eng.model.n_proj else ""),
    ]
    if describe(obj.method).normalized:
        n = eng.normalizers()
        source = "none: 1"
        if obj.normalize != "none":
            at = eng.payoff().budget_mln
            source = "payoff ranges" + ("" if at is None else f" at the budget {at:.12g} mln")
        lines.append(
            f"normalizers n_c ({source}): "
            + ", ".join(f"{CRITERION.format(i=i)} {v:.12g}" for i, v in enumerate(n))
        )
    return lines


def plain(text: str) -> str:
    """A name on one line of printable ASCII (a comment line must not end early)."""
    return " ".join(str(text).split()).encode("ascii", "backslashreplace").decode("ascii")


def export_problem(eng: Engine, lp_path: Path | None, mps_path: Path | None) -> None:
    """Write the problem the scenario's method solves last as an LP and/or MPS file.

    Solves the method again on `eng` (its payoff table kept), so the file holds
    exactly the numbers of the run; raises InfeasibleError when there is no plan."""
    if lp_path is None and mps_path is None:
        return
    problem = last_problem(eng)
    write_problem(
        eng.model,
        problem.cost,
        problem.maximize,
        problem.extension,
        problem.row_bounds,
        name=f"monotowns_{problem.method.value}",
        objective_name=problem.objective,
        ext_col_names=problem.ext_col_names,
        header=header(eng, problem),
        lp_path=lp_path,
        mps_path=mps_path,
    )
