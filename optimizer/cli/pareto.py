"""`monotowns pareto`: the exact efficient front of a scenario (SPEC sections 5, 8, 9).

The scenario's budget, rules and limits apply; its method does not (the front
is the same for every method), so `--method` and `--weights` are not taken.
The table goes to standard output, progress and notes to standard error;
`--out DIR` writes pareto.csv, pareto_allocations.csv and pareto.png.
"""

from __future__ import annotations

from typing import Annotated

import typer

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
    prepare,
    progress_bar,
    show,
    wrote,
)
from optimizer.i18n import N_

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
    from optimizer.analysis.study import Options, Study
    from optimizer.domain.actual import load_actual
    from optimizer.outputs.files import input_files, result_folder
    from optimizer.outputs.tables import front_tables
    from optimizer.outputs.terminal import front_progress, front_summary, front_view
    from optimizer.outputs.text import front_message, spend_label

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
    what, unit = front_progress(scen.name)
    with guarded(), result_folder(out_dir, inputs, names, "pareto") as target:
        with (
            progress_bar(what, None, unit) as update,
            study.reporting(update),
        ):
            front = study.front
            assert front is not None
        position, uplift = study.actual_position, study.uplift
        show(front_view(front, inst, spend, position, uplift, scen.objective.method))
        if (message := front_message(front)) is not None:
            note(message)
        err.print(front_summary(front))
        if target is not None:
            from optimizer.outputs.plots.pareto import front_png

            (head, rows), (alloc_head, alloc) = front_tables(front, inst)
            png = front_png(
                front,
                position.values if position is not None else None,
                inst.name,
                inst.currency,
                position.better if position is not None else None,
                spend_label(inst, spend),
                scenario_name=scen.name,
            )
            target.write_csv("pareto.csv", head, rows)
            target.write_csv("pareto_allocations.csv", alloc_head, alloc)
            target.write_bytes("pareto.png", png)
            if fmt is Sheet.xlsx:
                from optimizer.outputs.spreadsheet import front_workbook

                target.write_bytes("pareto.xlsx", front_workbook(front, inst))
            wrote(names, target.path)
