"""Bad input: every rejection of SPEC sections 2 and 4 gives exit code 2, one line
naming the file and the row/column or key, no traceback, and nothing written."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from optimizer.cli import app


def edit(name: str, old: str, new: str) -> Callable[[Path], None]:
    def apply(folder: Path) -> None:
        path = folder / name
        text = path.read_text()
        assert old in text, f"{old!r} not in {name}"
        path.write_text(text.replace(old, new, 1))

    return apply


def write(name: str, text: str) -> Callable[[Path], None]:
    def apply(folder: Path) -> None:
        (folder / name).write_text(text)

    return apply


def remove(name: str) -> Callable[[Path], None]:
    def apply(folder: Path) -> None:
        (folder / name).unlink()

    return apply


SCEN = "scenarios/weighted.toml"

# (id, mutation, extra CLI args, words the message must contain)
CASES: list[tuple[str, Callable[[Path], None], list[str], list[str]]] = [
    # --- SPEC section 2: instance files
    (
        "missing column",
        edit("towns.csv", "town,region,tier,population", "town,region,tier,people"),
        [],
        ["towns.csv", "'population'"],
    ),
    (
        "duplicate town",
        edit("towns.csv", "Beta,South", "Alpha,South"),
        [],
        ["towns.csv", "row 3", "'town'", "duplicate"],
    ),
    (
        "duplicate measure",
        edit("measures.csv", "m2,Guarantee", "m1,Guarantee"),
        [],
        ["measures.csv", "row 3", "duplicate"],
    ),
    (
        "unknown tier in towns",
        edit("towns.csv", "Beta,South,low", "Beta,South,mid"),
        [],
        ["towns.csv", "row 3", "'tier'", "'mid'"],
    ),
    (
        "unknown measure reference",
        edit("tier_effects.csv", "low,m2", "low,m9"),
        [],
        ["tier_effects.csv", "row 3", "'measure'", "'m9'"],
    ),
    (
        "unknown tier reference",
        edit("tier_effects.csv", "low,m1", "mid,m1"),
        [],
        ["tier_effects.csv", "row 2", "'tier'"],
    ),
    (
        "unknown town reference",
        write("effects.csv", "town,measure,jobs_per_mln\nGamma,m1,1.0\n"),
        [],
        ["effects.csv", "row 2", "'town'", "'Gamma'"],
    ),
    (
        "non-numeric population",
        edit("towns.csv", "100000", "many"),
        [],
        ["towns.csv", "row 2", "'population'", "not a number"],
    ),
    (
        "population zero",
        edit("towns.csv", "50000", "0"),
        [],
        ["towns.csv", "row 3", "'population'"],
    ),
    (
        "negative capacity",
        edit("measures.csv", "grant,1.0,1000", "grant,1.0,-5"),
        [],
        ["measures.csv", "row 2", "'capacity_per_capita'"],
    ),
    (
        "budget cost zero",
        edit("measures.csv", "guarantee,0.5", "guarantee,0"),
        [],
        ["measures.csv", "row 3", "'budget_cost'"],
    ),
    (
        "negative effect",
        edit("measures.csv", "1000,1.0,0.5", "1000,-1.0,0.5"),
        [],
        ["measures.csv", "row 2", "'jobs_per_mln'"],
    ),
    (
        "negative override",
        write("effects.csv", "town,measure,jobs_per_mln\nAlpha,m1,-2\n"),
        [],
        ["effects.csv", "row 2", "'jobs_per_mln'"],
    ),
    (
        "bad eligible",
        edit("tier_effects.csv", "low,m1,true", "low,m1,maybe"),
        [],
        ["tier_effects.csv", "row 2", "'eligible'"],
    ),
    (
        "widths do not sum to 1",
        edit("instance.toml", "widths = [0.5, 0.5]", "widths = [0.5, 0.4]"),
        [],
        ["instance.toml", "curve.widths"],
    ),
    (
        "increasing multipliers",
        edit("instance.toml", "multipliers = [1.0, 0.5]", "multipliers = [0.5, 1.0]"),
        [],
        ["instance.toml", "curve.multipliers"],
    ),
    (
        "criterion without column",
        edit("instance.toml", '"population"]', '"population", "firms"]'),
        [],
        ["measures.csv", "firms_per_mln"],
    ),
    ("no instance.toml", remove("instance.toml"), [], ["instance.toml"]),
    (
        "unknown instance key",
        edit("instance.toml", 'currency = "KZT"', 'currency = "KZT"\nbudget = 5'),
        [],
        ["instance.toml", "'budget'"],
    ),
    # --- SPEC section 4: scenarios and the command line
    (
        "unknown scenario key",
        edit(SCEN, "budget_mln = 100", "budget_mln = 100\nbudjet = 3"),
        [],
        ["weighted.toml", "'budjet'"],
    ),
    (
        "unknown rule key",
        edit(SCEN, "budget_mln = 100", 'budget_mln = 100\n[[rules]]\ntier = "low"\nminimum = 3'),
        [],
        ["weighted.toml", "rules[0].minimum"],
    ),
    (
        "selector names nothing",
        edit(
            SCEN, "budget_mln = 100", 'budget_mln = 100\n[[rules]]\ntier = "mid"\nmin_share = 0.1'
        ),
        [],
        ["weighted.toml", "rules[0].tier", "'mid'"],
    ),
    (
        "town names nothing",
        edit(
            SCEN,
            "budget_mln = 100",
            'budget_mln = 100\n[[rules]]\ntown = ["Alpha", "Gamma"]\nmax_mln = 3',
        ),
        [],
        ["weighted.toml", "rules[0].town", "'Gamma'"],
    ),
    (
        "share above 1",
        edit(
            SCEN, "budget_mln = 100", 'budget_mln = 100\n[[rules]]\ntier = "low"\nmin_share = 1.5'
        ),
        [],
        ["weighted.toml", "rules[0].min_share"],
    ),
    (
        "negative amount",
        edit(SCEN, "budget_mln = 100", 'budget_mln = 100\n[[rules]]\nmeasure = "m1"\nmin_mln = -3'),
        [],
        ["weighted.toml", "rules[0].min_mln", "negative"],
    ),
    (
        "rule without bound",
        edit(SCEN, "budget_mln = 100", 'budget_mln = 100\n[[rules]]\nmeasure = "m1"'),
        [],
        ["weighted.toml", "rules[0]", "bound"],
    ),
    ("missing budget", edit(SCEN, "budget_mln = 100", ""), [], ["weighted.toml", "budget_mln"]),
    (
        "negative budget",
        edit(SCEN, "budget_mln = 100", "budget_mln = -100"),
        [],
        ["weighted.toml", "budget_mln"],
    ),
    (
        "negative weight",
        edit(SCEN, "jobs = 1,", "jobs = -1,"),
        [],
        ["weighted.toml", "objective.weights.jobs"],
    ),
    (
        "all-zero weights",
        edit(SCEN, "{ jobs = 1, population = 1 }", "{ jobs = 0, population = 0 }"),
        [],
        ["weighted.toml", "objective.weights", "zero"],
    ),
    (
        "unknown method",
        edit(SCEN, 'method = "weighted"', 'method = "magic"'),
        [],
        ["weighted.toml", "objective.method", "'magic'"],
    ),
    (
        "unknown criterion",
        edit(SCEN, "population = 1 }", "residents = 1 }"),
        [],
        ["weighted.toml", "'residents'"],
    ),
    (
        "unknown normalize",
        edit(SCEN, 'normalize = "payoff"', 'normalize = "max"'),
        [],
        ["weighted.toml", "objective.normalize"],
    ),
    (
        "method key missing",
        edit(SCEN, 'method = "weighted"', 'method = "epsilon"'),
        [],
        ["weighted.toml", "objective.primary"],
    ),
    (
        "unknown limit instrument",
        edit(SCEN, "budget_mln = 100", "budget_mln = 100\n[limits]\nbond = 5"),
        [],
        ["weighted.toml", "limits.bond"],
    ),
    ("not TOML", write(SCEN, "budget_mln = = 3\n"), [], ["weighted.toml", "TOML"]),
    ("unknown scenario", lambda f: None, ["-s", "nope"], ["'nope'"]),
    ("bad --budget", lambda f: None, ["--budget", "ten"], ["--budget", "'ten'"]),
    (
        "bad --weights",
        lambda f: None,
        ["--weights", "jobs=0.5,growth=0.5"],
        ["--weights", "'growth'"],
    ),
    ("--method needs key", lambda f: None, ["--method", "goal"], ["objective.targets"]),
]


@pytest.mark.parametrize(("case", "mutate", "args", "words"), CASES, ids=[c[0] for c in CASES])
def test_bad_input(tiny_copy: Path, runner, case, mutate, args, words) -> None:
    mutate(tiny_copy)
    before = {p: p.read_bytes() for p in tiny_copy.rglob("*") if p.is_file()}
    out = tiny_copy.parent / "out"
    res = runner.invoke(app, ["solve", str(tiny_copy), "--out", str(out), *args])
    assert res.exit_code == 2, res.output
    text = res.output
    assert "Traceback" not in text
    lines = [ln for ln in text.splitlines() if ln.strip()]
    assert len(lines) == 1, text
    for w in words:
        assert w in text, f"{w!r} not in {text!r}"
    assert not out.exists(), "something was written"
    after = {p: p.read_bytes() for p in tiny_copy.rglob("*") if p.is_file()}
    assert after == before, "an input file changed"


def test_validate_lists_every_problem(tiny_copy: Path, runner) -> None:
    edit("towns.csv", "100000", "many")(tiny_copy)
    edit("measures.csv", "guarantee,0.5", "guarantee,0")(tiny_copy)
    write("effects.csv", "town,measure,jobs_per_mln\nGamma,m1,1.0\n")(tiny_copy)
    res = runner.invoke(app, ["validate", str(tiny_copy)])
    assert res.exit_code == 2
    for w in ("towns.csv: row 2", "measures.csv: row 3", "effects.csv: row 2", "3 problem(s)"):
        assert w in res.output


def test_validate_checks_scenarios(tiny_copy: Path, runner) -> None:
    edit(SCEN, 'method = "weighted"', 'method = "magic"')(tiny_copy)
    res = runner.invoke(app, ["validate", str(tiny_copy)])
    assert res.exit_code == 2
    assert "weighted.toml" in res.output and "'magic'" in res.output


def test_validate_ok(tiny, runner) -> None:
    res = runner.invoke(app, ["validate", str(tiny)])
    assert res.exit_code == 0, res.output
    assert "2 towns" in res.output


def test_out_never_overwrites_an_input(tiny_copy: Path, runner) -> None:
    (tiny_copy / "summary.json").write_text(
        "{}"
    )  # an input? no: but allocation.csv next to inputs is fine
    res = runner.invoke(app, ["solve", str(tiny_copy), "--out", str(tiny_copy / "scenarios"),
                              "--export-lp", str(tiny_copy / "towns.csv")])  # fmt: skip
    assert res.exit_code == 2
    assert "towns.csv" in res.output
    assert (tiny_copy / "towns.csv").read_text().startswith("town,region")


def test_rows_are_counted_as_a_spreadsheet_shows_them(tiny_copy: Path, runner) -> None:
    # a blank line before Beta: Beta is on spreadsheet row 4
    write(
        "towns.csv",
        "town,region,tier,population\nAlpha,North,high,100000\n\nBeta,South,mid,50000\n",
    )(tiny_copy)
    res = runner.invoke(app, ["validate", str(tiny_copy)])
    assert res.exit_code == 2
    assert "towns.csv: row 4, column 'tier'" in res.output


def test_outputs_are_readable_by_others(tiny, tmp_path, runner) -> None:
    out = tmp_path / "o"
    assert (
        runner.invoke(app, ["solve", str(tiny), "--out", str(out), "--no-sensitivity"]).exit_code
        == 0
    )
    assert (out / "summary.json").stat().st_mode & 0o044  # group/other read under a usual umask
