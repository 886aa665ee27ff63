"""Build + solve at every size: ours against raw highspy, naive PuLP + CBC and our PuLP route.

Every variant solves the same single weighted LP (the instance's default
scenario, `max sum_c wn_c f_c` with `wn` = weights / payoff ranges computed once
by our Engine), each run in a fresh process, interleaved so that a noisy
neighbour on the machine hits all variants alike.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.runner import ROOT, child

NAIVE_TIMEOUT = 300.0  # the issue: skip naive PuLP at 30,000 towns if it takes > 5 minutes
PHASES = ("load", "build", "solve")


@dataclass
class Variant:
    """Runs of one variant at one size; medians per phase."""

    name: str
    runs: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None

    @property
    def ok(self) -> list[dict[str, Any]]:
        return [r for r in self.runs if "error" not in r]

    def med(self, key: str) -> float | None:
        vals = [self.value(r, key) for r in self.ok]
        return statistics.median(vals) if vals else None

    @staticmethod
    def value(r: dict[str, Any], key: str) -> float:
        if key == "bs":
            return float(r["build"] + r["solve"])
        if key == "total":
            return float(r["load"] + r["build"] + r["solve"])
        return float(r[key])

    def part(self, key: str) -> float | None:
        vals = [r["parts"][key] for r in self.ok if key in r.get("parts", {})]
        return statistics.median(vals) if vals else None

    @property
    def peak(self) -> float | None:
        vals = [r["rss_mb"] for r in self.ok]
        return max(vals) if vals else None

    @property
    def child_peak(self) -> float | None:
        vals = [r["child_rss_mb"] for r in self.ok]
        return max(vals) if vals and max(vals) > 0 else None

    @property
    def objective(self) -> float | None:
        return self.ok[0]["objective"] if self.ok else None


@dataclass
class Size:
    towns: int
    path: Path
    generate_seconds: float
    prep: dict[str, Any]
    algorithm: str
    variants: dict[str, Variant]
    notes: list[str] = field(default_factory=list)


def generate(tmp: Path, towns: int) -> tuple[Path, float]:
    """`monotowns generate` into the temporary folder (once per size)."""
    out = tmp / f"towns-{towns}"
    t0 = time.perf_counter()
    if not out.exists():
        exe = Path(sys.executable).with_name("monotowns")
        cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "optimizer.cli"]
        subprocess.run([*cmd, "generate", str(out), "--towns", str(towns)], cwd=ROOT,
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
    return out, time.perf_counter() - t0


def plan(towns: int, once: bool = False) -> dict[str, int]:
    """Runs per variant: more where a run is short and noise is large (`once`: one
    each, for a check that the bench runs)."""
    if once:
        return {"ours": 1, "raw": 1, "naive": 1, "ourpulp": 1}
    if towns <= 1000:
        return {"ours": 5, "raw": 5, "naive": 3, "ourpulp": 3}
    if towns <= 10_000:
        return {"ours": 3, "raw": 3, "naive": 1, "ourpulp": 1}
    return {"ours": 3, "raw": 3, "naive": 1, "ourpulp": 0}


def run_size(tmp: Path, towns: int, log: Any, once: bool = False) -> Size:
    path, gen_s = generate(tmp, towns)
    prep = child("bench.worker", {"variant": "prep", "instance": str(path)})
    if "error" in prep:
        raise RuntimeError(f"{towns} towns: our Engine failed: {prep['error']}")
    algorithm = prep["plan"]["algorithm"]
    base = {"instance": str(path), "wn": prep["wn"], "algorithm": algorithm,
            "options": plan_options(prep["plan"])}  # fmt: skip
    runs = plan(towns, once)
    variants = {k: Variant(k) for k in ("ours", "raw", "ourpulp", "naive")}
    log(f"{towns:,} towns: {prep['n_cols']:,} columns, {prep['n_rows']} rows, "
        f"first solve {algorithm}; runs {runs}")  # fmt: skip
    # ours and raw interleaved
    for _ in range(max(runs["ours"], runs["raw"])):
        for name in ("ours", "raw"):
            if len(variants[name].runs) < runs[name]:
                variants[name].runs.append(child("bench.worker", {**base, "variant": name}))
    for _ in range(runs["ourpulp"]):
        variants["ourpulp"].runs.append(child("bench.worker", {**base, "variant": "ourpulp"}))
    if towns in (1000, 10_000):
        # The costs as our CbcSession hands them to CBC (unscaled): is the answer optimal?
        r = child("bench.worker", {**base, "variant": "ourpulp", "wn": prep["wn_unscaled"]})
        if "error" not in r:
            r["objective"] *= prep["wn"][0] / prep["wn_unscaled"][0]  # in the scaled units
        variants["ourpulp_unscaled"] = Variant("ourpulp_unscaled", [r])
    if not runs["ourpulp"]:
        variants["ourpulp"].error = "not run at this size (small sizes only)"
    for _ in range(runs["naive"]):
        r = child("bench.worker", {**base, "variant": "naive"}, timeout=NAIVE_TIMEOUT)
        variants["naive"].runs.append(r)
        if r.get("timeout"):
            variants["naive"].error = f"skipped: took more than {NAIVE_TIMEOUT / 60:.0f} minutes"
            break
    for v in variants.values():
        bad = [r["error"] for r in v.runs if "error" in r]
        if bad and v.error is None:
            v.error = bad[0]
    size = Size(towns, path, gen_s, prep, algorithm, variants)
    ref = variants["raw"].objective
    for v in variants.values():
        if v.name == "ourpulp_unscaled":
            continue
        if ref and v.objective is not None and abs(v.objective - ref) > 1e-6 * max(1.0, abs(ref)):
            size.notes.append(f"{v.name}: objective {v.objective!r} differs from raw {ref!r}")
    return size


# ----------------------------------------------------------------------------- tuning

TUNE_TIMEOUT = 60.0
RULE13_OFF = {"presolve_rule_off": 8192}  # HiGHS presolve rule 13: parallel rows and columns


def heterogeneous(tmp: Path, towns: int) -> Path:
    """The generated instance with every cell's effects overridden in effects.csv (a
    lognormal factor, sigma 0.3, per cell and criterion): what a real national data
    set looks like, where no two towns share coefficients. The generated instances
    have few distinct cost ratios (measure x tier x segment), so HiGHS's presolve
    merges parallel columns cheaply; here it cannot."""
    import csv

    import numpy as np

    src, _ = generate(tmp, towns)
    dst = tmp / f"towns-{towns}-heterogeneous"
    if dst.exists():
        return dst
    shutil.copytree(src, dst)
    with (src / "measures.csv").open(newline="") as f:
        measures = list(csv.DictReader(f))
    with (src / "towns.csv").open(newline="") as f:
        names = [r["town"] for r in csv.DictReader(f)]
    with (src / "effects.csv").open(newline="") as f:
        given = {(r["town"], r["measure"]): r for r in csv.DictReader(f)}
    crit = [k.removesuffix("_per_mln") for k in measures[0] if k.endswith("_per_mln")]
    rng = np.random.default_rng(1)
    factor = rng.lognormal(0.0, 0.3, (len(names), len(measures), len(crit)))
    lines = ["town,measure," + ",".join(f"{c}_per_mln" for c in crit) + ",capacity_mln"]
    for t, town in enumerate(names):
        for m, meas in enumerate(measures):
            old = given.get((town, meas["measure"]), {})
            vals = [float(old.get(f"{c}_per_mln") or meas[f"{c}_per_mln"]) * factor[t, m, k]
                    for k, c in enumerate(crit)]  # fmt: skip
            lines.append(f"{town},{meas['measure']}," + ",".join(f"{v:.6g}" for v in vals)
                         + f",{old.get('capacity_mln', '')}")  # fmt: skip
    (dst / "effects.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return dst


def plan_options(plan: dict[str, Any]) -> dict[str, Any]:
    """The HiGHS options of our first-solve plan beyond the algorithm."""
    return {"presolve_rule_off": plan["presolve_rule_off"]} if plan["presolve_rule_off"] else {}


def first_solve(r: dict[str, Any]) -> float | str | None:
    if r.get("timeout"):
        return f"> {TUNE_TIMEOUT:.0f}"
    if "error" in r:
        return None
    return float(r["parts"]["HiGHS run"])


def tune(tmp: Path, sizes: list[int], hetero_sizes: list[int], log: Any) -> list[dict[str, Any]]:
    """The first solve on raw highspy: dual simplex or IPM (+ crossover), with HiGHS's
    default presolve or with its parallel rows/columns rule off; on the generated
    instances and on heterogeneous ones. One run each; the evidence for IPM_COLUMNS
    and the presolve options. Also our own session on the heterogeneous instances."""
    rows = []
    cases = [(n, False) for n in sizes] + [(n, True) for n in hetero_sizes]
    for towns, hetero in cases:
        path, _ = generate(tmp, towns)
        prep = child("bench.worker", {"variant": "prep", "instance": str(path)})
        if "error" in prep:
            continue
        if hetero:
            # The homogeneous instance's weights: the payoff table of the heterogeneous
            # one is what is slow.
            path = heterogeneous(tmp, towns)
        base = {"variant": "raw", "instance": str(path), "wn": prep["wn"]}
        row: dict[str, Any] = {"towns": towns, "n_cols": prep["n_cols"], "hetero": hetero}
        for key, algorithm, options in (("simplex", "simplex", {}), ("ipm", "ipm", {}),
                                        ("simplex_off", "simplex", RULE13_OFF),
                                        ("ipm_off", "ipm", RULE13_OFF)):  # fmt: skip
            r = child("bench.worker", {**base, "algorithm": algorithm, "options": options},
                      timeout=TUNE_TIMEOUT)  # fmt: skip
            row[key] = first_solve(r)
        r = child("bench.worker", {**base, "variant": "ours"}, timeout=TUNE_TIMEOUT)
        row["ours"] = first_solve(r)
        row["plan"] = r.get("plan")
        log(f"tuning {towns:,} towns{' (heterogeneous)' if hetero else ''}: {row}")
        rows.append(row)
    return rows


def profile(tmp: Path, sizes: list[int], log: Any) -> list[dict[str, Any]]:
    """Our build + solve under cProfile at the large sizes."""
    out = []
    for towns in sizes:
        path, _ = generate(tmp, towns)
        prep = child("bench.worker", {"variant": "prep", "instance": str(path)})
        if "error" in prep:
            continue
        r = child("bench.worker", {"variant": "profile", "instance": str(path), "wn": prep["wn"],
                                   "top": 12})  # fmt: skip
        r["towns"] = towns
        log(f"profiled {towns:,} towns")
        out.append(r)
    return out
