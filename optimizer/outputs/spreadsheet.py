"""Excel workbooks for officers who live in spreadsheets (openpyxl).

Every result has one: `allocation.xlsx` (solve), `comparison.xlsx` (compare),
`pareto.xlsx`, `sweep.xlsx`, `uncertainty.xlsx` and `report.xlsx`. They share
one layout, written by `workbook`: one sheet per table, a bold header row that
stays frozen while scrolling, numbers stored as numbers with a number format
(thousands separators, shares as percentages), and columns as wide as their
contents.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from optimizer.outputs.tables import (
    allocation_rows,
    robustness_rows,
    sweep_header,
    sweep_rows,
    totals,
    uncertainty_rows,
)
from optimizer.outputs.text import Shown

if TYPE_CHECKING:
    from optimizer.analysis.compare import Comparison
    from optimizer.analysis.pareto import ParetoFront
    from optimizer.analysis.sweep import SweepResult
    from optimizer.analysis.uncertainty import UncertaintyResult
    from optimizer.domain.instance import Instance
    from optimizer.domain.results import Solution

Sheet = tuple[Sequence[str], Sequence[Sequence[Any]]]

MONEY = "#,##0.0"
WHOLE = "#,##0"
SHARE = "0.0%"
PRECISE = "#,##0.0000"


def number_format(column: str, value: float) -> str:
    """The format of a numeric cell: shares (header says share or frequency) as %,
    whole numbers with separators, small rates with four decimals, money with one."""
    name = column.lower()
    if any(w in name for w in ("share", "frequency")) and not name.endswith("%"):
        return SHARE
    if isinstance(value, int) or (float(value).is_integer() and abs(value) >= 1):
        return WHOLE
    return PRECISE if abs(value) < 10 else MONEY


def sheet_title(name: str, taken: set[str]) -> str:
    """Excel sheet names: at most 31 characters, none of []:*?/\\, unique."""
    base = re.sub(r"[\[\]:*?/\\]", " ", name).strip()[:31] or "sheet"
    title, k = base, 2
    while title.lower() in taken:
        title = f"{base[:28]} {k}"
        k += 1
    taken.add(title.lower())
    return title


def workbook(sheets: dict[str, Sheet]) -> bytes:
    """An .xlsx file with one sheet per (header, rows) table."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)
    taken: set[str] = set()
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="EEF1F4")
    for name, (header, rows) in sheets.items():
        ws = wb.create_sheet(sheet_title(name, taken))
        ws.append(list(header))
        for cell in ws[1]:
            cell.font, cell.fill = bold, fill
            cell.alignment = Alignment(wrap_text=True, vertical="bottom")
        widths = [min(max(len(str(h)), 8), 40) for h in header]
        for row in rows:
            # a (value, number format) pair carries its own format
            ws.append([v[0] if isinstance(v, tuple) else v for v in row])
            r = ws.max_row
            for j, v in enumerate(row):
                if isinstance(v, tuple):
                    ws.cell(row=r, column=j + 1).number_format = v[1]
                    continue
                if isinstance(v, bool) or not isinstance(v, int | float):
                    if j < len(widths):
                        widths[j] = min(max(widths[j], len(str(v)) + 1), 60)
                    continue
                cell = ws.cell(row=r, column=j + 1)
                cell.number_format = number_format(str(header[j]) if j < len(header) else "", v)
                if j < len(widths):
                    widths[j] = max(widths[j], len(f"{v:,.1f}") + 2)
        ws.freeze_panes = "A2"
        for j, w in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(j)].width = w + 2
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def cell_value(cell: str) -> Any:
    """A report cell as the workbook writes it: a number the report shows (`Shown`,
    made by the formatters of outputs/text.py) as that number in a format that shows
    it alike; any other cell as its text."""
    if isinstance(cell, Shown):
        whole = cell.form == WHOLE and abs(cell.value) < 2**53
        return (int(cell.value), cell.form) if whole else (cell.value, cell.form)
    return cell


# ----------------------------------------------------------------------------- results


def allocation_workbook(instance: Instance, sol: Solution, summary: dict[str, Any]) -> bytes:
    """`allocation.xlsx`: sheets allocation, totals (by tier and by measure) and summary."""
    header, rows = allocation_rows(instance, sol.volumes)
    tot = totals(instance, sol.cost)
    total_rows = [["tier", k, v] for k, v in tot["by_tier"].items()]
    total_rows += [["measure", k, v] for k, v in tot["by_measure"].items()]
    flat = [
        ("instance", summary["instance"]),
        ("scenario", summary["scenario"]),
        ("method", summary["method"]),
        ("budget_mln", summary["budget_mln"]),
        ("allocated_mln", summary["allocated_mln"]),
        *[(f"objective {k}", v) for k, v in summary["objectives"].items()],
        *[(f"shadow price {k}", v["price"]) for k, v in summary["shadow_prices"].items()],
        ("solver", f"{summary['solver']['name']} {summary['solver']['version']}"),
        ("inputs sha256", summary["inputs"]["sha256"]),
        ("tool version", summary["tool"]["version"]),
    ]
    return workbook(
        {
            "allocation": (header, rows),
            "totals": (["group", "name", "budget_cost_mln"], total_rows),
            "summary": (["key", "value"], flat),
        }
    )


def comparison_workbook(cmp: Comparison) -> bytes:
    """`comparison.xlsx`: criteria, closest plans, reallocation, closest plan, by tier/measure."""
    from optimizer.analysis.compare import change_totals
    from optimizer.outputs.documents import english_reason
    from optimizer.outputs.tables import closest_rows, reallocation_rows

    inst = cmp.instance
    crit = [
        [c, cmp.actual_objectives[c], cmp.optimal.objectives[c], cmp.uplift[c]["abs"],
         None if (p := cmp.uplift[c]["pct"]) is None else p / 100]
        for c in inst.criteria
    ]  # fmt: skip
    plans = [
        [p.phi, p.moved_mln, p.added_mln,
         *((p.objectives or {}).get(c) for c in inst.criteria), english_reason(p.reason) or ""]
        for p in cmp.closest
    ]  # fmt: skip
    tot = change_totals(inst, cmp.actual.volume, cmp.optimal.volumes)
    eff = cmp.efficiency
    summary = [
        ("instance", inst.name),
        ("scenario", cmp.scenario.name),
        ("actual", cmp.actual.name),
        ("actual budget cost, mln", cmp.actual_budget_mln),
        ("comparison budget, mln", cmp.budget_mln),
        (
            "efficiency",
            eff.value if eff.value is not None else f"n/a: {english_reason(eff.reason)}",
        ),
        ("dominated", "yes" if cmp.dominance.dominated else "no"),
    ]
    sheets: dict[str, Sheet] = {
        "summary": (["item", "value"], summary),
        "criteria": (["criterion", "actual", "optimal", "uplift", "uplift share"], crit),
        "closest plans": (
            ["share of the gain", "moved_mln", "added_mln", *inst.criteria, "reason"],
            plans,
        ),
        "reallocation": reallocation_rows(cmp),
        "closest plan": closest_rows(cmp, 1.0),
    }
    for part, word in (("by_tier", "tier"), ("by_measure", "measure")):
        sheets[f"by {word}"] = (
            [word, "actual_cost_mln", "optimal_cost_mln", "change_cost_mln"],
            [[k, v["actual_cost_mln"], v["optimal_cost_mln"], v["change_cost_mln"]]
             for k, v in tot[part].items()],
        )  # fmt: skip
    return workbook(sheets)


def front_workbook(front: ParetoFront, instance: Instance) -> bytes:
    """`pareto.xlsx`: the points (as pareto.csv) and their allocations."""
    from optimizer.outputs.tables import front_tables

    points, alloc = front_tables(front, instance)
    return workbook({"front": points, "allocations": alloc})


def sweep_workbook(result: SweepResult) -> bytes:
    """`sweep.xlsx`: one row per budget (as sweep.csv)."""
    return workbook({"sweep": (sweep_header(result), sweep_rows(result))})


def uncertainty_workbook(result: UncertaintyResult) -> bytes:
    """`uncertainty.xlsx`: percentiles per plan and criterion, the draws, and every cell's
    funding frequency."""
    pct = result.percentiles()
    budgets = result.budgets()
    rows = [
        [plan, budgets[plan], c, s["p5"], s["p50"], s["p95"], s["mean"],
         float(result.nominal_criteria[j]) if plan == "nominal" else None]
        for plan, by_c in pct.items()
        for j, c in enumerate(result.criteria)
        for s in [by_c[c]]
    ]  # fmt: skip
    return workbook(
        {
            "percentiles": (
                [
                    "plan",
                    "budget_mln",
                    "criterion",
                    "P5",
                    "P50",
                    "P95",
                    "mean",
                    "at nominal effects",
                ],
                rows,
            ),
            "draws": uncertainty_rows(result),
            "robustness": robustness_rows(result),
        }
    )


def tables_workbook(tables: Sequence[tuple[str, Sequence[str], Sequence[Sequence[str]]]]) -> bytes:
    """A workbook of the report's tables: the numbers it shows as numbers."""
    sheets: dict[str, Sheet] = {}
    for i, (caption, header, rows) in enumerate(tables, start=1):
        name = caption.split(":")[0].split("(")[0].strip() or f"table {i}"
        while name in sheets:
            name += " "
        sheets[name] = (header, [[cell_value(c) for c in r] for r in rows])
    return workbook(sheets)
