"""`monotowns explain`: why a town gets what it gets, in words and numbers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from optimizer.cli.common import (
    BudgetOpt,
    GapOpt,
    InstanceArg,
    LangOpt,
    MethodOpt,
    Output,
    OutputOpt,
    RenormalizeOpt,
    ScenarioOpt,
    Solver,
    SolverOpt,
    WeightsOpt,
    guarded,
    out,
    prepare,
    print_json,
    say,
)
from optimizer.errors import InstanceError
from optimizer.i18n import N_, _, language

if TYPE_CHECKING:  # types only: `explain --help` loads no analysis
    from optimizer.analysis.explain import CellExplanation, TownExplanation
    from optimizer.analysis.project_explain import ProjectExplanation
    from optimizer.domain.instance import Instance
    from optimizer.domain.scenario import Scenario

TownOpt = Annotated[
    str | None,
    typer.Option("--town", "-t", help=N_("The town to explain."), show_default=False),
]
ProjectOpt = Annotated[
    str | None,
    typer.Option(
        "--project",
        "-p",
        help=N_("A project of projects.csv: what funding it costs (forced in and out, re-solved)."),
        show_default=False,
    ),
]


def explain_command(
    instance: InstanceArg,
    town: TownOpt = None,
    scenario: ScenarioOpt = None,
    budget: BudgetOpt = None,
    method: MethodOpt = None,
    weights: WeightsOpt = None,
    solver: SolverOpt = Solver.highs,
    fmt: OutputOpt = Output.table,
    gap: GapOpt = None,
    lang: LangOpt = None,
    project: ProjectOpt = None,
    renormalize: RenormalizeOpt = False,
) -> None:
    """Why a town got what it got: each measure's next million against the margin
    (or, with --project, what funding a project costs)."""
    from optimizer.analysis.study import Options, Study

    with guarded():
        if (town is None) == (project is None):
            raise InstanceError(_("explain: give --town T or --project P (one of them)"))
        inst, scen = prepare(instance, scenario, budget, method, weights, gap=gap,
                             renormalize=renormalize)  # fmt: skip
        study = Study(inst, scen, Options(solver=solver.value, points=0, depth=None))
        if project is not None:
            px = study.project_explanation(project)
        else:
            assert town is not None
            ex = study.explanation(town)
    if project is not None:
        show_project(px, inst.currency, fmt)
    elif fmt is Output.json:
        from optimizer.outputs.documents import explanation_document

        print_json(explanation_document(ex))
    else:
        show_town(ex, inst, scen)


def show_project(px: ProjectExplanation, currency: str, fmt: Output) -> None:
    """What funding a project costs: its JSON document, or the sentences."""
    if fmt is Output.json:
        from optimizer.outputs.documents import project_explanation_document

        print_json(project_explanation_document(px))
        return
    from optimizer.outputs.text import project_words

    for line in project_words(px, currency):
        say(line)


def show_town(ex: TownExplanation, inst: Instance, scen: Scenario) -> None:
    """A town's explanation in the terminal: provenance, sentences, cell table, reasons."""
    from optimizer.outputs.tables import long_labels, whole_names
    from optimizer.outputs.text import provenance_line, town_words

    label = provenance_line(inst, scen, [scen.baseline_path])
    if label:  # SPEC section 11: the first line says what is not a cited fact
        say(label)
    for line in town_words(ex, inst.currency, inst):
        say(line)
    out.print(long_labels(whole_names(cell_table(ex, inst)), 0))
    say_cell_reasons(ex, inst)


def cell_table(ex: TownExplanation, inst: Instance) -> Table:
    """The town's cells: volume, what the next money buys, share of the margin, change needed."""
    from optimizer.outputs.text import explained_town, mln, term

    crit = " / ".join(term(k) for k in inst.criteria)
    title = (
        _("{town}: each measure's next money, at the least budget of {amount} mln (cap {cap})")
        if ex.least_budget
        else _("{town}: each measure's next money, at {amount} mln")
    )
    tab = Table(
        title=title.format(town=explained_town(ex, inst), cap=mln(ex.budget_mln),
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
        tab.add_row(*cell_row(c, inst))
    return tab


def cell_row(c: CellExplanation, inst: Instance) -> tuple[str, str, str, str, str]:
    """One row of the cell table: measure, volume / capacity, next bn, margin, change."""
    from optimizer.outputs.text import fixed, measure_name, percent, significant

    return (
        measure_name(inst, inst.measures.index(c.measure)),
        _("not eligible")
        if c.status == "ineligible"
        else f"{fixed(c.volume_mln, 1)} / {fixed(c.capacity_mln, 1)}",
        ""
        if c.value_per_mln is None
        else " / ".join(
            significant(c.effects_per_mln.get(k, 0.0) * 1000, 3) for k in inst.criteria
        ),
        ""
        if c.value_per_mln is None or not c.margin_per_mln
        else percent(c.value_per_mln / c.margin_per_mln),
        change_needed(c),
    )


def change_needed(c: CellExplanation) -> str:
    """The change of a cell's effect that would move its money: a tie, or a signed percent."""
    from optimizer.outputs.text import signed_pct

    if c.change_pct is not None and round(c.change_pct) == 0:
        return _("tie")  # within half a percent: a tie, not "+-0%"
    if c.change_pct is not None and c.status in ("unfunded", "partial"):
        return signed_pct(c.change_pct)
    if c.change_pct is not None and c.status == "full":
        return _("{change} keeps it").format(change=signed_pct(-c.change_pct))
    return ""


def say_cell_reasons(ex: TownExplanation, inst: Instance) -> None:
    """One line per cell: why it got what it got."""
    from optimizer.outputs.text import capital, cell_reason

    for c in ex.cells:
        if language() == "en":
            say(f"- {c.measure}: {cell_reason(c)}.")
        else:  # the reason names the measure by its label (a sentence): once is enough
            say(f"- {capital(cell_reason(c, inst))}.")
