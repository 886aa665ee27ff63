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
    budget_words,
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
    """A legend entry with the budget its numbers are at (SPEC 14: the plans and an
    actual spend are at the spend's budget unless --budget gave another); an actual
    spend listed as illustrative says so (SPEC 11)."""
    if plan != "actual":
        what = term(plan, PLAN_WORDS, f"{plan} plan")
    else:
        from optimizer.outputs.text import spend_words

        what = spend_words(result.instance, f"actual/{result.actual_name}.csv")
    budget = budget_words(result.budgets()[plan], result.instance.currency)
    return _("{what} ({budget})").format(what=what, budget=budget)


def uncertainty_png(result: UncertaintyResult, max_towns: int = 30, max_projects: int = 40
                    ) -> bytes:  # fmt: skip
    """Top: each criterion's distribution over the draws for the nominal and the
    re-optimized plan (and the actual spend), P5 / P50 / P95 marked. Below: how often
    the re-optimized plan funds each cell, for the towns with the most money (left out
    when no plan funds a cell: an instance of projects only), and with projects how
    often it funds each project, the nominal plan's least robust decisions first."""
    C = len(result.criteria)
    cols = max(C, 1)
    inst = result.instance
    order = np.argsort(-result.mean_volume.sum(axis=1), kind="stable")[:max_towns]
    any_cell = bool(result.mean_volume.any() or (result.nominal_volumes > 1e-6).any())
    shown = shown_projects(result, max_projects)
    # inches of each row: the histograms, the cell heatmap, the project bars
    heights = [4.5]
    if any_cell or shown is None:
        heights.append(2.0 + 0.24 * len(order))
    if shown is not None:
        heights.append(1.5 + 0.2 * len(shown))
    fig = new_figure(max(5.5 * cols, 9), sum(heights) + 0.5)
    grid = fig.add_gridspec(len(heights), cols, height_ratios=heights)
    criterion_panels(fig, grid, result)
    row = 1
    if any_cell or shown is None:
        cell_panel(fig.add_subplot(grid[row, :]), fig, result, order)
        row += 1
    if shown is not None:
        project_panel(fig.add_subplot(grid[row, :]), result, shown)
    draws = ngettext("{n} draw, seed {seed}", "{n} draws, seed {seed}", result.draws).format(
        n=fixed(result.draws, 0), seed=result.seed
    )
    budget = budget_words(result.budget_mln, inst.currency)
    title(fig, _("The plan under uncertain effects"), inst.name, result.scenario_name,
          f"{budget} · {draws}")  # fmt: skip
    return png(fig)


def hist_bins(values: np.ndarray) -> dict[str, Any]:
    """40 bins over the values, or one bar around them when they are equal up to
    round-off (a min_budget plan re-optimized to its target in every draw): matplotlib
    cannot cut a range of 1e-12 into 40 bins."""
    top = float(np.max(np.abs(values)))
    if float(np.ptp(values)) > 1e-9 * max(1.0, top):
        return {"bins": 40}
    mid = float(np.mean(values))
    half = max(0.5, 1e-3 * abs(mid))
    return {"bins": 1, "range": (mid - half, mid + half)}


def criterion_panels(fig: Any, grid: Any, result: UncertaintyResult) -> None:
    """One histogram per criterion over the draws, a plan per colour (first grid row)."""
    from matplotlib.lines import Line2D

    from optimizer.outputs.plots.pareto import axis_label

    for j, c in enumerate(result.criteria):
        ax = fig.add_subplot(grid[0, j])
        handles = []
        for plan, values in result.plans().items():
            col = values[:, j]
            col = col[~np.isnan(col)]
            if not len(col):
                continue
            h = ax.hist(col, **hist_bins(col), alpha=0.45, color=PLAN_COLORS[plan],
                        label=plan_label(result, plan))  # fmt: skip
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


def cell_panel(ax: Any, fig: Any, result: UncertaintyResult, order: np.ndarray) -> None:
    """How often the re-optimized plan funds each cell of the towns in `order` (a heatmap),
    the nominal plan's cells marked."""
    inst = result.instance
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
    # narrow enough to leave room on the right for the legend, in every language
    ax.set_title(fit(what, 66), loc="left", fontsize=10)
    ax.set_ylabel(_("town"))
    ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False,
              borderaxespad=0.1)  # fmt: skip
    bar = fig.colorbar(im, ax=ax, shrink=0.8, pad=0.01)
    bar.set_label(_("share of draws funded"))
    bar.formatter = __import__("matplotlib.ticker", fromlist=["PercentFormatter"]).PercentFormatter(
        1.0
    )
    bar.update_ticks()


def shown_projects(result: UncertaintyResult, limit: int) -> np.ndarray | None:
    """The projects the figure shows (None without projects): all of them up to `limit`,
    else the `limit` whose nominal decision the draws agree with least; most often
    funded on top."""
    if result.project_frequency is None or result.nominal_fractions is None:
        return None
    from optimizer.outputs.tables import least_robust_projects

    keep = least_robust_projects(result, limit)
    return keep[np.argsort(-result.project_frequency[keep], kind="stable")]


def project_panel(ax: Any, result: UncertaintyResult, shown: np.ndarray) -> None:
    """One bar per project: the share of draws whose re-optimized plan funds it,
    coloured by the nominal plan's decision."""
    from matplotlib.patches import Patch

    inst = result.instance
    pr = inst.projects
    assert pr is not None and result.project_frequency is not None
    assert result.nominal_fractions is not None
    funded = result.nominal_fractions[shown] > 0
    y = np.arange(len(shown))
    ax.barh(y, result.project_frequency[shown], color=np.where(funded, OPTIMAL, "#bbbbbb"),
            height=0.7)  # fmt: skip
    ax.set_yticks(y, [f"{pr.names[p]} · {town_name(inst, int(pr.town[p]))}" for p in shown],
                  fontsize=8)  # fmt: skip
    ax.set_ylim(len(shown) - 0.5, -0.5)  # the first on top, no empty margin
    ax.set_xlim(0, 1)
    share_axis(ax, "x", _("share of draws in which the re-optimized plan funds the project"))
    handles = [Patch(color=OPTIMAL, label=_("funded by the nominal plan")),
               Patch(color="#bbbbbb", label=_("left out by the nominal plan"))]  # fmt: skip
    what = ngettext(
        "How often the re-optimized plan funds each project ({n} project)",
        "How often the re-optimized plan funds each project ({n} projects)",
        len(pr),
    ).format(n=len(pr))
    if len(shown) < len(pr):
        what += " " + _("- the {k} least robust decisions").format(k=len(shown))
    ax.set_title(fit(what, 80), loc="left", fontsize=10)
    # the least funded come last: the bottom right of the panel is empty
    ax.legend(handles=handles, loc="lower right", fontsize=8, frameon=False)
    finish(ax, "x")
