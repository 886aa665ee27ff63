"""`python -m bench [--quick | --smoke]`: the performance figures of issue 7, written to bench/results.md.

Full run (about 10 minutes on 2 cores): 27, 1,000, 10,000 and 30,000 generated
towns; the HiGHS algorithm at 1,000-30,000 towns; cProfile at 10,000 and 30,000;
`monotowns solve` on the Kazakhstan instance against the bare imports; the exact
front, a 50-step sweep and 1,000 uncertainty draws on Kazakhstan and 1,000 towns;
`monotowns solve` with and without its sensitivity step at 1,000, 10,000, 30,000
and 100,000 towns (bench/sensitivity.py, a few more minutes).
`--quick`: 27 and 1,000 towns, re-solves on Kazakhstan only, no tuning or profile,
sensitivity at 1,000 towns only.
`--smoke`: every measurement once on 27 towns, re-solves with a few points, steps
and draws: seconds, figures without meaning; tests/test_bench_smoke.py runs it so
that the bench cannot stop working unnoticed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import resolve
from bench.report import machine, render, size_table
from bench.runner import KAZAKHSTAN, ROOT, child
from bench.scale import generate, profile, run_size, tune
from bench.startup import startup


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def load() -> str:
    try:
        return " ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:
        return "?"


def kazakhstan_ok() -> bool:
    """The shipped instance, if it is there and validates."""
    if not (KAZAKHSTAN / "instance.toml").exists():
        return False
    r = child("bench.worker", {"variant": "prep", "instance": str(KAZAKHSTAN)})
    return "error" not in r


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="27 and 1,000 towns only")
    ap.add_argument("--smoke", action="store_true",
                    help="every measurement once, tiny: does the bench run? (seconds)")  # fmt: skip
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results.md")
    ap.add_argument("--sizes", help="comma-separated town counts (default 27,1000,10000,30000)")
    ap.add_argument("--keep", action="store_true", help="keep the generated instances")
    ap.add_argument("--no-resolves", action="store_true", help="skip the re-solve workloads")
    ap.add_argument("--no-sensitivity", action="store_true",
                    help="skip the sensitivity rows (bench/sensitivity.py)")  # fmt: skip
    args = ap.parse_args(argv)

    from optimizer.lp.highs import DISTINCT_SHARE, IPM_COLUMNS, IPM_COLUMNS_DISTINCT

    t0 = time.perf_counter()
    flags = " --smoke" if args.smoke else " --quick" if args.quick else ""
    res: dict[str, Any] = {"flags": flags, "machine": machine(), "load_start": load(),
                           "ipm_columns": (IPM_COLUMNS, IPM_COLUMNS_DISTINCT, DISTINCT_SHARE), "notes": []}  # fmt: skip
    sizes = [27] if args.smoke else [27, 1000] if args.quick else [27, 1000, 10_000, 30_000]
    if args.sizes:
        sizes = [int(v) for v in args.sizes.split(",")]
    tmp = Path(tempfile.mkdtemp(prefix="monotowns-bench-"))
    try:
        res["sizes"] = []
        for n in sizes:
            size = run_size(tmp, n, log, once=args.smoke)
            res["sizes"].append(size)
            print("\n".join(size_table(size)), flush=True)
        if args.smoke:
            res["tuning"] = tune(tmp, [], sizes, log)  # the heterogeneous path covers both
            res["profiles"] = profile(tmp, sizes, log)
        elif not args.quick:
            res["tuning"] = tune(tmp, [1000, 3000, 10_000, 30_000], [1000, 3000, 10_000], log)
            res["profiles"] = profile(tmp, [n for n in sizes if n >= 10_000], log)

        if kazakhstan_ok():
            small, label, note = KAZAKHSTAN, "the Kazakhstan instance", ""
        else:
            small, _ = generate(tmp, 27)
            label = "the generated 27-town instance"
            note = (" The Kazakhstan instance was missing or did not validate, so the "
                    "generated 27-town instance stands in for it.")  # fmt: skip
            res["notes"].append("instances/kazakhstan unavailable: 27 generated towns used instead")
        log(f"whole-process solve on {label}")
        st = startup(small, runs=1 if args.smoke else 5)
        st["label"], st["note"] = label, note
        res["startup"] = st

        res["resolves"] = []
        res["resolve_repeats"] = 1 if args.smoke else 5
        if not args.no_resolves:
            targets: list[tuple[Path, str, int]] = [
                (small, label.removeprefix("the "), res["resolve_repeats"])
            ]
            if not (args.quick or args.smoke):
                big, _ = generate(tmp, 1000)
                targets.append((big, "1,000 generated towns", 1))
            res["resolves"] = resolve.measure(targets, resolve.SMOKE if args.smoke
                                              else resolve.SIZING, log)  # fmt: skip
        if not args.no_sensitivity:
            from bench import sensitivity

            if args.smoke:
                res["sensitivity"] = sensitivity.run(tmp, sizes, sizes, [], log,
                                                     [(sizes[0], "epsilon")], runs=1)  # fmt: skip
            elif args.quick:
                res["sensitivity"] = sensitivity.run(tmp, [1000], [1000], [], log)
            else:
                res["sensitivity"] = sensitivity.run(tmp, [1000, 10_000, 30_000], [1000, 10_000],
                                                     [100_000], log, [(10_000, "epsilon")])  # fmt: skip
    finally:
        if args.keep:
            log(f"instances kept in {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    res["load_end"] = load()
    res["seconds"] = time.perf_counter() - t0
    text = render(res)
    args.out.write_text(text + "\n", encoding="utf-8")
    targets_at = text.index("## Targets")
    print(text[targets_at : text.index("## Build")], flush=True)
    log(f"wrote {args.out} ({res['seconds'] / 60:.1f} min)")


if __name__ == "__main__":
    main()
