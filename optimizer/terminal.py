"""Terminal tables (rich): what a person reads after `solve`."""

from __future__ import annotations

from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

from optimizer.instance import Instance
from optimizer.results import Solution


def money(v: float) -> str:
    return f"{v:,.1f}"


def num(v: float) -> str:
    return f"{v:,.1f}" if abs(v) >= 100 else f"{v:,.3g}"


def solution_tables(
    instance: Instance, sol: Solution, top: int = 10, shadow_prices: bool = True
) -> list[Any]:
    """Criteria, payoff, totals by tier and by measure, top towns, shadow prices."""
    cur = instance.currency or "currency"
    out: list[Any] = []
    head = Table(title=f"{sol.scenario_name}: {sol.method}, budget {money(sol.budget_mln)} mln {cur}",
                 title_justify="left")  # fmt: skip
    head.add_column("criterion")
    head.add_column("value", justify="right")
    if sol.payoff is not None:
        head.add_column("ideal", justify="right")
        head.add_column("nadir", justify="right")
    for i, c in enumerate(instance.criteria):
        row = [c, num(sol.objectives[c])]
        if sol.payoff is not None:
            row += [num(sol.payoff.ideal[i]), num(sol.payoff.nadir[i])]
        head.add_row(*row)
    head.add_row("allocated, mln", money(sol.allocated_mln), "", "")
    out.append(head)

    total = max(sol.allocated_mln, 1e-12)
    tiers = Table(title="Budget cost by tier", title_justify="left")
    for col in ("tier", "towns", "mln", "share"):
        tiers.add_column(col, justify="left" if col == "tier" else "right")
    tidx = instance.tier_index
    for i, t in enumerate(instance.tiers):
        v = float(sol.cost[tidx == i].sum())
        tiers.add_row(t, str(int((tidx == i).sum())), money(v), f"{v / total:.1%}")
    out.append(tiers)

    meas = Table(title="Budget cost by measure", title_justify="left")
    for col in ("measure", "instrument", "volume mln", "cost mln", "share"):
        meas.add_column(col, justify="left" if col in ("measure", "instrument") else "right")
    for j, m in enumerate(instance.measures):
        v = float(sol.cost[:, j].sum())
        meas.add_row(m, instance.instruments[j], money(float(sol.volumes[:, j].sum())), money(v),
                     f"{v / total:.1%}")  # fmt: skip
    out.append(meas)

    per_town = sol.cost.sum(axis=1)
    order = np.argsort(-per_town)[:top]
    towns = Table(title=f"Top {min(top, len(order))} towns", title_justify="left")
    for col in ("town", "tier", "cost mln", f"{cur} per resident", "largest measure"):
        towns.add_column(
            col, justify="left" if col in ("town", "tier", "largest measure") else "right"
        )
    for t in order:
        if per_town[t] <= 0:
            break
        towns.add_row(instance.towns[t], instance.town_tier[t], money(float(per_town[t])),
                      f"{per_town[t] * 1e6 / instance.population[t]:,.0f}",
                      instance.measures[int(np.argmax(sol.cost[t]))])  # fmt: skip
    out.append(towns)

    if not shadow_prices:
        return out
    sp = Table(title="Shadow prices (objective per unit of relaxation)", title_justify="left")
    for col in ("constraint", "unit", "value", "binding"):
        sp.add_column(col, justify="right" if col == "value" else "left")
    for p in sol.shadow_prices:
        sp.add_row(p.name, p.unit, f"{p.value:.6g}", "yes" if p.binding else "")
    out.append(sp)
    return out


def print_all(console: Console, items: list[Any]) -> None:
    for item in items:
        console.print(item)
