"""`monotowns report`: one self-contained HTML and Markdown report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from optimizer.cli.common import (
    ActualOptional,
    BaselineOpt,
    BudgetOpt,
    ForceOpt,
    GapOpt,
    InstanceArg,
    LangOpt,
    MethodOpt,
    PointsOpt,
    RenormalizeOpt,
    ScenarioOpt,
    Sheet,
    Solver,
    SolverOpt,
    WeightsOpt,
    check_points,
    guarded,
    prepare,
    wrote,
)
from optimizer.i18n import N_, _


def report_command(
    instance: InstanceArg,
    out_dir: Annotated[
        Path,
        typer.Option(
            "--out", "-o", help=N_("Folder for report.html and report.md."), show_default=False
        ),
    ],
    scenario: ScenarioOpt = None,
    actual: ActualOptional = None,
    budget: BudgetOpt = None,
    method: MethodOpt = None,
    weights: WeightsOpt = None,
    solver: SolverOpt = Solver.highs,
    points: PointsOpt = 21,
    fmt: Annotated[
        Sheet,
        typer.Option("--format", "-f", help=N_("table (default) or xlsx: also write report.xlsx.")),
    ] = Sheet.table,
    force: ForceOpt = False,
    gap: GapOpt = None,
    lang: LangOpt = None,
    baseline: BaselineOpt = None,
    ranges: Annotated[
        bool,
        typer.Option(
            "--ranges",
            help=N_(
                "Add each town's least and greatest budget cost over the equally good plans "
                "to the by-town table (two LPs per town)."
            ),
        ),
    ] = False,
    renormalize: RenormalizeOpt = False,
) -> None:
    """Write report.html (self-contained) and report.md: scenario, solution, front, comparison."""
    from optimizer.analysis.study import Options, Study
    from optimizer.domain.actual import load_actual
    from optimizer.outputs.files import input_files, result_folder
    from optimizer.outputs.render import html_page, markdown, report_workbook
    from optimizer.outputs.report import build_report

    with guarded():
        check_points(points, force)
        inst, scen = prepare(
            instance, scenario, budget, method, weights, gap=gap, baseline=baseline,
            renormalize=renormalize,
        )  # fmt: skip
        spend = load_actual(inst, actual) if actual is not None else None
        if ranges and inst.projects is not None:
            from optimizer.errors import InstanceError

            raise InstanceError(
                _(
                    "--ranges: the optimal face of a mixed-integer program (an instance "
                    "with projects.csv) is not one convex set; ranges are for LPs only"
                )
            )
        extra = [spend.path] if spend is not None else []
        inputs = input_files(inst, scen, extra)
    with (
        guarded(),
        result_folder(out_dir, inputs, ["report.html", "report.md"], "report") as target,
    ):
        assert target is not None
        study = Study(inst, scen, Options(solver=solver.value, points=points, ranges=ranges),
                      spend, budget_given=budget is not None)  # fmt: skip
        rep = build_report(study)
        names = ["report.html", "report.md", *rep.images]
        names += ["report.xlsx"] if fmt is Sheet.xlsx else []
        target.check(names)
        for name, data in rep.images.items():
            target.write_bytes(name, data)
        target.write_text("report.md", markdown(rep))
        target.write_text("report.html", html_page(rep))
        if fmt is Sheet.xlsx:
            target.write_bytes("report.xlsx", report_workbook(rep))
    wrote(names, target.path)
