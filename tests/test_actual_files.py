"""Actual spend files (.csv and .xlsx): good ones compare alike, bad ones exit 2 naming file and row."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from optimizer.cli import app
from optimizer.domain.actual import load_actual
from optimizer.domain.instance import load_instance

TINY = Path(__file__).parent / "data" / "tiny"
HEADER = ["town", "measure", "amount_mln"]
GOOD = [["Alpha", "m1", "60"], ["Alpha", "m2", "40"], ["Beta", "m1", "20"]]

# (name, rows including the header, what the message must contain)
BAD = [
    (
        "unknown-town",
        [HEADER, ["Alpha", "m1", "60"], ["Gamma", "m1", "5"]],
        ["row 3", "town", "Gamma"],
    ),
    ("unknown-measure", [HEADER, ["Alpha", "m9", "60"]], ["row 2", "measure", "m9"]),
    (
        "negative",
        [HEADER, ["Alpha", "m1", "60"], ["Beta", "m1", "-5"]],
        ["row 3", "amount_mln", "-5"],
    ),
    ("non-numeric", [HEADER, ["Alpha", "m1", "sixty"]], ["row 2", "amount_mln", "sixty"]),
    ("empty-amount", [HEADER, ["Alpha", "m1", ""]], ["row 2", "amount_mln", "empty"]),
    (
        "duplicate",
        [HEADER, ["Alpha", "m1", "60"], ["Alpha", "m1", "10"]],
        ["row 3", "duplicate", "row 2"],
    ),
    ("wrong-columns", [["town", "measure", "amount"], ["Alpha", "m1", "60"]], ["amount_mln"]),
    ("header-only", [HEADER], ["no rows"]),
]


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    path.write_text("".join(",".join(r) + "\n" for r in rows))
    return path


def write_xlsx(path: Path, rows: list[list[str]]) -> Path:
    frame = pd.DataFrame(rows[1:], columns=rows[0]) if rows else pd.DataFrame()
    # numbers as numbers where they are numbers, as an officer's workbook would have them
    for col in frame.columns:
        frame[col] = [try_number(v) for v in frame[col]]
    frame.to_excel(path, index=False, sheet_name="spend")
    return path


def try_number(v: str) -> object:
    try:
        return float(v)
    except ValueError:
        return v


def test_xlsx_reads_like_csv(tmp_path: Path) -> None:
    inst = load_instance(TINY)
    a_csv = load_actual(inst, write_csv(tmp_path / "spend.csv", [HEADER, *GOOD]))
    a_xlsx = load_actual(inst, write_xlsx(tmp_path / "spend.xlsx", [HEADER, *GOOD]))
    assert (a_csv.volume == a_xlsx.volume).all()
    assert a_xlsx.volume.sum() == pytest.approx(120.0)


def test_compare_with_xlsx(tmp_path: Path, runner) -> None:
    path = write_xlsx(tmp_path / "spend.xlsx", [HEADER, *GOOD])
    res = runner.invoke(app, ["compare", str(TINY), "--actual", str(path), "--points", "0"])
    assert res.exit_code == 0, res.output
    assert "90% of the money" in res.output


def test_actual_by_name_in_instance(tiny_copy: Path, runner) -> None:
    write_xlsx(tiny_copy / "actual" / "book.xlsx", [HEADER, *GOOD])
    (tiny_copy / "actual" / "spend.csv").unlink()
    res = runner.invoke(app, ["compare", str(tiny_copy), "--actual", "book", "--points", "0"])
    assert res.exit_code == 0, res.output


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
@pytest.mark.parametrize(("name", "rows", "words"), BAD, ids=[b[0] for b in BAD])
def test_bad_actual_file_exits_2(
    tmp_path: Path, runner, suffix: str, name: str, rows: list[list[str]], words: list[str]
) -> None:
    path = tmp_path / f"{name}{suffix}"
    (write_csv if suffix == ".csv" else write_xlsx)(path, rows)
    out = tmp_path / "out"
    res = runner.invoke(app, ["compare", str(TINY), "--actual", str(path), "--out", str(out)])
    assert res.exit_code == 2, res.output
    assert path.name in res.output
    for w in words:
        assert w in res.output, (w, res.output)
    assert "Traceback" not in res.output
    assert not out.exists(), "nothing is written for bad input"


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_empty_file_exits_2(tmp_path: Path, runner, suffix: str) -> None:
    path = tmp_path / f"empty{suffix}"
    if suffix == ".csv":
        path.write_text("")
    else:
        pd.DataFrame().to_excel(path, index=False)
    res = runner.invoke(app, ["compare", str(TINY), "--actual", str(path)])
    assert res.exit_code == 2, res.output
    assert path.name in res.output and "empty" in res.output


def test_not_a_workbook_exits_2(tmp_path: Path, runner) -> None:
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"this is not a zip file")
    res = runner.invoke(app, ["compare", str(TINY), "--actual", str(path)])
    assert res.exit_code == 2, res.output
    assert "broken.xlsx" in res.output


def test_other_extension_exits_2(tmp_path: Path, runner) -> None:
    path = write_csv(tmp_path / "spend.txt", [HEADER, *GOOD])
    res = runner.invoke(app, ["compare", str(TINY), "--actual", str(path)])
    assert res.exit_code == 2, res.output
    assert ".csv or .xlsx" in res.output


def test_zero_spend_exits_2(tmp_path: Path, runner) -> None:
    path = write_csv(tmp_path / "zero.csv", [HEADER, ["Alpha", "m1", "0"]])
    res = runner.invoke(app, ["compare", str(TINY), "--actual", str(path)])
    assert res.exit_code == 2, res.output
    assert "zero.csv" in res.output and "no budget cost" in res.output
