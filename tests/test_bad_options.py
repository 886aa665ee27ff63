"""Wrong values of [objective] keys and of command-line options: exit code 2, one line
naming the file and key (or the option), no traceback, no library warning, and no note
that the error then contradicts."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from optimizer.cli import app

SCEN = "scenarios/weighted.toml"


def set_objective_key(folder: Path, line: str, new: str) -> None:
    """Replace one line of the tiny scenario's [objective] table."""
    path = folder / SCEN
    text = path.read_text()
    assert line in text, f"{line!r} not in {SCEN}"
    path.write_text(text.replace(line, new, 1))


def one_line(text: str) -> str:
    """The single non-blank line of `text` (the test fails if there are more)."""
    lines = [ln for ln in text.splitlines() if ln.strip()]
    assert len(lines) == 1, text
    assert "Traceback" not in text and "Warning" not in text, text
    return lines[0]


def invoke_strict(runner, args: list[str]):
    """Run the CLI with every warning turned into an error, so a library warning that
    would reach standard error fails the run instead of passing unseen."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return runner.invoke(app, args)


@pytest.mark.parametrize(
    ("line", "new", "key"),
    [
        ('method = "weighted"', 'method = ["weighted"]', "'objective.method'"),
        ('method = "weighted"', 'method = { name = "weighted" }', "'objective.method'"),
        ('normalize = "payoff"', 'normalize = ["payoff"]', "'objective.normalize'"),
        ('method = "weighted"', 'method = "epsilon"\nprimary = ["jobs"]', "'objective.primary'"),
    ],
    ids=["method list", "method table", "normalize list", "primary list"],
)
def test_objective_word_of_wrong_type_is_bad_input(
    tiny_copy: Path, runner, line: str, new: str, key: str
) -> None:
    set_objective_key(tiny_copy, line, new)
    out = tiny_copy.parent / "out"
    res = runner.invoke(app, ["solve", str(tiny_copy), "--out", str(out)])
    assert res.exit_code == 2, res.output
    text = one_line(res.output)
    assert "weighted.toml" in text and key in text and "string" in text, text
    assert not out.exists()


def test_validate_reports_objective_word_of_wrong_type(tiny_copy: Path, runner) -> None:
    set_objective_key(tiny_copy, 'method = "weighted"', 'method = ["weighted"]')
    res = runner.invoke(app, ["validate", str(tiny_copy)])
    assert res.exit_code == 2, res.output
    assert "weighted.toml" in res.output and "'objective.method'" in res.output
    assert "Traceback" not in res.output


@pytest.mark.parametrize("sigma", ["1e308", "1e10", "40", "inf"])
def test_sigma_out_of_range_is_bad_input(tiny, runner, sigma: str) -> None:
    res = invoke_strict(runner, ["uncertainty", str(tiny), "--draws", "3", "--sigma", sigma])
    assert res.exit_code == 2, res.output
    text = one_line(res.output)
    assert "--sigma" in text and "5" in text, text


def test_sigma_error_is_not_preceded_by_a_note(tiny_copy: Path, runner) -> None:
    """With every measure's own sigma in measures.csv, a bad --sigma is refused alone:
    no note first that calls it merely unused."""
    path = tiny_copy / "measures.csv"
    rows = path.read_text().splitlines()
    rows = [rows[0] + ",sigma"] + [r + ",0.3" for r in rows[1:] if r.strip()]
    path.write_text("\n".join(rows) + "\n")
    res = runner.invoke(app, ["uncertainty", str(tiny_copy), "--draws", "3", "--sigma", "inf"])
    assert res.exit_code == 2, res.output
    text = one_line(res.output)
    assert text.startswith("error:") and "--sigma" in text, text


def test_widest_sigma_draws_without_warnings(tiny, runner) -> None:
    res = invoke_strict(runner, ["uncertainty", str(tiny), "--draws", "20", "--sigma", "5"])
    assert res.exit_code == 0, res.output


def test_gap_on_a_linear_program_is_refused(tiny, tmp_path: Path, runner) -> None:
    out = tmp_path / "out"
    res = runner.invoke(app, ["solve", str(tiny), "--gap", "0.01", "--out", str(out)])
    assert res.exit_code == 2, res.output
    text = one_line(res.output)
    assert "--gap" in text and "projects" in text, text
    assert "mixed-integer solves stopped" not in text
    assert not out.exists()


def test_gap_zero_on_a_linear_program_is_accepted(tiny, runner) -> None:
    res = runner.invoke(app, ["solve", str(tiny), "--gap", "0"])
    assert res.exit_code == 0, res.output
