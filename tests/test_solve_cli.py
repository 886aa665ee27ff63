"""`monotowns solve`: outputs, formats, exit codes, infeasibility diagnosis."""

from __future__ import annotations

import csv
import json
import tomllib
from pathlib import Path

import pytest

from optimizer.cli import app
from tests.independent import read_allocation, read_raw, violations


def scenario_dict(folder: Path, name: str) -> dict:
    return tomllib.loads((folder / "scenarios" / f"{name}.toml").read_text())


def test_solve_writes_allocation_and_summary(tiny, tmp_path, runner) -> None:
    out = tmp_path / "out"
    res = runner.invoke(app, ["solve", str(tiny), "--out", str(out)])
    assert res.exit_code == 0, res.output
    doc = json.loads((out / "summary.json").read_text())
    for key in ("instance", "scenario", "method", "status", "budget_mln", "allocated_mln", "objectives",
                "payoff", "shadow_prices", "solver", "inputs", "tool"):  # fmt: skip
        assert key in doc
    assert doc["status"] == "optimal"
    assert doc["solver"]["name"] == "HiGHS" and doc["solver"]["version"]
    assert len(doc["inputs"]["sha256"]) == 64
    assert doc["objectives"]["jobs"] == pytest.approx(95.0)
    rows = list(csv.DictReader((out / "allocation.csv").open()))
    assert list(rows[0]) == [
        "town",
        "measure",
        "volume_mln",
        "budget_cost_mln",
        "jobs",
        "population",
    ]
    assert [(r["town"], r["measure"]) for r in rows] == sorted(
        (r["town"], r["measure"]) for r in rows
    )
    raw = read_raw(tiny)
    vol = read_allocation(out / "allocation.csv", raw)
    assert violations(raw, scenario_dict(tiny, "weighted"), vol) == []
    assert not list(out.glob(".*tmp")), "temporary files left behind"
    assert "Budget cost by tier" in res.output


@pytest.mark.parametrize("name", ["weighted", "jobs-only", "lexicographic", "epsilon", "min-budget",
                                  "reference", "goal"])  # fmt: skip
def test_every_method_allocation_is_feasible(tiny, tmp_path, runner, name) -> None:
    out = tmp_path / name
    res = runner.invoke(app, ["solve", str(tiny), "-s", name, "--out", str(out), "--format", "csv"])
    assert res.exit_code == 0, res.output
    raw = read_raw(tiny)
    scen = scenario_dict(tiny, name)
    vol = read_allocation(out / "allocation.csv", raw)
    assert violations(raw, scen, vol) == []
    assert res.stdout.startswith("town,measure,volume_mln")


def test_format_json_prints_the_summary(tiny, runner) -> None:
    res = runner.invoke(app, ["solve", str(tiny), "--format", "json"])
    assert res.exit_code == 0
    doc = json.loads(res.stdout)
    assert doc["objectives"]["population"] == pytest.approx(237.5)


def test_overrides(tiny, runner) -> None:
    res = runner.invoke(app, ["solve", str(tiny), "--format", "json", "--budget", "0.05bn",
                              "--weights", "jobs=1,population=0", "--method", "weighted"])  # fmt: skip
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["budget_mln"] == pytest.approx(50.0)
    # 25 mln at 2 jobs, 25 at 1 job
    assert doc["objectives"]["jobs"] == pytest.approx(75.0)


def test_cbc_agrees_with_highs(tiny, runner) -> None:
    a = json.loads(runner.invoke(app, ["solve", str(tiny), "--format", "json"]).stdout)
    b = json.loads(
        runner.invoke(app, ["solve", str(tiny), "--format", "json", "--solver", "cbc"]).stdout
    )
    assert b["solver"]["name"] == "CBC"
    for c in ("jobs", "population"):
        assert b["objectives"][c] == pytest.approx(a["objectives"][c], rel=1e-6)


def test_export_lp_and_mps(tiny, tmp_path, runner) -> None:
    lp, mps = tmp_path / "m.lp", tmp_path / "m.mps"
    res = runner.invoke(app, ["solve", str(tiny), "--export-lp", str(lp), "--export-mps", str(mps)])
    assert res.exit_code == 0, res.output
    text = lp.read_text()
    assert "budget" in text and "x_t0_m0_s0" in text
    assert "Alpha" not in text  # names come from indices
    assert mps.stat().st_size > 100


def test_xlsx_output(tiny, tmp_path, runner) -> None:
    import pandas as pd

    out = tmp_path / "x"
    res = runner.invoke(app, ["solve", str(tiny), "--format", "xlsx", "--out", str(out)])
    assert res.exit_code == 0, res.output
    sheets = pd.read_excel(out / "allocation.xlsx", sheet_name=None)
    assert set(sheets) == {"allocation", "totals", "summary"}
    assert sheets["allocation"]["budget_cost_mln"].sum() == pytest.approx(100.0)


def test_xlsx_needs_out(tiny, runner) -> None:
    res = runner.invoke(app, ["solve", str(tiny), "--format", "xlsx"])
    assert res.exit_code == 2


def test_infeasible_exit_3_with_diagnosis(tiny, tmp_path, runner) -> None:
    out = tmp_path / "inf"
    res = runner.invoke(app, ["solve", str(tiny), "-s", "infeasible", "--out", str(out)])
    assert res.exit_code == 3
    assert "low floor" in res.output and "30.000 mln" in res.output
    doc = json.loads((out / "summary.json").read_text())
    assert doc["status"] == "infeasible"
    relax = doc["diagnosis"]["relax"]
    assert [r["rule"] for r in relax] == ["low floor"]
    assert relax[0]["by_mln"] == pytest.approx(30.0)
    assert not (out / "allocation.csv").exists()


def test_conflicting_shares_are_named(tiny_copy, runner) -> None:
    (tiny_copy / "scenarios" / "conflict.toml").write_text(
        "budget_mln = 100\nspend_all = true\n"
        '[[rules]]\nname = "low at least 70%"\ntier = "low"\nmin_share = 0.7\n'
        '[[rules]]\nname = "m2 at least 40%"\nmeasure = "m2"\nmin_share = 0.4\n'
    )
    # low tier can take at most 50 (Beta m1 capacity), so 70% of 100 is impossible;
    # and m2 is not eligible in the low tier, so 70% + 40% > 100% too.
    res = runner.invoke(app, ["solve", str(tiny_copy), "-s", "conflict", "--format", "json"])
    assert res.exit_code == 3
    doc = json.loads(res.stdout)
    names = {r["rule"] for r in doc["diagnosis"]["relax"]}
    assert names & {"low at least 70%", "m2 at least 40%", "budget"}
    for r in doc["diagnosis"]["relax"]:
        if r["rule"] != "budget":
            assert r["by_pp"] is not None and r["by_pp"] > 0


def test_per_town_and_per_capita_rules(tiny_copy, tmp_path, runner) -> None:
    (tiny_copy / "scenarios" / "per-town.toml").write_text(
        'budget_mln = 100\n[objective]\nweights = { jobs = 1, population = 0 }\nnormalize = "none"\n'
        '[[rules]]\nname = "each town at most 60%"\nmax_share = 0.6\nper_town = true\n'
        '[[rules]]\nname = "Alpha floor"\ntown = "Alpha"\nmin_per_capita = 500\n'
        "[limits]\nguarantee = 30\n"
    )
    out = tmp_path / "pt"
    res = runner.invoke(app, ["solve", str(tiny_copy), "-s", "per-town", "--out", str(out)])
    assert res.exit_code == 0, res.output
    raw = read_raw(tiny_copy)
    vol = read_allocation(out / "allocation.csv", raw)
    assert violations(raw, scenario_dict(tiny_copy, "per-town"), vol) == []
    doc = json.loads((out / "summary.json").read_text())
    assert set(doc["shadow_prices"]) == {
        "budget",
        "guarantee",
        "each town at most 60%",
        "Alpha floor",
    }


def test_summary_carries_the_sensitivity_report(tiny, tmp_path, runner) -> None:
    out = tmp_path / "s"
    res = runner.invoke(
        app, ["solve", str(tiny), "-s", "jobs-only", "--budget", "90", "--out", str(out)]
    )
    assert res.exit_code == 0, res.output
    doc = json.loads((out / "summary.json").read_text())
    budget = next(e for e in doc["sensitivity"]["constraints"] if e["name"] == "budget")
    # jobs-only at 90 mln: the marginal million goes to a (1.0, 0.5) cell (see
    # test_methods_hand), i.e. 1,000 jobs and 500 residents per bn; at exactly 100
    # the vertex is degenerate and the report says the dual and re-solve disagree
    assert budget["agrees"] is True
    assert budget["unit"] == "bn"
    assert budget["criteria"]["jobs"] == pytest.approx(1000.0, rel=1e-6)
    assert budget["criteria"]["population"] == pytest.approx(500.0, rel=1e-6)
    assert "What one more unit buys" in res.output
    quiet = runner.invoke(app, ["solve", str(tiny), "--no-sensitivity", "--format", "json"])
    assert "sensitivity" not in json.loads(quiet.stdout)
