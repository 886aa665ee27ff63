"""No warning of a library (matplotlib, numpy) reaches standard error: every command
that writes files, on both test instances and in every language, runs with warnings
turned into errors, so one that would be printed fails the run instead."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from optimizer.cli import app

DATA = Path(__file__).parent / "data"

COMMANDS: list[tuple[str, ...]] = [
    ("solve",),
    ("pareto", "--points", "5"),
    ("compare", "--actual", "spend"),
    ("report", "--actual", "spend"),
    ("sweep", "--budget", "50:150:3"),
    ("uncertainty", "--draws", "5"),
]


def run_strict(runner, args: list[str]):
    """The CLI run with every warning an error; its result."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return runner.invoke(app, args)


# Every command on both instances in English; the figures' words in Russian and Kazakh
# (other letters, longer labels) on the instance with projects, whose figures have most.
CASES = [
    *((lang, "tiny-projects", c) for lang in ("ru", "kk") for c in COMMANDS if c[0] != "solve"),
    *(("en", instance, c) for instance in ("tiny", "tiny-projects") for c in COMMANDS),
]


@pytest.mark.parametrize(
    ("lang", "instance", "command"), CASES, ids=[f"{a} {b} {' '.join(c)}" for a, b, c in CASES]
)
def test_commands_warn_nothing(
    runner, tmp_path: Path, instance: str, lang: str, command: tuple[str, ...]
) -> None:
    out = tmp_path / "out"
    res = run_strict(
        runner, ["--lang", lang, command[0], str(DATA / instance), *command[1:], "--out", str(out)]
    )
    assert res.exit_code == 0, res.output
    assert "Warning" not in res.output, res.output


def test_sweep_of_infeasible_budgets_draws_no_empty_legend(runner, tmp_path: Path) -> None:
    """Every budget infeasible: the share panels have nothing to name, so they get no
    legend (matplotlib warned 'No artists with labels found to put in legend')."""
    out = tmp_path / "out"
    args = ["sweep", str(DATA / "tiny"), "-s", "infeasible", "--budget", "10:200:3"]
    res = run_strict(runner, [*args, "--out", str(out)])
    assert res.exit_code == 3, res.output
    assert "Warning" not in res.output and "legend" not in res.output, res.output
    assert (out / "sweep.png").is_file()
