"""`python -m bench.sensitivity [--sizes 1000,10000,30000] [--big 100000] [--full 1000,10000]`:
what `monotowns solve`'s sensitivity step costs at national scale (issue 18, row O).

Each row times the whole process `monotowns solve INSTANCE [-s SCENARIO] FLAGS`
(standard output discarded) on a generated instance, three ways, runs interleaved:

- `--no-sensitivity`: the baseline, the optimum only;
- default (`--sensitivity quick`): duals, one re-solve per rule and the budget's
  range between the breakpoints of the optimum (warm re-solves at other budgets);
- `--sensitivity full`: also a re-solve without each rule (only at the `--full`
  sizes: minutes at 30,000 towns).

At the `--big` size the default is timed against `--no-sensitivity` once each. The
figures are ratios against the baseline of the same run (targets: default at most
1.5x the baseline at 1,000, 10,000 and 30,000 towns; 100,000 towns solved by default
in under 3 minutes on 2 cores). Peak memory is each process's own (`wait4`).

Run alone, it prints the Markdown section and, with `--write`, puts it into
bench/results.md in place of the previous one; `python -m bench` runs it too.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.runner import ROOT
from bench.scale import generate
from bench.startup import monotowns

HEADING = "## Sensitivity at national scale (issue 18)"
MODES = {"off": ["--no-sensitivity"], "quick": [], "full": ["--sensitivity", "full"]}
TARGET_RATIO = 1.5
TARGET_BIG_S = 180.0


def timed(cmd: list[str], timeout: float) -> dict[str, Any]:
    """Wall seconds, exit code and peak memory (MB) of one process."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         start_new_session=True)  # fmt: skip
    deadline = t0 + timeout
    while True:
        pid, status, usage = os.wait4(p.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            os.killpg(p.pid, 9)
            os.wait4(p.pid, 0)
            return {"error": f"timeout after {timeout:.0f} s"}
        time.sleep(0.05)
    wall = time.perf_counter() - t0
    code = os.waitstatus_to_exitcode(status)
    err = p.stderr.read().decode(errors="replace") if p.stderr else ""
    p.stderr and p.stderr.close()
    if code != 0:
        tail = (err.strip().splitlines() or ["no output"])[-1]
        return {"error": f"exit {code}: {tail}", "wall": wall}
    return {"wall": wall, "peak_mb": usage.ru_maxrss / 1024}


def runs_at(towns: int) -> int:
    return 3 if towns <= 1000 else 2 if towns <= 10_000 else 1


def measure(
    path: Path, towns: int, modes: list[str], scenario: str | None, runs: int, timeout: float,
    log: Any,
) -> dict[str, Any]:  # fmt: skip
    base = [*monotowns(), "solve", str(path)] + (["-s", scenario] if scenario else [])
    got: dict[str, list[dict[str, Any]]] = {m: [] for m in modes}
    for r in range(runs):
        for m in modes:
            if got[m] and "error" in got[m][-1]:
                continue
            res = timed(base + MODES[m], timeout)
            log(f"sensitivity bench: {towns:,} towns, {scenario or 'default scenario'}, "
                f"{m}, run {r + 1}/{runs}: {res.get('wall', res.get('error'))}")  # fmt: skip
            got[m].append(res)
    out: dict[str, Any] = {"towns": towns, "scenario": scenario or "balanced", "modes": {}}
    for m, rs in got.items():
        ok = [x for x in rs if "error" not in x]
        bad = [x["error"] for x in rs if "error" in x]
        out["modes"][m] = {
            "runs": [x["wall"] for x in ok],
            "median": statistics.median(x["wall"] for x in ok) if ok else None,
            "peak_mb": max(x["peak_mb"] for x in ok) if ok else None,
            "error": bad[0] if bad else None,
        }
    return out


def run(
    tmp: Path, sizes: list[int], full: list[int], big: list[int], log: Any,
    extra: list[tuple[int, str]] | None = None, timeout: float = 900.0,
    runs: int | None = None,
) -> dict[str, Any]:  # fmt: skip
    """The rows at `sizes` (`runs` each, else as many as `runs_at` the size), the
    `extra` (size, scenario) rows and the `big` sizes once each."""
    rows = []
    for n in sizes:
        path, _ = generate(tmp, n)
        modes = ["off", "quick"] + (["full"] if n in full else [])
        rows.append(measure(path, n, modes, None, runs or runs_at(n), timeout, log))
    for n, scenario in extra or []:
        path, _ = generate(tmp, n)
        rows.append(measure(path, n, ["off", "quick"], scenario, 1, timeout, log))
    for n in big:
        path, _ = generate(tmp, n)
        rows.append(measure(path, n, ["off", "quick"], None, 1, timeout, log))
    return {"rows": rows, "cores": os.cpu_count()}


def fmt(v: float | None) -> str:
    if v is None:
        return "—"
    return f"{v:.0f}" if v >= 100 else f"{v:.1f}" if v >= 10 else f"{v:.2f}"


def cell(mode: dict[str, Any] | None, base: float | None) -> tuple[str, str]:
    if mode is None:
        return "not run", "—"
    if mode["median"] is None:
        return f"failed: {mode['error']}", "—"
    r = mode["median"] / base if base else None
    return fmt(mode["median"]), ("—" if r is None else f"{r:.2f}x")


def section(res: dict[str, Any], command: str = "python -m bench") -> list[str]:
    out = [
        HEADING,
        "",
        f"`{command}`: whole-process wall time of `monotowns solve` on generated instances "
        "(standard output discarded), medians of the runs shown, runs interleaved; every "
        "ratio is against `--no-sensitivity` measured in the same run. Default = "
        "`--sensitivity quick` (duals, one re-solve per rule, the budget's range between the "
        "breakpoints of the optimum); full = also a re-solve without each rule. Peak memory: the "
        f"largest of the process's runs. {res.get('cores', '?')} cores.",
        "",
        "| towns | scenario | runs | --no-sensitivity s | default s | default ÷ off "
        "| --sensitivity full s | full ÷ off | peak MB (default) |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in res["rows"]:
        modes = row["modes"]
        base = modes["off"]["median"]
        q, qr = cell(modes.get("quick"), base)
        f, fr = cell(modes.get("full"), base)
        runs = max(len(m["runs"]) for m in modes.values())
        peak = modes["quick"]["peak_mb"]
        out.append(f"| {row['towns']:,} | {row['scenario']} | {runs} | {cell(modes['off'], None)[0]} "
                   f"| {q} | {qr} | {f} | {fr} | {'—' if peak is None else f'{peak:,.0f}'} |")  # fmt: skip
    out += ["", "| target | measured | status |", "|---|---|---|"]
    for row in res["rows"]:
        modes = row["modes"]
        base, quick = modes["off"]["median"], modes["quick"]["median"]
        if row["towns"] > 30_000:
            ok = quick is not None and quick < TARGET_BIG_S
            out.append(f"| {row['towns']:,} towns solved by default in under 3 minutes "
                       f"| {fmt(quick)} s | {'met' if ok else '**not met**'} |")  # fmt: skip
        elif row["scenario"] == "balanced":
            r = quick / base if quick and base else None
            ok = r is not None and r <= TARGET_RATIO
            out.append(f"| default `solve` at most 1.5x `--no-sensitivity`, {row['towns']:,} towns "
                       f"| {'—' if r is None else f'{r:.2f}x'} | {'met' if ok else '**not met**'} |")  # fmt: skip
    out.append("")
    return out


def write_section(results: Path, lines: list[str]) -> None:
    """Put the section into results.md in place of an earlier one (or at the end)."""
    from bench.report import replace_section

    replace_section(results, HEADING, lines)


def ints(text: str) -> list[int]:
    return [int(v) for v in text.split(",") if v.strip()]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m bench.sensitivity",
                                 description=__doc__.splitlines()[0])  # fmt: skip
    ap.add_argument("--sizes", default="1000,10000,30000")
    ap.add_argument("--full", default="1000,10000", help="sizes that also time --sensitivity full")
    ap.add_argument("--big", default="100000", help="sizes timed by default only ('' for none)")
    ap.add_argument("--epsilon", default="10000",
                    help="sizes that also time the epsilon scenario (issue 18, row N)")  # fmt: skip
    ap.add_argument("--timeout", type=float, default=900.0)
    ap.add_argument("--write", action="store_true", help="put the section into bench/results.md")
    args = ap.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="monotowns-bench-sens-"))
    try:
        res = run(tmp, ints(args.sizes), ints(args.full), ints(args.big),
                  lambda m: print(m, file=sys.stderr, flush=True),
                  [(n, "epsilon") for n in ints(args.epsilon)], args.timeout)  # fmt: skip
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    cmd = "python -m bench.sensitivity" + "".join(
        f" --{k} {v}" for k, v in (("sizes", args.sizes), ("full", args.full),
                                   ("big", args.big), ("epsilon", args.epsilon))
        if v != ap.get_default(k)
    )  # fmt: skip
    lines = section(res, cmd)
    print("\n".join(lines))
    if args.write:
        write_section(ROOT / "bench" / "results.md", lines)


def in_process(path: str, depths: list[str]) -> dict[str, Any]:
    """The solve and the sensitivity step timed apart in one process, with the even
    plan (SPEC 10's QP, which dominates at 1,000 towns and more: see the section)
    left out (no face is evened: `Tuning.solve_max_free` 0), so the sensitivity
    step's own cost is seen against the optimum's."""
    from optimizer.analysis.sensitivity import sensitivity_report
    from optimizer.domain.instance import load_instance
    from optimizer.domain.scenario import load_scenario
    from optimizer.lp.engine import Engine
    from optimizer.methods.solution import optimize_engine
    from optimizer.tuning import Tuning

    t0 = time.perf_counter()
    inst = load_instance(path)
    scen = load_scenario(inst)
    eng = Engine.open(inst, scen, tuning=Tuning(solve_max_free=0))
    sol = optimize_engine(eng)
    out: dict[str, Any] = {"solve": time.perf_counter() - t0}
    for depth in depths:
        t1 = time.perf_counter()
        sensitivity_report(eng, sol, depth)
        out[depth] = time.perf_counter() - t1
    return out


if __name__ == "__main__" and len(sys.argv) == 2 and sys.argv[1].startswith("{"):
    import json

    job = json.loads(sys.argv[1])
    print(json.dumps(in_process(job["path"], job["depths"])))
    sys.exit(0)


if __name__ == "__main__":
    main()
