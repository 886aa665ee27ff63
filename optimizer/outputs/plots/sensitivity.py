"""Figures of the sweep and the uncertainty run (PNG bytes).

matplotlib is imported inside the functions, and figures are drawn on the Agg
canvas directly (no pyplot, so no global backend state): importing this module
costs nothing, and it works without a display.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from optimizer.i18n import N_, _, ngettext
from optimizer.outputs.text import currency_sign, fixed, term, town_name

if TYPE_CHECKING:
    from optimizer.analysis.sweep import SweepResult
    from optimizer.analysis.uncertainty import UncertaintyResult

from optimizer.outputs.plots.style import (
    ACTUAL,
    OPTIMAL,
    PLAN,
    REFERENCE,
    count_axis,
    finish,
    fit,
    legend_below,
    measure_colors,
    measure_names,
    money,
    new_figure,
    png,
    share_axis,
    tier_colors,
    title,
)

PLAN_COLORS = {"nominal": OPTIMAL, "reoptimized": PLAN, "actual": ACTUAL}
PLAN_WORDS = {"nominal": N_("nominal plan"), "reoptimized": N_("reoptimized plan")}


def sweep_png(result: SweepResult, instance: Any = None) -> bytes:
    """Top: each criterion against the budget. Middle: what one more bn buys between
    steps (criterion per bn). Bottom: the budget's split by tier and by measure
    (stacked shares, in %). Infeasible budgets are marked on the x axis, the
    scenario's own budget by a vertical line on every panel."""
    from optimizer.outputs.plots.pareto import axis_label
    from optimizer.outputs.plots.style import money_axis

    C = len(result.criteria)
    cols = max(C, 2)
    fig = new_figure(5.2 * cols, 12.6)
    grid = fig.add_gridspec(3, cols)
    mark = result.scenario_budget_mln

    def scenario_line(ax: Any, label: bool) -> None:
        if mark is not None:
            ax.axvline(mark, color=REFERENCE, ls="--", lw=1,
                       label=_("scenario's budget, {amount}").format(amount=money(mark, cur))
                       if label else None)  # fmt: skip

    ok = result.feasible()
    x = np.array([s.budget_mln for s in ok])
    bad = np.array([s.budget_mln for s in result.steps if s.status != "optimal"])
    inst = instance
    cur = getattr(inst, "currency", "") if inst is not None else ""
    for j, c in enumerate(result.criteria):
        ax = fig.add_subplot(grid[0, j])
        y = [s.criteria[j] for s in ok if s.criteria is not None]
        ax.plot(x, y, marker="o", ms=3, color=OPTIMAL, label=_("optimum at that budget"))
        if len(bad):
            ax.plot(bad, np.zeros(len(bad)), "x", color=ACTUAL, label=_("infeasible budget"))
        scenario_line(ax, True)
        ax.set_title(axis_label(c), loc="left", fontsize=10)
        count_axis(ax, "y", fit(axis_label(c), 38))
        money_axis(ax, "x", cur, _("budget"))
        finish(ax)
        legend_below(ax, ncol=1)
    mid, per_bn = result.marginal_gains()
    for j, c in enumerate(result.criteria):
        ax = fig.add_subplot(grid[1, j])
        if len(mid):
            ax.plot(mid, per_bn[:, j], marker="o", ms=3, drawstyle="steps-mid", color=OPTIMAL,
                    label=_("gain between steps"))  # fmt: skip
        ax.axhline(0, color="0.6", lw=0.8)
        scenario_line(ax, False)
        if len(x) > 1:  # the same budget axis as the panels above
            ax.set_xlim(float(x.min()), float(x.max()))
        head = _("{what} per bn {currency}").format(what=axis_label(c),
                                                    currency=currency_sign(cur))  # fmt: skip
        ax.set_title(fit(head.rstrip(), 56), loc="left", fontsize=10)
        count_axis(ax, "y", fit(_("{what} per bn").format(what=axis_label(c)), 38))
        money_axis(ax, "x", cur, _("budget"))
        finish(ax)
    half = cols // 2
    names = measure_names(inst) if inst is not None else list(result.measures)
    panels = [
        (grid[2, :half], [term(t) for t in result.tiers], [s.share_tier for s in ok],
         _("Share by tier"), tier_colors(len(result.tiers))),
        (grid[2, half:], names, [s.share_measure for s in ok], _("Share by measure"),
         measure_colors(len(names))),
    ]  # fmt: skip
    for spec, labels, shares, what, colours in panels:
        ax = fig.add_subplot(spec)
        if len(ok):
            ys = np.array(shares, dtype=float).T
            ax.stackplot(x, ys, labels=labels, colors=colours)
        ax.set_ylim(0, 1)
        scenario_line(ax, False)
        ax.set_title(what, loc="left", fontsize=10)
        share_axis(ax, "y", _("share of the allocation"))
        money_axis(ax, "x", cur, _("budget"))
        finish(ax, "")
        legend_below(ax, ncol=2)
    lo, hi = (result.steps[0].budget_mln, result.steps[-1].budget_mln) if result.steps else (0, 0)
    n = len(result.steps)
    budgets = ngettext("budgets {low} to {high}, {n} step", "budgets {low} to {high}, {n} steps",
                       n).format(low=money(lo, cur), high=money(hi, cur), n=n)  # fmt: skip
    title(fig, _("The optimum by budget ({method})").format(method=term(result.method)),
          result.instance_name, result.scenario_name, budgets)  # fmt: skip
    return png(fig)


def plan_label(result: UncertaintyResult, plan: str) -> str:
    """A legend entry; an actual spend listed as illustrative says so (SPEC 11)."""
    if plan != "actual":
        return _(PLAN_WORDS[plan]) if plan in PLAN_WORDS else f"{plan} plan"
    from optimizer.outputs.text import spend_words

    return spend_words(result.instance, f"actual/{result.actual_name}.csv")


def uncertainty_png(result: UncertaintyResult, max_towns: int = 30) -> bytes:
    """Top: each criterion's distribution over the draws for the nominal and the
    re-optimized plan (and the actual spend), P5 / P50 / P95 marked. Bottom: how often
    the re-optimized plan funds each cell, for the towns with the most money."""
    from matplotlib.lines import Line2D

    from optimizer.outputs.plots.pareto import axis_label

    C = len(result.criteria)
    cols = max(C, 1)
    inst = result.instance
    order = np.argsort(-result.mean_volume.sum(axis=1), kind="stable")[:max_towns]
    fig = new_figure(max(5.5 * cols, 9), 6.5 + 0.24 * len(order))
    grid = fig.add_gridspec(2, cols, height_ratios=[1, max(1.0, 0.07 * len(order))])
    for j, c in enumerate(result.criteria):
        ax = fig.add_subplot(grid[0, j])
        handles = []
        for plan, values in result.plans().items():
            col = values[:, j]
            col = col[~np.isnan(col)]
            if not len(col):
                continue
            h = ax.hist(
                col, bins=40, alpha=0.45, color=PLAN_COLORS[plan], label=plan_label(result, plan)
            )
            handles.append(h[2][0])
            for q in np.percentile(col, [5, 50, 95]):
                ax.axvline(q, color=PLAN_COLORS[plan], lw=0.9, ls="--")
        handles.append(Line2D([], [], color="#555555", lw=0.9, ls="--",
                              label=_("P5 / P50 / P95 of each plan")))  # fmt: skip
        handles.append(ax.axvline(result.nominal_criteria[j], color=REFERENCE, lw=1.2,
                                  label=_("nominal plan at nominal effects")))  # fmt: skip
        handles[0].set_label(handles[0].get_label())
        draws = ngettext("{what}: {n} draw", "{what}: {n} draws", result.draws).format(
            what=axis_label(c), n=fixed(result.draws, 0)
        )
        ax.set_title(fit(draws, 50), loc="left", fontsize=10)
        count_axis(ax, "x", axis_label(c))
        ax.set_ylabel(_("draws"))
        finish(ax, "y")
        legend_below(ax, ncol=1, handles=handles)
    ax = fig.add_subplot(grid[1, :])
    freq = result.frequency[order]
    im = ax.imshow(freq, aspect="auto", vmin=0, vmax=1, cmap="viridis")
    ax.set_yticks(range(len(order)), [town_name(inst, int(t)) for t in order], fontsize=8)
    # three narrow lines per measure, so neighbouring labels never run together
    ax.set_xticks(range(inst.n_measures), measure_names(inst, 20, 3), fontsize=7.5)
    nominal = result.nominal_volumes[order] > 1e-6
    for t, m in zip(*np.nonzero(nominal), strict=True):
        ax.plot(m, t, marker="s", ms=4, color="white", mec="black", mew=0.5)
    ax.plot([], [], "s", color="white", mec="black", mew=0.5,
            label=_("funded by the nominal plan"))  # fmt: skip
    what = ngettext(
        "How often the re-optimized plan funds each cell: the {n} town with the most money on "
        "average, most on top",
        "How often the re-optimized plan funds each cell: the {n} towns with the most money on "
        "average, most on top",
        len(order),
    ).format(n=len(order))
    ax.set_title(fit(what, 80), loc="left", fontsize=10)
    ax.set_ylabel(_("town"))
    ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False,
              borderaxespad=0.1)  # fmt: skip
    bar = fig.colorbar(im, ax=ax, shrink=0.8, pad=0.01)
    bar.set_label(_("share of draws funded"))
    bar.formatter = __import__("matplotlib.ticker", fromlist=["PercentFormatter"]).PercentFormatter(
        1.0
    )
    bar.update_ticks()
    draws = ngettext("{n} draw, seed {seed}", "{n} draws, seed {seed}", result.draws).format(
        n=fixed(result.draws, 0), seed=result.seed
    )
    title(fig, _("The plan under uncertain effects"), inst.name, result.scenario_name, draws)
    return png(fig)
