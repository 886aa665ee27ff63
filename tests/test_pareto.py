"""The exact efficient front (`optimizer.pareto`, `monotowns pareto`), issue 4.

Every front is checked against LPs built here from the instance arrays and
solved with scipy's linprog, sharing no code with `optimizer.model` or the
solver layer: each reported point must be feasible and efficient, and no
weighted optimum may lie beyond the reported front.
"""

from __future__ import annotations

import shutil
import tempfile
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from optimizer.analysis.pareto import ParetoFront, compute_front
from optimizer.cli import app
from optimizer.domain.evaluate import score_volumes
from optimizer.domain.instance import Instance, load_instance
from optimizer.domain.scenario import Scenario, load_scenario
from optimizer.errors import InfeasibleError, InstanceError
from optimizer.generate import generate_instance
from optimizer.outputs.plots.pareto import front_png
from optimizer.outputs.tables import front_tables
from optimizer.outputs.text import front_message
from tests.conftest import TINY
from tests.strategies import (
    instance_and_scenario,
    instances,
    money,
    rules,
    selects_something,
    write_instance,
)

# ----------------------------------------------------------------------------- the tiny front by hand
#
# tests/data/tiny, budget 100, curve widths (0.5, 0.5), multipliers (1, 0.5).
# Per million of *budget* (volume / budget_cost), with what each segment holds:
#
#   cell (segment)     capacity       budget held   jobs / mln   residents / mln
#   Beta  m1 (s0)      50 * 0.5       25            2.0          1.0    (low tier: m1 x2)
#   Beta  m1 (s1)                     25            1.0          0.5
#   Alpha m1 (s0)      100 * 0.5      50            1.0          0.5
#   Alpha m1 (s1)                     50            0.5          0.25
#   Alpha m2 (s0)      200 * 0.5      50            0.4          4.0    (guarantee, cost 0.5)
#   Alpha m2 (s1)                     50            0.2          2.0
#   Beta  m2           not eligible in the low tier
#
# Max population: all 100 in Alpha m2 (50 * 4 + 50 * 2 = 300 residents, 50 * 0.4 +
# 50 * 0.2 = 30 jobs): (30, 300). From there, swaps in order of the fewest
# residents lost per job gained:
#   Alpha m2 s1 -> Beta m1 s0: +1.8 jobs, -1 resident per mln, 25 mln -> (75, 275)
#   Alpha m2 s1 -> Alpha m1 s0 / Beta m1 s1: +0.8, -1.5 per mln, the other 25 mln
#                                                              -> (95, 237.5)
#   Alpha m2 s0 -> Alpha m1 s0 / Beta m1 s1: +0.6, -3.5 per mln, 50 mln -> (125, 62.5)
# (125, 62.5) is max jobs: all 100 on the segments with >= 1 job per mln.
# Rates (residents per job given up): 25/45, 37.5/20, 175/30.
TINY_VERTICES = [(30.0, 300.0), (75.0, 275.0), (95.0, 237.5), (125.0, 62.5)]
TINY_RATES = [25 / 45, 37.5 / 20, 175 / 30]


# ----------------------------------------------------------------------------- independent LP


class IndependentLP:
    """SPEC section 3 as dense arrays for scipy: columns x[t, m, s], rows A_ub x <= b_ub."""

    def __init__(self, inst: Instance, scen: Scenario) -> None:
        T, M, S = inst.n_towns, inst.n_measures, len(inst.widths)
        C = len(inst.criteria)
        self.n = n = T * M * S
        cap = np.where(inst.eligible, inst.capacity, 0.0)
        self.ub = (cap[:, :, None] * inst.widths[None, None, :]).ravel()
        coef = inst.base * (inst.mult * inst.eligible)[:, :, None]  # (T, M, C)
        self.F = (coef[:, :, None, :] * inst.seg_mult[None, None, :, None]).reshape(n, C).T
        money = np.repeat(np.broadcast_to(inst.budget_cost, (T, M)).ravel(), S)
        cell = np.repeat(np.arange(T * M), S)
        town = cell // M
        rows: list[np.ndarray] = []
        rhs: list[float] = []

        def at_most(row: np.ndarray, v: float) -> None:
            rows.append(row)
            rhs.append(v)

        def at_least(row: np.ndarray, v: float) -> None:
            at_most(-row, -v)

        at_most(money, scen.budget_mln)
        if scen.spend_all:
            at_least(money, scen.budget_mln)
        for instrument, limit in scen.limits.items():
            meas = np.array([i == instrument for i in inst.instruments])
            at_most(np.repeat(np.broadcast_to(meas, (T, M)).ravel(), S).astype(float), limit)
        for rule in scen.rules:
            sel = rule.cells(inst).ravel()[cell]
            for b in rule.bounds:
                per_town = rule.per_town or "per_capita" in b.kind
                groups = [sel & (town == t) for t in range(T)] if per_town else [sel]
                for g in groups:
                    if not g.any():
                        continue
                    spent = money * g
                    if "share" in b.kind:
                        row, v = spent - b.value * money, 0.0
                    elif "per_capita" in b.kind:
                        t = int(town[np.flatnonzero(g)[0]])
                        row, v = spent, b.value * inst.population[t] / 1e6
                    else:
                        row, v = spent, b.value
                    (at_least if b.kind.startswith("min_") else at_most)(row, v)
        self.A = np.array(rows)
        self.b = np.array(rhs)
        self.T, self.M, self.S = T, M, S

    def weighted(self, w: np.ndarray) -> tuple[float, np.ndarray] | None:
        """max w . f(x): (optimum, f at the optimum), None if infeasible."""
        res = linprog(-(w @ self.F), A_ub=self.A, b_ub=self.b,
                      bounds=np.stack([np.zeros(self.n), self.ub], axis=1), method="highs")  # fmt: skip
        if res.status == 2:
            return None
        assert res.status == 0, res.message
        return -float(res.fun), self.F @ res.x

    def dominance_gain(self, v: np.ndarray, scale: np.ndarray) -> float:
        """max sum_c s_c / scale_c s.t. f(x) >= v + s, s >= 0; ~0 iff v is efficient."""
        C = len(v)
        cost = np.concatenate([np.zeros(self.n), -1.0 / scale])
        A = np.vstack([np.hstack([self.A, np.zeros((len(self.b), C))]),
                       np.hstack([-self.F, np.eye(C)])])  # fmt: skip
        b = np.concatenate([self.b, -v])
        bounds = np.vstack([np.stack([np.zeros(self.n), self.ub], axis=1),
                            np.stack([np.zeros(C), np.full(C, np.inf)], axis=1)])  # fmt: skip
        res = linprog(cost, A_ub=A, b_ub=b, bounds=bounds, method="highs")
        assert res.status == 0, f"a reported point is not even reachable: {res.message}"
        return -float(res.fun)

    def feasible_volumes(self, volumes: np.ndarray, tol: float = 1e-6) -> bool:
        """Fill the volumes into segments in order and check every row and bound."""
        seg = self.ub.reshape(self.T, self.M, self.S)
        before = np.concatenate([np.zeros((self.T, self.M, 1)), np.cumsum(seg, axis=2)[:, :, :-1]],
                                axis=2)  # fmt: skip
        x = np.clip(volumes[:, :, None] - before, 0.0, seg).ravel()
        inside = np.allclose(x.reshape(self.T, self.M, self.S).sum(axis=2), volumes, atol=tol)
        return inside and bool(np.all(self.A @ x <= self.b + tol * np.maximum(1.0, np.abs(self.b))))


def payoff_scale(front: ParetoFront) -> np.ndarray:
    assert front.payoff is not None
    r = front.payoff.ideal - front.payoff.nadir
    return np.where(r > 1e-9, r, 1.0)


def assert_efficient(inst: Instance, scen: Scenario, front: ParetoFront) -> None:
    lp = IndependentLP(inst, scen)
    scale = payoff_scale(front)
    for k, p in enumerate(front.points):
        assert lp.feasible_volumes(p.volumes), f"point {k + 1} breaks a bound"
        assert np.allclose(score_volumes(inst, p.volumes), p.values, rtol=1e-9, atol=1e-9)
        gain = lp.dominance_gain(p.values, scale)
        assert gain <= 1e-6, f"point {k + 1} {p.values} is dominated (gain {gain:g})"


def front_height(front: ParetoFront, at_x: float) -> float:
    """y of the piecewise-linear two-criterion front at x (sorted by x)."""
    V = front.values
    return float(np.interp(at_x, V[:, front.x], V[:, front.y]))


def assert_not_beyond(front: ParetoFront, f: np.ndarray, scale: np.ndarray) -> None:
    """A weighted optimum's outcome f lies on or below the front (normalized tolerance)."""
    x, y = front.x, front.y
    V = front.values
    tol = 1e-6
    assert f[x] <= V[:, x].max() + tol * scale[x]
    assert f[y] <= V[:, y].max() + tol * scale[y]
    if f[x] >= V[:, x].min():
        assert f[y] <= front_height(front, f[x]) + tol * scale[y], (f, V)


# ----------------------------------------------------------------------------- fixtures


@cache
def loaded(folder: str, scenario: str | None) -> tuple[Instance, Scenario]:
    inst = load_instance(Path(folder))
    return inst, load_scenario(inst, scenario)


@cache
def front_of(folder: str, scenario: str | None, points: int = 21) -> ParetoFront:
    inst, scen = loaded(folder, scenario)
    return compute_front(inst, scen, points)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pareto")


@pytest.fixture(scope="module")
def tiny_rules(workdir: Path) -> str:
    """tiny with a guarantee limit and a low-tier floor: the front moves, still exact."""
    dst = workdir / "tiny-rules"
    shutil.copytree(TINY, dst)
    (dst / "scenarios" / "ruled.toml").write_text(
        'name = "ruled"\nbudget_mln = 100\n[limits]\nguarantee = 120\n'
        '[[rules]]\nname = "low floor"\ntier = "low"\nmin_share = 0.3\n'
    )
    return str(dst)


@pytest.fixture(scope="module")
def synthetic2(workdir: Path) -> str:
    return str(generate_instance(workdir / "syn2", towns=8, seed=3, criteria=2))


@pytest.fixture(scope="module")
def synthetic3(workdir: Path) -> str:
    return str(generate_instance(workdir / "syn3", towns=8, seed=5, criteria=3))


@pytest.fixture(scope="module")
def synthetic3b(workdir: Path) -> str:
    return str(generate_instance(workdir / "syn3b", towns=6, seed=11, criteria=3))


@pytest.fixture(scope="module")
def flat3(workdir: Path) -> str:
    """tiny with a third criterion, firms, that no measure moves: a zero range."""
    dst = workdir / "flat3"
    shutil.copytree(TINY, dst)
    toml = (dst / "instance.toml").read_text()
    (dst / "instance.toml").write_text(toml.replace('criteria = ["jobs", "population"]',
                                                    'criteria = ["jobs", "population", "firms"]'))  # fmt: skip
    lines = (dst / "measures.csv").read_text().splitlines()
    lines = [lines[0] + ",firms_per_mln"] + [row + ",0" for row in lines[1:]]
    (dst / "measures.csv").write_text("\n".join(lines) + "\n")
    return str(dst)


@pytest.fixture(scope="module")
def single(workdir: Path) -> str:
    """tiny with jobs and residents per million equal in every measure: one best point."""
    dst = workdir / "single"
    shutil.copytree(TINY, dst)
    (dst / "measures.csv").write_text(
        "measure,label,instrument,budget_cost,capacity_per_capita,jobs_per_mln,population_per_mln\n"
        "m1,Employment support,grant,1.0,1000,1.0,1.0\n"
        "m2,Guarantee for enterprises,guarantee,0.5,2000,0.2,0.2\n"
    )
    return str(dst)


# ----------------------------------------------------------------------------- two criteria


def test_tiny_breakpoints_are_the_hand_vertices() -> None:
    front = front_of(str(TINY), "weighted")
    assert front.method == "dichotomic"
    assert front_message(front) is None
    got = np.array([p.values for p in front.breakpoints])
    np.testing.assert_allclose(got, TINY_VERTICES, rtol=0, atol=1e-7)
    # 4 solves for the two lexicographic ends, 2k - 3 = 5 for the search.
    assert front.solves == 9
    knee = front.knee
    assert knee is not None and knee.is_breakpoint
    np.testing.assert_allclose(knee.values, (95.0, 237.5), atol=1e-7)


def test_tiny_rates_are_residents_per_job_along_each_edge() -> None:
    front = front_of(str(TINY), "weighted")
    bps = front.breakpoints
    assert (front.criteria[front.y], front.criteria[front.x]) == ("population", "jobs")
    assert bps[0].rate_prev is None and bps[-1].rate_next is None
    for edge, want in enumerate(TINY_RATES):
        assert bps[edge].rate_next == pytest.approx(want, rel=1e-9)
        assert bps[edge + 1].rate_prev == pytest.approx(want, rel=1e-9)
    for p in front.points:  # concave: giving up jobs buys fewer residents further left
        if p.rate_prev is not None and p.rate_next is not None:
            assert p.rate_prev <= p.rate_next + 1e-9


def test_points_are_evenly_spaced_by_normalized_arc_length() -> None:
    points = 21
    front = front_of(str(TINY), "weighted", points)
    scale = payoff_scale(front)
    assert front.payoff is not None
    z = (front.values - front.payoff.nadir) / scale
    arc = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(z, axis=0), axis=1))])
    step = arc[-1] / (points - 1)
    spaced = np.array([not p.is_breakpoint for p in front.points])
    k = arc[spaced] / step
    np.testing.assert_allclose(k, np.round(k), atol=1e-6)
    # every evenly spaced position is there, as a spaced point or a breakpoint
    assert set(np.round(arc / step, 6)) >= set(float(i) for i in range(points)) - set(
        np.round(arc[~spaced] / step, 6)
    )
    assert len(front.points) == points + len(front.breakpoints) - 2
    assert np.all(np.diff(front.values[:, front.x]) > 0)  # sorted along the front


@pytest.mark.parametrize("case", ["tiny", "tiny-rules", "synthetic"])
def test_every_point_is_feasible_and_efficient(case: str, tiny_rules: str, synthetic2: str) -> None:
    folder, scenario = {"tiny": (str(TINY), "weighted"), "tiny-rules": (tiny_rules, "ruled"),
                        "synthetic": (synthetic2, None)}[case]  # fmt: skip
    inst, scen = loaded(folder, scenario)
    front = front_of(folder, scenario, 11)
    assert len(front.breakpoints) >= 2
    assert_efficient(inst, scen, front)


def test_a_rule_moves_the_front(tiny_rules: str) -> None:
    plain = front_of(str(TINY), "weighted")
    ruled = front_of(tiny_rules, "ruled")
    assert ruled.values[:, 1].max() < plain.values[:, 1].max() - 1.0


WEIGHTS = st.tuples(st.floats(0, 1), st.floats(0, 1)).filter(lambda w: sum(w) > 1e-3)


@settings(max_examples=40, deadline=None)
@given(w=WEIGHTS, case=st.sampled_from(["tiny", "tiny-rules"]))
def test_no_weighted_optimum_lies_beyond_the_front(
    tiny_rules: str, w: tuple[float, float], case: str
) -> None:
    folder, scenario = (str(TINY), "weighted") if case == "tiny" else (tiny_rules, "ruled")
    check_weighted(folder, scenario, np.array(w))


@settings(max_examples=30, deadline=None)
@given(w=WEIGHTS)
def test_no_weighted_optimum_lies_beyond_the_synthetic_front(
    synthetic2: str, w: tuple[float, float]
) -> None:
    check_weighted(synthetic2, None, np.array(w))


def check_weighted(folder: str, scenario: str | None, w: np.ndarray) -> None:
    inst, scen = loaded(folder, scenario)
    front = front_of(folder, scenario)
    scale = payoff_scale(front)
    wn = w / scale  # weights on payoff-normalized criteria
    best = IndependentLP(inst, scen).weighted(wn)
    assert best is not None
    value, f = best
    reach = float((front.values @ wn).max())
    assert reach >= value - 1e-7 * max(1.0, abs(value))
    assert_not_beyond(front, f, scale)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=instance_and_scenario(), w=st.floats(0.0, 1.0))
def test_random_instances_give_efficient_complete_fronts(case: tuple[dict, dict], w: float) -> None:
    raw, scen_doc = case
    with tempfile.TemporaryDirectory() as d:
        folder = write_instance(Path(d) / "inst", raw, {"s": scen_doc})
        inst = load_instance(folder)
        try:
            scen = load_scenario(inst, "s")
        except InfeasibleError:
            return  # share floors only the empty plan meets (README decisions)
        lp = IndependentLP(inst, scen)
        try:
            front = compute_front(inst, scen, points=5)
        except InfeasibleError:
            assert lp.weighted(np.ones(2)) is None
            return
        assert len(front.points) >= 1
        assert_efficient(inst, scen, front)
        scale = payoff_scale(front)
        wn = np.array([w, 1.0 - w]) / scale
        best = lp.weighted(wn)
        assert best is not None
        assume(len(front.points) > 1)
        assert float((front.values @ wn).max()) >= best[0] - 1e-7 * max(1.0, abs(best[0]))
        assert_not_beyond(front, best[1], scale)


def test_model_is_built_once(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from optimizer.lp.engine import Engine

    methods = sys.modules[Engine.__module__]

    calls = []
    real = methods.build_model
    monkeypatch.setattr(methods, "build_model", lambda *a: calls.append(1) or real(*a))
    inst, scen = loaded(str(TINY), "weighted")
    front = compute_front(inst, scen)
    assert len(calls) == 1 and front.solves > 1


def test_an_open_engine_is_reused() -> None:
    from optimizer.lp.engine import Engine

    inst, scen = loaded(str(TINY), "weighted")
    eng = Engine.open(inst, scen)
    seen: list[int] = []
    eng.on_solve = seen.append  # the progress display's hook: called after every solve
    front = compute_front(inst, scen, engine=eng)
    assert eng.solves == front.solves
    assert seen == list(range(1, front.solves + 1))
    np.testing.assert_allclose(front.values, front_of(str(TINY), "weighted").values)


def test_cbc_gives_the_same_breakpoints() -> None:
    inst, scen = loaded(str(TINY), "weighted")
    front = compute_front(inst, scen, points=3, solver="cbc")
    np.testing.assert_allclose([p.values for p in front.breakpoints], TINY_VERTICES, atol=1e-5)


# ----------------------------------------------------------------------------- three criteria


def test_three_criteria_grid_points_are_efficient(synthetic3: str) -> None:
    inst, scen = loaded(synthetic3, None)
    front = front_of(synthetic3, None, 6)
    assert front.method == "augmecon2"
    assert len(front.criteria) == 3
    assert len(front.points) > 6
    z = (front.values - front.values.min(axis=0)) / payoff_scale(front)
    gaps = np.abs(z[:, None, :] - z[None, :, :]).max(axis=2) + np.eye(len(z))
    assert gaps.min() > 1e-8, "duplicate points"
    assert_efficient(inst, scen, front)
    knee = front.knee
    assert knee is not None
    # each payoff row (best on one criterion) is on the front and marked
    assert front.payoff is not None
    for c in range(3):
        assert front.values[:, c].max() == pytest.approx(front.payoff.ideal[c], rel=1e-9)
    assert 1 <= len(front.breakpoints) <= 3


@st.composite
def three_criteria_cases(draw: st.DrawFn) -> tuple[dict, dict]:
    raw = draw(instances(criteria=3))
    scen = {"budget_mln": draw(money), "spend_all": draw(st.booleans())}
    scen["rules"] = [r for r in draw(rules(raw)) if selects_something(raw, r)]
    return raw, scen


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=three_criteria_cases())
def test_random_three_criteria_grids_are_efficient(case: tuple[dict, dict]) -> None:
    raw, scen_doc = case
    with tempfile.TemporaryDirectory() as d:
        folder = write_instance(Path(d) / "inst", raw, {"s": scen_doc})
        inst = load_instance(folder)
        try:
            scen = load_scenario(inst, "s")
        except InfeasibleError:
            return  # share floors only the empty plan meets (README decisions)
        try:
            front = compute_front(inst, scen, points=4)
        except InfeasibleError:
            assert IndependentLP(inst, scen).weighted(np.ones(3)) is None
            return
        assert_efficient(inst, scen, front)


def test_three_criteria_second_seed_and_cbc(synthetic3b: str) -> None:
    inst, scen = loaded(synthetic3b, None)
    highs = compute_front(inst, scen, points=4)
    assert_efficient(inst, scen, highs)
    cbc = compute_front(inst, scen, points=4, solver="cbc")
    # the same grid: the same number of points, each found by HiGHS up to round-off
    assert len(cbc.points) == len(highs.points)
    for v in cbc.values:
        assert np.abs(highs.values - v).max(axis=1).min() <= 1e-5 * np.abs(v).max()


def test_zero_range_criterion_gives_a_message_not_a_crash(flat3: str) -> None:
    inst, scen = loaded(flat3, "weighted")
    front = compute_front(inst, scen, points=5)
    assert front.zero_range == ("firms",) and not front.single_point
    message = front_message(front)
    assert message is not None and message.startswith("zero range: firms (always 0)")
    assert np.all(front.values[:, 2] == 0.0)
    assert_efficient(inst, scen, front)
    # the two live criteria still span the tiny front
    np.testing.assert_allclose(front.values[:, :2].max(axis=0), (125.0, 300.0), atol=1e-6)


def test_single_point_front(single: str) -> None:
    inst, scen = loaded(single, "weighted")
    front = compute_front(inst, scen)
    assert len(front.points) == 1
    assert front.single_point and front.zero_range == ()
    message = front_message(front)
    assert message is not None and message.startswith("the front is a single point")
    p = front.points[0]
    assert p.is_breakpoint and p.rate_prev is None and p.rate_next is None
    assert front.knee is None
    np.testing.assert_allclose(p.values, (125.0, 125.0), atol=1e-7)
    assert_efficient(inst, scen, front)


def test_infeasible_scenario_raises_with_a_diagnosis() -> None:
    inst, scen = loaded(str(TINY), "infeasible")
    with pytest.raises(InfeasibleError) as e:
        compute_front(inst, scen)
    assert "low floor" in str(e.value)
    assert e.value.diagnosis is not None


def test_too_few_points_is_bad_input() -> None:
    inst, scen = loaded(str(TINY), "weighted")
    with pytest.raises(InstanceError, match="at least 2"):
        compute_front(inst, scen, points=1)


# ----------------------------------------------------------------------------- the shipped instance

KAZAKHSTAN = Path(__file__).resolve().parents[1] / "instances" / "kazakhstan"


@pytest.mark.skipif(not (KAZAKHSTAN / "instance.toml").is_file(), reason="no Kazakhstan instance")
def test_kazakhstan_front_is_exact() -> None:
    inst, scen = loaded(str(KAZAKHSTAN), None)
    front = front_of(str(KAZAKHSTAN), None)
    assert front.method == "dichotomic" and front_message(front) is None
    assert front.solves == 4 + 2 * len(front.breakpoints) - 3
    assert front.knee is not None
    assert_efficient(inst, scen, front)
    lp, scale = IndependentLP(inst, scen), payoff_scale(front)
    for w in np.random.default_rng(0).random((25, 2)):
        best = lp.weighted(w / scale)
        assert best is not None
        assert float((front.values @ (w / scale)).max()) >= best[0] - 1e-7 * abs(best[0])
        assert_not_beyond(front, best[1], scale)


# ----------------------------------------------------------------------------- tables and plot


def test_tables_have_the_spec_columns() -> None:
    inst, _ = loaded(str(TINY), "weighted")
    front = front_of(str(TINY), "weighted", 5)
    (head, rows), (alloc_head, alloc) = front_tables(front, inst)
    assert head[:6] == ["point", "jobs", "population", "allocated_mln", "is_breakpoint", "is_knee"]
    assert alloc_head[:4] == ["point", "town", "measure", "volume_mln"]
    assert [r[0] for r in rows] == list(range(1, len(front.points) + 1))
    assert sum(r[4] for r in rows) == 4 and sum(r[5] for r in rows) == 1
    assert all(r[3] > 0 for r in alloc)
    for k, p in enumerate(front.points, start=1):
        vol = sum(r[3] for r in alloc if r[0] == k)
        assert vol == pytest.approx(p.volumes.sum(), rel=1e-9)


def png_ok(data: bytes) -> bool:
    return data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000


def test_plot_two_criteria_with_actual(tmp_path: Path) -> None:
    front = front_of(str(TINY), "weighted", 11)
    path = tmp_path / "pareto.png"
    path.write_bytes(front_png(front, np.array([103.0, 127.5]), "Tiny", "KZT"))
    assert png_ok(path.read_bytes())


def test_plot_three_criteria_and_single_point(synthetic3: str, single: str) -> None:
    assert png_ok(front_png(front_of(synthetic3, None, 6), instance_name="synthetic"))
    assert png_ok(front_png(front_of(single, "weighted"), instance_name="single"))


# ----------------------------------------------------------------------------- command line


def test_cli_writes_the_three_files(runner: object, tmp_path: Path) -> None:
    out = tmp_path / "out"
    res = runner.invoke(app, ["pareto", str(TINY), "--points", "5", "--out", str(out)])  # type: ignore[attr-defined]
    assert res.exit_code == 0, res.output
    shown = {p.name for p in out.iterdir() if not p.name.startswith(".")}
    assert shown == {"pareto.csv", "pareto_allocations.csv", "pareto.png"}
    text = (out / "pareto.csv").read_text().splitlines()
    assert text[0].startswith("point,jobs,population,allocated_mln,is_breakpoint,is_knee")
    assert text[1].startswith("1,30,300,100,true,false")
    assert sum(",true,true," in line for line in text) == 1  # the knee is a breakpoint
    assert (out / "pareto_allocations.csv").read_text().startswith("point,town,measure,volume_mln")
    assert png_ok((out / "pareto.png").read_bytes())
    assert "knee" in res.stdout and "237.5" in res.stdout


def test_cli_actual_spend_is_dominated(runner: object, tmp_path: Path) -> None:
    res = runner.invoke(app, ["pareto", str(TINY), "--actual", "spend", "--out", str(tmp_path)])  # type: ignore[attr-defined]
    assert res.exit_code == 0, res.output
    assert "dominated: within 100.0 mln KZT and the scenario's rules" in res.stdout
    assert "the front is at the spend's budget cost" in res.stdout
    assert png_ok((tmp_path / "pareto.png").read_bytes())


def test_cli_infeasible_exits_3(runner: object, tmp_path: Path) -> None:
    res = runner.invoke(app, ["pareto", str(TINY), "-s", "infeasible", "--out", str(tmp_path)])  # type: ignore[attr-defined]
    assert res.exit_code == 3
    assert "low floor" in res.output
    assert not any(tmp_path.iterdir())


def test_cli_single_point_and_zero_range_messages(runner: object, single: str, flat3: str) -> None:
    res = runner.invoke(app, ["pareto", single])  # type: ignore[attr-defined]
    assert res.exit_code == 0, res.output
    assert "single point" in res.output
    res = runner.invoke(app, ["pareto", flat3, "--points", "3"])  # type: ignore[attr-defined]
    assert res.exit_code == 0, res.output
    assert "zero range" in res.output


def test_cli_bad_input_exits_2(runner: object, tmp_path: Path) -> None:
    res = runner.invoke(app, ["pareto", str(TINY), "--points", "1"])  # type: ignore[attr-defined]
    assert res.exit_code == 2
    res = runner.invoke(app, ["pareto", str(TINY), "--actual", "nosuch"])  # type: ignore[attr-defined]
    assert res.exit_code == 2
    res = runner.invoke(app, ["pareto", str(TINY), "--budget", "lots"])  # type: ignore[attr-defined]
    assert res.exit_code == 2


def test_cli_refuses_to_write_over_an_input(runner: object, tiny_copy: Path) -> None:
    (tiny_copy / "actual" / "pareto.csv").write_text("town,measure,amount_mln\nAlpha,m1,1\n")
    res = runner.invoke(app, ["pareto", str(tiny_copy), "--out", str(tiny_copy / "actual")])  # type: ignore[attr-defined]
    assert res.exit_code == 2
    assert "overwrite" in res.output
    assert not (tiny_copy / "actual" / "pareto.png").exists()
