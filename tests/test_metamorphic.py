"""Metamorphic properties: more budget never lowers the optimum; multiplying every
money figure by 1000 scales results and leaves shares unchanged; shuffling the
town order changes nothing."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optimizer.domain.instance import load_instance
from optimizer.domain.scenario import load_scenario
from optimizer.errors import InfeasibleError
from optimizer.methods.solution import optimize
from tests.strategies import instance_and_scenario, write_instance

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def solve_or_none(folder: Path, name: str = "s"):
    inst = load_instance(folder)
    try:
        return optimize(inst, load_scenario(inst, name))
    except InfeasibleError:
        return None


def relaxed_rules(scen: dict) -> dict:
    """Without spend_all the budget is a ceiling, so the feasible set at B lies
    inside the one at B + extra (share rules are homogeneous in the budget) and
    the optimum cannot fall. With spend_all it can, so it is dropped here."""
    out = dict(scen)
    out.pop("spend_all", None)
    return out


@SETTINGS
@given(case=instance_and_scenario(), extra=st.floats(0.0, 100.0))
def test_more_budget_never_lowers_the_optimum(case, extra: float) -> None:
    inst, scen = case
    scen = relaxed_rules(scen)
    more = dict(scen, budget_mln=scen["budget_mln"] + extra)
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_instance(Path(tmp) / "i", inst, {"s": scen, "more": more})
        a, b = solve_or_none(folder, "s"), solve_or_none(folder, "more")
        if a is None:
            return
        assert b is not None, "a larger budget made a feasible scenario infeasible"
        assert b.lp_objective >= a.lp_objective - 1e-7 * max(1.0, abs(a.lp_objective))


def scale_money(inst: dict, scen: dict, k: float) -> tuple[dict, dict]:
    """Money x k: budget, limits, mln bounds, per-capita bounds and capacities scale;
    effects per million scale by 1/k."""
    inst = dict(inst)
    inst["measures"] = [
        dict(m, cap_pc=m["cap_pc"] * k, effects=[e / k for e in m["effects"]])
        for m in inst["measures"]
    ]
    inst["effects"] = [
        (t, m, [None if e is None else e / k for e in eff], None if cap is None else cap * k)
        for t, m, eff, cap in inst["effects"]
    ]
    scen = dict(scen, budget_mln=scen["budget_mln"] * k)
    if "limits" in scen:
        scen["limits"] = {a: v * k for a, v in scen["limits"].items()}
    rules = []
    for r in scen.get("rules", []):
        r = dict(r)
        for key in ("min_mln", "max_mln", "min_per_capita", "max_per_capita"):
            if key in r:
                r[key] = r[key] * k
        rules.append(r)
    scen["rules"] = rules
    return inst, scen


@SETTINGS
@given(case=instance_and_scenario())
def test_scaling_money_scales_results(case) -> None:
    inst, scen = case
    inst_k, scen_k = scale_money(inst, scen, 1000.0)
    with tempfile.TemporaryDirectory() as tmp:
        a = solve_or_none(write_instance(Path(tmp) / "a", inst, {"s": scen}))
        b = solve_or_none(write_instance(Path(tmp) / "b", inst_k, {"s": scen_k}))
        assert (a is None) == (b is None)
        if a is None:
            return
        # criteria are unchanged (effects per million / 1000, volumes x 1000)
        for c in a.objectives:
            assert np.isclose(b.objectives[c], a.objectives[c], rtol=1e-5, atol=1e-6)
        assert np.isclose(b.allocated_mln, 1000 * a.allocated_mln, rtol=1e-6, atol=1e-6)
        if a.allocated_mln > 1e-9:
            # shares by measure are unchanged where the optimum is unique; compare
            # the objective-relevant totals instead of a possibly tied allocation
            assert np.isclose(b.lp_objective, a.lp_objective, rtol=1e-5, atol=1e-7)


@SETTINGS
@given(case=instance_and_scenario(), seed=st.integers(0, 2**16))
def test_shuffling_towns_changes_nothing(case, seed: int) -> None:
    inst, scen = case
    order = np.random.default_rng(seed).permutation(len(inst["towns"]))
    shuffled = dict(inst, towns=[inst["towns"][i] for i in order])
    with tempfile.TemporaryDirectory() as tmp:
        a = solve_or_none(write_instance(Path(tmp) / "a", inst, {"s": scen}))
        b = solve_or_none(write_instance(Path(tmp) / "b", shuffled, {"s": scen}))
        assert (a is None) == (b is None)
        if a is None:
            return
        assert np.isclose(a.lp_objective, b.lp_objective, rtol=1e-7, atol=1e-9)
        for c in a.objectives:
            assert np.isclose(a.objectives[c], b.objectives[c], rtol=1e-6, atol=1e-6)


def test_scaled_tiny_shares_unchanged(tiny_copy: Path) -> None:
    """On the tiny instance (unique optimum for jobs) shares by town are unchanged x1000."""
    inst = load_instance(tiny_copy)
    a = optimize(inst, load_scenario(inst, "jobs-only"))
    m = (tiny_copy / "measures.csv").read_text().replace(",1000,1.0,0.5", ",1000000,0.001,0.0005")
    m = m.replace(",2000,0.2,2.0", ",2000000,0.0002,0.002")
    (tiny_copy / "measures.csv").write_text(m)
    s = (
        (tiny_copy / "scenarios" / "jobs-only.toml")
        .read_text()
        .replace("budget_mln = 100", "budget_mln = 100000")
    )
    (tiny_copy / "scenarios" / "jobs-only.toml").write_text(s)
    inst_k = load_instance(tiny_copy)
    b = optimize(inst_k, load_scenario(inst_k, "jobs-only"))
    np.testing.assert_allclose(b.cost / b.allocated_mln, a.cost / a.allocated_mln, atol=1e-9)
    assert b.objectives["jobs"] == a.objectives["jobs"] or np.isclose(
        b.objectives["jobs"], a.objectives["jobs"]
    )
