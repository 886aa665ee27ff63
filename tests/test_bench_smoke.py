"""The benchmarks still run. They drive the package's internals (the engine, the
HiGHS session, the analyses) from outside, so a change inside the package can break
them without any other test noticing; here every bench module is imported and every
entry runs once on a tiny size (`python -m bench --smoke`: seconds, figures without
meaning)."""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

KZ = ROOT / "instances" / "kazakhstan"
BENCH = sorted(p.stem for p in (ROOT / "bench").glob("*.py"))


@pytest.mark.parametrize("name", BENCH)
def test_every_bench_module_imports(name: str) -> None:
    importlib.import_module(f"bench.{name}")


def test_python_m_bench_runs(tmp_path: Path) -> None:
    """Every measurement once, each in its own process as the full run makes it, and
    the results page written with every section and no failure in it."""
    out = tmp_path / "results.md"
    p = subprocess.run([sys.executable, "-m", "bench", "--smoke", "--out", str(out)],
                       cwd=ROOT, capture_output=True, text=True, timeout=900)  # fmt: skip
    assert p.returncode == 0, p.stderr[-3000:]
    text = out.read_text(encoding="utf-8")
    for section in ("## Targets", "## Build + solve by size", "## HiGHS algorithm",
                    "## Where our time goes", "## Whole process", "## Re-solves",
                    "## Sensitivity"):  # fmt: skip
        assert section in text, section
    assert not re.search(r"error|failed|not available", text, flags=re.I), text
    measured = re.findall(r"within 1\.5x of a warm highspy loop: (\w+), \S+ instance \| [\d.]+x",
                          text)  # fmt: skip
    assert measured == ["front", "sweep", "uncertainty"]
    rows = re.findall(r"^\| (ours|raw highspy|our PuLP route|naive PuLP)[^|]*\| 1 \|", text,
                      flags=re.M)  # fmt: skip
    assert rows == ["ours", "raw highspy", "our PuLP route", "naive PuLP"]


def test_resolve_figures_rewritten_in_place(tmp_path: Path) -> None:
    """`python -m bench.resolve --write` measures the re-solves anew and replaces their
    section and target rows of results.md; the rest of the page stays as it was."""
    results = tmp_path / "results.md"
    before = (ROOT / "bench" / "results.md").read_text(encoding="utf-8")
    results.write_text(before, encoding="utf-8")
    p = subprocess.run([sys.executable, "-m", "bench.resolve", "--smoke", "--write",
                        "--results", str(results)],
                       cwd=ROOT, capture_output=True, text=True, timeout=900)  # fmt: skip
    assert p.returncode == 0, p.stderr[-3000:]
    after = results.read_text(encoding="utf-8")
    assert "Measured by `python -m bench.resolve`" in after
    targets = re.findall(r"^\| re-solves within 1\.5x[^|]*: (\w+), ([^|]+) \|", after, flags=re.M)
    assert targets == [(w, f"{where} instance" if where == "Kazakhstan" else where)
                       for where in ("Kazakhstan", "27 generated towns")
                       for w in ("front", "sweep", "uncertainty")]  # fmt: skip
    rows = re.findall(r"^\| (Kazakhstan instance|27 generated towns) \| (\w+)", after, flags=re.M)
    assert [r[0] for r in rows] == ["Kazakhstan instance"] * 3 + ["27 generated towns"] * 3
    untouched = (
        before[: before.index("## Targets")],
        before[before.index("## Build") : before.index("## Re-solves")],
    )
    assert all(part in after for part in untouched)
    assert after.endswith(before[before.index("\n## Projects") :])


def test_projects_bench_runs(capsys: pytest.CaptureFixture[str]) -> None:
    """Ours on two threads and on one, against the PuLP epsilon loop: the same front."""
    from bench import projects

    projects.main(["--sizes", "6", "--peers", "pulp-eps", "--timeout", "300"])
    rows = [ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("| 6 |")]
    assert len(rows) == 1 and rows[0].endswith("| yes |"), rows


def test_uncertainty_bench_runs(capsys: pytest.CaptureFixture[str]) -> None:
    from bench import uncertainty_bench

    uncertainty_bench.main([str(KZ), "--draws", "4", "--rebuild-draws", "1"])
    out = capsys.readouterr().out
    assert "in place, 2 worker(s): 4 draws" in out
    assert out.count("ratio to in place") == 2


def test_sensitivity_timed_in_process() -> None:
    from bench.sensitivity import in_process

    times = in_process(str(KZ), ["quick", "full"])
    assert set(times) == {"solve", "quick", "full"}
    assert all(v > 0 for v in times.values())
