"""Rows and terminal tables: the rows of every CSV a command writes (allocation,
projects, reallocation, closest plans, front, sweep, uncertainty, robustness) and
the rich tables `solve`, `sweep`, `uncertainty` and `pareto` print, kept to 80
columns without cutting a name.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from rich.table import Table

    from optimizer.domain.results import Solution, Tightness

from rich.table import Table
from rich.text import Text

from optimizer.domain.instance import Instance
from optimizer.domain.results import Solution
from optimizer.i18n import _, ngettext
from optimizer.outputs.text import (
    currency_sign,
    fixed,
    measure_name,
    mln,
    num,
    pct,
    rate,
    scenario_name,
    shares_pct,
    significant,
    spend_short,
    spend_words,
    term,
    town_label,
    town_name,
    unit_text,
)

ALLOC_TOL = 1e-9


if TYPE_CHECKING:  # types only: `solve` builds its tables without loading the analyses
    from optimizer.analysis.compare import Comparison
    from optimizer.analysis.pareto import ParetoFront
    from optimizer.analysis.sensitivity import SensitivityReport
    from optimizer.analysis.sweep import SweepResult
    from optimizer.analysis.uncertainty import UncertaintyResult


def allocation_rows(instance: Instance, volumes: np.ndarray) -> tuple[list[str], list[list[Any]]]:
    """`town,measure,volume_mln,budget_cost_mln,<criterion> ...` for cells with volume > 0."""
    from optimizer.domain.evaluate import cell_scores

    scores = cell_scores(instance, volumes)
    header = ["town", "measure", "volume_mln", "budget_cost_mln", *instance.criteria]
    order = sorted(
        (instance.towns[t], instance.measures[m], t, m)
        for t, m in zip(*np.nonzero(volumes > ALLOC_TOL), strict=True)
    )
    rows = [
        [town, meas, float(volumes[t, m]), float(volumes[t, m] * instance.budget_cost[m]),
         *map(float, scores[t, m])]
        for town, meas, t, m in order
    ]  # fmt: skip
    return header, rows


def with_project_rows(
    instance: Instance, fractions: np.ndarray | None, header: list[str], rows: list[list[Any]]
) -> tuple[list[str], list[list[Any]]]:
    """allocation.csv of an instance with projects (SPEC section 12): the cell rows with
    empty `project,fraction`, then one row per funded project (its town, measure,
    volume, budget cost and effects at its fraction), sorted by project."""
    pr = instance.projects
    if pr is None or fractions is None:
        return header, rows
    out = [[*r, "", ""] for r in rows]
    for p in sorted(np.flatnonzero(fractions > 0), key=lambda p: pr.names[p]):
        y = float(fractions[p])
        out.append([instance.towns[pr.town[p]], instance.measures[pr.measure[p]],
                    y * float(pr.volume[p]), y * float(pr.cost[p]),
                    *(y * pr.effects[p]).tolist(), pr.names[p], y])  # fmt: skip
    return [*header, "project", "fraction"], out


def projects_rows(instance: Instance, fractions: np.ndarray) -> tuple[list[str], list[list[Any]]]:
    """projects.csv output: every project with its fraction, in the file's order."""
    pr = instance.projects
    assert pr is not None
    header = ["project", "town", "measure", "fraction", "volume_mln", "budget_cost_mln",
              *instance.criteria, *(f"{ln}_mln" for ln in instance.lines)]  # fmt: skip
    rows = []
    for p in range(len(pr)):
        y = float(fractions[p])
        rows.append([pr.names[p], instance.towns[pr.town[p]], instance.measures[pr.measure[p]],
                     y, y * float(pr.volume[p]), y * float(pr.cost[p]),
                     *(y * pr.effects[p]).tolist(), *(y * pr.line_cost[p]).tolist()])  # fmt: skip
    return header, rows


def projects_table(instance: Instance, fractions: np.ndarray) -> Table:
    """The funded projects, largest budget cost first (a rich table)."""
    pr = instance.projects
    assert pr is not None
    cur = currency_sign(instance.currency) or _("currency")
    funded = [p for p in np.argsort(-(fractions * pr.cost), kind="stable") if fractions[p] > 0]
    table = Table(
        title=_("Funded projects: {funded} of {total}").format(funded=len(funded), total=len(pr)),
        title_justify="left",
    )
    for col in (_("project"), _("town"), _("measure")):
        table.add_column(col)
    table.add_column(_("fraction"), justify="right")
    table.add_column(_("mln {currency}").format(currency=cur), justify="right")
    for c in instance.criteria:
        table.add_column(term(c), justify="right")
    for p in funded:
        y = float(fractions[p])
        table.add_row(pr.names[p], town_name(instance, pr.town[p]),
                      measure_name(instance, pr.measure[p]),
                      significant(y, 3, group=False), fixed(y * pr.cost[p], 1),
                      *(fixed(v, 1) for v in y * pr.effects[p]))  # fmt: skip
    return table


def totals(instance: Instance, cost: np.ndarray) -> dict[str, dict[str, float]]:
    """Budget cost by tier and by measure."""
    tier_idx = instance.tier_index
    by_tier = {t: float(cost[tier_idx == i].sum()) for i, t in enumerate(instance.tiers)}
    by_measure = {m: float(cost[:, j].sum()) for j, m in enumerate(instance.measures)}
    return {"by_tier": by_tier, "by_measure": by_measure}


# ----------------------------------------------------------------------------- table


def whole_names(table: Table) -> Table:
    """Never cut a name: left-aligned (name) columns keep their full width, so a narrow
    terminal wraps the headers and numbers of the other columns instead."""
    for col in table.columns:
        if col.justify in ("left", "default"):
            col.no_wrap = True
            col.overflow = "fold"
    return table


WIDE = 120  # below this many columns, tables drop or move their secondary columns


def sensitivity_table(report: SensitivityReport, currency: str, width: int | None = None) -> Table:
    """The report as a rich table: one row per constraint, rates per unit.

    Narrower than `WIDE` columns (an 80-column terminal), the re-solve check, the
    budget range and the rule costs move into lines under the table, so the
    constraint names are never cut.
    """
    from rich.table import Table

    criteria = list(report.criteria)
    compact = width is not None and width < WIDE
    sense = _("max") if report.maximize else _("min")
    table = Table(
        title=_("What one more unit buys ({method}, objective {sense})").format(
            method=term(report.method), sense=sense
        ),
        title_justify="left",
    )
    table.add_column(_("constraint"), no_wrap=True)
    table.add_column(_("per"), no_wrap=compact)
    table.add_column(_("objective"), justify="right", no_wrap=True)
    if not compact:
        table.add_column(_("re-solve"), justify="right")
    for c in criteria:
        table.add_column(term(c), justify="right", no_wrap=True)
    if not compact:
        table.add_column(_("holds for budget"), justify="right")
        table.add_column(_("rule costs"), justify="right")
    below: list[str] = []
    for e in report.constraints:
        crit = e.rates.criteria or {}
        span = ""
        if e.range_mln is not None:
            lo, hi = e.range_mln
            top = "∞" if hi is None else fixed(hi, 0)
            span = f"{fixed(lo, 0)} – {top} {_('mln')}"
        cost = ""
        if e.drop is not None and e.drop.objective:
            eq = e.drop.budget_equivalent_bn
            cost = rate(e.drop.objective) + (f" (≈ {significant(eq, 3)} {_('bn')})" if eq else "")
        star = "" if e.rates.agrees else " *"
        shown = term(e.name)
        name = shown + binding_words(e.binding, e.objective)
        per = unit_text(e.unit, currency)
        if e.below is not None:  # the budget on a breakpoint of v(B): the other side's rate
            lo_b, hi_b = fixed(e.below.low_mln, 0), fixed(e.below.high_mln or 0.0, 0)
            below.append(
                _(
                    "{name}: the budget is a breakpoint; below it the rate is {rate} per bn, "
                    "for budgets {span}"
                ).format(name=shown, rate=rate(e.below.rate), span=f"{lo_b} – {hi_b} {_('mln')}")
            )
        if compact:
            if e.unit == "pp":
                per = _("1 point")
            table.add_row(name, per, rate(e.objective) + star,
                          *(rate(crit.get(c)) for c in criteria))  # fmt: skip
            if span:
                below.append(
                    _("{name}: the rate holds for budgets {span}").format(name=shown, span=span)
                )
            if cost:
                below.append(
                    _("{name}: dropping the rule gains {cost}").format(name=shown, cost=cost)
                )
            continue
        table.add_row(name, per, rate(e.objective), rate(e.rates.checked) + star,
                      *(rate(crit.get(c)) for c in criteria), span, cost)  # fmt: skip
    notes = list(below)
    if report.most_expensive_rule is not None:
        notes.append(
            _("most expensive rule: {name}").format(name=term(report.most_expensive_rule.name))
        )
    if any(not e.rates.agrees for e in report.constraints):
        notes.append(_("* the basis changes within the re-solve's step (degenerate vertex)"))
    if notes:
        table.caption = ("\n" if compact else "; ").join(notes)
        table.caption_justify = "left"
    return table


def sweep_table(result: SweepResult) -> Any:
    """A rich table: one row per budget, criteria and shares by tier."""
    from rich.table import Table

    table = Table(
        title=_("{scenario} ({method}) by budget").format(
            scenario=scenario_name(result.scenario_name), method=term(result.method)
        ),
        title_justify="left",
    )
    for col in (_("budget mln"), _("allocated mln"), *map(term, result.criteria),
                *(f"{term(t)} %" for t in result.tiers)):  # fmt: skip
        table.add_column(col, justify="right")
    for s in result.steps:
        if s.status != "optimal":
            table.add_row(
                mln(s.budget_mln),
                term(s.status),
                *[""] * (len(result.criteria) + len(result.tiers)),
            )
            continue
        assert s.criteria is not None and s.share_tier is not None
        table.add_row(
            mln(s.budget_mln),
            mln(s.allocated_mln or 0.0),
            *(mln(v) for v in s.criteria),
            *(p.rstrip("%").rstrip("\u00a0") for p in shares_pct(list(s.share_tier))),
        )
    return table


def sweep_gain_table(result: SweepResult) -> Any:
    """What one more bn bought between consecutive feasible budgets, per criterion."""
    from rich.table import Table

    table = Table(title=_("What one more bn buys between steps"), title_justify="left")
    table.add_column(_("budgets mln"), justify="right")
    for c in result.criteria:
        table.add_column(_("{criterion} per bn").format(criterion=term(c)), justify="right")
    ok = [s for s in result.feasible() if s.criteria is not None]
    for a, b in itertools.pairwise(ok):
        if b.budget_mln <= a.budget_mln:
            continue
        step = (b.budget_mln - a.budget_mln) / 1000.0
        assert a.criteria is not None and b.criteria is not None
        table.add_row(f"{fixed(a.budget_mln, 0)} – {fixed(b.budget_mln, 0)}",
                      *(fixed((y - x) / step, 1, sign=True)
                        for x, y in zip(a.criteria, b.criteria, strict=True)))  # fmt: skip
    return table


def sweep_notes(result: SweepResult) -> list[str]:
    """What the sweep's table needs said beside it: the normalization's budget and
    each rise of one criterion's rate."""
    return [sweep_ranges_words(result)] + [
        sweep_rise_words(result, k, c) for k, c in result.rate_rises()
    ]


def sweep_ranges_words(result: SweepResult) -> str:
    """Which budget's payoff table normalizes the criteria at every step (SPEC 14)."""
    if result.reference_budget_mln is None:
        return _("criteria normalized by the payoff table at each budget (--renormalize)")
    return _(
        "criteria normalized by the payoff table at {amount} mln at every budget, so the "
        "weights mean the same throughout (--renormalize: at each budget)"
    ).format(amount=fixed(result.reference_budget_mln, 0))


def sweep_rise_words(result: SweepResult, k: int, c: int) -> str:
    """Why one criterion's rate rises with the budget while the objective's falls."""
    _mid, per_bn = result.marginal_gains()
    ok = [s.budget_mln for s in result.feasible() if s.criteria is not None]
    return _(
        "{criterion} per bn rises from {before} to {now} between {low} and {high} mln: "
        "there the plan shifts its trade between criteria; what one more bn buys of the "
        "scenario's objective never rises"
    ).format(
        criterion=term(result.criteria[c]),
        before=fixed(per_bn[k - 1, c], 1, sign=True),
        now=fixed(per_bn[k, c], 1, sign=True),
        low=fixed(ok[k], 0),
        high=fixed(ok[k + 1], 0),
    )


# ----------------------------------------------------------------------------- tables


def percentile(k: int) -> str:
    """A percentile's column header: `P5` (`5-й процентиль` in Russian)."""
    return _("P{k}").format(k=k)


def uncertainty_tables(result: UncertaintyResult, top: int = 10) -> list[Any]:
    """Percentiles per plan and criterion; the nominal plan's least robust cells."""
    from rich.table import Table

    from optimizer.analysis.uncertainty import FUNDED_MLN

    percentiles = result.percentiles()
    # One budget per table (SPEC 14): the title names the plans' budget; an actual
    # spend at another (--budget) gets a table of its own, titled with its budget.
    head = Table(
        title=_("{scenario} at {amount} mln: {draws} draws (seed {seed})").format(
            scenario=scenario_name(result.scenario_name),
            amount=mln(result.budget_mln),
            draws=fixed(result.draws, 0),
            seed=result.seed,
        ),
        title_justify="left",
    )
    stats = (*(percentile(k) for k in (5, 50, 95)), _("mean"))
    for k, col in enumerate((_("plan"), _("criterion"), *stats, _("nominal effects"))):
        head.add_column(col, justify="left" if k < 2 else "right")
    # an actual spend the instance lists as illustrative is called so (SPEC 11)
    spend = spend_short(result.instance, f"actual/{result.actual_name}.csv")
    apart = not result.actual_at_plans_budget
    for plan, by_c in percentiles.items():
        if plan == "actual" and apart:
            continue
        for j, c in enumerate(result.criteria):
            s = by_c[c]
            at_nominal = mln(result.nominal_criteria[j]) if plan == "nominal" else ""
            head.add_row(spend if plan == "actual" else term(plan), term(c), *(mln(v) if (v := s[k]) is not None else "-"
                                    for k in ("p5", "p50", "p95", "mean")), at_nominal)  # fmt: skip
    spend_table = None
    if apart and result.actual_budget_mln is not None:
        words = spend_words(result.instance, f"actual/{result.actual_name}.csv")
        spend_table = Table(
            title=_("{spend} at its budget cost, {amount} mln: the same draws").format(
                spend=words, amount=mln(result.actual_budget_mln)
            ),
            title_justify="left",
        )
        for k, col in enumerate((_("criterion"), *stats)):
            spend_table.add_column(col, justify="left" if k == 0 else "right")
        for c in result.criteria:
            s = percentiles["actual"][c]
            spend_table.add_row(term(c), *(mln(v) if (v := s[k]) is not None else "-"
                                           for k in ("p5", "p50", "p95", "mean")))  # fmt: skip
    notes = []
    voi = result.value_of_knowing()
    gains = ", ".join(
        f"{term(c)} {fixed(v, 1, sign=True)}" for c, v in voi["criteria"].items() if v is not None
    )
    notes.append(
        _("value of knowing the effects (mean re-optimized - nominal): {gains}").format(gains=gains)
    )
    if result.dominated is not None:
        # the run keeps the spend's name only: a file of actual/ by that name
        words = spend_words(result.instance, f"actual/{result.actual_name}.csv")
        pd = result.probability_dominated()
        notes.append(
            _("{spend} dominated in {share} of draws").format(
                spend=words, share=pct(None if pd is None else 100 * pd)
            )
        )
    if not result.feasible.all():
        n_bad = int((~result.feasible).sum())
        notes.append(
            ngettext(
                "re-optimization infeasible in {n} draw",
                "re-optimization infeasible in {n} draws",
                n_bad,
            ).format(n=n_bad)
        )
    head.caption = "\n".join(notes)
    head.caption_justify = "left"
    whole_names(head)

    inst = result.instance
    cells = [
        (float(result.frequency[t, m]), inst.towns[t], inst.measures[m], t, m)
        for t, m in zip(*np.nonzero(result.nominal_volumes > FUNDED_MLN), strict=True)
    ]
    cells.sort()
    rob = Table(title=_("Least robust decisions of the nominal plan"), title_justify="left")
    rob_cols = (_("town"), _("measure"), _("nominal mln"), _("funded in draws"), _("mean mln"))
    for k, col in enumerate(rob_cols):
        rob.add_column(col, justify="left" if k < 2 else "right")
    for f, _town, _meas, t, m in cells[:top]:
        rob.add_row(town_name(inst, t), measure_name(inst, m),
                    mln(result.nominal_volumes[t, m]), pct(100 * f),
                    mln(result.mean_volume[t, m]))  # fmt: skip
    out = [head] if spend_table is None else [head, whole_names(spend_table)]
    if cells or result.project_frequency is None:  # a plan of projects only: no cell table
        out.append(whole_names(rob))
    if result.project_frequency is not None:
        out.append(project_robustness_table(result, top))
    return out


def project_agreement(result: UncertaintyResult) -> np.ndarray:
    """(P,) share of feasible draws whose re-optimized plan makes the nominal plan's
    decision on each project: funds it where the nominal plan does, leaves it out where
    the nominal plan leaves it out."""
    assert result.project_frequency is not None and result.nominal_fractions is not None
    funded = result.nominal_fractions > 0
    return np.where(funded, result.project_frequency, 1.0 - result.project_frequency)


def least_robust_projects(result: UncertaintyResult, k: int) -> np.ndarray:
    """The `k` projects whose nominal decision the draws agree with least (file order
    on ties)."""
    return np.argsort(project_agreement(result), kind="stable")[:k]


def share(v: float) -> str:
    """A share of draws (0-1) in percent; "-" when no draw could say (NaN)."""
    return pct(100 * float(v)) if np.isfinite(v) else "-"


def project_robustness_table(result: UncertaintyResult, top: int = 10) -> Table:
    """The projects whose nominal decision the draws agree with least (file order on ties)."""
    inst = result.instance
    pr = inst.projects
    assert pr is not None and result.nominal_fractions is not None
    assert result.project_frequency is not None and result.project_mean_fraction is not None
    agree = project_agreement(result)
    order = least_robust_projects(result, top)
    table = Table(title=_("Least robust project decisions of the nominal plan"),
                  title_justify="left")  # fmt: skip
    cols = [_("project"), _("town"), _("measure"), _("nominal plan"), _("funded in draws"),
            _("same decision")]  # fmt: skip
    if not pr.all_or_nothing:  # all or nothing: the mean fraction is the share funded
        cols.append(_("mean fraction"))
    for k, col in enumerate(cols):
        table.add_column(col, justify="left" if k < 4 else "right")
    for p in order:
        y = float(result.nominal_fractions[p])
        decision = _("funded") if y >= 1.0 else _("left out") if y <= 0.0 else pct(100 * y)
        row = [pr.names[p], town_name(inst, pr.town[p]), measure_name(inst, pr.measure[p]),
               decision, share(result.project_frequency[p]), share(agree[p])]  # fmt: skip
        if not pr.all_or_nothing:
            mean = float(result.project_mean_fraction[p])
            row.append(fixed(mean, 2) if np.isfinite(mean) else "-")
        table.add_row(*row)
    return whole_names(table)


# ----------------------------------------------------------------------------- tables


def reallocation_rows(cmp: Comparison) -> tuple[list[str], list[list[Any]]]:
    """`town,measure,actual_mln,optimal_mln,change_mln` (volumes) then the same in budget
    cost, for every cell where either is non-zero, largest |change| in budget cost first."""
    return change_rows(cmp.instance, cmp.actual.volume, cmp.optimal.volumes, "optimal")


def closest_rows(cmp: Comparison, phi: float = 1.0) -> tuple[list[str], list[list[Any]]]:
    """`town,measure,actual_mln,plan_mln,change_mln` (+ budget cost) of the plan for `phi`."""
    plan = next((p for p in cmp.closest if abs(p.phi - phi) < 1e-12), None)
    if plan is None or plan.volumes is None:
        header, _rows = change_rows(cmp.instance, cmp.actual.volume, cmp.actual.volume, "plan")
        return header, []
    return change_rows(cmp.instance, cmp.actual.volume, plan.volumes, "plan")


def change_rows(
    instance: Instance, xa: np.ndarray, x: np.ndarray, label: str
) -> tuple[list[str], list[list[Any]]]:
    header = [
        "town",
        "measure",
        "actual_mln",
        f"{label}_mln",
        "change_mln",
        "actual_cost_mln",
        f"{label}_cost_mln",
        "change_cost_mln",
        "tier",
    ]
    from optimizer.analysis.compare import CELL_TOL

    x = np.where(np.abs(x) > CELL_TOL, x, 0.0)
    cells = np.argwhere((np.abs(xa) > CELL_TOL) | (x > CELL_TOL))
    cost = instance.budget_cost
    rows = []
    for t, m in cells:
        a, o = float(xa[t, m]), float(x[t, m])
        rows.append(
            [
                instance.towns[t],
                instance.measures[m],
                a,
                o,
                o - a,
                a * cost[m],
                o * cost[m],
                (o - a) * cost[m],
                instance.town_tier[t],
            ]
        )
    rows.sort(key=lambda r: (-abs(r[7]), -abs(r[4]), r[0], r[1]))  # budget cost first
    return header, rows


# ----------------------------------------------------------------------------- tables


def front_tables(
    front: ParetoFront, instance: Instance
) -> tuple[tuple[list[str], list[list[Any]]], tuple[list[str], list[list[Any]]]]:
    """(header, rows) of pareto.csv and of pareto_allocations.csv (SPEC section 9).

    pareto.csv: `point,<criterion> ...,allocated_mln,is_breakpoint,is_knee,rate_prev,rate_next`
    (rates in criterion y per criterion x, empty where there is no neighbour).
    pareto_allocations.csv: `point,town,measure,volume_mln,budget_cost_mln`, cells
    with volume > 0, sorted by point, town, measure. Points are numbered from 1.
    """
    pr = instance.projects
    head = ["point", *front.criteria, "allocated_mln", "is_breakpoint", "is_knee",
            "rate_prev", "rate_next", "is_supported"]  # fmt: skip
    rows: list[list[Any]] = []
    alloc_head = ["point", "town", "measure", "volume_mln", "budget_cost_mln"]
    if pr is not None:
        alloc_head += ["project", "fraction"]
    alloc: list[list[Any]] = []
    for k, p in enumerate(front.points, start=1):
        rows.append([k, *map(float, p.values), float((p.volumes * instance.budget_cost[None, :]).sum())
                     if pr is None else p.allocated_mln, p.is_breakpoint,
                     p.is_knee, p.rate_prev, p.rate_next, p.is_supported])  # fmt: skip
        cells = sorted(
            (instance.towns[t], instance.measures[m], t, m)
            for t, m in zip(*np.nonzero(p.volumes > ALLOC_TOL), strict=True)
        )
        tail = [] if pr is None else ["", ""]
        alloc += [[k, town, meas, float(p.volumes[t, m]),
                   float(p.volumes[t, m] * instance.budget_cost[m]), *tail]
                  for town, meas, t, m in cells]  # fmt: skip
        if pr is not None and p.fractions is not None:
            for j in sorted(np.flatnonzero(p.fractions > 0), key=lambda j: pr.names[j]):
                y = float(p.fractions[j])
                alloc.append([k, instance.towns[pr.town[j]], instance.measures[pr.measure[j]],
                              y * float(pr.volume[j]), y * float(pr.cost[j]), pr.names[j], y])  # fmt: skip
    return (head, rows), (alloc_head, alloc)


def solution_tables(
    instance: Instance, sol: Solution, top: int = 10, shadow_prices: bool = True
) -> list[Any]:
    """Criteria, payoff, totals by tier and by measure, top towns, shadow prices."""
    cur = currency_sign(instance.currency) or _("currency")
    out: list[Any] = []
    title = _("{scenario}: {method}, budget {amount} mln {currency}").format(
        scenario=scenario_name(sol.scenario_name), method=term(sol.method),
        amount=mln(sol.budget_mln), currency=cur,
    )  # fmt: skip
    from optimizer.methods.describe import describe

    if describe(sol.method).least_budget:  # the budget is the cap; the plan costs less
        title = _(
            "{scenario}: {method}, least budget {amount} mln {currency} (cap {cap})"
        ).format(scenario=scenario_name(sol.scenario_name), method=term(sol.method),
                 amount=mln(sol.allocated_mln), currency=cur, cap=mln(sol.budget_mln))  # fmt: skip
    # A title is one line, not wrapped mid-amount.
    shown: Any = Text(title, no_wrap=True, overflow="ignore")
    head = Table(title=shown, title_justify="left")
    head.add_column(_("criterion"))
    head.add_column(_("value"), justify="right")
    if sol.payoff is not None:
        head.add_column(_("ideal"), justify="right")
        head.add_column(_("nadir"), justify="right")
    for i, c in enumerate(instance.criteria):
        row = [term(c), num(sol.objectives[c], 3)]
        if sol.payoff is not None:
            row += [num(sol.payoff.ideal[i], 3), num(sol.payoff.nadir[i], 3)]
        head.add_row(*row)
    head.add_row(_("allocated, mln"), mln(sol.allocated_mln), "", "")
    if sol.payoff is not None and sol.payoff.budget_mln is not None:
        head.caption = Text(  # one line, not wrapped at the table's width
            _("ideal and nadir: the payoff table at {amount} mln").format(
                amount=mln(sol.payoff.budget_mln)
            ),
            no_wrap=True,
            overflow="ignore",
        )
        head.caption_justify = "left"
    out.append(head)

    tiers = Table(title=_("Budget cost by tier"), title_justify="left")
    for k, col in enumerate((_("tier"), _("towns"), _("mln"), _("share"))):
        tiers.add_column(col, justify="left" if k == 0 else "right")
    tidx = instance.tier_index
    by_tier = [float(sol.cost[tidx == i].sum()) for i in range(len(instance.tiers))]
    for i, (t, v, share) in enumerate(
        zip(instance.tiers, by_tier, shares_pct(by_tier), strict=True)
    ):
        tiers.add_row(term(t), str(int((tidx == i).sum())), mln(v), share)
    out.append(tiers)

    meas = Table(title=_("Budget cost by measure"), title_justify="left")
    cols = (_("measure"), _("instrument"), _("volume mln"), _("cost mln"), _("share"))
    for k, col in enumerate(cols):
        meas.add_column(col, justify="left" if k < 2 else "right")
    by_measure = [float(sol.cost[:, j].sum()) for j in range(instance.n_measures)]
    for j, (v, share) in enumerate(zip(by_measure, shares_pct(by_measure), strict=True)):
        meas.add_row(measure_name(instance, j), term(instance.instruments[j]),
                     mln(float(sol.volumes[:, j].sum())), mln(v), share)  # fmt: skip
    out.append(long_labels(whole_names(meas), 0))

    per_town = sol.cost.sum(axis=1)
    order = np.argsort(-per_town)[:top]
    towns = Table(title=_("Top {n} towns").format(n=min(top, len(order))), title_justify="left")
    cols = (_("town"), _("tier"), _("cost mln"), _("{currency} per resident").format(currency=cur),
            _("largest measure"))  # fmt: skip
    for k, col in enumerate(cols):
        towns.add_column(col, justify="left" if k in (0, 1, 4) else "right")
    for t in order:
        if per_town[t] <= 0:
            break
        towns.add_row(town_name(instance, t), term(instance.town_tier[t]),
                      mln(float(per_town[t])),
                      fixed(per_town[t] * 1e6 / instance.population[t], 0),
                      measure_name(instance, int(np.argmax(sol.cost[t]))))  # fmt: skip
    out.append(long_labels(whole_names(towns), 4))

    if not shadow_prices:
        return out
    sp = Table(title=_("Shadow prices (objective per unit of relaxation)"), title_justify="left")
    for k, col in enumerate((_("constraint"), _("unit"), _("value"), _("binding"))):
        sp.add_column(col, justify="right" if k == 2 else "left")
    for p in sol.shadow_prices:
        sp.add_row(term(p.name), _unit(p.unit),
                   significant(p.value, 6, group=False), state_words(p.state))  # fmt: skip
    out.append(sp)
    return out


def long_labels(table: Table, col: int, width: int = 40) -> Table:
    """Measure labels in Russian and Kazakh are sentences (the article's words): let that
    column wrap at `width` instead of widening the table past the terminal."""
    column = table.columns[col]
    if any(len(c) > width for c in column.cells if isinstance(c, str)):
        column.no_wrap = False
        column.overflow = "fold"
        column.max_width = width
    return table


def binding_words(binding: bool, price: float | None) -> str:
    """' (slack)', ' (binding, no cost)' or '' after a constraint's name (SPEC section 10)."""
    if not binding:
        return " " + _("(slack)")
    return " " + _("(binding, no cost)") if not price else ""


def _unit(unit: str) -> str:
    """A shadow price's unit as summary.json names it (mln, pp, per_capita), in words
    when the tool speaks Russian or Kazakh."""
    words = {"mln": _("mln"), "pp": _("pp"), "per_capita": _("per_capita")}
    return words.get(unit, unit)


def state_words(state: Tightness) -> str:
    """A constraint's state (binding, slack, binding (no cost)) in the language in use."""
    from optimizer.domain.results import Tightness

    words = {Tightness.binding: _("binding"), Tightness.slack: _("slack"),
             Tightness.binding_no_cost: _("binding (no cost)")}  # fmt: skip
    return words[state]


def ranges_table(ranges: tuple[Any, ...], instance: Instance | None = None) -> Table:
    """Each town's freedom among equally good plans (`solve --ranges`); with the
    instance, towns by their names in the language in use."""
    table = Table(title=_("Equally good plans: each town's budget cost range, mln"))
    for k, col in enumerate((_("town"), _("least"), _("most"), _("plan"))):
        table.add_column(col, justify="left" if k == 0 else "right")
    for r in sorted(ranges, key=lambda r: -r.plan_cost_mln):
        shown = r.town if instance is None else town_label(instance, r.town)
        table.add_row(shown, mln(r.min_cost_mln), mln(r.max_cost_mln),
                      mln(r.plan_cost_mln))  # fmt: skip
    return table


# ----------------------------------------------------------------------------- study files


def uncertainty_rows(result: UncertaintyResult) -> tuple[list[str], list[list[Any]]]:
    """`uncertainty.csv`: draw,plan,<criterion> ...,feasible,budget_mln[,actual_dominated,
    actual_<c> ...,actual_budget_mln]: each set of numbers with the budget it is at."""
    header = ["draw", "plan", *result.criteria, "feasible", "budget_mln"]
    if result.actual is not None:
        header += ["actual_dominated", *(f"actual_{c}" for c in result.criteria),
                   "actual_budget_mln"]  # fmt: skip
    b = float(result.budget_mln)
    rows: list[list[Any]] = []
    for i in range(result.draws):
        tail: list[Any] = []
        if result.actual is not None and result.dominated is not None:
            tail = [bool(result.dominated[i]), *map(float, result.actual[i]),
                    result.actual_budget_mln]  # fmt: skip
        rows.append([i, "nominal", *map(float, result.nominal[i]), True, b, *tail])
        reopt = [float(v) if result.feasible[i] else "" for v in result.reoptimized[i]]
        rows.append([i, "reoptimized", *reopt, bool(result.feasible[i]), b, *tail])
    return header, rows


def robustness_rows(result: UncertaintyResult) -> tuple[list[str], list[list[Any]]]:
    """`robustness.csv`: every (town, measure) cell, sorted by town then measure; with
    projects, a `project` column (empty on cell rows) and then every project, sorted by
    name: the share of draws funding it, its mean and nominal volume."""
    inst = result.instance
    header = ["town", "measure", "frequency", "mean_volume_mln", "nominal_volume_mln"]
    order = sorted(
        (inst.towns[t], inst.measures[m], t, m)
        for t in range(inst.n_towns)
        for m in range(inst.n_measures)
    )
    rows = [
        [town, meas, float(result.frequency[t, m]), float(result.mean_volume[t, m]),
         float(result.nominal_volumes[t, m])]
        for town, meas, t, m in order
    ]  # fmt: skip
    pr = inst.projects
    if pr is None or result.project_frequency is None:
        return header, rows
    assert result.nominal_fractions is not None and result.project_mean_fraction is not None
    rows = [[*row, ""] for row in rows]
    for p in sorted(range(len(pr)), key=lambda p: pr.names[p]):
        vol = float(pr.volume[p])
        freq = float(result.project_frequency[p])
        known = np.isfinite(freq)  # no feasible draw: empty
        rows.append([inst.towns[pr.town[p]], inst.measures[pr.measure[p]],
                     freq if known else "",
                     float(result.project_mean_fraction[p]) * vol if known else "",
                     float(result.nominal_fractions[p]) * vol, pr.names[p]])  # fmt: skip
    return [*header, "project"], rows


def sweep_header(result: SweepResult) -> list[str]:
    tiers, measures = result.share_columns()
    return ["budget_mln", "allocated_mln", *result.criteria, *tiers, *measures, "objective",
            "status"]  # fmt: skip


def sweep_rows(result: SweepResult) -> list[list[Any]]:
    """Rows of `sweep.csv` (SPEC section 9); more columns follow the fixed ones."""
    blank = [""] * (len(result.criteria) + len(result.tiers) + len(result.measures) + 2)
    out: list[list[Any]] = []
    for s in result.steps:
        if s.status != "optimal":
            out.append([s.budget_mln, *blank, s.status])
            continue
        assert s.criteria is not None and s.share_tier is not None
        assert s.share_measure is not None
        out.append([s.budget_mln, s.allocated_mln, *s.criteria, *s.share_tier,
                    *s.share_measure, s.objective, s.status])  # fmt: skip
    return out
