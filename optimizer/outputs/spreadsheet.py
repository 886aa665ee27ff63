"""Excel output for officers who live in spreadsheets (pandas + openpyxl)."""

from __future__ import annotations

import io
from typing import Any

from optimizer.domain.instance import Instance
from optimizer.domain.results import Solution
from optimizer.outputs.tables import allocation_rows, totals


def allocation_workbook(instance: Instance, sol: Solution, summary: dict[str, Any]) -> bytes:
    """`allocation.xlsx`: sheets allocation, totals (by tier and by measure) and summary."""
    import pandas as pd

    header, rows = allocation_rows(instance, sol.volumes)
    alloc = pd.DataFrame(rows, columns=header)
    tot = totals(instance, sol.cost)
    by_tier = pd.DataFrame(
        {
            "group": "tier",
            "name": list(tot["by_tier"]),
            "budget_cost_mln": list(tot["by_tier"].values()),
        }
    )
    by_measure = pd.DataFrame(
        {"group": "measure", "name": list(tot["by_measure"]),
         "budget_cost_mln": list(tot["by_measure"].values())}
    )  # fmt: skip
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
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xw:
        alloc.to_excel(xw, sheet_name="allocation", index=False)
        pd.concat([by_tier, by_measure]).to_excel(xw, sheet_name="totals", index=False)
        pd.DataFrame(flat, columns=["key", "value"]).to_excel(xw, sheet_name="summary", index=False)
    return buf.getvalue()
