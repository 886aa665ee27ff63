"""Figures for `compare` and `report` (matplotlib's Agg canvas, imported lazily).

Every function returns PNG bytes, so the caller decides where they go (a file
written atomically, or a data URI in a self-contained HTML report). Figures are
built on `matplotlib.figure.Figure` with the Agg canvas directly: no pyplot
state, no display needed.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from optimizer.analysis.compare import Comparison
    from optimizer.domain.instance import Instance
    from optimizer.domain.results import Solution

ACTUAL = "#9aa5b1"
OPTIMAL = "#1f6feb"
PLAN = "#e8912d"
FRONT = "#2da44e"
DPI = 110


def new_figure(width: float, height: float) -> Any:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def png(fig: Any) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    return buf.getvalue()


def style(ax: Any) -> None:
    from matplotlib.ticker import MaxNLocator, StrMethodFormatter

    ax.xaxis.set_major_locator(MaxNLocator(5))
    ax.xaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.grid(axis="x", color="#e5e7eb", linewidth=0.8)
    ax.set_axisbelow(True)


def grouped_barh(
    ax: Any, names: Sequence[str], series: list[tuple[str, np.ndarray, str]], title: str, unit: str
) -> None:
    """Horizontal grouped bars, first name on top."""
    k = len(series)
    h = 0.8 / k
    y = np.arange(len(names))[::-1]
    for i, (label, values, color) in enumerate(series):
        ax.barh(y + (k - 1 - 2 * i) * h / 2, values, height=h, color=color, label=label)
    ax.set_yticks(y, list(names))
    ax.set_title(title, loc="left", fontsize=11)
    ax.set_xlabel(unit)
    style(ax)


def compare_png(cmp: Comparison, front: np.ndarray | None = None) -> bytes:
    """compare.png: budget cost actual vs optimal by tier and by measure, and the
    criteria plane (first two criteria): actual, optimum, closest plans, front."""
    inst = cmp.instance
    cur = inst.currency or "currency"
    ca = cmp.actual.volume * inst.budget_cost[None, :]
    co = cmp.optimal.cost
    tiers = inst.tier_index
    by_tier_a = np.array([ca[tiers == i].sum() for i in range(len(inst.tiers))])
    by_tier_o = np.array([co[tiers == i].sum() for i in range(len(inst.tiers))])
    two = len(inst.criteria) >= 2
    fig = new_figure(11, 8.2)
    grid = fig.add_gridspec(2, 2, height_ratios=[1, 1], width_ratios=[1, 1.25])
    ax_tier = fig.add_subplot(grid[0, 0])
    ax_meas = fig.add_subplot(grid[1, :] if not two else grid[1, 0])
    grouped_barh(
        ax_tier,
        inst.tiers,
        [("actual", by_tier_a, ACTUAL), ("optimal", by_tier_o, OPTIMAL)],
        "Budget cost by tier",
        f"mln {cur}",
    )
    grouped_barh(
        ax_meas,
        [m.replace("_", " ") for m in inst.measures],
        [("actual", ca.sum(axis=0), ACTUAL), ("optimal", co.sum(axis=0), OPTIMAL)],
        "Budget cost by measure",
        f"mln {cur}",
    )
    ax_tier.legend(frameon=False, loc="lower right")
    if two:
        criteria_plane(fig.add_subplot(grid[:, 1]), cmp, front)
    return png(fig)


def criteria_plane(ax: Any, cmp: Comparison, front: np.ndarray | None) -> None:
    """Actual and optimal outcomes in the plane of the first two criteria."""
    inst = cmp.instance
    cx, cy = inst.criteria[0], inst.criteria[1]
    fa = cmp.actual_objectives
    if front is not None and len(front):
        order = np.argsort(front[:, 0])
        ax.plot(front[order, 0], front[order, 1], "-", color=FRONT, lw=1.5, label="Pareto front")
    ends = cmp.dominance.ends
    if ends:
        xs = [e[cx] for e in ends]
        ys = [e[cy] for e in ends]
        ax.fill_between([fa[cx], max(xs)], fa[cy], max(ys), color=FRONT, alpha=0.08, lw=0)
        ax.plot(xs, ys, "s", color=FRONT, ms=5, label="ends of the dominating front")
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
            label="closest plans (25-100% of the gain)",
        )
    ax.plot([fa[cx]], [fa[cy]], "o", color="#57606a", ms=9, label="actual")
    opt = cmp.optimal.objectives
    ax.plot([opt[cx]], [opt[cy]], "*", color=OPTIMAL, ms=14, label="optimal")
    ax.axvline(fa[cx], color="#d0d7de", lw=0.8, ls="--")
    ax.axhline(fa[cy], color="#d0d7de", lw=0.8, ls="--")
    ax.set_xlabel(cx)
    ax.set_ylabel(cy)
    ax.set_title("Outcomes", loc="left", fontsize=11)
    ax.legend(frameon=False, fontsize=8, loc="best")
    style(ax)
    ax.grid(axis="y", color="#e5e7eb", linewidth=0.8)


def allocation_png(instance: Instance, sol: Solution, top: int = 40) -> bytes:
    """Budget cost per town (stacked by measure), the `top` towns with the most money."""
    cost = sol.cost
    per_town = cost.sum(axis=1)
    order = [t for t in np.argsort(-per_town, kind="stable")[:top] if per_town[t] > 0][::-1]
    fig = new_figure(10, max(2.5, 0.26 * len(order) + 1.4))
    ax = fig.subplots()
    left = np.zeros(len(order))
    cmap = colors(len(instance.measures))
    for j, m in enumerate(instance.measures):
        v = cost[order, j]
        if v.sum() <= 0:
            continue
        ax.barh(np.arange(len(order)), v, left=left, color=cmap[j], label=m, height=0.75)
        left += v
    ax.set_yticks(
        np.arange(len(order)),
        [f"{instance.towns[t]} ({instance.town_tier[t]})" for t in order],
        fontsize=8,
    )
    ax.set_xlabel(f"budget cost, mln {instance.currency or ''}".strip())
    ax.set_title("Budget cost by town and measure", loc="left", fontsize=11)
    ax.legend(frameon=False, fontsize=8, loc="lower right")
    style(ax)
    return png(fig)


def front_png(
    criteria: tuple[str, ...],
    values: np.ndarray,
    optimum: dict[str, float] | None = None,
    actual: dict[str, float] | None = None,
    knee: int | None = None,
    breakpoints: Sequence[int] = (),
) -> bytes:
    """The front (or the payoff table's rows) in the plane of the first two criteria."""
    cx, cy = criteria[0], criteria[1]
    fig = new_figure(7, 4.6)
    ax = fig.subplots()
    order = np.argsort(values[:, 0])
    ax.plot(values[order, 0], values[order, 1], "o-", color=FRONT, ms=3, lw=1.5, label="front")
    if len(breakpoints):
        bp = np.asarray(breakpoints)
        ax.plot(
            values[bp, 0], values[bp, 1], "s", color=FRONT, ms=6, mfc="white", label="breakpoints"
        )
    if knee is not None:
        ax.plot([values[knee, 0]], [values[knee, 1]], "D", color="#8250df", ms=8, label="knee")
    if optimum is not None:
        ax.plot([optimum[cx]], [optimum[cy]], "*", color=OPTIMAL, ms=14, label="scenario optimum")
    if actual is not None:
        ax.plot([actual[cx]], [actual[cy]], "o", color="#57606a", ms=9, label="actual")
    ax.set_xlabel(cx)
    ax.set_ylabel(cy)
    ax.set_title("Pareto front", loc="left", fontsize=11)
    ax.legend(frameon=False, fontsize=8)
    style(ax)
    ax.grid(axis="y", color="#e5e7eb", linewidth=0.8)
    return png(fig)


def colors(n: int) -> list[Any]:
    from matplotlib import colormaps

    cmap = colormaps["tab10" if n <= 10 else "tab20"]
    return [cmap(i % cmap.N) for i in range(n)]
