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

from collections.abc import Callable
from dataclasses import replace
from functools import partial

import numpy as np

from optimizer.domain.results import BudgetRepair, Diagnosis, Relaxation, Repair, RuleRepair
from optimizer.domain.tables import local_number
from optimizer.errors import InfeasibleError, SolverError
from optimizer.i18n import _, language, percent_sign, rendered_in
from optimizer.lp.engine import Engine, open_session
from optimizer.lp.model import INF, LinearModel, RowBlock
from optimizer.lp.session import Extension
from optimizer.methods.describe import describe

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
            index_parts.append(np.array([c for c, _s in extra_idx[r]], dtype=np.int32))
            value_parts.append(np.array([float(s) for _c, s in extra_idx[r]]))
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


# ----------------------------------------------------------------------------- words
# A diagnosis is told twice: in English for summary.json (documents never change with
# the language) and in the language in use for the error line a person reads. Each
# text is rendered by one function, called once in each language.


def in_english(render: Callable[[], str]) -> str:
    """`render()` as English reads it (rendered with the English catalog; the run keeps
    its language)."""
    return render() if language() == "en" else rendered_in("en", render)


def described(diagnosis: Diagnosis, render: Callable[[], str]) -> Diagnosis:
    """The diagnosis with its `message` (English) and `text` (the language in use)."""
    return replace(diagnosis, message=in_english(render), text=render())


def block_name(block: RowBlock) -> str:
    """A row block as a diagnosis names it: the rule's name or the limit's instrument (as
    the scenario file writes them), the budget, a funding line."""
    if block.kind == "budget":
        return _("budget")
    if block.kind == "limit" and block.name.startswith("line"):
        return _("line {line}").format(line=block.label.removeprefix("line "))
    return block.label


def mln_text(v: float, decimals: int) -> str:
    """Millions with grouped thousands: `1,234.500` (`1 234,500` in Russian and Kazakh)."""
    return local_number(f"{v:,.{decimals}f}")


def figure_text(v: float, sig: int) -> str:
    """`v` to `sig` significant digits, grouped, in the language's digits; a value of
    more digits is written whole (`12,260`, not `1.226e+04`)."""
    return local_number(f"{v:,.{sig}g}" if abs(v) < 10**sig else f"{v:,.0f}")


def relaxation_text(block: RowBlock, r: Relaxation, names: dict[str, str]) -> str:
    """`low-floor (min_share) must give 30.000 mln (1.50 percentage points) in A, B`;
    `names`: town id -> the name the language in use gives it."""
    text = _("{name} ({bound}) must give {amount} mln").format(
        name=block_name(block), bound=r.bound, amount=mln_text(r.by_mln, 3)
    )
    if r.by_pp is not None:
        text += " " + _("({points} percentage points)").format(
            points=local_number(f"{r.by_pp:.2f}")
        )
    if r.towns:
        shown = ", ".join(names.get(t, t) for t in r.towns[:5])
        text += " " + _("in {towns}").format(towns=shown + (" ..." if len(r.towns) > 5 else ""))
    return text


def town_names(eng: Engine) -> dict[str, str]:
    """Town id -> its name in the language in use (towns.csv town_ru/town_kk)."""
    inst = eng.instance
    return dict(zip(inst.towns, inst.shown_towns, strict=True))


# ----------------------------------------------------------------------------- diagnosis


def infeasible(eng: Engine, message: str) -> InfeasibleError:
    """The error for an infeasible scenario, with its diagnosis: `message` (translated,
    with `{name}` and `{diagnosis}`) names the scenario as the language in use does."""
    diagnosis = diagnose(eng)
    name = eng.scenario.display_names.get(language(), eng.scenario.name)
    return InfeasibleError(message.format(name=repr(name), diagnosis=diagnosis.text), diagnosis)


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
        return described(
            Diagnosis((), ""), lambda: _("even with every rule relaxed the model has no solution")
        )
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
        relax.append((block, Relaxation(name, bound, amount, pp, tuple(towns))))
    relax.sort(key=lambda br: -br[1].by_mln)
    named = [entry[0] for entry in by_block.values()]

    def render() -> str:
        names = town_names(eng)
        return "; ".join(relaxation_text(b, r, names) for b, r in relax)

    return with_repair(eng, Diagnosis(tuple(r for _b, r in relax), ""), named, render)


def target_diagnosis(eng: Engine) -> Diagnosis:
    """The rules hold together; the method's targets are out of reach."""
    desc = describe(eng.scenario)
    wanted = desc.bound_values(eng.scenario.objective)
    key = desc.bounds
    ideal = eng.payoff().ideal
    out = []  # (key, target, best)
    for c, target in wanted.items():
        best = float(ideal[eng.criteria.index(c)])
        if target > best + 1e-9 * max(1.0, abs(best)):
            out.append((f"objective.{key}.{c}", target, best))

    def beyond(target: float, best: float) -> str:
        return _("target {target} above the best reachable {best}").format(
            target=figure_text(target, 6), best=figure_text(best, 6)
        )

    if not out:
        return described(
            Diagnosis((), ""),
            lambda: _("the method's targets cannot all be reached together under the rules"),
        )
    relax = tuple(
        Relaxation(name, in_english(partial(beyond, target, best)), 0.0, None)
        for name, target, best in out
    )
    return described(
        Diagnosis(relax, ""),
        lambda: "; ".join(f"{name}: {beyond(target, best)}" for name, target, best in out),
    )


# ----------------------------------------------------------------------------- repair


def with_repair(
    eng: Engine,
    diagnosis: Diagnosis,
    blocks: list[RowBlock],
    render: Callable[[], str] | None = None,
) -> Diagnosis:
    """The diagnosis with the budget and single-rule repairs in `repair` and the message;
    `render` tells the diagnosis itself (None: it is told already)."""
    budget = budget_repair(eng)
    seen: set[int] = set()
    rules = []
    for block in blocks:
        if block.kind in ("rule", "limit") and id(block) not in seen:
            seen.add(id(block))
            rules.append((block, rule_repair(eng, block)))
    repaired = replace(diagnosis, repair=Repair(budget, tuple(r for _b, r in rules)))

    def told(head: str) -> str:
        text = repair_text(budget, rules)
        return f"{head}; {text}" if text else head

    if render is None:  # told already, in both languages
        return replace(
            repaired,
            message=in_english(lambda: told(diagnosis.message)),
            text=told(diagnosis.text),
        )
    return described(repaired, lambda: told(render()))


def method_floors(eng: Engine) -> Extension | None:
    """Rows f_c >= value for the method's hard floors (epsilon, min_budget targets)."""
    wanted = describe(eng.scenario).bound_values(eng.scenario.objective)
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


def repair_text(budget: BudgetRepair, rules: list[tuple[RowBlock, RuleRepair]]) -> str:
    """One clause per repair, for the one-line message of the infeasibility error, in
    the language in use."""
    parts = []
    if budget.binds and budget.least_mln is not None:
        least, most = budget.least_mln, budget.most_mln
        if most is not None and most < least + 1e-9:
            parts.append(
                _("a budget of exactly {least} mln would make it feasible").format(
                    least=mln_text(least, 1)
                )
            )
        elif most is not None and most < float("inf"):
            parts.append(
                _("a budget between {least} and {most} mln would make it feasible").format(
                    least=mln_text(least, 1), most=mln_text(most, 1)
                )
            )
        else:
            parts.append(
                _("a budget of at least {least} mln would make it feasible").format(
                    least=mln_text(least, 1)
                )
            )
    for block, r in rules:
        name = f"{block_name(block)} ({r.bound})"
        if r.by is None or r.relaxed_to is None:
            parts.append(_("relaxing {name} alone is not enough").format(name=name))
            continue
        shown = r.relaxed_to * 100 if r.unit == "pp" else r.relaxed_to
        clause = {
            "mln": _("{name} alone relaxed by {amount} mln (to {value})"),
            "pp": _("{name} alone relaxed by {amount} percentage points (to {value})"),
            "per_capita": _("{name} alone relaxed by {amount} per resident (to {value})"),
        }[r.unit].format(
            name=name,
            amount=mln_text(r.by, 3),
            value=figure_text(shown, 4) + (percent_sign() if r.unit == "pp" else ""),
        )
        # "or" joins each single-rule repair to what comes before it
        parts.append(_("or {repair}").format(repair=clause) if parts else clause)
    return "; ".join(parts)
