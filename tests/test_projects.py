"""Projects (SPEC section 12): the file, the model, proven-optimal MIP solves, and the
exact front checked point for point against every subset of projects."""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path

import numpy as np
import pytest

from optimizer.analysis.pareto import compute_front
from optimizer.cli import app
from optimizer.domain.instance import load_instance
from optimizer.domain.scenario import load_scenario
from optimizer.generate import generate_instance
from optimizer.methods.solution import optimize

PROJECTS = Path(__file__).parent / "data" / "tiny-projects"


@pytest.fixture
def projects_copy(tmp_path: Path) -> Path:
    dst = tmp_path / "tiny-projects"
    shutil.copytree(PROJECTS, dst)
    return dst


# ----------------------------------------------------------------------------- brute force


def subsets_outcomes(inst, scen) -> tuple[np.ndarray, np.ndarray]:
    """(N, C) criteria and (N, P) choices of every feasible subset of all-or-nothing
    projects (budget, line caps, at most one per group; no cells, no rules)."""
    pr = inst.projects
    P = len(pr)
    choice = np.array(list(itertools.product([0, 1], repeat=P)), dtype=float)
    ok = choice @ pr.cost <= scen.budget_mln + 1e-9
    for k, line in enumerate(inst.lines):
        if line in scen.lines:
            ok &= choice @ pr.line_cost[:, k] <= scen.lines[line] + 1e-9
    for members in pr.groups().values():
        ok &= choice[:, members].sum(axis=1) <= 1
    return choice[ok] @ pr.effects, choice[ok]


def nondominated(values: np.ndarray) -> np.ndarray:
    """Distinct nondominated rows, sorted."""
    uniq = np.unique(values, axis=0)
    keep = [
        i
        for i, v in enumerate(uniq)
        if not np.any(np.all(uniq >= v, axis=1) & np.any(uniq > v, axis=1))
    ]
    return uniq[keep]


def hull_flags(points: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Supported: some w >= 0, w != 0 makes the point best among the front (brute force
    over a fine grid of weights is not exact, so check the LP definition directly)."""
    from scipy.optimize import linprog

    Z = points / scale
    out = []
    for z in Z:
        C = Z.shape[1]
        # max s  s.t. w.(z - Zj) >= s, sum w = 1, w >= 0
        res = linprog(
            np.append(np.zeros(C), -1.0),
            A_ub=np.hstack([-(z - Z), np.ones((len(Z), 1))]),
            b_ub=np.zeros(len(Z)),
            A_eq=np.append(np.ones(C), 0.0)[None, :],
            b_eq=[1.0],
            bounds=[(0, None)] * C + [(None, None)],
        )
        out.append(-res.fun >= -1e-9)
    return np.array(out)


def generated(tmp_path: Path, seed: int, projects: int, criteria: int = 2, lines: int = 1,
              integer: bool = True) -> Path:  # fmt: skip
    return generate_instance(tmp_path / f"g{seed}-{projects}-{criteria}", towns=6, seed=seed,
                             criteria=criteria, projects=projects, lines=lines,
                             integer_criteria=integer, cells=False)  # fmt: skip


@pytest.mark.parametrize(("seed", "projects"), [(0, 10), (1, 12), (2, 14), (3, 16)])
def test_front_is_every_nondominated_subset(tmp_path: Path, seed: int, projects: int) -> None:
    inst = load_instance(generated(tmp_path, seed, projects))
    scen = load_scenario(inst)
    front = compute_front(inst, scen, 5)
    assert front.method == "epsilon-exact"
    values, _ = subsets_outcomes(inst, scen)
    truth = nondominated(values)
    got = np.unique(np.round(front.values, 6), axis=0)
    np.testing.assert_array_equal(got, truth)
    assert all(p.is_breakpoint for p in front.points)
    # each point's plan is the one its values say
    for p in front.points:
        assert p.fractions is not None
        np.testing.assert_allclose(p.fractions @ inst.projects.effects, p.values, atol=1e-6)
        assert p.allocated_mln <= scen.budget_mln + 1e-6
    # is_supported: on the convex hull, checked by an independent LP per point
    flags = np.array([p.is_supported for p in front.points])
    rng = np.maximum(truth.max(axis=0) - truth.min(axis=0), 1.0)
    np.testing.assert_array_equal(flags, hull_flags(front.values, rng))


WALKS = [  # (threads, guesses, combined objective fits, plans a start is searched near):
    # every path of the two-ended walk
    (1, "auto", True, 16),
    (2, "auto", True, 16),
    (1, "always", True, 2),
    (2, "always", True, 16),
    (1, "never", True, 16),
    (2, "never", True, 0),
    (1, "never", False, 0),
    (2, "auto", False, 3),
]


@pytest.mark.parametrize(("seed", "projects"), [(1, 12), (3, 16)])
@pytest.mark.parametrize(("threads", "guess", "combined", "near"), WALKS)
def test_every_walk_finds_the_brute_force_front(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int, projects: int,
    threads: int, guess: str, combined: bool, near: int,
) -> None:  # fmt: skip
    """The walk from both ends (module docstring of projects_front) on one thread or two
    (a second HiGHS session), with guesses always, never or by expected cost, the
    combined objective or two stages, and starting plans searched near the last 2, 3 or
    16 plans or not at all: each gives the brute-force front exactly."""
    from optimizer.tuning import Tuning

    tuning = Tuning(front_threads=threads, guess=guess, near_plans=near,  # type: ignore[arg-type]
                    combined_max=1e9 if combined else 0.0)  # fmt: skip
    inst = load_instance(generated(tmp_path, seed, projects))
    scen = load_scenario(inst)
    truth = nondominated(subsets_outcomes(inst, scen)[0])
    front = compute_front(inst, scen, 5, tuning=tuning)
    assert front.method == "epsilon-exact"
    np.testing.assert_array_equal(np.unique(np.round(front.values, 6), axis=0), truth)
    for p in front.points:  # each point's plan (from either session) is the one its values say
        np.testing.assert_allclose(p.fractions @ inst.projects.effects, p.values, atol=1e-6)
    # without guesses: the payoff table's 4 solves, then one per point, at most one
    # closing solve per side and a point both threads find at once (two stages: two
    # solves each)
    if guess == "never":
        assert front.solves <= 4 + (1 if combined else 2) * (len(truth) + 4)


def test_walk_with_cbc(tmp_path: Path) -> None:
    """CBC (through PuLP) walks both ends on one thread, to the brute-force front."""
    inst = load_instance(generated(tmp_path, 1, 12))
    scen = load_scenario(inst)
    front = compute_front(inst, scen, 5, "cbc")
    assert front.method == "epsilon-exact"
    truth = nondominated(subsets_outcomes(inst, scen)[0])
    np.testing.assert_array_equal(np.unique(np.round(front.values, 6), axis=0), truth)


def test_walk_counts_both_sessions_solves(tmp_path: Path) -> None:
    """Two threads: the live count and the front's solve count include the second
    session's solves, shown as they happen."""
    from optimizer.lp.engine import Engine
    from optimizer.tuning import Tuning

    inst = load_instance(generated(tmp_path, 2, 14))
    scen = load_scenario(inst)
    eng = Engine.open(inst, scen, tuning=Tuning(front_threads=2))
    shown: list[int] = []
    with eng.reporting(shown.append):
        front = compute_front(inst, scen, 5, engine=eng)
    assert front.solves == eng.solves
    assert max(shown) == eng.solves
    assert eng.on_solve is None


def test_front_options_are_restored(tmp_path: Path) -> None:
    """The front's HiGHS options (no sub-MIP heuristics) hold for its solves only."""
    from optimizer.analysis.projects_front import front_options
    from optimizer.lp.engine import Engine
    from optimizer.lp.highs import LEAN_MIP_OPTIONS as FRONT_OPTIONS

    inst = load_instance(generated(tmp_path, 1, 8))
    eng = Engine.open(inst, load_scenario(inst))
    before = eng.session.set_options({})
    with front_options(eng):
        inside = {k: eng.session.h.getOptionValue(k) for k in FRONT_OPTIONS}
    after = {k: eng.session.h.getOptionValue(k) for k in FRONT_OPTIONS}
    assert before == {}
    for k, v in FRONT_OPTIONS.items():
        got = inside[k][1] if isinstance(inside[k], tuple) else inside[k]
        was = after[k][1] if isinstance(after[k], tuple) else after[k]
        assert got == v and was != v


def start_session(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A HiGHS session on 14 generated projects, its objective set to max jobs."""
    from optimizer.lp.engine import Engine

    inst = load_instance(generated(tmp_path, 2, 14))
    eng = Engine.open(inst, load_scenario(inst))
    cost = eng.cost_vector(np.eye(len(eng.criteria))[0])
    return eng, cost, np.flatnonzero(eng.model.integrality)


def test_start_near_hands_highs_a_plan_and_frees_the_columns(tmp_path: Path) -> None:
    """`start_near` solves the problem with the given columns fixed, hands the plan it
    finds to HiGHS as a starting solution, and restores the columns' bounds; the solve
    after it reaches the same proven optimum as a solve without it."""
    from optimizer.lp.session import Near

    eng, cost, cols = start_session(tmp_path)
    cold = eng.session.solve(cost, True)
    best = np.round(cold.x[cols])
    # the optimum with one project forced the other way: a feasible plan, not the best
    flip = int(np.flatnonzero(best)[0])
    h = eng.session.h
    eng.session.start_near(Near(cols[[flip]], 1.0 - best[[flip]]))
    start = np.array(h.getSolution().col_value)
    assert h.getSolution().value_valid and start[cols[flip]] == 1.0 - best[flip]
    lp = h.getLp()
    np.testing.assert_array_equal(np.array(lp.col_lower_)[cols], eng.model.col_lb[cols])
    np.testing.assert_array_equal(np.array(lp.col_upper_)[cols], eng.model.col_ub[cols])
    eng.session.near = Near(cols[[flip]], 1.0 - best[[flip]])
    warm = eng.session.solve(cost, True)
    assert warm.objective == pytest.approx(cold.objective, abs=1e-9)
    assert eng.model.criteria_values(warm.x)[0] == pytest.approx(
        eng.model.criteria_values(cold.x)[0], abs=1e-6
    )


def test_start_near_with_no_plan_there_leaves_the_solve_alone(tmp_path: Path) -> None:
    """Every project fixed on (over the budget): the search finds no plan, hands none,
    and the solve still returns the proven optimum with every column free again."""
    from optimizer.lp.session import Near

    eng, cost, cols = start_session(tmp_path)
    cold = eng.session.solve(cost, True)
    eng.session.near = Near(cols, np.ones(len(cols)))
    warm = eng.session.solve(cost, True)
    assert warm.objective == pytest.approx(cold.objective, abs=1e-9)
    lp = eng.session.h.getLp()
    np.testing.assert_array_equal(np.array(lp.col_lower_)[cols], eng.model.col_lb[cols])
    np.testing.assert_array_equal(np.array(lp.col_upper_)[cols], eng.model.col_ub[cols])


def test_hints_hold_for_their_solves_only(tmp_path: Path) -> None:
    """`hints` sets a HiGHS session's objective step and starting-plan neighbourhood for
    the solves inside it and restores them; a CBC session, which takes neither, is
    left as it is."""
    from optimizer.analysis.projects_front import hints
    from optimizer.lp.engine import Engine
    from optimizer.lp.session import Near

    inst = load_instance(generated(tmp_path, 1, 8))
    eng = Engine.open(inst, load_scenario(inst))
    near = Near(np.array([0]), np.array([1.0]))
    with hints(eng, objective_step=1.0, near=near):
        assert eng.session.objective_step == 1.0 and eng.session.near is near
    assert eng.session.objective_step is None and eng.session.near is None
    cbc = Engine.open(inst, load_scenario(inst), "cbc")
    with hints(cbc, objective_step=1.0, near=near):
        assert not hasattr(cbc.session, "near") and not hasattr(cbc.session, "objective_step")


def test_side_searches_where_its_last_plans_agree() -> None:
    """`Side.near`: nothing before two plans; then the columns its last `Tuning.near_plans` plans
    agree on, at their common value."""
    from optimizer.analysis.projects_front import Side

    side = Side(0, 1)
    cols = np.array([5, 6, 7, 8])
    assert side.near(cols) is None
    side.plans.append(np.array([1.0, 0.0, 1.0, 0.0]))
    assert side.near(cols) is None
    side.plans.append(np.array([1.0, 1.0, 0.0, 0.0]))
    near = side.near(cols)
    assert near is not None
    np.testing.assert_array_equal(near.cols, [5, 8])
    np.testing.assert_array_equal(near.values, [1.0, 0.0])


def test_front_with_decimal_effects_is_exact(tmp_path: Path) -> None:
    """Effects with decimals (three significant digits): the quantum is 10^-k."""
    inst = load_instance(generated(tmp_path, 5, 11, integer=False))
    scen = load_scenario(inst)
    front = compute_front(inst, scen, 5)
    assert front.method == "epsilon-exact"
    values, _ = subsets_outcomes(inst, scen)
    np.testing.assert_allclose(
        np.unique(np.round(front.values, 6), axis=0), nondominated(np.round(values, 6)), atol=1e-6
    )


def test_three_criteria_front_is_exact(tmp_path: Path) -> None:
    inst = load_instance(generated(tmp_path, 7, 9, criteria=3, lines=0))
    scen = load_scenario(inst)
    front = compute_front(inst, scen, 5)
    assert front.method == "epsilon-exact"
    values, _ = subsets_outcomes(inst, scen)
    np.testing.assert_array_equal(np.unique(np.round(front.values, 6), axis=0),
                                  nondominated(values))  # fmt: skip


def test_front_with_cells_is_nondominated(projects_copy: Path) -> None:
    """Cells and divisible projects: a grid of points, each nondominated (checked by
    the front's own dominance LP) and the two ends the payoff table's rows."""
    from optimizer.analysis.pareto import actual_position
    from optimizer.lp.engine import Engine

    inst = load_instance(projects_copy)
    scen = load_scenario(inst)
    eng = Engine.open(inst, scen)
    front = compute_front(inst, scen, 7, engine=eng)
    assert front.method == "epsilon-grid"
    assert len(front.points) >= 5
    for p in front.points:
        pos = actual_position(eng, p.values - 1e-6 * np.maximum(1, np.abs(p.values)),
                              front.payoff)  # fmt: skip
        gain = (pos.better - p.values) if pos.better is not None else np.zeros(2)
        assert np.all(gain <= 1e-3 * np.maximum(1, np.abs(p.values))), (p.values, pos.better)
    np.testing.assert_allclose(front.values[0], front.payoff.table[1], rtol=1e-5)
    np.testing.assert_allclose(front.values[-1], front.payoff.table[0], rtol=1e-5)


# ----------------------------------------------------------------------------- solves


@pytest.mark.parametrize("scenario", ["weighted", "lines", "epsilon", "goal", "min-budget",
                                      "lexicographic", "reference"])  # fmt: skip
def test_highs_and_cbc_agree(scenario: str) -> None:
    inst = load_instance(PROJECTS)
    scen = load_scenario(inst, scenario)
    a, b = optimize(inst, scen, "highs"), optimize(inst, scen, "cbc")
    for c in inst.criteria:
        assert a.objectives[c] == pytest.approx(b.objectives[c], rel=1e-6, abs=1e-6)
    assert a.mip and a.shadow_prices == ()
    y = a.fractions
    assert y is not None
    # all or nothing, semi-continuous (park: 0 or >= 0.5), one bridge at most
    pr = inst.projects
    for p in range(len(pr)):
        assert y[p] == 0 or y[p] >= pr.min_fraction[p] - 1e-9
    assert y[pr.index("bridge-a")] * y[pr.index("bridge-b")] == 0


def test_best_subset_by_brute_force(tmp_path: Path) -> None:
    """The weighted optimum equals the best subset (no cells)."""
    inst = load_instance(generated(tmp_path, 11, 12))
    scen = load_scenario(inst)
    sol = optimize(inst, scen)
    values, _ = subsets_outcomes(inst, scen)
    w = 1.0 / np.maximum(sol.payoff.ideal - sol.payoff.nadir, 1e-12)
    got = np.array([sol.objectives[c] for c in inst.criteria])
    assert float(got @ w) == pytest.approx(float((values @ w).max()), rel=1e-9)


def test_line_cap_binds() -> None:
    inst = load_instance(PROJECTS)
    scen = load_scenario(inst, "lines")
    sol = optimize(inst, scen)
    pr = inst.projects
    assert float(sol.fractions @ pr.line_cost[:, 0]) <= 12 + 1e-6


def test_rules_and_limits_count_projects(projects_copy: Path) -> None:
    """A project's money counts in a rule selecting its town: Beta (low) gets at most 0."""
    (projects_copy / "scenarios" / "cap.toml").write_text(
        'name = "cap"\nbudget_mln = 100\n[limits]\nguarantee = 0\n'
        '[[rules]]\ntown = "Beta"\nmax_mln = 0\n'
    )
    inst = load_instance(projects_copy)
    sol = optimize(inst, load_scenario(inst, "cap"))
    pr = inst.projects
    for p in range(len(pr)):
        if inst.towns[pr.town[p]] == "Beta" or inst.instruments[pr.measure[p]] == "guarantee":
            assert sol.fractions[p] == 0
    assert sol.cost[inst.towns.index("Beta")].sum() == pytest.approx(0, abs=1e-6)


def test_time_limit_is_an_error() -> None:
    """A stop before proven optimality is an error, never a result."""
    from optimizer.errors import SolverError
    from optimizer.lp.engine import Engine
    from optimizer.lp.highs import HighsSession
    from optimizer.lp.model import build_model

    inst = load_instance(PROJECTS)
    model = build_model(inst, load_scenario(inst))
    sess = HighsSession(model, time_limit=0.0)
    eng = Engine(inst, load_scenario(inst), model, sess)
    with pytest.raises(SolverError):
        eng.run(eng.cost_vector(np.ones(2)))


# ----------------------------------------------------------------------------- CLI


def test_solve_writes_projects(projects_copy: Path, runner, tmp_path: Path) -> None:
    out = tmp_path / "out"
    res = runner.invoke(app, ["solve", str(projects_copy), "--out", str(out)])
    assert res.exit_code == 0, res.output
    alloc = (out / "allocation.csv").read_text().splitlines()
    assert alloc[0].endswith(",project,fraction")
    assert any(",bridge-b,1" in r for r in alloc)
    listed = (out / "projects.csv").read_text().splitlines()
    assert listed[0].startswith("project,town,measure,fraction")
    assert len(listed) == 1 + 6
    assert "shadow prices do not exist" in res.output


def test_gap_is_said(projects_copy: Path, runner, tmp_path: Path) -> None:
    import json

    res = runner.invoke(app, ["solve", str(projects_copy), "--gap", "0.05", "-f", "json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["mip_gap"] == 0.05
    assert "5%" in doc["mip_note"]


def test_export_marks_integers(projects_copy: Path, runner, tmp_path: Path) -> None:
    lp = tmp_path / "model.lp"
    res = runner.invoke(app, ["solve", str(projects_copy), "--export-lp", str(lp)])
    assert res.exit_code == 0, res.output
    text = lp.read_text()
    assert "Generals" in text or "Binaries" in text
    assert "z_p0" in text


def test_pareto_csv_has_is_supported(tmp_path: Path, runner) -> None:
    inst = generated(tmp_path, 4, 10)
    out = tmp_path / "front"
    res = runner.invoke(app, ["pareto", str(inst), "--out", str(out)])
    assert res.exit_code == 0, res.output
    head = (out / "pareto.csv").read_text().splitlines()[0].split(",")
    assert "is_supported" in head
    alloc = (out / "pareto_allocations.csv").read_text().splitlines()[0]
    assert alloc.endswith("project,fraction")
    # the count names what was solved: mixed-integer programs, not LPs
    assert "mixed-integer solves" in res.stderr and "LP solve" not in res.stderr


BAD = [
    ("unknown town", "road,Alpha,", "road,Gamma,", ["projects.csv", "row 2", "'town'", "Gamma"]),
    ("unknown measure", "road,Alpha,m1", "road,Alpha,m9", ["row 2", "'measure'", "m9"]),
    ("ineligible", "school,Beta,m1", "school,Beta,m2", ["row 3", "tier 'low'", "m2"]),
    ("duplicate", "school,Beta", "road,Beta", ["row 3", "duplicate project 'road'"]),
    ("bad fraction", "10,4,12,0.5", "10,4,12,1.5", ["row 6", "'min_fraction'", "[0, 1]"]),
    ("negative volume", "road,Alpha,m1,40", "road,Alpha,m1,-40", ["row 2", "'volume_mln'"]),
    ("unknown line", "local_mln", "regional_mln", ["'regional_mln'", "funding line"]),
]


@pytest.mark.parametrize(("case", "old", "new", "words"), BAD, ids=[b[0] for b in BAD])
def test_bad_projects(projects_copy: Path, runner, case, old, new, words) -> None:
    path = projects_copy / "projects.csv"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    res = runner.invoke(app, ["validate", str(projects_copy)])
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output
    for w in words:
        assert w in res.output, (w, res.output)


def test_unknown_line_in_scenario(projects_copy: Path, runner) -> None:
    (projects_copy / "scenarios" / "lines.toml").write_text(
        'name = "x"\nbudget_mln = 100\n[lines]\nregional = 5\n'
    )
    res = runner.invoke(app, ["solve", str(projects_copy), "--scenario", "lines"])
    assert res.exit_code == 2
    assert "lines.regional" in res.output and "local" in res.output


def test_explain_project_by_resolve(runner) -> None:
    import json

    res = runner.invoke(app, ["explain", str(PROJECTS), "--project", "bridge-b", "-f", "json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["fraction"] == 1.0
    assert "bridge-b" not in doc["forced_out"]["funded"]
    assert doc["forced_out"]["loss"] >= -1e-9
    inn = runner.invoke(app, ["explain", str(PROJECTS), "--project", "road", "-f", "json"])
    d2 = json.loads(inn.stdout)
    assert "road" in d2["forced_in"]["funded"] and d2["forced_in"]["loss"] >= -1e-9
    bad = runner.invoke(app, ["explain", str(PROJECTS), "--project", "nope"])
    assert bad.exit_code == 2 and "unknown project" in bad.output


def test_uncertainty_and_sweep_count_projects(tmp_path: Path) -> None:
    from optimizer.analysis.uncertainty import run_uncertainty

    inst = load_instance(generated(tmp_path, 3, 12))
    scen = load_scenario(inst)
    res = run_uncertainty(inst, scen, draws=4, sigma=0.2, seed=0)
    assert np.all(res.nominal > 0) and np.all(res.reoptimized[res.feasible] > 0)


def test_uncertainty_counts_the_projects_each_draw_funds(tmp_path: Path) -> None:
    """How often each project is funded, checked draw by draw against the best subset of
    every subset of 12 projects under that draw's effects (the scenario's weights over
    the nominal normalizers); at sigma 0 every draw funds the nominal plan's projects."""
    from dataclasses import replace

    from optimizer.analysis.uncertainty import draw_factors, measure_sigmas, run_uncertainty
    from optimizer.lp.engine import Engine

    inst = load_instance(generated(tmp_path, 3, 12))
    scen = load_scenario(inst)
    assert scen.objective.method == "weighted"
    pr = inst.projects
    # sigma 0 for every measure (generated measures.csv gives each its own sigma)
    flat = run_uncertainty(replace(inst, measure_sigma=None), scen, draws=3, sigma=0.0, seed=0)
    np.testing.assert_array_equal(flat.project_frequency, (flat.nominal_fractions > 0) * 1.0)
    np.testing.assert_allclose(flat.project_mean_fraction, flat.nominal_fractions)
    draws = 12
    res = run_uncertainty(inst, scen, draws=draws, sigma=0.4, seed=5)
    assert res.feasible.all()
    eng = Engine.open(inst, scen)
    w = scen.objective.weight_vector(inst.criteria) / eng.normalizers()
    _, choice = subsets_outcomes(inst, scen)
    sigmas = measure_sigmas(inst, 0.4)
    funded = np.zeros(len(pr))
    for i in range(draws):
        factors = draw_factors(5, i, sigmas, len(inst.criteria))
        score = choice @ (pr.effects * factors[pr.measure, :]) @ w
        top = np.sort(score)[-2:]
        assert top[1] - top[0] > 1e-9 * max(1.0, abs(top[1]))  # one best subset
        funded += choice[int(np.argmax(score))]
    np.testing.assert_allclose(res.project_frequency, funded / draws)
    assert res.project_frequency.sum() > 0 and not np.all(
        res.project_frequency == (res.nominal_fractions > 0)
    )  # the draws change some decision


def test_uncertainty_files_list_the_projects(runner, tmp_path: Path) -> None:
    """`uncertainty` on an instance of projects only: robustness.csv gains a `project`
    column and a row per project, uncertainty.json each project's frequency, the
    terminal the least robust project decisions, and no empty table of cells."""
    import csv
    import json

    src = generated(tmp_path, 3, 12)
    out = tmp_path / "out"
    res = runner.invoke(app, ["uncertainty", str(src), "--draws", "6", "--out", str(out)])
    assert res.exit_code == 0, res.output
    rob = list(csv.reader((out / "robustness.csv").open()))
    assert rob[0] == ["town", "measure", "frequency", "mean_volume_mln", "nominal_volume_mln",
                      "project"]  # fmt: skip
    inst = load_instance(src)
    projects = [r for r in rob[1:] if r[5]]
    assert [r[5] for r in projects] == sorted(inst.projects.names)
    doc = json.loads((out / "uncertainty.json").read_text())
    assert [p["project"] for p in doc["projects"]] == list(inst.projects.names)
    by_name = {p["project"]: p for p in doc["projects"]}
    for r in projects:
        p = by_name[r[5]]
        assert float(r[2]) == pytest.approx(p["frequency"])
        vol = float(inst.projects.volume[inst.projects.names.index(r[5])])
        assert float(r[4]) == pytest.approx(p["nominal_fraction"] * vol)
        assert p["frequency"] in {k / 6 for k in range(7)} or p["frequency"] == pytest.approx(
            round(p["frequency"] * 6) / 6
        )
    assert "Least robust project decisions" in res.stdout
    assert "Least robust decisions of the nominal plan" not in res.stdout
    assert (out / "uncertainty.png").read_bytes()[:4] == b"\x89PNG"


def test_uncertainty_with_no_feasible_draw_says_nothing_of_projects(tmp_path: Path, runner
                                                                     ) -> None:  # fmt: skip
    """A population floor at its nominal best and a draw that lowers every measure's
    residents: no feasible draw, so no project has a share of draws (NaN; "-" in the
    terminal, empty in robustness.csv, null in uncertainty.json), never 0% or 100%."""
    import csv
    import json

    from optimizer.analysis.uncertainty import draw_factors, measure_sigmas, run_uncertainty

    src = generated(tmp_path, 3, 12)
    inst = load_instance(src)
    values, _ = subsets_outcomes(inst, load_scenario(inst))
    text = (src / "scenarios" / "projects.toml").read_text()
    head = text[: text.index("[objective]")]
    (src / "scenarios" / "floor.toml").write_text(
        head + '[objective]\nmethod = "epsilon"\nprimary = "jobs"\n'
        f"epsilon = {{ population = {values[:, 1].max():g} }}\n"
    )
    sigmas = measure_sigmas(inst, 1.0)
    seed = next(s for s in range(200) if np.all(draw_factors(s, 0, sigmas, 2)[:, 1] < 1.0))
    scen = load_scenario(inst, "floor")
    res = run_uncertainty(inst, scen, draws=1, sigma=1.0, seed=seed)
    assert not res.feasible.any()
    assert np.isnan(res.project_frequency).all() and np.isnan(res.project_mean_fraction).all()
    out = tmp_path / "out"
    cli = runner.invoke(app, ["uncertainty", str(src), "-s", "floor", "--draws", "1", "--sigma",
                              "1.0", "--seed", str(seed), "--out", str(out)])  # fmt: skip
    assert cli.exit_code == 0, cli.output
    assert "100.0%" not in cli.stdout and "0.0%" not in cli.stdout
    rob = list(csv.reader((out / "robustness.csv").open()))
    assert all(r[2] == "" and r[3] == "" for r in rob[1:] if r[5])
    doc = json.loads((out / "uncertainty.json").read_text())
    assert all(p["frequency"] is None for p in doc["projects"])


def test_start_near_is_skipped_under_a_time_limit(tmp_path: Path, monkeypatch) -> None:
    """With a time limit the limit bounds the whole solve: no search for a start first."""
    from optimizer.lp.highs import HighsSession
    from optimizer.lp.session import Near

    eng, cost, cols = start_session(tmp_path)
    session = HighsSession(eng.model, time_limit=60.0)

    def refuse(self: HighsSession, near: Near) -> None:
        raise AssertionError("searched for a start under a time limit")

    monkeypatch.setattr(HighsSession, "start_near", refuse)
    session.near = Near(cols[:1], np.zeros(1))
    assert session.solve(cost, True).objective == pytest.approx(
        eng.session.solve(cost, True).objective
    )
