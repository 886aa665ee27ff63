"""`monotowns uncertainty`: how robust the plan is when the effects are uncertain."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from optimizer.cli.common import (
    DRAWS_WHY,
    MAX_DRAWS,
    ActualOpt,
    BudgetOpt,
    ForceOpt,
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
    check_limit,
    guarded,
    needs_out,
    note,
    prepare,
    progress_bar,
    show,
    wrote,
)
from optimizer.i18n import N_

if TYPE_CHECKING:  # types only: `uncertainty --help` loads no analysis
    from optimizer.analysis.uncertainty import UncertaintyResult
    from optimizer.domain.instance import Instance
    from optimizer.domain.scenario import Scenario

DrawsOpt = Annotated[int, typer.Option("--draws", min=1, help=N_("Number of draws."))]
SigmaOpt = Annotated[
    float | None,
    typer.Option(
        "--sigma",
        min=0.0,
        help=N_(
            "Log-scale spread of the effect coefficients of measures without their own "
            "sigma in measures.csv (default 0.2)."
        ),
        show_default=False,
    ),
]
SeedOpt = Annotated[int, typer.Option("--seed", min=0, help=N_("Random seed."))]
WorkersOpt = Annotated[
    int,
    typer.Option(
        "--workers",
        "-w",
        min=1,
        help=N_(
            "Worker processes; the results are the same for any number. Each costs about "
            "half a second to start, so more pay off only for large instances."
        ),
    ),
]
DaskOpt = Annotated[
    str | None,
    typer.Option(
        "--dask",
        help=N_(
            "Run the draws on an existing Dask cluster at this scheduler address "
            "(needs the optional dask extra of monotowns)."
        ),
    ),
]


def uncertainty(
    instance: InstanceArg,
    scenario: ScenarioOpt = None,
    budget: BudgetOpt = None,
    method: MethodOpt = None,
    weights: WeightsOpt = None,
    solver: SolverOpt = Solver.highs,
    draws: DrawsOpt = 1000,
    sigma: SigmaOpt = None,
    seed: SeedOpt = 0,
    workers: WorkersOpt = 1,
    actual: ActualOpt = None,
    out_dir: OutOpt = None,
    dask: DaskOpt = None,
    fmt: SheetOpt = Sheet.table,
    force: ForceOpt = False,
    gap: GapOpt = None,
    lang: LangOpt = None,
    renormalize: RenormalizeOpt = False,
) -> None:
    """The plan under uncertain effects: scored and re-optimized over random draws."""
    from optimizer.analysis.study import Options, Study
    from optimizer.analysis.uncertainty import DEFAULT_SIGMA, check_sigma
    from optimizer.outputs.files import input_files, result_folder
    from optimizer.outputs.terminal import draws_progress, uncertainty_view

    with guarded():
        check_limit("--draws", draws, MAX_DRAWS, force, DRAWS_WHY)
        if sigma is not None:
            check_sigma(sigma)
        inst, scen = prepare(instance, scenario, budget, method, weights, gap=gap,
                             renormalize=renormalize)  # fmt: skip
        note_unused_sigma(inst, sigma)
        spend = None
        if actual is not None:
            from optimizer.domain.actual import load_actual

            spend = load_actual(inst, actual)
        needs_out(fmt is Sheet.xlsx, out_dir, "uncertainty.xlsx")
        names = uncertainty_files(fmt)
        inputs = input_files(inst, scen, [] if spend is None else [spend.path])
    with guarded(), result_folder(out_dir, inputs, names, "uncertainty") as target:
        with progress_bar(draws_progress(), draws) as update:
            study = Study(inst, scen, Options(solver=solver.value, points=0, depth=None), spend,
                          budget_given=budget is not None)  # fmt: skip
            result = study.uncertainty(
                draws=draws,
                sigma=DEFAULT_SIGMA if sigma is None else sigma,
                seed=seed,
                workers=workers,
                dask=dask,
                progress=update,
            )
        show(uncertainty_view(result))
        if target is not None:
            write_uncertainty(target, result, inst, scen, fmt)
            wrote(names, target.path)


def note_unused_sigma(inst: Instance, sigma: float | None) -> None:
    """Say so when --sigma is given but every measure has its own sigma."""
    import numpy as np

    from optimizer.outputs.terminal import unused_sigma_note

    own = inst.measure_sigma
    if sigma is not None and own is not None and not np.isnan(own).any():
        note(unused_sigma_note(sigma))


def uncertainty_files(fmt: Sheet) -> list[str]:
    """The files `--out` receives: the tables, the document, the plot (and the workbook)."""
    names = ["uncertainty.csv", "robustness.csv", "uncertainty.json", "uncertainty.png"]
    return names + (["uncertainty.xlsx"] if fmt is Sheet.xlsx else [])


def write_uncertainty(
    target: Any, result: UncertaintyResult, inst: Instance, scen: Scenario, fmt: Sheet
) -> None:
    """Write the result into the folder: CSV tables, JSON with provenance, plot, workbook."""
    from optimizer.outputs.documents import provenance, uncertainty_document
    from optimizer.outputs.plots.sensitivity import uncertainty_png
    from optimizer.outputs.tables import robustness_rows, uncertainty_rows

    target.write_csv("uncertainty.csv", *uncertainty_rows(result))
    target.write_csv("robustness.csv", *robustness_rows(result))
    target.write_json("uncertainty.json",
                      {**uncertainty_document(result), "inputs": provenance(inst, scen)})  # fmt: skip
    target.write_bytes("uncertainty.png", uncertainty_png(result))
    if fmt is Sheet.xlsx:
        from optimizer.outputs.spreadsheet import uncertainty_workbook

        target.write_bytes("uncertainty.xlsx", uncertainty_workbook(result))
