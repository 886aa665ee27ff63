"""Run a bench module in a child process and read back its one JSON line."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
KAZAKHSTAN = ROOT / "instances" / "kazakhstan"


def child(module: str, args: dict[str, Any], timeout: float | None = None) -> dict[str, Any]:
    """`python -m module JSON` in a fresh interpreter (its own session, so a timeout
    also ends the CBC process it started). Returns the parsed JSON, with `wall`
    (seconds, interpreter start-up included); on failure `error` says why."""
    t0 = time.perf_counter()
    p = subprocess.Popen(
        [sys.executable, "-m", module, json.dumps(args)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.communicate()
        return {"error": f"timeout after {timeout:.0f} s", "timeout": True,
                "wall": time.perf_counter() - t0}  # fmt: skip
    wall = time.perf_counter() - t0
    lines = [ln for ln in out.splitlines() if ln.startswith("{")]
    if p.returncode != 0 or not lines:
        tail = (err.strip().splitlines() or ["no output"])[-1]
        return {"error": f"exit {p.returncode}: {tail}", "wall": wall}
    res: dict[str, Any] = json.loads(lines[-1])
    res["wall"] = wall
    return res


def wall_of(cmd: list[str], cwd: Path = ROOT) -> float:
    """Wall seconds of a whole command (output discarded); raises if it fails."""
    t0 = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - t0
