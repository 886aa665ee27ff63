"""Issue 13, the rest: the even plan on every allocation shown, --baseline, ranges in the
report and explain, one budget per comparison, units people use, provenance labels."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from optimizer.cli import app
from tests.conftest import ROOT
from tests.test_equal_plan import shuffled_copy

KZ = ROOT / "instances" / "kazakhstan"
runner = CliRunner()


def run(*args: str) -> str:
    res = runner.invoke(app, [str(a) for a in args])
    assert res.exit_code == 0, res.output
    return res.output


def breakpoint_plans(folder: Path) -> list[tuple[tuple[float, float], dict]]:
    """Each breakpoint's criteria and budget cost per cell, in the front's order."""
    with (folder / "pareto.csv").open() as f:
        rows = list(csv.DictReader(f))
    keys = {
        r["point"]: (float(r["jobs"]), float(r["population"]))
        for r in rows
        if r["is_breakpoint"].lower() in ("true", "1", "yes")
    }
    plans: dict = {k: {} for k in keys}
    with (folder / "pareto_allocations.csv").open() as f:
        for r in csv.DictReader(f):
            if r["point"] in keys:
                plans[r["point"]][(r["town"], r["measure"])] = float(r["budget_cost_mln"])
    return [(keys[k], plans[k]) for k in sorted(keys, key=int)]


def test_pareto_breakpoints_are_the_even_plan_whatever_the_row_order(tmp_path: Path) -> None:
    """Each breakpoint's allocation is its face's even plan, so shuffled rows give the same
    front plan for plan (CBC's fronts differ in their breakpoints, issue 18)."""
    run("pareto", KZ, "--out", tmp_path / "h")
    run("pareto", shuffled_copy(KZ, tmp_path / "kz", seed=3), "--out", tmp_path / "s")
    h = breakpoint_plans(tmp_path / "h")
    assert len(h) >= 10
    for other in ("s",):
        o = breakpoint_plans(tmp_path / other)
        assert len(o) == len(h)
        for (key, plan), (okey, oplan) in zip(h, o, strict=True):
            assert key == pytest.approx(okey, rel=1e-6)
            for cell in set(plan) | set(oplan):
                assert abs(plan.get(cell, 0.0) - oplan.get(cell, 0.0)) <= 1e-6 * 10_400, (
                    other, key, cell)  # fmt: skip


def cells(path: Path) -> dict[tuple[str, str], float]:
    with path.open() as f:
        return {(r["town"], r["measure"]): float(r["budget_cost_mln"]) for r in csv.DictReader(f)}


def distance(plan: dict, ref: dict, population: dict[str, float]) -> float:
    """sum (C - R)^2 / population, SPEC section 10."""
    return sum((plan.get(k, 0.0) - ref.get(k, 0.0)) ** 2 / population[k[0]]
               for k in set(plan) | set(ref))  # fmt: skip


def test_baseline_option_and_scenario_key_give_the_plan_closest_to_the_spend(
    tmp_path: Path,
) -> None:
    import numpy as np

    from optimizer.domain.actual import load_actual
    from optimizer.domain.instance import load_instance

    inst = load_instance(KZ)
    # Balkhash's cost may be anything from 204 to 1,560 mln on the 2021 plan's face
    spend_file = tmp_path / "balkhash-first.csv"
    spend_file.write_text("town,measure,amount_mln\nBalkhash,cluster_infrastructure,1200\n"
                          "Rudny,cluster_infrastructure,300\n")  # fmt: skip
    spend = load_actual(inst, spend_file)
    ref = {(inst.towns[t], inst.measures[m]): float(spend.volume[t, m] * inst.budget_cost[m])
           for t, m in zip(*np.nonzero(spend.volume), strict=True)}  # fmt: skip
    pop = dict(zip(inst.towns, map(float, inst.population), strict=True))
    even = json.loads(run("solve", KZ, "--format", "json", "--no-sensitivity"))
    run("solve", KZ, "--out", tmp_path / "even", "--no-sensitivity")
    run("solve", KZ, "--out", tmp_path / "base", "--no-sensitivity",
        "--baseline", spend_file)  # fmt: skip
    base = json.loads((tmp_path / "base" / "summary.json").read_text())
    for c in inst.criteria:
        assert base["objectives"][c] == pytest.approx(even["objectives"][c], rel=1e-6)
    a, b = cells(tmp_path / "even" / "allocation.csv"), cells(tmp_path / "base" / "allocation.csv")
    assert distance(b, ref, pop) < distance(a, ref, pop) - 1.0
    assert base["baseline"] == "balkhash-first"
    town = {t: sum(v for (tt, _), v in b.items() if tt == t) for t in ("Balkhash", "Rudny")}
    assert town["Balkhash"] > 1_500  # 963.6 in the even plan

    # the scenario key does the same
    scen = tmp_path / "with-baseline.toml"
    text = (KZ / "scenarios" / "plan-2021.toml").read_text()
    scen.write_text(f'baseline = "{spend_file}"\n' + text)
    run("solve", KZ, "-s", scen, "--out", tmp_path / "key", "--no-sensitivity")
    k = cells(tmp_path / "key" / "allocation.csv")
    assert all(abs(k.get(c, 0.0) - b.get(c, 0.0)) <= 1e-6 * 10_400 for c in set(k) | set(b))

    # pareto and compare take the option too
    run("pareto", KZ, "--baseline", "infrastructure-2020-illustrative")
    run("compare", KZ, "-a", "infrastructure-2020-illustrative", "--baseline",
        "programme-2014-plan-illustrative")  # fmt: skip


def test_baseline_must_name_an_existing_spend_file(tmp_path: Path) -> None:
    scen = tmp_path / "bad.toml"
    scen.write_text(
        'baseline = "no-such-spend"\n' + (KZ / "scenarios" / "plan-2021.toml").read_text()
    )
    res = runner.invoke(app, ["solve", str(KZ), "-s", str(scen)])
    assert res.exit_code == 2
    assert "baseline" in res.output and "no-such-spend" in res.output
    scen.write_text("baseline = 3\n" + (KZ / "scenarios" / "plan-2021.toml").read_text())
    res = runner.invoke(app, ["solve", str(KZ), "-s", str(scen)])
    assert res.exit_code == 2 and "baseline" in res.output
    res = runner.invoke(app, ["solve", str(KZ), "--baseline", "nothing-here"])
    assert res.exit_code == 2 and "--baseline" in res.output


def closest(folder: Path) -> dict[tuple[str, str], float]:
    with (folder / "closest_plan.csv").open() as f:
        rows = list(csv.DictReader(f))
    col = next(c for c in rows[0] if "cost" in c and "plan" in c) if rows else None
    return {(r["town"], r["measure"]): float(r[col]) for r in rows} if col else {}


def test_closest_plan_is_the_same_whatever_the_solver_or_row_order(tmp_path: Path) -> None:
    """The least-movement LP has ties; the plan among them is SPEC 10's (R: the actual)."""
    spend = "infrastructure-2020-illustrative"
    run("compare", KZ, "-a", spend, "--points", "2", "--out", tmp_path / "h")
    run("compare", KZ, "-a", spend, "--points", "2", "--out", tmp_path / "c", "--solver", "cbc")
    shuffled = shuffled_copy(KZ, tmp_path / "kz", seed=4)
    run("compare", shuffled, "-a", spend, "--points", "2", "--out", tmp_path / "s")
    h = closest(tmp_path / "h")
    assert h
    for other in ("c", "s"):
        o = closest(tmp_path / other)
        for cell in set(h) | set(o):
            assert abs(h.get(cell, 0.0) - o.get(cell, 0.0)) <= 1e-6 * 8_700, (other, cell)


def test_report_ranges_add_min_and_max_to_the_by_town_table(tmp_path: Path) -> None:
    run("solve", KZ, "--ranges", "--no-sensitivity", "--out", tmp_path / "s")
    with (tmp_path / "s" / "ranges.csv").open() as f:
        rng = {r["town"]: r for r in csv.DictReader(f)}
    run("report", KZ, "--ranges", "--points", "0", "--out", tmp_path / "r")
    md = (tmp_path / "r" / "report.md").read_text()
    assert "min, mln" in md and "max, mln" in md
    rudny = next(line for line in md.splitlines() if line.startswith("| Rudny"))
    lo, hi = float(rng["Rudny"]["min_cost_mln"]), float(rng["Rudny"]["max_cost_mln"])
    assert f"{lo:,.1f}" in rudny and f"{hi:,.1f}" in rudny
    run("report", KZ, "--points", "0", "--out", tmp_path / "plain")
    assert "min, mln" not in (tmp_path / "plain" / "report.md").read_text()


def test_explain_says_the_towns_range() -> None:
    text = run("explain", KZ, "--town", "Balkhash")
    assert "Any amount from 204 to 1,560 mln KZT for Balkhash gives the same outcome" in text
    assert "No equally good plan gives Kentau a different amount" in run(
        "explain", KZ, "--town", "Kentau")  # fmt: skip
    doc = json.loads(run("explain", KZ, "--town", "Balkhash", "--format", "json"))
    assert doc["range"]["max_cost_mln"] == pytest.approx(1560, rel=1e-6)


def test_sweep_marks_the_scenario_budget_and_the_gain_per_bn(tmp_path: Path) -> None:
    from optimizer.analysis.sweep import sweep_budgets
    from optimizer.domain.instance import load_instance
    from optimizer.domain.scenario import load_scenario
    from optimizer.outputs.plots.sensitivity import sweep_png

    inst = load_instance(KZ)
    scen = load_scenario(inst, None)
    res = sweep_budgets(inst, scen, [8000.0, 9000.0, 10000.0, 11000.0])
    assert res.scenario_budget_mln == 10_400
    mid, per_bn = res.marginal_gains()
    assert list(mid) == [8500.0, 9500.0, 10500.0]
    # solve: one more bn buys +91.18 jobs and +273.5 residents for 5.3-17.1 bn
    assert per_bn[:, 0] == pytest.approx(91.18, abs=0.05)
    assert per_bn[:, 1] == pytest.approx(273.54, abs=0.1)
    assert sweep_png(res, inst)[:4] == b"\x89PNG"


def test_pareto_compare_and_report_give_the_same_uplift(tmp_path: Path) -> None:
    """Issue 13: pareto --actual said +1,698 jobs (front at 10.4 bn) where compare said
    +1,544 (at the spend's 8.7 bn); the report's cards mixed the two budgets."""
    import re

    spend = "infrastructure-2020-illustrative"
    doc = json.loads(run("compare", KZ, "-a", spend, "--format", "json", "--points", "2"))
    jobs = doc["uplift"]["jobs"]["abs"]
    assert jobs == pytest.approx(1509.2, abs=0.1)

    text = run("pareto", KZ, "-a", spend)
    assert "the front is at the spend's budget cost, 8,700.0 mln" in text
    m = re.search(r"uplift: .* changes jobs ([+-][\d,.]+)", text)
    assert m and float(m.group(1).replace(",", "")) == pytest.approx(jobs, abs=0.05)

    run("report", KZ, "-a", spend, "--out", tmp_path / "r")
    md = (tmp_path / "r" / "report.md").read_text()
    m = re.search(r"\*\*jobs vs illustrative\*\*: ([+-][\d,]+)", md)
    assert m and float(m.group(1).replace(",", "")) == pytest.approx(jobs, abs=0.5)
    assert "Every figure is at the illustrative spend's budget cost, 8,700.0 mln" in md
    # the optimum card is at the same budget as the uplift
    assert "optimum at 8,700.0 mln" in md
    # front points numbered from 1, as in pareto.csv
    first = next(line for line in md.splitlines() if line.startswith("| ") and "breakpoint" in line)
    assert first.startswith("| 1 |")


def test_pareto_with_a_budget_names_both_budgets() -> None:
    text = run("pareto", KZ, "-a", "infrastructure-2020-illustrative", "--budget", "10.4bn")
    assert "two budgets: the front is at 10,400.0 mln KZT (--budget), the spend cost 8,700.0" in (
        text.replace("\n", " "))  # fmt: skip


def test_units_people_use_in_explain_report_and_sweep(tmp_path: Path) -> None:
    """Issue 13: explain spoke in 'weighted units per billion', the report's shadow prices
    were objective units per million (0.000171606)."""
    text = run("explain", KZ, "--town", "Balkhash")
    assert "weighted units" not in text
    assert "One more billion of budget buys +91.2 jobs and +273.5 population" in text
    assert "next bn buys: jobs / population" in text

    run("report", KZ, "--points", "0", "--out", tmp_path / "r")
    md = (tmp_path / "r" / "report.md").read_text()
    shadow = md[md.index("## Shadow prices") :]
    shadow = shadow[: shadow.index("\n## ")]
    assert "| budget | 1 bn KZT | 91.18 | 273.5 |" in shadow
    assert "0.000171" not in shadow and "per million" not in shadow

    sweep = run("sweep", KZ, "--budget", "8000:12000:3")
    assert "jobs per bn" in sweep and "+91.2" in sweep and "+273.5" in sweep


def test_moved_is_money_taken_out_and_changes_sort_by_budget_cost(tmp_path: Path) -> None:
    spend = "infrastructure-2020-illustrative"
    text = run("compare", KZ, "-a", spend, "--points", "2", "--out", tmp_path / "c")
    doc = json.loads((tmp_path / "c" / "comparison.json").read_text())
    first = doc["closest"][0]
    assert first["even_plan"] is True
    assert "moved: money taken out of cells" in text
    assert "total change" not in text  # moved is one quantity (SPEC 14)
    with (tmp_path / "c" / "reallocation.csv").open() as f:
        rows = list(csv.DictReader(f))
    cost = [abs(float(r["change_cost_mln"])) for r in rows]
    assert cost == sorted(cost, reverse=True)
    run("report", KZ, "-a", spend, "--points", "2", "--out", tmp_path / "r")
    md = (tmp_path / "r" / "report.md").read_text()
    assert "| share of the gain | moved, mln | put in, mln |" in md
    row = next(line for line in md.splitlines() if line.startswith("| 25% |"))
    cells_ = [c.strip() for c in row.strip("|").split("|")]
    moved, put_in = (float(c.replace(",", "")) for c in cells_[1:3])
    assert moved == pytest.approx(put_in, abs=0.2)  # the same total: as much in as out
    assert moved == pytest.approx(first["moved_mln"], abs=0.1)
    assert "change in cost" in md


def test_provenance_first_line_banner_and_illustrative_spend(tmp_path: Path) -> None:
    """Issue 13: derived tiers and illustrative spend files were printed as fact."""
    spend = "infrastructure-2020-illustrative"
    for args in (("solve", KZ, "--no-sensitivity"), ("explain", KZ, "--town", "Balkhash"),
                 ("compare", KZ, "-a", spend, "--points", "2")):  # fmt: skip
        first = run(*args).splitlines()[0]
        assert first.startswith("Data: derived: towns:tier"), (args, first)
        assert "assumed: instance:curve" in first and "SOURCES.md" in first
    compare = run("compare", KZ, "-a", spend, "--points", "2")
    assert f"illustrative: actual/{spend}.csv" in compare.splitlines()[0]
    body = "\n".join(compare.splitlines()[1:])
    assert "illustrative spend" in body and "actual spend" not in body
    # the solve does not use the spend files: its line does not name them
    assert "illustrative:" not in run("solve", KZ, "--no-sensitivity").splitlines()[0]
    # JSON stays JSON
    json.loads(run("solve", KZ, "--no-sensitivity", "--format", "json"))

    run("report", KZ, "-a", spend, "--points", "2", "--out", tmp_path / "r")
    md = (tmp_path / "r" / "report.md").read_text()
    assert "Data: derived: towns:tier" in md[:2000]
    assert "actual spend" not in md.lower().replace("actual spend:", "")
    html = (tmp_path / "r" / "report.html").read_text()
    assert "Data: derived: towns:tier" in html

    text = run("pareto", KZ, "-a", spend)
    assert f"illustrative spend '{spend}'" in text
    unc = run("uncertainty", KZ, "--draws", "5", "-a", spend)
    assert "illustrative spend dominated" in unc


def test_fronts_with_large_faces_stay_fast_and_say_so(tmp_path: Path, monkeypatch) -> None:
    """A previous attempt evened every breakpoint of any front with HiGHS's active-set QP:
    1,000 generated towns took 348 s instead of 2 s. With the interior point every
    breakpoint there is evened in seconds; faces above `Tuning.many_max_free` free cells keep
    the LP's vertex, and the front says so."""

    from optimizer.analysis.pareto import compute_front
    from optimizer.domain.instance import load_instance
    from optimizer.domain.scenario import load_scenario
    from optimizer.generate import generate_instance
    from optimizer.tuning import Tuning

    folder = generate_instance(tmp_path / "g", 1000, seed=1)
    inst = load_instance(folder)
    front = compute_front(inst, load_scenario(inst, None), 5)
    assert front.seconds < 30
    assert all(p.even for p in front.breakpoints)
    front = compute_front(inst, load_scenario(inst, None), 5, tuning=Tuning(many_max_free=100))
    from optimizer.outputs.text import front_message

    assert front.solver_vertices == len(front.breakpoints) and front.face_limit == 100
    message = front_message(front)
    assert message is not None and "keep the solver's own vertex" in message
    assert not any(p.even for p in front.breakpoints)
    kz = load_instance(KZ)
    assert all(p.even for p in compute_front(kz, load_scenario(kz, None), 21).points)
