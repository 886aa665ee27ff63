"""Money moved is one quantity everywhere (SPEC 14): the money taken out of cells.

`compare` prints it, writes it to comparison.json and comparison.xlsx; `report
--actual` to report.md and report.xlsx. The closest plans' `moved_mln` is that
number in every one of them, for every share of the gain."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import openpyxl
import pytest
from typer.testing import CliRunner

from optimizer.analysis.compare import compare, money_moved
from optimizer.cli import app
from optimizer.domain.actual import load_actual
from optimizer.domain.evaluate import budget_cost
from optimizer.domain.instance import load_instance
from optimizer.domain.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
KZ = ROOT / "instances" / "kazakhstan"
TINY = Path(__file__).parent / "data" / "tiny"
SPEND = "infrastructure-2020-illustrative"
SHARES = ("25%", "50%", "75%", "100%")


def run(*args: object) -> str:
    res = CliRunner().invoke(app, [str(a) for a in args])
    assert res.exit_code == 0, res.output
    return res.output


def shown(value: float) -> str:
    """An amount in mln as the tables print it."""
    return f"{value:,.1f}"


def terminal_moved(text: str) -> list[str]:
    """The moved column of the terminal's closest-plans table, one per share."""
    out = []
    for share in SHARES:
        row = re.search(rf"│\s*{share}\s*│\s*([\d,.]+)\s*│", text)
        assert row is not None, (share, text)
        out.append(row.group(1))
    return out


def markdown_moved(md: str) -> list[str]:
    """The moved column of report.md's closest-plans table (after its header row)."""
    table = md[md.index("| share of the gain | moved, mln | put in, mln |") :]
    out = []
    for share in SHARES:
        row = next(line for line in table.splitlines() if line.startswith(f"| {share} |"))
        out.append(row.strip("|").split("|")[1].strip())
    return out


def sheet_moved(path: Path, header: str) -> list[float]:
    """The column `header` of the sheet whose first row has it, one value per share."""
    wb = openpyxl.load_workbook(path, read_only=True)
    for ws in wb.worksheets:
        rows = list(ws.iter_rows(values_only=True))
        for i, row in enumerate(rows):
            if header in row:
                col = row.index(header)
                return [float(str(r[col]).replace(",", "")) for r in rows[i + 1 : i + 5]]
    raise AssertionError(f"no sheet of {path.name} has a column {header!r}")


def test_moved_is_one_number_in_every_output(tmp_path: Path) -> None:
    text = run("compare", KZ, "-a", SPEND, "--points", "0", "--out", tmp_path / "c",
               "-f", "xlsx")  # fmt: skip
    doc = json.loads((tmp_path / "c" / "comparison.json").read_text())
    moved = [p["moved_mln"] for p in doc["closest"]]
    assert [p["phi"] for p in doc["closest"]] == [0.25, 0.5, 0.75, 1.0]
    assert all(m is not None and m > 0 for m in moved)
    # taken out equals put in: the scenario spends all, and at the spend's own budget
    for p in doc["closest"]:
        assert p["added_mln"] == pytest.approx(p["moved_mln"], rel=1e-6)
    assert "taken_mln" not in doc["closest"][0]
    want = [shown(m) for m in moved]
    assert shown(moved[0]) == "1,126.6"  # the figure: 2,253.1 was the total change
    assert terminal_moved(text) == want
    assert "total change" not in text
    assert sheet_moved(tmp_path / "c" / "comparison.xlsx", "moved_mln") == pytest.approx(moved)

    run("report", KZ, "-a", SPEND, "--points", "0", "--out", tmp_path / "r", "-f", "xlsx")
    md = (tmp_path / "r" / "report.md").read_text()
    assert markdown_moved(md) == want
    assert "total change" not in md
    got = sheet_moved(tmp_path / "r" / "report.xlsx", "moved, mln")
    assert [shown(v) for v in got] == want


def test_money_moved_is_the_sum_of_decreases_when_the_totals_differ() -> None:
    """With a larger budget than the spend's, the plan puts in more than it takes out;
    moved is what it takes out, and the plan takes out no more than it must."""
    inst = load_instance(TINY)
    scen = load_scenario(inst, "weighted")
    spend = load_actual(inst, "spend")
    cmp = compare(inst, scen, spend, budget_mln=130.0)
    for p in cmp.closest:
        assert p.moved_mln is not None and p.volumes is not None
        delta = budget_cost(inst, p.volumes - spend.volume)
        assert p.moved_mln == pytest.approx(-delta[delta < 0].sum(), abs=1e-9)
        assert p.added_mln == pytest.approx(delta[delta > 0].sum(), abs=1e-9)
        assert money_moved(inst, spend.volume, p.volumes).moved_mln == p.moved_mln
    # 30 mln more than the spend: the first shares are reached by adding money alone
    assert cmp.closest[0].moved_mln == pytest.approx(0.0, abs=1e-6)
    assert cmp.closest[0].added_mln > 0
    assert np.all(np.diff([p.moved_mln for p in cmp.closest]) >= -1e-6)
