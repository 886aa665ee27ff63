"""The consoles are made when a command runs: the run's $COLUMNS and stream decide the
width of its tables (a process that imported the CLI earlier, such as a test worker,
does not), and lines written to a pipe or a file never end in spaces."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.table import Table
from typer.testing import CliRunner

from optimizer.cli import app
from optimizer.cli.common import Stream

KZ = Path(__file__).resolve().parents[1] / "instances" / "kazakhstan"
FRAME = tuple("┏┃│└┡┗")


def table_widths(columns: str | None) -> list[int]:
    """The widths of the table lines `solve` prints with $COLUMNS set to `columns`."""
    res = CliRunner().invoke(app, ["solve", str(KZ), "--lang", "ru"], env={"COLUMNS": columns})
    assert res.exit_code == 0, res.output
    return [len(line) for line in res.stdout.splitlines() if line.startswith(FRAME)]


def test_tables_take_the_runs_width() -> None:
    """The same process, three runs: $COLUMNS is read by each run, not at import."""
    assert max(table_widths("60")) <= 60
    assert max(table_widths(None)) == 140  # piped, $COLUMNS unset: room for wide tables
    assert max(table_widths("60")) <= 60


def test_lines_into_a_pipe_end_in_no_space(monkeypatch: pytest.MonkeyPatch) -> None:
    """rich pads a wrapped left-justified title to the table's width; the pads go."""
    piped = io.StringIO()
    monkeypatch.setattr("sys.stdout", piped)
    table = Table(title="Top towns", title_justify="left")
    table.add_column("a")
    table.add_row("b")
    stream = Stream(stderr=False)
    stream.print(table)
    lines = piped.getvalue().splitlines()
    assert lines[:2] == ["Top", "towns"]
    assert not [line for line in lines if line.endswith(" ")]
