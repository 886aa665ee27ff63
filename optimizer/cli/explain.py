"""`monotowns explain`: why a town gets what it gets, in words and numbers."""

from __future__ import annotations

from typing import Annotated

import typer

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
    prepare,
    print_json,
    show,
)
from optimizer.errors import InstanceError
from optimizer.i18n import N_, _

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
    if project is not None and fmt is Output.json:
        from optimizer.outputs.documents import project_explanation_document

        print_json(project_explanation_document(px))
    elif project is not None:
        from optimizer.outputs.terminal import project_view

        show(project_view(px, inst.currency))
    elif fmt is Output.json:
        from optimizer.outputs.documents import explanation_document

        print_json(explanation_document(ex))
    else:
        from optimizer.outputs.terminal import town_view

        show(town_view(ex, inst, scen))
