"""The one look of every figure: palettes, titles, axes, legends (matplotlib, Agg canvas).

Every plot module draws through these helpers, so a reader sees the same
conventions everywhere:

- a title naming the instance, the scenario and the budget (`title`);
- units on every axis, thousands separators on money and counts (`money_axis`,
  `count_axis`), shares in percent (`share_axis`);
- measures by their label from measures.csv (`measure_names`), never identifiers;
- one colour-blind-safe palette for tiers (Okabe-Ito) and a different one for
  measures (Paul Tol's "muted"), so a colour never means a tier in one panel and
  a measure in the next;
- legends below or beside the axes, off the data (`legend_below`, `legend_right`).

matplotlib is imported inside the functions: importing this module costs nothing.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from typing import Any

from optimizer.i18n import _, language

DPI = 120
# Okabe & Ito (2008), colour-blind safe: tiers
TIER_PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442")
# Paul Tol's "muted" scheme, colour-blind safe: measures
MEASURE_PALETTE = ("#332288", "#88CCEE", "#44AA99", "#117733", "#999933", "#DDCC77",
                   "#CC6677", "#882255", "#AA4499", "#DDDDDD")  # fmt: skip
# plans and marks, shared by compare, pareto and report figures
ACTUAL = "#D55E00"  # vermillion
OPTIMAL = "#0072B2"  # blue
PLAN = "#E69F00"  # orange
FRONT = "#1F4E79"
POINT = "#56B4E9"
KNEE = "#CC79A7"
REFERENCE = "#444444"
GRID = "#E5E7EB"


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


def money(mln: float, currency: str = "") -> str:
    from optimizer.outputs.text import money as words

    return words(mln, currency)


def budget_words(budget_mln: float | str, currency: str = "") -> str:
    from optimizer.outputs.text import money

    if isinstance(budget_mln, str):
        return budget_mln
    return _("budget {amount}").format(amount=money(budget_mln, currency))


def title(fig: Any, what: str, instance: str, scenario: str, budget: str) -> None:
    """'<what>' on the first line, 'instance · scenario · budget' under it."""
    from optimizer.outputs.text import instance_title, scenario_name

    where = _("scenario {name}").format(name=scenario_name(scenario))
    fig.suptitle(f"{what}\n{instance_title(instance)} · {where} · {budget}", x=0.01, ha="left",
                 fontsize=11)  # fmt: skip


def quoted(name: str) -> str:
    """A name in quotes: 'x' in English (as before), «x» in Russian and Kazakh."""
    return repr(name) if language() == "en" else f"«{name}»"


def tier_colors(n: int) -> list[str]:
    return [TIER_PALETTE[i % len(TIER_PALETTE)] for i in range(n)]


def measure_colors(n: int) -> list[str]:
    return [MEASURE_PALETTE[i % len(MEASURE_PALETTE)] for i in range(n)]


def measure_names(instance: Any, width: int = 28, lines: int = 2) -> list[str]:
    """The measures as a reader knows them (the label column of measures.csv), on at
    most `lines` lines of `width` characters."""
    import textwrap

    labels = getattr(instance, "labels", None) or instance.measures
    shown = getattr(instance, "measure_labels", {}).get(language())
    if shown is not None:  # the label_ru / label_kk columns
        labels = shown
    out = []
    for lab, m in zip(labels, instance.measures, strict=True):
        text = " ".join((lab or m.replace("_", " ")).split())  # one line, even if the CSV had more
        text = re.sub(r"\s*\([^)]*\)", "", text, flags=re.S)
        # a few short lines (two of 28 characters), so labels never run into each other
        cut = textwrap.wrap(text, width)
        if len(cut) > lines:
            rest = " ".join(cut[lines - 1 :])
            cut = [*cut[: lines - 1], textwrap.shorten(rest, width, placeholder="…")]
        out.append("\n".join(cut))
    return out


def fit(text: str, width: int) -> str:
    """`text` on lines of at most `width` characters; as it is when it fits (the
    English labels all do: Russian and Kazakh words are longer)."""
    import textwrap

    return text if len(text) <= width else textwrap.fill(text, width)


def thousands(v: float, _pos: Any = None) -> str:
    """A tick label; the no-break space that groups Russian and Kazakh digits becomes a
    narrow one, so "1 000  1 250" reads as two numbers on a crowded axis."""
    from optimizer.outputs.text import amount

    return amount(v).replace("\u00a0", "\u202f")


def money_axis(ax: Any, axis: str, currency: str, what: str | None = None) -> None:
    """An axis of money in millions, with thousands separators."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    a = ax.xaxis if axis == "x" else ax.yaxis
    a.set_major_locator(MaxNLocator(4))
    a.set_major_formatter(FuncFormatter(thousands))
    from optimizer.outputs.text import currency_sign

    what = _("budget cost") if what is None else what
    label = _("{what}, mln {currency}").format(what=what, currency=currency_sign(currency)).strip()
    (ax.set_xlabel if axis == "x" else ax.set_ylabel)(label)


def count_axis(ax: Any, axis: str, label: str) -> None:
    """An axis of a criterion (jobs, residents): thousands separators and its unit."""
    from matplotlib.ticker import FuncFormatter

    a = ax.xaxis if axis == "x" else ax.yaxis
    a.set_major_formatter(FuncFormatter(thousands))
    (ax.set_xlabel if axis == "x" else ax.set_ylabel)(label)


def share_axis(ax: Any, axis: str, label: str) -> None:
    """An axis of shares held as fractions (0-1), shown in percent."""
    from matplotlib.ticker import PercentFormatter

    a = ax.xaxis if axis == "x" else ax.yaxis
    a.set_major_formatter(PercentFormatter(1.0, decimals=0))
    (ax.set_xlabel if axis == "x" else ax.set_ylabel)(label)


def finish(ax: Any, grid: str = "both") -> None:
    """Light grid behind the data, no top and right frame."""
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if grid:
        ax.grid(axis=grid, color=GRID, linewidth=0.8)
    ax.set_axisbelow(True)


def has_entries(ax: Any, handles: Sequence[Any] | None) -> bool:
    """Whether a legend would name anything: a panel with nothing labelled (a sweep
    whose budgets are all infeasible) gets no legend, where matplotlib would draw an
    empty one and warn on standard error."""
    if handles is not None:
        return len(handles) > 0
    return len(ax.get_legend_handles_labels()[0]) > 0


def legend_below(ax: Any, ncol: int = 3, handles: Sequence[Any] | None = None, **kw: Any) -> Any:
    """A legend under the axes, where it cannot cover data (None if it would be empty)."""
    if not has_entries(ax, handles):
        return None
    args = {} if handles is None else {"handles": list(handles)}
    return ax.legend(**args, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=ncol,
                     fontsize=8, frameon=False, **kw)  # fmt: skip


def legend_right(ax: Any, handles: Sequence[Any] | None = None, **kw: Any) -> Any:
    """A legend beside the axes, on the right (None if it would be empty)."""
    if not has_entries(ax, handles):
        return None
    args = {} if handles is None else {"handles": list(handles)}
    return ax.legend(**args, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8,
                     frameon=False, **kw)  # fmt: skip
