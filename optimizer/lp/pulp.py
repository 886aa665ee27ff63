"""The same model as a PuLP problem: CBC (PuLP's bundled binary) as the alternative
solver, built anew for every solve from the model's arrays (a fallback, not a fast
path), and the LP/MPS files of `--export-lp` / `--export-mps` (`write_problem`).
"""

from __future__ import annotations

import os
import time
import warnings
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from optimizer.errors import InfeasibleError, SolverError
from optimizer.i18n import N_, _
from optimizer.lp.model import INF, LinearModel
from optimizer.lp.session import Extension, Feature, LpResult, Near, UnsupportedFeature

# PuLP's status words (`pulp.LpStatus`), marked for the catalogs.
CBC_STATUSES = (N_("Not Solved"), N_("Optimal"), N_("Infeasible"), N_("Unbounded"), N_("Undefined"))

# ----------------------------------------------------------------------------- CBC via PuLP


class CbcSession:
    """PuLP's bundled CBC: builds the PuLP problem for every solve (no warm start)."""

    name = "CBC"
    # Each solve is a separate CBC run on a file PuLP writes: no basis or
    # reduced costs come back, no start or option reaches it between runs, and its
    # answers (about 1e-6 relative) are too coarse to hold the even plan's face.
    FEATURES: frozenset[Feature] = frozenset()

    def __init__(self, model: LinearModel, time_limit: float | None = None) -> None:
        import pulp

        self.pulp = pulp
        self.model = model
        self.time_limit = time_limit
        self.version = f"bundled with PuLP {pulp.__version__}"

    def supports(self, feature: Feature) -> bool:
        return feature in self.FEATURES

    def fork(self) -> CbcSession:
        """CBC runs one solve per process already; no second session is offered."""
        raise UnsupportedFeature(self.name, Feature.FORK)

    @contextmanager
    def hinted(
        self, objective_step: float | None = None, near: Near | None = None
    ) -> Iterator[None]:
        """No hints reach CBC: a block without any runs as it is, one with a hint stops."""
        if objective_step is not None:
            raise UnsupportedFeature(self.name, Feature.OPTIONS)
        if near is not None:
            raise UnsupportedFeature(self.name, Feature.MIP_START)
        yield

    def lean_search(self) -> AbstractContextManager[None]:
        """CBC's options are not set between runs."""
        raise UnsupportedFeature(self.name, Feature.OPTIONS)

    def reset(self) -> None:
        """Every CBC solve starts cold."""

    def release(self) -> None:
        """Every CBC solve builds its problem anew."""

    def get_basis(self) -> None:
        """CBC through PuLP hands no basis back."""
        return None

    def set_basis(self, basis: object) -> None:
        """Every CBC solve starts cold."""

    def change_coefficient(self, row: int, col: int, value: float) -> None:
        """The next problems are built with the coefficient changed (a copy of the
        model's arrays: the model itself is shared and stays as built)."""
        m = self.model
        lo, hi = int(m.row_start[row]), int(m.row_start[row + 1])
        at = np.flatnonzero(m.row_index[lo:hi] == col)
        if len(at):
            values = m.row_value.copy()
            values[lo + int(at[0])] = value
            self.model = replace(m, row_value=values)
            return
        starts = m.row_start.copy()
        starts[row + 1 :] += 1
        self.model = replace(
            m,
            row_start=starts,
            row_index=np.insert(m.row_index, hi, col).astype(np.int32),
            row_value=np.insert(m.row_value, hi, value),
        )

    def solve(
        self,
        cost: np.ndarray,
        maximize: bool,
        extension: Extension | None = None,
        row_bounds: dict[int, tuple[float, float]] | None = None,
    ) -> LpResult:
        pulp = self.pulp
        # Scale the objective so its largest cost is 1, as the HiGHS session does:
        # payoff-normalized weights give costs near 1e-5 to 1e-7, where CBC's dual
        # feasibility tolerance (1e-7, absolute) lets it stop at a vertex that is not
        # optimal (weighted objective 7e-4 short on 60 generated towns; 5% short at
        # 10,000 towns). The objective value and the duals are scaled back.
        cost = np.asarray(cost, dtype=float)
        top = float(np.abs(cost).max()) if len(cost) else 0.0
        scale = 1.0 / top if top > 0 else 1.0
        prob, cols, rows = to_pulp(self.model, cost * scale, maximize, extension, row_bounds)
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            # PuLP 3 marks its bundled CBC deprecated (removed in PuLP 4); pyproject pins < 4.
            warnings.simplefilter("ignore", DeprecationWarning)
            # gapRel: CBC's own default gap is not 0; a proven optimum is asked for
            # (or the --gap the user gave).
            gap = self.model.mip_gap if self.model.is_mip else None
            prob.solve(pulp.PULP_CBC_CMD(msg=False, timeLimit=self.time_limit, gapRel=gap))
        seconds = time.perf_counter() - t0
        status = pulp.LpStatus[prob.status]
        if status == "Infeasible":
            raise InfeasibleError(_("the scenario is infeasible"))
        if status != "Optimal":
            raise SolverError(
                _("CBC stopped without a proven optimum: {status}").format(status=_(status))
            )
        x = np.array([v.varValue or 0.0 for v in cols])
        if outside(self.model, extension, row_bounds, x):
            # CBC can call "Optimal" a plan far outside the rows it was given (a column
            # at -71,568 where its bound is 0, when the rows hold earlier bests exactly
            # on a generated instance): no optimum was proven; the caller's holds,
            # loosened, decide (`Engine.held_stage`)
            raise InfeasibleError(_("the scenario is infeasible"))
        duals = np.zeros(len(rows))
        for i, cons in enumerate(rows):
            for c in cons:
                if c.pi is not None:
                    duals[i] += c.pi
        # PuLP/CBC duals are d(objective)/d(rhs) for the problem as stated.
        objective = float(pulp.value(prob.objective) or 0.0) / scale
        return LpResult(x=x, row_dual=duals / scale, objective=objective, seconds=seconds)


def outside(
    model: LinearModel,
    extension: Extension | None,
    row_bounds: dict[int, tuple[float, float]] | None,
    x: np.ndarray,
    tol: float = 1e-6,
) -> bool:
    """Whether plan `x` breaks a column bound or a row of the problem (the model, the
    extension and the moved row bounds) by more than `tol` of the row's size (CBC's
    plans are written with 8 significant digits, far inside it)."""
    ext = extension or Extension()
    lb = np.concatenate([model.col_lb, ext.col_lb])
    ub = np.concatenate([model.col_ub, ext.col_ub])
    if ((lb - x) > tol * (1.0 + np.abs(lb))).any() or ((x - ub) > tol * (1.0 + np.abs(ub))).any():
        return True
    r_lb = np.concatenate([model.row_lb, ext.row_lb])
    r_ub = np.concatenate([model.row_ub, ext.row_ub])
    for i, (lo, hi) in (row_bounds or {}).items():
        r_lb[i], r_ub[i] = lo, hi
    act, size = [], []
    for start, index, value in ((model.row_start, model.row_index, model.row_value),
                                (ext.row_start, ext.row_index, ext.row_value)):  # fmt: skip
        rows = np.repeat(np.arange(len(start) - 1), np.diff(start))
        terms = value * x[index]
        act.append(np.bincount(rows, weights=terms, minlength=len(start) - 1))
        size.append(np.bincount(rows, weights=np.abs(terms), minlength=len(start) - 1))
    activity, scale = np.concatenate(act), tol * (1.0 + np.concatenate(size))
    with np.errstate(invalid="ignore"):
        low = np.where(r_lb > -INF, r_lb - activity, 0.0)
        high = np.where(r_ub < INF, activity - r_ub, 0.0)
    return bool((low > scale).any() or (high > scale).any())


def to_pulp(
    model: LinearModel,
    cost: np.ndarray | None = None,
    maximize: bool = True,
    extension: Extension | None = None,
    row_bounds: dict[int, tuple[float, float]] | None = None,
    *,
    name: str = "monotowns",
    objective_name: str | None = None,
    ext_col_names: Sequence[str] | None = None,
) -> tuple[Any, list[Any], list[list[Any]]]:
    """The same model as a PuLP problem, built in bulk from the arrays.

    Returns the problem, its variables in column order, and for each row the
    PuLP constraints it became (a ranged row becomes two). `ext_col_names` names the
    extension's columns (default `z0`, `z1`, ...), `objective_name` the objective.
    """
    import pulp

    from optimizer.lp.model import column_names, row_names

    ext = extension or Extension()
    n = model.n_cols + ext.n_cols
    extra = list(ext_col_names) if ext_col_names else [f"z{k}" for k in range(ext.n_cols)]
    names = column_names(model) + extra
    lb = np.concatenate([model.col_lb, ext.col_lb])
    ub = np.concatenate([model.col_ub, ext.col_ub])
    prob = pulp.LpProblem(name, pulp.LpMaximize if maximize else pulp.LpMinimize)
    # PuLP 3 attaches variables to the problem; older releases construct them directly.
    new_var = getattr(prob, "add_variable", None) or pulp.LpVariable
    # The projects' on/off columns are integer (binary by their bounds): CBC branches on
    # them, and LP/MPS exports mark them so any solver reads the same MIP.
    integer = np.zeros(n, dtype=bool)
    if model.integrality is not None:
        integer[: len(model.integrality)] = model.integrality.astype(bool)
    cols = [
        new_var(
            names[j],
            None if lb[j] == -INF else float(lb[j]),
            None if ub[j] == INF else float(ub[j]),
            pulp.LpInteger if integer[j] else pulp.LpContinuous,
        )
        for j in range(n)
    ]
    c = np.zeros(n) if cost is None else np.concatenate([cost, np.zeros(n - len(cost))])
    nz = np.flatnonzero(c)
    prob.setObjective(pulp.LpAffineExpression([(cols[j], float(c[j])) for j in nz]))
    prob.objective.name = objective_name  # setObjective drops an expression's own name
    r_lb = np.concatenate([model.row_lb, ext.row_lb])
    r_ub = np.concatenate([model.row_ub, ext.row_ub])
    for i, (lo, hi) in (row_bounds or {}).items():
        r_lb[i], r_ub[i] = lo, hi
    rnames = row_names(model) + list(ext.row_names or [f"e{k}" for k in range(ext.n_rows)])
    starts = [(model.row_start, model.row_index, model.row_value, 0)]
    starts.append((ext.row_start, ext.row_index, ext.row_value, model.n_rows))
    rows: list[list] = []
    for start, index, value, offset in starts:
        for r in range(len(start) - 1):
            i = offset + r
            lo, hi = start[r], start[r + 1]
            expr = pulp.LpAffineExpression(
                [(cols[j], float(v)) for j, v in zip(index[lo:hi], value[lo:hi], strict=True)]
            )
            made = []
            name = rnames[i].replace("-", "_")
            if r_lb[i] == r_ub[i]:
                made.append(pulp.LpConstraint(expr, pulp.LpConstraintEQ, name, float(r_lb[i])))
            else:
                if r_lb[i] > -INF:
                    made.append(
                        pulp.LpConstraint(expr, pulp.LpConstraintGE, f"{name}_lo", float(r_lb[i]))
                    )
                if r_ub[i] < INF:
                    made.append(pulp.LpConstraint(expr, pulp.LpConstraintLE, name, float(r_ub[i])))
            for con in made:
                prob.addConstraint(con)
            rows.append(made)
    return prob, cols, rows


# ----------------------------------------------------------------------------- LP and MPS files


def write_problem(
    model: LinearModel,
    cost: np.ndarray,
    maximize: bool,
    extension: Extension | None,
    row_bounds: dict[int, tuple[float, float]] | None,
    *,
    name: str,
    objective_name: str,
    ext_col_names: Sequence[str],
    header: Sequence[str],
    lp_path: Path | None = None,
    mps_path: Path | None = None,
) -> None:
    """Write one problem (the model, an objective, an extension and moved row bounds)
    as a CPLEX LP file and a free MPS file, `header` as comment lines at the top.

    The MPS file carries an OBJSENSE section: without it every MPS reader but PuLP's
    own minimizes, and a maximized objective came back as its minimum. Each file is
    written to a temporary name first, so an interrupted export leaves no half file."""
    prob, _cols, _rows = to_pulp(model, cost, maximize, extension, row_bounds, name=name,
                                 objective_name=objective_name, ext_col_names=ext_col_names)  # fmt: skip
    lp_lines = "".join(f"\\ {line}\n" for line in header)
    mps_lines = "".join(f"* {line}\n" for line in header)
    writers = (
        (lp_path, lp_lines, lambda f: prob.writeLP(f)),
        (mps_path, mps_lines, lambda f: prob.writeMPS(f, with_objsense=True)),
    )
    for path, comments, write in writers:
        if path is None:
            continue
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            write(str(tmp))
            body = tmp.read_text(encoding="utf-8")
            tmp.write_text(comments + body, encoding="utf-8")
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
