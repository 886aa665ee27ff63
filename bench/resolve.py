"""Re-solve workloads: our module against a warm highspy loop and against rebuilding.

`python -m bench.resolve '{"workload": "front", "instance": "...", ...}'` prints one
JSON line. In one process, for one workload (the exact Pareto front, a 50-step
budget sweep, 1,000 uncertainty draws):

1. record: the workload runs once with every `HighsSession.solve` recorded: the
   solver's row bounds as HiGHS holds them (read back from the live model, so
   bounds a module moved in place are caught too), the cost vector, the sense,
   and the extension (added rows and columns). This run also warms imports.
2. ours: the workload again, timed end to end, uninstrumented but for a counter.
3. warm loop: the recorded LPs replayed on one raw `highspy` object per session
   (passModel once; then per solve only changed rows, costs and sense; run;
   read the solution): the floor for "re-solving in place".
4. rebuild: a sample of the recorded LPs, each on a fresh model
   (`build_model` + `open_session` + solve, i.e. a fresh Engine per solve) and each
   as a fresh PuLP problem (`to_pulp`) solved by CBC; per-solve means, projected
   to the workload's number of solves.
"""

from __future__ import annotations

import contextlib
import json
import statistics
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bench.worker import load_case, rss_mb


@dataclass(eq=False)
class Call:
    session: int
    cost: np.ndarray  # over the base columns and the extension's columns
    maximize: bool
    extension: Any
    row_lb: np.ndarray  # every row HiGHS holds at solve time (base, then extension)
    row_ub: np.ndarray
    feasible: bool
    strategy: int = 1  # the simplex strategy our session chose (1 dual, 4 primal)


# ----------------------------------------------------------------------------- workloads


def make_workload(name: str, a: dict[str, Any]) -> tuple[Any, str]:
    """A zero-argument callable running the workload, and what it runs."""
    from optimizer.analysis.pareto import compute_front
    from optimizer.analysis.sweep import sweep_budgets
    from optimizer.analysis.uncertainty import run_uncertainty
    from optimizer.methods.solution import optimize

    inst, scen = load_case(a)
    if name == "front":
        points = int(a.get("points", 21))
        return (lambda: compute_front(inst, scen, points=points)), f"compute_front, points={points}"
    if name == "sweep":
        steps = int(a.get("steps", 50))
        b = scen.budget_mln
        budgets = np.linspace(0.5 * b, b, steps)
        return (lambda: sweep_budgets(inst, scen, budgets)), (
            f"sweep_budgets, {steps} budgets from {0.5 * b:g} to {b:g} mln"
        )
    if name == "uncertainty":
        draws = int(a.get("draws", 1000))
        return (lambda: run_uncertainty(inst, scen, draws=draws, workers=1)), (
            f"run_uncertainty, {draws} draws, 1 worker"
        )
    if name == "solve":
        return (lambda: optimize(inst, scen)), "optimize (payoff table + method)"
    raise ValueError(f"unknown workload {name!r}")


# ----------------------------------------------------------------------------- recording


def record(fn: Any) -> tuple[list[Call], dict[int, Any]]:
    """Run `fn` with every HiGHS solve recorded; the sessions' models by session id."""
    from optimizer.lp.highs import HighsSession

    orig = HighsSession.solve
    calls: list[Call] = []
    models: dict[int, Any] = {}

    def recording(self: Any, cost: Any, maximize: bool, extension: Any = None,
                  row_bounds: Any = None) -> Any:  # fmt: skip
        models.setdefault(id(self), self.model)
        feasible = True
        try:
            return orig(self, cost, maximize, extension, row_bounds)
        except Exception:
            feasible = False
            raise
        finally:
            lp = self.h.getLp()
            n = self.model.n_cols + (extension.n_cols if extension is not None else 0)
            full = np.zeros(n)
            full[: len(cost)] = cost
            calls.append(Call(id(self), full, bool(maximize), extension,
                              np.array(lp.row_lower_), np.array(lp.row_upper_), feasible,
                              int(self.strategy)))  # fmt: skip

    HighsSession.solve = recording  # type: ignore[method-assign]
    try:
        fn()
    finally:
        HighsSession.solve = orig  # type: ignore[method-assign]
    return calls, models


def timed(fn: Any) -> tuple[float, int, float]:
    """Wall seconds of `fn`, its number of HiGHS solves and the seconds inside `run`."""
    from optimizer.lp.highs import HighsSession

    orig = HighsSession.solve
    count = [0, 0.0]

    def counting(self: Any, *args: Any, **kw: Any) -> Any:
        count[0] += 1
        res = orig(self, *args, **kw)
        count[1] += res.seconds
        return res

    HighsSession.solve = counting  # type: ignore[method-assign]
    try:
        t0 = time.perf_counter()
        fn()
        return time.perf_counter() - t0, int(count[0]), float(count[1])
    finally:
        HighsSession.solve = orig  # type: ignore[method-assign]


# ----------------------------------------------------------------------------- warm loop


def warm_loop(
    calls: list[Call], models: dict[int, Any], plans: dict[int, Any]
) -> tuple[float, int]:
    """The recorded LPs on raw highspy objects, changed in place; wall seconds, solves.
    `plans`: our first-solve options per session (`optimizer.lp.highs.first_solve`), chosen
    before the clock starts, and each call's simplex strategy as our session chose
    it: the floor runs the same algorithm and pays nothing for choosing it."""
    import highspy

    t0 = time.perf_counter()
    state: dict[int, dict[str, Any]] = {}
    solved = 0
    for c in calls:
        m = models[c.session]
        st = state.get(c.session)
        if st is None:
            h = highspy.Highs()
            h.setOptionValue("output_flag", False)
            h.setOptionValue("threads", 1)
            if plans[c.session].presolve_rule_off:
                h.setOptionValue("presolve_rule_off", plans[c.session].presolve_rule_off)
            lp = highspy.HighsLp()
            lp.num_col_, lp.num_row_ = m.n_cols, m.n_rows
            lp.col_cost_ = np.zeros(m.n_cols)
            lp.col_lower_, lp.col_upper_ = m.col_lb, m.col_ub
            lp.row_lower_, lp.row_upper_ = m.row_lb, m.row_ub
            lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
            lp.a_matrix_.start_, lp.a_matrix_.index_ = m.row_start, m.row_index
            lp.a_matrix_.value_ = m.row_value
            lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = m.n_cols, m.n_rows
            h.passModel(lp)
            st = state[c.session] = {"h": h, "ext": None, "lb": m.row_lb.copy(),
                                     "ub": m.row_ub.copy(), "first": True}  # fmt: skip
        h = st["h"]
        if c.extension is not st["ext"]:
            old = st["ext"]
            if old is not None and old.n_rows:
                h.deleteRows(old.n_rows, np.arange(m.n_rows, m.n_rows + old.n_rows, dtype=np.int32))
            if old is not None and old.n_cols:
                h.deleteCols(old.n_cols, np.arange(m.n_cols, m.n_cols + old.n_cols, dtype=np.int32))
            ext = c.extension
            if ext is not None and ext.n_cols:
                h.addCols(ext.n_cols, np.zeros(ext.n_cols), ext.col_lb, ext.col_ub, 0,
                          np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int32), np.zeros(0))  # fmt: skip
            if ext is not None and ext.n_rows:
                h.addRows(ext.n_rows, ext.row_lb, ext.row_ub, len(ext.row_index),
                          ext.row_start[:-1].astype(np.int32), ext.row_index, ext.row_value)  # fmt: skip
                st["lb"] = np.concatenate([st["lb"][: m.n_rows], ext.row_lb])
                st["ub"] = np.concatenate([st["ub"][: m.n_rows], ext.row_ub])
            else:
                st["lb"], st["ub"] = st["lb"][: m.n_rows], st["ub"][: m.n_rows]
            st["ext"] = ext
        changed = np.flatnonzero((c.row_lb != st["lb"]) | (c.row_ub != st["ub"]))
        if len(changed):
            h.changeRowsBounds(len(changed), changed.astype(np.int32), c.row_lb[changed],
                               c.row_ub[changed])  # fmt: skip
            st["lb"], st["ub"] = c.row_lb, c.row_ub
        n = len(c.cost)
        top = float(np.abs(c.cost).max()) if n else 0.0
        h.changeColsCost(n, np.arange(n, dtype=np.int32), c.cost / top if top > 0 else c.cost)
        h.changeObjectiveSense(
            highspy.ObjSense.kMaximize if c.maximize else highspy.ObjSense.kMinimize
        )
        h.setOptionValue("solver", plans[c.session].algorithm if st["first"] else "simplex")
        h.setOptionValue("simplex_strategy", c.strategy)
        h.run()
        if h.getModelStatus() == highspy.HighsModelStatus.kOptimal:
            st["first"] = False
            sol = h.getSolution()
            # read, as any caller must
            _ = (np.array(sol.col_value), np.array(sol.row_dual),
                 h.getInfo().objective_function_value)  # fmt: skip
            solved += 1
    return time.perf_counter() - t0, solved


def uncertainty_study(a: dict[str, Any], wn: np.ndarray, draws: int, plan: Any,
                      sigma: float = 0.2, seed: int = 0) -> float:  # fmt: skip
    """The 1,000-draw study as a warm highspy loop written here: the raw model passed
    once, the nominal plan solved, then per draw the drawn costs changed in place, a
    warm solve, and both plans scored under the draw (as `run_uncertainty` does:
    mean-one lognormal factor per measure and criterion, nominal payoff weights).
    Reading the files is not timed (our module gets a loaded instance)."""
    import highspy

    from bench.rawdata import raw_lp, read_raw

    r = read_raw(a["instance"], a.get("scenario"))
    t0 = time.perf_counter()
    lpa = raw_lp(r)
    T, M, S = r.shape
    C = len(r.criteria)
    n_x = T * M * S
    sig = np.where(np.isnan(r.sigma), sigma, r.sigma)[:, None]
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    if plan.presolve_rule_off:
        h.setOptionValue("presolve_rule_off", plan.presolve_rule_off)
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = lpa.n_cols, len(lpa.row_lb)
    lp.col_cost_ = np.zeros(lpa.n_cols)
    lp.col_lower_, lp.col_upper_ = np.zeros(lpa.n_cols), lpa.col_ub
    lp.row_lower_, lp.row_upper_ = lpa.row_lb, lpa.row_ub
    lp.sense_ = highspy.ObjSense.kMaximize
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = lpa.start, lpa.index, lpa.value
    lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = lpa.n_cols, len(lpa.row_lb)
    h.passModel(lp)
    cols = np.arange(lpa.n_cols, dtype=np.int32)

    def solve(coef: np.ndarray) -> np.ndarray:
        cost = np.zeros(lpa.n_cols)
        cost[:n_x] = ((coef @ wn)[:, :, None] * r.seg_mult).ravel()
        h.changeColsCost(lpa.n_cols, cols, cost / np.abs(cost).max())
        h.run()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            raise RuntimeError(h.modelStatusToString(h.getModelStatus()))
        return np.array(h.getSolution().col_value)[:n_x].reshape(T, M, S)

    h.setOptionValue("solver", plan.algorithm)
    x_nom = solve(r.coef)
    h.setOptionValue("solver", "simplex")
    eff_nom = x_nom @ r.seg_mult  # (T, M) volume weighted by segment multipliers
    nominal, reopt = np.zeros((draws, C)), np.zeros((draws, C))
    funded, volume = np.zeros((T, M), dtype=np.int64), np.zeros((T, M))
    for i in range(draws):
        z = np.random.default_rng([seed, i]).standard_normal((M, C))
        coef = r.coef * np.exp(sig * z - 0.5 * sig * sig)[None, :, :]
        x = solve(coef)
        nominal[i] = np.einsum("tm,tmc->c", eff_nom, coef)
        reopt[i] = np.einsum("tm,tmc->c", x @ r.seg_mult, coef)
        vol = x.sum(axis=2)
        funded += vol > 1e-6
        volume += vol
    return time.perf_counter() - t0


# ----------------------------------------------------------------------------- rebuild


def row_overrides(c: Call, model: Any) -> dict[int, tuple[float, float]]:
    """The recorded row bounds as `row_bounds`: rows that differ from the defaults."""
    ext = c.extension
    lb = model.row_lb if ext is None else np.concatenate([model.row_lb, ext.row_lb])
    ub = model.row_ub if ext is None else np.concatenate([model.row_ub, ext.row_ub])
    k = min(len(lb), len(c.row_lb))
    diff = np.flatnonzero((lb[:k] != c.row_lb[:k]) | (ub[:k] != c.row_ub[:k]))
    return {int(i): (float(c.row_lb[i]), float(c.row_ub[i])) for i in diff}


def sample(calls: list[Call], k: int) -> list[Call]:
    if len(calls) <= k:
        return list(calls)
    return [calls[int(i)] for i in np.linspace(0, len(calls) - 1, k).round()]


def rebuild_engine(calls: list[Call], a: dict[str, Any], k: int) -> tuple[float, int]:
    """Mean seconds per solve with a fresh model and HiGHS session for every solve."""
    from optimizer.errors import OptimizerError
    from optimizer.lp.engine import open_session
    from optimizer.lp.model import build_model

    inst, scen = load_case(a)
    picked = sample(calls, k)
    t0 = time.perf_counter()
    for c in picked:
        model = build_model(inst, scen)
        session = open_session(model, "highs")
        with contextlib.suppress(OptimizerError):  # an infeasible LP costs its time too
            session.solve(c.cost, c.maximize, c.extension, row_overrides(c, model))
    return (time.perf_counter() - t0) / max(len(picked), 1), len(picked)


def rebuild_pulp(calls: list[Call], a: dict[str, Any], k: int) -> tuple[float, int]:
    """Mean seconds per solve with a fresh PuLP problem (to_pulp) solved by CBC."""
    import pulp

    from optimizer.lp.model import build_model
    from optimizer.lp.pulp import to_pulp

    inst, scen = load_case(a)
    picked = sample(calls, k)
    t0 = time.perf_counter()
    for c in picked:
        model = build_model(inst, scen)
        prob, _, _ = to_pulp(model, c.cost, c.maximize, c.extension, row_overrides(c, model))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            prob.solve(pulp.PULP_CBC_CMD(msg=False))  # type: ignore[attr-defined]
    return (time.perf_counter() - t0) / max(len(picked), 1), len(picked)


# ----------------------------------------------------------------------------- main


def run(a: dict[str, Any]) -> dict[str, Any]:
    from optimizer.lp.highs import first_solve

    fn, what = make_workload(a["workload"], a)
    out: dict[str, Any] = {"workload": a["workload"], "what": what}
    calls, models = record(fn)
    plans = {k: first_solve(m) for k, m in models.items()}
    out["recorded"] = len(calls)
    out["infeasible"] = sum(not c.feasible for c in calls)
    study = a["workload"] == "uncertainty"
    if study:
        from optimizer.lp.engine import Engine

        inst, scen = load_case(a)
        wn = scen.objective.weight_vector(inst.criteria) / Engine.open(inst, scen).normalizers()
    # Interleaved repeats, medians: at 27 towns a whole workload takes milliseconds.
    ours, warm, studies = [], [], []
    for _ in range(int(a.get("repeats", 1))):
        ours.append(timed(fn))
        warm.append(warm_loop(calls, models, plans))
        if study:
            studies.append(
                uncertainty_study(a, wn, int(a.get("draws", 1000)), plans[calls[0].session])
            )
    if studies:
        out["study"] = statistics.median(studies)
    out["ours"] = statistics.median(t for t, _, _ in ours)
    out["solves"] = ours[0][1]
    out["in_run"] = statistics.median(r for _, _, r in ours)
    out["warm"] = statistics.median(t for t, _ in warm)
    out["warm_solved"] = warm[0][1]
    out["repeats"] = len(ours)
    out["rebuild_engine"], out["rebuild_engine_n"] = rebuild_engine(
        calls, a, int(a.get("rebuild_samples", 30))
    )
    if int(a.get("pulp_samples", 5)) > 0:
        out["rebuild_pulp"], out["rebuild_pulp_n"] = rebuild_pulp(
            calls, a, int(a.get("pulp_samples", 5))
        )
    return out


# The workloads measured: a 21-point front, a 50-step sweep and 1,000 draws; the
# rebuild baselines on evenly spaced samples of the solves. SMOKE: a check that the
# bench runs (seconds, figures without meaning).
WORKLOADS = ("front", "sweep", "uncertainty")
SIZING = {"points": 21, "steps": 50, "draws": 1000, "rebuild_samples": 30, "pulp_samples": 5}
SMOKE = {"points": 3, "steps": 3, "draws": 5, "rebuild_samples": 2, "pulp_samples": 1}


def measure(
    targets: list[tuple[Path, str, int]], sizing: dict[str, int], log: Any
) -> list[dict[str, Any]]:
    """Every workload on every (instance, label, repeats), each in a fresh process."""
    from bench.runner import child

    out = []
    for path, label, repeats in targets:
        for workload in WORKLOADS:
            log(f"re-solves: {workload} on {label}")
            r = child("bench.resolve", {"workload": workload, "instance": str(path),
                                        "repeats": repeats, **sizing}, timeout=900)  # fmt: skip
            r["instance_label"] = label
            if "error" in r:
                r["error"] = f"failed: {r['error']}"
            out.append(r)
    return out


def rerun(argv: list[str]) -> None:
    """`python -m bench.resolve [--write]`: the re-solve figures of bench/results.md
    measured anew (the Kazakhstan instance, 5 repeats; 1,000 generated towns, 1), the
    section printed and, with `--write`, put in place of the old one with its rows of
    the targets table (the rest of the page stays as the last full run wrote it)."""
    import argparse
    import datetime as dt
    import os
    import shutil
    import tempfile

    from bench.report import (
        RESOLVE_HEADING,
        RESOLVE_TARGET,
        machine,
        replace_rows,
        replace_section,
        resolve_section,
        resolve_targets,
    )
    from bench.runner import KAZAKHSTAN, ROOT
    from bench.scale import generate

    ap = argparse.ArgumentParser(prog="python -m bench.resolve", description=rerun.__doc__)
    ap.add_argument("--write", action="store_true", help="put the figures into --results")
    ap.add_argument("--results", type=Path, default=ROOT / "bench" / "results.md")
    ap.add_argument("--smoke", action="store_true",
                    help="tiny workloads on 27 generated towns: does it run? (seconds)")  # fmt: skip
    args = ap.parse_args(argv)
    repeats = 1 if args.smoke else 5
    load = " ".join(f"{v:.2f}" for v in os.getloadavg())
    m = machine()
    tmp = Path(tempfile.mkdtemp(prefix="monotowns-bench-resolve-"))
    try:
        towns = 27 if args.smoke else 1000
        big, _ = generate(tmp, towns)
        targets = [(KAZAKHSTAN, "Kazakhstan instance", repeats),
                   (big, f"{towns:,} generated towns", 1)]  # fmt: skip
        resolves = measure(targets, SMOKE if args.smoke else SIZING,
                           lambda msg: print(msg, file=sys.stderr, flush=True))  # fmt: skip
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    when = dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    end = " ".join(f"{v:.2f}" for v in os.getloadavg())
    res = {"resolves": resolves, "resolve_repeats": repeats,
           "rerun": f"Measured by `python -m bench.resolve` on {when}, commit {m['commit']}, "
                    f"HiGHS {m['highs']}, {m['cores']} cores, load average at start / end: "
                    f"{load} / {end}."}  # fmt: skip
    lines = resolve_section(res)
    print("\n".join([*lines, *resolve_targets(res)]))
    if args.write:
        replace_section(args.results, RESOLVE_HEADING, lines)
        replace_rows(args.results, RESOLVE_TARGET, resolve_targets(res))


def main() -> None:
    if len(sys.argv) == 2 and sys.argv[1].startswith("{"):  # one workload, for `measure`
        out = run(json.loads(sys.argv[1]))
        out["rss_mb"], out["child_rss_mb"] = rss_mb()
        sys.stdout.write("\n" + json.dumps(out) + "\n")
    else:
        rerun(sys.argv[1:])


if __name__ == "__main__":
    main()
