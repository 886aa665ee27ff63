"""Spend workbooks are read as a person sees them (issue rows S1, S2, S3): the active
visible sheet (or the one named with `file.xlsx#sheet`), hidden and filtered rows
refused with their row numbers, and two files of one name in actual/ refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from optimizer.cli import app
from optimizer.domain.actual import check_actual_files, load_actual
from optimizer.domain.instance import load_instance
from optimizer.errors import InstanceError

TINY = Path(__file__).parent / "data" / "tiny"
HEADER = ("town", "measure", "amount_mln")
GOOD = [("Alpha", "m1", 60.0), ("Alpha", "m2", 40.0), ("Beta", "m1", 20.0)]
OLD = [("Alpha", "m1", 1_000_000.0), ("Beta", "m2", 5.0)]


def fill(ws: Worksheet, rows: list[tuple[object, ...]]) -> Worksheet:
    """The header and the rows, from A1."""
    ws.append(HEADER)
    for r in rows:
        ws.append(r)
    return ws


def book_with_hidden_old_sheet(path: Path) -> Path:
    """An officer's workbook: last year's figures on a hidden first sheet, this year's
    on the second, the one Excel opens at."""
    wb = Workbook()
    old = fill(wb.active, OLD)
    old.title = "2019"
    old.sheet_state = "hidden"
    fill(wb.create_sheet("2020"), GOOD)
    wb.active = 1
    wb.save(path)
    return path


def test_hidden_first_sheet_is_never_read(tmp_path: Path) -> None:
    """S1: the active visible sheet is read, not the hidden first one."""
    spend = load_actual(load_instance(TINY), book_with_hidden_old_sheet(tmp_path / "b.xlsx"))
    assert spend.volume.sum() == pytest.approx(120.0)


def test_active_sheet_hidden_falls_to_first_visible(tmp_path: Path) -> None:
    """A workbook whose active sheet is hidden (scripts can write one): Excel shows the
    first visible sheet, and that is the one read."""
    wb = Workbook()
    fill(wb.active, GOOD).title = "now"
    old = fill(wb.create_sheet("old"), OLD)
    old.sheet_state = "hidden"
    wb.active = 1
    wb.save(tmp_path / "b.xlsx")
    spend = load_actual(load_instance(TINY), tmp_path / "b.xlsx")
    assert spend.volume.sum() == pytest.approx(120.0)


def test_sheet_named_with_hash(tmp_path: Path, runner) -> None:
    """`file.xlsx#sheet` reads that sheet, hidden or not; an unknown sheet is refused
    naming the sheets there are."""
    path = book_with_hidden_old_sheet(tmp_path / "b.xlsx")
    inst = load_instance(TINY)
    assert load_actual(inst, f"{path}#2020").volume.sum() == pytest.approx(120.0)
    assert load_actual(inst, f"{path}#2019").volume.sum() == pytest.approx(1_000_005.0)
    res = runner.invoke(app, ["compare", str(TINY), "--actual", f"{path}#2021", "--points", "0"])
    assert res.exit_code == 2, res.output
    assert "b.xlsx" in res.output and "2021" in res.output and "2020" in res.output


def test_sheet_named_in_actual_folder(tiny_copy: Path, runner) -> None:
    """`name#sheet` names a workbook in actual/ and its sheet."""
    book_with_hidden_old_sheet(tiny_copy / "actual" / "book.xlsx")
    (tiny_copy / "actual" / "spend.csv").unlink()
    spend = load_actual(load_instance(tiny_copy), "book#2020")
    assert spend.volume.sum() == pytest.approx(120.0)
    assert spend.name == "book"


def test_hidden_row_exits_2_naming_it(tmp_path: Path, runner) -> None:
    """S2: a hidden row is refused with its row number, not counted."""
    wb = Workbook()
    ws = fill(wb.active, [*GOOD, ("Beta", "m2", 5000.0)])
    ws.title = "spend"
    ws.row_dimensions[5].hidden = True
    wb.save(tmp_path / "hidden.xlsx")
    res = runner.invoke(app, ["compare", str(TINY), "--actual", str(tmp_path / "hidden.xlsx")])
    assert res.exit_code == 2, res.output
    assert "hidden.xlsx" in res.output and "'spend'" in res.output
    assert "5" in res.output and "hidden" in res.output
    assert "Traceback" not in res.output


def test_filtered_rows_exit_2_naming_them(tmp_path: Path, runner) -> None:
    """S2: rows an autofilter hides are refused with their row numbers."""
    wb = Workbook()
    ws = fill(wb.active, [*GOOD, ("Beta", "m2", 5000.0), ("Beta", "m2", 7.0)])
    ws.title = "spend"
    ws.auto_filter.ref = "A1:C6"
    ws.auto_filter.add_filter_column(0, ["Alpha"])
    ws.row_dimensions[4].hidden = True
    ws.row_dimensions[5].hidden = True
    ws.row_dimensions[6].hidden = True
    wb.save(tmp_path / "filtered.xlsx")
    with pytest.raises(InstanceError) as e:
        load_actual(load_instance(TINY), tmp_path / "filtered.xlsx")
    message = str(e.value)
    assert "filtered.xlsx" in message and "'spend'" in message
    assert "4, 5, 6" in message and "filter" in message


def test_hidden_empty_row_is_harmless(tmp_path: Path) -> None:
    """A hidden row holding nothing hides nothing."""
    wb = Workbook()
    ws = fill(wb.active, GOOD)
    ws.row_dimensions[9].hidden = True
    wb.save(tmp_path / "b.xlsx")
    assert load_actual(load_instance(TINY), tmp_path / "b.xlsx").volume.sum() == 120.0


def test_two_files_of_one_name_refused(tiny_copy: Path, runner) -> None:
    """S3: actual/x.csv beside actual/x.xlsx: `--actual x` is refused, `validate`
    reports it."""
    folder = tiny_copy / "actual"
    (folder / "x.csv").write_text("town,measure,amount_mln\nAlpha,m1,60\n")
    wb = Workbook()
    fill(wb.active, GOOD)
    wb.save(folder / "x.xlsx")
    res = runner.invoke(app, ["compare", str(tiny_copy), "--actual", "x", "--points", "0"])
    assert res.exit_code == 2, res.output
    assert "x.csv" in res.output and "x.xlsx" in res.output
    problems = check_actual_files(load_instance(tiny_copy))
    assert any("x.csv" in p and "x.xlsx" in p for p in problems), problems
    res = runner.invoke(app, ["validate", str(tiny_copy)])
    assert res.exit_code == 2, res.output
    assert "x.xlsx" in res.output
    # a path names one file, so it is read
    assert load_actual(load_instance(tiny_copy), folder / "x.xlsx").volume.sum() == 120.0


def test_many_hidden_rows_named_then_counted(tmp_path: Path) -> None:
    """Thirty hidden rows: the first twenty are named, the rest counted."""
    wb = Workbook()
    ws = fill(wb.active, [("Alpha", "m1", 1.0)] * 31)
    for r in range(3, 33):
        ws.row_dimensions[r].hidden = True
    wb.save(tmp_path / "many.xlsx")
    with pytest.raises(InstanceError) as e:
        load_actual(load_instance(TINY), tmp_path / "many.xlsx")
    assert "3, 4, 5" in str(e.value) and "22 and 10 more" in str(e.value)
