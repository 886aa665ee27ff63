"""What each command shows in the terminal, in the language in use: one function per
thing shown, from the facts a study returned (a comparison, a front, an explanation,
a sweep, an uncertainty result) to the sentences and rich tables the command prints.

A view is a list of renderables: a `str` is a line of prose (markup allowed), the
CLI prints it unwrapped; anything else (a rich `Table`) is printed as it is. The
lines a command writes to standard error (notes, errors, progress, the closing
`wrote ...`) are made here too, so `optimizer.cli` holds no sentence of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.markup import escape
from rich.table import Table
from rich.text import Text

from optimizer.i18n import _, language, ngettext
from optimizer.outputs.text import (
    capital,
    cell_reason,
    change_words,
    criteria_caption,
    currency_sign,
    explained_town,
    fixed,
    headline,
    instance_title,
    is_illustrative,
    measure_name,
    mln,
    pct,
    percent,
    project_change_lines,
    project_words,
    provenance_line,
    rate,
    scenario_name,
    signed_pct,
    significant,
    spend_short,
    spend_words,
    term,
    town_name,
    town_words,
    typed,
    vertex_note,
)

if TYPE_CHECKING:  # types only: the views load without the analyses
    from optimizer.analysis.compare import Comparison
    from optimizer.analysis.explain import CellExplanation, TownExplanation
    from optimizer.analysis.pareto import ParetoFront
    from optimizer.analysis.project_explain import ProjectExplanation
    from optimizer.analysis.sweep import SweepResult
    from optimizer.analysis.uncertainty import UncertaintyResult
    from optimizer.domain.actual import ActualSpend
    from optimizer.domain.instance import Instance
    from optimizer.domain.scenario import Scenario

View = list[Any]  # lines of prose (str) and rich renderables, in the order shown


# ----------------------------------------------------------------------------- every command


def error_line(message: str) -> str:
    """`error: ...` for standard error (the message's own brackets are not markup)."""
    return "[red]" + _("error:") + f"[/] {escape(message)}"


def infeasible_line(message: str) -> str:
    """`infeasible: ...` for standard error."""
    return "[red]" + _("infeasible:") + f"[/] {escape(message)}"


def internal_error_line(error: BaseException) -> str:
    """The one line a crash leaves (no traceback unless asked for)."""
    return (
        "[red]"
        + _("internal error:")
        + "[/] "
        + _("{error} (set {variable} for a traceback)").format(
            error=escape(f"{type(error).__name__}: {error}"), variable="MONOTOWNS_DEBUG=1"
        )
    )


def interrupted_line() -> str:
    """What a run stopped by Ctrl-C says."""
    return _("interrupted")


def note_line(text: str) -> str:
    """`note: ...` for standard error."""
    return "[yellow]" + _("note:") + f"[/] {text}"


def wrote_line(names: Sequence[str], folder: Path) -> str:
    """The closing line of a run that wrote files (file names stay as they are)."""
    return _("wrote {files} to {folder}").format(files=", ".join(names), folder=folder)


def progress_count(what: str, done: float, unit: str | None = None) -> str:
    """A progress display without a total: `what: 1,234 unit`, the count in the
    language's digits (`1 234`)."""
    unit = _("done") if unit is None else unit
    return f"{what}: {fixed(done, 0)} {unit}"


def front_progress(scenario: str) -> tuple[str, str]:
    """What a front's progress display counts: its label and its unit."""
    return (
        _("efficient front of {scenario}").format(scenario=repr(scenario_name(scenario))),
        _("LPs solved"),
    )


def sweep_progress() -> str:
    return _("sweep")


def draws_progress() -> str:
    return _("draws")


# ----------------------------------------------------------------------------- validate, generate


def problems_found(n: int) -> str:
    """`3 problems found`; in English the count line keeps its old `problem(s)` form."""
    return ngettext("{n} problem(s) found", "{n} problem(s) found", n).format(n=n)


def no_default_scenario(instance: Instance) -> str:
    """The problem of an instance whose default_scenario names no file."""
    return _("{file}: key {key}: no scenario {name} in {folder}").format(
        file=instance.path / "instance.toml", key="'default_scenario'",
        name=repr(instance.default_scenario), folder="scenarios/",
    )  # fmt: skip


def valid_line(instance: Instance, scenarios: int) -> str:
    """`ok: <instance>: 27 towns, 6 measures, 2 criteria, 10 scenarios`."""
    counts = ", ".join(
        (
            ngettext("{n} town", "{n} towns", instance.n_towns).format(n=instance.n_towns),
            ngettext("{n} measure", "{n} measures", instance.n_measures).format(
                n=instance.n_measures
            ),
            ngettext("{n} criterion", "{n} criteria", len(instance.criteria)).format(
                n=len(instance.criteria)
            ),
            ngettext("{n} scenario", "{n} scenarios", scenarios).format(n=scenarios),
        )
    )
    return "[green]" + _("ok:") + f"[/] {instance_title(instance.name)}: {counts}"


def generated_line(path: Path, towns: int, size_bytes: int) -> str:
    """What `generate` wrote: the folder, its towns and its size."""
    return ngettext(
        "wrote {path} ({n} town, {size} MB)", "wrote {path} ({n} towns, {size} MB)", towns
    ).format(path=path, n=fixed(towns, 0), size=fixed(size_bytes / 1e6, 1))


# ----------------------------------------------------------------------------- solve


def solve_notes(solved: Any, sensitivity: bool) -> list[str]:
    """What the plan shown needs said beside it: the solver's vertex instead of the
    even plan, no shadow prices for a mixed-integer program."""
    from optimizer.outputs.text import MIP_SENSITIVITY_NOTE

    sol = solved.solution
    notes = []
    if sol.uneven_free_cells is not None:
        notes.append(vertex_note(sol.uneven_free_cells))
    if sol.mip and sensitivity:
        notes.append(_(MIP_SENSITIVITY_NOTE))
    return notes


def solve_view(instance: Instance, scenario: Scenario, solved: Any, width: int) -> View:
    """The plan: the provenance line, criteria, totals by tier and measure, the top
    towns, shadow prices or what one more unit buys, projects and ranges."""
    from optimizer.outputs.tables import solution_tables

    view: View = []
    label = provenance_line(instance, scenario, [scenario.baseline_path])
    if label:  # SPEC section 11: the first line says what is not a cited fact
        view.append(label)
    sol = solved.solution
    view += solution_tables(instance, sol, shadow_prices=solved.sensitivity is None)
    if sol.fractions is not None:
        from optimizer.outputs.tables import projects_table

        view.append(projects_table(instance, sol.fractions))
    if solved.sensitivity is not None:
        from optimizer.outputs.tables import sensitivity_table

        view.append(sensitivity_table(solved.sensitivity, instance.currency, width))
    if solved.ranges is not None:
        from optimizer.outputs.tables import ranges_table

        view.append(ranges_table(solved.ranges, instance))
    return view


# ----------------------------------------------------------------------------- compare


def comparison_view(cmp: Comparison, top: int = 10) -> View:
    """The ten-second summary, then three small tables: criteria, the closest
    improving plans, the `top` largest changes."""
    from optimizer.outputs.tables import long_labels, whole_names

    return [
        *comparison_summary(cmp),
        whole_names(criteria_table(cmp)),
        whole_names(closest_table(cmp)),
        long_labels(whole_names(changes_table(cmp, top)), 1),
    ]


def comparison_summary(cmp: Comparison) -> list[str]:
    """Provenance, what is compared with what, and the headline sentences."""
    inst = cmp.instance
    lines = []
    label = provenance_line(inst, cmp.scenario, [cmp.actual, cmp.scenario.baseline_path])
    if label:  # SPEC section 11: the first line says what is not a cited fact
        lines.append(label)
    lines.append(
        _("{instance}: {spend} {name} against scenario {scenario} ({method})").format(
            instance=f"[bold]{instance_title(inst.name)}[/]",
            spend=spend_words(inst, cmp.actual),  # "illustrative spend" where labelled
            name=f"[bold]{cmp.actual.name}[/]",
            scenario=f"[bold]{scenario_name(cmp.scenario.name)}[/]",
            method=term(cmp.scenario.objective.method),
        )
    )
    return lines + [f"  {line}" for line in headline(cmp) + project_change_lines(cmp)]


def criteria_table(cmp: Comparison) -> Table:
    """Each criterion: the spend's value, the optimum's, the uplift and its percent."""
    crit = Table(title=Text(criteria_caption(cmp), no_wrap=True, overflow="ignore"),
                 title_justify="left")  # fmt: skip
    for k, col in enumerate(
        (_("criterion"), spend_short(cmp.instance, cmp.actual), _("optimal"), _("uplift"), "%")
    ):
        crit.add_column(col, justify="left" if k == 0 else "right")
    for c in cmp.instance.criteria:
        u = cmp.uplift[c]
        crit.add_row(
            term(c),
            mln(cmp.actual_objectives[c]),
            mln(cmp.optimal.objectives[c]),
            fixed(u["abs"] or 0.0, 1, sign=True),
            _("n/a") if u["pct"] is None else pct(u["pct"], signed=True),
        )
    return crit


def closest_table(cmp: Comparison) -> Table:
    """The closest improving plans: share of the gain, money moved, criteria."""
    inst = cmp.instance
    plans = Table(
        title=(
            _("Closest improving plans at {amount} mln (no criterion below the illustrative "
              "spend)")
            if is_illustrative(inst, cmp.actual)
            else _("Closest improving plans at {amount} mln (no criterion below the actual spend)")
        ).format(amount=mln(cmp.budget_mln)),
        title_justify="left",
    )  # fmt: skip
    plans.caption = _("moved: money taken out of cells; put in: money put into cells")
    plans.caption_justify = "left"
    for col in (_("share of gain"), _("moved mln"), _("put in mln"),
                *map(term, inst.criteria)):  # fmt: skip
        plans.add_column(col, justify="right")
    for p in cmp.closest:
        if p.moved_mln is None:
            na = _("n/a")
            plans.add_row(percent(p.phi), na, na, *([na] * len(inst.criteria)))
        else:
            assert p.added_mln is not None and p.objectives is not None
            plans.add_row(
                percent(p.phi),
                mln(p.moved_mln),
                mln(p.added_mln),
                *(mln(p.objectives[c]) for c in inst.criteria),
            )
    return plans


def changes_table(cmp: Comparison, top: int) -> Table:
    """The `top` largest cell changes from the spend to the optimum (reallocation.csv's
    first rows)."""
    from optimizer.outputs.tables import reallocation_rows

    inst = cmp.instance
    short = spend_short(inst, cmp.actual)
    _head, rows = reallocation_rows(cmp)
    moves = Table(
        title=ngettext(
            "Largest changes, {spend} to optimal at {amount} mln (budget cost mln; {n} cells "
            "in reallocation.csv)",
            "Largest changes, {spend} to optimal at {amount} mln (budget cost mln; {n} cells "
            "in reallocation.csv)",
            len(rows),
        ).format(spend=short, amount=mln(cmp.budget_mln), n=len(rows)),
        title_justify="left",
    )
    for k, col in enumerate((_("town"), _("measure"), short, _("optimal"), _("change"))):
        moves.add_column(col, justify="left" if k < 2 else "right")
    towns, measures = {n: i for i, n in enumerate(inst.towns)}, inst.measures
    for r in rows[:top]:
        j = measures.index(r[1])
        moves.add_row(town_name(inst, towns[r[0]]),
                      measure_name(inst, j),
                      mln(r[5]), mln(r[6]), fixed(r[7], 1, sign=True))  # fmt: skip
    return moves


# ----------------------------------------------------------------------------- pareto


def breakpoints_words(n: int) -> str:
    return ngettext("{n} breakpoint", "{n} breakpoints", n).format(n=n)


def points_words(n: int) -> str:
    return ngettext("{n} point", "{n} points", n).format(n=n)


def front_view(front: ParetoFront, instance: Instance, spend: ActualSpend | None = None,
               position: Any = None, uplift: Any = None, method: str = "") -> View:  # fmt: skip
    """The front's table; with a spend, where the spend stands against it."""
    view: View = [front_table(front, instance.currency)]
    if spend is not None and position is not None:
        from optimizer.analysis.compare import actual_cost

        view.append(
            actual_on_front(front, spend_words(instance, spend) + f" {spend.name!r}", position,
                            instance.currency, actual_cost(instance, spend), uplift, method)
        )  # fmt: skip
    return view


def front_summary(front: ParetoFront) -> str:
    """How the front was computed: its method, size, solves and time (standard error)."""
    return _("{method}: {breakpoints}, {points}, {solves}, {seconds} s").format(
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


def front_table(front: ParetoFront, currency: str) -> Table:
    """One row per point: criteria, money, breakpoint, knee, trade-off to both neighbours."""
    from rich import box

    from optimizer.outputs.plots.pareto import unit

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
        ).format(vertex=vertex, gained=unit(cy) if english else term(cy),
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


def actual_on_front(front: ParetoFront, name: str, position: Any, currency: str,
                    cost_mln: float, uplift: Any = None, method: str = "") -> str:  # fmt: skip
    """The spend's budget and outcomes, the scenario optimum's uplift at the front's
    budget (the number compare gives), and whether a plan dominates it."""
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
            f"{term(c)} {mln(b)} ({fixed(b - a, 1, sign=True)})"
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


# ----------------------------------------------------------------------------- explain


def town_view(ex: TownExplanation, instance: Instance, scenario: Scenario) -> View:
    """A town's explanation: provenance, sentences, the cell table, one reason per cell."""
    from optimizer.outputs.tables import long_labels, whole_names

    view: View = []
    label = provenance_line(instance, scenario, [scenario.baseline_path])
    if label:  # SPEC section 11: the first line says what is not a cited fact
        view.append(label)
    view += town_words(ex, instance.currency, instance)
    view.append(long_labels(whole_names(cell_table(ex, instance)), 0))
    return view + cell_reasons(ex, instance)


def project_view(px: ProjectExplanation, currency: str) -> View:
    """What funding a project costs, in sentences."""
    return list(project_words(px, currency))


def cell_table(ex: TownExplanation, instance: Instance) -> Table:
    """The town's cells: volume, what the next money buys, share of the margin, change needed."""
    crit = " / ".join(term(k) for k in instance.criteria)
    title = (
        _("{town}: each measure's next money, at the least budget of {amount} mln (cap {cap})")
        if ex.least_budget
        else _("{town}: each measure's next money, at {amount} mln")
    )
    tab = Table(
        title=title.format(town=explained_town(ex, instance), cap=mln(ex.budget_mln),
                           amount=mln(ex.total_mln if ex.least_budget else ex.budget_mln)),
        title_justify="left",
    )  # fmt: skip
    for k, col in enumerate(
        (
            _("measure"),
            _("volume / capacity mln"),
            _("next bn buys: {criteria}").format(criteria=crit),
            _("of the margin"),
            _("change needed"),
        )
    ):
        tab.add_column(col, justify="left" if k == 0 else "right")
    for c in ex.cells:
        tab.add_row(*cell_row(c, instance))
    return tab


def cell_row(c: CellExplanation, instance: Instance) -> tuple[str, str, str, str, str]:
    """One row of the cell table: measure, volume / capacity, next bn, margin, change."""
    return (
        measure_name(instance, instance.measures.index(c.measure)),
        _("not eligible")
        if c.status == "ineligible"
        else f"{fixed(c.volume_mln, 1)} / {fixed(c.capacity_mln, 1)}",
        ""
        if c.value_per_mln is None
        else " / ".join(
            significant(c.effects_per_mln.get(k, 0.0) * 1000, 3) for k in instance.criteria
        ),
        ""
        if c.value_per_mln is None or not c.margin_per_mln
        else percent(c.value_per_mln / c.margin_per_mln),
        change_needed(c),
    )


def change_needed(c: CellExplanation) -> str:
    """The change of a cell's effect that would move its money: a tie, or a signed percent."""
    if c.change_pct is not None and round(c.change_pct) == 0:
        return _("tie")  # within half a percent: a tie, not "+-0%"
    if c.change_pct is not None and c.status in ("unfunded", "partial"):
        return signed_pct(c.change_pct)
    if c.change_pct is not None and c.status == "full":
        return _("{change} keeps it").format(change=signed_pct(-c.change_pct))
    return ""


def cell_reasons(ex: TownExplanation, instance: Instance) -> list[str]:
    """One line per cell: why it got what it got."""
    if language() == "en":
        return [f"- {c.measure}: {cell_reason(c)}." for c in ex.cells]
    # the reason names the measure by its label (a sentence): once is enough
    return [f"- {capital(cell_reason(c, instance))}." for c in ex.cells]


# ----------------------------------------------------------------------------- sweep


def sweep_view(result: SweepResult) -> View:
    """The sweep's table, what one more bn buys between steps, and the notes."""
    from optimizer.outputs.tables import sweep_gain_table, sweep_notes, sweep_table

    view: View = [sweep_table(result)]
    if len(result.feasible()) > 1:
        view.append(sweep_gain_table(result))
    return view + sweep_notes(result)


def sweep_infeasible(scenario: str, low: float, high: float) -> str:
    """Why a sweep has nothing to show, and the command that says which rules to relax."""
    return _(
        "every budget of the sweep is infeasible for scenario {scenario} ({low} "
        "to {high} mln); `{command}` names the rules to relax"
    ).format(
        scenario=repr(scenario_name(scenario)),
        low=significant(low, 6, group=False),
        high=significant(high, 6, group=False),
        command=f"monotowns solve --budget {typed(high)}",
    )


# ----------------------------------------------------------------------------- uncertainty


def uncertainty_view(result: UncertaintyResult) -> View:
    """Percentiles per plan and criterion, at one budget per table, and the least
    robust decisions."""
    from optimizer.outputs.tables import uncertainty_tables

    return uncertainty_tables(result)


def unused_sigma_note(sigma: float) -> str:
    """`--sigma` given although every measure has its own sigma."""
    return _("{option} is not used: every measure has its own sigma in {file}").format(
        option=f"--sigma {typed(sigma)}", file="measures.csv"
    )
