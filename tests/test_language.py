"""The language is an argument of rendering, not process state (issue 23).

A run chooses its language once, in a context of its own (`optimizer.i18n.WORDS`, a
ContextVar); nothing writes the process environment; English document values are
rendered without switching the run's language, so a run's JSON is the same in every
language. Analyses return facts (reasons as codes, a front's notes as fields) and
only `optimizer.outputs` turns them into words.
"""

from __future__ import annotations

import ast
import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

import optimizer.cli.common as common
from optimizer.cli import app
from optimizer.i18n import language, rendered_in, speaking
from tests.helpers import dotted

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "optimizer"
KZ = REPO / "instances" / "kazakhstan"
SPEND = "programme-2014-plan-illustrative"


def package_calls() -> Iterator[tuple[Path, ast.Call]]:
    """Every call in the package's sources, with its file."""
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                yield path, node


# ----------------------------------------------------------------------------- no process state


def test_the_package_never_writes_the_environment() -> None:
    """No assignment to, deletion from or mutating call on os.environ, no putenv, in
    any module of the package."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[ast.AST] = []
            if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            elif isinstance(node, ast.Delete):
                targets = node.targets
            for t in targets:
                if isinstance(t, ast.Subscript) and dotted(t.value) in ("os.environ", "environ"):
                    found.append(f"{path.name}:{node.lineno}")
            if isinstance(node, ast.Call):
                name = dotted(node.func)
                if name in ("os.putenv", "os.unsetenv") or (
                    name.rsplit(".", 1)[0] in ("os.environ", "environ")
                    and name.rsplit(".", 1)[-1] in ("update", "setdefault", "pop", "clear",
                                                    "popitem", "__setitem__")
                ):  # fmt: skip
                    found.append(f"{path.name}:{node.lineno}")
    assert not found, found


def test_only_the_cli_chooses_the_language() -> None:
    """The package chooses a language in one place (the group, once per run) and never
    switches it for a while (`speaking` is for tests)."""
    setters = sorted(
        f"{path.relative_to(PACKAGE)}" for path, call in package_calls()
        if dotted(call.func).rsplit(".", 1)[-1] in ("set_language", "speaking")
    )  # fmt: skip
    assert setters == ["cli/common.py"], setters


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The languages a run chooses (each call of the CLI's setter), and every write to
    the process environment made from the package's code during the run."""
    chosen: list[str] = []
    real = common.set_language

    def choosing(lang: Any) -> str:
        chosen.append(real(lang))
        return chosen[-1]

    monkeypatch.setattr(common, "set_language", choosing)
    environ = type(os.environ)
    real_set, real_del = environ.__setitem__, environ.__delitem__
    writes: list[str] = []

    def by_us() -> bool:
        import sys

        frame = sys._getframe(2)
        return frame is not None and str(PACKAGE) in frame.f_code.co_filename

    def setitem(self: Any, key: str, value: str) -> None:
        if by_us():
            writes.append(key)
        real_set(self, key, value)

    def delitem(self: Any, key: str) -> None:
        if by_us():
            writes.append(key)
        real_del(self, key)

    monkeypatch.setattr(environ, "__setitem__", setitem)
    monkeypatch.setattr(environ, "__delitem__", delitem)
    yield chosen
    assert writes == [], f"the package wrote the environment: {writes}"


def without_timings(doc: Any) -> Any:
    """A JSON document without its wall-clock times (they differ from run to run)."""
    if isinstance(doc, dict):
        return {k: without_timings(v) for k, v in doc.items() if k != "seconds"}
    if isinstance(doc, list):
        return [without_timings(v) for v in doc]
    return doc


def run_json(*args: str) -> Any:
    res = CliRunner().invoke(app, list(args))
    assert res.exit_code == 0, res.output
    return without_timings(json.loads(res.stdout))


@pytest.mark.parametrize("command", [
    ("solve", str(KZ), "--format", "json"),
    ("solve", str(KZ), "--scenario", "reach-2020-jobs", "--format", "json"),
    ("compare", str(KZ), "--actual", SPEND, "--format", "json"),
    ("explain", str(KZ), "--town", "Temirtau", "--format", "json"),
])  # fmt: skip
def test_json_is_chosen_once_and_the_same_in_every_language(
    counted: list[str], command: tuple[str, ...]
) -> None:
    """One choice of language per run (before: 9 per `solve --lang ru --format json`,
    8 writes of LANGUAGE), and the run's JSON is the English run's."""
    before = language()
    english = run_json(*command, "--lang", "en")
    assert counted == ["en"]
    for lang in ("ru", "kk"):
        counted.clear()
        assert run_json(*command, "--lang", lang) == english
        assert counted == [lang]
    assert language() == before  # the run's language ends with the run


def test_report_chooses_its_language_once(counted: list[str], tmp_path: Path) -> None:
    res = CliRunner().invoke(app, ["report", str(KZ), "--actual", SPEND, "--points", "3",
                                   "--out", str(tmp_path / "r"), "--lang", "kk"])  # fmt: skip
    assert res.exit_code == 0, res.output
    assert counted == ["kk"]
    assert "Деректер:" in (tmp_path / "r" / "report.md").read_text(encoding="utf-8")


def test_english_values_leave_the_runs_language_alone() -> None:
    """`rendered_in` renders with other translations in a copy of the context: inside,
    the words are English; around it, the run still speaks Russian."""
    from optimizer.outputs.text import fixed, money

    seen: list[str] = []

    def words(v: float) -> str:
        seen.append(language())
        return money(v, "KZT")

    with speaking("ru"):
        assert rendered_in("en", words, 10400) == "10.4 bn KZT"
        assert language() == "ru" and seen == ["en"]
        assert fixed(10400, 1) == "10\u00a0400,0"


def test_a_progress_count_drawn_by_another_thread_speaks_the_run() -> None:
    """rich draws a live display from a thread of its own, which does not inherit the
    run's context: the count is rendered with the words captured for the bar."""
    from optimizer.i18n import current
    from optimizer.outputs.text import fixed

    got: list[str] = []
    with speaking("kk"):
        words = current()
        t = threading.Thread(target=lambda: got.append(rendered_in(words, fixed, 12345, 0)))
        t.start()
        t.join()
    assert got == ["12\u00a0345"]


# ----------------------------------------------------------------------------- facts, then words


def unreachable(tiny_copy: Path) -> Any:
    """A comparison whose actual spend no plan under the rules can match (it puts 200
    into guarantees; the scenario limits them to 50)."""
    from optimizer.analysis.compare import compare
    from optimizer.domain.actual import ActualSpend
    from optimizer.domain.instance import load_instance
    from optimizer.domain.scenario import load_scenario

    (tiny_copy / "scenarios" / "limit.toml").write_text(
        'name = "limited"\nbudget_mln = 100\n[limits]\nguarantee = 50\n'
    )
    inst = load_instance(tiny_copy)
    vol = np.zeros((inst.n_towns, inst.n_measures))
    vol[inst.towns.index("Alpha"), inst.measures.index("m2")] = 200
    return compare(inst, load_scenario(inst, "limit"), ActualSpend("x", Path("x.csv"), vol))


def test_reasons_are_codes_worded_by_outputs(tiny_copy: Path) -> None:
    """The comparison says why a quantity has no value with a code (and the budget it
    speaks of); the words come from outputs in the language in use; JSON keeps the
    English words."""
    from optimizer.analysis.compare import Reason, Unreached
    from optimizer.outputs.documents import comparison_document
    from optimizer.outputs.text import headline, reason_text

    c = unreachable(tiny_copy)
    assert c.efficiency.reason == Reason(Unreached.no_budget)
    assert c.dominance.reason == Reason(Unreached.at_actual_budget)
    assert {p.reason for p in c.closest} == {Reason(Unreached.at_budget, 100.0)}
    doc = comparison_document(c)
    assert doc["closest"][0]["reason"] == (
        "no allocation that keeps the scenario's rules and limits at 100.0 mln reaches the "
        "actual's outcomes"
    )
    with speaking("ru"):
        assert comparison_document(c) == doc
        big = reason_text(Reason(Unreached.at_budget, 12345.6))
        assert "12\u00a0345,6 млн" in big and "allocation" not in big
        lines = " ".join(headline(c))
    assert "no allocation" not in lines and "no budget" not in lines
    # a limit the spend breaks is named in the language, not as its identifier
    assert "limit guarantee" not in lines and "лимит" in lines


def test_no_regex_reads_our_sentences_back() -> None:
    """outputs/ and cli/ match no regular expression against our own words: the only
    patterns left read typer's and click's messages (cli/common.py), numbers formatted
    for a workbook and data labels."""
    import optimizer.outputs.text as text

    assert not hasattr(text, "reason_words") and not hasattr(text, "COMPARE_REASONS")
    source = Path(text.__file__).read_text(encoding="utf-8")
    assert "import re" not in source


def test_a_front_returns_facts_and_outputs_word_them(tmp_path: Path) -> None:
    """ParetoFront carries no sentence: the grid used instead of every point, the
    zero-range criteria and the breakpoints left at the solver's vertex are fields,
    and `front_message` words them in the language in use (the grid's note was English
    under --lang ru before)."""
    from optimizer.analysis.pareto import ParetoFront
    from optimizer.analysis.projects_front import GridFallback
    from optimizer.domain.results import Payoff
    from optimizer.outputs.text import front_message

    assert "message" not in ParetoFront.__dataclass_fields__
    front = ParetoFront(
        criteria=("jobs", "population", "firms"),
        points=(),
        solves=0,
        seconds=0.0,
        method="epsilon-grid",
        payoff=Payoff(("jobs", "population", "firms"), np.array([[5.0, 1.0, 0.0],
                                                                 [1.0, 7.0, 0.0],
                                                                 [2.0, 2.0, 0.0]])),
        zero_range=("firms",),
        grid=GridFallback(123456, 21),
    )  # fmt: skip
    english = front_message(front)
    assert english == (
        "123,456 grid cells would be needed for every point; a grid of 21 levels per "
        "criterion is used instead; zero range: firms (always 0) takes the same value at "
        "both ends of the payoff table, so the grid holds it at that one value"
    )
    with speaking("ru"):
        russian = front_message(front)
    assert russian is not None and "123\u00a0456" in russian and "grid" not in russian
