"""What a solver session is: the model kept loaded and solved again and again with a
new objective, moved row bounds, or added rows and columns (an `Extension`:
criterion floors, goal deviations, the reference point's auxiliary variable).

Every solve checks the solver's status before a value is read; anything but a
proven optimum raises (`InfeasibleError` for an infeasible model, `SolverError`
otherwise), so no caller can read a half-solved allocation.

What a session can do beyond solving is declared, as linopy's solver features are
(`Feature`, `Session.supports`): callers ask that, never which solver a session is.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Protocol, TypeAlias

import numpy as np

from optimizer.errors import SolverError
from optimizer.i18n import N_, _
from optimizer.lp.model import INF, LinearModel

Basis: TypeAlias = Any  # a solver's own basis object, handed back unchanged


def within(act: np.ndarray, lb: np.ndarray, ub: np.ndarray) -> bool:
    """Row activities inside their bounds, to HiGHS's primal feasibility tolerance
    (1e-7) relative to the bound's size."""
    tol_lb = 1e-7 * np.maximum(1.0, np.abs(np.where(np.isfinite(lb), lb, 0.0)))
    tol_ub = 1e-7 * np.maximum(1.0, np.abs(np.where(np.isfinite(ub), ub, 0.0)))
    return bool(np.all(act >= lb - tol_lb) and np.all(act <= ub + tol_ub))


@dataclass(frozen=True, eq=False)
class Extension:
    """Extra columns and rows a method adds to the base model.

    Rows are row-wise sparse over the extended column space (base columns then
    the extra ones). Build them with `criteria_rows`.
    """

    n_cols: int = 0
    col_lb: np.ndarray = field(default_factory=lambda: np.zeros(0))
    col_ub: np.ndarray = field(default_factory=lambda: np.zeros(0))
    row_start: np.ndarray = field(default_factory=lambda: np.zeros(1, dtype=np.int32))
    row_index: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    row_value: np.ndarray = field(default_factory=lambda: np.zeros(0))
    row_lb: np.ndarray = field(default_factory=lambda: np.zeros(0))
    row_ub: np.ndarray = field(default_factory=lambda: np.zeros(0))
    row_names: tuple[str, ...] = ()

    @property
    def n_rows(self) -> int:
        return len(self.row_lb)


def criteria_rows(
    model: LinearModel,
    combos: np.ndarray,
    lb: np.ndarray,
    ub: np.ndarray,
    names: list[str],
    extra: np.ndarray | None = None,
    n_extra: int = 0,
    extra_lb: np.ndarray | None = None,
    extra_ub: np.ndarray | None = None,
) -> Extension:
    """Rows `combos[r] . f(x) + extra[r] . z` within [lb, ub]; z are `n_extra` new columns.

    `combos` is (rows, C): each row a linear combination of the criteria.
    """
    dense = np.asarray(combos, dtype=float) @ model.F  # (rows, n_x)
    starts, idx_parts, val_parts = [0], [], []
    for r in range(dense.shape[0]):
        nz = np.flatnonzero(dense[r])
        idx, val = nz.astype(np.int32), dense[r, nz]
        if extra is not None:
            ez = np.flatnonzero(extra[r])
            idx = np.append(idx, (model.n_cols + ez).astype(np.int32))
            val = np.append(val, extra[r, ez])
        idx_parts.append(idx)
        val_parts.append(val)
        starts.append(starts[-1] + len(idx))
    return Extension(
        n_cols=n_extra,
        col_lb=np.zeros(n_extra) if extra_lb is None else np.asarray(extra_lb, dtype=float),
        col_ub=np.full(n_extra, INF) if extra_ub is None else np.asarray(extra_ub, dtype=float),
        row_start=np.array(starts, dtype=np.int32),
        row_index=np.concatenate(idx_parts) if idx_parts else np.zeros(0, dtype=np.int32),
        row_value=np.concatenate(val_parts) if val_parts else np.zeros(0),
        row_lb=np.asarray(lb, dtype=float),
        row_ub=np.asarray(ub, dtype=float),
        row_names=tuple(names),
    )


@dataclass(frozen=True, eq=False)
class LpResult:
    """A proven optimum: column values, row duals (d objective / d row bound, in the
    objective's own sense), and the objective value. Extension rows follow the base rows."""

    x: np.ndarray
    row_dual: np.ndarray
    objective: float
    seconds: float
    # reduced costs (scaled so the largest objective cost is 1) where the solver gives them
    col_dual: np.ndarray | None = None


@dataclass(frozen=True, eq=False)
class Near:
    """Where to look for a mixed-integer solve's starting plan: integer columns `cols`
    fixed at `values` (what the plans found nearby agree on), the others free."""

    cols: np.ndarray
    values: np.ndarray


class Feature(Enum):
    """What a session can do beyond solving; `Session.supports` says which it can."""

    # `get_basis` hands a basis back and `set_basis` starts from it (without: None, ignored)
    BASIS = "basis"
    # each optimum carries its reduced costs (`LpResult.col_dual`; without: None)
    REDUCED_COSTS = "reduced costs"
    # `hinted(near=...)`: a mixed-integer solve first searches near given plans for a start
    MIP_START = "MIP start"
    # `hinted(objective_step=...)` and `lean_search()`: what a caller knows about its
    # solves (every objective value a multiple of a step; many small mixed-integer solves)
    OPTIONS = "options"
    # `fork()`: a second, independent session on the same model, for another thread
    FORK = "fork"
    # the solver also solves convex quadratic programs: the even plan (SPEC 10) takes its
    # optimal face around an optimum of such a session, and its quadratic step runs in the
    # same solver (`optimizer.lp.qp`), so face and step hold one solver's tolerances
    QP = "QP"


# What a session without a feature says when a caller asks it for one anyway.
REFUSALS = {
    Feature.MIP_START: N_("{solver} cannot search for a starting plan near given plans"),
    Feature.OPTIONS: N_("{solver} takes no search hints (objective step, lean search)"),
    Feature.FORK: N_("{solver} cannot open a second session for another thread"),
}


class UnsupportedFeature(SolverError):
    """A session was asked for something it declared it cannot do (`Session.supports`).
    Callers ask first; this is the clear stop when one does not."""

    def __init__(self, solver: str, feature: Feature) -> None:
        super().__init__(_(REFUSALS[feature]).format(solver=solver))
        self.feature = feature


class Session(Protocol):
    """A model kept loaded in a solver, solved again and again.

    Every operation a caller needs is here, so no caller asks which solver it holds:
    HiGHS implements them on its live object; CBC, which rebuilds the problem for
    every solve, keeps coefficient changes in a table and has no basis.
    What goes beyond solving is declared (`supports`); an operation a session does not
    support raises `UnsupportedFeature` or, where the protocol says so, does nothing.
    """

    name: str
    version: str

    def supports(self, feature: Feature) -> bool:
        """Whether this session can do `feature` (see `Feature`)."""
        ...

    def solve(
        self,
        cost: np.ndarray,
        maximize: bool,
        extension: Extension | None = None,
        row_bounds: dict[int, tuple[float, float]] | None = None,
    ) -> LpResult:
        """A proven optimum, or InfeasibleError / SolverError."""
        ...

    def reset(self) -> None:
        """Forget the last basis: the next solve starts cold."""

    def release(self) -> None:
        """Drop any rows and columns a method added."""

    def get_basis(self) -> Basis | None:
        """The last optimal basis, or None where the solver has none to give."""

    def set_basis(self, basis: Basis | None) -> None:
        """Start the next solve from `basis` (one `get_basis` returned); None: no-op."""

    def change_coefficient(self, row: int, col: int, value: float) -> None:
        """One matrix coefficient of the base model changed in place."""

    def fork(self) -> Session:
        """FORK: a second session on the same model as built (no added rows, no changed
        coefficients) with the same time limit, independent of this one: another thread
        may solve on it while this one solves."""
        ...

    def hinted(
        self, objective_step: float | None = None, near: Near | None = None
    ) -> AbstractContextManager[None]:
        """For the solves inside the block: every plan's objective value is a multiple of
        `objective_step` (OPTIONS: a search may stop once its bound is less than one
        step above its best plan, still a proven optimum), and a mixed-integer solve
        first searches near `near` for a starting plan (MIP_START). None: no such
        knowledge (any session takes that)."""
        ...

    def lean_search(self) -> AbstractContextManager[None]:
        """OPTIONS: for the many small mixed-integer solves of a front, inside the block,
        a search without the solver's costly heuristics; what it proves is unchanged."""
        ...
