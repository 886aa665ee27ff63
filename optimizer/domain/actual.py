"""Actual spend files (SPEC section 7): `town,measure,amount_mln` rows (and, with
projects, `project,fraction`), as .csv or an .xlsx. A spend is read into a (towns x
measures) volume matrix and scored by `domain.evaluate` exactly like an optimal
allocation; `check_actual_files` is what `validate` runs on actual/.

A workbook is read as a person opening it sees it: the sheet it opens at (the active
sheet, or the first visible one when that is hidden), or the sheet named with
`file.xlsx#sheet`; never a hidden sheet left over with old figures. Rows a reader
does not see (hidden, or filtered out by an autofilter) are refused with their row
numbers rather than counted. A name in actual/ that two files share (`x.csv` and
`x.xlsx`) is refused: which one was meant cannot be told.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from optimizer.domain.instance import Instance
from optimizer.domain.tables import (
    Table,
    cell_at,
    cell_of,
    parse_number,
    read_table,
    require_columns,
    row_at,
    table_from_rows,
)
from optimizer.errors import InstanceError
from optimizer.i18n import _, ngettext

ACTUAL_COLUMNS = ("town", "measure", "amount_mln")
PROJECT_COLUMNS = ("project", "fraction")  # SPEC section 12: funded projects
OPTIONAL_COLUMNS = ("note", "source", "year")
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
SPEND_SUFFIXES = (".csv", *WORKBOOK_SUFFIXES)
ROWS_NAMED = 20  # hidden rows named one by one in a message; the rest are counted


@dataclass(frozen=True, eq=False)
class ActualSpend:
    """A validated actual spend: volume (T, M) in millions, and where it came from."""

    name: str
    path: Path
    volume: np.ndarray
    # (P,) each project's funded fraction when the file lists projects (`project,fraction`
    # rows, SPEC section 12); None when it lists cells only
    fractions: np.ndarray | None = None


def parse_actual_rows(
    table: Table,
    town_pos: dict[str, int],
    measure_pos: dict[str, int],
    projects: dict[str, tuple[int, float]],
    problems: list[str],
) -> tuple[np.ndarray, np.ndarray | None] | None:
    """Volumes (T, M) and, when the table lists projects, their fractions (P,).

    Cell rows have `town,measure,amount_mln`; project rows (an instance with projects,
    SPEC section 12) have `project,fraction` and leave the cell columns empty. A file
    may hold either kind or both. `projects`: name -> (index, min_fraction)."""
    before = len(problems)
    has_projects = "project" in table.header
    if has_projects and not projects:
        problems.append(
            _("{file}: column {column}: the instance has no projects.csv").format(
                file=table.name, column="'project'"
            )
        )
        return None
    required: tuple[str, ...] = PROJECT_COLUMNS if has_projects else ACTUAL_COLUMNS
    if has_projects and any(c in table.header for c in ACTUAL_COLUMNS):
        required = ACTUAL_COLUMNS + PROJECT_COLUMNS
    if not require_columns(table, required, problems):
        return None
    known = ACTUAL_COLUMNS + OPTIONAL_COLUMNS + (PROJECT_COLUMNS if projects else ())
    expected = ", ".join(ACTUAL_COLUMNS)
    if projects:
        expected = _("{cells} and/or {projects}").format(
            cells=expected, projects=", ".join(PROJECT_COLUMNS)
        )
    for col in table.header:
        if col not in known:
            problems.append(
                _("{file}: unknown column {column} (expected {expected})").format(
                    file=table.name, column=repr(col), expected=expected
                )
            )
    if not table.rows:
        problems.append(_("{file}: no rows (the file has only a header)").format(file=table.name))
        return None
    volume = np.zeros(
        (max(town_pos.values(), default=-1) + 1, max(measure_pos.values(), default=-1) + 1)
    )
    fractions = np.zeros(len(projects)) if has_projects else None
    seen: dict[tuple[str, str], int] = {}
    seen_p: dict[str, int] = {}
    for i, row in enumerate(table.rows):
        cells = dict(zip(table.header, row, strict=False))
        if fractions is not None and cells.get("project", ""):
            project_row(table, i, cells, projects, seen_p, fractions, problems)
            continue
        cell = cell_of(table, i, cells, town_pos, measure_pos, seen, problems)
        amount = parse_number(table, i, "amount_mln", cells.get("amount_mln", ""), problems)
        if cell is not None and amount is not None:
            volume[cell] = amount
    return (volume, fractions) if len(problems) == before else None


def project_row(
    table: Table,
    i: int,
    cells: dict[str, str],
    projects: dict[str, tuple[int, float]],
    seen: dict[str, int],
    fractions: np.ndarray,
    problems: list[str],
) -> None:
    """One `project,fraction` row: a known project, listed once, a fraction in [0, 1]
    (0 or at least its min_fraction: 0 or 1 all or nothing), and no cell columns filled."""
    name = cells.get("project", "")
    line = table.line(i)
    for col in ACTUAL_COLUMNS:
        if cells.get(col, ""):
            problems.append(
                _(
                    "{where}: a project row leaves the cell columns empty (its volume is the "
                    "project's own, in its town and measure)"
                ).format(where=cell_at(table.name, line, col))
            )
    if name not in projects:
        problems.append(
            _("{where}: unknown project {name}").format(
                where=cell_at(table.name, line, "project"), name=repr(name)
            )
        )
        return
    if name in seen:
        problems.append(
            _("{where}: duplicate project {name} (also row {other})").format(
                where=row_at(table.name, line), name=repr(name), other=table.line(seen[name])
            )
        )
        return
    seen[name] = i
    y = parse_number(table, i, "fraction", cells.get("fraction", ""), problems)
    if y is None:
        return
    index, least = projects[name]
    where = cell_at(table.name, line, "fraction")
    if not 0.0 <= y <= 1.0:
        problems.append(
            _("{where}: {value} is not between 0 and 1").format(where=where, value=f"{y:g}")
        )
    elif least >= 1.0 and y not in (0.0, 1.0):
        problems.append(
            _(
                "{where}: project {name} is funded all or nothing, so its fraction is 0 or 1, "
                "not {value}"
            ).format(where=where, name=repr(name), value=f"{y:g}")
        )
    elif 0.0 < y < least:
        problems.append(
            _(
                "{where}: project {name} is funded at 0 or at least its min_fraction {least}, "
                "not {value}"
            ).format(where=where, name=repr(name), least=f"{least:g}", value=f"{y:g}")
        )
    else:
        fractions[index] = y


def xlsx_table(path: Path, problems: list[str], sheet: str | None = None) -> Table | None:
    """The sheet a person sees (`shown_sheet`) of a workbook as a table of strings.

    A sheet must be a plain table: the header in its first non-empty row, no merged
    cells (only their top-left cell holds the value, the rest read as empty), no
    formula without a value saved with it (files written by scripts, not by Excel,
    carry formulas but no results: the amount would read as empty), and no hidden or
    filtered-out row holding values (a reader of the sheet would not see it counted)."""
    from openpyxl import load_workbook

    try:
        values_book = load_workbook(path, data_only=True)
        formulas_book = load_workbook(path, data_only=False)
    except Exception as e:  # openpyxl raises many kinds for a broken workbook
        problems.append(
            _("{file}: cannot be read as a workbook ({reason})").format(
                file=path, reason=f"{type(e).__name__}: {e}"
            )
        )
        return None
    title = shown_sheet(values_book, path, sheet, problems)
    if title is None:
        return None
    values, formulas = values_book[title], formulas_book[title]
    before = len(problems)
    for merged in sorted(str(r) for r in values.merged_cells.ranges):
        problems.append(
            _(
                "{file}: sheet {sheet}: merged cells {cells}; unmerge them and write the value "
                "in every cell"
            ).format(file=path, sheet=repr(values.title), cells=merged)
        )
    rows: list[tuple[str, ...]] = []
    filled: list[int] = []  # sheet row numbers of the rows holding a value
    for vrow, frow in zip(values.iter_rows(), formulas.iter_rows(), strict=False):
        for v, f in zip(vrow, frow, strict=False):
            if v.value is None and isinstance(f.value, str) and f.value.startswith("="):
                problems.append(
                    _(
                        "{file}: sheet {sheet}, cell {cell}: the formula {formula} has no saved "
                        "value; open and save the file in a spreadsheet program, or write the "
                        "number"
                    ).format(
                        file=path, sheet=repr(values.title), cell=f.coordinate, formula=f.value
                    )
                )
        rows.append(tuple("" if c.value is None else str(c.value).strip() for c in vrow))
        if vrow and any(rows[-1]):
            filled.append(vrow[0].row)
    problems.extend(unseen_row_problems(path, values, filled))
    if len(problems) > before:
        return None
    # Trailing empty columns are formatting, not fields.
    width = max((max((i + 1 for i, c in enumerate(r) if c), default=0) for r in rows), default=0)
    rows = [r[:width] for r in rows]
    kept = [r for r in rows if any(r)]
    if kept and len([c for c in kept[0] if c]) == 1 and width > 1:
        problems.append(
            _(
                "{file}: sheet {sheet}: the first row holds only {value}; the first non-empty "
                "row must be the header (town, measure, amount_mln), so remove the title row"
            ).format(file=path, sheet=repr(values.title), value=repr(kept[0][0]))
        )
        return None
    header = next((r for r in rows if any(r)), ())
    hwidth = max((i + 1 for i, c in enumerate(header) if c), default=0)
    out = []
    for r in rows:
        if any(r[hwidth:]):
            out.append(r)  # more fields than the header: table_from_rows says so
        else:
            out.append(r[:hwidth])
    return table_from_rows(str(path), out, problems)


def shown_sheet(book: Any, path: Path, sheet: str | None, problems: list[str]) -> str | None:
    """The title of the sheet to read: the one named (`file.xlsx#sheet`, matched as
    Excel does, case aside), else the sheet the workbook opens at, else (that one
    hidden, or a chart) the first visible worksheet, as Excel shows it. A hidden sheet
    is read only when named: it is where old figures are kept out of sight."""
    from openpyxl.worksheet.worksheet import Worksheet

    tables = [ws.title for ws in book.worksheets]
    if sheet is not None:
        named = [t for t in tables if t == sheet] or [
            t for t in tables if t.casefold() == sheet.casefold()
        ]
        if len(named) == 1:
            return named[0]
        problems.append(
            _("{file}: no sheet {sheet} (the workbook has {sheets})").format(
                file=path, sheet=repr(sheet), sheets=", ".join(repr(t) for t in tables)
            )
        )
        return None
    active = book.active
    if isinstance(active, Worksheet) and active.sheet_state == "visible":
        return str(active.title)
    visible = [ws.title for ws in book.worksheets if ws.sheet_state == "visible"]
    if visible:
        return str(visible[0])
    problems.append(
        _(
            "{file}: no visible sheet holds a table; unhide the sheet to read, or name it "
            "as {example}"
        ).format(file=path, example=f"{path.name}#<sheet>")
    )
    return None


def unseen_row_problems(path: Path, ws: Any, filled: list[int]) -> list[str]:
    """Rows holding values that a reader of the sheet does not see: filtered out by
    the sheet's autofilter (a row it hides inside its range), or hidden otherwise.
    Counting them would add money nobody looking at the sheet sees; dropping them
    would lose money someone wrote: either way the file is refused, naming them."""
    from openpyxl.utils import range_boundaries

    hidden = [r for r in filled if r in ws.row_dimensions and ws.row_dimensions[r].hidden]
    if not hidden:
        return []
    first = last = 0
    if ws.auto_filter.ref and ws.auto_filter.filterColumn:
        _c1, top, _c2, bottom = range_boundaries(ws.auto_filter.ref)
        first, last = (top or 0) + 1, bottom or 0  # the filter's header row stays shown
    filtered = [r for r in hidden if first <= r <= last]
    other = [r for r in hidden if r not in filtered]
    sheet = repr(ws.title)
    problems = []
    if filtered:
        problems.append(
            ngettext(
                "{file}: sheet {sheet}: row {rows} is filtered out by the autofilter, so a "
                "reader of the sheet does not see it; clear the filter, or delete the row",
                "{file}: sheet {sheet}: rows {rows} are filtered out by the autofilter, so a "
                "reader of the sheet does not see them; clear the filter, or delete the rows",
                len(filtered),
            ).format(file=path, sheet=sheet, rows=row_list(filtered))
        )
    if other:
        problems.append(
            ngettext(
                "{file}: sheet {sheet}: row {rows} is hidden, so a reader of the sheet does "
                "not see it; unhide it, or delete it",
                "{file}: sheet {sheet}: rows {rows} are hidden, so a reader of the sheet does "
                "not see them; unhide them, or delete them",
                len(other),
            ).format(file=path, sheet=sheet, rows=row_list(other))
        )
    return problems


def row_list(rows: list[int]) -> str:
    """Sheet row numbers for a message: the first ROWS_NAMED, then how many more."""
    named = ", ".join(str(r) for r in rows[:ROWS_NAMED])
    if len(rows) <= ROWS_NAMED:
        return named
    return _("{rows} and {count} more").format(rows=named, count=len(rows) - ROWS_NAMED)


def split_sheet(ref: str | Path) -> tuple[str | Path, str | None]:
    """`book.xlsx#sheet` (a path) or `book#sheet` (a name in actual/) -> the file's
    reference and the sheet; anything else, a file whose own name holds `#` included,
    is a reference without a sheet."""
    text = str(ref)
    head, sep, sheet = text.rpartition("#")
    if not sep or not head or not sheet or Path(text).is_file():
        return ref, None
    named = Path(head)
    if named.suffix.lower() in WORKBOOK_SUFFIXES or (named.suffix == "" and len(named.parts) == 1):
        return head, sheet
    return ref, None


def resolve_actual_path(instance: Instance, ref: str | Path, workbook: bool = False) -> Path:
    """A name in the instance's actual/ folder (without extension), or a path.

    A name two files share (`x.csv` and `x.xlsx`) is refused: which one is meant
    cannot be told, and taking either would read a spend nobody chose. `workbook`:
    a sheet was named, so only workbooks answer to the name."""
    raw = Path(ref)
    if raw.suffix == "" and len(raw.parts) == 1:
        suffixes = WORKBOOK_SUFFIXES if workbook else SPEND_SUFFIXES
        in_folder = [instance.path / "actual" / f"{raw}{s}" for s in suffixes]
        found = [c for c in in_folder if c.is_file()]
        if len(found) > 1:
            raise InstanceError(shared_name(str(raw), found))
        candidates = [*in_folder, raw]
    else:
        candidates = [raw]
    for c in candidates:
        if c.is_file():
            return c
    raise InstanceError(
        _("actual spend {name}: no such file (looked for {paths})").format(
            name=repr(str(ref)), paths=", ".join(str(c) for c in candidates)
        )
    )


def shared_name(name: str, paths: list[Path]) -> str:
    """The problem of a spend name that several files in actual/ answer to."""
    return _(
        "actual spend {name}: {files} share that name, so which one is meant cannot be "
        "told; rename or remove all but one, or give the file's path"
    ).format(name=repr(name), files=", ".join(str(p) for p in paths))


def load_actual(instance: Instance, ref: str | Path) -> ActualSpend:
    """Read and validate an actual spend file (.csv, or a sheet of an .xlsx: the one
    it opens at, or `file.xlsx#sheet`)."""
    file_ref, sheet = split_sheet(ref)
    path = resolve_actual_path(instance, file_ref, workbook=sheet is not None)
    problems: list[str] = []
    if path.suffix.lower() in WORKBOOK_SUFFIXES:
        table = xlsx_table(path, problems, sheet)
    elif path.suffix.lower() == ".csv" and sheet is None:
        table = read_table(path, problems)
    elif path.suffix.lower() == ".csv":
        raise InstanceError(
            _("{file}: a CSV file has no sheets; {sheet} names a sheet of a workbook").format(
                file=path, sheet=repr(f"#{sheet}")
            )
        )
    else:
        raise InstanceError(
            _("{file}: actual spend must be a .csv or .xlsx file").format(file=path)
        )
    parsed = None
    if table is not None:
        town_pos = {n: i for i, n in enumerate(instance.towns)}
        measure_pos = {n: i for i, n in enumerate(instance.measures)}
        parsed = parse_actual_rows(table, town_pos, measure_pos, project_index(instance),
                                   problems)  # fmt: skip
    if problems or parsed is None:
        raise InstanceError(
            problems[0] if problems else _("{file}: unreadable").format(file=path), problems
        )
    volume, fractions = parsed
    return ActualSpend(name=path.stem, path=path, volume=volume, fractions=fractions)


def project_index(instance: Instance) -> dict[str, tuple[int, float]]:
    """Project name -> (index, min_fraction); empty without projects."""
    pr = instance.projects
    if pr is None:
        return {}
    return {n: (p, float(pr.min_fraction[p])) for p, n in enumerate(pr.names)}


def check_actual_files(instance: Instance) -> list[str]:
    """Every problem of every actual-spend file in the instance's actual/ folder
    (.csv and .xlsx), as `validate` lists them; empty when all read cleanly."""
    folder = instance.path / "actual"
    if not folder.is_dir():
        return []
    problems: list[str] = []
    paths = [p for p in sorted(folder.iterdir())
             if p.suffix.lower() in SPEND_SUFFIXES and not p.name.startswith((".", "~$"))]  # fmt: skip
    stems: dict[str, list[Path]] = {}
    for path in paths:
        stems.setdefault(path.stem, []).append(path)
    problems.extend(shared_name(n, ps) for n, ps in stems.items() if len(ps) > 1)
    for path in paths:
        try:
            load_actual(instance, path)
        except InstanceError as e:
            problems.extend(e.problems or [str(e)])
    return problems
