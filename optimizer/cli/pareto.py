"""`monotowns pareto`: the exact efficient front of a scenario (SPEC sections 5, 8, 9).

The scenario's budget, rules and limits apply; its method does not (the front
is the same for every method), so `--method` and `--weights` are not taken.
The table goes to standard output, progress and notes to standard error;
`--out DIR` writes pareto.csv, pareto_allocations.csv and pareto.png.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from optimizer.cli.common import (
    ActualOpt,
    BaselineOpt,
    BudgetOpt,
    ForceOpt,
    GapOpt,
    InstanceArg,
    LangOpt,
    OutOpt,
    RenormalizeOpt,
    ScenarioOpt,
    Sheet,
    SheetOpt,
    Solver,
    SolverOpt,
    check_points,
    err,
    guarded,
    needs_out,
    note,
    out,
    prepare,
    progress_bar,
    say,
    wrote,
)
from optimizer.i18n import N_, _, language, ngettext
from optimizer.outputs.text import scenario_name

PointsOpt = Annotated[
    int,
    typer.Option(
        "--points",
        "-p",
        min=2,
        help=N_(
            "Two criteria: evenly spaced points along the front (besides its breakpoints). "
            "Three or more: grid levels per constrained criterion."
        ),
    ),
]
OUTPUTS = ("pareto.csv", "pareto_allocations.csv", "pareto.png")


def pareto(
    instance: InstanceArg,
    scenario: ScenarioOpt = None,
    budget: BudgetOpt = None,
    solver: SolverOpt = Solver.highs,
    points: PointsOpt = 21,
    force: ForceOpt = False,
    out_dir: OutOpt = None,
    actual: ActualOpt = None,
    fmt: SheetOpt = Sheet.table,
    gap: GapOpt = None,
    lang: LangOpt = None,
    baseline: BaselineOpt = None,
    renormalize: RenormalizeOpt = False,
) -> None:
    """The exact efficient front: every breakpoint, evenly spaced points, the knee."""
    from optimizer.analysis.compare import actual_cost
    from optimizer.analysis.study import Options, Study
    from optimizer.domain.actual import load_actual
    from optimizer.outputs.files import input_files, result_folder
    from optimizer.outputs.tables import front_tables
    from optimizer.outputs.text import fixed, front_message, spend_words, term

    with guarded():
        check_points(points, force)
        inst, scen = prepare(instance, scenario, budget, gap=gap, baseline=baseline,
                             renormalize=renormalize)  # fmt: skip
        spend = load_actual(inst, actual) if actual is not None else None
        needs_out(fmt is Sheet.xlsx, out_dir, "pareto.xlsx")
        names = [*OUTPUTS, *(["pareto.xlsx"] if fmt is Sheet.xlsx else [])]
        extra = [spend.path] if spend is not None else []
        inputs = input_files(inst, scen, extra)
    # one budget per comparison: with a spend, the front at its budget cost
    study = Study(inst, scen, Options(solver=solver.value, points=points, depth=None), spend,
                  budget_given=budget is not None)  # fmt: skip
    scen = study.scenario
    with guarded(), result_folder(out_dir, inputs, names, "pareto") as target:
        with (
            progress_bar(
                _("efficient front of {scenario}").format(scenario=repr(scenario_name(scen.name))),
                None,
                _("LPs solved"),
            ) as update,
            study.reporting(update),
        ):
            front = study.front
            assert front is not None
        position = uplift = None
        if spend is not None:
            from optimizer.analysis.compare import optimum_uplift
            from optimizer.domain.evaluate import score_volumes

            fa = score_volumes(inst, spend.volume)
            position = study.actual_position
            # the scenario's optimum at the front's budget: the uplift compare prints
            uplift = optimum_uplift(inst.criteria, study.solution.objectives, fa)
        out.print(front_table(front, inst.currency))
        if spend is not None and position is not None:
            say(actual_text(front, spend_words(inst, spend) + f" {spend.name!r}", position,
                            inst.currency, actual_cost(inst, spend), uplift,
                            scen.objective.method))  # fmt: skip
        if (message := front_message(front)) is not None:
            note(message)
        err.print(
            _("{method}: {breakpoints}, {points}, {solves}, {seconds} s").format(
                method=term(front.method),
                breakpoints=breakpoints_words(len(front.breakpoints)),
                points=points_words(len(front.points)),
                solves=(
                    ngettext("{n} mixed-integer solve", "{n} mixed-integer solves", front.solves)
                    if front.mixed_integer
                    else ngettext("{n} LP solve", "{n} LP solves", front.solves)
                ).format(n=fixed(front.solves, 0)),
                seconds=fixed(front.seconds, 2, group=False),
            )
        )
        if target is not None:
            from optimizer.outputs.plots.pareto import front_png

            (head, rows), (alloc_head, alloc) = front_tables(front, inst)
            png = front_png(
                front,
                position.values if position is not None else None,
                inst.name,
                inst.currency,
                position.better if position is not None else None,
                actual_label(spend, inst),
                scenario_name=scen.name,
            )
            target.write_csv("pareto.csv", head, rows)
            target.write_csv("pareto_allocations.csv", alloc_head, alloc)
            target.write_bytes("pareto.png", png)
            if fmt is Sheet.xlsx:
                from optimizer.outputs.spreadsheet import front_workbook

                target.write_bytes("pareto.xlsx", front_workbook(front, inst))
            wrote(names, target.path)


def breakpoints_words(n: int) -> str:
    return ngettext("{n} breakpoint", "{n} breakpoints", n).format(n=n)


def points_words(n: int) -> str:
    return ngettext("{n} point", "{n} points", n).format(n=n)


def actual_label(spend: Any, inst: Any) -> str:
    from optimizer.outputs.text import currency_sign, fixed, spend_words

    if spend is None:
        return _("actual spend")
    cost = float((spend.volume * inst.budget_cost[None, :]).sum())
    return _("{spend}: {name}, {amount} mln {currency}").format(
        spend=spend_words(inst, spend), name=spend.name, amount=fixed(cost, 0),
        currency=currency_sign(inst.currency),
    ).rstrip()  # fmt: skip


def front_table(front: Any, currency: str) -> Table:
    """One row per point: criteria, money, breakpoint, knee, trade-off to both neighbours."""
    from rich import box

    from optimizer.outputs.plots.pareto import unit
    from optimizer.outputs.text import currency_sign, mln, rate, term

    cx, cy = front.criteria[front.x], front.criteria[front.y]
    vertex = (
        _("a breakpoint of the front")
        if len(front.criteria) == 2
        else _(
            "best on one criterion (a payoff-table row); the rates are within slices of "
            "equal grid level in the other criteria"
        )
    )
    sign = currency_sign(currency)
    english = language() == "en"
    table = Table(
        title=_("Efficient front, budget {amount} mln {currency}: {breakpoints}, {points}").format(
            amount=mln(front.budget_mln), currency=sign,
            breakpoints=breakpoints_words(len(front.breakpoints)),
            points=points_words(len(front.points)),
        ),
        title_justify="left",
        caption=_(
            "vertex: {vertex}. trade-off: {gained} retained per {given} given up, towards the "
            "previous (<-) and the next (->) point"
        ).format(vertex=vertex, gained=_(unit(cy)) if english else term(cy),
                 given=unit(cx, False) if english else term(cx)),
        caption_justify="left",
        box=box.SIMPLE_HEAD,
    )  # fmt: skip
    table.add_column(_("point"), justify="right")
    for c in front.criteria:
        table.add_column(term(c), justify="right")
    table.add_column(_("mln {currency}").format(currency=sign).strip(), justify="right")
    table.add_column(_("vertex"), justify="center")
    table.add_column(_("knee"), justify="center")
    table.add_column("<-", justify="right")
    table.add_column("->", justify="right")
    for k, p in enumerate(front.points, start=1):
        table.add_row(
            str(k),
            *(mln(v) for v in p.values),
            mln(p.allocated_mln),
            _("yes") if p.is_breakpoint else "",
            _("knee") if p.is_knee else "",
            rate(p.rate_prev, none=""),
            rate(p.rate_next, none=""),
            style="bold" if p.is_knee else None,
        )
    return table


def actual_text(front: Any, name: str, position: Any, currency: str, cost_mln: float,
                uplift: Any = None, method: str = "") -> str:  # fmt: skip
    """The spend's budget and outcomes, the scenario optimum's uplift at the front's
    budget (the number compare gives), and whether a plan dominates it."""
    from optimizer.outputs.text import change_words, currency_sign, mln, term

    sign = currency_sign(currency)
    cur = _("mln {currency}").format(currency=sign).strip()
    have = ", ".join(f"{term(c)} {mln(v)}" for c, v in zip(front.criteria, position.values,
                                                            strict=True))  # fmt: skip
    same = abs(cost_mln - front.budget_mln) <= 1e-6 * max(1.0, cost_mln)
    budget = f"{mln(front.budget_mln)} {cur}"
    lines = [_("{name}: budget cost {amount}; {values}").format(
        name=name, amount=f"{mln(cost_mln)} {cur}", values=have)]  # fmt: skip
    lines.append(
        _("the front is at the spend's budget cost, {amount}").format(amount=budget)
        if same
        else _("two budgets: the front is at {amount} (--budget), the spend cost {cost}").format(
            amount=budget, cost=f"{mln(cost_mln)} {cur}"
        )
    )
    if uplift is not None:
        parts = ", ".join(change_words(c, u["abs"], u["pct"], 1) for c, u in uplift.items())
        lines.append(
            _("uplift: the scenario's optimum ({method}) at {amount} changes {changes}").format(
                method=term(method), amount=budget, changes=parts
            )
        )
    if position.dominated:
        gain = ", ".join(
            f"{term(c)} {mln(b)} ({fixed_signed(b - a)})"
            for c, a, b in zip(front.criteria, position.values, position.better, strict=True)
        )
        lines.append(
            _(
                "dominated: within {amount} and the scenario's rules, an efficient allocation "
                "reaches {values}"
            ).format(amount=budget, values=gain)
        )
    else:
        lines.append(
            _(
                "not dominated: no allocation under the scenario's budget and rules is at least "
                "as good on every criterion and better on one"
            )
        )
    return "\n".join(lines)


def fixed_signed(v: float) -> str:
    from optimizer.outputs.text import fixed

    return fixed(v, 1, sign=True)
