"""`monotowns uncertainty` (issue 6, item 4): draws, reproducibility, robustness."""

from __future__ import annotations

import csv
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from optimizer.analysis.compare import actual_cost, compare
from optimizer.analysis.uncertainty import FUNDED_MLN, draw_factors, measure_sigmas, run_uncertainty
from optimizer.cli import app
from optimizer.domain.actual import load_actual
from optimizer.domain.instance import load_instance
from optimizer.domain.scenario import load_scenario
from optimizer.errors import InstanceError
from optimizer.generate import generate_instance
from optimizer.methods.solution import optimize
from optimizer.outputs.tables import uncertainty_rows

TINY = Path(__file__).parent / "data" / "tiny"
KZ = Path(__file__).resolve().parents[1] / "instances" / "kazakhstan"
OUTPUTS = ("uncertainty.csv", "robustness.csv", "uncertainty.json")


@pytest.fixture(scope="module")
def gen(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_instance(tmp_path_factory.mktemp("gen") / "g", towns=8, seed=2)


def test_factors_are_mean_one_lognormal_and_reproducible() -> None:
    sig = np.array([0.0, 0.3, 0.6])
    f = np.stack([draw_factors(7, i, sig, 2) for i in range(4000)])
    assert np.all(f[:, 0] == 1.0)  # sigma 0: exactly one
    assert np.all(f > 0)
    assert f[:, 1:].mean(axis=0) == pytest.approx(np.ones((2, 2)), rel=0.04)
    assert np.log(f[:, 2]).std() == pytest.approx(0.6, rel=0.05)
    assert np.array_equal(draw_factors(7, 123, sig, 2), f[123])
    assert not np.array_equal(draw_factors(8, 123, sig, 2), f[123])


def test_measure_sigma_column_overrides_and_nan_falls_back() -> None:
    inst = load_instance(TINY)
    assert measure_sigmas(inst, 0.25).tolist() == [0.25, 0.25]
    own = replace(inst, measure_sigma=np.array([np.nan, 0.7]))
    assert measure_sigmas(own, 0.25).tolist() == [0.25, 0.7]
    with pytest.raises(InstanceError, match="--sigma"):
        measure_sigmas(inst, -0.1)


@pytest.mark.parametrize("name", ["weighted", "lexicographic", "epsilon", "reference", "goal"])
def test_sigma_zero_reproduces_the_deterministic_optimum(name: str) -> None:
    inst = load_instance(TINY)
    scen = load_scenario(inst, name)
    sol = optimize(inst, scen)
    res = run_uncertainty(inst, scen, draws=30, sigma=0.0)
    want = np.array([sol.objectives[c] for c in inst.criteria])
    assert res.feasible.all()
    assert np.allclose(res.nominal, want, rtol=1e-12)
    assert np.allclose(res.reoptimized, want, rtol=1e-9, atol=1e-9)
    assert set(np.unique(res.frequency)) <= {0.0, 1.0}
    assert np.array_equal(res.frequency == 1.0, sol.volumes > FUNDED_MLN)
    assert np.allclose(res.mean_volume, sol.volumes, atol=1e-7)


def test_per_measure_sigma_zero_keeps_that_measure_fixed(gen: Path) -> None:
    inst = load_instance(gen)
    own = replace(inst, measure_sigma=np.where(np.arange(inst.n_measures) == 0, 0.0, np.nan))
    sig = measure_sigmas(own, 0.4)
    f = draw_factors(0, 5, sig, len(inst.criteria))
    assert np.all(f[0] == 1.0) and np.all(f[1:] != 1.0)


def test_draws_spread_and_value_of_knowing(gen: Path) -> None:
    inst = load_instance(gen)
    scen = load_scenario(inst, "balanced")
    res = run_uncertainty(inst, scen, draws=60, sigma=0.3, seed=3)
    pct = res.percentiles()
    for plan in ("nominal", "reoptimized"):
        for c in inst.criteria:
            s = pct[plan][c]
            assert s["p5"] < s["p50"] < s["p95"]
    # re-optimizing with the drawn effects can only raise the weighted objective
    w = res.weights
    assert w is not None
    assert np.all(res.reoptimized @ w >= res.nominal @ w - 1e-7 * np.abs(res.nominal @ w))
    assert res.value_of_knowing()["objective"] > 0


def test_infeasible_draws_are_marked(tmp_path: Path) -> None:
    """epsilon's population floor (200 of at most 300) fails when residents' effects
    are drawn low; those draws have no re-optimized plan."""
    inst = load_instance(TINY)
    res = run_uncertainty(inst, load_scenario(inst, "epsilon"), draws=40, sigma=1.0)
    assert 0 < res.feasible.sum() < 40
    assert np.isnan(res.reoptimized[~res.feasible]).all()
    header, rows = uncertainty_rows(res)
    assert header == ["draw", "plan", "jobs", "population", "feasible", "budget_mln"]
    bad = [r for r in rows if r[1] == "reoptimized" and r[4] is False]
    assert bad and all(r[2] == "" for r in bad)


def test_actual_spend_dominated_at_sigma_zero() -> None:
    """The tiny actual spend (103 jobs, 127.5 residents for 100 mln) lies below the
    front (at 103 jobs the front keeps ~191 residents): dominated in every draw."""
    inst = load_instance(TINY)
    spend = load_actual(inst, "spend")
    res = run_uncertainty(inst, load_scenario(inst, "weighted"), draws=10, sigma=0.0,
                          actual=spend)  # fmt: skip
    assert res.actual is not None
    assert np.allclose(res.actual, [103.0, 127.5])
    assert res.probability_dominated() == 1.0


def run_cli(runner, instance: Path, out: Path, *args: str):
    res = runner.invoke(app, ["uncertainty", str(instance), "--out", str(out), *args])
    assert res.exit_code == 0, res.output
    return res


def test_same_seed_same_outputs_for_workers_and_dask(runner, gen: Path, tmp_path: Path) -> None:
    """--workers 1, --workers 2 and a Dask cluster give byte-identical files."""
    from distributed import Client, LocalCluster

    common = ["--draws", "60", "--sigma", "0.3", "--seed", "11", "--scenario", "balanced"]
    run_cli(runner, gen, tmp_path / "w1", *common, "--workers", "1")
    run_cli(runner, gen, tmp_path / "w2", *common, "--workers", "2")
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,  # fmt: skip
        Client(cluster),
    ):
        run_cli(runner, gen, tmp_path / "dask", *common, "--dask", cluster.scheduler_address)
    for name in OUTPUTS:
        one = (tmp_path / "w1" / name).read_bytes()
        assert one == (tmp_path / "w2" / name).read_bytes(), name
        assert one == (tmp_path / "dask" / name).read_bytes(), name


def test_cli_files_and_columns(runner, tmp_path: Path) -> None:
    out = tmp_path / "out"
    res = run_cli(runner, TINY, out, "--draws", "20", "--actual", "spend")
    rows = list(csv.reader((out / "uncertainty.csv").open()))
    assert rows[0][:4] == ["draw", "plan", "jobs", "population"]
    assert [r[1] for r in rows[1:3]] == ["nominal", "reoptimized"]
    assert len(rows) == 1 + 2 * 20
    rob = list(csv.reader((out / "robustness.csv").open()))
    assert rob[0][:4] == ["town", "measure", "frequency", "mean_volume_mln"]
    assert len(rob) == 1 + 2 * 2  # every (town, measure) cell
    doc = json.loads((out / "uncertainty.json").read_text())
    assert doc["draws"] == 20 and doc["probability_dominated"] is not None
    assert (out / "uncertainty.png").read_bytes()[:4] == b"\x89PNG"
    assert "P50" in res.stdout


def test_cli_notes_unused_sigma(runner, gen: Path, tmp_path: Path) -> None:
    """Generated instances give every measure a sigma: --sigma then changes nothing."""
    res = runner.invoke(app, ["uncertainty", str(gen), "--draws", "3", "--sigma", "0.5"])
    assert res.exit_code == 0
    assert "--sigma 0.5 is not used" in res.output


def test_cli_bad_draws_exit_2(runner) -> None:
    res = runner.invoke(app, ["uncertainty", str(TINY), "--draws", "0"])
    assert res.exit_code == 2


def test_cli_infeasible_scenario_exits_3(runner) -> None:
    res = runner.invoke(app, ["uncertainty", str(TINY), "-s", "infeasible", "--draws", "5"])
    assert res.exit_code == 3
    assert "infeasible" in res.output


def test_actual_compared_at_its_budget_with_the_scenarios_normalization(tmp_path: Path) -> None:
    """SPEC 14: `uncertainty --actual` solves its plans at the actual's budget cost (8.7
    bn, not the scenario's 10.4 bn), the plan `compare` reports there, with the weights
    normalized by the payoff table at the scenario's own budget."""
    inst = load_instance(KZ)
    scen = load_scenario(inst, "plan-2021")
    spend = load_actual(inst, "infrastructure-2020-illustrative")
    ba = actual_cost(inst, spend)
    assert ba == pytest.approx(8700.0)
    res = run_uncertainty(inst, scen, draws=4, sigma=0.2, actual=spend)
    assert res.budget_mln == pytest.approx(ba) and res.actual_budget_mln == pytest.approx(ba)
    assert res.budgets() == pytest.approx({"nominal": ba, "reoptimized": ba, "actual": ba})
    optimum = compare(inst, scen, spend).optimal.objectives
    nominal = dict(zip(inst.criteria, res.nominal_criteria, strict=True))
    assert nominal == pytest.approx(optimum, rel=1e-9)
    own = optimize(inst, scen)
    assert nominal["jobs"] < own.objectives["jobs"] - 100  # not the 10.4 bn plan
    assert own.payoff is not None and res.weights is not None
    w = scen.objective.weight_vector(inst.criteria) / own.payoff.ranges
    np.testing.assert_allclose(res.weights, w, rtol=1e-9)


def test_cli_actual_names_every_rows_budget(runner, tmp_path: Path) -> None:
    """With --budget the plans are at it and the spend at its own cost: the table, the
    CSV, the JSON and the figure's legend say which number is at which budget."""
    from optimizer.outputs.plots.sensitivity import plan_label

    out = tmp_path / "out"
    res = run_cli(runner, TINY, out, "--draws", "5", "--actual", "spend", "--budget", "120")
    doc = json.loads((out / "uncertainty.json").read_text())
    assert doc["budget_mln"] == 120.0 and doc["actual_budget_mln"] == pytest.approx(100.0)
    assert doc["budgets"] == pytest.approx({"nominal": 120, "reoptimized": 120, "actual": 100})
    # one budget per table: the plans' in the first title, the spend's in its own
    # table's (titles may wrap in a narrow terminal: compare words, not lines)
    words = " ".join(res.stdout.split())
    assert "weighted, payoff-normalized at 120.0 mln: 5 draws" in words
    assert "actual spend at its budget cost, 100.0 mln" in words
    plans_table = res.stdout[: res.stdout.index("actual spend at")]
    assert "│ nominal" in plans_table and "│ actual" not in plans_table
    with (out / "uncertainty.csv").open() as f:
        first = next(csv.DictReader(f))
    assert float(first["budget_mln"]) == 120.0 and float(first["actual_budget_mln"]) == 100.0
    inst = load_instance(TINY)
    scen = load_scenario(inst, "weighted").with_budget(120.0)
    result = run_uncertainty(inst, scen, draws=2, actual=load_actual(inst, "spend"),
                             budget_given=True)  # fmt: skip
    assert plan_label(result, "nominal") == "nominal plan (budget 120 mln KZT)"
    assert plan_label(result, "actual") == "actual spend (budget 100 mln KZT)"


def test_one_table_when_the_plans_and_the_spend_share_a_budget(runner, tmp_path: Path) -> None:
    res = run_cli(runner, TINY, tmp_path / "out", "--draws", "3", "--actual", "spend")
    words = " ".join(res.stdout.split())
    assert "weighted, payoff-normalized at 100.0 mln: 3 draws" in words
    assert "at its budget cost" not in words
    assert "│ actual " in res.stdout
