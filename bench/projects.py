"""`python -m bench.projects [--sizes 50,100,250] [--timeout 900] [--stop-at 5]`: exact
bi-objective fronts of generated project instances (SPEC section 12), ours against peers.

Instances: `monotowns generate --towns 30 --seed 1 --projects N --lines 2
--integer-criteria --no-cells` (only projects contribute, so the front is a finite
set of points and every method below should find the same one).

- **ours**: `compute_front` (projects_front: the exact walk from both ends of the
  front, a guess or a combined solve per point, each started from a plan searched near
  the side's last plans, HiGHS through highspy); `ours` runs
  the two ends on two threads (two HiGHS sessions, two cores), `ours-1` on one.
- **pulp-eps**: the straightforward loop a modeller writes in PuLP with CBC: max jobs
  s.t. population >= L; max population s.t. jobs >= jobs*; L = population* + 1;
  the problem is rebuilt and CBC started for every solve.
- **pyaugmecon**: AUGMECON2 on a Pyomo model of the same problem, with one grid point
  per integer population value between the payoff table's nadir and ideal (step
  exactly 1), so its grid is exact. As shipped it cannot drive HiGHS (it passes
  `solver_io` and `manage_env` to Pyomo's appsi/highs interfaces, which refuse them);
  `pyaugmecon` runs it with CBC (`solver_name="cbc"`, `solver_io="lp"`, PuLP's bundled
  CBC binary put on PATH); `pyaugmecon-highs` replaces its one solve method so that it
  calls Pyomo's `appsi_highs` (relative and absolute gap 0). Its own parallel mode
  (`cpu_count`) splits the grid of the criteria *other than the second* over processes:
  with two criteria there is one block, so it always runs one process.

Each run is a fresh process with a timeout. Runs are interleaved: for each peer, ours
(both thread counts) runs right before it, and the ratio is against that run. With
`--stop-at R` a peer is stopped at R times our one-thread time (it is then at least R
times slower than both). Not a timed test.
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


def run_ours(path: str, threads: int = 2) -> dict[str, Any]:
    from optimizer.analysis.pareto import compute_front
    from optimizer.tuning import Tuning

    inst, scen = load(path)
    t0, c0 = time.perf_counter(), time.process_time()
    front = compute_front(inst, scen, 5, tuning=Tuning(front_threads=threads))
    return {"seconds": time.perf_counter() - t0, "cpu": time.process_time() - c0,
            "points": front.values.round(6).tolist(), "solves": front.solves,
            "method": front.method, "threads": threads}  # fmt: skip


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


def run_pyaugmecon(path: str, solver: str = "cbc") -> dict[str, Any]:
    import os
    import shutil

    import pulp
    import pyomo.environ as pyo
    from pyaugmecon import PyAugmecon

    if solver == "cbc":
        # PuLP's bundled CBC binary, for Pyomo's "cbc" interface
        cbc = Path(pulp.PULP_CBC_CMD().path)
        os.environ["PATH"] = f"{cbc.parent}{os.pathsep}{os.environ.get('PATH', '')}"
        if shutil.which("cbc") is None:
            raise RuntimeError(f"no cbc executable (looked in {cbc.parent})")
        solver_opts: dict[str, Any] = {"ratioGap": 0}
    else:
        drive_highs()
        # its own MIPGap / NonConvex defaults are Gurobi's names: None drops them
        solver_opts = {"MIPGap": None, "NonConvex": None, "mip_rel_gap": 0, "mip_abs_gap": 0}
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
    # one grid point per integer value of the second criterion between its nadir and
    # ideal (pyaugmecon's own payoff table gives the same two numbers): an exact grid
    # with step 1, the coarsest that is exact (a finer one only adds skipped levels)
    nadir, ideal = population_range(inst, scen)
    grid = round(ideal - nadir) + 1
    opts = {"grid_points": grid, "nadir_points": [nadir],
            "solver_name": "cbc" if solver == "cbc" else "appsi_highs",
            "solver_io": "lp", "cpu_count": 1, "output_excel": False,
            "logging_folder": "pyaugmecon-logs", "name": "projects"}  # fmt: skip
    os.chdir(tempfile.mkdtemp())  # pyaugmecon writes its log folder under the cwd
    t0 = time.perf_counter()
    A = PyAugmecon(m, opts, solver_opts)
    A.solve()
    pts = np.array(sorted(A.get_pareto_solutions()), dtype=float)
    return {"seconds": time.perf_counter() - t0, "points": pts.round(6).tolist(),
            "grid_points": grid, "solves": int(A.model.models_solved.value())}  # fmt: skip


def population_range(inst: Any, scen: Any) -> tuple[float, float]:
    """The population's nadir and ideal over the front (its two lexicographic ends)."""
    from optimizer.lp.engine import Engine

    eng = Engine.open(inst, scen)
    ends = [eng.lexicographic_end(order) for order in ([0, 1], [1, 0])]
    values = [float(v.values[1]) for v in ends]
    return min(values), max(values)


def drive_highs() -> None:
    """pyaugmecon's one solve method, calling Pyomo's appsi_highs (it passes
    `solver_io` and `manage_env`, which that interface refuses). Same results API: the
    termination condition and status it reads; the values loaded when optimal."""
    import pyomo.environ as pyo
    from pyaugmecon.model import Model

    def solve(self: Any) -> None:
        opt = pyo.SolverFactory("appsi_highs")
        opt.options.update(self.opts.solver_opts)
        self.result = opt.solve(self.model, load_solutions=False)
        self.term = self.result.solver.termination_condition
        self.status = self.result.solver.status
        if self.term == pyo.TerminationCondition.optimal:
            opt.load_vars()

    Model.solve = solve


def same_front(a: list, b: list) -> bool:
    A = np.unique(np.round(np.array(a, dtype=float), 6), axis=0)
    B = np.unique(np.round(np.array(b, dtype=float), 6), axis=0)
    return A.shape == B.shape and bool(np.allclose(A, B))


RUNS = {"ours": lambda p: run_ours(p, 2), "ours-1": lambda p: run_ours(p, 1),
        "pulp-eps": run_pulp, "pyaugmecon": lambda p: run_pyaugmecon(p, "cbc"),
        "pyaugmecon-highs": lambda p: run_pyaugmecon(p, "highs")}  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m bench.projects")
    ap.add_argument("--sizes", default="50,100,250")
    ap.add_argument("--timeout", type=float, default=900.0)
    ap.add_argument("--peers", default="pulp-eps,pyaugmecon,pyaugmecon-highs")
    ap.add_argument("--stop-at", type=float, default=None,
                    help="stop a peer at this many times our one-thread time")  # fmt: skip
    args = ap.parse_args(argv)
    from optimizer.generate import generate_instance

    tmp = Path(tempfile.mkdtemp())
    lines = ["| projects | front (ours) | ours s (2 threads) | ours s (1 thread) | peer "
             "| peer s | peer / ours (2 threads) | peer / ours (1 thread) | same front |",
             "|---:|---:|---:|---:|---|---:|---:|---:|---|"]  # fmt: skip

    def say(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    for n in (int(s) for s in args.sizes.split(",")):
        path = generate_instance(tmp / f"p{n}", towns=30, seed=1, projects=n, lines=2,
                                 integer_criteria=True, cells=False)  # fmt: skip
        for peer in args.peers.split(","):
            two = child("bench.projects", {"run": "ours", "path": str(path)}, args.timeout)
            one = child("bench.projects", {"run": "ours-1", "path": str(path)}, args.timeout)
            say(f"{n} ours: {two.get('seconds', two.get('error'))} s (2 threads), "
                f"{one.get('seconds', one.get('error'))} s (1 thread)")  # fmt: skip
            if "error" in two or "error" in one:
                lines.append(f"| {n} | | {two.get('error', '')} | {one.get('error', '')} "
                             f"| {peer} | | | | |")  # fmt: skip
                continue
            same_ours = same_front(two["points"], one["points"])
            limit = args.timeout if args.stop_at is None else args.stop_at * one["seconds"]
            res = child("bench.projects", {"run": peer, "path": str(path)}, limit)
            say(f"{n} {peer}: {res.get('seconds', res.get('error'))}")
            head = (f"| {n} | {len(two['points'])} | {two['seconds']:.1f} | "
                    f"{one['seconds']:.1f} | {peer}")  # fmt: skip
            if "error" in res:
                if res.get("timeout"):
                    lines.append(f"{head} | stopped at {limit:.0f} | > {limit / two['seconds']:.1f}x "
                                 f"| > {limit / one['seconds']:.1f}x | not finished |")  # fmt: skip
                else:
                    lines.append(f"{head} | {res['error']} | | | |")
                continue
            same = same_front(two["points"], res["points"]) and same_ours
            lines.append(
                f"{head} ({len(res['points'])} points) | {res['seconds']:.1f} | "
                f"{res['seconds'] / two['seconds']:.1f}x | {res['seconds'] / one['seconds']:.1f}x | "
                f"{'yes' if same else 'NO'} |"
            )
    print("\n".join(lines))


if __name__ == "__main__":
    if len(sys.argv) == 2 and sys.argv[1].startswith("{"):
        job = json.loads(sys.argv[1])
        print(json.dumps(RUNS[job["run"]](job["path"])))
    else:
        main()
