"""Whole-process `monotowns solve` against the bare imports it cannot avoid."""

from __future__ import annotations

import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench.runner import ROOT, wall_of

IMPORTS = "import numpy, pandas, pulp, highspy, typer"
HEAVY = ("numpy", "pandas", "pulp", "highspy", "typer", "rich", "scipy", "matplotlib", "openpyxl")


def monotowns() -> list[str]:
    exe = Path(sys.executable).with_name("monotowns")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "optimizer.cli"]


def startup(instance: Path, runs: int = 5) -> dict[str, Any]:
    """Median wall time of `monotowns solve INSTANCE` and of the bare imports, runs
    interleaved; plus which heavy packages the solve imports."""
    solve_cmd = [*monotowns(), "solve", str(instance)]
    import_cmd = [sys.executable, "-c", IMPORTS]
    wall_of(solve_cmd)  # warm the file cache for both
    wall_of(import_cmd)
    solve, imports = [], []
    for _ in range(runs):
        solve.append(wall_of(solve_cmd))
        imports.append(wall_of(import_cmd))
    probe = (
        "import sys\n"
        f"sys.argv = ['monotowns', 'solve', {str(instance)!r}]\n"
        "from optimizer.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        f"print('MODULES', ' '.join(m for m in {HEAVY!r} if m in sys.modules), file=sys.stderr)\n"
    )
    p = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True)
    loaded = [ln.split()[1:] for ln in p.stderr.splitlines() if ln.startswith("MODULES")]
    return {
        "instance": str(instance),
        "command": " ".join(["monotowns", "solve", str(instance)]),
        "solve": solve,
        "imports": imports,
        "solve_median": statistics.median(solve),
        "imports_median": statistics.median(imports),
        "ratio": statistics.median(solve) / statistics.median(imports),
        "loaded": loaded[0] if loaded else None,
    }
