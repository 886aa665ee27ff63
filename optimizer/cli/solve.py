"""`monotowns solve`: the exact optimal split of the budget."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

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
    ScenarioOpt,
    SensitivityDepth,
    Solver,
    SolverOpt,
    WeightsOpt,
    check_export_path,
    export_model,
    guarded,
    note,
    out,
    prepare,
    say,
    wrote,
)
from optimizer.errors import InfeasibleError, InstanceError, SolverError
from optimizer.i18n import _

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
        Format, typer.Option("--format", "-f", help="table | json | csv | xlsx (xlsx needs --out)")
    ] = Format.table,
    export_lp: Annotated[
        Path | None, typer.Option("--export-lp", help="Also write the model as an LP file (PuLP).")
    ] = None,
    export_mps: Annotated[
        Path | None,
        typer.Option("--export-mps", help="Also write the model as an MPS file (PuLP)."),
    ] = None,
    sensitivity: Annotated[
        SensitivityDepth,
        typer.Option(
            "--sensitivity",
            help="What one more unit buys: quick (default: duals, ranging, one re-solve per "
            "rule), full (also bisects the budget's range) or off.",
        ),
    ] = SensitivityDepth.quick,
    no_sensitivity: Annotated[
        bool, typer.Option("--no-sensitivity", help="The same as --sensitivity off.")
    ] = False,
    ranges: Annotated[
        bool,
        typer.Option(
            "--ranges",
            help="Each town's least and greatest budget cost among equally good plans "
            "(ranges.csv, summary.json ranges; two LPs per town).",
        ),
    ] = False,
    gap: GapOpt = None,
    lang: LangOpt = None,
    baseline: BaselineOpt = None,
) -> None:
    """Solve a scenario: the exact optimal split of the budget."""
    from optimizer.lp.engine import Engine
    from optimizer.methods.solution import optimize_engine
    from optimizer.outputs.documents import infeasible_document, summary_document
    from optimizer.outputs.files import csv_text, input_files, result_folder
    from optimizer.outputs.tables import allocation_rows, projects_rows, with_project_rows

    with guarded():
        inst, scen = prepare(instance, scenario, budget, method, weights, gap, baseline=baseline)
        if fmt is Format.xlsx and out_dir is None:
            raise InstanceError(
                _("--format xlsx: needs --out DIR to write {name} into").format(
                    name="allocation.xlsx"
                )
            )
        extra_out = [p for p in (export_lp, export_mps) if p is not None]
        inputs = input_files(inst, scen)
        for p in extra_out:
            check_export_path(p, inputs)
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
    with (
        guarded(),
        result_folder(out_dir, inputs, [*ALL_OUTPUTS, "projects.csv"], "solve") as target,
    ):
        if extra_out:
            export_model(inst, scen, export_lp, export_mps)
        eng = Engine.open(inst, scen, solver.value)
        try:
            sol = optimize_engine(eng)
        except SolverError as e:
            raise SolverError(
                _("scenario {name}, solving: {error}").format(name=repr(scen.name), error=e)
            ) from None
        except InfeasibleError as e:
            if target is not None:
                target.write_json("summary.json", infeasible_document(inst, scen, e.diagnosis))  # type: ignore[arg-type]
            if fmt is Format.json:
                out.print_json(json.dumps(infeasible_document(inst, scen, e.diagnosis)))  # type: ignore[arg-type]
            raise
        doc = summary_document(inst, scen, sol)
        report = None
        wants_sensitivity = sensitivity is not SensitivityDepth.off and not no_sensitivity
        if sol.mip and wants_sensitivity:
            from optimizer.outputs.text import MIP_SENSITIVITY_NOTE

            note(_(MIP_SENSITIVITY_NOTE))
            doc["sensitivity"] = {"skipped": MIP_SENSITIVITY_NOTE}
        elif wants_sensitivity:
            from optimizer.analysis.sensitivity import Depth, sensitivity_report
            from optimizer.outputs.documents import sensitivity_document

            try:
                report = sensitivity_report(eng, sol, Depth(sensitivity.value))
            except SolverError as e:
                raise SolverError(
                    _(
                        "scenario {name}, sensitivity step (a re-solve after the optimum; "
                        "--no-sensitivity skips it): {error}"
                    ).format(name=repr(scen.name), error=e)
                ) from None
            doc["sensitivity"] = sensitivity_document(report, inst.currency)
        town_ranges = None
        if ranges:
            from optimizer.methods.equal import plan_ranges

            town_ranges = plan_ranges(eng, sol.x, sol.row_dual)
            doc["ranges"] = [r.__dict__ for r in town_ranges]
        header, rows = with_project_rows(inst, sol.fractions, *allocation_rows(inst, sol.volumes))
        if target is not None:
            target.write_csv("allocation.csv", header, rows)
            if sol.fractions is not None:
                target.write_csv("projects.csv", *projects_rows(inst, sol.fractions))
            if town_ranges is not None:
                target.write_csv(
                    "ranges.csv",
                    ["town", "min_cost_mln", "max_cost_mln", "plan_cost_mln"],
                    [[r.town, r.min_cost_mln, r.max_cost_mln, r.plan_cost_mln]
                     for r in town_ranges],
                )  # fmt: skip
            target.write_json("summary.json", doc)
            if fmt is Format.xlsx:
                from optimizer.outputs.spreadsheet import allocation_workbook

                target.write_bytes("allocation.xlsx", allocation_workbook(inst, sol, doc))
        if fmt is Format.json:
            sys.stdout.write(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
        elif fmt is Format.csv:
            sys.stdout.write(csv_text(header, rows))
        else:
            from optimizer.outputs.tables import print_all, solution_tables
            from optimizer.outputs.text import provenance_line

            label = provenance_line(inst, scen, [scen.baseline_path])
            if label:  # SPEC section 11: the first line says what is not a cited fact
                say(label)
            tables = solution_tables(inst, sol, shadow_prices=report is None)
            if sol.fractions is not None:
                from optimizer.outputs.tables import projects_table

                tables.append(projects_table(inst, sol.fractions))
            if report is not None:
                from optimizer.outputs.tables import sensitivity_table

                tables.append(sensitivity_table(report, inst.currency, out.width))
            if town_ranges is not None:
                from optimizer.outputs.tables import ranges_table

                tables.append(ranges_table(town_ranges))
            print_all(out, tables)
        if target is not None:
            wrote(names, target.path)
