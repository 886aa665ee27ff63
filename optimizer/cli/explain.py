"""`monotowns explain`: why a town gets what it gets, in words and numbers."""

from __future__ import annotations

import json
import sys
from typing import Annotated

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
    ScenarioOpt,
    Solver,
    SolverOpt,
    WeightsOpt,
    guarded,
    out,
    prepare,
    say,
)
from optimizer.errors import InstanceError
from optimizer.i18n import N_, _, language


def explain_command(
    instance: InstanceArg,
    town: Annotated[
        str | None,
        typer.Option("--town", "-t", help=N_("The town to explain."), show_default=False),
    ] = None,
    scenario: ScenarioOpt = None,
    budget: BudgetOpt = None,
    method: MethodOpt = None,
    weights: WeightsOpt = None,
    solver: SolverOpt = Solver.highs,
    fmt: OutputOpt = Output.table,
    gap: GapOpt = None,
    lang: LangOpt = None,
    project: Annotated[
        str | None,
        typer.Option(
            "--project",
            "-p",
            help=N_(
                "A project of projects.csv: what funding it costs (forced in and out, re-solved)."
            ),
            show_default=False,
        ),
    ] = None,
) -> None:
    """Why a town got what it got: each measure's next million against the margin
    (or, with --project, what funding a project costs)."""
    from optimizer.analysis.explain import explain
    from optimizer.outputs.documents import explanation_document
    from optimizer.outputs.tables import whole_names
    from optimizer.outputs.text import cell_reason, signed_pct, town_words

    with guarded():
        if (town is None) == (project is None):
            raise InstanceError(_("explain: give --town T or --project P (one of them)"))
        inst, scen = prepare(instance, scenario, budget, method, weights, gap=gap)
        if project is not None:
            from optimizer.analysis.project_explain import explain_project
            from optimizer.outputs.documents import project_explanation_document
            from optimizer.outputs.text import project_words

            px = explain_project(inst, scen, project, solver.value)
        else:
            assert town is not None
            ex = explain(inst, scen, town, solver.value)
    if project is not None:
        if fmt is Output.json:
            doc = project_explanation_document(px)
            sys.stdout.write(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
        else:
            for line in project_words(px, inst.currency):
                say(line)
        return
    if fmt is Output.json:
        sys.stdout.write(json.dumps(explanation_document(ex), indent=2, ensure_ascii=False) + "\n")
        return
    from optimizer.outputs.tables import long_labels
    from optimizer.outputs.text import (
        capital,
        fixed,
        measure_name,
        mln,
        percent,
        provenance_line,
        significant,
        term,
        town_name,
    )

    t = inst.towns.index(ex.town)

    def shown(measure: str) -> str:
        """A measure's id in English (as always), its label in Russian and Kazakh."""
        return measure if language() == "en" else measure_name(inst, inst.measures.index(measure))

    label = provenance_line(inst, scen, [scen.baseline_path])
    if label:  # SPEC section 11: the first line says what is not a cited fact
        say(label)
    for line in town_words(ex, inst.currency, inst, scen):
        say(line)
    crit = " / ".join(term(k) for k in inst.criteria)
    tab = Table(
        title=_("{town}: each measure's next money, at {amount} mln").format(
            town=town_name(inst, t), amount=mln(scen.budget_mln)
        ),
        title_justify="left",
    )
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
        change = ""
        if c.change_pct is not None and round(c.change_pct) == 0:
            change = _("tie")  # within half a percent: a tie, not "+-0%"
        elif c.change_pct is not None and c.status in ("unfunded", "partial"):
            change = signed_pct(c.change_pct)
        elif c.change_pct is not None and c.status == "full":
            change = _("{change} keeps it").format(change=signed_pct(-c.change_pct))
        tab.add_row(
            shown(c.measure),
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
            change,
        )
    out.print(long_labels(whole_names(tab), 0))
    for c in ex.cells:
        if language() == "en":
            say(f"- {c.measure}: {cell_reason(c)}.")
        else:  # the reason names the measure by its label (a sentence): once is enough
            say(f"- {capital(cell_reason(c, inst))}.")
