"""The even plan at scale: the interior-point QP agrees with HiGHS's active-set QP,
and a face too large for the step leaves the solver's vertex and says so."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from optimizer.domain.instance import load_instance
from optimizer.domain.scenario import load_scenario
from optimizer.generate import generate_instance
from optimizer.lp import qp
from optimizer.lp.engine import Engine
from optimizer.methods import equal
from optimizer.methods.solution import optimize_engine


@pytest.fixture(scope="module")
def g300(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_instance(tmp_path_factory.mktemp("g") / "g300", towns=300, seed=3)


def captured_face(path: Path, monkeypatch: pytest.MonkeyPatch):
    seen = {}
    real = equal.minimize_qp

    def spy(face, lin, hessian):
        seen["args"] = (face, lin, hessian)
        return real(face, lin, hessian)

    monkeypatch.setattr(equal, "minimize_qp", spy)
    inst = load_instance(path)
    optimize_engine(Engine.open(inst, load_scenario(inst, None)))
    return seen["args"]


def objective(lin, hessian, y) -> float:
    start, index, value = hessian
    cols = np.repeat(np.arange(len(start) - 1), np.diff(start))
    hy = np.zeros_like(y)
    np.add.at(hy, index, value * y[cols])
    off = index != cols
    np.add.at(hy, cols[off], value[off] * y[index[off]])
    return float(lin @ y + 0.5 * y @ hy)


def test_interior_point_and_active_set_agree(g300: Path, monkeypatch) -> None:
    face, lin, hessian = captured_face(g300, monkeypatch)
    assert face.n_cols > qp.SMALL_FACE  # the interior point is the path taken
    ipm = qp.qp_clarabel(face, lin, hessian)
    active = qp.qp_highs(face, lin, hessian)
    assert ipm is not None and active is not None
    fi, fa = objective(lin, hessian, ipm), objective(lin, hessian, active)
    assert fi == pytest.approx(fa, rel=1e-8, abs=1e-8)
    # the face: rows within their bounds (the criteria held), columns within theirs
    rows = np.repeat(np.arange(face.n_rows), np.diff(face.row_start))
    act = np.bincount(rows, face.row_value * ipm[face.row_index], minlength=face.n_rows)
    tol = 1e-7 * np.maximum(1.0, np.abs(act))
    assert np.all(act >= face.row_lb - tol) and np.all(act <= face.row_ub + tol)
    assert np.all(ipm >= face.col_lb) and np.all(ipm <= face.col_ub)


def test_a_face_too_large_keeps_the_vertex_and_says_so(g300: Path) -> None:
    from optimizer.analysis.study import Options, Study
    from optimizer.outputs.documents import solve_document
    from optimizer.outputs.text import vertex_note
    from optimizer.tuning import Tuning

    inst = load_instance(g300)
    scen = load_scenario(inst, None)
    small = Study(inst, scen, Options(depth=None, tuning=Tuning(solve_max_free=10)))
    doc = solve_document(inst, scen, small.solved, False)
    assert doc["plan"]["rule"] == "solver" and doc["plan"]["free_cells"] > 10
    assert "the plan is the solver's vertex" in vertex_note(doc["plan"]["free_cells"])
    large = Study(inst, scen, Options(depth=None, tuning=Tuning(solve_max_free=10**9)))
    assert solve_document(inst, scen, large.solved, False)["plan"]["rule"] == "even"


def test_report_front_draws_the_dominating_plan(monkeypatch) -> None:
    """The report's front said "(not dominated)" beside a spend its own text called
    dominated: the dominating plan was not handed to the picture."""
    from optimizer.analysis.study import Options, Study
    from optimizer.domain.actual import load_actual
    from optimizer.outputs import report
    from optimizer.outputs.plots import pareto as plots

    kz = Path(__file__).resolve().parent.parent / "instances" / "kazakhstan"
    inst = load_instance(kz)
    spend = load_actual(inst, "infrastructure-2020-illustrative")
    seen = {}
    real = plots.front_png

    def spy(*args, **kwargs):
        seen.update(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(plots, "front_png", spy)
    study = Study(inst, load_scenario(inst, None), Options(points=5), actual=spend)
    assert study.comparison is not None and study.comparison.dominance.dominated
    report.build_report(study)
    better = seen["actual_better"]
    assert better is not None
    values = np.array([study.comparison.actual_objectives[c] for c in inst.criteria])
    assert np.all(better >= values - 1e-9) and np.any(better > values + 1e-6)
