"""CSV files read once, the same way for every file: a `Table` of strings with the
spreadsheet row of each data row, rows with more or fewer fields than the header
refused, numbers and booleans parsed with their range checked, and every problem
named by file, row and column.
"""

from __future__ import annotations

import csv
import hashlib
import math
from dataclasses import dataclass
from pathlib import Path

TRUE_WORDS = {"true", "1", "yes", "y"}

# The largest magnitude any number of an instance, scenario, actual spend or option may
# have. HiGHS rejects matrix entries above 1e15 and treats bounds from 1e20 on as
# infinite, and a coefficient is a product of two inputs (an effect per million times a
# tier multiplier); 1e12 keeps every entry and bound representable with room to spare.
# In money, 1e12 million is about ten thousand times the world's yearly output.
MAX_NUMBER = 1e12
LIMIT_WHY = "the largest number the model holds (HiGHS treats 1e20 as infinite)"
FALSE_WORDS = {"false", "0", "no", "n"}


@dataclass(frozen=True)
class Table:
    """A CSV file read as strings: header and rows, with the file name for messages."""

    name: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    lines: tuple[int, ...] = ()  # spreadsheet row of each data row (blank rows are skipped)

    def line(self, i: int) -> int:
        """The 1-based spreadsheet row of data row i (the header is row 1)."""
        return self.lines[i] if self.lines else i + 2

    def column(self, col: str) -> list[str]:
        i = self.header.index(col)
        return [r[i] if i < len(r) else "" for r in self.rows]


# ----------------------------------------------------------------------------- reading


def read_table(path: Path, problems: list[str]) -> Table | None:
    """Read a CSV as strings; record a problem and return None if it cannot be read."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            rows = [tuple(c.strip() for c in r) for r in csv.reader(fh)]
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        problems.append(f"{path}: cannot be read ({e})")
        return None
    return table_from_rows(str(path), rows, problems)


def table_from_rows(name: str, rows: list[tuple[str, ...]], problems: list[str]) -> Table | None:
    """Header and data rows, skipping blank rows but keeping their spreadsheet numbers.

    A row with more or fewer fields than the header is bad input: an unquoted
    thousands separator (`Rudny,...,111,908`) or decimal comma (`633,3`) splits one
    number into two fields, and reading the first of them would be a silent error."""
    kept = [(n, r) for n, r in enumerate(rows, start=1) if any(c for c in r)]
    if not kept:
        problems.append(f"{name}: the file is empty (a header row is required)")
        return None
    (_, header), data = kept[0], kept[1:]
    for n, r in data:
        if len(r) != len(header):
            problems.append(
                f"{name}: row {n}: {len(r)} fields where the header has {len(header)} "
                f"({','.join(r)}); a number written with a thousands separator or a "
                "decimal comma must be quoted or written plainly (908111, 633.3)"
            )
    return Table(name, header, tuple(r for _, r in data), tuple(n for n, _ in data))


def require_columns(
    table: Table, required: tuple[str, ...] | list[str], problems: list[str]
) -> bool:
    missing = [c for c in required if c not in table.header]
    for c in missing:
        problems.append(f"{table.name}: missing required column {c!r}")
    dup = sorted({c for c in table.header if table.header.count(c) > 1})
    for c in dup:
        problems.append(f"{table.name}: column {c!r} appears more than once in the header")
    return not missing and not dup


def parse_number(
    table: Table,
    row: int,
    col: str,
    raw: str,
    problems: list[str],
    *,
    positive: bool = False,
    allow_empty: bool = False,
) -> float | None:
    """A finite number >= 0 (or > 0); `row` is the 0-based data row."""
    where = f"{table.name}: row {table.line(row)}, column {col!r}"
    if raw == "":
        if allow_empty:
            return None
        problems.append(f"{where}: a number is required, the cell is empty")
        return None
    try:
        value = float(raw.replace("_", ""))
    except ValueError:
        problems.append(f"{where}: {raw!r} is not a number")
        return None
    if not math.isfinite(value):
        problems.append(f"{where}: {raw!r} is not a finite number")
        return None
    if abs(value) > MAX_NUMBER:
        problems.append(f"{where}: {raw} is above {MAX_NUMBER:g}, {LIMIT_WHY}")
        return None
    if positive and value <= 0:
        problems.append(f"{where}: must be greater than 0, got {raw}")
        return None
    if value < 0:
        problems.append(f"{where}: must be 0 or more, got {raw}")
        return None
    return value


def parse_bool(table: Table, row: int, col: str, raw: str, problems: list[str]) -> bool | None:
    low = raw.lower()
    if low in TRUE_WORDS:
        return True
    if low in FALSE_WORDS:
        return False
    problems.append(
        f"{table.name}: row {table.line(row)}, column {col!r}: {raw!r} is not true/false"
    )
    return None


def file_digest(root: Path, names: list[str]) -> str:
    """One sha256 over the instance's files (name and bytes), in a stable order."""
    h = hashlib.sha256()
    for name in sorted(names):
        h.update(name.encode())
        h.update(b"\0")
        h.update((root / name).read_bytes())
        h.update(b"\0")
    return h.hexdigest()


def first_positions(names: list[str]) -> dict[str, int]:
    """Name -> row of its first occurrence (duplicates are reported separately)."""
    out: dict[str, int] = {}
    for i, n in enumerate(names):
        out.setdefault(n, i)
    return out


def cell_of(
    table: Table,
    i: int,
    cells: dict[str, str],
    town_pos: dict[str, int],
    measure_pos: dict[str, int],
    seen: dict[tuple[str, str], int],
    problems: list[str],
) -> tuple[int, int] | None:
    """The (town, measure) cell a `town,measure,...` row names, or None with every
    problem recorded: an unknown town or measure, a cell listed twice."""
    town, meas = cells.get("town", ""), cells.get("measure", "")
    ok = True
    if town not in town_pos:
        problems.append(f"{table.name}: row {table.line(i)}, column 'town': unknown town {town!r}")
        ok = False
    if meas not in measure_pos:
        problems.append(
            f"{table.name}: row {table.line(i)}, column 'measure': unknown measure {meas!r}"
        )
        ok = False
    if (town, meas) in seen:
        problems.append(
            f"{table.name}: row {table.line(i)}: duplicate cell ({town}, {meas}) "
            f"(also row {table.line(seen[(town, meas)])})"
        )
        ok = False
    seen[(town, meas)] = i
    return (town_pos[town], measure_pos[meas]) if ok else None
