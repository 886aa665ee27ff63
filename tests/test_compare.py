"""`compare`: actual spend against the optimum (SPEC section 7), checked by hand.

The tiny instance (tests/data/tiny), per million of budget cost, segment by segment
(widths 0.5/0.5 of capacity, effect multipliers 1.0/0.5):

    cell       capacity  budget cost  segment 1 (jobs, pop)   segment 2 (jobs, pop)
    Alpha m1   100       1.0          0-50:  (1.0, 0.5)       50-100: (0.5, 0.25)
    Alpha m2   200       0.5          0-100: (0.4, 4.0)       100-200: (0.2, 2.0)   (per cost)
    Beta  m1    50       1.0          0-25:  (2.0, 1.0)       25-50:  (1.0, 0.5)    (low tier x2)
    Beta  m2   not eligible

The actual spend (actual/spend.csv): Alpha m1 60, Alpha m2 40 (cost 20), Beta m1 20.
    Ba = 60 + 20 + 20 = 100
    fa = Alpha m1 50*(1, .5) + 10*(.5, .25) + Alpha m2 20*(.4, 4) + Beta 20*(2, 1)
       = (55, 27.5) + (8, 80) + (40, 20) = (103, 127.5)
The weighted optimum at 100 (payoff-normalized, core_api.md): (95, 237.5), so the
uplift is jobs -8 (-7.767%), population +110 (+86.275%).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optimizer.analysis.compare import compare, money_moved
from optimizer.cli import app
from optimizer.domain.actual import ActualSpend, load_actual
from optimizer.domain.evaluate import check_scenario
from optimizer.domain.instance import load_instance
from optimizer.domain.scenario import load_scenario
from optimizer.methods.solution import optimize
from optimizer.outputs.documents import comparison_document
from optimizer.outputs.tables import reallocation_rows

TINY = Path(__file__).parent / "data" / "tiny"
KZ = Path(__file__).resolve().parent.parent / "instances" / "kazakhstan"
W_JOBS, W_POP = 1 / 95, 1 / 237.5  # weights 1, 1 over the payoff ranges 125-30 and 300-62.5


def spend(inst, cells: dict[tuple[str, str], float], name: str = "test") -> ActualSpend:
    vol = np.zeros((inst.n_towns, inst.n_measures))
    for (t, m), v in cells.items():
        vol[inst.towns.index(t), inst.measures.index(m)] = v
    return ActualSpend(name, Path(f"{name}.csv"), vol)


def write_actual(path: Path, cells: dict[tuple[str, str], float]) -> Path:
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["town", "measure", "amount_mln"])
        for (t, m), v in cells.items():
            w.writerow([t, m, repr(float(v))])
    return path


@pytest.fixture(scope="module")
def tiny_cmp():
    inst = load_instance(TINY)
    return compare(inst, load_scenario(inst, "weighted"), load_actual(inst, "spend"))


def test_hand_computed_uplift_and_efficiency(tiny_cmp) -> None:
    c = tiny_cmp
    assert c.actual_budget_mln == pytest.approx(100.0)
    assert c.actual_objectives["jobs"] == pytest.approx(103.0)
    assert c.actual_objectives["population"] == pytest.approx(127.5)
    assert c.uplift["jobs"]["abs"] == pytest.approx(-8.0, abs=1e-6)
    assert c.uplift["jobs"]["pct"] == pytest.approx(-800 / 103, abs=1e-6)
    assert c.uplift["population"]["abs"] == pytest.approx(110.0, abs=1e-6)
    assert c.uplift["population"]["pct"] == pytest.approx(11000 / 127.5, abs=1e-6)
    # Efficiency: min cost with jobs >= 103, population >= 127.5. Beta segment 1
    # (2 jobs per mln) is cheapest for jobs: 25 mln gives (50, 25). The rest comes
    # from (1, .5) per mln cells (y1) and Alpha m2 segment 1 (.4, 4) per mln (y2):
    #   y1 + .4 y2 = 53,  .5 y1 + 4 y2 = 102.5  ->  y2 = 20, y1 = 45.
    # Duals (a, b) = (.92105, .15789) price every other segment below 1, so the
    # minimum is 25 + 45 + 20 = 90 mln: efficiency 90 / 100 = 0.9.
    assert c.efficiency.min_budget_mln == pytest.approx(90.0, rel=1e-6)
    assert c.efficiency.value == pytest.approx(0.9, rel=1e-6)
    assert c.dominance.dominated
    assert c.broken_rules == () and c.over_capacity == () and c.ineligible == ()


def test_hand_computed_closest_plans(tiny_cmp) -> None:
    # W = jobs/95 + population/237.5. W(fa) = 103/95 + 127.5/237.5 = 1.621053.
    # W*: the weighted optimum has jobs 95 < 103, so the jobs floor binds: move money
    # from Alpha m2 segment 1 (.4 jobs, W .021053 per mln) to the (1, .5) cells
    # (W .012632 per mln): +.6 jobs for -.008421 W per mln; 8 jobs need 13.333 mln:
    #   W* = 2 - 13.333 * .008421 = 1.887719, gain W* - W(fa) = 4/15.
    c = tiny_cmp
    w_a = 103 * W_JOBS + 127.5 * W_POP
    assert c.weighted_actual == pytest.approx(w_a, rel=1e-7)
    assert c.weighted_best == pytest.approx(w_a + 4 / 15, rel=1e-6)
    # Moves from the actual, per mln taken out (money moved, SPEC 14: taken out only):
    #   T1 Alpha m1 seg 2 -> Beta seg 1:      dW = 1.5/95 + .75/237.5 = .018947, +1.5 jobs (room 5)
    #   T2 Alpha m1 seg 2 -> Alpha m2 seg 1:  dW = .014737, -0.1 jobs (the other 5 of seg 2)
    #   T3 Alpha m1 seg 1 -> Alpha m2 seg 1:  dW = .008421, -0.6 jobs (until the jobs floor)
    # phi .25: gain 1/15 = T1 3.5185 mln           -> moved 3.5185
    # phi .50: 2/15 = T1 5 + T2 2.6190              -> moved 7.6190
    # phi .75: 3/15 = T1 5 + T2 5 + T3 3.75         -> moved 13.75
    # phi 1.0: 4/15 = T1 5 + T2 5 + T3 11.6667      -> moved 21.6667
    #   (jobs: +7.5 - .5 - 7 = 0, exactly on the floor)
    t1 = 1.5 * W_JOBS + 0.75 * W_POP
    t2 = -0.1 * W_JOBS + 3.75 * W_POP
    t3 = -0.6 * W_JOBS + 3.5 * W_POP
    moved = {
        0.25: (1 / 15) / t1,
        0.5: 5 + (2 / 15 - 5 * t1) / t2,
        0.75: 10 + (3 / 15 - 5 * t1 - 5 * t2) / t3,
        1.0: 10 + (4 / 15 - 5 * t1 - 5 * t2) / t3,
    }
    assert moved[0.75] == pytest.approx(13.75, rel=1e-9)
    assert moved[1.0] == pytest.approx(65 / 3, rel=1e-9)
    for p in c.closest:
        assert p.moved_mln == pytest.approx(moved[p.phi], rel=1e-5), p.phi
        assert p.added_mln == pytest.approx(p.moved_mln, rel=1e-5)  # the totals are equal
    # The 100% plan: Alpha m1 60 -> 38.333, Alpha m2 40 -> 73.333 (cost 36.667), Beta 20 -> 25.
    full = c.closest[-1]
    inst = c.instance
    want = {("Alpha", "m1"): 115 / 3, ("Alpha", "m2"): 220 / 3, ("Beta", "m1"): 25.0}
    for (t, m), v in want.items():
        assert full.volumes[inst.towns.index(t), inst.measures.index(m)] == pytest.approx(
            v, abs=1e-4
        )
    assert full.objectives["jobs"] == pytest.approx(103.0, abs=1e-4)
    assert full.objectives["population"] == pytest.approx(190 + 5 / 6, abs=1e-4)


def test_document_has_the_spec_keys(tiny_cmp) -> None:
    doc = comparison_document(tiny_cmp)
    json.dumps(doc)  # serializable
    for key in ("budget_mln", "objectives", "broken_rules", "over_capacity", "ineligible"):
        assert key in doc["actual"]
    assert set(doc["optimal"]["objectives"]) == {"jobs", "population"}
    assert set(doc["uplift"]["jobs"]) == {"abs", "pct"}
    assert doc["efficiency"] == pytest.approx(0.9, rel=1e-6)
    assert doc["dominated"] is True
    assert [p["phi"] for p in doc["closest"]] == [0.25, 0.5, 0.75, 1.0]
    assert all({"phi", "moved_mln", "objectives"} <= set(p) for p in doc["closest"])
    tot = doc["reallocation_totals"]
    assert tot["by_tier"]["low"]["actual_cost_mln"] == pytest.approx(20.0)
    assert sum(v["change_cost_mln"] for v in tot["by_measure"].values()) == pytest.approx(
        0, abs=1e-6
    )


def test_reallocation_sorted_by_change(tiny_cmp) -> None:
    header, rows = reallocation_rows(tiny_cmp)
    assert header[:5] == ["town", "measure", "actual_mln", "optimal_mln", "change_mln"]
    changes = [abs(r[7]) for r in rows]  # by budget cost (issue 13)
    assert changes == sorted(changes, reverse=True)
    assert {(r[0], r[1]) for r in rows} == {("Alpha", "m1"), ("Alpha", "m2"), ("Beta", "m1")}
    for r in rows:
        assert r[4] == pytest.approx(r[3] - r[2])


def test_optimal_actual_changes_nothing() -> None:
    # The weighted optimum itself (Alpha m2 100 volume = 50 cost, Beta 25 + 25 of (1, .5) cells).
    inst = load_instance(TINY)
    scen = load_scenario(inst, "weighted")
    act = spend(inst, {("Alpha", "m1"): 25, ("Alpha", "m2"): 100, ("Beta", "m1"): 25})
    c = compare(inst, scen, act)
    for u in c.uplift.values():
        assert u["abs"] == pytest.approx(0.0, abs=1e-5)
    assert c.efficiency.value == pytest.approx(1.0, abs=1e-6)
    assert not c.dominance.dominated
    for p in c.closest:
        assert p.moved_mln == pytest.approx(0.0, abs=1e-5)


def test_optimal_actual_on_kazakhstan(tmp_path) -> None:
    # The optimum of plan-2021 written as an actual file (rules, spend_all, per-town caps).
    inst = load_instance(KZ)
    scen = load_scenario(inst, "plan-2021")
    sol = optimize(inst, scen)
    cells = {
        (inst.towns[t], inst.measures[m]): sol.volumes[t, m]
        for t, m in zip(*np.nonzero(sol.volumes > 1e-9), strict=True)
    }
    act = load_actual(inst, write_actual(tmp_path / "opt.csv", cells))
    c = compare(inst, scen, act)
    assert c.broken_rules == ()
    for crit, u in c.uplift.items():
        assert abs(u["pct"]) < 1e-5, crit
    assert c.efficiency.value == pytest.approx(1.0, abs=1e-6)
    for p in c.closest:
        assert p.moved_mln < 1e-4 * c.actual_budget_mln


def check_plans(c, scen, tol: float = 1e-5) -> None:
    """Closest plans: never below the actual, moved money grows with phi, rules hold."""
    fa = c.actual_objectives
    prev = -1.0
    for p in c.closest:
        if p.moved_mln is None:
            continue
        for crit, v in p.objectives.items():
            assert v >= fa[crit] - tol * max(1.0, abs(fa[crit])), (p.phi, crit)
        assert p.moved_mln >= prev - tol * max(1.0, c.actual_budget_mln)
        prev = p.moved_mln
        assert check_scenario(c.instance, scen.with_budget(c.budget_mln), p.volumes, tol=1e-5) == []
        assert np.all(p.volumes <= c.instance.effective_capacity() + 1e-6)
    opt = c.optimal.objectives
    if (
        all(opt[k] >= fa[k] - tol * max(1.0, abs(fa[k])) for k in fa)
        and c.closest[-1].moved_mln is not None
    ):
        # the optimum keeps every criterion: the 100% plan moves no more than it does
        optimum_moved = money_moved(c.instance, c.actual.volume, c.optimal.volumes).moved_mln
        assert c.closest[-1].moved_mln <= optimum_moved + tol * max(1.0, c.actual_budget_mln)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    a1=st.floats(0, 150),
    a2=st.floats(0, 300),
    b1=st.floats(0, 80),
    b2=st.sampled_from([0.0, 10.0]),
)
def test_closest_plan_properties(a1: float, a2: float, b1: float, b2: float) -> None:
    inst = load_instance(TINY)
    scen = load_scenario(inst, "weighted")
    if a1 + 0.5 * a2 + b1 + 0.5 * b2 < 1.0:
        return
    act = spend(
        inst, {("Alpha", "m1"): a1, ("Alpha", "m2"): a2, ("Beta", "m1"): b1, ("Beta", "m2"): b2}
    )
    c = compare(inst, scen, act)
    check_plans(c, scen)
    # volume above capacity and in ineligible cells cannot be kept: it is always moved
    stuck = max(a1 - 100, 0) + 0.5 * max(a2 - 200, 0) + max(b1 - 50, 0) + 0.5 * b2
    for p in c.closest:
        if p.moved_mln is not None:
            assert p.moved_mln >= stuck - 1e-6
    if b2 > 0:
        assert [(i.town, i.measure) for i in c.ineligible] == [("Beta", "m2")]


@pytest.mark.parametrize(
    ("scenario", "actual"),
    [
        ("programme-2014-plan", "programme-2014-plan-illustrative"),
        ("plan-2021", "infrastructure-2020-illustrative"),
    ],
)
def test_kazakhstan_plans_hold(scenario: str, actual: str) -> None:
    inst = load_instance(KZ)
    scen = load_scenario(inst, scenario)
    c = compare(inst, scen, load_actual(inst, actual))
    check_plans(c, scen)
    assert c.efficiency.value is not None and 0 < c.efficiency.value < 1
    assert c.dominance.dominated


def test_broken_rule_and_over_capacity(tiny_copy: Path) -> None:
    # Half of the money must go to the low tier; the actual gives it 20 of 100 and
    # puts 110 into Alpha m1, whose capacity is 100.
    (tiny_copy / "scenarios" / "low-half.toml").write_text(
        'name = "low half"\nbudget_mln = 100\n[[rules]]\nname = "low-half"\ntier = "low"\nmin_share = 0.5\n'
    )
    inst = load_instance(tiny_copy)
    scen = load_scenario(inst, "low-half")
    act = spend(inst, {("Alpha", "m1"): 110, ("Beta", "m1"): 20})
    c = compare(inst, scen, act)
    assert [(v.rule, v.bound) for v in c.broken_rules] == [("low-half", "min_share")]
    # 20 of 130 is 15.4%: 34.6 points short of 50%
    assert c.broken_rules[0].by == pytest.approx(50 - 2000 / 130, rel=1e-6)
    assert [(i.town, i.measure, i.without_effect_mln) for i in c.over_capacity] == [
        ("Alpha", "m1", 10.0)
    ]
    check_plans(c, scen)
    doc = comparison_document(c)
    assert doc["actual"]["broken_rules"][0]["rule"] == "low-half"
    assert doc["actual"]["without_effect_cost_mln"] == pytest.approx(10.0)


def test_unreachable_outcomes_report_null(tiny_copy: Path) -> None:
    # The actual puts 200 into guarantees; the scenario limits guarantees to 50 (volume),
    # so no allocation under the rules reaches its residents: nulls with reasons, no crash.
    (tiny_copy / "scenarios" / "limit.toml").write_text(
        'name = "limited"\nbudget_mln = 100\n[limits]\nguarantee = 50\n'
    )
    inst = load_instance(tiny_copy)
    scen = load_scenario(inst, "limit")
    c = compare(inst, scen, spend(inst, {("Alpha", "m2"): 200}))
    assert [v.rule for v in c.broken_rules] == ["limit guarantee"]
    assert c.efficiency.value is None and c.efficiency.reason
    assert not c.dominance.dominated and c.dominance.reason
    assert all(p.moved_mln is None and p.reason for p in c.closest)
    doc = comparison_document(c)
    assert doc["efficiency"] is None
    assert all(p["moved_mln"] is None for p in doc["closest"])


def test_budget_option_changes_the_comparison_budget() -> None:
    inst = load_instance(TINY)
    scen = load_scenario(inst, "weighted")
    c = compare(inst, scen, load_actual(inst, "spend"), budget_mln=150.0)
    assert c.budget_mln == 150.0 and c.actual_budget_mln == pytest.approx(100.0)
    assert c.optimal.allocated_mln == pytest.approx(150.0)
    assert c.efficiency.value == pytest.approx(0.9, rel=1e-6)  # does not depend on the budget


# ----------------------------------------------------------------------------- CLI


def test_cli_compare_writes_outputs(tiny: Path, tmp_path: Path, runner) -> None:
    out = tmp_path / "out"
    res = runner.invoke(app, ["compare", str(tiny), "--actual", "spend", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "the optimum changes jobs -8" in res.output
    assert "90% of the money" in res.output
    doc = json.loads((out / "comparison.json").read_text())
    assert doc["efficiency"] == pytest.approx(0.9, rel=1e-6)
    rows = list(csv.reader((out / "reallocation.csv").open()))
    assert rows[0][:5] == ["town", "measure", "actual_mln", "optimal_mln", "change_mln"]
    plan = list(csv.reader((out / "closest_plan.csv").open()))
    assert plan[0][:5] == ["town", "measure", "actual_mln", "plan_mln", "change_mln"]
    assert len(plan) == 4
    assert (out / "compare.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list(out.glob(".*tmp"))


def test_cli_compare_json(tiny: Path, runner) -> None:
    res = runner.invoke(
        app, ["compare", str(tiny), "-a", "spend", "--format", "json", "--points", "0"]
    )
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["uplift"]["population"]["abs"] == pytest.approx(110.0, abs=1e-6)


def test_cli_compare_needs_actual(tiny: Path, runner) -> None:
    res = runner.invoke(app, ["compare", str(tiny)])
    assert res.exit_code == 2
    assert "--actual" in res.output


def test_cli_compare_missing_actual_file(tiny: Path, runner) -> None:
    res = runner.invoke(app, ["compare", str(tiny), "--actual", "nope"])
    assert res.exit_code == 2
    assert "nope" in res.output and "Traceback" not in res.output


def test_cli_compare_infeasible_scenario(tiny: Path, runner) -> None:
    res = runner.invoke(app, ["compare", str(tiny), "-a", "spend", "-s", "infeasible"])
    assert res.exit_code == 3, res.output
    assert "infeasible" in res.output


def test_cbc_gives_the_same_comparison() -> None:
    inst = load_instance(TINY)
    c = compare(inst, load_scenario(inst, "weighted"), load_actual(inst, "spend"), solver="cbc")
    assert c.efficiency.value == pytest.approx(0.9, rel=1e-5)
    assert [p.moved_mln for p in c.closest] == pytest.approx(
        [3.5185, 7.6190, 13.75, 65 / 3], rel=1e-4
    )
