"""Figures of the sweep and the uncertainty run (PNG bytes).

matplotlib is imported inside the functions, and figures are drawn on the Agg
canvas directly (no pyplot, so no global backend state): importing this module
costs nothing, and it works without a display.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from optimizer.analysis.sweep import SweepResult
    from optimizer.analysis.uncertainty import UncertaintyResult

PLAN_COLORS = {"nominal": "#1f77b4", "reoptimized": "#ff7f0e", "actual": "#7f7f7f"}


def render(fig: Any) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=120)
    return buf.getvalue()


def sweep_png(result: SweepResult) -> bytes:
    """Top: each criterion against the budget. Bottom: the budget's split by tier and
    by measure (stacked shares). Infeasible budgets are marked on the x axis."""
    from matplotlib.figure import Figure

    C = len(result.criteria)
    cols = max(C, 2)
    fig = Figure(figsize=(4.2 * cols, 7.5), layout="constrained")
    grid = fig.add_gridspec(2, cols)
    ok = result.feasible()
    x = np.array([s.budget_mln for s in ok]) / 1000
    bad = np.array([s.budget_mln for s in result.steps if s.status != "optimal"]) / 1000
    for j, c in enumerate(result.criteria):
        ax = fig.add_subplot(grid[0, j])
        y = [s.criteria[j] for s in ok if s.criteria is not None]
        ax.plot(x, y, marker="o", ms=3)
        if len(bad):
            ax.plot(bad, np.zeros(len(bad)), "x", color="red", label="infeasible")
            ax.legend(loc="best", fontsize=8)
        ax.set_title(c)
        ax.set_xlabel("budget, bn")
        ax.grid(alpha=0.3)
    half = cols // 2
    panels = [
        (grid[1, :half], result.tiers, [s.share_tier for s in ok], "share by tier"),
        (grid[1, half:], result.measures, [s.share_measure for s in ok], "share by measure"),
    ]
    for spec, names, shares, title in panels:
        ax = fig.add_subplot(spec)
        if len(ok):
            ys = np.array(shares, dtype=float).T
            ax.stackplot(x, ys, labels=names)
        ax.set_ylim(0, 1)
        ax.set_title(title)
        ax.set_xlabel("budget, bn")
        ax.legend(loc="upper left", fontsize=7, framealpha=0.7)
    fig.suptitle(f"{result.instance_name}: {result.scenario_name} ({result.method}) by budget")
    return render(fig)


def uncertainty_png(result: UncertaintyResult, max_towns: int = 30) -> bytes:
    """Top: each criterion's distribution over the draws for the nominal and the
    re-optimized plan (and the actual spend), P5 / P50 / P95 marked. Bottom: how often
    the re-optimized plan funds each cell, for the towns with the most money."""
    from matplotlib.figure import Figure

    C = len(result.criteria)
    cols = max(C, 1)
    inst = result.instance
    order = np.argsort(-result.mean_volume.sum(axis=1), kind="stable")[:max_towns]
    fig = Figure(figsize=(max(4.5 * cols, 8), 5 + 0.22 * len(order)), layout="constrained")
    grid = fig.add_gridspec(2, cols, height_ratios=[1, max(1.0, 0.06 * len(order))])
    for j, c in enumerate(result.criteria):
        ax = fig.add_subplot(grid[0, j])
        for plan, values in result.plans().items():
            col = values[:, j]
            col = col[~np.isnan(col)]
            if not len(col):
                continue
            ax.hist(col, bins=40, alpha=0.45, color=PLAN_COLORS[plan], label=plan)
            for q in np.percentile(col, [5, 50, 95]):
                ax.axvline(q, color=PLAN_COLORS[plan], lw=0.8, ls="--")
        ax.axvline(result.nominal_criteria[j], color="black", lw=1, label="at nominal effects")
        ax.set_title(f"{c} ({result.draws} draws)")
        ax.legend(fontsize=7)
    ax = fig.add_subplot(grid[1, :])
    freq = result.frequency[order]
    im = ax.imshow(freq, aspect="auto", vmin=0, vmax=1, cmap="viridis")
    ax.set_yticks(range(len(order)), [inst.towns[t] for t in order], fontsize=7)
    ax.set_xticks(range(inst.n_measures), inst.measures, rotation=30, ha="right", fontsize=7)
    nominal = result.nominal_volumes[order] > 1e-6
    for t, m in zip(*np.nonzero(nominal), strict=True):
        ax.plot(m, t, marker="s", ms=3, color="white", mec="black", mew=0.4)
    ax.set_title("share of draws in which the re-optimized plan funds the cell (■ nominal plan)")
    fig.colorbar(im, ax=ax, shrink=0.8)
    fig.suptitle(f"{inst.name}: {result.scenario_name} under uncertain effects")
    return render(fig)
