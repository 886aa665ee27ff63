"""CSV files read once, the same way for every file: a `Table` of strings with the
spreadsheet row of each data row, rows with more or fewer fields than the header
refused, numbers and booleans parsed with their range checked, and every problem
named by file, row and column.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import io
import math
from dataclasses import dataclass
from pathlib import Path

from optimizer.i18n import N_, _, language

TRUE_WORDS = {"true", "1", "yes", "y"}

# The largest magnitude any number of an instance, scenario, actual spend or option may
# have. HiGHS rejects matrix entries above 1e15 and treats bounds from 1e20 on as
# infinite, and a coefficient is a product of two inputs (an effect per million times a
# tier multiplier); 1e12 keeps every entry and bound representable with room to spare.
# In money, 1e12 million is about ten thousand times the world's yearly output.
MAX_NUMBER = 1e12
LIMIT_WHY = N_("the largest number the model holds (HiGHS treats 1e20 as infinite)")
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


# ----------------------------------------------------------------------------- messages
# Every problem starts with where it is: the file, then the spreadsheet row, then the
# column (or the TOML key). The words are translated, the names and numbers are not.


def row_at(name: str | Path, line: int) -> str:
    """`towns.csv: row 3`."""
    return _("{file}: row {row}").format(file=name, row=line)


def cell_at(name: str | Path, line: int, col: str) -> str:
    """`towns.csv: row 3, column 'tier'`."""
    return _("{file}: row {row}, column {column}").format(file=name, row=line, column=repr(col))


def key_at(name: str | Path, key: str) -> str:
    """`scenario.toml: key 'objective.weights'`; `key` as it is quoted in the message."""
    return _("{file}: key {key}").format(file=name, key=key)


def local_number(text: str) -> str:
    """A number formatted the English way (`30,000.5`, Python's `,` format) written as
    the language in use writes it: Russian and Kazakh group digits with a no-break space
    and use a decimal comma (`30 000,5`), the same as `outputs.text`'s Babel formats, for
    the layers below outputs (a diagnosis, a solver's message)."""
    if language() == "en":
        return text
    return text.replace(",", "\u00a0").replace(".", ",")


def too_large(where: str, value: str) -> str:
    """A number above MAX_NUMBER, `value` as the input wrote it."""
    return _("{where}: {value} is above {limit}, {why}").format(
        where=where, value=value, limit=f"{MAX_NUMBER:g}", why=_(LIMIT_WHY)
    )


# ----------------------------------------------------------------------------- reading


def read_text(path: Path, problems: list[str]) -> str | None:
    """The text of an input file, decoded the one way every file is: UTF-8, a
    byte-order mark allowed (Excel's "CSV UTF-8", Notepad). Anything else (Excel's
    Cyrillic cp1251, UTF-16) is refused naming the file, not guessed at: a guess that
    decodes is not proof the letters are right. None, with the problem recorded, when
    the file cannot be read."""
    if path.is_dir():
        problems.append(_("{file}: is a folder, a file is expected").format(file=path))
        return None
    try:
        data = path.read_bytes()
    except OSError as e:
        problems.append(
            _("{file}: cannot be read ({reason})").format(file=path, reason=e.strerror or e)
        )
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        problem = not_utf8(path, data, e)
        if problem not in problems:  # the provenance check reads the same file first
            problems.append(problem)
        return None


def not_utf8(path: Path, data: bytes, error: UnicodeDecodeError) -> str:
    """Why a file is not read, and how to make it readable: save it as UTF-8."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        found = _("it is UTF-16")
    else:
        found = _("byte {byte} at position {position} is not UTF-8").format(
            byte=f"0x{data[error.start]:02x}", position=error.start
        )
    if path.suffix.lower() == ".csv":
        return _("{file}: not UTF-8 text ({found}); save it as UTF-8 (in Excel: CSV UTF-8)").format(
            file=path, found=found
        )
    return _("{file}: not UTF-8 text ({found}); save it as UTF-8").format(file=path, found=found)


def read_table(path: Path, problems: list[str]) -> Table | None:
    """Read a CSV as strings; record a problem and return None if it cannot be read."""
    text = read_text(path, problems)
    if text is None:
        return None
    try:
        rows = [tuple(c.strip() for c in r) for r in csv.reader(io.StringIO(text, newline=""))]
    except csv.Error as e:
        problems.append(_("{file}: cannot be read ({reason})").format(file=path, reason=e))
        return None
    return table_from_rows(str(path), rows, problems)


def read_header_row(path: Path, problems: list[str]) -> tuple[str, ...] | None:
    """The header of a CSV (its first non-blank row), read as `read_table` reads it."""
    table = read_table(path, problems)
    return None if table is None else table.header


def table_from_rows(name: str, rows: list[tuple[str, ...]], problems: list[str]) -> Table | None:
    """Header and data rows, skipping blank rows but keeping their spreadsheet numbers.

    A row with more or fewer fields than the header is bad input: an unquoted
    thousands separator (`Rudny,...,111,908`) or decimal comma (`633,3`) splits one
    number into two fields, and reading the first of them would be a silent error."""
    kept = [(n, r) for n, r in enumerate(rows, start=1) if any(c for c in r)]
    if not kept:
        problems.append(_("{file}: the file is empty (a header row is required)").format(file=name))
        return None
    (_first, header), data = kept[0], kept[1:]
    if not nul_free(name, kept, header, problems):
        return None
    for n, r in data:
        if len(r) != len(header):
            problems.append(
                _(
                    "{where}: {n} fields where the header has {columns} ({values}); a number "
                    "written with a thousands separator or a decimal comma must be quoted or "
                    "written plainly (908111, 633.3)"
                ).format(where=row_at(name, n), n=len(r), columns=len(header), values=",".join(r))
            )
    return Table(name, header, tuple(r for _n, r in data), tuple(n for n, _r in data))


def nul_free(
    name: str,
    rows: list[tuple[int, tuple[str, ...]]],
    header: tuple[str, ...],
    problems: list[str],
) -> bool:
    """No cell holds a NUL byte: no text editor or spreadsheet writes one, so the file is
    damaged or not text, and a name with a NUL in it would never match."""
    clean = True
    for n, r in rows:
        for k, cell in enumerate(r):
            if "\x00" in cell:
                col = header[k] if k < len(header) and n != rows[0][0] else f"#{k + 1}"
                problems.append(
                    _(
                        "{where}: a NUL byte (\\0) in the cell; the file is damaged or not text"
                    ).format(where=cell_at(name, n, col))
                )
                clean = False
    return clean


def require_columns(
    table: Table, required: tuple[str, ...] | list[str], problems: list[str]
) -> bool:
    missing = [c for c in required if c not in table.header]
    for c in missing:
        problems.append(
            _("{file}: missing required column {column}").format(file=table.name, column=repr(c))
        )
    dup = sorted({c for c in table.header if table.header.count(c) > 1})
    for c in dup:
        problems.append(
            _("{file}: column {column} appears more than once in the header").format(
                file=table.name, column=repr(c)
            )
        )
    return not missing and not dup


# A column this close to a known one (difflib's ratio) is taken for a misspelling of it,
# even in a file that allows extra columns: `populaton` 0.95, `multiplyer` 0.90,
# `eligable` 0.88; the extra columns of the shipped instances (`population_year` 0.80,
# `region_now` 0.75) stay below it.
NEAR_MISS = 0.85


def near_miss(column: str, known: tuple[str, ...] | list[str], cutoff: float) -> str | None:
    """The known column `column` most likely misspells (a different case counts), or None."""
    for k in known:
        if column.casefold() == k.casefold():
            return k
    close = difflib.get_close_matches(column, list(known), n=1, cutoff=cutoff)
    return close[0] if close else None


def check_columns(
    table: Table,
    known: tuple[str, ...] | list[str],
    problems: list[str],
    *,
    extra_allowed: bool = False,
) -> bool:
    """Every column of the header is one the file may have: a column nobody reads is a
    value silently replaced by its default. In a file that allows extra columns (SPEC:
    towns.csv) only a near miss of a known column is refused. False if any is refused."""
    ok = True
    for col in table.header:
        if col in known:
            continue
        near = near_miss(col, known, NEAR_MISS if extra_allowed else 0.6)
        if extra_allowed and near is None:
            continue
        where = _("{file}: unknown column {column}").format(file=table.name, column=repr(col))
        if near is not None:
            problems.append(
                _("{where}; did you mean {known}?").format(where=where, known=repr(near))
            )
        else:
            problems.append(
                _("{where} (expected {known})").format(where=where, known=", ".join(known))
            )
        ok = False
    return ok


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
    where = cell_at(table.name, table.line(row), col)
    if raw == "":
        if allow_empty:
            return None
        problems.append(_("{where}: a number is required, the cell is empty").format(where=where))
        return None
    try:
        value = float(raw.replace("_", ""))
    except ValueError:
        problems.append(_("{where}: {value} is not a number").format(where=where, value=repr(raw)))
        return None
    if not math.isfinite(value):
        problems.append(
            _("{where}: {value} is not a finite number").format(where=where, value=repr(raw))
        )
        return None
    if abs(value) > MAX_NUMBER:
        problems.append(too_large(where, raw))
        return None
    if positive and value <= 0:
        problems.append(
            _("{where}: must be greater than 0, got {value}").format(where=where, value=raw)
        )
        return None
    if value < 0:
        problems.append(_("{where}: must be 0 or more, got {value}").format(where=where, value=raw))
        return None
    return value


def parse_bool(table: Table, row: int, col: str, raw: str, problems: list[str]) -> bool | None:
    low = raw.lower()
    if low in TRUE_WORDS:
        return True
    if low in FALSE_WORDS:
        return False
    problems.append(
        _("{where}: {value} is not true/false").format(
            where=cell_at(table.name, table.line(row), col), value=repr(raw)
        )
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
    line = table.line(i)
    if town not in town_pos:
        problems.append(
            _("{where}: unknown town {town}").format(
                where=cell_at(table.name, line, "town"), town=repr(town)
            )
        )
        ok = False
    if meas not in measure_pos:
        problems.append(
            _("{where}: unknown measure {measure}").format(
                where=cell_at(table.name, line, "measure"), measure=repr(meas)
            )
        )
        ok = False
    if (town, meas) in seen:
        problems.append(
            _("{where}: duplicate cell ({town}, {measure}) (also row {other})").format(
                where=row_at(table.name, line),
                town=town,
                measure=meas,
                other=table.line(seen[(town, meas)]),
            )
        )
        ok = False
    seen[(town, meas)] = i
    return (town_pos[town], measure_pos[meas]) if ok else None
