"""Why a scenario is infeasible: an elastic re-solve (SPEC section 6).

Every rule bound, each instrument limit and the budget floor of `spend_all` gets
a slack column (in million): `row + s_lo >= lb`, `row - s_hi <= ub`. Capacities,
eligibility and the budget ceiling stay hard. Minimizing the total slack gives
the least total relaxation that makes the scenario feasible; each row block with
slack is a rule that must give, by that much (and, for shares, by the slack
divided by the allocated budget, in percentage points).

If the rules themselves are feasible, the method's own targets (epsilon floors,
min_budget targets) are what cannot be met; the diagnosis says how far each is
above the best reachable value.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from optimizer.errors import InfeasibleError
from optimizer.model import INF, LinearModel
from optimizer.results import Diagnosis, Relaxation
from optimizer.solvers import open_session

TOL = 1e-7


def elastic_model(model: LinearModel) -> tuple[LinearModel, list[tuple[int, int, int]]]:
    """The model with slack columns on every elastic row; returns (model, [(row, col, sign)])."""
    slacks: list[tuple[int, int, int]] = []
    col = model.n_cols
    for b in model.blocks:
        if b.kind == "alloc":
            continue
        for r in range(b.start, b.stop):
            if b.kind == "budget":
                if model.row_lb[r] > -INF:  # spend_all floor only; the ceiling stays hard
                    slacks.append((r, col, +1))
                    col += 1
                continue
            if model.row_lb[r] > -INF:
                slacks.append((r, col, +1))
                col += 1
            if model.row_ub[r] < INF:
                slacks.append((r, col, -1))
                col += 1
    counts = np.diff(model.row_start).astype(np.int64)
    add_at = np.zeros(model.n_rows, dtype=np.int64)
    extra_idx: dict[int, list[tuple[int, int]]] = {}
    for r, c, s in slacks:
        add_at[r] += 1
        extra_idx.setdefault(r, []).append((c, s))
    index_parts, value_parts = [], []
    for r in range(model.n_rows):
        lo, hi = model.row_start[r], model.row_start[r + 1]
        index_parts.append(model.row_index[lo:hi])
        value_parts.append(model.row_value[lo:hi])
        if r in extra_idx:
            index_parts.append(np.array([c for c, _ in extra_idx[r]], dtype=np.int32))
            value_parts.append(np.array([float(s) for _, s in extra_idx[r]]))
    start = np.zeros(model.n_rows + 1, dtype=np.int32)
    np.cumsum(counts + add_at, out=start[1:])
    n_slack = col - model.n_cols
    elastic = replace(
        model,
        n_slack=n_slack,
        col_lb=np.concatenate([model.col_lb, np.zeros(n_slack)]),
        col_ub=np.concatenate([model.col_ub, np.full(n_slack, INF)]),
        row_start=start,
        row_index=np.concatenate(index_parts).astype(np.int32),
        row_value=np.concatenate(value_parts),
    )
    return elastic, slacks


def diagnose(eng: object) -> Diagnosis:
    """Name each rule that must give, and by how much."""
    from optimizer.methods import Engine

    assert isinstance(eng, Engine)
    model = eng.model
    elastic, slacks = elastic_model(model)
    session = open_session(elastic, "highs")
    cost = np.zeros(elastic.n_cols)
    cost[model.n_cols :] = 1.0
    try:
        res = session.solve(cost, maximize=False)
    except InfeasibleError:
        return Diagnosis((), "even with every rule relaxed the model has no solution")
    slack = res.x[model.n_cols :]
    A = float(res.x[model.col_A])
    if slack.sum() <= TOL * max(1.0, eng.scenario.budget_mln):
        return target_diagnosis(eng)
    by_block: dict[str, list] = {}
    for (r, _c, sign), s in zip(slacks, slack, strict=True):
        if s <= TOL:
            continue
        block = next(b for b in model.blocks if b.start <= r < b.stop)
        key = block.name + ("_lo" if sign > 0 else "_hi")
        entry = by_block.setdefault(key, [block, 0.0, []])
        entry[1] += float(s)
        if block.towns is not None:
            entry[2].append(eng.instance.towns[int(block.towns[r - block.start])])
    relax = []
    for block, amount, towns in by_block.values():
        name = block.label
        bound = (
            block.bound
            if block.kind == "rule"
            else ("spend_all" if block.kind == "budget" else "max_mln")
        )
        pp = amount / A * 100 if block.unit == "pp" and A > 0 else None
        relax.append(Relaxation(name, bound, amount, pp, tuple(towns)))
    relax.sort(key=lambda r: -r.by_mln)
    message = "; ".join(r.text() for r in relax)
    return Diagnosis(tuple(relax), message)


def target_diagnosis(eng: object) -> Diagnosis:
    """The rules hold together; the method's targets are out of reach."""
    from optimizer.methods import Engine

    assert isinstance(eng, Engine)
    obj = eng.scenario.objective
    wanted = obj.epsilon if obj.method == "epsilon" else obj.targets
    ideal = eng.payoff().ideal
    relax = []
    for c, target in wanted.items():
        best = float(ideal[eng.criteria.index(c)])
        if target > best + 1e-9 * max(1.0, abs(best)):
            relax.append(Relaxation(f"objective.{'epsilon' if obj.method == 'epsilon' else 'targets'}.{c}",
                                    f">= {target:g}", 0.0, None))  # fmt: skip
            relax[-1] = replace(
                relax[-1], bound=f"target {target:,.6g} above the best reachable {best:,.6g}"
            )
    if not relax:
        return Diagnosis((), "the method's targets cannot all be reached together under the rules")
    return Diagnosis(tuple(relax), "; ".join(f"{r.name}: {r.bound}" for r in relax))
