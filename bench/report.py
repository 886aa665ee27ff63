"""bench/results.md: the figures of one run as Markdown tables, and the issue's targets."""

from __future__ import annotations

import datetime as dt
import os
import platform
import subprocess
from importlib.metadata import version
from pathlib import Path
from typing import Any

from bench.runner import ROOT
from bench.scale import Size

LABELS = {
    "ours": "ours (build_model + passModel, HiGHS)",
    "raw": "raw highspy (numpy CSR, one passModel)",
    "ourpulp": "our PuLP route (to_pulp + CBC)",
    "naive": "naive PuLP (dicts, lpSum) + CBC",
}


def machine() -> dict[str, str]:
    import numpy
    import pulp

    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{kb / 1024**2:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()  # fmt: skip
    dirty = subprocess.run(["git", "status", "--porcelain", "optimizer"], cwd=ROOT,
                           capture_output=True, text=True).stdout.strip()  # fmt: skip
    return {
        "date": dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "memory": mem,
        "python": platform.python_version(),
        "highs": version("highspy"),  # highspy's version is the HiGHS it wraps
        "pulp": pulp.__version__,
        "numpy": numpy.__version__,
        "commit": commit + (" (optimizer/ has uncommitted changes)" if dirty else ""),
    }


def s(v: float | None, digits: int = 3) -> str:
    if v is None:
        return "—"
    if v >= 100:
        return f"{v:.0f}"
    if v >= 10:
        return f"{v:.1f}"
    return f"{v:.{digits}f}"


def x(v: float | None) -> str:
    return "—" if v is None else f"{v:.2f}x"


def mb(v: float | None) -> str:
    return "—" if v is None else f"{v:,.0f}"


def ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None or b <= 0 else a / b


def size_table(size: Size) -> list[str]:
    raw, naive = size.variants["raw"], size.variants["naive"]
    out = [
        f"### {size.towns:,} towns ({size.prep['n_cols']:,} columns, {size.prep['n_rows']} rows; "
        f"first solve: {size.algorithm})",
        "",
        "| variant | runs | load s | build s | solve s | build+solve s | vs raw (build+solve) "
        "| total s | vs raw (total) | naive ÷ this (build+solve) | peak MB | objective |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for key in ("ours", "raw", "ourpulp", "naive"):
        v = size.variants[key]
        if not v.ok:
            out.append(f"| {LABELS[key]} | 0 | {v.error or 'not run'} |||||||||")
            continue
        peak = mb(v.peak) + (f" (+ CBC {mb(v.child_peak)})" if v.child_peak else "")
        out.append(
            f"| {LABELS[key]} | {len(v.ok)} | {s(v.med('load'))} | {s(v.med('build'))} "
            f"| {s(v.med('solve'))} | {s(v.med('bs'))} | {x(ratio(v.med('bs'), raw.med('bs')))} "
            f"| {s(v.med('total'))} | {x(ratio(v.med('total'), raw.med('total')))} "
            f"| {x(ratio(naive.med('bs'), v.med('bs')))} | {peak} | {v.objective:.9g} |"
        )
    out.append("")
    un = size.variants.get("ourpulp_unscaled")
    if un is not None:
        if un.ok and raw.objective:
            gap = (un.objective - raw.objective) / abs(raw.objective)
            out.append(f"Our PuLP route with the costs **unscaled**, as `CbcSession` hands them to "
                       f"CBC: CBC reports Optimal with objective {un.objective:.9g} "
                       f"({gap:+.2%} against raw highspy), build+solve {s(un.med('bs'))} s.")  # fmt: skip
        else:
            out.append(f"Our PuLP route with unscaled costs: {un.error or 'failed'}.")
        out.append("")
    if naive.error:
        out.append(f"Naive PuLP + CBC: {naive.error}.")
    for note in size.notes:
        out.append(f"**Objective mismatch:** {note}")
    out.append("")
    return out


def parts_table(size: Size) -> list[str]:
    ours, raw = size.variants["ours"], size.variants["raw"]
    rows = [
        ("read the instance files", ours.med("load"), raw.med("load")),
        ("model arrays (build_model / bench numpy)", ours.part("build_model"),
         raw.part("numpy arrays + cost")),
        ("objective cost vector", ours.part("cost vector"), None),
        ("load into HiGHS (passModel)", ours.part("open_session (passModel)"), raw.part("passModel")),
        ("HiGHS run", ours.part("HiGHS run"), raw.part("HiGHS run")),
        ("read the solution", ours.part("solve outside run"), raw.part("solve outside run")),
    ]  # fmt: skip
    out = [f"**{size.towns:,} towns**, medians in seconds:", "",
           "| phase | ours | raw highspy | ours ÷ raw |", "|---|---|---|---|"]  # fmt: skip
    for name, a, b in rows:
        out.append(f"| {name} | {s(a)} | {s(b)} | {x(ratio(a, b))} |")
    out.append("")
    return out


def targets(res: dict[str, Any]) -> list[str]:
    sizes: dict[int, Size] = {sz.towns: sz for sz in res["sizes"]}
    out = ["| target | measured | status |", "|---|---|---|"]
    for n in (1000, 10_000, 30_000):
        sz = sizes.get(n)
        if sz is None:
            out.append(f"| build+solve within 2x (ideally 1.5x) of raw highspy, {n:,} towns "
                       "| not run (size not measured) | — |")  # fmt: skip
            continue
        r = ratio(sz.variants["ours"].med("bs"), sz.variants["raw"].med("bs"))
        rt = ratio(sz.variants["ours"].med("total"), sz.variants["raw"].med("total"))
        status = (
            "—"
            if r is None
            else "met (≤ 1.5x)"
            if r <= 1.5
            else "met (≤ 2x)"
            if r <= 2
            else "**not met**"
        )
        out.append(f"| build+solve within 2x (ideally 1.5x) of raw highspy, {n:,} towns "
                   f"| {x(r)} (with file loading: {x(rt)}) | {status} |")  # fmt: skip
    sz = sizes.get(10_000)
    if sz is not None:
        naive, ours = sz.variants["naive"], sz.variants["ours"]
        r = ratio(naive.med("bs"), ours.med("bs"))
        rt = ratio(naive.med("total"), ours.med("total"))
        status = "—" if r is None else "met" if r >= 5 else "**not met**"
        out.append(f"| ≥ 5x faster than naive PuLP + CBC, 10,000 towns | {x(r)} faster "
                   f"(with file loading: {x(rt)}) | {status} |")  # fmt: skip
    else:
        out.append(
            "| ≥ 5x faster than naive PuLP + CBC, 10,000 towns | not run (size not measured) | — |"
        )
    out += resolve_targets(res)
    st = res.get("startup")
    if st:
        status = "met" if st["ratio"] <= 1.3 else "**not met**"
        out.append(f"| `monotowns solve` on {st['label']} within 1.3x of the bare imports "
                   f"| {x(st['ratio'])} ({s(st['solve_median'])} s vs {s(st['imports_median'])} s) "
                   f"| {status} |")  # fmt: skip
    sz = sizes.get(30_000)
    if sz is not None and sz.variants["ours"].peak is not None:
        peak = sz.variants["ours"].peak
        status = "met" if peak < 3 * 1024 else "**not met**"
        out.append(f"| 30,000 towns under 3 GB peak memory (ours) | {peak:,.0f} MB | {status} |")
    else:
        out.append("| 30,000 towns under 3 GB peak memory | not run (size not measured) | — |")
    return out


RESOLVE_TARGET = "| re-solves"


def resolve_targets(res: dict[str, Any]) -> list[str]:
    """The targets table's rows for the re-solve workloads (each starts RESOLVE_TARGET)."""
    out = []
    for rs in res["resolves"]:
        if "error" in rs:
            continue
        r = ratio(rs["ours"], warm_of(rs))
        status = "met" if r is not None and r <= 1.5 else "**not met**"
        out.append(f"| re-solves within 1.5x of a warm highspy loop: {rs['workload']}, "
                   f"{rs['instance_label']} | {x(r)} | {status} |")  # fmt: skip
    for rs in res["resolves"]:
        if "error" in rs:
            out.append(
                f"| re-solves: {rs['workload']}, {rs['instance_label']} | {rs['error']} | — |"
            )
    return out


def warm_of(rs: dict[str, Any]) -> float:
    """The warm highspy loop a workload is held to: the bench's own study loop where
    there is one (uncertainty), else the replay of the recorded LPs."""
    return float(rs.get("study", rs["warm"]))


def resolve_table(res: dict[str, Any]) -> list[str]:
    out = [
        "| instance | workload | solves | ours s | ours ms/solve | ours in HiGHS `run` s "
        "| warm highspy loop s | ours ÷ warm | replay of the recorded LPs s | ours ÷ replay "
        "| fresh Engine per solve: ms/solve (sample) | projected s | ours faster by "
        "| PuLP rebuild + CBC: ms/solve (sample) | projected s | ours faster by |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for rs in res["resolves"]:
        if "error" in rs:
            out.append(f"| {rs['instance_label']} | {rs['workload']} | {rs['error']} "
                       "||||||||||||||")  # fmt: skip
            continue
        n = rs["solves"]
        eng = rs["rebuild_engine"]
        pulp = rs.get("rebuild_pulp")
        out.append(
            f"| {rs['instance_label']} | {rs['what']} | {n:,} | {s(rs['ours'])} "
            f"| {s(rs['ours'] / max(n, 1) * 1e3, 2)} | {s(rs['in_run'])} | {s(warm_of(rs))} "
            f"| {x(ratio(rs['ours'], warm_of(rs)))} | {s(rs['warm'])} "
            f"| {x(ratio(rs['ours'], rs['warm']))} "
            f"| {s(eng * 1e3, 2)} ({rs['rebuild_engine_n']}) | {s(eng * n)} "
            f"| {x(ratio(eng * n, rs['ours']))} "
            + (f"| {s(pulp * 1e3, 1)} ({rs['rebuild_pulp_n']}) | {s(pulp * n)} "
               f"| {x(ratio(pulp * n, rs['ours']))} |" if pulp is not None else "| — | — | — |")
        )  # fmt: skip
    return out


RESOLVE_HEADING = "## Re-solves"


def resolve_section(res: dict[str, Any]) -> list[str]:
    """The re-solves section: what is measured, against what, and the table. `rerun`
    in `res`: the section was measured on its own (`python -m bench.resolve --write`),
    so it names its own date, commit and load."""
    rerun = res.get("rerun")
    return [
        RESOLVE_HEADING,
        "",
        "Each workload runs our module (`optimizer.analysis.pareto.compute_front`, "
        "`optimizer.analysis.sweep.sweep_budgets`, `optimizer.analysis.uncertainty.run_uncertainty` with 1 "
        "worker) end to end, model build included. The bench records every LP it hands to "
        "HiGHS (costs, sense, added rows, and the row bounds read back from the live "
        "solver) and replays them (a) on raw highspy objects changed in place, warm, with "
        "the same first-solve options and simplex strategy per solve as our session, "
        "reading each solution (the floor), (b) on a fresh model and HiGHS session per "
        "solve (`build_model` + `open_session`: a fresh Engine per solve), (c) as a fresh "
        "PuLP problem (`to_pulp`) solved by CBC. (b) and (c) run on an evenly spaced "
        "sample of the solves and are projected to all of them. For the uncertainty "
        "study the warm highspy loop is the study itself written in the bench on raw "
        "highspy (draw the factors, change the costs in place, solve warm, score both "
        "plans; it reproduces our draws' numbers exactly); for the front and the sweep "
        "it is the replay, which is stricter (it does none of the work between solves). "
        "Ours is the module as the commands run it: besides its LPs, the payoff table and "
        "SPEC 10's even plan (a quadratic program on the optimal face) for every front "
        "breakpoint, sweep step and draw, which neither baseline computes. "
        "Medians of "
        f"{res.get('resolve_repeats', 1)} interleaved repeats where the instance is small.",
        "",
        *([rerun, ""] if rerun else []),
        *resolve_table(res),
        "",
    ]


def replace_section(results: Path, heading: str, lines: list[str]) -> None:
    """Put a section into results.md in place of the one under `heading` (or at the end)."""
    text = results.read_text(encoding="utf-8") if results.exists() else ""
    block = "\n".join(lines).rstrip() + "\n"
    at = text.find(heading + "\n")
    if at < 0:
        text = text.rstrip() + "\n\n\n" + block
    else:
        nxt = text.find("\n## ", at + len(heading))
        text = text[:at] + block + ("\n" + text[nxt + 1 :] if nxt >= 0 else "")
    results.write_text(text, encoding="utf-8")


def replace_rows(results: Path, prefix: str, rows: list[str]) -> None:
    """Put `rows` in place of the lines of results.md that start with `prefix`."""
    lines = results.read_text(encoding="utf-8").split("\n")
    at = [i for i, line in enumerate(lines) if line.startswith(prefix)]
    if not at:
        raise ValueError(f"{results}: no line starts with {prefix!r}")
    lines[at[0] : at[-1] + 1] = rows
    results.write_text("\n".join(lines), encoding="utf-8")


def render(res: dict[str, Any]) -> str:
    m = res["machine"]
    L: list[str] = [
        "# monotowns benchmark results",
        "",
        f"Written by `python -m bench{res['flags']}` on {m['date']} "
        f"in {res['seconds'] / 60:.1f} min. Figures from this one run; compare ratios, not "
        "absolute times (the machine is shared, see the load average).",
        "",
        f"- CPU: {m['cpu']}, {m['cores']} cores, {m['memory']} memory",
        f"- Python {m['python']}, HiGHS {m['highs']} (highspy), PuLP {m['pulp']} "
        f"(its bundled CBC), numpy {m['numpy']}",
        f"- commit {m['commit']}; first solve by interior point above `IPM_COLUMNS` = "
        f"{res['ipm_columns'][0]:,} columns, or `IPM_COLUMNS_DISTINCT` = "
        f"{res['ipm_columns'][1]:,} when more than `DISTINCT_SHARE` = "
        f"{res['ipm_columns'][2]:.0%} of the columns are distinct (then presolve rule 13 off)",
        f"- load average at start / end: {res['load_start']} / {res['load_end']}",
        "",
        "## Targets of issue 7",
        "",
        *targets(res),
        "",
        "## Build + solve by size",
        "",
        "Every variant solves the same LP: the instance's default scenario (`balanced`: a "
        "guarantee limit, a low-tier floor and a high-tier cap) with the weighted objective "
        "`max sum_c wn_c f_c`, where `wn` = weights / payoff ranges was computed once by our "
        "Engine and handed to every variant. Each run is a fresh process; `load` = reading "
        "the instance files (ours validates them; the baselines read them with a bare "
        "csv/tomllib reader), `build` = the model up to the solver holding it, `solve` = "
        "the solver run plus reading the solution (values and duals). Raw highspy uses "
        "the same HiGHS options (1 thread, same algorithm, costs scaled to a largest value "
        "of 1) as our session. CBC runs as a child process: its peak is shown separately "
        "(a child's `ru_maxrss` starts at its parent's size when it is spawned). Medians "
        "over the runs shown.",
        "",
    ]
    for size in res["sizes"]:
        L += size_table(size)
    if res.get("tuning"):
        L += ["## HiGHS algorithm and presolve for the first solve (raw highspy, one run each)",
              "",
              "Seconds in `run` for the single weighted LP. *Generated*: the instances above. "
              "*Heterogeneous*: the same instance with every cell's effects overridden "
              "(a lognormal factor per cell and criterion, as real per-town data would be), "
              "solved with the generated instance's weights. *Rule 13 off*: "
              "`presolve_rule_off = 8192`, HiGHS's parallel rows and columns presolve rule. "
              "The last columns are our own session as it runs (`ours` variant) and the "
              "choice it made (`optimizer.lp.highs.first_solve`: the share of distinct "
              "columns decides whether rule 13 stays on, the size whether the first solve "
              "is IPM).",
              "",
              "| instance | towns | columns | dual simplex | IPM + crossover "
              "| simplex, rule 13 off | IPM, rule 13 off | ours (session as is) "
              "| our choice |",
              "|---|---|---|---|---|---|---|---|---|"]  # fmt: skip

        def choice(plan: dict[str, Any] | None) -> str:
            if not plan:
                return "—"
            rule = "rule 13 off" if plan["presolve_rule_off"] else "default presolve"
            return f"{plan['algorithm']}, {rule} ({plan['distinct_share']:.1%} distinct)"

        def cell(v: Any) -> str:
            return v if isinstance(v, str) else s(v)

        for row in res["tuning"]:
            kind = "heterogeneous" if row["hetero"] else "generated"
            L.append(f"| {kind} | {row['towns']:,} | {row['n_cols']:,} | {cell(row['simplex'])} "
                     f"| {cell(row['ipm'])} | {cell(row['simplex_off'])} "
                     f"| {cell(row['ipm_off'])} | {cell(row.get('ours', '—'))} "
                     f"| {choice(row.get('plan'))} |")  # fmt: skip
        L.append("")
    big = [sz for sz in res["sizes"] if sz.towns >= 10_000]
    if big or res.get("profiles"):
        L += ["## Where our time goes", ""]
        for sz in big:
            L += parts_table(sz)
        for p in res.get("profiles", []):
            if "error" in p:
                L += [f"Profile at {p['towns']:,} towns failed: {p['error']}", ""]
                continue
            L += [f"cProfile of our load + build + solve at {p['towns']:,} towns "
                  f"(profiler overhead included), top functions by own time:", "",
                  "| function | calls | own s | cumulative s |", "|---|---|---|---|"]  # fmt: skip
            for r in p["top_tottime"]:
                L.append(f"| `{r['function']}` | {r['calls']:,} | {s(r['tottime'])} "
                         f"| {s(r['cumtime'])} |")  # fmt: skip
            L.append("")
    st = res.get("startup")
    if st:
        L += [
            "## Whole process",
            "",
            f'`{st["command"]}` against `python -c "import numpy, pandas, pulp, highspy, '
            f'typer"`, {len(st["solve"])} runs each, interleaved, medians.{st["note"]}',
            "",
            "| command | median s | runs s |",
            "|---|---|---|",
            f"| monotowns solve | {s(st['solve_median'])} | "
            + ", ".join(s(v) for v in st["solve"])
            + " |",
            f"| bare imports | {s(st['imports_median'])} | "
            + ", ".join(s(v) for v in st["imports"])
            + " |",
            f"| ratio | {x(st['ratio'])} | |",
            "",
            f"Heavy packages `monotowns solve` imports: {', '.join(st['loaded'] or []) or '—'}.",
            "",
        ]
    if res["resolves"]:
        L += resolve_section(res)
    if res.get("sensitivity"):
        from bench.sensitivity import section

        L += section(res["sensitivity"])
    if res.get("notes"):
        L += ["## Notes", ""] + [f"- {n}" for n in res["notes"]] + [""]
    return "\n".join(L)
