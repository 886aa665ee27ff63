"""Issue 26 S4: a share floor holds as `S_sel >= share * A`, which the empty plan (A = 0)
meets whatever the share. Floors that only the empty plan meets (a floor on cells that can
receive no money, floors on selections sharing no cell that add up to more than 1) are a
contradictory scenario: exit 3 with the diagnosis, never "optimal" with nothing spent. An
empty plan the scenario asks for in amounts (caps of 0) stays a legitimate optimum."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from optimizer.cli import app
from optimizer.domain.instance import load_instance
from optimizer.domain.scenario import load_scenario
from optimizer.errors import InfeasibleError

SCEN = "scenarios/weighted.toml"


def with_rules(folder: Path, text: str) -> None:
    path = folder / SCEN
    path.write_text(path.read_text() + "\n" + text)


TWO_TIERS = """
[[rules]]
tier = "high"
min_share = 0.6
[[rules]]
tier = "low"
min_share = 0.6
"""
# tests/data/tiny: the low tier may not use m2 (tier_effects.csv)
NOBODY_MAY_USE = """
[[rules]]
name = "guarantees for the low tier"
tier = "low"
measure = "m2"
min_share = 0.1
"""
PER_TOWN = """
[[rules]]
per_town = true
min_share = 0.6
"""


@pytest.mark.parametrize(
    ("rules", "words"),
    [
        (TWO_TIERS, ["rules[0] 0.6, rules[1] 0.6", "add up to 1.2", "spends nothing"]),
        (NOBODY_MAY_USE, ["guarantees for the low tier", "min_share 0.1", "can receive none"]),
        (PER_TOWN, ["rules[0] (Alpha) 0.6, rules[0] (Beta) 0.6", "add up to 1.2"]),
    ],
    ids=["two tiers at 0.6", "floor on cells nobody may use", "per-town floors over 1"],
)
def test_contradictory_floors_are_infeasible(tiny_copy: Path, runner, rules, words) -> None:
    with_rules(tiny_copy, rules)
    out = tiny_copy.parent / "out"
    res = runner.invoke(app, ["solve", str(tiny_copy), "--no-sensitivity", "--out", str(out)])
    assert res.exit_code == 3, res.output
    lines = [ln for ln in res.output.splitlines() if ln.strip()]
    assert len(lines) == 1, res.output
    assert lines[0].startswith("infeasible: scenario 'weighted, payoff-normalized' is infeasible")
    for w in words:
        assert w in lines[0], f"{w!r} not in {lines[0]!r}"
    assert not out.exists()


def test_the_diagnosis_is_told_in_english_for_documents(tiny_copy: Path) -> None:
    with_rules(tiny_copy, TWO_TIERS)
    with pytest.raises(InfeasibleError) as caught:
        load_scenario(load_instance(tiny_copy), "weighted")
    assert "add up to 1.2" in caught.value.diagnosis.message


def test_validate_names_the_contradictory_scenario(tiny_copy: Path, runner) -> None:
    with_rules(tiny_copy, TWO_TIERS)
    res = runner.invoke(app, ["validate", str(tiny_copy)])
    assert res.exit_code == 2, res.output
    assert "'weighted, payoff-normalized' is infeasible" in res.output


@pytest.mark.parametrize(
    "rules",
    [
        '[[rules]]\ntier = "low"\nmin_share = 0.6\n',
        # overlapping selections: both floors hold when the money goes to (high, m1)
        '[[rules]]\ntier = "high"\nmin_share = 0.6\n[[rules]]\nmeasure = "m1"\nmin_share = 0.6\n',
    ],
    ids=["one floor", "overlapping floors over 1"],
)
def test_floors_that_can_hold_spend(tiny_copy: Path, runner, rules) -> None:
    with_rules(tiny_copy, rules)
    res = runner.invoke(app, ["solve", str(tiny_copy), "--no-sensitivity", "-f", "json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["allocated_mln"] > 0


def test_a_cap_of_zero_asks_for_the_empty_plan(tiny_copy: Path, runner) -> None:
    """Nothing may be spent, said in amounts: the empty plan is the answer, exit 0."""
    with_rules(tiny_copy, "[[rules]]\nmax_mln = 0\n")
    res = runner.invoke(app, ["solve", str(tiny_copy), "--no-sensitivity", "-f", "json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["allocated_mln"] == 0


def test_generated_instance_without_cells_has_no_contradictory_scenario(tmp_path: Path) -> None:
    """`generate --no-cells` wrote scenarios whose low-tier floor only the empty plan met
    (the shipped synthetic-projects solved each to nothing); now every scenario loads."""
    from optimizer.generate import generate_instance

    folder = tmp_path / "sp"
    generate_instance(folder, 12, seed=16, criteria=2, projects=40, lines=1, integer_criteria=True,
             cells=False)  # fmt: skip
    inst = load_instance(folder)
    names = sorted(p.stem for p in (folder / "scenarios").glob("*.toml"))
    assert names == ["projects"]
    for name in names:
        load_scenario(inst, name)
