"""Every method on the tiny instance, against optima worked out by hand.

tests/data/tiny, budget 100. Cells and their curve segments (widths 0.5/0.5,
multipliers 1.0/0.5); per million of *budget cost* (jobs, population), capacity
in budget cost:
    Beta  m1 seg0  (2.0, 1.0)   25     (low tier: m1 multiplier 2.0; m2 not eligible)
    Alpha m1 seg0  (1.0, 0.5)   50
    Beta  m1 seg1  (1.0, 0.5)   25
    Alpha m1 seg1  (0.5, 0.25)  50
    Alpha m2 seg0  (0.4, 4.0)   50     (guarantee: budget cost 0.5 per volume)
    Alpha m2 seg1  (0.2, 2.0)   50
jobs max: Beta m1 s0 (50 jobs) + Alpha m1 s0 and Beta m1 s1 (75 at 1.0) = 125 jobs,
    population 25 + 25 + 12.5 = 62.5.
population max: Alpha m2 both segments = 200 + 100 = 300 residents, 20 + 10 = 30 jobs.
Payoff: ideal (125, 300), nadir (30, 62.5), ranges (95, 237.5).
weighted (1, 1, payoff): per-million values j/95 + p/237.5: 0.02526, 0.01263, 0.01263,
    0.00632, 0.02105, 0.01053 -> Beta s0 (25), Alpha m2 s0 (50), then 25 at 0.01263:
    jobs 50 + 20 + 25 = 95, population 25 + 200 + 12.5 = 237.5; objective 2.0.
lexicographic (population, jobs): population 300 leaves no choice: jobs 30.
epsilon (max jobs, population >= 200): from the jobs optimum, move money from the
    (1.0, 0.5) cells to Alpha m2 s0 (0.4, 4.0): -0.6 jobs, +3.5 residents per million;
    137.5 more residents need 39.2857 mln: jobs 125 - 23.5714 = 101.428571.
min_budget (jobs >= 50, population >= 100): Beta m1 s0 b1 and Alpha m2 s0 b2 with
    2 b1 + 0.4 b2 = 50, b1 + 4 b2 = 100: b2 = 375/19, b1 = 400/19, A = 775/19 = 40.789474.
    Duals (0.3947, 0.2105) price every other cell at 0.5 < 1, so this is optimal.
reference (ref 60, 150, normalize none): max min(f_j - 60, f_p - 150): on the front
    edge (95, 237.5)-(125, 62.5): 35 + 30 t = 87.5 - 175 t, t = 52.5/205:
    (102.682927, 192.682927).
goal (targets 100, 250, weights 1, normalize none): on the edge (95, 237.5)-(75, 275)
    the shortfall 17.5 - 17.5 t falls until population reaches 250 (t = 1/3):
    (88.333333, 250), total shortfall 11.6667.
"""

from __future__ import annotations

import numpy as np
import pytest

from optimizer.domain.instance import load_instance
from optimizer.domain.scenario import load_scenario
from optimizer.methods.solution import optimize

HAND = {
    "weighted": (95.0, 237.5, 100.0),
    "jobs-only": (125.0, 62.5, 100.0),
    "lexicographic": (30.0, 300.0, 100.0),
    "epsilon": (101.428571428, 200.0, 100.0),
    "min-budget": (50.0, 100.0, 775 / 19),
    "reference": (102.682926829, 192.682926829, 100.0),
    "goal": (88.333333333, 250.0, 100.0),
}


@pytest.mark.parametrize("solver", ["highs", "cbc"])
@pytest.mark.parametrize("name", sorted(HAND))
def test_method_matches_hand(tiny, name: str, solver: str) -> None:
    inst = load_instance(tiny)
    sol = optimize(inst, load_scenario(inst, name), solver)
    jobs, pop, alloc = HAND[name]
    assert sol.objectives["jobs"] == pytest.approx(jobs, rel=1e-6, abs=1e-5)
    assert sol.objectives["population"] == pytest.approx(pop, rel=1e-6, abs=1e-5)
    assert sol.allocated_mln == pytest.approx(alloc, rel=1e-6)


def test_payoff_table(tiny) -> None:
    inst = load_instance(tiny)
    sol = optimize(inst, load_scenario(inst, "weighted"))
    assert sol.payoff is not None
    np.testing.assert_allclose(sol.payoff.ideal, [125, 300], rtol=1e-6)
    np.testing.assert_allclose(sol.payoff.nadir, [30, 62.5], rtol=1e-6)
    assert sol.lp_objective == pytest.approx(2.0, rel=1e-6)


def test_budget_shadow_price_is_the_marginal_cell(tiny) -> None:
    # weighted: the last million goes to a (1.0, 0.5) cell worth 1/95 + 0.5/237.5
    inst = load_instance(tiny)
    sol = optimize(inst, load_scenario(inst, "weighted"))
    budget = next(p for p in sol.shadow_prices if p.name == "budget")
    assert budget.value == pytest.approx(1 / 95 + 0.5 / 237.5, rel=1e-6)


def test_min_budget_allocation_by_hand(tiny) -> None:
    inst = load_instance(tiny)
    sol = optimize(inst, load_scenario(inst, "min-budget"))
    beta, alpha = inst.towns.index("Beta"), inst.towns.index("Alpha")
    m1, m2 = inst.measures.index("m1"), inst.measures.index("m2")
    assert sol.cost[beta, m1] == pytest.approx(400 / 19, rel=1e-6)
    assert sol.cost[alpha, m2] == pytest.approx(375 / 19, rel=1e-6)
    assert sol.cost[alpha, m1] == pytest.approx(0.0, abs=1e-7)
