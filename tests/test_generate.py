"""`monotowns generate`: synthetic instances load, are deterministic and feasible."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from optimizer.domain.instance import Instance, load_instance
from optimizer.errors import InstanceError
from optimizer.generate import generate_instance, tier_counts

SCENARIOS = ("balanced", "lexicographic", "epsilon", "min_budget", "reference", "goal", "rules")


def files_of(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def largest_remainder(n: int, weights: tuple[int, ...] = (6, 19, 2)) -> list[int]:
    """Independent reference: Hamilton's method, ties to the earlier tier."""
    exact = [n * w / sum(weights) for w in weights]
    counts = [int(e) for e in exact]
    by_remainder = sorted(range(len(weights)), key=lambda i: (-(exact[i] - counts[i]), i))
    for i in by_remainder[: n - sum(counts)]:
        counts[i] += 1
    return counts


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory):
    """Instances generated once per (towns, criteria) and shared by the tests."""
    cache: dict[tuple[int, int], Path] = {}

    def get(towns: int, criteria: int = 2) -> Path:
        if (towns, criteria) not in cache:
            out = tmp_path_factory.mktemp("gen") / f"n{towns}-c{criteria}"
            cache[(towns, criteria)] = generate_instance(out, towns, seed=7, criteria=criteria)
        return cache[(towns, criteria)]

    return get


# ----------------------------------------------------------------------------- validity


@pytest.mark.parametrize("towns", [1, 2, 5, 27, 1000])
@pytest.mark.parametrize("criteria", [2, 3])
def test_generated_instance_validates(generated, towns: int, criteria: int) -> None:
    inst = load_instance(generated(towns, criteria))
    assert inst.n_towns == towns
    assert inst.criteria == ("jobs", "population", "firms")[:criteria]
    assert inst.n_measures == 6
    assert set(inst.instruments) == {"grant", "subsidy", "investment", "loan", "guarantee"}
    assert inst.default_scenario == "balanced"
    assert "effects.csv" in inst.files and "tier_effects.csv" in inst.files
    assert "unemployment_pct" in inst.town_extra
    assert len(set(inst.towns)) == towns


@pytest.mark.parametrize("towns", [1, 2, 5, 27, 1000])
@pytest.mark.parametrize("criteria", [2, 3])
def test_every_scenario_loads(generated, towns: int, criteria: int) -> None:
    scenario = pytest.importorskip("optimizer.domain.scenario")
    root = generated(towns, criteria)
    inst = load_instance(root)
    assert sorted(p.stem for p in (root / "scenarios").glob("*.toml")) == sorted(SCENARIOS)
    for name in SCENARIOS:
        sc = scenario.load_scenario(inst, name)
        assert sc.budget_mln > 0
    rules = scenario.load_scenario(inst, "rules")
    assert rules.spend_all
    assert set(rules.limits) == {"guarantee", "loan"}
    if towns >= 3:
        kinds = {b.kind for r in rules.rules for b in r.bounds}
        assert kinds == {
            "min_share",
            "max_share",
            "min_mln",
            "max_mln",
            "min_per_capita",
            "max_per_capita",
        }
        selectors = {k for r in rules.rules for k, _ in r.selectors}
        assert selectors == {"town", "region", "tier", "measure", "instrument"}
        per_town = {b.kind for r in rules.rules if r.per_town for b in r.bounds}
        assert per_town & {"min_share", "max_share"} and per_town & {"min_mln", "max_mln"}


def test_actual_spend_is_plausible_and_imperfect(generated) -> None:
    actual = pytest.importorskip("optimizer.domain.actual")
    scenario = pytest.importorskip("optimizer.domain.scenario")
    inst = load_instance(generated(27))
    spend = actual.load_actual(inst, "spend-illustrative")
    budget = scenario.load_scenario(inst, "balanced").budget_mln
    cost = float((spend.volume * inst.budget_cost).sum())
    assert 0.9 * budget < cost < 1.2 * budget
    assert (spend.volume > inst.capacity + 1e-9).sum() >= 2  # over capacity
    assert (spend.volume[~inst.eligible] > 0).any()  # spent where the tier is not eligible


def test_jobs_and_population_conflict(generated) -> None:
    """The best measure per unit of budget cost differs between the criteria."""
    inst = load_instance(generated(5, 3))
    per_cost = inst.base[0] / inst.budget_cost[:, None]  # (M, C) of a town without overrides
    best = {c: inst.measures[int(np.argmax(per_cost[:, k]))] for k, c in enumerate(inst.criteria)}
    assert len(set(best.values())) == 3, best


# ----------------------------------------------------------------------------- tiers


@pytest.mark.parametrize("towns", [27, 54, 100, 1000, 100_000])
def test_tier_counts_follow_the_programme(towns: int) -> None:
    assert tier_counts(towns).tolist() == largest_remainder(towns)


def test_tier_counts_small() -> None:
    for n in range(1, 40):
        counts = tier_counts(n)
        assert counts.sum() == n
        assert (counts >= 0).all()
        if n >= 3:
            assert (counts >= 1).all()
        if n >= 14:
            assert counts.tolist() == largest_remainder(n)


def test_tiers_in_towns_file(generated) -> None:
    inst = load_instance(generated(27))
    assert [inst.town_tier.count(t) for t in ("high", "medium", "low")] == [6, 19, 2]
    inst = load_instance(generated(1000))
    assert [inst.town_tier.count(t) for t in ("high", "medium", "low")] == [222, 704, 74]


def test_population_distribution(generated) -> None:
    inst = load_instance(generated(1000))
    assert inst.population.min() >= 2000
    assert 28_000 < np.median(inst.population) < 43_000
    assert np.all(inst.population == np.round(inst.population))
    assert 60 <= len(set(inst.regions)) <= 70  # about one region per 15 towns


# ----------------------------------------------------------------------------- determinism


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    a = generate_instance(tmp_path / "a", 40, seed=3, criteria=3)
    b = generate_instance(tmp_path / "b", 40, seed=3, criteria=3)
    assert files_of(a) == files_of(b)


def test_different_seed_different_files(tmp_path: Path) -> None:
    a = files_of(generate_instance(tmp_path / "a", 40, seed=3))
    b = files_of(generate_instance(tmp_path / "b", 40, seed=4))
    assert a.keys() == b.keys()
    assert a["towns.csv"] != b["towns.csv"]
    assert a["actual/spend-illustrative.csv"] != b["actual/spend-illustrative.csv"]


# ----------------------------------------------------------------------------- refusals


def test_refuses_non_empty_outdir(tmp_path: Path) -> None:
    out = tmp_path / "taken"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    with pytest.raises(InstanceError, match="not empty"):
        generate_instance(out, 5)
    assert [p.name for p in out.iterdir()] == ["keep.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["taken"]  # no partial folder left


def test_accepts_empty_outdir(tmp_path: Path) -> None:
    out = tmp_path / "empty"
    out.mkdir()
    assert generate_instance(out, 5) == out
    load_instance(out)


def test_refuses_a_file_as_outdir(tmp_path: Path) -> None:
    out = tmp_path / "file"
    out.write_text("x")
    with pytest.raises(InstanceError, match="not a folder"):
        generate_instance(out, 5)


@pytest.mark.parametrize(
    ("towns", "criteria", "match"),
    [(0, 2, "--towns"), (-3, 2, "--towns"), (5, 1, "--criteria"), (5, 4, "--criteria")],
)
def test_refuses_bad_arguments(tmp_path: Path, towns: int, criteria: int, match: str) -> None:
    with pytest.raises(InstanceError, match=match):
        generate_instance(tmp_path / "out", towns, criteria=criteria)
    assert not (tmp_path / "out").exists()


# ----------------------------------------------------------------------------- feasibility


def assert_feasible(inst: Instance, sc) -> None:
    """An independent LP (scipy/HiGHS) of SPEC section 3 with a zero objective: budget,
    limits, rules and, for epsilon and min_budget, the criteria bounds must hold together."""
    linprog = pytest.importorskip("scipy.optimize").linprog
    T, M, S = inst.n_towns, inst.n_measures, inst.n_segments
    n = T * M * S
    town_of = np.repeat(np.arange(T), M * S)
    measure_of = np.tile(np.repeat(np.arange(M), S), T)
    cost = inst.budget_cost[measure_of]
    upper = (inst.effective_capacity()[:, :, None] * inst.widths).ravel()
    rows: list[np.ndarray] = []
    rhs: list[float] = []

    def at_most(row: np.ndarray, value: float) -> None:
        rows.append(row)
        rhs.append(value)

    def at_least(row: np.ndarray, value: float) -> None:
        at_most(-row, -value)

    at_most(cost, sc.budget_mln)
    if sc.spend_all:
        at_least(cost, sc.budget_mln)
    for instrument, limit in sc.limits.items():
        at_most(np.array([i == instrument for i in inst.instruments])[measure_of] * 1.0, limit)
    for rule in sc.rules:
        cells = rule.cells(inst)
        selected = cells[town_of, measure_of]
        towns = [t for t in range(T) if cells[t].any()]
        for b in rule.bounds:
            per_town = rule.per_town or b.kind.endswith("per_capita")
            groups = (
                [(t, selected & (town_of == t)) for t in towns] if per_town else [(-1, selected)]
            )
            for t, mask in groups:
                if b.kind.endswith("share"):
                    row, value = cost * mask - b.value * cost, 0.0
                elif b.kind.endswith("mln"):
                    row, value = cost * mask, b.value
                else:
                    row, value = cost * mask, b.value * inst.population[t] / 1e6
                (at_least if b.is_lower else at_most)(row, value)
    obj = sc.objective
    bounds_on = obj.epsilon if obj.method == "epsilon" else {}
    if obj.method == "min_budget":
        bounds_on = obj.targets
    coef = inst.cell_coefficients()
    for c, level in bounds_on.items():
        k = inst.criteria.index(c)
        at_least((coef[:, :, k][:, :, None] * inst.seg_mult).ravel(), level)
    res = linprog(
        np.zeros(n),
        A_ub=np.array(rows),
        b_ub=np.array(rhs),
        bounds=np.column_stack([np.zeros(n), upper]),
        method="highs",
    )
    assert res.status == 0, f"{sc.name}: {res.message}"


@pytest.mark.parametrize(("towns", "criteria"), [(2, 2), (5, 3), (27, 2), (27, 3), (60, 3)])
def test_every_scenario_is_feasible(generated, towns: int, criteria: int) -> None:
    scenario = pytest.importorskip("optimizer.domain.scenario")
    inst = load_instance(generated(towns, criteria))
    for name in SCENARIOS:
        assert_feasible(inst, scenario.load_scenario(inst, name))


@pytest.mark.parametrize(("towns", "criteria"), [(5, 2), (27, 2), (27, 3)])
def test_every_scenario_solves(generated, towns: int, criteria: int) -> None:
    methods = pytest.importorskip("optimizer.methods.solution")
    scenario = pytest.importorskip("optimizer.domain.scenario")
    inst = load_instance(generated(towns, criteria))
    for name in SCENARIOS:
        sc = scenario.load_scenario(inst, name)
        sol = methods.optimize(inst, sc)
        assert sol.method == sc.objective.method
        assert sol.allocated_mln <= sc.budget_mln * (1 + 1e-6)
        if sc.spend_all:
            assert sol.allocated_mln == pytest.approx(sc.budget_mln, rel=1e-6)
        if sc.objective.method == "min_budget":
            assert sol.allocated_mln < sc.budget_mln
            for c, target in sc.objective.targets.items():
                assert sol.objectives[c] >= target * (1 - 1e-6)
        if sc.objective.method == "epsilon":
            for c, level in sc.objective.epsilon.items():
                assert sol.objectives[c] >= level * (1 - 1e-6)


def test_generated_spend_is_declared_illustrative_and_moves_count_projects() -> None:
    """A generated spend file is drawn, not recorded: its instance lists it as
    illustrative (SPEC 11), and on a project instance the closest plans' sentence says
    that money moved counts project funding changes."""
    from typer.testing import CliRunner

    from optimizer.cli import app

    root = Path(__file__).resolve().parent.parent / "instances" / "synthetic-projects"
    inst = load_instance(root)
    assert "actual/spend-illustrative.csv" in inst.provenance.illustrative
    res = CliRunner().invoke(app, ["compare", str(root), "--actual", "spend-illustrative"],
                             env={"COLUMNS": "300"})  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "illustrative spend spend-illustrative" in res.output
    assert "between cells and projects" in res.output
    assert "projects no longer funded" in res.output
