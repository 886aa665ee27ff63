"""Issue 18 (L): Ctrl-C at any moment exits 130 with one line, no traceback: during the
imports, during a long run, with worker processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.helpers import interrupted_after

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "data" / "tiny"
ENTRY = "from optimizer.entry import main; import sys; sys.argv[0] = 'monotowns'; main()"


def start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", ENTRY, *args],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def interrupt(proc: subprocess.Popen[str], after: float) -> tuple[int, str]:
    time.sleep(after)
    assert proc.poll() is None, "the run ended before the interrupt"
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    return proc.returncode, err


def test_interrupt_during_imports() -> None:
    """The handler is in place before the first heavy import (optimizer.entry imports
    only the standard library, then reads the language's words): Ctrl-C once those are
    read, and once typer is imported, while rich, numpy and highspy still load. The
    interrupt waits for those imports (`-X importtime` says when each is done, its lines
    left out of what the user would see), not a fixed time: on a loaded machine the
    interpreter alone can take longer than 0.1 s to start."""
    for after in ("optimizer.i18n", "typer"):
        code, err = interrupted_after(after, ["solve", str(TINY)], dict(os.environ))
        assert code == 130, (after, err)
        assert err == "interrupted\n", (after, err)


def test_interrupt_during_a_long_run_with_workers(tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = start("uncertainty", str(TINY), "--draws", "100000", "--workers", "2", "-o", str(out))
    code, err = interrupt(proc, 4.0)
    assert code == 130, err
    assert err.strip().splitlines()[-1] == "interrupted", err
    assert "Traceback" not in err
    assert not out.exists()
    time.sleep(0.5)
    children = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True)
    assert children.stdout.strip() == "", "worker processes outlived the interrupt"
    # the next run into the same folder is not blocked by anything the interrupted one left
    res = subprocess.run(
        [sys.executable, "-c", ENTRY, "solve", str(TINY), "--no-sensitivity", "-o", str(out)],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
    )
    assert res.returncode == 0, res.stderr
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith("manifest.json")) == [
        "out"
    ]


HARD_MIP = """
import signal, sys
import numpy as np
from optimizer.entry import interrupted
signal.signal(signal.SIGINT, interrupted)
import highspy
from optimizer.lp.highs import quiet_highs, run_highs
# A market-split problem (Cornuejols and Dawande): five equality rows with random
# weights over 40 binaries; HiGHS needs minutes to settle it, in one `run` call.
rng = np.random.default_rng(1)
m, n = 5, 40
A = rng.integers(0, 100, (m, n)).astype(float)
b = np.floor(A.sum(axis=1) / 2)
h = quiet_highs()
h.setOptionValue("threads", 1)
lp = highspy.HighsLp()
lp.num_col_, lp.num_row_ = n, m
lp.col_cost_, lp.col_lower_, lp.col_upper_ = np.zeros(n), np.zeros(n), np.ones(n)
lp.row_lower_, lp.row_upper_ = b, b
lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
lp.a_matrix_.start_ = np.arange(0, m * n + 1, n, dtype=np.int32)
lp.a_matrix_.index_ = np.tile(np.arange(n, dtype=np.int32), m)
lp.a_matrix_.value_ = A.ravel()
lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = n, m
lp.integrality_ = [highspy.HighsVarType.kInteger] * n
h.passModel(lp)
print("solving", flush=True)
run_highs(h)
print("finished", flush=True)
"""


def test_interrupt_during_one_long_highs_call() -> None:
    """A Ctrl-C while HiGHS is inside one long `run` (a national model's solve, an
    even-plan QP) is answered at once: HiGHS runs in a helper thread
    (`optimizer.lp.highs.run_highs`), the main thread waits in 0.1 s steps and the
    entry point's handler ends the process. Run directly, the same call kept the
    signal waiting until HiGHS returned (minutes here)."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HARD_MIP],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline() == "solving\n"
        time.sleep(1.0)  # well inside the branch and bound
        assert proc.poll() is None, "HiGHS finished the hard problem before the interrupt"
        t0 = time.perf_counter()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
        waited = time.perf_counter() - t0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130, err
    assert err == "interrupted\n", err
    assert "finished" not in out
    assert waited < 3.0, f"the interrupt was answered after {waited:.1f} s"
