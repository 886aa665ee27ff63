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

On top of that, `repair` (`Diagnosis.repair`) answers two questions
a budget officer asks next, each by its own small LP, with the method's hard
floors (epsilon's `epsilon`, min_budget's `targets`) kept:

- `budget`: the least budget at which the rules hold together, `min A` with the
  budget row freed (and, with `spend_all`, the most, `max A`: a spend-everything
  scenario is feasible only for budgets between the two). `binds` says whether
  the scenario's budget lies outside that range, i.e. whether money alone repairs it.
  `least_mln` is null when no budget helps (the rules conflict whatever the
  money, or hold only when nothing is spent).
- `rules`: for each rule bound (or limit) the diagnosis names, the smallest change
  of that bound alone, every other bound and the budget held, in the bound's own
  unit (mln, percentage points of share, currency per resident): one added column
  `d >= 0` that moves every row of the bound by `d` (per-capita rows by
  `d * population / 1e6`), minimized. Shares multiply the allocated budget, a
  variable, so a share is found by bisection on its value instead (the rows'
  coefficient of A changed in place on a HiGHS object). `by` is null when
  relaxing that bound alone is not enough.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from optimizer.domain.results import BudgetRepair, Diagnosis, Relaxation, Repair, RuleRepair
from optimizer.errors import InfeasibleError, SolverError
from optimizer.lp.engine import Engine, open_session
from optimizer.lp.model import INF, LinearModel, RowBlock
from optimizer.lp.session import Extension

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


def diagnose(eng: Engine) -> Diagnosis:
    """Name each rule that must give, and by how much."""
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
        return with_repair(eng, target_diagnosis(eng), [])
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
    named = [entry[0] for entry in by_block.values()]
    return with_repair(eng, Diagnosis(tuple(relax), message), named)


def target_diagnosis(eng: Engine) -> Diagnosis:
    """The rules hold together; the method's targets are out of reach."""
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


# ----------------------------------------------------------------------------- repair


def with_repair(eng: Engine, diagnosis: Diagnosis, blocks: list[RowBlock]) -> Diagnosis:
    """The diagnosis with the budget and single-rule repairs in `extra` and the message."""
    budget = budget_repair(eng)
    seen: set[int] = set()
    rules = []
    for block in blocks:
        if block.kind in ("rule", "limit") and id(block) not in seen:
            seen.add(id(block))
            rules.append(rule_repair(eng, block))
    text = repair_text(budget, rules)
    message = f"{diagnosis.message}; {text}" if text else diagnosis.message
    return replace(diagnosis, message=message, repair=Repair(budget, tuple(rules)))


def method_floors(eng: Engine) -> Extension | None:
    """Rows f_c >= value for the method's hard floors (epsilon, min_budget targets)."""
    obj = eng.scenario.objective
    wanted = {"epsilon": obj.epsilon, "min_budget": obj.targets}.get(obj.method, {})
    if not wanted:
        return None
    return eng.floors({eng.criteria.index(c): v for c, v in wanted.items()})


def budget_repair(eng: Engine) -> BudgetRepair:
    """Least (and with spend_all most) budget at which the rules and floors hold."""
    model = eng.model
    session = open_session(model, "highs")
    ext = method_floors(eng)
    free = {model.budget_row: (-INF, INF)}
    cost = np.zeros(model.n_cols)
    cost[model.col_A] = 1.0
    B = eng.scenario.budget_mln
    try:
        least = float(session.solve(cost, False, ext, free).x[model.col_A])
    except InfeasibleError:
        return BudgetRepair(False, None, None)
    least = max(least, 0.0)
    most = None
    if eng.scenario.spend_all:
        most = max(float(session.solve(cost, True, ext, free).x[model.col_A]), 0.0)
    tol = 1e-7 * max(1.0, B)
    if most is not None and most <= tol:
        # only a zero budget satisfies the rules (e.g. shares that add up to more than 1)
        return BudgetRepair(False, None, None)
    binds = least > B + tol or (most is not None and most < B - tol)
    return BudgetRepair(binds, least, most)


def rule_repair(eng: Engine, block: RowBlock) -> RuleRepair:
    """The smallest change of one bound alone that makes the scenario feasible."""
    by = share_repair(eng, block) if block.unit == "pp" else column_repair(eng, block)
    unit = {"mln": "mln", "pp": "pp", "per_capita": "per_capita"}[block.unit]
    bound = block.bound if block.kind == "rule" else "max_mln"
    value = block.value
    relaxed_to = None
    if by is not None:
        step = by / 100 if block.unit == "pp" else by
        relaxed_to = value - step if block.is_lower else value + step
    return RuleRepair(block.label, bound, value, by, unit, relaxed_to)


def with_column(model: LinearModel, rows: np.ndarray, coefs: np.ndarray) -> LinearModel:
    """The model with one more column (>= 0, after A) entering `rows` (ascending)."""
    counts = np.diff(model.row_start).astype(np.int64)
    counts[rows] += 1
    start = np.zeros(model.n_rows + 1, dtype=np.int32)
    np.cumsum(counts, out=start[1:])
    at = model.row_start[rows + 1]
    return replace(
        model,
        n_slack=model.n_slack + 1,
        col_lb=np.append(model.col_lb, 0.0),
        col_ub=np.append(model.col_ub, INF),
        row_start=start,
        row_index=np.insert(model.row_index, at, model.n_cols).astype(np.int32),
        row_value=np.insert(model.row_value, at, coefs),
    )


def column_repair(eng: Engine, block: RowBlock) -> float | None:
    """min d: every row of the bound moved by d (per-capita rows by d * population / 1e6)."""
    rows = np.arange(block.start, block.stop)
    k = np.ones(len(rows))
    if block.unit == "per_capita":
        assert block.towns is not None
        k = eng.instance.population[block.towns] / 1e6
    # a lower bound row gets + k d (easier to reach), an upper bound row - k d
    model = with_column(eng.model, rows, k if block.is_lower else -k)
    session = open_session(model, "highs")
    cost = np.zeros(model.n_cols)
    cost[-1] = 1.0
    try:
        res = session.solve(cost, False, method_floors(eng))
    except InfeasibleError:
        return None
    return max(float(res.x[-1]), 0.0)


def share_repair(eng: Engine, block: RowBlock) -> float | None:
    """Smallest change of a share bound, in percentage points, by bisection on the share."""
    model = eng.model
    session = open_session(model, "highs")
    ext = method_floors(eng)
    zero = np.zeros(model.n_cols)
    share = block.value

    def feasible(step: float) -> bool:
        new = share - step if block.is_lower else share + step
        for r in range(block.start, block.stop):
            session.change_coefficient(r, model.col_A, -new)
        try:
            session.solve(zero, False, ext)
        except (InfeasibleError, SolverError):
            # on the very edge HiGHS may stop undecided: count it as not yet feasible,
            # so the reported relaxation errs on the safe side
            return False
        return True

    top = share if block.is_lower else 1.0 - share
    if not feasible(top):
        return None
    lo, hi = 0.0, top
    while hi - lo > 1e-7:  # a millionth of a percentage point
        mid = 0.5 * (lo + hi)
        lo, hi = (lo, mid) if feasible(mid) else (mid, hi)
    return hi * 100


def repair_text(budget: BudgetRepair, rules: list[RuleRepair]) -> str:
    """One clause per repair, for the one-line message of the infeasibility error."""
    parts = []
    if budget.binds and budget.least_mln is not None:
        least, most = budget.least_mln, budget.most_mln
        if most is not None and most < least + 1e-9:
            parts.append(f"a budget of exactly {least:,.1f} mln would make it feasible")
        elif most is not None and most < float("inf"):
            parts.append(
                f"a budget between {least:,.1f} and {most:,.1f} mln would make it feasible"
            )
        else:
            parts.append(f"a budget of at least {least:,.1f} mln would make it feasible")
    unit_words = {"mln": "mln", "pp": "percentage points", "per_capita": "per resident"}
    for r in rules:
        name = f"{r.rule} ({r.bound})"
        if r.by is None or r.relaxed_to is None:
            parts.append(f"relaxing {name} alone is not enough")
            continue
        shown = r.relaxed_to * 100 if r.unit == "pp" else r.relaxed_to
        suffix = "%" if r.unit == "pp" else ""
        parts.append(
            f"or {name} alone relaxed by {r.by:,.3f} {unit_words[r.unit]} (to {shown:,.4g}{suffix})"
        )
    if parts and parts[0].startswith("or "):
        parts[0] = parts[0][3:]
    return "; ".join(parts)
