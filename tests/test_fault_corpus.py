"""Issue 18: a corpus of hostile inputs. Each is bad input: exit 2, one line naming the
file, row or option at fault, no traceback, nothing written, no input changed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from optimizer.cli import app
from tests.test_bad_input import edit, write

SCEN = "scenarios/weighted.toml"


def xlsx(name: str, rows: list[list[object]], merge: str | None = None) -> Callable[[Path], None]:
    def apply(folder: Path) -> None:
        from openpyxl import Workbook

        book = Workbook()
        for r in rows:
            book.active.append(r)
        if merge:
            book.active.merge_cells(merge)
        book.save(folder / "actual" / name)

    return apply


def both(*steps: Callable[[Path], None]) -> Callable[[Path], None]:
    def apply(folder: Path) -> None:
        for step in steps:
            step(folder)

    return apply


def rule(text: str) -> Callable[[Path], None]:
    def apply(folder: Path) -> None:
        path = folder / SCEN
        path.write_text(path.read_text() + "\n" + text)

    return apply


def bom(name: str) -> Callable[[Path], None]:
    def apply(folder: Path) -> None:
        path = folder / name
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())

    return apply


HEADER = ["town", "measure", "amount_mln"]
LIMIT = "above 1e+12"
# (id, mutation, command and options, words the message must contain)
CORPUS: list[tuple[str, Callable[[Path], None], list[str], list[str]]] = [
    # A1, A2: a number split by a thousands separator or a decimal comma
    (
        "A1 thousands separator",
        edit("towns.csv", "Alpha,North,high,100000", "Alpha,North,high,100,000"),
        ["solve"],
        ["towns.csv", "row 2", "5 fields", "header has 4", "Alpha,North,high,100,000"],
    ),
    (
        "A1 fewer fields",
        edit("towns.csv", "Beta,South,low,50000", "Beta,South,low"),
        ["solve"],
        ["towns.csv", "row 3", "3 fields"],
    ),
    (
        "A2 decimal comma",
        edit("actual/spend.csv", "Beta,m1,20", "Beta,m1,20,5"),
        ["compare", "--actual", "spend"],
        ["spend.csv", "row 4", "4 fields", "decimal comma"],
    ),
    # B1-B3: --weights through the same checks as the file
    (
        "B1 negative weight",
        lambda f: None,
        ["solve", "--weights", "jobs=0.7,population=-0.3"],
        ["--weights: population", "negative"],
    ),
    (
        "B2 nan weight",
        lambda f: None,
        ["solve", "--weights", "jobs=nan,population=1"],
        ["--weights: jobs", "finite"],
    ),
    ("B2 inf weight", lambda f: None, ["solve", "--weights", "jobs=inf"], ["finite"]),
    (
        "B2 all negative",
        lambda f: None,
        ["solve", "--weights", "jobs=-1,population=-1"],
        ["negative"],
    ),
    (
        "B3 repeated weight",
        lambda f: None,
        ["solve", "--weights", "jobs=0.5,jobs=0.9"],
        ["'jobs' is given twice"],
    ),
    ("B huge weight", lambda f: None, ["solve", "--weights", "jobs=1e13"], [LIMIT]),
    # C1: contradictory bounds in one rule
    (
        "C1 min_share above max_share",
        rule('[[rules]]\ntier = "low"\nmin_share = 0.3\nmax_share = 0.1\n'),
        ["solve"],
        ["rules[0]", "min_share 0.3 is above max_share 0.1"],
    ),
    (
        "C1 min_mln above max_mln",
        rule("[[rules]]\nmin_mln = 50\nmax_mln = 10\n"),
        ["solve"],
        ["min_mln 50 is above max_mln 10"],
    ),
    # D1: broken workbooks, through validate (every file every command would read)
    (
        "D1 corrupt xlsx",
        write("actual/bad.xlsx", "not a workbook"),
        ["validate"],
        ["bad.xlsx", "cannot be read as a workbook"],
    ),
    (
        "D1 title row",
        xlsx("bad.xlsx", [["Actual spend 2021"], HEADER, ["Alpha", "m1", 5]]),
        ["validate"],
        ["bad.xlsx", "title row"],
    ),
    (
        "D1 merged cells",
        xlsx("bad.xlsx", [HEADER, ["Alpha", "m1", 5], ["Beta", "m1", 3]], "A2:A3"),
        ["validate"],
        ["bad.xlsx", "merged cells A2:A3"],
    ),
    (
        "D1 formula without value",
        xlsx("bad.xlsx", [HEADER, ["Alpha", "m1", "=2+3"]]),
        ["validate"],
        ["bad.xlsx", "cell C2", "=2+3", "no saved value"],
    ),
    (
        "D1 extra cell in xlsx",
        xlsx("bad.xlsx", [HEADER, ["Alpha", "m1", 5, 3]]),
        ["validate"],
        ["bad.xlsx", "row 2", "4 fields"],
    ),
    # E1, E2: sweep ranges
    (
        "E1 sweep to 1e308",
        lambda f: None,
        ["sweep", "--budget", "50:1e308:3"],
        ["--budget TO", LIMIT],
    ),
    (
        "E2 one step, two ends",
        lambda f: None,
        ["sweep", "--budget", "50:150:1"],
        ["STEPS 1", "differ"],
    ),
    # F1-F4: numbers the model cannot hold
    ("F1 budget 1e400", lambda f: None, ["solve", "--budget", "1e400"], ["--budget", "finite"]),
    ("F1 budget 1e13", lambda f: None, ["solve", "--budget", "1e13"], ["--budget", LIMIT]),
    (
        "F1 budget in file",
        edit(SCEN, "budget_mln = 100", "budget_mln = 1e300"),
        ["solve"],
        ["budget_mln", LIMIT],
    ),
    (
        "F2 jobs_per_mln 1e308",
        edit("measures.csv", "1000,1.0,0.5", "1000,1e308,0.5"),
        ["solve"],
        ["measures.csv", "row 2", "'jobs_per_mln'", LIMIT],
    ),
    (
        "F2 product of two inputs",
        both(
            edit("tier_effects.csv", "low,m1,true,2.0", "low,m1,true,9e11"),
            edit("measures.csv", "1000,1.0,0.5", "1000,5.0,0.5"),
        ),
        ["solve"],
        ["cell (Beta, m1)", "effect per million after the tier multiplier", LIMIT],
    ),
    (
        "F3 actual 1e308",
        edit("actual/spend.csv", "Beta,m1,20", "Beta,m1,1e308"),
        ["compare", "--actual", "spend"],
        ["spend.csv", "row 4", LIMIT],
    ),
    (
        "F4 population 1e308",
        edit("towns.csv", "100000", "1e308"),
        ["solve"],
        ["towns.csv", "row 2", "'population'", LIMIT],
    ),
    # H2, H3: outputs that cannot be written, refused before any work
    (
        "H2 300-character --out",
        lambda f: None,
        ["solve", "--out", "{tmp}/" + "x" * 300],
        ["--out", "name is longer than 255 bytes"],
    ),
    (
        "H3 --export-lp at a folder",
        lambda f: None,
        ["solve", "--export-lp", "{tmp}"],
        ["is a folder"],
    ),
    (
        "H3 --export-lp in no folder",
        lambda f: None,
        ["solve", "--export-lp", "{tmp}/no/m.lp"],
        ["does not exist"],
    ),
    # I1 is read (test below); I2: every wrong type named
    (
        "I2 scenario name 42",
        edit(SCEN, 'name = "weighted, payoff-normalized"', "name = 42"),
        ["solve"],
        ["weighted.toml", "'name' must be a string, got 42"],
    ),
    (
        "I2 instance name 42",
        edit("instance.toml", 'name = "Tiny two-town instance"', "name = 42"),
        ["solve"],
        ["instance.toml", "'name'", "42"],
    ),
    (
        "I2 weight a string",
        edit(SCEN, "jobs = 1,", 'jobs = "1",'),
        ["solve"],
        ["objective.weights.jobs", "must be a number"],
    ),
    # J1, J2: limits, with a way past them
    (
        "J1 points",
        lambda f: None,
        ["pareto", "--points", "2000000"],
        ["--points 2,000,000 is above the limit of 1,000", "--force"],
    ),
    (
        "J2 draws",
        lambda f: None,
        ["uncertainty", "--draws", "100000000"],
        ["--draws 100,000,000 is above the limit of 100,000", "--force"],
    ),
    # issue 26, L1 and L4: an instance is never a result folder
    (
        "L1 out onto the instance",
        lambda f: None,
        ["solve", "--out", "{tmp}/tiny"],
        ["instance folder", "(e.g. --out results)"],
    ),
    (
        "L4 out inside the instance",
        lambda f: None,
        ["solve", "--out", "{tmp}/tiny/actual/results"],
        ["inside the instance folder"],
    ),
]


@pytest.mark.parametrize(("case", "mutate", "args", "words"), CORPUS, ids=[c[0] for c in CORPUS])
def test_fault_corpus(tiny_copy: Path, runner, case, mutate, args, words) -> None:
    mutate(tiny_copy)
    before = {p: p.read_bytes() for p in tiny_copy.rglob("*") if p.is_file()}
    tmp = tiny_copy.parent
    out = tmp / "out"
    args = [a.replace("{tmp}", str(tmp)) for a in args]
    cmd = [args[0], str(tiny_copy), *args[1:]]
    if args[0] != "validate" and "--out" not in args:
        cmd += ["--out", str(out)]
    res = runner.invoke(app, cmd)
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output
    lines = [ln for ln in res.output.splitlines() if ln.strip()]
    problem = lines[0]
    if args[0] == "validate":
        assert lines[-1] == "1 problem(s) found", res.output
    else:
        assert len(lines) == 1, res.output
    for w in words:
        assert w in problem, f"{w!r} not in {problem!r}"
    assert not out.exists(), "something was written"
    assert sorted(p.name for p in tmp.iterdir()) == ["tiny"], "something was left beside"
    after = {p: p.read_bytes() for p in tiny_copy.rglob("*") if p.is_file()}
    assert after == before, "an input file changed"


def test_toml_with_a_byte_order_mark_is_read(tiny_copy: Path, runner) -> None:
    """I1: Excel and Notepad write a BOM; the CSV files already read it."""
    bom("instance.toml")(tiny_copy)
    bom(SCEN)(tiny_copy)
    res = runner.invoke(app, ["solve", str(tiny_copy), "--no-sensitivity", "-f", "json"])
    assert res.exit_code == 0, res.output
    assert '"scenario": "weighted, payoff-normalized"' in res.output


def test_limit_is_passed_with_force(tiny, runner) -> None:
    """J: --force goes past the --points limit on purpose."""
    res = runner.invoke(app, ["pareto", str(tiny), "--points", "1001", "--force"])
    assert res.exit_code == 0, res.output


def test_sweep_all_infeasible_exits_3(tiny, runner) -> None:
    """E3: every step infeasible is not a success."""
    res = runner.invoke(app, ["sweep", str(tiny), "-s", "infeasible", "--budget", "10:20:2"])
    assert res.exit_code == 3, res.output
    assert "every budget of the sweep is infeasible" in res.output


def test_sweep_single_budget_when_ends_agree(tiny, runner) -> None:
    res = runner.invoke(app, ["sweep", str(tiny), "--budget", "80:80:1"])
    assert res.exit_code == 0, res.output
