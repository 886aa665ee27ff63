"""Small helpers several test modules share: reading dotted names in an AST, and
interrupting a run of the console entry point once it has imported a module."""

from __future__ import annotations

import ast
import re
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENTRY = "from optimizer.entry import main; import sys; sys.argv[0] = 'monotowns'; main()"


def dotted(node: ast.AST) -> str:
    """`os.environ.update` for the expression `os.environ.update`; "" for others."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        head = dotted(node.value)
        return f"{head}.{node.attr}" if head else ""
    return ""


def interrupted_after(module: str, args: list[str], env: dict[str, str]) -> tuple[int, str]:
    """Run `monotowns ARGS` under `env`, send Ctrl-C once `module` is imported (`-X
    importtime` says when, whatever the machine's load), and return the exit code and
    what the user saw on standard error (the import-time lines left out)."""
    proc = subprocess.Popen(
        [sys.executable, "-X", "importtime", "-c", ENTRY, *args],
        env={**env, "PYTHONPATH": str(ROOT)},
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    seen = []
    for line in proc.stderr:
        seen.append(line)
        if re.search(rf"\|\s+{re.escape(module)}$", line.rstrip()):
            break
    else:
        raise AssertionError(f"the run never imported {module}: {''.join(seen)[-2000:]}")
    assert proc.poll() is None, "the run ended before the interrupt"
    proc.send_signal(signal.SIGINT)
    _out, rest = proc.communicate(timeout=30)
    err = "".join(x for x in [*seen, *rest.splitlines(True)] if not x.startswith("import time:"))
    return proc.returncode, err
