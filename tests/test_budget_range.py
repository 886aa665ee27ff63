""" "Holds for budget" is a property of the problem (SPEC 14): the piece of the optimal
value v(B) around the scenario's budget, between its two breakpoints.

Checked against hand-solved pieces, against the same report with the towns' rows
reversed and with CBC, against scipy's linprog on a grid of budgets with a bisection
of where the slope changes (tests/independent.py builds that LP without the
package's model), and on generated instances: v is linear over the reported piece
and not beyond either end.
"""

from __future__ import annotations

import csv
import json
import shutil
import tempfile
import tomllib
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from scipy.optimize import linprog

from optimizer.analysis.sensitivity import sensitivity_report
from optimizer.cli import app
from optimizer.domain.instance import load_instance
from optimizer.domain.scenario import load_scenario
from optimizer.errors import InfeasibleError
from optimizer.lp.engine import Engine
from optimizer.methods.solution import optimize_engine
from optimizer.outputs.documents import sensitivity_document
from tests.conftest import ROOT
from tests.independent import lp_rows, read_raw
from tests.strategies import instance_and_scenario, write_instance

TINY = Path(__file__).parent / "data" / "tiny"
KAZAKHSTAN = ROOT / "instances" / "kazakhstan"


def budget_entry(inst, scen, solver: str = "highs") -> dict:
    """The budget's entry of the report as summary.json carries it (quick depth, the
    command line's default)."""
    eng = Engine.open(inst, scen, solver)
    doc = sensitivity_document(sensitivity_report(eng, optimize_engine(eng), "quick"), "KZT")
    return next(e for e in doc["constraints"] if e["kind"] == "budget")


def printed(entry: dict) -> tuple[str, str, str]:
    """What the table prints of the budget's row: its rate (four significant digits)
    and the two ends of "holds for budget" (whole mln)."""
    lo, hi = entry["range_mln"]
    return f"{entry['objective']:.4g}", f"{lo:,.0f}", "∞" if hi is None else f"{hi:,.0f}"


# ----------------------------------------------------------------------------- by hand

# Jobs only on the tiny instance, per budget mln: Beta's first segment of m1 buys 2 jobs
# (25 mln), Beta's second and Alpha's first 1 (75 mln), Alpha's second 0.5 (50 mln),
# Alpha's m2 (budget cost 0.5 per unit of volume) 0.4 then 0.2 (50 mln each); all is
# spent at 250 mln. v(B) has breakpoints at 25, 100, 150, 200 and 250 mln.
HAND = [
    # budget, spend_all, (rate per bn, low, high), piece below or None
    (10, False, (2000, 0, 25), None),
    (60, False, (1000, 25, 100), None),
    (100, False, (500, 100, 150), (1000, 25, 100)),
    (175, False, (400, 150, 200), None),
    (250, False, (0, 250, None), (200, 200, 250)),
    (260, False, (0, 250, None), None),
    (240, True, (200, 200, 250), None),  # no plan spends more than 250 mln
    (250, True, (200, 200, 250), None),  # the most budget: only the piece below
]


def test_hand_solved_pieces_of_the_tiny_instance() -> None:
    inst = load_instance(TINY)
    jobs = load_scenario(inst, "jobs-only")
    for budget, spend_all, (rate, low, high), below in HAND:
        scen = replace(jobs.with_budget(budget), spend_all=spend_all)
        b = budget_entry(inst, scen)
        where = f"{budget} mln, spend_all={spend_all}"
        assert b["objective"] == pytest.approx(rate, abs=1e-6), where
        lo, hi = b["range_mln"]
        assert lo == pytest.approx(low, abs=1e-6), where
        assert hi is None if high is None else hi == pytest.approx(high, abs=1e-6), where
        if below is None:
            assert b.get("below") is None, where
        else:
            assert b.get("below") is not None, where
            assert b["below"]["objective"] == pytest.approx(below[0], abs=1e-6), where
            assert b["below"]["range_mln"] == pytest.approx(list(below[1:]), abs=1e-6), where
        if not (spend_all and budget == 250):  # the most budget: no re-solve above it
            assert b["agrees"], where  # the re-solve one step up buys the rate above


def test_hand_solved_ends_of_other_methods() -> None:
    """min_budget (least money for 50 jobs and 100 residents): Beta's first m1 segment
    x and Alpha's first m2 segment y with 2x + 0.4y = 50 and x + 4y = 100 cost 775/19
    mln; below it the targets are out of reach, above it more money changes nothing.
    Lexicographic, population first, at 100 mln: Alpha's m2 buys 2 residents per mln
    from 50 to 100 mln, then Beta's first m1 segment 1 from 100 to 125 mln."""
    inst = load_instance(TINY)
    b = budget_entry(inst, load_scenario(inst, "min-budget"))
    assert b["objective"] == 0 and b.get("below") is None
    assert b["range_mln"][0] == pytest.approx(775 / 19, abs=1e-6)
    assert b["range_mln"][1] is None
    b = budget_entry(inst, load_scenario(inst, "lexicographic"))
    assert b["objective"] == pytest.approx(1000, abs=1e-6)
    assert b["range_mln"] == pytest.approx([100, 125], abs=1e-6)
    assert b.get("below") is not None
    assert b["below"]["objective"] == pytest.approx(2000, abs=1e-6)
    assert b["below"]["range_mln"] == pytest.approx([50, 100], abs=1e-6)


# ----------------------------------------------------------------------------- any order, solver


def reversed_towns(dst: Path) -> Path:
    """The Kazakhstan instance with the rows of towns.csv in reverse order."""
    shutil.copytree(KAZAKHSTAN, dst)
    with (KAZAKHSTAN / "towns.csv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    with (dst / "towns.csv").open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([rows[0], *reversed(rows[1:])])
    return dst


def solved_budget_entry(runner, folder: Path, out: Path, *extra: str) -> dict:
    res = runner.invoke(app, ["solve", str(folder), "--out", str(out), *extra])
    assert res.exit_code == 0, res.output
    doc = json.loads((out / "summary.json").read_text())
    return next(e for e in doc["sensitivity"]["constraints"] if e["kind"] == "budget")


def test_same_range_with_the_towns_rows_reversed(runner, tmp_path: Path) -> None:
    """`solve` (quick sensitivity, the default) on the instance and on a copy with the
    rows of towns.csv reversed: one plan-2021 problem, one rate and one range."""
    flipped = reversed_towns(tmp_path / "reversed")
    here = solved_budget_entry(runner, KAZAKHSTAN, tmp_path / "a")
    there = solved_budget_entry(runner, flipped, tmp_path / "b")
    assert printed(here) == printed(there)
    assert here["range_mln"] == pytest.approx(there["range_mln"], abs=1e-3)
    assert here["below"] is None and there["below"] is None


def test_same_range_with_cbc(runner, tmp_path: Path) -> None:
    highs = solved_budget_entry(runner, KAZAKHSTAN, tmp_path / "highs")
    cbc = solved_budget_entry(runner, KAZAKHSTAN, tmp_path / "cbc", "--solver", "cbc")
    assert printed(highs) == printed(cbc)
    assert highs["range_mln"] == pytest.approx(cbc["range_mln"], abs=0.05)


# ----------------------------------------------------------------------------- scipy's route


class LinprogCurve:
    """v(B) of a weighted scenario (normalizers given) solved by scipy's linprog on the
    LP tests/independent.py writes out; the budget row is the first of its kind."""

    def __init__(self, folder: Path, scen: dict, weights: np.ndarray) -> None:
        c, a_ub, b_ub, a_eq, b_eq, bounds = lp_rows(read_raw(folder), scen, weights)
        self.spend_all = bool(scen.get("spend_all"))
        self.args = {
            "c": c,
            "A_ub": np.array(a_ub) if a_ub else None,
            "A_eq": np.array(a_eq) if a_eq else None,
            "bounds": bounds,
        }
        self.b_ub = np.array(b_ub, dtype=float)
        self.b_eq = np.array(b_eq, dtype=float)

    def __call__(self, budget: float) -> float | None:
        b_ub, b_eq = self.b_ub.copy(), self.b_eq.copy()
        (b_eq if self.spend_all else b_ub)[0] = budget
        res = linprog(**self.args, b_ub=b_ub if len(b_ub) else None,
                      b_eq=b_eq if len(b_eq) else None, method="highs")  # fmt: skip
        return -float(res.fun) if res.status == 0 else None


def piece_by_grid(v: LinprogCurve, B: float, grid: np.ndarray, tol: float) -> tuple[float, float]:
    """The ends of the piece of `v` through B: the grid says between which two budgets
    each end lies (the last on the line through B, the first off it), a bisection on
    "on the line" finds it. The line's slope is measured one mln on either side."""
    v0, up, down = v(B), v(B + 1.0), v(B - 1.0)
    assert v0 is not None and up is not None and down is not None
    slope = (up - v0) / 1.0
    assert (v0 - down) / 1.0 == pytest.approx(slope, rel=1e-7)  # B is inside a piece

    def on_line(x: float) -> bool:
        value = v(x)
        return value is not None and abs(value - (v0 + slope * (x - B))) <= tol

    ends = []
    for side in (grid[grid < B][::-1], grid[grid > B]):
        inner, outer = B, None
        for x in side:
            if not on_line(x):
                outer = x
                break
            inner = x
        assert outer is not None, "the grid must reach beyond the piece"
        for _ in range(60):
            mid = 0.5 * (inner + outer)
            inner, outer = (mid, outer) if on_line(mid) else (inner, mid)
        ends.append(inner)
    return ends[0], ends[1]


def test_range_matches_linprog_on_a_grid() -> None:
    folder = KAZAKHSTAN
    inst = load_instance(folder)
    scen = load_scenario(inst, "plan-2021")
    eng = Engine.open(inst, scen)
    weights = scen.objective.weight_vector(inst.criteria) / eng.normalizers()
    doc = tomllib.loads((folder / "scenarios" / "plan-2021.toml").read_text())
    v = LinprogCurve(folder, doc, weights)
    v0 = v(scen.budget_mln)
    assert v0 is not None
    lo, hi = piece_by_grid(v, scen.budget_mln, np.linspace(0.0, 30_000.0, 61), 1e-9 * abs(v0))
    b = budget_entry(inst, scen)
    assert b["range_mln"][0] == pytest.approx(lo, abs=0.01)
    assert b["range_mln"][1] == pytest.approx(hi, abs=0.01)
    v_lo, v_hi = v(lo), v(hi)
    assert v_lo is not None and v_hi is not None
    assert b["objective"] == pytest.approx((v_hi - v_lo) / (hi - lo) * 1000, rel=1e-6)


# ----------------------------------------------------------------------------- generated instances


def farthest_beyond(v: LinprogCurve, end: float, step: float) -> tuple[float, float | None]:
    """The farthest budget beyond `end` (by `step`, halved until a plan exists) and v
    there; v None when no budget beyond `end` by `step` * 2**-20 or more has a plan
    (nearer, the solver's feasibility tolerance would find plans that are not)."""
    for k in range(21):
        x = end + step * 0.5**k
        value = v(x)
        if value is not None:
            return x, value
    return end + step, None


# Pieces a few thousandths of a mln long near nought, where the gain is a thousandth of
# its value at the budget: round-off is measured against the gain's own size there.
NEAR_NOUGHT = (
    {
        "criteria": ["jobs", "population"], "tiers": ["high", "medium"],
        "widths": [0.2, 0.2, 0.6], "mults": [0.87, 0.69, 0.39],
        "towns": [{"town": f"T{i}", "region": "R1", "tier": "high",
                   "population": 144987 if i == 4 else 1000} for i in range(6)],
        "measures": [
            {"measure": "m0", "instrument": "grant", "cost": 1.0, "cap_pc": 10.0,
             "effects": [0.0, 0.0]},
            {"measure": "m1", "instrument": "loan", "cost": 0.15, "cap_pc": 1384.6,
             "effects": [0.0, 1.769]},
            {"measure": "m2", "instrument": "grant", "cost": 0.3, "cap_pc": 10.0,
             "effects": [0.0, 0.0]},
            {"measure": "m3", "instrument": "grant", "cost": 1.0, "cap_pc": 10.0,
             "effects": [0.0, 0.0]},
        ],
        "tier_effects": [("high", "m0", True, 0.33), ("high", "m1", True, 0.89),
                         ("medium", "m0", True, 0.33)],
        "effects": [("T0", "m0", [None, None], None), ("T0", "m1", [None, None], None),
                    ("T0", "m3", [None, None], None), ("T1", "m3", [None, None], 0.0),
                    ("T2", "m0", [0.0, 0.0], 10.0), ("T5", "m1", [None, None], None),
                    ("T5", "m2", [0.0, 4.0], None)],
    },
    {"budget_mln": 1.0, "spend_all": True, "limits": {"grant": 1.0}, "rules": [],
     "objective": {"method": "weighted", "weights": {"jobs": 0.0, "population": 1.0},
                   "normalize": "none"}},
)  # fmt: skip


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=instance_and_scenario())
@example(case=NEAR_NOUGHT)
def test_v_is_linear_on_the_reported_piece_and_not_beyond(case: tuple[dict, dict]) -> None:
    inst_d, scen_d = case
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_instance(Path(tmp) / "inst", inst_d, {"s": scen_d})
        inst = load_instance(folder)
        try:
            scen = load_scenario(inst, "s")
        except InfeasibleError:
            return  # share floors only the empty plan meets (README decisions): no report
        weights = np.array([scen_d["objective"]["weights"][c] for c in inst.criteria])
        v = LinprogCurve(folder, scen_d, weights)
        B = scen.budget_mln
        v0 = v(B)
        if v0 is None:
            return  # no plan at this budget: no report
        b = budget_entry(inst, scen)
        assert b["range_mln"] is not None
        pieces = [(b["objective"], *b["range_mln"])]
        if b.get("below") is not None:
            pieces.append((b["below"]["objective"], *b["below"]["range_mln"]))
        top = 2.0 * (money_for_everything(inst) + B) + 10.0
        scale = max(abs(v0), abs(v(top) or 0.0), 1e-6)
        for rate, lo, hi in pieces:
            assert lo <= B + 1e-9 * max(1.0, B) and (hi is None or hi >= B - 1e-9 * max(1.0, B))

            def line(x: float, rate: float = rate) -> float:
                return v0 + rate / 1000.0 * (x - B)

            far = hi if hi is not None else top
            # a hair inside: where the plans end, the solvers' feasibility tolerances
            # (1e-7) decide whether the very end has one
            hair = 1e-6 * max(1.0, far - lo)
            mid = 0.5 * (lo + far)
            inside = [min(lo + hair, mid), mid, max(far - hair, mid)]
            for x in inside:
                value = v(x)
                assert value is not None, f"no plan at {x} inside the piece {lo}-{hi}"
                assert value == pytest.approx(line(x), abs=1e-6 * scale), (x, lo, hi)
            for end, step in ((lo, -max(lo, 1.0)), (hi, max(hi or 0.0, 1.0))):
                if end is None:
                    continue
                x, value = farthest_beyond(v, end, step)
                # beyond an end: no plan (least or most budget), or below the line
                assert value is None or value < line(x) - 1e-8 * scale, (x, end, lo, hi)


def money_for_everything(inst) -> float:
    """The budget cost of every cell's whole capacity: above it more money buys nothing."""
    return float(inst.effective_capacity().sum(axis=0) @ inst.budget_cost)
