"""Solutions of instances with projects (SPEC section 12): fractions, costs, effects.

The LP/MIP holds a project's fraction `y_p` next to the cells; a `Solution` keeps
cell volumes in `volumes` and adds each project's budget cost to its cell in
`cost` (so totals by tier and measure, `A` and every share count it) and its
effects to `objectives`. A mixed-integer program has no duals, so no shadow
prices: what one more unit buys is measured by re-solving.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from optimizer.domain.evaluate import score_volumes
from optimizer.domain.results import Solution
from optimizer.lp.engine import Engine


def plan_fractions(eng: Engine, x: np.ndarray) -> np.ndarray | None:
    """The projects' funding fractions of a column vector (round-off removed), or None."""
    pr = eng.instance.projects
    if pr is None:
        return None
    return pr.clean(eng.model.fractions(x))


def plan_values(eng: Engine, x: np.ndarray) -> np.ndarray:
    """(C,) criteria of a column vector: cells scored from their volumes (segments
    filled in order), plus the projects' effects at their fractions."""
    volumes = np.maximum(eng.model.volumes(x), 0.0)
    values = score_volumes(eng.instance, volumes)
    y = plan_fractions(eng, x)
    if y is not None:
        assert eng.instance.projects is not None
        values = values + eng.instance.projects.score(y)
    return values


def with_projects(eng: Engine, sol: Solution) -> Solution:
    """`sol` with the projects' fractions, costs and effects (unchanged without projects)."""
    inst, pr = eng.instance, eng.instance.projects
    if pr is None:
        return sol
    y = pr.clean(eng.model.fractions(sol.x))
    values = score_volumes(inst, sol.volumes) + pr.score(y)
    mip = eng.model.is_mip
    return replace(
        sol,
        objectives=dict(zip(inst.criteria, map(float, values), strict=True)),
        cost=sol.cost + pr.cost_by_cell(y, inst.n_towns, inst.n_measures),
        fractions=y,
        shadow_prices=() if mip else sol.shadow_prices,
        mip=mip,
    )
