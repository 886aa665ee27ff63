"""`monotowns compare`: an actual (or illustrative) spend against the optimum at the
same budget; the headline, three small tables (outputs/terminal.comparison_view), and
with `--out` the comparison files.
"""

from __future__ import annotations

from typing import Any

from optimizer.cli.common import (
    ActualRequired,
    BaselineOpt,
    BudgetOpt,
    CompareFormat,
    CompareFormatOpt,
    ForceOpt,
    GapOpt,
    InstanceArg,
    LangOpt,
    MethodOpt,
    OutOpt,
    PointsOpt,
    RenormalizeOpt,
    ScenarioOpt,
    Solver,
    SolverOpt,
    WeightsOpt,
    check_points,
    guarded,
    needs_out,
    prepare,
    print_json,
    show,
    wrote,
)

COMPARE_FILES = ["comparison.json", "reallocation.csv", "closest_plan.csv", "compare.png"]


def compare_command(
    instance: InstanceArg,
    actual: ActualRequired,
    scenario: ScenarioOpt = None,
    budget: BudgetOpt = None,
    method: MethodOpt = None,
    weights: WeightsOpt = None,
    solver: SolverOpt = Solver.highs,
    out_dir: OutOpt = None,
    fmt: CompareFormatOpt = CompareFormat.table,
    points: PointsOpt = 21,
    force: ForceOpt = False,
    gap: GapOpt = None,
    lang: LangOpt = None,
    baseline: BaselineOpt = None,
    renormalize: RenormalizeOpt = False,
) -> None:
    """Compare an actual spend with the optimum at the same budget (SPEC section 7)."""
    from optimizer.analysis.study import Options, Study
    from optimizer.domain.actual import load_actual
    from optimizer.outputs.documents import comparison_document
    from optimizer.outputs.files import input_files, result_folder
    from optimizer.outputs.terminal import comparison_view

    with guarded():
        check_points(points, force)
        inst, scen = prepare(instance, scenario, budget, method, weights, gap=gap, baseline=baseline,
                             renormalize=renormalize)  # fmt: skip
        spend = load_actual(inst, actual)
        needs_out(fmt is CompareFormat.xlsx, out_dir, "comparison.xlsx")
        names = COMPARE_FILES + (["comparison.xlsx"] if fmt is CompareFormat.xlsx else [])
        inputs = input_files(inst, scen, [spend.path])
    with guarded(), result_folder(out_dir, inputs, names, "compare") as target:
        study = Study(inst, scen, Options(solver=solver.value, points=points, depth=None), spend,
                      budget_given=budget is not None)  # fmt: skip
        cmp = study.comparison
        assert cmp is not None
        doc = comparison_document(cmp)
        if target is not None:
            write_comparison(target, cmp, doc)
            if fmt is CompareFormat.xlsx:
                from optimizer.outputs.spreadsheet import comparison_workbook

                target.write_bytes("comparison.xlsx", comparison_workbook(cmp))
        if fmt is CompareFormat.json:
            print_json(doc)
        else:
            show(comparison_view(cmp))
        if target is not None:
            wrote(names, target.path)


def write_comparison(target: Any, cmp: Any, doc: dict[str, Any]) -> None:
    from optimizer.outputs.plots.compare import compare_png
    from optimizer.outputs.tables import closest_rows, reallocation_rows

    target.write_json("comparison.json", doc)
    target.write_csv("reallocation.csv", *reallocation_rows(cmp))
    target.write_csv("closest_plan.csv", *closest_rows(cmp, 1.0))
    target.write_bytes("compare.png", compare_png(cmp, cmp.dominance.front_values))
