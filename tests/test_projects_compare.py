"""Projects in `compare` and `report` (SPEC section 12): actual project lists, which
funded projects the optimum keeps, drops and adds, and the funded-projects table."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from optimizer.cli import app
from optimizer.domain.instance import load_instance
from optimizer.domain.scenario import load_scenario
from optimizer.methods.solution import optimize

PROJECTS = Path(__file__).parent / "data" / "tiny-projects"


@pytest.fixture
def projects_copy(tmp_path: Path) -> Path:
    dst = tmp_path / "tiny-projects"
    shutil.copytree(PROJECTS, dst)
    return dst


def test_report_lists_funded_projects(projects_copy: Path, runner, tmp_path: Path) -> None:
    out = tmp_path / "rep"
    res = runner.invoke(app, ["report", str(projects_copy), "--out", str(out)])
    assert res.exit_code == 0, res.output
    md = (out / "report.md").read_text()
    assert "## Funded projects" in md
    inst = load_instance(projects_copy)
    sol = optimize(inst, load_scenario(inst))
    pr = inst.projects
    funded = [pr.names[p] for p in range(len(pr)) if sol.fractions[p] > 1e-9]
    assert funded
    section = md.split("## Funded projects", 1)[1].split("\n## ", 1)[0]
    assert "| project | town | measure | fraction | budget cost mln |" in section
    for name in pr.names:
        assert (f"| {name} |" in section) == (name in funded)
    assert f"{len(funded)} of {len(pr)} projects funded" in section
    assert "Funded projects" in (out / "report.html").read_text()


def test_report_without_projects_has_no_project_table(tmp_path: Path, runner) -> None:
    tiny = Path(__file__).parent / "data" / "tiny"
    res = runner.invoke(app, ["report", str(tiny), "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert "Funded projects" not in (tmp_path / "report.md").read_text()


# ----------------------------------------------------------------------------- compare


def write_actual(inst: Path, name: str, text: str) -> None:
    (inst / "actual" / f"{name}.csv").write_text(text)


def test_actual_project_list_is_scored_with_the_projects_own_effects(
    projects_copy: Path,
) -> None:
    from optimizer.analysis.compare import compare
    from optimizer.domain.actual import load_actual

    write_actual(projects_copy, "mixed",
                 "town,measure,amount_mln,project,fraction\n"
                 "Beta,m1,20,,\n,,,road,1\n,,,bridge-a,1\n,,,park,0.5\n")  # fmt: skip
    inst = load_instance(projects_copy)
    scen = load_scenario(inst)
    spend = load_actual(inst, "mixed")
    pr = inst.projects
    y = np.zeros(len(pr))
    for n, v in (("road", 1.0), ("bridge-a", 1.0), ("park", 0.5)):
        y[pr.index(n)] = v
    np.testing.assert_array_equal(spend.fractions, y)
    cmp = compare(inst, scen, spend)
    from optimizer.domain.evaluate import budget_cost, score_volumes

    cells = np.zeros((inst.n_towns, inst.n_measures))
    cells[inst.towns.index("Beta"), inst.measures.index("m1")] = 20
    # budget: the cells' cost plus each project's fraction of its cost
    assert cmp.actual_budget_mln == pytest.approx(
        float(budget_cost(inst, cells).sum() + y @ pr.cost)
    )
    # criteria: the cells on the curve plus the projects' own effects (not the curve)
    want = score_volumes(inst, cells) + y @ pr.effects
    got = np.array([cmp.actual_objectives[c] for c in inst.criteria])
    np.testing.assert_allclose(got, want)
    # kept / dropped / added partition the two funded sets
    pc = cmp.projects
    opt = {n for n, v in zip(pr.names, cmp.optimal.fractions, strict=True) if v > 1e-9}
    act = {"road", "bridge-a", "park"}
    assert set(pc.kept) == act & opt
    assert set(pc.dropped) == act - opt
    assert set(pc.added) == opt - act
    assert pc.dropped_cost_mln == pytest.approx(
        sum(y[pr.index(n)] * pr.cost[pr.index(n)] for n in pc.dropped)
    )


def test_compare_cli_says_kept_dropped_added(projects_copy: Path, runner, tmp_path: Path) -> None:
    inst = load_instance(projects_copy)
    scen = load_scenario(inst)
    sol = optimize(inst, scen)
    # compared at the scenario's budget, so the optimum is `sol` whatever the spend costs
    at = ["--budget", repr(scen.budget_mln)]
    pr = inst.projects
    funded = [n for n, v in zip(pr.names, sol.fractions, strict=True) if v > 1e-9]
    unfunded = [n for n, v in zip(pr.names, sol.fractions, strict=True)
                if v <= 1e-9 and pr.min_fraction[pr.index(n)] >= 1.0]  # fmt: skip
    assert funded and unfunded
    # the actual funds the optimum's first project and one it leaves out
    listed = [funded[0], unfunded[0]]
    write_actual(projects_copy, "list", "project,fraction\n" + "".join(f"{n},1\n" for n in listed))
    out = tmp_path / "cmp"
    res = runner.invoke(app, ["compare", str(projects_copy), "--actual", "list", "--out", str(out),
                              *at])  # fmt: skip
    assert res.exit_code == 0, res.output
    doc = json.loads((out / "comparison.json").read_text())
    opt = doc["projects"]
    assert funded[0] in opt["kept"] and unfunded[0] in opt["dropped"]
    assert set(opt["added"]) | set(opt["kept"]) == set(opt["optimal_fractions"])
    assert set(opt["kept"]) | set(opt["dropped"]) == set(listed)
    assert "projects dropped: 1" in res.output and unfunded[0] in res.output
    res = runner.invoke(app, ["report", str(projects_copy), "--actual", "list", "--out",
                              str(tmp_path / "rep"), *at])  # fmt: skip
    assert res.exit_code == 0, res.output
    md = (tmp_path / "rep" / "report.md").read_text()
    assert "Funded projects, actual against the optimum" in md
    assert f"| {unfunded[0]} | dropped |" in md


def test_cells_only_actual_has_no_project_comparison(projects_copy: Path) -> None:
    from optimizer.analysis.compare import compare
    from optimizer.domain.actual import load_actual
    from optimizer.outputs.documents import comparison_document

    inst = load_instance(projects_copy)
    cmp = compare(inst, load_scenario(inst), load_actual(inst, "spend"))
    assert cmp.projects is None and comparison_document(cmp)["projects"] is None


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("project,fraction\nroad,1\nnowhere,1\n", "row 3, column 'project': unknown project"),
        ("project,fraction\nroad,1\nroad,1\n", "row 3: duplicate project 'road' (also row 2)"),
        ("project,fraction\nroad,0.5\n", "row 2, column 'fraction': project 'road' is funded all"),
        ("project,fraction\nwifi,1.5\n", "row 2, column 'fraction': 1.5 is not between 0 and 1"),
        ("project,fraction\npark,0.2\n", "at least its min_fraction 0.5, not 0.2"),
        ("project,fraction\nroad,abc\n", "row 2, column 'fraction'"),
        ("town,measure,amount_mln,project,fraction\nAlpha,m1,3,road,1\n",
         "row 2, column 'town': a project row leaves the cell columns empty"),
        ("project\nroad\n", "missing required column 'fraction'"),
    ],
)  # fmt: skip
def test_bad_actual_project_rows(projects_copy: Path, runner, text: str, words: str) -> None:
    write_actual(projects_copy, "bad", text)
    res = runner.invoke(app, ["compare", str(projects_copy), "--actual", "bad"])
    assert res.exit_code == 2, res.output
    flat = " ".join(res.output.split())
    assert "bad.csv" in flat and words in flat, res.output
    res = runner.invoke(app, ["validate", str(projects_copy)])
    assert res.exit_code == 2 and words in " ".join(res.output.split())


def test_project_rows_need_projects(tmp_path: Path, runner) -> None:
    tiny = tmp_path / "tiny"
    shutil.copytree(Path(__file__).parent / "data" / "tiny", tiny)
    (tiny / "actual" / "p.csv").write_text("project,fraction\nroad,1\n")
    res = runner.invoke(app, ["compare", str(tiny), "--actual", "p"])
    assert res.exit_code == 2
    assert "the instance has no projects.csv" in " ".join(res.output.split())


def test_closest_plans_count_project_changes(projects_copy: Path, runner, tmp_path: Path) -> None:
    """The closest plans' money moved counts project funding changes (funding a project
    the actual did not, or dropping one it did, at the project's budget cost) besides
    cell changes, and their criteria count the projects' effects: the same figures in
    comparison.json, the closest-plans table and the sentence."""
    from optimizer.analysis.compare import compare
    from optimizer.domain.actual import load_actual
    from optimizer.domain.evaluate import budget_cost, score_plan

    # dominated: the improving plans fund other projects than the actual's school
    write_actual(projects_copy, "mixed",
                 "town,measure,amount_mln,project,fraction\nAlpha,m1,30,,\n,,,school,1\n")  # fmt: skip
    inst = load_instance(projects_copy)
    pr = inst.projects
    spend = load_actual(inst, "mixed")
    cmp = compare(inst, load_scenario(inst), spend)
    fa = np.array([cmp.actual_objectives[c] for c in inst.criteria])
    ya = np.asarray(spend.fractions, dtype=float)
    plans = [p for p in cmp.closest if p.moved_mln is not None]
    assert plans
    changed = 0
    for p in plans:
        got = np.array([p.objectives[c] for c in inst.criteria])
        assert np.all(got >= fa - 1e-6)  # no criterion below the actual
        assert p.weighted >= p.target_weighted - 1e-6 * abs(p.target_weighted)  # MIP tolerance
        if p.target_weighted > cmp.weighted_actual + 1e-9:
            assert p.moved_mln > 0  # a gain over the actual needs a change
        assert p.fractions is not None
        cells = budget_cost(inst, p.volumes - spend.volume)
        projects = (p.fractions - ya) * pr.cost
        changed += int(np.any(np.abs(projects) > 1e-9))
        assert p.moved_mln == pytest.approx(-cells[cells < 0].sum() - projects[projects < 0].sum())
        assert p.added_mln == pytest.approx(cells[cells > 0].sum() + projects[projects > 0].sum())
        np.testing.assert_allclose(got, score_plan(inst, p.volumes, p.fractions), atol=1e-6)
    assert changed  # the optimum funds other projects: the plans change project funding
    out = tmp_path / "cmp"
    res = runner.invoke(app, ["compare", str(projects_copy), "--actual", "mixed", "--out",
                              str(out), "-f", "json"])  # fmt: skip
    assert res.exit_code == 0, res.output
    doc = json.loads((out / "comparison.json").read_text())
    for entry, p in zip(doc["closest"], cmp.closest, strict=True):
        assert entry["moved_mln"] == pytest.approx(p.moved_mln)
        assert entry["added_mln"] == pytest.approx(p.added_mln)
