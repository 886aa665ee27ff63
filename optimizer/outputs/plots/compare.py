"""Figures for `compare` and `report` (matplotlib's Agg canvas, imported lazily).

Every function returns PNG bytes, so the caller decides where they go (a file
written atomically, or a data URI in a self-contained HTML report). Figures are
built on `matplotlib.figure.Figure` with the Agg canvas directly: no pyplot
state, no display needed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from optimizer.i18n import _, ngettext
from optimizer.outputs.text import fixed, is_illustrative, pct, spend_short, term, town_name

if TYPE_CHECKING:
    from optimizer.analysis.compare import Comparison
    from optimizer.domain.instance import Instance
    from optimizer.domain.results import Solution

from optimizer.outputs.plots.style import (
    ACTUAL,
    FRONT,
    OPTIMAL,
    PLAN,
    REFERENCE,
    count_axis,
    finish,
    fit,
    legend_below,
    legend_right,
    measure_colors,
    measure_names,
    money_axis,
    new_figure,
    png,
    quoted,
    title,
)
from optimizer.outputs.text import money


def grouped_barh(
    ax: Any, names: Sequence[str], series: list[tuple[str, np.ndarray, str]], what: str,
    currency: str,
) -> None:  # fmt: skip
    """Horizontal grouped bars, first name on top; every bar carries its value, so a
    zero is seen as 0 rather than as a missing bar."""
    from optimizer.outputs.text import amount

    k = len(series)
    h = 0.8 / k
    y = np.arange(len(names))[::-1]
    for i, (label, values, color) in enumerate(series):
        pos = y + (k - 1 - 2 * i) * h / 2
        ax.barh(pos, values, height=h, color=color, label=label)
        for yy, v in zip(pos, values, strict=True):
            ax.annotate(amount(float(v)), (float(v), yy), xytext=(3, 0), textcoords="offset points",
                        va="center", fontsize=7, color="#333333")  # fmt: skip
    ax.set_yticks(y, list(names))
    ax.set_title(what, loc="left", fontsize=10)
    money_axis(ax, "x", currency)
    finish(ax, "x")


def compare_png(cmp: Comparison, front: np.ndarray | None = None) -> bytes:
    """compare.png as PNG bytes (see `compare_figure`)."""
    return png(compare_figure(cmp, front))


def compare_figure(cmp: Comparison, front: np.ndarray | None = None) -> Any:
    """compare.png: budget cost actual vs optimal by tier and by measure (one money
    scale for both panels), and the criteria plane (first two criteria): actual,
    optimum, closest plans, front."""
    inst = cmp.instance
    cur = inst.currency
    ca = cmp.actual.volume * inst.budget_cost[None, :]
    co = cmp.optimal.cost
    short = spend_short(inst, cmp.actual)  # "actual" or "illustrative" (SPEC 11)
    ill = is_illustrative(inst, cmp.actual)
    tiers = inst.tier_index
    by_tier_a = np.array([ca[tiers == i].sum() for i in range(len(inst.tiers))])
    by_tier_o = np.array([co[tiers == i].sum() for i in range(len(inst.tiers))])
    two = len(inst.criteria) >= 2
    fig = new_figure(12, 8.6)
    grid = fig.add_gridspec(2, 2, height_ratios=[1, 1.3], width_ratios=[1, 1.15])
    ax_tier = fig.add_subplot(grid[0, 0])
    ax_meas = fig.add_subplot(grid[1, :] if not two else grid[1, 0], sharex=ax_tier)
    grouped_barh(ax_tier, [term(t) for t in inst.tiers],
                 [(short, by_tier_a, ACTUAL), (_("optimal"), by_tier_o, OPTIMAL)],
                 _("Budget cost by tier"), cur)  # fmt: skip
    grouped_barh(ax_meas, measure_names(inst),
                 [(short, ca.sum(axis=0), ACTUAL), (_("optimal"), co.sum(axis=0), OPTIMAL)],
                 _("Budget cost by measure"), cur)  # fmt: skip
    top = max(float(by_tier_a.max(initial=0)), float(by_tier_o.max(initial=0)), 1.0)
    ax_tier.set_xlim(0, top * 1.15)  # room for the value labels; both panels share it
    legend_right(ax_tier)
    if two:
        criteria_plane(fig.add_subplot(grid[:, 1]), cmp, front)
    same = cmp.at_actual_budget
    amounts = {"amount": money(cmp.budget_mln, cur), "spent": money(cmp.actual_budget_mln, cur)}
    if same:
        budget = _("the same budget, {amount}").format(**amounts)
    elif ill:
        budget = _("optimum at {amount}, illustrative {spent}").format(**amounts)
    else:
        budget = _("optimum at {amount}, actual {spent}").format(**amounts)
    what = (_("Illustrative spend {name} against the optimum") if ill
            else _("Actual spend {name} against the optimum"))  # fmt: skip
    title(fig, what.format(name=quoted(cmp.actual.name)), inst.name, cmp.scenario.name, budget)
    return fig


def criteria_plane(ax: Any, cmp: Comparison, front: np.ndarray | None) -> None:
    """Actual and optimal outcomes in the plane of the first two criteria."""
    inst = cmp.instance
    cx, cy = inst.criteria[0], inst.criteria[1]
    fa = cmp.actual_objectives
    short = spend_short(inst, cmp.actual)
    if front is not None and len(front):
        order = np.argsort(front[:, 0])
        ax.plot(front[order, 0], front[order, 1], "-", color=FRONT, lw=1.5,
                label=_("Pareto front"))  # fmt: skip
    ends = cmp.dominance.ends
    if ends:
        xs = [e[cx] for e in ends]
        ys = [e[cy] for e in ends]
        ax.fill_between([fa[cx], max(xs)], fa[cy], max(ys), color=FRONT, alpha=0.08, lw=0)
        ax.plot(xs, ys, "s", color=FRONT, ms=5, label=_("ends of the dominating front"))
    plans = [p.objectives for p in cmp.closest if p.objectives is not None]
    if plans:
        # the path from the actual spend through the closest plans (25% ... 100% of the gain)
        path = [fa, *plans]
        ax.plot([p[cx] for p in path], [p[cy] for p in path], "-", color=PLAN, lw=1)
        ax.plot(
            [p[cx] for p in plans],
            [p[cy] for p in plans],
            "o",
            color=PLAN,
            ms=4,
            label=_("closest plans (25-100% of the gain)"),
        )
    ax.plot([fa[cx]], [fa[cy]], "o", color=ACTUAL, ms=9, label=short)
    opt = cmp.optimal.objectives
    ax.plot([opt[cx]], [opt[cy]], "*", color=OPTIMAL, ms=14, label=_("optimal"))
    reference = (_("illustrative's values (reference)") if is_illustrative(inst, cmp.actual)
                 else _("actual's values (reference)"))  # fmt: skip
    ax.axvline(fa[cx], color=REFERENCE, lw=0.8, ls=":", label=reference)
    ax.axhline(fa[cy], color=REFERENCE, lw=0.8, ls=":")
    from optimizer.outputs.plots.pareto import axis_label

    count_axis(ax, "x", fit(axis_label(cx), 40))
    count_axis(ax, "y", fit(axis_label(cy), 40))
    ax.set_title(_("Outcomes"), loc="left", fontsize=10)
    # two columns while the labels are short (English), one when they would run off
    longest = max(len(t) for t in ax.get_legend_handles_labels()[1])
    legend_below(ax, ncol=2 if longest <= 36 else 1)
    finish(ax)


def allocation_png(
    instance: Instance, sol: Solution, top: int = 40, cap_share: float | None = None
) -> bytes:
    """The allocation chart as PNG bytes (see `allocation_figure`)."""
    return png(allocation_figure(instance, sol, top, cap_share))


def allocation_figure(
    instance: Instance, sol: Solution, top: int = 40, cap_share: float | None = None
) -> Any:  # matplotlib.figure.Figure
    """Budget cost per town (stacked by measure), the `top` towns with the most money;
    `cap_share`: a per-town cap as a share of the allocation, drawn as a line."""
    cost = sol.cost
    per_town = cost.sum(axis=1)
    order = [t for t in np.argsort(-per_town, kind="stable")[:top] if per_town[t] > 0][::-1]
    fig = new_figure(10, max(3.0, 0.26 * len(order) + 2.2))
    ax = fig.subplots()
    left = np.zeros(len(order))
    cols = measure_colors(instance.n_measures)
    for j, name in enumerate(measure_names(instance)):
        v = cost[order, j]
        if v.sum() <= 0:
            continue
        ax.barh(np.arange(len(order)), v, left=left, color=cols[j], label=name, height=0.75)
        left += v
    if cap_share is not None:
        cap = cap_share * sol.allocated_mln
        ax.axvline(cap, color=REFERENCE, lw=1.2, ls="--",
                   label=_("town cap: {share} of the allocation ({amount} mln)").format(
                       share=pct(100 * cap_share).replace(",0", "").replace(".0", ""),
                       amount=fixed(cap, 0)))  # fmt: skip
    ax.set_yticks(
        np.arange(len(order)),
        [f"{town_name(instance, t)} ({term(instance.town_tier[t])})" for t in order],
        fontsize=8,
    )
    money_axis(ax, "x", instance.currency)
    ax.set_ylabel(_("town (tier), most money on top"))
    legend_right(ax)
    finish(ax, "x")
    shown = (
        ngettext("the {n} town with the most money", "the {n} towns with the most money",
                 len(order)).format(n=len(order))
        if instance.n_towns > top
        else _("every funded town")
    )  # fmt: skip
    from optimizer.methods.describe import describe

    budget = (  # a least-budget plan: what it costs, under the scenario's budget, its cap
        _("least budget {amount}, cap {budget}")
        if describe(sol.method).least_budget
        else _("budget {budget}, allocated {amount}")
    )
    title(fig, _("Budget cost by town and measure: {shown}").format(shown=shown), instance.name,
          sol.scenario_name,
          budget.format(budget=money(sol.budget_mln, instance.currency),
                        amount=money(sol.allocated_mln, instance.currency)))  # fmt: skip
    return fig
