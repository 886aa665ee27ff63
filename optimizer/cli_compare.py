"""`monotowns compare`, `explain` and `report`: parse, call one core function, print.

cli.py imports this module when it exists; the commands add themselves to `app`.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from optimizer.cli import (
    BudgetOpt,
    InstanceArg,
    MethodOpt,
    OutOpt,
    ScenarioOpt,
    Solver,
    SolverOpt,
    WeightsOpt,
    app,
    err,
    guarded,
    out,
    prepare,
)


class Output(StrEnum):
    table = "table"
    json = "json"


ActualRequired = Annotated[
    str,
    typer.Option(
        "--actual",
        "-a",
        help="Actual spend: a name in the instance's actual/ (no extension) or a .csv/.xlsx path.",
        show_default=False,
    ),
]
ActualOptional = Annotated[
    str | None,
    typer.Option(
        "--actual",
        "-a",
        help="Also compare this actual spend (a name in actual/ or a .csv/.xlsx path).",
    ),
]
OutputOpt = Annotated[
    Output, typer.Option("--format", "-f", help="table (default) or json on standard output.")
]
PointsOpt = Annotated[
    int,
    typer.Option(
        "--points", min=0, help="Pareto front points (when the pareto module is installed)."
    ),
]

COMPARE_FILES = ["comparison.json", "reallocation.csv", "closest_plan.csv", "compare.png"]


@app.command("compare")
def compare_command(
    instance: InstanceArg,
    actual: ActualRequired,
    scenario: ScenarioOpt = None,
    budget: BudgetOpt = None,
    method: MethodOpt = None,
    weights: WeightsOpt = None,
    solver: SolverOpt = Solver.highs,
    out_dir: OutOpt = None,
    fmt: OutputOpt = Output.table,
    points: PointsOpt = 21,
) -> None:
    """Compare an actual spend with the optimum at the same budget (SPEC section 7)."""
    from optimizer.actual import load_actual
    from optimizer.compare import compare, comparison_document
    from optimizer.output import OutputDir, input_files
    from optimizer.scenario import parse_money

    with guarded():
        inst, scen = prepare(instance, scenario, None, method, weights)
        spend = load_actual(inst, actual)
        target = None
        if out_dir is not None:
            target = OutputDir(out_dir, input_files(inst, scen, [spend.path]))
            target.check(COMPARE_FILES)
        b = parse_money(budget) if budget is not None else None
        cmp = compare(inst, scen, spend, budget_mln=b, solver=solver.value, front_points=points)
        doc = comparison_document(cmp)
        if target is not None:
            write_comparison(target, cmp, doc)
        if fmt is Output.json:
            sys.stdout.write(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
        else:
            print_comparison(cmp)
        if target is not None:
            err.print(f"wrote {', '.join(COMPARE_FILES)} to {target.path}")


def write_comparison(target: Any, cmp: Any, doc: dict[str, Any]) -> None:
    from optimizer.compare import closest_rows, reallocation_rows
    from optimizer.plot_compare import compare_png

    target.write_json("comparison.json", doc)
    target.write_csv("reallocation.csv", *reallocation_rows(cmp))
    target.write_csv("closest_plan.csv", *closest_rows(cmp, 1.0))
    target.write_bytes("compare.png", compare_png(cmp, cmp.dominance.front_values))


def print_comparison(cmp: Any, top: int = 10) -> None:
    """The ten-second summary, then three small tables."""
    from optimizer.compare import reallocation_rows

    inst = cmp.instance
    out.print(
        f"[bold]{inst.name}[/]: actual [bold]{cmp.actual.name}[/] against scenario "
        f"[bold]{cmp.scenario.name}[/] ({cmp.scenario.objective.method})"
    )
    from optimizer.compare import headline

    for line in headline(cmp):
        out.print(f"  {line}")
    crit = Table(title="Criteria", title_justify="left")
    for col in ("criterion", "actual", "optimal", "uplift", "%"):
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
    out.print(crit)
    plans = Table(
        title="Closest improving plans (no criterion below the actual)", title_justify="left"
    )
    for col in ("share of gain", "moved mln", "taken out mln", *inst.criteria):
        plans.add_column(col, justify="right")
    for p in cmp.closest:
        if p.moved_mln is None:
            plans.add_row(f"{p.phi:.0%}", "n/a", "n/a", *(["n/a"] * len(inst.criteria)))
        else:
            plans.add_row(
                f"{p.phi:.0%}",
                f"{p.moved_mln:,.1f}",
                f"{p.taken_mln:,.1f}",
                *(f"{p.objectives[c]:,.1f}" for c in inst.criteria),
            )
    out.print(plans)
    _, rows = reallocation_rows(cmp)
    moves = Table(
        title=f"Largest changes, actual to optimal (volume mln; {len(rows)} cells in "
        f"reallocation.csv)",
        title_justify="left",
    )
    for col in ("town", "measure", "actual", "optimal", "change"):
        moves.add_column(col, justify="left" if col in ("town", "measure") else "right")
    for r in rows[:top]:
        moves.add_row(r[0], r[1], f"{r[2]:,.1f}", f"{r[3]:,.1f}", f"{r[4]:+,.1f}")
    out.print(moves)


@app.command("explain")
def explain_command(
    instance: InstanceArg,
    town: Annotated[
        str, typer.Option("--town", "-t", help="The town to explain.", show_default=False)
    ],
    scenario: ScenarioOpt = None,
    budget: BudgetOpt = None,
    method: MethodOpt = None,
    weights: WeightsOpt = None,
    solver: SolverOpt = Solver.highs,
    fmt: OutputOpt = Output.table,
) -> None:
    """Why a town got what it got: each measure's next million against the margin."""
    from optimizer.explain import explain, explanation_document, town_words, unit_words

    with guarded():
        inst, scen = prepare(instance, scenario, budget, method, weights)
        ex = explain(inst, scen, town, solver.value)
    if fmt is Output.json:
        sys.stdout.write(json.dumps(explanation_document(ex), indent=2, ensure_ascii=False) + "\n")
        return
    for line in town_words(ex, inst.currency):
        out.print(line)
    unit = unit_words(ex.scale).replace("per ", "/ ")
    tab = Table(title=f"{ex.town}: each measure's next million", title_justify="left")
    for col in (
        "measure",
        "volume / capacity mln",
        f"value {unit}",
        f"margin {unit}",
        "change needed",
    ):
        tab.add_column(col, justify="left" if col == "measure" else "right")
    for c in ex.cells:
        change = ""
        if c.change_pct is not None and c.status in ("unfunded", "partial"):
            change = f"+{c.change_pct:.0f}%"
        elif c.change_pct is not None and c.status == "full":
            change = f"-{c.change_pct:.0f}% keeps it"
        tab.add_row(
            c.measure,
            "not eligible"
            if c.status == "ineligible"
            else f"{c.volume_mln:,.1f} / {c.capacity_mln:,.1f}",
            "" if c.value_per_mln is None else f"{c.value_per_mln * ex.scale:.3g}",
            "" if c.margin_per_mln is None else f"{c.margin_per_mln * ex.scale:.3g}",
            change,
        )
    out.print(tab)
    for c in ex.cells:
        out.print(f"- {c.measure}: {c.reason}.")


@app.command("report")
def report_command(
    instance: InstanceArg,
    out_dir: Annotated[
        Path,
        typer.Option(
            "--out", "-o", help="Folder for report.html and report.md.", show_default=False
        ),
    ],
    scenario: ScenarioOpt = None,
    actual: ActualOptional = None,
    budget: BudgetOpt = None,
    method: MethodOpt = None,
    weights: WeightsOpt = None,
    solver: SolverOpt = Solver.highs,
    points: PointsOpt = 21,
) -> None:
    """Write report.html (self-contained) and report.md: scenario, solution, front, comparison."""
    from optimizer.actual import load_actual
    from optimizer.output import OutputDir, input_files
    from optimizer.report import build_report, html_page, markdown

    with guarded():
        inst, scen = prepare(instance, scenario, budget, method, weights)
        spend = load_actual(inst, actual) if actual is not None else None
        extra = [spend.path] if spend is not None else []
        target = OutputDir(out_dir, input_files(inst, scen, extra))
        rep = build_report(inst, scen, spend, solver.value, points)
        names = ["report.html", "report.md", *rep.images]
        target.check(names)
        for name, data in rep.images.items():
            target.write_bytes(name, data)
        target.write_text("report.md", markdown(rep))
        target.write_text("report.html", html_page(rep))
    err.print(f"wrote {', '.join(names)} to {target.path}")
