"""`monotowns solve`: the exact optimal split of the budget."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from optimizer.cli.common import (
    BaselineOpt,
    BudgetOpt,
    Format,
    GapOpt,
    InstanceArg,
    LangOpt,
    MethodOpt,
    OutOpt,
    RenormalizeOpt,
    ScenarioOpt,
    SensitivityDepth,
    Solver,
    SolverOpt,
    WeightsOpt,
    check_export_path,
    guarded,
    needs_out,
    note,
    out,
    prepare,
    print_json,
    show,
    wrote,
)
from optimizer.errors import InfeasibleError, InstanceError
from optimizer.i18n import N_, _

ALL_OUTPUTS = ("allocation.csv", "summary.json", "allocation.xlsx", "ranges.csv")


def solve(
    instance: InstanceArg,
    scenario: ScenarioOpt = None,
    budget: BudgetOpt = None,
    method: MethodOpt = None,
    weights: WeightsOpt = None,
    solver: SolverOpt = Solver.highs,
    out_dir: OutOpt = None,
    fmt: Annotated[
        Format,
        typer.Option("--format", "-f", help=N_("table | json | csv | xlsx (xlsx needs --out)")),
    ] = Format.table,
    export_lp: Annotated[
        Path | None,
        typer.Option(
            "--export-lp",
            help=N_("Also write the problem the method solves last as an LP file."),
        ),
    ] = None,
    export_mps: Annotated[
        Path | None,
        typer.Option(
            "--export-mps",
            help=N_("Also write the problem the method solves last as an MPS file."),
        ),
    ] = None,
    sensitivity: Annotated[
        SensitivityDepth,
        typer.Option(
            "--sensitivity",
            help=N_(
                "What one more unit buys: quick (default: duals, one re-solve per rule, the "
                "budget's range between the breakpoints of the optimum), full (also what "
                "dropping each rule gains) or off."
            ),
        ),
    ] = SensitivityDepth.quick,
    no_sensitivity: Annotated[
        bool, typer.Option("--no-sensitivity", help=N_("The same as --sensitivity off."))
    ] = False,
    ranges: Annotated[
        bool,
        typer.Option(
            "--ranges",
            help=N_(
                "Each town's least and greatest budget cost among equally good plans "
                "(ranges.csv, summary.json ranges; two LPs per town)."
            ),
        ),
    ] = False,
    gap: GapOpt = None,
    lang: LangOpt = None,
    baseline: BaselineOpt = None,
    renormalize: RenormalizeOpt = False,
) -> None:
    """Solve a scenario: the exact optimal split of the budget."""
    from optimizer.analysis.sensitivity import Depth
    from optimizer.analysis.study import Options, Study
    from optimizer.outputs.documents import infeasible_document, solve_document
    from optimizer.outputs.files import input_files, result_folder

    with guarded():
        inst, scen = prepare(instance, scenario, budget, method, weights, gap, baseline=baseline,
                             renormalize=renormalize)  # fmt: skip
        names = solve_outputs(inst, fmt, out_dir, ranges)
        extra_out = [p for p in (export_lp, export_mps) if p is not None]
        inputs = input_files(inst, scen)
        for p in extra_out:
            check_export_path(p, inputs)
    depth = None
    if sensitivity is not SensitivityDepth.off and not no_sensitivity:
        depth = Depth(sensitivity.value)
    study = Study(inst, scen, Options(solver=solver.value, points=0, ranges=ranges, depth=depth))
    with (
        guarded(),
        result_folder(out_dir, inputs, [*ALL_OUTPUTS, "projects.csv"], "solve") as target,
    ):
        try:
            solved = study.solved
        except InfeasibleError as e:
            if target is not None:
                target.write_json("summary.json", infeasible_document(inst, scen, e.diagnosis))  # type: ignore[arg-type]
            if fmt is Format.json:
                print_json(infeasible_document(inst, scen, e.diagnosis))  # type: ignore[arg-type]
            raise
        if extra_out:
            study.export(export_lp, export_mps)
        from optimizer.outputs.terminal import solve_notes

        for line in solve_notes(solved, depth is not None):
            note(line)
        doc = solve_document(inst, scen, solved, depth is not None)
        if target is not None:
            write_solve(target, inst, solved, doc, fmt)
        show_solve(inst, scen, solved, doc, fmt)
        if target is not None:
            wrote(names, target.path)


def solve_outputs(inst: Any, fmt: Format, out_dir: Path | None, ranges: bool) -> list[str]:
    """The files `solve` writes; bad option combinations are bad input."""
    needs_out(fmt is Format.xlsx, out_dir, "allocation.xlsx")
    names = (
        ["allocation.csv", "summary.json"]
        + (["allocation.xlsx"] if fmt is Format.xlsx else [])
        + (["ranges.csv"] if ranges else [])
    )
    if inst.projects is not None:
        names.append("projects.csv")
        if ranges:
            raise InstanceError(
                _(
                    "--ranges: the optimal face of a mixed-integer program (an instance "
                    "with projects.csv) is not one convex set; ranges are for LPs only"
                )
            )
    return names


def write_solve(target: Any, inst: Any, solved: Any, doc: dict[str, Any], fmt: Format) -> None:
    from optimizer.outputs.tables import allocation_rows, projects_rows, with_project_rows

    sol = solved.solution
    header, rows = with_project_rows(inst, sol.fractions, *allocation_rows(inst, sol.volumes))
    target.write_csv("allocation.csv", header, rows)
    if sol.fractions is not None:
        target.write_csv("projects.csv", *projects_rows(inst, sol.fractions))
    if solved.ranges is not None:
        target.write_csv(
            "ranges.csv",
            ["town", "min_cost_mln", "max_cost_mln", "plan_cost_mln"],
            [[r.town, r.min_cost_mln, r.max_cost_mln, r.plan_cost_mln] for r in solved.ranges],
        )
    target.write_json("summary.json", doc)
    if fmt is Format.xlsx:
        from optimizer.outputs.spreadsheet import allocation_workbook

        target.write_bytes("allocation.xlsx", allocation_workbook(inst, sol, doc))


def show_solve(inst: Any, scen: Any, solved: Any, doc: dict[str, Any], fmt: Format) -> None:
    """JSON or CSV on standard output, or the tables."""
    from optimizer.outputs.files import csv_text
    from optimizer.outputs.tables import allocation_rows, with_project_rows

    sol = solved.solution
    if fmt is Format.json:
        print_json(doc)
        return
    if fmt is Format.csv:
        header, rows = with_project_rows(inst, sol.fractions, *allocation_rows(inst, sol.volumes))
        sys.stdout.write(csv_text(header, rows))
        return
    from optimizer.outputs.terminal import solve_view

    show(solve_view(inst, scen, solved, out.width))
