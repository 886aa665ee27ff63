"""`monotowns compare`: an actual (or illustrative) spend against the optimum at the
same budget; the headline, three small tables, and with `--out` the comparison files.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from rich.table import Table

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
    ScenarioOpt,
    Solver,
    SolverOpt,
    WeightsOpt,
    check_points,
    guarded,
    needs_out,
    out,
    prepare,
    say,
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
) -> None:
    """Compare an actual spend with the optimum at the same budget (SPEC section 7)."""
    from optimizer.analysis.compare import compare
    from optimizer.domain.actual import load_actual
    from optimizer.domain.scenario import parse_money
    from optimizer.outputs.documents import comparison_document
    from optimizer.outputs.files import input_files, result_folder

    with guarded():
        check_points(points, force)
        inst, scen = prepare(instance, scenario, None, method, weights, gap=gap, baseline=baseline)
        spend = load_actual(inst, actual)
        needs_out(fmt is CompareFormat.xlsx, out_dir, "comparison.xlsx")
        names = COMPARE_FILES + (["comparison.xlsx"] if fmt is CompareFormat.xlsx else [])
        b = parse_money(budget) if budget is not None else None
        inputs = input_files(inst, scen, [spend.path])
    with guarded(), result_folder(out_dir, inputs, names, "compare") as target:
        cmp = compare(inst, scen, spend, budget_mln=b, solver=solver.value, front_points=points)
        doc = comparison_document(cmp)
        if target is not None:
            write_comparison(target, cmp, doc)
            if fmt is CompareFormat.xlsx:
                from optimizer.outputs.spreadsheet import comparison_workbook

                target.write_bytes("comparison.xlsx", comparison_workbook(cmp))
        if fmt is CompareFormat.json:
            sys.stdout.write(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
        else:
            print_comparison(cmp)
        if target is not None:
            wrote(names, target.path)


def write_comparison(target: Any, cmp: Any, doc: dict[str, Any]) -> None:
    from optimizer.outputs.plots.compare import compare_png
    from optimizer.outputs.tables import closest_rows, reallocation_rows

    target.write_json("comparison.json", doc)
    target.write_csv("reallocation.csv", *reallocation_rows(cmp))
    target.write_csv("closest_plan.csv", *closest_rows(cmp, 1.0))
    target.write_bytes("compare.png", compare_png(cmp, cmp.dominance.front_values))


def print_comparison(cmp: Any, top: int = 10) -> None:
    """The ten-second summary, then three small tables."""
    from optimizer.outputs.tables import reallocation_rows, whole_names
    from optimizer.outputs.text import headline, provenance_line, spend_words

    inst = cmp.instance
    words = spend_words(inst, cmp.actual)  # "illustrative spend" where labelled (SPEC 11)
    short = words.split()[0]
    label = provenance_line(inst, cmp.scenario, [cmp.actual, cmp.scenario.baseline_path])
    if label:  # SPEC section 11: the first line says what is not a cited fact
        say(label)
    say(
        f"[bold]{inst.name}[/]: {words} [bold]{cmp.actual.name}[/] against scenario "
        f"[bold]{cmp.scenario.name}[/] ({cmp.scenario.objective.method})"
    )
    from optimizer.outputs.text import project_change_lines

    for line in headline(cmp) + project_change_lines(cmp):
        say(f"  {line}")
    crit = Table(title=f"Criteria, optimum at {cmp.budget_mln:,.1f} mln", title_justify="left")
    for col in ("criterion", short, "optimal", "uplift", "%"):
        crit.add_column(col, justify="left" if col == "criterion" else "right")
    for c in inst.criteria:
        u = cmp.uplift[c]
        crit.add_row(
            c,
            f"{cmp.actual_objectives[c]:,.1f}",
            f"{cmp.optimal.objectives[c]:,.1f}",
            f"{u['abs']:+,.1f}",
            "n/a" if u["pct"] is None else f"{u['pct']:+.1f}%",
        )
    out.print(whole_names(crit))
    plans = Table(
        title=f"Closest improving plans at {cmp.budget_mln:,.1f} mln (no criterion below the "
        f"{words})",
        title_justify="left",
    )
    plans.caption = "moved: money taken out of cells; total change: the sum of all cell changes"
    plans.caption_justify = "left"
    for col in ("share of gain", "moved mln", "total change mln", *inst.criteria):
        plans.add_column(col, justify="right")
    for p in cmp.closest:
        if p.moved_mln is None:
            plans.add_row(f"{p.phi:.0%}", "n/a", "n/a", *(["n/a"] * len(inst.criteria)))
        else:
            plans.add_row(
                f"{p.phi:.0%}",
                f"{p.taken_mln:,.1f}",
                f"{p.moved_mln:,.1f}",
                *(f"{p.objectives[c]:,.1f}" for c in inst.criteria),
            )
    out.print(whole_names(plans))
    _head, rows = reallocation_rows(cmp)
    moves = Table(
        title=f"Largest changes, {short} to optimal at {cmp.budget_mln:,.1f} mln (budget cost "
        f"mln; {len(rows)} cells in reallocation.csv)",
        title_justify="left",
    )
    for col in ("town", "measure", short, "optimal", "change"):
        moves.add_column(col, justify="left" if col in ("town", "measure") else "right")
    for r in rows[:top]:
        moves.add_row(r[0], r[1], f"{r[5]:,.1f}", f"{r[6]:,.1f}", f"{r[7]:+,.1f}")
    out.print(whole_names(moves))
