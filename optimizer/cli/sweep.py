"""`monotowns sweep`: the optimum over a range of budgets."""

from __future__ import annotations

from typing import Annotated

import typer

from optimizer.cli.common import (
    GapOpt,
    InstanceArg,
    LangOpt,
    MethodOpt,
    OutOpt,
    RenormalizeOpt,
    ScenarioOpt,
    Sheet,
    SheetOpt,
    Solver,
    SolverOpt,
    WeightsOpt,
    guarded,
    needs_out,
    prepare,
    progress_bar,
    show,
    wrote,
)
from optimizer.errors import InfeasibleError
from optimizer.i18n import N_

RangeOpt = Annotated[
    str,
    typer.Option(
        "--budget",
        help=N_(
            "Budgets FROM:TO:STEPS, STEPS budgets from FROM to TO inclusive, "
            "money as elsewhere: 5bn:15bn:11, 4000:12000:9."
        ),
        show_default=False,
    ),
]


def sweep(
    instance: InstanceArg,
    budget: RangeOpt,
    scenario: ScenarioOpt = None,
    method: MethodOpt = None,
    weights: WeightsOpt = None,
    solver: SolverOpt = Solver.highs,
    out_dir: OutOpt = None,
    fmt: SheetOpt = Sheet.table,
    renormalize: RenormalizeOpt = False,
    gap: GapOpt = None,
    lang: LangOpt = None,
) -> None:
    """Each criterion, and the split by tier and measure, against the budget."""
    from optimizer.analysis.study import Options, Study
    from optimizer.analysis.sweep import parse_range
    from optimizer.outputs.files import input_files, result_folder
    from optimizer.outputs.tables import sweep_header, sweep_rows
    from optimizer.outputs.terminal import sweep_infeasible, sweep_progress, sweep_view

    with guarded():
        budgets = parse_range(budget)
        inst, scen = prepare(instance, scenario, None, method, weights, gap=gap,
                             renormalize=renormalize)  # fmt: skip
        needs_out(fmt is Sheet.xlsx, out_dir, "sweep.xlsx")
        names = ["sweep.csv", "sweep.png", *(["sweep.xlsx"] if fmt is Sheet.xlsx else [])]
    with guarded(), result_folder(out_dir, input_files(inst, scen), names, "sweep") as target:
        with progress_bar(sweep_progress(), len(budgets)) as update:
            result = Study(inst, scen, Options(solver=solver.value)).sweep(budgets, update)
        show(sweep_view(result))
        if target is not None:
            from optimizer.outputs.plots.sensitivity import sweep_png

            target.write_csv("sweep.csv", sweep_header(result), sweep_rows(result))
            target.write_bytes("sweep.png", sweep_png(result, inst))
            if fmt is Sheet.xlsx:
                from optimizer.outputs.spreadsheet import sweep_workbook

                target.write_bytes("sweep.xlsx", sweep_workbook(result))
            wrote(names, target.path)
        if not result.feasible():
            raise InfeasibleError(sweep_infeasible(scen.name, budgets[0], budgets[-1]))
