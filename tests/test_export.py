"""SPEC 14: `--export-lp` / `--export-mps` write the problem the method solves last,
and any solver given the file reaches the objective value the tool reports for the
method (summary.json's `method_objective`), not a rescaled or shifted one.

Every scenario of the Kazakhstan instance and of the synthetic instance with
projects (a MIP) is solved with each of the six methods; the files are read back
without the optimizer (the LP file by HiGHS's reader, the MPS file by PuLP's, its
OBJSENSE section read here) and solved by scipy.
"""

from __future__ import annotations

import json
import math
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from optimizer.cli import app
from tests.conftest import ROOT, TINY

INSTANCES = {
    "kazakhstan": ROOT / "instances" / "kazakhstan",
    "synthetic-projects": ROOT / "instances" / "synthetic-projects",
}
# A generated instance where cells and projects both count, with three criteria and
# a scenario per method (the shipped synthetic instance has no cells and one scenario)
GENERATED = "generated"
GENERATED_SCENARIOS = ("balanced", "epsilon", "goal", "lexicographic", "min_budget",
                       "projects", "reference", "rules")  # fmt: skip
METHODS = ("weighted", "lexicographic", "epsilon", "reference", "goal", "min_budget")
CASES = [
    (name, path.stem)
    for name, folder in INSTANCES.items()
    for path in sorted((folder / "scenarios").glob("*.toml"))
] + [(GENERATED, s) for s in GENERATED_SCENARIOS]
REL = 1e-6
# A normalized objective (weighted deviation, achievement) may be near zero; below
# this it is compared absolutely. The methods hold their optima to 1e-9.
ABS = 1e-8


# ----------------------------------------------------------------------------- reading back


@dataclass(frozen=True)
class ReadProblem:
    """A problem as read from a file: minimize or maximize `c . x + offset` subject to
    `row_lb <= A x <= row_ub`, `lb <= x <= ub`, `integer` columns integral."""

    names: list[str]
    c: np.ndarray
    offset: float
    maximize: bool
    A: np.ndarray
    row_lb: np.ndarray
    row_ub: np.ndarray
    row_names: list[str]
    lb: np.ndarray
    ub: np.ndarray
    integer: np.ndarray

    def solve(self) -> float:
        """The optimum by scipy's milp (an LP when no column is integer)."""
        from scipy.optimize import Bounds, LinearConstraint, milp

        sign = -1.0 if self.maximize else 1.0
        res = milp(
            sign * self.c,
            constraints=LinearConstraint(self.A, self.row_lb, self.row_ub),
            bounds=Bounds(self.lb, self.ub),
            integrality=self.integer.astype(int),
            options={"mip_rel_gap": 1e-9, "presolve": True},
        )
        assert res.status == 0, res.message
        return sign * float(res.fun) + self.offset

    def row(self, name: str) -> tuple[dict[str, float], float, float]:
        """A row's coefficients by column name and its bounds."""
        i = self.row_names.index(name)
        nz = np.flatnonzero(self.A[i])
        return {self.names[j]: float(self.A[i, j]) for j in nz}, self.row_lb[i], self.row_ub[i]


def read_lp(path: Path) -> ReadProblem:
    """An LP file through HiGHS's reader."""
    import highspy

    h = highspy.Highs()
    h.silent()
    assert h.readModel(str(path)) == highspy.HighsStatus.kOk
    lp = h.getLp()
    n, m = lp.num_col_, lp.num_row_
    a = lp.a_matrix_
    A = np.zeros((m, n))
    start, index, value = list(a.start_), list(a.index_), list(a.value_)
    if a.format_ == highspy.MatrixFormat.kColwise:
        for j in range(n):
            for k in range(start[j], start[j + 1]):
                A[index[k], j] = value[k]
    else:
        for i in range(m):
            for k in range(start[i], start[i + 1]):
                A[i, index[k]] = value[k]
    integrality = list(lp.integrality_) if len(lp.integrality_) else [0] * n
    return ReadProblem(
        names=list(lp.col_names_),
        c=np.array(lp.col_cost_),
        offset=float(lp.offset_),
        maximize=lp.sense_ == highspy.ObjSense.kMaximize,
        A=A,
        row_lb=np.array(lp.row_lower_),
        row_ub=np.array(lp.row_upper_),
        row_names=list(lp.row_names_),
        lb=np.array(lp.col_lower_),
        ub=np.array(lp.col_upper_),
        integer=np.array([v == highspy.HighsVarType.kInteger for v in integrality]),
    )


def mps_sense(path: Path) -> bool:
    """True when the MPS file's OBJSENSE section says MAX (the format's default is MIN)."""
    lines = [ln.strip() for ln in path.read_text().splitlines()]
    if "OBJSENSE" not in lines:
        return False
    return lines[lines.index("OBJSENSE") + 1].upper() in ("MAX", "MAXIMIZE")


def read_mps(path: Path) -> ReadProblem:
    """An MPS file through PuLP's reader (which ignores OBJSENSE: read here)."""
    import pulp

    maximize = mps_sense(path)
    _vars, prob = pulp.LpProblem.fromMPS(
        str(path), sense=pulp.LpMaximize if maximize else pulp.LpMinimize
    )
    cols = prob.variables()
    at = {v.name: j for j, v in enumerate(cols)}
    c = np.zeros(len(cols))
    for v, coef in prob.objective.items():
        c[at[v.name]] = coef
    rows = prob.constraints()
    names = [con.name for con in rows]
    A = np.zeros((len(names), len(cols)))
    row_lb = np.full(len(names), -np.inf)
    row_ub = np.full(len(names), np.inf)
    for i, con in enumerate(rows):
        for v, coef in con.items():
            A[i, at[v.name]] = coef
        rhs = -con.constant
        if con.sense in (pulp.LpConstraintGE, pulp.LpConstraintEQ):
            row_lb[i] = rhs
        if con.sense in (pulp.LpConstraintLE, pulp.LpConstraintEQ):
            row_ub[i] = rhs
    return ReadProblem(
        names=[v.name for v in cols],
        c=c,
        offset=float(prob.objective.constant),
        maximize=maximize,
        A=A,
        row_lb=row_lb,
        row_ub=row_ub,
        row_names=names,
        lb=np.array([-np.inf if v.lowBound is None else v.lowBound for v in cols], dtype=float),
        ub=np.array([np.inf if v.upBound is None else v.upBound for v in cols], dtype=float),
        integer=np.array([v.cat == pulp.LpInteger for v in cols]),
    )


# ----------------------------------------------------------------------------- scenarios


def solve_json(args: list[str]) -> tuple[int, dict]:
    """`solve --format json`: the exit code and the document printed."""
    res = CliRunner().invoke(app, ["solve", *args, "--no-sensitivity", "--format", "json"])
    assert res.exit_code in (0, 3), res.output  # optimal, or infeasible with its document
    return res.exit_code, json.loads(res.stdout)


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The generated instance, once per test process."""
    from optimizer.generate import generate_instance

    folder = tmp_path_factory.mktemp("export") / "instance"
    generate_instance(folder, towns=8, seed=5, criteria=3, projects=12, lines=1)
    names = tuple(sorted(p.stem for p in (folder / "scenarios").glob("*.toml")))
    assert names == GENERATED_SCENARIOS
    return folder


@cache
def scenario_plan(folder: Path, scenario: str) -> dict[str, float] | None:
    """The criteria of the scenario's weighted plan (None: it has none): the method
    variants' keys are set from them, so every variant but goal's and reference's
    points is reachable (the plan meets every rule)."""
    code, doc = solve_json([str(folder), "-s", scenario, "--method", "weighted"])
    return doc["objectives"] if code == 0 else None


def inline(values: dict[str, float | str]) -> str:
    return "{ " + ", ".join(f"{json.dumps(k)} = {json.dumps(v)}" for k, v in values.items()) + " }"


def objective_table(method: str, f: dict[str, float]) -> str:
    """An [objective] table for `method` with keys set from the plan's criteria `f`:
    weights not summing to 1, floors and targets the plan reaches (min_budget,
    epsilon), points it does not (reference, goal)."""
    crit = list(f)
    lines = [f'method = "{method}"']
    if method == "weighted":
        lines += [f"weights = {inline({c: float(i + 2) for i, c in enumerate(crit)})}",
                  'normalize = "payoff"']  # fmt: skip
    elif method == "lexicographic":
        lines += [f"order = {json.dumps(crit[::-1])}", "tolerance = 0.01"]
    elif method == "epsilon":
        lines += [f"primary = {json.dumps(crit[0])}",
                  f"epsilon = {inline({c: 0.9 * f[c] for c in crit[1:]})}"]  # fmt: skip
    elif method == "reference":
        lines += [f"ref = {inline({c: 1.05 * f[c] for c in crit})}", 'normalize = "payoff"']
    elif method == "goal":
        lines += [f"targets = {inline({c: 1.1 * f[c] for c in crit})}",
                  f"weights = {inline({c: float(i + 1) for i, c in enumerate(crit)})}",
                  'normalize = "payoff"']  # fmt: skip
    else:
        lines += [f"targets = {inline({c: 0.9 * f[c] for c in crit})}"]
    return "[objective]\n" + "\n".join(lines) + "\n"


def with_objective(source: Path, table: str, target: Path) -> Path:
    """`source` with its [objective] table replaced by `table` (checked by reading both)."""
    kept, inside = [], False
    for line in source.read_text(encoding="utf-8").splitlines():
        if line.strip().startswith("["):
            inside = line.strip() == "[objective]"
        if not inside:
            kept.append(line)
    target.write_text("\n".join(kept) + "\n\n" + table, encoding="utf-8")
    old = tomllib.loads(source.read_text(encoding="utf-8"))
    new = tomllib.loads(target.read_text(encoding="utf-8"))
    assert {k: v for k, v in new.items() if k != "objective"} == {
        k: v for k, v in old.items() if k != "objective"
    }
    return target


def export(tmp_path: Path, instance: Path, scenario: Path | str) -> tuple[dict, Path, Path]:
    lp, mps = tmp_path / "model.lp", tmp_path / "model.mps"
    code, doc = solve_json([str(instance), "-s", str(scenario), "--export-lp", str(lp),
                            "--export-mps", str(mps)])  # fmt: skip
    assert code == 0, doc
    return doc, lp, mps


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=REL, abs_tol=ABS)


# ----------------------------------------------------------------------------- tests


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(("instance", "scenario"), CASES)
def test_exported_problem_reaches_the_reported_objective(
    request: pytest.FixtureRequest, tmp_path: Path, instance: str, scenario: str, method: str
) -> None:
    folder = request.getfixturevalue("generated") if instance == GENERATED else INSTANCES[instance]
    source = folder / "scenarios" / f"{scenario}.toml"
    plan = scenario_plan(folder, scenario)
    if plan is None:  # no plan meets the scenario's rules: no problem with an optimum
        lp = tmp_path / "model.lp"
        code, doc = solve_json([str(folder), "-s", str(source), "--method", "weighted",
                                "--export-lp", str(lp)])  # fmt: skip
        assert code == 3 and doc["status"] == "infeasible" and not lp.exists()
        return
    path = with_objective(source, objective_table(method, plan), tmp_path / "s.toml")
    doc, lp, mps = export(tmp_path, folder, path)
    assert doc["method"] == method
    reported = doc["method_objective"]["value"]
    from_lp, from_mps = read_lp(lp), read_mps(mps)
    assert from_lp.maximize == from_mps.maximize == (doc["method_objective"]["sense"] == "max")
    if instance != "kazakhstan":  # the MIP, not its relaxation
        assert from_lp.integer.any() and from_mps.integer.any()
    for problem in (from_lp, from_mps):
        assert close(problem.solve(), reported), (problem.solve(), reported)


def test_min_budget_problem_holds_the_targets(tmp_path: Path) -> None:
    folder = INSTANCES["kazakhstan"]
    doc, lp, mps = export(tmp_path, folder, "reach-2020-jobs")
    assert doc["method_objective"]["name"] == "allocated_budget"
    assert doc["method_objective"]["value"] == pytest.approx(doc["allocated_mln"], rel=1e-9)
    targets = tomllib.loads((folder / "scenarios" / "reach-2020-jobs.toml").read_text())
    jobs = list(doc["objectives"]).index("jobs")
    for problem in (read_lp(lp), read_mps(mps)):
        assert not problem.maximize
        assert problem.c[problem.names.index("A")] == 1.0 and np.count_nonzero(problem.c) == 1
        coefs, low, high = problem.row(f"floor_c{jobs}_lo")
        assert low == pytest.approx(targets["objective"]["targets"]["jobs"]) and high == np.inf
        assert any(name.startswith("x_t") for name in coefs)


def test_weighted_objective_has_weights_summing_to_one(tmp_path: Path) -> None:
    # tiny's weighted scenario: weights 1 and 1, payoff-normalized: the objective is
    # (f_jobs / n_jobs + f_population / n_population) / 2, not the sum
    doc, lp, _mps = export(tmp_path, TINY, "weighted")
    f, ideal, nadir = doc["objectives"], doc["payoff"]["ideal"], doc["payoff"]["nadir"]
    expected = 0.5 * sum(f[c] / (ideal[c] - nadir[c]) for c in ("jobs", "population"))
    assert doc["method_objective"]["value"] == pytest.approx(expected, rel=1e-9)
    assert read_lp(lp).solve() == pytest.approx(expected, rel=REL)


def test_the_file_says_which_method(tmp_path: Path) -> None:
    _doc, lp, mps = export(tmp_path, TINY, "goal")
    text = lp.read_text()
    assert "method goal" in text and "weighted_deviation" in text
    assert "Maximize weighted criteria" not in text
    head = mps.read_text().splitlines()
    assert head[0].startswith("* ") and "OBJSENSE" in head
    assert "Alpha" not in text  # names come from indices
