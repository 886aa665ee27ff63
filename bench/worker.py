"""One variant of one measurement, run in its own process.

`python -m bench.worker '{"variant": "ours", "instance": "...", ...}'` prints one
JSON line: the phases in seconds, the objective, and the peak resident memory of
this process (`ru_maxrss`) and of its solver child processes (CBC). Each variant
runs in a fresh interpreter so that neither imports nor memory peaks mix.

Variants (every one solves the same weighted LP, `max sum_c wn_c f_c`, with the
normalized weights `wn` the parent computed once with our Engine):

- `prep`     our Engine: the payoff table, hence the normalized weight vector.
- `ours`     optimizer: load_instance + load_scenario, build_model + open_session
             (one passModel), session.solve.
- `raw`      the floor: instance files -> numpy CSR (bench.rawdata) -> one
             passModel -> run, same HiGHS options and algorithm as ours.
- `naive`    PuLP as a first-time user writes it: dicts of LpVariable, lpSum over
             generators, solved with PuLP's CBC.
- `ourpulp`  optimizer.lp.pulp.to_pulp (the model our --export-lp writes) + CBC.
- `profile`  `ours` under cProfile; prints the top functions as well.
"""

from __future__ import annotations

import dataclasses
import json
import resource
import sys
import time
from typing import Any


def rss_mb() -> tuple[float, float]:
    """Peak RSS of this process and of its largest waited-for child, in MB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, kids


def highs_options(h: Any, algorithm: str) -> None:
    """The options HighsSession sets, so the baseline runs the same solver."""
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    h.setOptionValue("solver", algorithm)


def extra_options(h: Any, options: dict[str, Any]) -> None:
    for k, v in options.items():
        h.setOptionValue(k, v)


def load_case(a: dict[str, Any]) -> tuple[Any, Any]:
    """The validated instance and scenario a measurement names."""
    from optimizer.domain.instance import load_instance
    from optimizer.domain.scenario import load_scenario

    inst = load_instance(a["instance"])
    return inst, load_scenario(inst, a.get("scenario"))


def run_prep(a: dict[str, Any]) -> dict[str, Any]:
    import numpy as np

    from optimizer.lp.engine import Engine
    from optimizer.lp.highs import first_solve

    inst, scen = load_case(a)
    t0 = time.perf_counter()
    eng = Engine.open(inst, scen)
    wn = scen.objective.weight_vector(inst.criteria) / eng.normalizers()
    # Scaled so that the largest cost is 1: every variant then solves the same
    # well-scaled LP (unscaled, costs near 1e-7 sit inside the solvers' dual
    # tolerance, and CBC stops early at 10,000 towns; see bench/results.md).
    top = float(np.abs(wn @ eng.model.F).max())
    return {
        "wn": [float(v) / top for v in wn],
        "wn_unscaled": [float(v) for v in wn],
        "criteria": list(inst.criteria),
        "scenario": scen.name,
        "n_cols": eng.model.n_cols,
        # our first-solve choice, so that the raw baseline runs the same solver
        "plan": dataclasses.asdict(first_solve(eng.model)),
        "n_rows": eng.model.n_rows,
        "payoff_seconds": time.perf_counter() - t0,
        "payoff_solves": eng.solves,
    }


def run_ours(a: dict[str, Any]) -> dict[str, Any]:
    t0 = time.perf_counter()
    # open_session imports highspy on first use; import it here so that, as for the
    # baseline, imports are not counted as build time (`monotowns solve` start-up is
    # measured on its own).
    import highspy  # noqa: F401
    import numpy as np

    from optimizer.lp.engine import open_session
    from optimizer.lp.model import build_model

    t1 = time.perf_counter()
    inst, scen = load_case(a)
    t2 = time.perf_counter()
    model = build_model(inst, scen)
    tm = time.perf_counter()
    session = open_session(model, "highs")
    ts = time.perf_counter()
    cost = np.zeros(model.n_cols)
    cost[: model.n_x] = np.asarray(a["wn"]) @ model.F
    t3 = time.perf_counter()
    res = session.solve(cost, True)
    t4 = time.perf_counter()
    return {
        "import": t1 - t0, "load": t2 - t1, "build": t3 - t2, "solve": t4 - t3,
        "objective": res.objective, "n_cols": model.n_cols, "n_rows": model.n_rows,
        "algorithm": session.plan.algorithm,  # type: ignore[attr-defined]
        "plan": dataclasses.asdict(session.plan),  # type: ignore[attr-defined]
        "parts": {"build_model": tm - t2, "open_session (passModel)": ts - tm,
                  "cost vector": t3 - ts, "HiGHS run": res.seconds,
                  "solve outside run": t4 - t3 - res.seconds},
    }  # fmt: skip


def run_raw(a: dict[str, Any]) -> dict[str, Any]:
    t0 = time.perf_counter()
    import highspy
    import numpy as np

    from bench.rawdata import raw_lp, read_raw

    t1 = time.perf_counter()
    r = read_raw(a["instance"], a.get("scenario"))
    t2 = time.perf_counter()
    lpa = raw_lp(r)
    cost = np.zeros(lpa.n_cols)
    cost[:-1] = np.asarray(a["wn"]) @ lpa.cost_of_crit
    # Costs scaled to a largest value of 1, as HighsSession does: payoff-normalized
    # weights give costs near HiGHS's dual tolerance. Same LP, same conditioning.
    scale = 1.0 / float(np.abs(cost).max())
    ta = time.perf_counter()
    h = highspy.Highs()
    highs_options(h, a["algorithm"])
    extra_options(h, a.get("options", {}))
    lp = highspy.HighsLp()
    lp.num_col_ = lpa.n_cols
    lp.num_row_ = len(lpa.row_lb)
    lp.col_cost_ = cost * scale
    lp.col_lower_ = np.zeros(lpa.n_cols)
    lp.col_upper_ = lpa.col_ub
    lp.row_lower_ = lpa.row_lb
    lp.row_upper_ = lpa.row_ub
    lp.sense_ = highspy.ObjSense.kMaximize
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.start_ = lpa.start
    lp.a_matrix_.index_ = lpa.index
    lp.a_matrix_.value_ = lpa.value
    lp.a_matrix_.num_col_ = lpa.n_cols
    lp.a_matrix_.num_row_ = len(lpa.row_lb)
    h.passModel(lp)
    t3 = time.perf_counter()
    h.run()
    tr = time.perf_counter()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        raise RuntimeError(h.modelStatusToString(h.getModelStatus()))
    sol = h.getSolution()
    x, _duals = np.array(sol.col_value), np.array(sol.row_dual)
    objective = float(h.getInfo().objective_function_value) / scale
    t4 = time.perf_counter()
    return {
        "import": t1 - t0, "load": t2 - t1, "build": t3 - t2, "solve": t4 - t3,
        "objective": objective, "n_cols": lpa.n_cols, "n_rows": len(lpa.row_lb),
        "algorithm": a["algorithm"], "x_sum": float(x.sum()),
        "parts": {"numpy arrays + cost": ta - t2, "passModel": t3 - ta, "HiGHS run": tr - t3,
                  "solve outside run": t4 - tr},
    }  # fmt: skip


def run_naive(a: dict[str, Any]) -> dict[str, Any]:
    """PuLP written the way the issue's 'naive build' means: one term at a time."""
    t0 = time.perf_counter()
    import numpy as np
    import pulp

    from bench.rawdata import read_raw

    t1 = time.perf_counter()
    r = read_raw(a["instance"], a.get("scenario"))
    t2 = time.perf_counter()
    T, M, S = r.shape
    wn = np.asarray(a["wn"])
    eff = r.coef @ wn  # (T, M) weighted effect of the first segment
    prob = pulp.LpProblem("naive", pulp.LpMaximize)
    x = {
        (t, m, s): pulp.LpVariable(f"x_{t}_{m}_{s}", 0, r.capacity[t, m] * r.widths[s])
        for t in range(T)
        for m in range(M)
        for s in range(S)
    }
    A = pulp.LpVariable("A", 0)
    keys = list(x)
    prob += pulp.lpSum(eff[t, m] * r.seg_mult[s] * x[t, m, s] for (t, m, s) in keys)
    prob += pulp.lpSum(r.budget_cost[m] * x[t, m, s] for (t, m, s) in keys) - A == 0, "alloc"
    if r.spend_all:
        prob += r.budget == A, "budget"
    else:
        prob += r.budget >= A, "budget"
    for inst, lim in r.limits.items():
        prob += (
            pulp.lpSum(x[t, m, s] for (t, m, s) in keys if r.instruments[m] == inst) <= lim,
            f"limit_{inst}",
        )
    for k, rule in enumerate(r.rules):
        lower = rule.kind.startswith("min_")
        groups = (
            [[t] for t in range(T) if rule.cells[t].any()]
            if rule.per_town or rule.kind.endswith("_per_capita")
            else [list(range(T))]
        )
        for g, towns in enumerate(groups):
            spent = pulp.lpSum(
                r.budget_cost[m] * x[t, m, s]
                for t in towns
                for m in range(M)
                if rule.cells[t, m]
                for s in range(S)
            )
            if rule.kind.endswith("_share"):
                lhs, rhs = spent - rule.value * A, 0.0
            elif rule.kind.endswith("_per_capita"):
                lhs, rhs = spent, rule.value * r.population[towns[0]] / 1e6
            else:
                lhs, rhs = spent, rule.value
            prob += (lhs >= rhs if lower else lhs <= rhs), f"rule{k}_{g}"
    t3 = time.perf_counter()
    prob.solve(pulp.PULP_CBC_CMD(msg=False))
    if pulp.LpStatus[prob.status] != "Optimal":
        raise RuntimeError(pulp.LpStatus[prob.status])
    objective = float(pulp.value(prob.objective))
    t4 = time.perf_counter()
    return {
        "import": t1 - t0, "load": t2 - t1, "build": t3 - t2, "solve": t4 - t3,
        "objective": objective, "algorithm": "CBC",
    }  # fmt: skip


def run_ourpulp(a: dict[str, Any]) -> dict[str, Any]:
    t0 = time.perf_counter()
    import numpy as np
    import pulp

    from optimizer.lp.model import build_model
    from optimizer.lp.pulp import to_pulp

    t1 = time.perf_counter()
    inst, scen = load_case(a)
    t2 = time.perf_counter()
    model = build_model(inst, scen)
    cost = np.zeros(model.n_cols)
    cost[: model.n_x] = np.asarray(a["wn"]) @ model.F
    prob, _, _ = to_pulp(model, cost, True)
    t3 = time.perf_counter()
    prob.solve(pulp.PULP_CBC_CMD(msg=False))  # type: ignore[attr-defined]
    if pulp.LpStatus[prob.status] != "Optimal":  # type: ignore[attr-defined]
        raise RuntimeError(pulp.LpStatus[prob.status])  # type: ignore[attr-defined]
    objective = float(pulp.value(prob.objective))  # type: ignore[attr-defined]
    t4 = time.perf_counter()
    return {
        "import": t1 - t0, "load": t2 - t1, "build": t3 - t2, "solve": t4 - t3,
        "objective": objective, "algorithm": "CBC",
    }  # fmt: skip


def run_profile(a: dict[str, Any]) -> dict[str, Any]:
    """`ours` under cProfile: the functions where build and solve spend their time."""
    import cProfile
    import io
    import pstats

    prof = cProfile.Profile()
    prof.enable()
    out = run_ours(a)
    prof.disable()
    stats = pstats.Stats(prof, stream=io.StringIO())
    rows = []
    for (file, line, fn), (_cc, nc, tt, ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        rows.append({"function": f"{short_path(file)}:{line}({fn})", "calls": nc,
                     "tottime": tt, "cumtime": ct})  # fmt: skip
    rows.sort(key=lambda r: -r["tottime"])
    out["top_tottime"] = rows[: a.get("top", 15)]
    rows.sort(key=lambda r: -r["cumtime"])
    out["top_cumtime"] = [r for r in rows if "optimizer" in r["function"]][: a.get("top", 15)]
    return out


def short_path(file: str) -> str:
    for marker in ("/optimizer/", "/bench/", "/site-packages/", "/lib/python"):
        if marker in file:
            return marker.strip("/") + "/" + file.split(marker, 1)[1]
    return file


VARIANTS = {
    "prep": run_prep,
    "ours": run_ours,
    "raw": run_raw,
    "naive": run_naive,
    "ourpulp": run_ourpulp,
    "profile": run_profile,
}


def main() -> None:
    args = json.loads(sys.argv[1])
    out = VARIANTS[args["variant"]](args)
    own, kids = rss_mb()
    out["rss_mb"] = own
    out["child_rss_mb"] = kids
    sys.stdout.write("\n" + json.dumps(out) + "\n")


if __name__ == "__main__":
    main()
