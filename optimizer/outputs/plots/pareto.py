"""The efficient front as a picture (`pareto.png`).

matplotlib is imported inside the functions, with the Agg backend, so importing
this module costs nothing and no display is needed. Two criteria: the front as
a line through its breakpoints over the shaded region it dominates,
the evenly spaced points, the knee, the trade-off rate of each edge, and the
actual spend. Three or more: x against y, coloured by the third criterion.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from optimizer.analysis.pareto import ParetoFront
from optimizer.i18n import N_, _, ngettext
from optimizer.outputs.plots.style import ACTUAL, FRONT, KNEE, OPTIMAL, POINT, money, png, thousands
from optimizer.outputs.text import amount, front_message, instance_title, term
from optimizer.outputs.text import scenario_name as shown_name

LABELS = {
    "jobs": (N_("Jobs created or kept"), N_("jobs"), N_("job")),
    "population": (N_("Residents retained"), N_("residents"), N_("resident")),
    "firms": (N_("Firms supported"), N_("firms"), N_("firm")),
}
# The trade-off between two known criteria in words ("0.711 residents per job"), so
# Russian and Kazakh can inflect; other pairs read "{rate} {y} per {x}".
RATE_WORDS = {
    ("population", "jobs"): N_("{rate} residents\nper job"),
    ("jobs", "population"): N_("{rate} jobs\nper resident"),
}
MAX_RATE_LABELS = 8  # label every edge's rate only while it stays readable
DENSE_BREAKPOINTS = 60


def axis_label(criterion: str) -> str:
    long, unit, _one = LABELS.get(
        criterion, (criterion.replace("_", " ").capitalize(), criterion, criterion)
    )
    return f"{_(long)} ({_(unit)})"


def unit(criterion: str, plural: bool = True) -> str:
    names = LABELS.get(criterion, (criterion, criterion, criterion))
    word = names[1] if plural else names[2]
    return _(word) if criterion in LABELS else word


def rate_unit(y: str, x: str) -> str:
    """What a trade-off rate counts, e.g. "population per jobs"."""
    return _("{y} per {x}").format(y=term(y), x=term(x))


def rate_words(rate: float, y: str, x: str) -> str:
    """An edge's trade-off on the picture: '0.711 residents\nper job'."""
    from optimizer.outputs.text import significant

    shown = significant(rate, 3)
    if (y, x) in RATE_WORDS:
        return _(RATE_WORDS[y, x]).format(rate=shown)
    return _("{rate} {y}\nper {x}").format(rate=shown, y=unit(y), x=unit(x, False))


def values_words(xv: float, x: str, yv: float, y: str) -> str:
    """A point's two criteria: '2,214 jobs, 2,118 residents'."""
    return _("{x} {xunit}, {y} {yunit}").format(
        x=amount(xv), xunit=unit(x), y=amount(yv), yunit=unit(y)
    )


def front_png(front: ParetoFront, *args: Any, **options: Any) -> bytes:
    """The picture as PNG bytes (the one front picture: pareto.png and report-front.png);
    the arguments are `front_figure`'s."""
    return png(front_figure(front, *args, **options))


def front_figure(
    front: ParetoFront,
    actual_values: np.ndarray | None = None,
    instance_name: str = "",
    currency: str = "",
    actual_better: np.ndarray | None = None,
    actual_label: str = "",
    scenario_name: str = "",
    optimum: np.ndarray | None = None,
) -> Any:  # matplotlib.figure.Figure
    """The front picture as a figure (no pyplot state: the caller renders or inspects
    it). `actual_better`: criteria of a point that dominates it; `optimum`: the
    scenario method's answer at the front's budget, drawn as a ring so a knee at the
    same place stays visible (the caller leaves it out when the plan is at another
    budget: a picture never holds two budgets).

    The view is the front's and the optimum's, so everything the legend names is
    drawn inside it; an actual spend far outside (e.g. a much larger budget) is
    drawn on the border, labelled with its values, rather than shrinking the front
    to a corner.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    actual_label = actual_label or _("actual spend")
    fig = Figure(figsize=(9, 6.6), dpi=120)
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    x, y = front.x, front.y
    cx, cy = front.criteria[x], front.criteria[y]
    shown = front.values[:, [x, y]]
    if actual_better is not None:
        shown = np.vstack([shown, np.asarray(actual_better, float)[[x, y]]])
    if optimum is not None:  # the ring is in the legend: it is in the view
        shown = np.vstack([shown, np.asarray(optimum, float)[[x, y]]])
    limits = axis_limits(shown)
    actual = None if actual_values is None else np.asarray(actual_values, float)
    if actual is not None and near(actual[[x, y]], limits):
        limits = axis_limits(np.vstack([shown, actual[[x, y]]]))
    ax.set_xlim(*limits[0])
    ax.set_ylim(*limits[1])
    if len(front.criteria) == 2:
        draw_two(ax, front, limits)
    else:
        draw_many(fig, ax, front)
    if optimum is not None:
        ax.scatter([optimum[x]], [optimum[y]], marker="o", s=420, facecolor="none",
                   edgecolor=OPTIMAL, linewidth=2.2, zorder=5,
                   label=_("scenario optimum (ring)"))  # fmt: skip
    knee = front.knee
    if knee is not None:
        ax.scatter([knee.values[x]], [knee.values[y]], marker="*", s=320, color=KNEE,
                   edgecolor="black", linewidth=0.6, zorder=6, label=_("knee"))  # fmt: skip
        label = _("knee: {x} {xunit},\n{y} {yunit}").format(
            x=amount(knee.values[x]), xunit=unit(cx), y=amount(knee.values[y]), yunit=unit(cy)
        )
        annotate(ax, limits, knee.values[[x, y]], label, color=KNEE, fontweight="bold",
                 fontsize=9)  # fmt: skip
    if actual is not None:
        draw_actual(ax, front, limits, actual, actual_better, actual_label)
    ax.set_xlabel(axis_label(cx))
    ax.set_ylabel(axis_label(cy))
    ticks = FuncFormatter(thousands)
    ax.xaxis.set_major_formatter(ticks)
    ax.yaxis.set_major_formatter(ticks)
    ax.grid(True, color="#dddddd", linewidth=0.7)
    ax.set_axisbelow(True)
    corners = "breakpoint" if len(front.criteria) == 2 else "payoff-table point"
    scen = scenario_name and _("scenario {name}").format(name=shown_name(scenario_name))
    budget = _("budget {amount}").format(amount=money(front.budget_mln, currency))
    where = " · ".join(w for w in (instance_title(instance_name), scen, budget) if w)
    nb, npts = len(front.breakpoints), len(front.points)
    sub = " · ".join((
        ngettext("{n} breakpoint", "{n} breakpoints", nb).format(n=nb)
        if corners == "breakpoint"
        else ngettext("{n} payoff-table point", "{n} payoff-table points", nb).format(n=nb),
        ngettext("{n} point", "{n} points", npts).format(n=npts),
        term(front.method),
    ))  # fmt: skip
    ax.set_title(_("Efficient front") + f"\n{where}\n{sub}", fontsize=10.5, loc="left")
    if (message := front_message(front)) is not None:
        ax.text(0.01, 0.99, wrap(message, 90), transform=ax.transAxes, fontsize=8,
                color="#555555", va="top")  # fmt: skip
    # Below the axes: a legend inside would sit on the front or on a label. Three
    # columns, or two when long entries (a spend's name, Russian or Kazakh words)
    # would run off the figure.
    for ncol in (3, 2):
        legend = ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.11), ncol=ncol,
                           fontsize=8.5, frameon=False)  # fmt: skip
        fig.tight_layout()
        box = legend.get_window_extent()
        if box.x0 >= 0 and box.x1 <= fig.bbox.width:
            break
    return fig


Limits = tuple[tuple[float, float], tuple[float, float]]


def axis_limits(xy: np.ndarray) -> Limits:
    """Room around the shown points: a margin of 8% of the span (of the value if no span)."""
    out = []
    for k in range(2):
        lo, hi = float(xy[:, k].min()), float(xy[:, k].max())
        span = hi - lo if hi > lo else max(abs(hi), 1.0)
        out.append((lo - 0.08 * span, hi + 0.08 * span))
    return out[0], out[1]


def near(xy: np.ndarray, limits: Limits) -> bool:
    """Within the view grown by half its size on every side."""
    for k in range(2):
        lo, hi = limits[k]
        pad = 0.5 * (hi - lo)
        if not lo - pad <= xy[k] <= hi + pad:
            return False
    return True


def annotate(
    ax: Any, limits: Limits, xy: np.ndarray, text: str, away: float = 0.0, **style: Any
) -> None:
    """A label beside a point, on the side towards the middle of the view, so it stays inside.

    `away`: the vertical direction of an arrow leaving the point; the label goes
    to the other side so the arrow does not cross it.
    """
    (x0, x1), (y0, y1) = limits
    right = xy[0] > (x0 + x1) / 2
    top = away > 0 if away else xy[1] > (y0 + y1) / 2
    ax.annotate(text, (xy[0], xy[1]), xytext=(-12 if right else 12, -12 if top else 12),
                textcoords="offset points", ha="right" if right else "left",
                va="top" if top else "bottom", **style)  # fmt: skip


def draw_two(
    ax: Any, front: ParetoFront, limits: tuple[tuple[float, float], tuple[float, float]]
) -> None:
    """Front line through the breakpoints, the region it dominates, the rate of each edge."""
    x, y = front.x, front.y
    V = front.values
    B = np.array([p.values for p in front.breakpoints]).reshape(-1, V.shape[1])
    (left, _lo), (bottom, _bo) = limits
    # Every outcome on or below the front (left of its right end) is dominated by it.
    poly_x = np.concatenate([[left], B[:, x], [B[-1, x]]])
    poly_y = np.concatenate([[B[0, y]], B[:, y], [bottom]])
    ax.fill_between(poly_x, poly_y, bottom, color=POINT, alpha=0.10, linewidth=0,
                    label=_("dominated by the front"))  # fmt: skip
    ax.plot(B[:, x], B[:, y], "-", color=FRONT, lw=2.0, zorder=3, label=_("efficient front"))
    plain = np.array([not p.is_breakpoint for p in front.points])
    # Fronts of real per-town data have hundreds of vertices: small marks, and the
    # evenly spaced points drawn on top so they stay visible.
    dense = len(B) > DENSE_BREAKPOINTS
    if plain.any():
        ax.scatter(V[plain, x], V[plain, y], s=26, facecolor="white", edgecolor=FRONT,
                   linewidth=1.1, zorder=6 if dense else 4, label=_("evenly spaced points"))  # fmt: skip
    ax.scatter(B[:, x], B[:, y], marker="D", s=5 if dense else 46, color=FRONT, zorder=5,
               label=_("breakpoints (vertices)"))  # fmt: skip
    if 1 < len(B) <= MAX_RATE_LABELS + 1:
        cx, cy = front.criteria[x], front.criteria[y]
        for a, b in itertools.pairwise(B):
            dx = b[x] - a[x]
            if dx <= 0:
                continue
            rate = -(b[y] - a[y]) / dx
            ax.annotate(rate_words(rate, cy, cx),
                        (0.5 * a[x] + 0.5 * b[x], 0.5 * a[y] + 0.5 * b[y]), xytext=(6, 6),
                        textcoords="offset points", ha="left", va="bottom", fontsize=8,
                        color="#444444")  # fmt: skip


def draw_many(fig: Any, ax: Any, front: ParetoFront) -> None:
    """x against y, coloured by the first other criterion; the payoff points marked."""
    x, y = front.x, front.y
    V = front.values
    z = next(c for c in range(len(front.criteria)) if c not in (x, y))
    sc = ax.scatter(V[:, x], V[:, y], c=V[:, z], cmap="viridis", s=30, edgecolor="none",
                    zorder=4, label=_("efficient points (grid)"))  # fmt: skip
    bar = fig.colorbar(sc, ax=ax, pad=0.01)
    bar.set_label(axis_label(front.criteria[z]))
    B = np.array([p.values for p in front.breakpoints]).reshape(-1, V.shape[1])
    ax.scatter(B[:, x], B[:, y], marker="D", s=60, facecolor="none", edgecolor="black",
               linewidth=1.2, zorder=5, label=_("best on one criterion (payoff table)"))  # fmt: skip


def draw_actual(
    ax: Any,
    front: ParetoFront,
    limits: Limits,
    values: np.ndarray,
    better: np.ndarray | None,
    label: str,
) -> None:
    """The actual spend, an arrow to a plan that dominates it; on the border if far off."""
    x, y = front.x, front.y
    cx, cy = front.criteria[x], front.criteria[y]
    (x0, x1), (y0, y1) = limits
    at = np.array([values[x], values[y]])
    inside = x0 <= at[0] <= x1 and y0 <= at[1] <= y1
    if not inside:  # pin it to the border, 2% in
        at = np.array([np.clip(at[0], x0 + 0.02 * (x1 - x0), x1 - 0.02 * (x1 - x0)),
                       np.clip(at[1], y0 + 0.02 * (y1 - y0), y1 - 0.02 * (y1 - y0))])  # fmt: skip
    ax.scatter([at[0]], [at[1]], marker="X" if inside else "D", s=130 if inside else 70,
               color=ACTUAL, edgecolor="white", linewidth=0.8, zorder=7, label=label)  # fmt: skip
    head = (_("{label} (dominated)") if better is not None
            else _("{label} (not dominated)")).format(label=label)  # fmt: skip
    shown = values_words(values[x], cx, values[y], cy)
    if not inside:
        shown = _("off the chart: {values}").format(values=shown)
    annotate(ax, limits, at, f"{head}\n{shown}", color=ACTUAL, fontsize=8.5,
             away=0.0 if better is None else float(better[y] - at[1]))  # fmt: skip
    if better is not None:
        ax.annotate("", xy=(better[x], better[y]), xytext=(at[0], at[1]),
                    arrowprops={"arrowstyle": "->", "color": ACTUAL, "lw": 1.2, "ls": "--"},
                    zorder=6)  # fmt: skip


def wrap(text: str, width: int) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width))
