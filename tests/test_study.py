"""The study of a run computes each thing once (issue: one question, one answer):
`report --actual` builds the model once, solves the plan once, traces the front
once and computes each payoff table once, where it used to build the model four
times, compute the payoff table twice and trace the same front twice."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from optimizer.analysis import compare, pareto, study
from optimizer.analysis.study import Options, Study
from optimizer.domain.actual import load_actual
from optimizer.domain.instance import load_instance
from optimizer.domain.scenario import load_scenario
from optimizer.lp import engine

KZ = Path(__file__).resolve().parents[1] / "instances" / "kazakhstan"


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> Counter:
    """Counts of model builds, plans, fronts, payoff tables and LP solves."""
    calls: Counter = Counter()

    def spy(module: object, name: str, key: str) -> None:
        real = getattr(module, name)

        def wrapper(*args, **kwargs):  # type: ignore[no-untyped-def]
            calls[key] += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(module, name, wrapper)

    spy(engine, "build_model", "builds")
    spy(study, "optimize_engine", "plans")
    spy(compare, "optimize_engine", "plans")
    spy(pareto, "compute_front", "fronts")
    spy(compare, "compute_front", "fronts")
    real_end = engine.Engine.lexicographic_end
    real_run = engine.Engine.run

    def end(self, order):  # type: ignore[no-untyped-def]
        if tuple(order) not in self._ends:
            calls[("payoff row", self.scenario.budget_mln, tuple(order))] += 1
        return real_end(self, order)

    def run(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if type(self) is engine.Engine:  # a view's solve is counted by its own run
            calls["solves"] += 1
        return real_run(self, *args, **kwargs)

    real_view_run = engine.EngineView.run

    def view_run(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls["solves"] += 1
        return real_view_run(self, *args, **kwargs)

    monkeypatch.setattr(engine.Engine, "lexicographic_end", end)
    monkeypatch.setattr(engine.Engine, "run", run)
    monkeypatch.setattr(engine.EngineView, "run", view_run)
    return calls


def test_report_with_a_spend_solves_each_thing_once(counted: Counter) -> None:
    from optimizer.outputs.report import build_report

    inst = load_instance(KZ)
    spend = load_actual(inst, "infrastructure-2020-illustrative")
    run = Study(inst, load_scenario(inst, None), Options(), spend)
    build_report(run)
    assert counted["builds"] == 1
    assert counted["plans"] == 1
    assert counted["fronts"] == 1
    rows = {k: v for k, v in counted.items() if isinstance(k, tuple)}
    assert rows and all(v == 1 for v in rows.values()), rows
    # the payoff table at the scenario's budget (its normalization, 10.4 bn) and the
    # front's ends at the spend's budget (8.7 bn): each row once
    assert sorted(round(k[1], 1) for k in rows) == [8700.0, 8700.0, 10400.0, 10400.0]
    assert counted["solves"] < 108  # what the four models of the old report solved
    # asked again, nothing is solved again
    before = counted["solves"]
    assert run.comparison is run.comparison and run.front is run.front
    build_report(run)
    assert counted["solves"] == before


def test_a_study_answers_every_command_from_one_engine(counted: Counter) -> None:
    """solve's plan, the front, the comparison, the explanation and the sweep of one
    study share its one model."""
    import numpy as np

    inst = load_instance(KZ)
    spend = load_actual(inst, "infrastructure-2020-illustrative")
    run = Study(inst, load_scenario(inst, None), Options(points=3), spend)
    asked = (run.solution, run.front, run.comparison, run.actual_position)
    assert all(a is not None for a in asked)
    run.explanation("Rudny")
    run.sweep(np.array([8000.0, 8700.0]))
    assert counted["builds"] == 1
    assert counted["plans"] == 1
    assert counted["fronts"] == 1
