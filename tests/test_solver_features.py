"""Every solver call sits behind `optimizer/lp`, and a session says what it can do
(`Feature`, `Session.supports`): no caller imports a solver, checks a session's name or
class, or probes it for attributes; each session does what it declares and refuses,
with a clear error, what it does not."""

from __future__ import annotations

import ast
import threading
from pathlib import Path

import numpy as np
import pytest

from optimizer.domain.instance import load_instance
from optimizer.domain.scenario import load_scenario
from optimizer.lp.engine import Engine
from optimizer.lp.session import Feature, Near, UnsupportedFeature

PACKAGE = Path(__file__).resolve().parent.parent / "optimizer"
DATA = Path(__file__).parent / "data"
SOLVER_MODULES = ("highspy", "clarabel", "scipy.optimize")
PROBES = {"hasattr", "getattr", "setattr"}


def outside_lp() -> list[tuple[str, ast.AST]]:
    """(module path, syntax tree) of every module of the package but `optimizer/lp`."""
    return [
        (str(p.relative_to(PACKAGE.parent)), ast.parse(p.read_text(), str(p)))
        for p in sorted(PACKAGE.rglob("*.py"))
        if p.relative_to(PACKAGE).parts[0] != "lp"
    ]


def imported(tree: ast.AST) -> list[str]:
    """Every module a tree imports, at the top or inside a function."""
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names += [node.module] + [f"{node.module}.{a.name}" for a in node.names]
    return names


def solver_imports(path: str, tree: ast.AST) -> list[str]:
    return [
        f"{path} imports {name}"
        for name in imported(tree)
        if any(name == s or name.startswith(s + ".") for s in SOLVER_MODULES)
    ]


def session_questions(path: str, tree: ast.AST) -> list[str]:
    """Places that ask which solver a session is instead of what it supports: a
    comparison with a session's `name`, `isinstance(..., SomethingSession)`,
    `hasattr`/`getattr`/`setattr` on a session, and the engine's private payoff or a
    view's attributes probed with `getattr`."""
    found = []
    for node in ast.walk(tree):
        where = f"{path}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Compare):
            for side in [node.left, *node.comparators]:
                text = ast.unparse(side)
                if isinstance(side, ast.Attribute) and side.attr == "name" and "session" in text:
                    found.append(f"{where} compares {text}")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            fn, args = node.func.id, node.args
            if fn == "isinstance" and len(args) == 2 and "Session" in ast.unparse(args[1]):
                found.append(f"{where} {ast.unparse(node)}")
            if fn in PROBES and args and "session" in ast.unparse(args[0]):
                found.append(f"{where} {ast.unparse(node)}")
            if (
                fn in PROBES
                and len(args) >= 2
                and isinstance(args[1], ast.Constant)
                and args[1].value in {"overrides", "raw", "_payoff"}
            ):
                found.append(f"{where} {ast.unparse(node)}")
        elif isinstance(node, ast.Attribute) and node.attr == "_payoff":
            found.append(f"{where} reads {ast.unparse(node)}")
    return found


def test_only_lp_imports_a_solver() -> None:
    wrong = [line for path, tree in outside_lp() for line in solver_imports(path, tree)]
    assert wrong == []


def test_no_caller_asks_which_solver_a_session_is() -> None:
    wrong = [line for path, tree in outside_lp() for line in session_questions(path, tree)]
    assert wrong == []


def test_the_scans_find_what_they_look_for() -> None:
    planted = ast.parse(
        "import highspy\n"
        "def f(eng):\n"
        "    from scipy.optimize import linprog\n"
        "    if eng.session.name == 'HiGHS' or isinstance(eng.session, HighsSession):\n"
        "        return hasattr(eng.session, 'near'), getattr(eng, 'overrides', {}), eng._payoff\n"
    )
    assert len(solver_imports("x.py", planted)) == 3  # highspy, scipy.optimize(.linprog)
    assert len(session_questions("x.py", planted)) == 5


# ----------------------------------------------------------------------------- declared = done


def engine(solver: str, data: str = "tiny") -> Engine:
    inst = load_instance(DATA / data)
    return Engine.open(inst, load_scenario(inst), solver)


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_a_session_gives_what_it_declares(solver: str) -> None:
    """Basis and reduced costs: given where declared, None where not."""
    eng = engine(solver)
    s = eng.session
    res = eng.run(eng.cost_vector(np.ones(len(eng.criteria))))
    assert (res.col_dual is not None) == s.supports(Feature.REDUCED_COSTS)
    assert (s.get_basis() is not None) == s.supports(Feature.BASIS)


def test_highs_declares_every_feature_and_cbc_none() -> None:
    highs, cbc = engine("highs").session, engine("cbc").session
    assert all(highs.supports(f) for f in Feature)
    assert not any(cbc.supports(f) for f in Feature)


def test_cbc_refuses_what_it_does_not_support() -> None:
    """Asked anyway, CBC stops with an error that names the solver and the feature."""
    s = engine("cbc", "tiny-projects").session
    with pytest.raises(UnsupportedFeature, match="CBC cannot open a second session") as e:
        s.fork()
    assert e.value.feature is Feature.FORK
    with pytest.raises(UnsupportedFeature, match="CBC takes no search hints"):
        s.lean_search()
    with pytest.raises(UnsupportedFeature, match="CBC takes no search hints"), s.hinted(1.0):
        pass
    near = Near(np.array([0]), np.array([1.0]))
    with (
        pytest.raises(UnsupportedFeature, match="CBC cannot search for a starting plan"),
        s.hinted(near=near),
    ):
        pass
    with s.hinted():  # nothing asked: the block runs
        pass


def test_highs_hints_and_lean_search_hold_for_their_block_only() -> None:
    s = engine("highs", "tiny-projects").session
    near = Near(np.array([0]), np.array([1.0]))
    with s.hinted(objective_step=1.0, near=near):
        assert (s.objective_step, s.near) == (1.0, near)
    assert (s.objective_step, s.near) == (None, None)
    before = s.set_options({"mip_allow_restart": True})
    with s.lean_search():
        inside = s.h.getOptionValue("mip_allow_restart")
    after = s.h.getOptionValue("mip_allow_restart")
    assert before == {"mip_allow_restart": True}
    assert (inside[1] if isinstance(inside, tuple) else inside) is False
    assert (after[1] if isinstance(after, tuple) else after) is True


def test_a_fork_solves_beside_its_session() -> None:
    """`Engine.fork`: a second session on the model as built, with the engine's time
    limit and bounds; solved in another thread while the first holds method rows, it
    gives the same optimum, and each counts its own solves."""
    eng = engine("highs", "tiny-projects")
    eng.session.time_limit = 60.0
    with eng.at_budget(eng.scenario.budget_mln * 0.7) as view:
        pass
    eng.overrides = view.overrides  # an engine with moved bounds forks with them
    other = eng.fork()
    assert other.session is not eng.session and other.session.time_limit == 60.0
    assert other.overrides == eng.overrides and other.overrides is not eng.overrides
    cost = eng.cost_vector(np.eye(len(eng.criteria))[0])
    expected = eng.run(cost)
    got: list[float] = []
    with eng.extended(eng.floors({1: -1e9})) as rows:
        t = threading.Thread(target=lambda: got.append(other.run(cost).objective))
        t.start()
        rows.run(cost)
        t.join()
    assert got == [pytest.approx(expected.objective, abs=1e-9)]
    assert (eng.solves, other.solves) == (2, 1)


def test_an_engine_on_a_session_that_supports_what_is_needed() -> None:
    """`Engine.supporting`: the engine itself when its session can, else the same
    engine (payoff table, bounds) on a session that can; CBC's even plan takes its face
    around that session's optimum."""
    highs = engine("highs")
    assert highs.supporting(Feature.QP, Feature.REDUCED_COSTS) is highs
    cbc = engine("cbc")
    payoff = cbc.payoff()
    with cbc.at_budget(cbc.scenario.budget_mln * 0.8) as view:
        twin = view.supporting(Feature.QP, Feature.REDUCED_COSTS)
    assert twin is not view
    assert twin.session.supports(Feature.QP) and twin.session.supports(Feature.REDUCED_COSTS)
    assert twin.known_payoff is payoff and twin.overrides == view.overrides
    assert twin.scenario is view.scenario and twin.model is view.model


def test_an_engine_and_its_views_answer_overrides_raw_and_payoff() -> None:
    eng = engine("highs")
    assert eng.overrides == {} and eng.raw is False and eng.known_payoff is None
    payoff = eng.payoff()
    assert eng.known_payoff is payoff
    with eng.at_budget(eng.scenario.budget_mln * 0.8) as view:
        assert view.overrides == {eng.model.budget_row: view.overrides[eng.model.budget_row]}
        assert view.known_payoff is payoff and view.raw is False
