"""Uncertainty draws: re-solving in place against rebuilding the PuLP model per draw.

Not a test; prints timings and ratios (issue 6: "1,000 draws on the Kazakhstan
instance in under 10 s on 2 cores; report the ratio against rebuilding the PuLP
model per draw").

    python -m bench.uncertainty_bench [INSTANCE] [--draws 1000] [--rebuild-draws 50]

- in place: `run_uncertainty` as the command runs it (one model and one HiGHS
  session per worker; per draw only the cost vector changes), 1 and 2 workers;
- rebuild: per draw, the drawn criterion matrix, a new PuLP problem
  (`optimizer.lp.pulp.to_pulp`) and a solve, with PuLP's HiGHS (highspy) and with CBC. Fewer
  draws (`--rebuild-draws`), reported per draw and scaled to `--draws`.

Both score the nominal plan and re-optimize the same weighted objective (payoff
normalizers fixed at nominal); the rebuild path does no more work than that.
"""

from __future__ import annotations

import argparse
import os
import time
import warnings
from dataclasses import replace
from pathlib import Path

import numpy as np

from optimizer.analysis.uncertainty import draw_factors, measure_sigmas, run_uncertainty
from optimizer.domain.evaluate import score_volumes
from optimizer.domain.instance import load_instance
from optimizer.domain.scenario import load_scenario
from optimizer.lp.engine import Engine
from optimizer.lp.model import criterion_matrix
from optimizer.lp.pulp import to_pulp
from optimizer.methods.solution import optimize_engine

ROOT = Path(__file__).resolve().parents[1]


def rebuild_per_draw(inst, scen, draws: int, sigma: float, solver: str) -> float:
    """Seconds per draw when every draw builds and solves a new PuLP problem."""
    import pulp

    eng = Engine.open(inst, scen)
    sol = optimize_engine(eng)
    w = scen.objective.weight_vector(inst.criteria) / eng.normalizers()
    sig = measure_sigmas(inst, sigma)
    t0 = time.perf_counter()
    for i in range(draws):
        base = inst.base * draw_factors(0, i, sig, len(inst.criteria))[None]
        score_volumes(inst, sol.volumes, base)
        model = replace(eng.model, F=criterion_matrix(inst, base))
        cost = np.zeros(model.n_cols)
        cost[: model.n_x] = w @ model.F
        prob, _, _ = to_pulp(model, cost, True)
        cmd = pulp.HiGHS(msg=False) if solver == "highs" else pulp.PULP_CBC_CMD(msg=False)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            prob.solve(cmd)  # type: ignore[attr-defined]
        assert pulp.LpStatus[prob.status] == "Optimal"  # type: ignore[attr-defined]
    return (time.perf_counter() - t0) / draws


def build_only_per_draw(inst, scen, draws: int) -> float:
    eng = Engine.open(inst, scen)
    optimize_engine(eng)
    t0 = time.perf_counter()
    for _ in range(draws):
        to_pulp(eng.model, eng.cost_vector(np.ones(len(inst.criteria))), True)
    return (time.perf_counter() - t0) / draws


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m bench.uncertainty_bench")
    ap.add_argument("instance", nargs="?", default=str(ROOT / "instances" / "kazakhstan"))
    ap.add_argument("--scenario", default=None)
    ap.add_argument("--draws", type=int, default=1000)
    ap.add_argument("--rebuild-draws", type=int, default=50)
    ap.add_argument("--sigma", type=float, default=0.3)
    args = ap.parse_args(argv)
    inst = load_instance(args.instance)
    scen = load_scenario(inst, args.scenario)
    n = args.draws
    print(f"{inst.name}: {inst.n_towns} towns x {inst.n_measures} measures x "
          f"{inst.n_segments} segments, scenario {scen.name!r}, {os.cpu_count()} cores")  # fmt: skip

    inplace = {}
    for workers in (1, 2):
        t0 = time.perf_counter()
        run_uncertainty(inst, scen, draws=n, sigma=args.sigma, workers=workers)
        inplace[workers] = time.perf_counter() - t0
        print(f"in place, {workers} worker(s): {n} draws in {inplace[workers]:.2f} s "
              f"({inplace[workers] / n * 1e3:.2f} ms per draw, start-up included)")  # fmt: skip

    k = args.rebuild_draws
    build = build_only_per_draw(inst, scen, k)
    print(f"building the PuLP problem alone: {build * 1e3:.1f} ms per draw")
    best = min(inplace.values())
    for solver in ("highs", "cbc"):
        per = rebuild_per_draw(inst, scen, k, args.sigma, solver)
        total = per * n
        print(f"rebuild PuLP + {solver}: {per * 1e3:.1f} ms per draw, ~{total:.1f} s for {n} "
              f"draws; ratio to in place (1 worker) {total / inplace[1]:.1f}x, "
              f"to the best in-place run {total / best:.1f}x")  # fmt: skip


if __name__ == "__main__":
    main()
