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


def explain_command(
    instance: InstanceArg,
    town: Annotated[
        str | None,
        typer.Option("--town", "-t", help="The town to explain.", show_default=False),
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
            help="A project of projects.csv: what funding it costs (forced in and out, re-solved).",
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
            raise InstanceError("explain: give --town T or --project P (one of them)")
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
    from optimizer.outputs.text import provenance_line

    label = provenance_line(inst, scen, [scen.baseline_path])
    if label:  # SPEC section 11: the first line says what is not a cited fact
        say(label)
    for line in town_words(ex, inst.currency):
        say(line)
    tab = Table(
        title=f"{ex.town}: each measure's next money, at {scen.budget_mln:,.1f} mln",
        title_justify="left",
    )
    for col in (
        "measure",
        "volume / capacity mln",
        f"next bn buys: {' / '.join(inst.criteria)}",
        "of the margin",
        "change needed",
    ):
        tab.add_column(col, justify="left" if col == "measure" else "right")
    for c in ex.cells:
        change = ""
        if c.change_pct is not None and round(c.change_pct) == 0:
            change = "tie"  # within half a percent: a tie, not "+-0%"
        elif c.change_pct is not None and c.status in ("unfunded", "partial"):
            change = signed_pct(c.change_pct)
        elif c.change_pct is not None and c.status == "full":
            change = f"{signed_pct(-c.change_pct)} keeps it"
        tab.add_row(
            c.measure,
            "not eligible"
            if c.status == "ineligible"
            else f"{c.volume_mln:,.1f} / {c.capacity_mln:,.1f}",
            ""
            if c.value_per_mln is None
            else " / ".join(f"{c.effects_per_mln.get(k, 0.0) * 1000:,.3g}" for k in inst.criteria),
            ""
            if c.value_per_mln is None or not c.margin_per_mln
            else f"{c.value_per_mln / c.margin_per_mln:.0%}",
            change,
        )
    out.print(whole_names(tab))
    for c in ex.cells:
        say(f"- {c.measure}: {cell_reason(c)}.")
