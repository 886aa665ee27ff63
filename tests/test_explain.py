"""`explain`: each measure's next million against the margin, checked by re-solving.

A three-town instance solved by hand (one measure m1, a grant; capacity 100 mln
per town, curve widths 0.5/0.5 with effect multipliers 1/0.5; weights 1 and 1,
normalize = "none", so a cell's weighted value per mln is jobs + population):

    town  effect per mln (jobs, pop)  segment 1 (0-50)  segment 2 (50-100)
    A     (1.0, 1.0)                  2.0               1.0
    B     (0.8, 0.8)                  1.6               0.8
    C     (0.3, 0.3)  (low tier)      0.6               0.3

With 170 mln the LP buys in value order: A1 50 (2.0), B1 50 (1.6), A2 50 (1.0),
then 20 of B2 (0.8). B2 is the marginal segment, so a million is worth 0.8:
- A is funded up to capacity; its last segment (1.0) stays above 0.8 unless its
  effect falls by more than 20%.
- C gets nothing: 0.6 against 0.8; it needs a 33.3% higher effect.
"""

from __future__ import annotations

import dataclasses
import json
import tomllib
from pathlib import Path

import pytest

from optimizer.analysis.explain import explain, explain_towns
from optimizer.cli import app
from optimizer.domain.instance import Instance, load_instance
from optimizer.domain.scenario import Scenario, load_scenario
from optimizer.methods.solution import optimize
from optimizer.outputs.documents import explanation_document
from optimizer.outputs.text import cell_reason, town_words

KZ = Path(__file__).resolve().parent.parent / "instances" / "kazakhstan"
EPS = 0.5  # percentage points either side of a stated threshold


def write_three_towns(root: Path, budget: float = 170) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "scenarios").mkdir(exist_ok=True)
    (root / "instance.toml").write_text(
        'name = "three towns"\ncurrency = "KZT"\ncriteria = ["jobs", "population"]\n'
        'tiers = ["high", "low"]\ndefault_scenario = "base"\n'
        "[curve]\nwidths = [0.5, 0.5]\nmultipliers = [1.0, 0.5]\n"
    )
    (root / "towns.csv").write_text(
        "town,region,tier,population\nA,North,high,100000\nB,North,high,100000\nC,South,low,100000\n"
    )
    (root / "measures.csv").write_text(
        "measure,label,instrument,budget_cost,capacity_per_capita,jobs_per_mln,population_per_mln\n"
        "m1,Employment support,grant,1.0,1000,1.0,1.0\n"
    )
    (root / "effects.csv").write_text(
        "town,measure,jobs_per_mln,population_per_mln\nB,m1,0.8,0.8\nC,m1,0.3,0.3\n"
    )
    (root / "scenarios" / "base.toml").write_text(
        f'name = "base"\nbudget_mln = {budget}\n[objective]\nmethod = "weighted"\n'
        'weights = { jobs = 1, population = 1 }\nnormalize = "none"\n'
    )
    return root


def scaled(inst: Instance, t: int, m: int, factor: float) -> Instance:
    """The instance with cell (t, m)'s effect on every criterion scaled by `factor`."""
    base = inst.base.copy()
    base[t, m] *= factor
    return dataclasses.replace(inst, base=base)


def volume_after(inst: Instance, scen: Scenario, t: int, m: int, factor: float) -> float:
    return float(optimize(scaled(inst, t, m, factor), scen).volumes[t, m])


@pytest.fixture(scope="module")
def three(tmp_path_factory) -> tuple[Instance, Scenario]:
    inst = load_instance(write_three_towns(tmp_path_factory.mktemp("three") / "inst"))
    return inst, load_scenario(inst, "base")


def test_hand_numbers(three) -> None:
    inst, scen = three
    a = explain(inst, scen, "A")
    assert a.price_per_mln == pytest.approx(0.8)
    assert a.budget_shadow_price == pytest.approx(0.8)
    cell = a.cells[0]
    assert cell.status == "full" and cell.volume_mln == pytest.approx(100)
    assert cell.value_per_mln == pytest.approx(1.0) and cell.margin_per_mln == pytest.approx(0.8)
    assert cell.change_pct == pytest.approx(20.0)
    assert "funded up to capacity" in cell_reason(cell) and "20%" in cell_reason(cell)

    c = explain(inst, scen, "C")
    assert c.allocated_mln == pytest.approx(0.0)
    cell = c.cells[0]
    assert cell.status == "unfunded"
    assert cell.value_per_mln == pytest.approx(0.6) and cell.margin_per_mln == pytest.approx(0.8)
    assert cell.change_pct == pytest.approx(100 / 3)
    assert cell.effects_per_mln == pytest.approx({"jobs": 0.3, "population": 0.3})
    # 0.6 against a margin of 0.8: 75% of it; effects in criteria per bn (issue 13)
    assert cell_reason(cell).startswith(
        "gets nothing from m1: jobs 300 and population 300 per bn, 75% of the margin"
    )
    assert "33% higher effect or a floor rule" in cell_reason(cell)

    b = explain(inst, scen, "B")
    assert b.cells[0].status == "marginal" and b.cells[0].volume_mln == pytest.approx(70)


def test_unfunded_town_gets_funded_at_the_stated_effect(three) -> None:
    inst, scen = three
    cell = explain(inst, scen, "C").cells[0]
    p = cell.change_pct
    t = inst.towns.index("C")
    assert volume_after(inst, scen, t, 0, 1 + (p + EPS) / 100) > 1.0
    assert volume_after(inst, scen, t, 0, 1 + (p - EPS) / 100) == pytest.approx(0.0, abs=1e-9)


def test_funded_town_stays_full_within_the_stated_margin(three) -> None:
    inst, scen = three
    cell = explain(inst, scen, "A").cells[0]
    q = cell.change_pct
    t = inst.towns.index("A")
    assert volume_after(inst, scen, t, 0, 1 - (q - EPS) / 100) == pytest.approx(100.0)
    assert volume_after(inst, scen, t, 0, 1 - (q + EPS) / 100) < 100.0 - 1.0


def test_volumes_match_the_solve(three) -> None:
    inst, scen = three
    sol = optimize(inst, scen)
    for t, town in enumerate(inst.towns):
        ex = explain(inst, scen, town)
        assert ex.allocated_mln == pytest.approx(float(sol.cost[t].sum()), abs=1e-6)


def kz_none(tmp_path: Path) -> tuple[Instance, Scenario]:
    """plan-2021 (spend_all, a binding low-tier floor, per-town caps) with normalize = "none",
    so that changing one effect does not move the payoff normalizers."""
    inst = load_instance(KZ)
    text = (
        (KZ / "scenarios" / "plan-2021.toml")
        .read_text()
        .replace('normalize = "payoff"', 'normalize = "none"')
    )
    assert tomllib.loads(text)["objective"]["normalize"] == "none"
    path = tmp_path / "plan-2021-none.toml"
    path.write_text(text)
    return inst, load_scenario(inst, path)


@pytest.mark.parametrize("town", ["Kentau", "Arkalyk"])
def test_kazakhstan_thresholds_hold_on_resolve(tmp_path: Path, town: str) -> None:
    """Every unfunded cell of the town is funded once its effect rises by the stated
    percentage (plus 0.5 points) and not with 0.5 points less; every full cell stays
    full within its stated margin and loses money beyond it."""
    inst, scen = kz_none(tmp_path)
    ex = explain(inst, scen, town)
    t = inst.towns.index(town)
    checked = 0
    for m, cell in enumerate(ex.cells):
        p = cell.change_pct
        if p is None or not 1.0 < p < 500.0:
            continue  # a tie, or no effect at all
        if cell.status == "unfunded":
            assert volume_after(inst, scen, t, m, 1 + (p + EPS) / 100) > 1e-6, cell.measure
            assert volume_after(inst, scen, t, m, 1 + (p - EPS) / 100) < 1e-6, cell.measure
            checked += 1
        elif cell.status == "full":
            cap = cell.capacity_mln
            assert volume_after(inst, scen, t, m, 1 - (p - EPS) / 100) >= cap - 1e-6, cell.measure
            assert volume_after(inst, scen, t, m, 1 - (p + EPS) / 100) < cap - 1e-6, cell.measure
            checked += 1
    assert checked >= 1


def test_rule_effects_are_named(tmp_path: Path) -> None:
    inst, scen = kz_none(tmp_path)
    ex = explain(inst, scen, "Arkalyk")  # a low-tier town: the floor rule lowers its margin
    assert any(sp.name == "low-potential-floor" for sp in ex.binding)
    cells = [c for c in ex.cells if c.rule_effects]
    assert cells and all(
        r.name == "low-potential-floor" and r.per_mln < 0 for c in cells for r in c.rule_effects
    )
    assert "low-potential-floor lowers the margin by" in cell_reason(cells[0])
    doc = explanation_document(ex)
    json.dumps(doc)
    assert doc["binding"][0]["name"] == "low-potential-floor"


# ----------------------------------------------------------------------------- CLI


def test_cli_explain(three, runner) -> None:
    inst, _ = three
    res = runner.invoke(app, ["explain", str(inst.path), "--town", "C"])
    assert res.exit_code == 0, res.output
    assert "gets nothing from m1" in res.output
    assert "33% higher effect" in res.output
    res = runner.invoke(app, ["explain", str(inst.path), "--town", "A", "--format", "json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["measures"][0]["status"] == "full"
    assert doc["measures"][0]["change_pct"] == pytest.approx(20.0)


def test_cli_explain_unknown_town(tiny: Path, runner) -> None:
    res = runner.invoke(app, ["explain", str(tiny), "--town", "Alpah"])
    assert res.exit_code == 2, res.output
    assert "Alpah" in res.output and "Alpha" in res.output
    assert "Traceback" not in res.output


def test_cli_explain_kazakhstan(runner) -> None:
    res = runner.invoke(app, ["explain", str(KZ), "--town", "Temirtau"])
    assert res.exit_code == 0, res.output
    assert "Temirtau" in res.output and "margin" in res.output


# ----------------------------------------------------------------------------- every method

# plan-2021's [objective] table replaced by each method's (SPEC 14: explain explains the
# plan of the scenario's own method, the plan `solve` reports)
OBJECTIVES = {
    "weighted": 'method = "weighted"\nweights = { jobs = 0.5, population = 0.5 }\n'
    'normalize = "payoff"',
    "lexicographic": 'method = "lexicographic"\norder = ["population", "jobs"]\ntolerance = 0.02',
    "epsilon": 'method = "epsilon"\nprimary = "jobs"\nepsilon = { population = 2700 }',
    "reference": 'method = "reference"\nref = { jobs = 2500, population = 2700 }\n'
    'normalize = "payoff"',
    "goal": 'method = "goal"\ntargets = { jobs = 2500, population = 2700 }\n'
    'weights = { jobs = 1, population = 1 }\nnormalize = "payoff"',
    "min_budget": 'method = "min_budget"\ntargets = { jobs = 1500, population = 1500 }',
}
OLD_OBJECTIVE = (
    'method = "weighted"\nweights = { jobs = 0.5, population = 0.5 }\nnormalize = "payoff"'
)


@pytest.fixture(scope="module")
def kz_methods(tmp_path_factory) -> dict[str, tuple[Instance, Scenario]]:
    """The Kazakhstan instance with plan-2021 under every method, and reach-2020-jobs."""
    inst = load_instance(KZ)
    root = tmp_path_factory.mktemp("methods")
    text = (KZ / "scenarios" / "plan-2021.toml").read_text()
    assert OLD_OBJECTIVE in text
    out = {"reach-2020-jobs": (inst, load_scenario(inst, "reach-2020-jobs"))}
    for method, table in OBJECTIVES.items():
        path = root / f"plan-2021-{method}.toml"
        path.write_text(text.replace(OLD_OBJECTIVE, table))
        scen = load_scenario(inst, path)
        assert scen.objective.method == method
        out[method] = (inst, scen)
    return out


CASES = ["reach-2020-jobs", *OBJECTIVES]


@pytest.mark.parametrize("case", CASES)
def test_explain_explains_the_plan_solve_reports(kz_methods, case: str) -> None:
    """Every town's every cell: explain's volume is solve's, for every method (SPEC 14;
    a min_budget scenario was explained under the weighted objective: Balkhash 701.3
    mln against solve's 0)."""
    inst, scen = kz_methods[case]
    sol = optimize(inst, scen)
    towns = explain_towns(inst, scen)
    assert [ex.town for ex in towns] == list(inst.towns)
    for t, ex in enumerate(towns):
        assert ex.method == scen.objective.method
        assert ex.allocated_mln == pytest.approx(float(sol.cost[t].sum()), rel=1e-6, abs=1e-6)
        assert ex.total_mln == pytest.approx(sol.allocated_mln, rel=1e-9)
        for m, cell in enumerate(ex.cells):
            assert cell.volume_mln == pytest.approx(float(sol.volumes[t, m]), rel=1e-6, abs=1e-6), (
                ex.town, cell.measure
            )  # fmt: skip


@pytest.mark.parametrize("case", CASES)
def test_cell_prices_are_the_methods_own(kz_methods, case: str) -> None:
    """The prices explain reads for each method (`describe(...).last_lp` and the
    method's duals) are those of the LP the method solved: at the plan, an unfunded
    segment is worth at most the margin, a full one at least, a partly filled one
    exactly the margin (complementary slackness)."""
    inst, scen = kz_methods[case]
    checked = 0
    for ex in explain_towns(inst, scen):
        for c in ex.cells:
            if c.value_per_mln is None:
                continue
            v, h = c.value_per_mln, c.margin_per_mln
            tol = 1e-6 * max(abs(v), abs(h), 1e-9)
            if c.status in ("unfunded", "partial"):
                assert v <= h + tol, (ex.town, c.measure, c.status, v, h)
            elif c.status == "full":
                assert v >= h - tol, (ex.town, c.measure, c.status, v, h)
            elif c.status == "marginal":
                assert v == pytest.approx(h, rel=1e-5, abs=1e-9), (ex.town, c.measure)
            checked += 1
    assert checked > 50


def test_min_budget_margin_is_the_cost_of_one_more_job(kz_methods) -> None:
    """reach-2020-jobs: Balkhash and Temirtau get what `solve` gives them (0, not the
    weighted plan's 701.3 and 1,641 mln), and the margin is the cost of one more job
    in mln of budget: the target's dual, equal to re-solving with 671 jobs."""
    inst, scen = kz_methods["reach-2020-jobs"]
    sol = optimize(inst, scen)
    for town in ("Balkhash", "Temirtau"):
        ex = explain(inst, scen, town)
        assert ex.allocated_mln == pytest.approx(float(sol.cost[inst.towns.index(town)].sum()))
        assert ex.allocated_mln == pytest.approx(0.0, abs=1e-6)
        assert ex.least_budget and ex.budget_mln == 8700 and ex.total_mln < 1300
    (jobs,) = ex.targets
    assert jobs.criterion == "jobs" and jobs.binding and jobs.bound == 670
    more = dataclasses.replace(
        scen, objective=dataclasses.replace(scen.objective, targets={"jobs": 671.0})
    )
    per_job = optimize(inst, more).allocated_mln - sol.allocated_mln  # mln per job
    assert 1.0 < per_job < 3.0
    assert jobs.cost == pytest.approx(per_job, rel=1e-4)
    assert jobs.checked == pytest.approx(per_job, rel=1e-4) and jobs.agrees
    # a funded cell at the margin: its jobs per mln times the cost of a job is 1
    kentau = explain(inst, scen, "Kentau")
    marginal = [c for c in kentau.cells if c.status in ("marginal", "partial")]
    assert marginal and kentau.price_per_mln == pytest.approx(1.0)
    words = " ".join(town_words(kentau, inst.currency, inst))
    assert "least budget" in words and "1.89 mln KZT" in words
    assert "weighted objective" not in words and "One more billion" not in words


def test_cli_explain_min_budget_matches_solve(runner, tmp_path: Path) -> None:
    """The command line: explain's Balkhash is solve's (allocation.csv has no row)."""
    res = runner.invoke(app, ["explain", str(KZ), "-s", "reach-2020-jobs", "--town", "Balkhash",
                              "--format", "json"])  # fmt: skip
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["allocated_mln"] == pytest.approx(0.0, abs=1e-6)
    assert "note" not in doc and doc["method"] == "min_budget"
    assert doc["targets"][0]["criterion"] == "jobs" and 1 < doc["targets"][0]["cost"] < 3
    out = tmp_path / "solve"
    res = runner.invoke(app, ["solve", str(KZ), "-s", "reach-2020-jobs", "--out", str(out),
                              "--no-sensitivity"])  # fmt: skip
    assert res.exit_code == 0, res.output
    rows = (out / "allocation.csv").read_text().splitlines()
    assert not [r for r in rows if r.startswith("Balkhash,")]
    assert doc["total_mln"] == pytest.approx(
        json.loads((out / "summary.json").read_text())["allocated_mln"], rel=1e-9
    )


def test_descriptions_match_the_methods() -> None:
    """One description per method, its sense that of the method's solve."""
    from optimizer.domain.scenario import Method
    from optimizer.methods.describe import DESCRIPTIONS, Margin, describe
    from optimizer.methods.scalarize import SCALARIZATIONS

    assert set(DESCRIPTIONS) == set(Method) == set(SCALARIZATIONS)
    for m in Method:
        assert describe(m).maximizes == SCALARIZATIONS[m].maximizes
    assert [m for m in Method if describe(m).margin is Margin.budget] == [Method.min_budget]


# ----------------------------------------------------------------------------- projects

PROJECT_METHODS = ["balanced", "epsilon", "goal", "lexicographic", "min_budget", "reference"]


@pytest.fixture(scope="module")
def with_projects(tmp_path_factory) -> Instance:
    """A generated instance with cells and projects, a scenario for every method."""
    from optimizer.generate import generate_instance

    return load_instance(generate_instance(tmp_path_factory.mktemp("gp") / "g", 6, 3, projects=8))


@pytest.mark.parametrize("name", PROJECT_METHODS)
def test_project_explanation_in_the_methods_own_objective(with_projects, name: str) -> None:
    """explain --project measures a decision in the scenario's own method (a min_budget
    scenario was scored by the weighted objective): the optimum's objective is that of
    solve's plan, and no forced variant beats the optimum in it."""
    from optimizer.analysis.project_explain import explain_project
    from optimizer.methods.describe import Margin, describe

    inst = with_projects
    scen = load_scenario(inst, name)
    assert inst.projects is not None
    sol = optimize(inst, scen)
    desc = describe(scen)
    for project in inst.projects.names[:3]:
        px = explain_project(inst, scen, project)
        assert px.method == scen.objective.method and px.maximizes == desc.maximizes
        assert px.objectives == pytest.approx(sol.objectives)
        if desc.margin is Margin.budget:  # the objective is the least budget
            assert px.objective == pytest.approx(sol.allocated_mln)
        for v in (px.forced_in, px.forced_out):
            loss = px.loss(v)
            if loss is None:
                continue
            assert loss >= -1e-6 * max(1.0, abs(px.objective)), (project, v.forced, loss)
            if desc.margin is Margin.budget:
                assert loss == pytest.approx(v.allocated_mln - sol.allocated_mln, abs=1e-6)


@pytest.mark.parametrize("name", ["balanced", "min_budget"])
def test_town_explanation_on_a_project_instance_is_solves_plan(with_projects, name: str) -> None:
    inst = with_projects
    scen = load_scenario(inst, name)
    sol = optimize(inst, scen)
    for t, ex in enumerate(explain_towns(inst, scen)):
        assert ex.allocated_mln == pytest.approx(float(sol.cost[t].sum()), rel=1e-6, abs=1e-6)
