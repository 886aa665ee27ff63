"""Issue 18 (L): Ctrl-C at any moment exits 130 with one line, no traceback: during the
imports, during a long run, with worker processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

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
    """The handler is in place ~20 ms after the interpreter starts (optimizer.entry
    imports only the standard library); typer, rich, numpy and highspy take 0.25 s."""
    for after in (0.1, 0.2):
        proc = start("solve", str(TINY))
        code, err = interrupt(proc, after)
        assert code == 130, err
        assert err == "interrupted\n", err


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
