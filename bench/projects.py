"""`python -m bench.projects [--sizes 50,100,250] [--timeout 900]`: exact bi-objective
fronts of generated project instances (SPEC section 12), ours against two peers.

Instances: `monotowns generate --towns 30 --seed 1 --projects N --lines 2
--integer-criteria --no-cells` (only projects contribute, so the front is a finite
set of points and every method below should find the same one).

- **ours**: `compute_front` (lexicographic epsilon-constraint, exact quantum steps,
  one solve per point with the combined objective a * jobs + population and a cap on
  jobs, HiGHS through highspy on one live model without sub-MIP heuristics).
- **pulp-eps**: the straightforward loop a modeller writes in PuLP with CBC: max jobs
  s.t. population >= L; max population s.t. jobs >= jobs*; L = population* + 1;
  the problem is rebuilt and CBC started for every solve.
- **pyaugmecon**: AUGMECON2 on a Pyomo model of the same problem, with one grid point
  per possible population value (integer data), so its grid is exact. As shipped it
  cannot drive HiGHS (it passes `solver_io` to Pyomo's appsi/highs interfaces, which
  refuse it); it is run with CBC instead (`solver_name="cbc"`, `solver_io="lp"`,
  PuLP's bundled CBC binary put on PATH), one process (`cpu_count=1`).

Each peer runs in its own process with a timeout; figures are printed as ratios
against ours, measured in the same run. Not a timed test.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench.runner import child


def load(path: str) -> Any:
    from optimizer.domain.instance import load_instance
    from optimizer.domain.scenario import load_scenario

    inst = load_instance(path)
    return inst, load_scenario(inst)


def run_ours(path: str) -> dict[str, Any]:
    from optimizer.analysis.pareto import compute_front

    inst, scen = load(path)
    t0 = time.perf_counter()
    front = compute_front(inst, scen, 5)
    return {"seconds": time.perf_counter() - t0, "points": front.values.round(6).tolist(),
            "solves": front.solves, "method": front.method}  # fmt: skip


def knapsack(inst: Any, scen: Any) -> tuple[np.ndarray, list[tuple[np.ndarray, float]], list]:
    """(P, C) effects, the knapsack rows (coefficients, cap) and the groups."""
    pr = inst.projects
    rows = [(pr.cost, scen.budget_mln)]
    rows += [(pr.line_cost[:, k], scen.lines[ln]) for k, ln in enumerate(inst.lines)
             if ln in scen.lines]  # fmt: skip
    groups = [m for m in pr.groups().values() if len(m) > 1]
    return pr.effects, rows, groups


def run_pulp(path: str) -> dict[str, Any]:
    import warnings

    import pulp

    inst, scen = load(path)
    E, rows, groups = knapsack(inst, scen)
    P = len(E)
    t0 = time.perf_counter()
    found = []
    L = -1e18

    def solve(obj: int, floors: dict[int, float]) -> np.ndarray | None:
        prob = pulp.LpProblem("eps", pulp.LpMaximize)
        x = [pulp.LpVariable(f"x{p}", cat="Binary") for p in range(P)]
        prob += pulp.lpSum(float(E[p, obj]) * x[p] for p in range(P))
        for a, cap in rows:
            prob += pulp.lpSum(float(a[p]) * x[p] for p in range(P)) <= cap
        for g in groups:
            prob += pulp.lpSum(x[p] for p in g) <= 1
        for c, lo in floors.items():
            prob += pulp.lpSum(float(E[p, c]) * x[p] for p in range(P)) >= lo
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            prob.solve(pulp.PULP_CBC_CMD(msg=False, gapRel=0))
        if pulp.LpStatus[prob.status] != "Optimal":
            return None
        return np.array([round(v.varValue or 0.0) for v in x], dtype=float)

    solves = 0
    while True:
        a = solve(0, {1: L})
        solves += 1
        if a is None:
            break
        f1 = float(a @ E[:, 0])
        b = solve(1, {0: f1 - 0.5, 1: L})
        solves += 1
        v = (b if b is not None else a) @ E
        found.append(v.tolist())
        L = float(v[1]) + 0.5
    return {"seconds": time.perf_counter() - t0, "points": found, "solves": solves}


def run_pyaugmecon(path: str) -> dict[str, Any]:
    import os
    import shutil

    import pulp
    import pyomo.environ as pyo
    from pyaugmecon import PyAugmecon

    # PuLP's bundled CBC binary, for Pyomo's "cbc" interface
    cbc = Path(pulp.PULP_CBC_CMD().path)
    os.environ["PATH"] = f"{cbc.parent}{os.pathsep}{os.environ.get('PATH', '')}"
    if shutil.which("cbc") is None:
        raise RuntimeError(f"no cbc executable (looked in {cbc.parent})")
    inst, scen = load(path)
    E, rows, groups = knapsack(inst, scen)
    P = len(E)
    m = pyo.ConcreteModel()
    m.P = pyo.RangeSet(0, P - 1)
    m.x = pyo.Var(m.P, within=pyo.Binary)
    m.cap = pyo.ConstraintList()
    for a, cap in rows:
        m.cap.add(sum(float(a[p]) * m.x[p] for p in range(P)) <= cap)
    for g in groups:
        m.cap.add(sum(m.x[p] for p in g) <= 1)
    m.obj_list = pyo.ObjectiveList()
    for c in range(E.shape[1]):
        m.obj_list.add(expr=sum(float(E[p, c]) * m.x[p] for p in range(P)), sense=pyo.maximize)
    for o in m.obj_list:
        m.obj_list[o].deactivate()
    # one grid point per integer value of the second criterion: an exact grid
    grid = int(E[:, 1].sum()) + 1
    opts = {"grid_points": grid, "solver_name": "cbc", "solver_io": "lp", "cpu_count": 1,
            "output_excel": False, "logging_folder": "pyaugmecon-logs",
            "name": "projects"}  # fmt: skip
    os.chdir(tempfile.mkdtemp())  # pyaugmecon writes its log folder under the cwd
    t0 = time.perf_counter()
    A = PyAugmecon(m, opts, {"ratioGap": 0})
    A.solve()
    pts = np.array(sorted(A.get_pareto_solutions()), dtype=float)
    return {"seconds": time.perf_counter() - t0, "points": pts.round(6).tolist(),
            "grid_points": grid}  # fmt: skip


def same_front(a: list, b: list) -> bool:
    A = np.unique(np.round(np.array(a, dtype=float), 6), axis=0)
    B = np.unique(np.round(np.array(b, dtype=float), 6), axis=0)
    return A.shape == B.shape and bool(np.allclose(A, B))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="50,100,250")
    ap.add_argument("--timeout", type=float, default=900.0)
    ap.add_argument("--peers", default="pulp-eps,pyaugmecon")
    args = ap.parse_args()
    from optimizer.generate import generate_instance

    tmp = Path(tempfile.mkdtemp())
    lines = ["| projects | front (ours) | ours s | peer | peer s | peer / ours | same front |",
             "|---:|---:|---:|---|---:|---:|---|"]  # fmt: skip
    for n in (int(s) for s in args.sizes.split(",")):
        path = generate_instance(tmp / f"p{n}", towns=30, seed=1, projects=n, lines=2,
                                 integer_criteria=True, cells=False)  # fmt: skip
        ours = child("bench.projects", {"run": "ours", "path": str(path)}, args.timeout)
        print(f"{n} ours: {ours.get('seconds', ours.get('error'))}", file=sys.stderr, flush=True)
        for peer in args.peers.split(","):
            res = child("bench.projects", {"run": peer, "path": str(path)}, args.timeout)
            print(f"{n} {peer}: {res.get('seconds', res.get('error'))}", file=sys.stderr,
                  flush=True)  # fmt: skip
            if "error" in res or "error" in ours:
                lines.append(f"| {n} | {len(ours.get('points', []))} | "
                             f"{ours.get('seconds', float('nan')):.1f} | {peer} | "
                             f"{res.get('error', '')} | | |")  # fmt: skip
                continue
            lines.append(
                f"| {n} | {len(ours['points'])} | {ours['seconds']:.1f} | {peer} "
                f"({len(res['points'])} points) | {res['seconds']:.1f} | "
                f"{res['seconds'] / ours['seconds']:.1f}x | "
                f"{'yes' if same_front(ours['points'], res['points']) else 'NO'} |"
            )
    print("\n".join(lines))


if __name__ == "__main__":
    if len(sys.argv) == 2 and sys.argv[1].startswith("{"):
        job = json.loads(sys.argv[1])
        run = {"ours": run_ours, "pulp-eps": run_pulp, "pyaugmecon": run_pyaugmecon}[job["run"]]
        print(json.dumps(run(job["path"])))
    else:
        main()
