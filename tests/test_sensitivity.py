"""Shadow prices in money (issue 6, item 1) and infeasibility repair (item 2).

Rates are checked against finite differences of *fresh* solves (`optimize` on a
changed scenario), not against the report's own re-solves, wherever the optimal
value is linear around the bound (left and right differences agree: the basis
does not change).
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from rich.console import Console

from optimizer.analysis.sensitivity import sensitivity_report
from optimizer.cli import app
from optimizer.domain.instance import load_instance
from optimizer.domain.scenario import Bound, Scenario, load_scenario
from optimizer.errors import InfeasibleError
from optimizer.generate import generate_instance
from optimizer.lp.engine import Engine
from optimizer.methods.diagnose import diagnose
from optimizer.methods.solution import optimize, optimize_engine
from optimizer.outputs.documents import diagnosis_document, sensitivity_document
from optimizer.outputs.tables import sensitivity_table

TINY = Path(__file__).parent / "data" / "tiny"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    root = tmp_path_factory.mktemp("gen")
    return [generate_instance(root / f"g{seed}", towns=8, seed=seed) for seed in (1, 2, 3)]


def report_for(inst, scen: Scenario) -> dict:
    """The report as summary.json carries it."""
    eng = Engine.open(inst, scen)
    return sensitivity_document(sensitivity_report(eng, optimize_engine(eng)), inst.currency)


def fixed_normalizers(scen: Scenario) -> Scenario:
    """The same scenario with normalize = none: a fresh solve at another bound then
    optimizes the same function (payoff normalizers move with the bounds)."""
    return replace(scen, objective=replace(scen.objective, normalize="none"))


def objective_of(inst, scen: Scenario) -> float | None:
    """The scenario objective of a fresh solve, as the report defines it."""
    try:
        sol = optimize(inst, scen)
    except InfeasibleError:
        return None
    obj = scen.objective
    if obj.method == "lexicographic":
        return sol.objectives[obj.order[0]]
    return sol.lp_objective


def with_bound(scen: Scenario, rule_index: int, kind: str, value: float) -> Scenario:
    rules = list(scen.rules)
    r = rules[rule_index]
    bounds = tuple(Bound(b.kind, value) if b.kind == kind else b for b in r.bounds)
    rules[rule_index] = replace(r, bounds=bounds)
    return replace(scen, rules=tuple(rules))


def entry(report: dict, name: str) -> dict:
    return next(e for e in report["constraints"] if e["name"] == name)


# ----------------------------------------------------------------------------- hand case


def test_tiny_jobs_only_budget_rates_by_hand() -> None:
    """Jobs only at 60 mln: Beta's first segment (2 jobs/mln) is full at 25 mln; from 25
    to 100 mln every extra million buys 1 job and 0.5 residents (Alpha m1 or Beta's
    second segment), so 1,000 jobs and 500 residents per bn, over budgets 25 to 100."""
    inst = load_instance(TINY)
    scen = load_scenario(inst, "jobs-only").with_budget(60)
    rep = report_for(inst, scen)
    b = entry(rep, "budget")
    assert b["unit"] == "bn" and b["unit_text"] == "1 bn KZT"
    assert b["objective"] == pytest.approx(1000, rel=1e-9)
    assert b["checked"] == pytest.approx(1000, rel=1e-6)
    assert b["agrees"]
    # per-criterion rates come from re-solved plans, which the methods' efficiency
    # polish holds only to ~1e-6 of each criterion: a little noise over a 0.06 mln step
    assert b["criteria"]["jobs"] == pytest.approx(1000, rel=1e-5)
    assert b["criteria"]["population"] == pytest.approx(500, rel=1e-5)
    lo, hi = b["range_mln"]
    assert lo == pytest.approx(25, abs=1e-3)
    assert hi == pytest.approx(100, abs=1e-3)
    json.dumps(rep)  # JSON-ready


def test_tiny_breakpoint_gives_both_sides() -> None:
    """At 100 mln the jobs-only optimum sits on a breakpoint (1 job/mln to the left,
    0.5 to the right). The dual is either side's slope, or any between, whichever the
    basis gives; the report gives the rate above (what one more bn buys, which the
    re-solve confirms) and the rate below, each with its budgets."""
    inst = load_instance(TINY)
    rep = report_for(inst, load_scenario(inst, "jobs-only"))
    b = entry(rep, "budget")
    assert b["objective"] == pytest.approx(500, rel=1e-9)
    assert b["checked"] == pytest.approx(500, rel=1e-6)
    assert b["agrees"]
    assert b["range_mln"] == pytest.approx([100, 150], abs=1e-6)
    assert b["below"]["objective"] == pytest.approx(1000, rel=1e-9)
    assert b["below"]["range_mln"] == pytest.approx([25, 100], abs=1e-6)


# ----------------------------------------------------------------------------- finite differences


def assert_rate(rate: float, left: float, right: float, what: str) -> bool:
    """Compare where the value is linear around the bound; return whether it was."""
    scale = max(1.0, abs(left), abs(right))
    if abs(left - right) > 1e-5 * scale:
        return False  # a breakpoint within delta: the basis changes
    assert rate == pytest.approx(right, rel=1e-4, abs=1e-6 * scale), what
    return True


@pytest.mark.parametrize("name", ["balanced", "rules", "epsilon", "lexicographic", "reference"])
def test_shadow_prices_agree_with_finite_differences(generated: list[Path], name: str) -> None:
    checked = 0
    for folder in generated:
        inst = load_instance(folder)
        scen = fixed_normalizers(load_scenario(inst, name))
        rep = report_for(inst, scen)
        f0 = objective_of(inst, scen)
        assert f0 is not None
        B = scen.budget_mln
        d = 1.0  # mln
        up = objective_of(inst, scen.with_budget(B + d))
        down = objective_of(inst, scen.with_budget(B - d))
        assert up is not None and down is not None
        b = entry(rep, "budget")
        checked += assert_rate(b["objective"] / 1000, (f0 - down) / d, (up - f0) / d, "budget")
        assert b["range_mln"][0] <= B <= (b["range_mln"][1] or np.inf)
        for rule in scen.rules:
            for bnd in rule.bounds:
                # step in the scenario file's unit; conv: report's unit -> that unit
                if bnd.kind.endswith("_per_capita"):
                    step, conv = 1.0, 1.0
                elif bnd.kind.endswith("_share"):
                    step, conv = 1e-4, 100.0  # a share of 0.0001; reported per point
                else:
                    step, conv = 1.0, 1e-3  # 1 mln; reported per bn
                sign = -1.0 if bnd.is_lower else 1.0  # the relaxing direction
                relax = objective_of(inst, with_bound(scen, rule.index, bnd.kind,
                                                      bnd.value + sign * step))  # fmt: skip
                tight = objective_of(inst, with_bound(scen, rule.index, bnd.kind,
                                                      bnd.value - sign * step))  # fmt: skip
                if relax is None or tight is None:
                    continue
                e = next(
                    e for e in rep["constraints"]
                    if e["name"] in (rule.label, f"{rule.label} ({bnd.kind})")
                )  # fmt: skip
                checked += assert_rate(e["objective"] * conv, (f0 - tight) / step,
                                       (relax - f0) / step, e["name"])  # fmt: skip
    assert checked >= 3  # not vacuous: some bounds bind with a stable basis


def test_per_criterion_rates_follow_the_relaxed_optimum(generated: list[Path]) -> None:
    """The budget's per-criterion rates are those of a fresh solve at budget + delta
    (normalizers fixed, so the fresh solve optimizes the same function)."""
    inst = load_instance(generated[0])
    scen = fixed_normalizers(load_scenario(inst, "balanced"))
    rep = report_for(inst, scen)
    b = entry(rep, "budget")
    delta = b["delta"]
    s0 = optimize(inst, scen)
    s1 = optimize(inst, scen.with_budget(scen.budget_mln + delta))
    for c in inst.criteria:
        want = (s1.objectives[c] - s0.objectives[c]) / delta * 1000
        assert b["criteria"][c] == pytest.approx(want, rel=1e-4, abs=1e-6)


def test_minimizing_methods_report_gains_as_decreases(generated: list[Path]) -> None:
    """min_budget minimizes A: relaxing a binding rule lowers it, reported as a gain > 0."""
    inst = load_instance(generated[0])
    scen = load_scenario(inst, "min_budget")
    rep = report_for(inst, scen)
    assert rep["objective"]["sense"] == "min"
    binding = [e for e in rep["constraints"] if e["binding"] and e["kind"] != "budget"]
    assert binding
    for e in binding:
        assert e["objective"] > 0
        assert e["checked"] > 0


def test_most_expensive_rule_is_the_costliest_to_keep(generated: list[Path]) -> None:
    inst = load_instance(generated[1])
    scen = fixed_normalizers(load_scenario(inst, "rules"))
    rep = report_for(inst, scen)
    f0 = objective_of(inst, scen)
    assert f0 is not None
    costs = {}
    for rule in scen.rules:
        f = objective_of(inst, replace(scen, rules=tuple(r for r in scen.rules if r is not rule)))
        assert f is not None
        costs[rule.label] = f - f0
    for inst_name in scen.limits:
        limits = {k: v for k, v in scen.limits.items() if k != inst_name}
        f = objective_of(inst, replace(scen, limits=limits))
        assert f is not None
        costs[inst_name] = f - f0
    most = rep["most_expensive_rule"]
    best = max(costs, key=lambda k: costs[k])
    if costs[best] <= 1e-9 * max(1.0, abs(f0)):
        assert most is None
    else:
        assert most is not None and most["name"] == best
        assert most["objective"] == pytest.approx(costs[best], rel=1e-6, abs=1e-9)
        budget_rate = entry(rep, "budget")["objective"]
        assert most["budget_equivalent_bn"] == pytest.approx(costs[best] / budget_rate, rel=1e-6)


def test_share_rule_rate_and_restored_coefficient(tmp_path: Path) -> None:
    """A binding min_share in a spend_all scenario (Beta gets 25 of 100 mln unconstrained):
    the coefficient of A changes in place and is restored (a second report agrees)."""
    inst = load_instance(TINY)
    doc = (
        'name = "low share"\nbudget_mln = 100\nspend_all = true\n'
        '[[rules]]\nname = "low floor"\ntier = "low"\nmin_share = 0.4\n'
    )
    path = tmp_path / "share.toml"
    path.write_text(doc)
    scen = fixed_normalizers(load_scenario(inst, path))
    eng = Engine.open(inst, scen)
    sol = optimize_engine(eng)
    first = sensitivity_document(sensitivity_report(eng, sol), inst.currency)
    again = sensitivity_document(sensitivity_report(eng, sol), inst.currency)
    e1, e2 = entry(first, "low floor"), entry(again, "low floor")
    assert e1["binding"] and e1["agrees"]
    assert e1["objective"] == pytest.approx(e2["objective"], rel=1e-12)
    assert e1["checked"] == pytest.approx(e2["checked"], rel=1e-9)
    f0 = objective_of(inst, scen)
    f1 = objective_of(inst, with_bound(scen, 0, "min_share", 0.4 - 1e-4))
    assert f0 is not None and f1 is not None
    assert e1["objective"] == pytest.approx((f1 - f0) / 1e-2, rel=1e-4)


def test_table_renders() -> None:
    inst = load_instance(TINY)
    eng = Engine.open(inst, load_scenario(inst, "weighted"))
    rep = sensitivity_report(eng, optimize_engine(eng))
    console = Console(record=True, width=160)
    console.print(sensitivity_table(rep, inst.currency))
    text = console.export_text()
    assert "budget" in text and "1 bn KZT" in text and "jobs" in text


def test_table_tells_the_rate_below_a_breakpoint() -> None:
    """Jobs only at 100 mln, a breakpoint of v(B): the row gives the rate above and its
    budgets, a note under the table the rate below and its budgets, at any width."""
    inst = load_instance(TINY)
    eng = Engine.open(inst, load_scenario(inst, "jobs-only"))
    rep = sensitivity_report(eng, optimize_engine(eng))
    below = "budget: the budget is a breakpoint; below it the rate is 1,000 per bn, for budgets"
    for width in (80, 160):
        console = Console(record=True, width=width)
        console.print(sensitivity_table(rep, inst.currency, width))
        text = " ".join(console.export_text().split())
        assert "100 – 150 mln" in text
        assert f"{below} 25 – 100 mln" in text


# ----------------------------------------------------------------------------- repair


def scenario_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "s.toml"
    path.write_text(text)
    return path


def diagnosis_of(tmp_path: Path, text: str | None = None, name: str | None = None):
    inst = load_instance(TINY)
    scen = load_scenario(inst, scenario_file(tmp_path, text) if text else name)
    eng = Engine.open(inst, scen)
    with pytest.raises(InfeasibleError):
        optimize_engine(eng)
    return diagnose(eng)


def test_repair_rule_alone_when_no_budget_helps(tmp_path: Path) -> None:
    """Beta (the only low town) can take at most 50 mln of m1: the 80 mln floor must
    come down by 30 whatever the budget."""
    d = diagnosis_of(tmp_path, name="infeasible")
    rep = diagnosis_document(d)["repair"]
    assert rep["budget"]["least_mln"] is None and not rep["budget"]["binds"]
    (r,) = rep["rules"]
    assert r["rule"] == "low floor" and r["unit"] == "mln"
    assert r["by"] == pytest.approx(30, abs=1e-6)
    assert r["relaxed_to"] == pytest.approx(50, abs=1e-6)
    assert "alone relaxed by 30.000 mln" in d.message
    assert diagnosis_document(d)["repair"] == rep


def test_repair_least_budget_and_each_rule(tmp_path: Path) -> None:
    d = diagnosis_of(tmp_path, 'name = "two floors"\nbudget_mln = 100\n'
                     '[[rules]]\nname = "high floor"\ntier = "high"\nmin_mln = 70\n'
                     '[[rules]]\nname = "low floor"\ntier = "low"\nmin_mln = 40\n')  # fmt: skip
    rep = diagnosis_document(d)["repair"]
    assert rep["budget"]["binds"]
    assert rep["budget"]["least_mln"] == pytest.approx(110, abs=1e-6)
    assert "at least 110.0 mln" in d.message
    for r in rep["rules"]:
        assert r["by"] == pytest.approx(10, abs=1e-6)


def test_repair_per_capita_and_share(tmp_path: Path) -> None:
    d = diagnosis_of(tmp_path, 'name = "pc"\nbudget_mln = 100\n'
                     '[[rules]]\nname = "every town"\nmin_per_capita = 800\n')  # fmt: skip
    rep = diagnosis_document(d)["repair"]
    assert rep["budget"]["least_mln"] == pytest.approx(120, abs=1e-6)
    (r,) = rep["rules"]
    # 100 mln over 150,000 residents: 666.67 per resident
    assert r["unit"] == "per_capita"
    assert r["relaxed_to"] == pytest.approx(100e6 / 150_000, rel=1e-6)

    d = diagnosis_of(tmp_path, 'name = "shares"\nbudget_mln = 100\nspend_all = true\n'
                     '[[rules]]\nname = "high share"\ntier = "high"\nmin_share = 0.7\n'
                     '[[rules]]\nname = "low share"\ntier = "low"\nmin_share = 0.5\n')  # fmt: skip
    rep = diagnosis_document(d)["repair"]
    assert rep["budget"]["least_mln"] is None  # only a zero budget satisfies both
    for r in rep["rules"]:
        assert r["unit"] == "pp"
        assert r["by"] == pytest.approx(20, abs=1e-5)


def test_repair_spend_all_too_much_money(tmp_path: Path) -> None:
    """Every cell's capacity costs 250 mln in budget terms: 1,000 cannot all be spent."""
    d = diagnosis_of(tmp_path, 'name = "too much"\nbudget_mln = 1000\nspend_all = true\n')
    b = diagnosis_document(d)["repair"]["budget"]
    assert b["binds"] and b["most_mln"] == pytest.approx(250, abs=1e-6)
    assert "between 0.0 and 250.0 mln" in d.message


def test_repair_reaches_targets(tmp_path: Path) -> None:
    """epsilon's population floor of 200 at 10 mln: the least budget that reaches it."""
    inst = load_instance(TINY)
    scen = load_scenario(inst, "epsilon").with_budget(10)
    eng = Engine.open(inst, scen)
    with pytest.raises(InfeasibleError):
        optimize_engine(eng)
    b = diagnosis_document(diagnose(eng))["repair"]["budget"]
    assert b["binds"]
    # the cheapest 200 residents: Alpha's guarantee, 4 residents per budget mln, first 100
    assert b["least_mln"] == pytest.approx(50, abs=1e-6)


def test_solve_writes_repair_to_summary(runner, tmp_path: Path) -> None:
    out = tmp_path / "out"
    res = runner.invoke(app, ["solve", str(TINY), "-s", "infeasible", "--out", str(out)])
    assert res.exit_code == 3
    doc = json.loads((out / "summary.json").read_text())
    assert doc["status"] == "infeasible"
    assert doc["diagnosis"]["repair"]["rules"][0]["by"] == pytest.approx(30, abs=1e-6)


# ----------------------------------------------------------------------------- quick depth


def quick_and_full(inst, scen: Scenario) -> tuple[dict, dict]:
    docs = []
    for depth in ("quick", "full"):
        eng = Engine.open(inst, scen)
        docs.append(sensitivity_document(sensitivity_report(eng, optimize_engine(eng), depth),
                                         inst.currency))  # fmt: skip
    return docs[0], docs[1]


def test_quick_depth_on_the_hand_case() -> None:
    """Jobs only at 60 mln: the same rates and the same range (25-100 mln, the piece of
    v(B) between its breakpoints) as the full report."""
    inst = load_instance(TINY)
    quick, full = quick_and_full(inst, load_scenario(inst, "jobs-only").with_budget(60))
    b, f = entry(quick, "budget"), entry(full, "budget")
    assert quick["depth"] == "quick" and full["depth"] == "full"
    assert b["objective"] == pytest.approx(1000, rel=1e-9)
    assert b["checked"] == pytest.approx(f["checked"], rel=1e-9)
    assert b["criteria"]["jobs"] == pytest.approx(1000, rel=1e-5)
    assert b["range_mln"] == pytest.approx([25, 100], abs=1e-6) == f["range_mln"]
    assert b["range_source"] == "breakpoints"
    assert quick["most_expensive_rule"] is None and "drop" not in b


@pytest.mark.parametrize("name", ["balanced", "rules", "epsilon", "reference"])
def test_quick_rates_are_the_full_rates(generated: list[Path], name: str) -> None:
    """Quick and full read the same duals and make the same first re-solve; where the
    full report needed no smaller step, the checks agree too; the budget's range is
    the same piece of v(B)."""
    for path in generated:
        inst = load_instance(path)
        quick, full = quick_and_full(inst, load_scenario(inst, name))
        solves = quick["solves"], full["solves"]
        assert solves[0] <= solves[1]
        for q, f in zip(quick["constraints"], full["constraints"], strict=True):
            assert q["name"] == f["name"] and q["binding"] == f["binding"]
            assert q["objective"] == pytest.approx(f["objective"], rel=1e-9, abs=1e-9)
            if f["agrees"] and q["agrees"]:
                assert q["checked"] == pytest.approx(f["checked"], rel=1e-6, abs=1e-6)
            if q["kind"] == "budget":
                assert q["range_mln"] == f["range_mln"] and q["below"] == f["below"]
