"""Result documents (SPEC section 6) and atomic writing.

Files are written to a temporary name in the output folder and renamed, so a
reader never sees half a file; no output may land on an input file.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from optimizer import __version__
from optimizer.errors import InstanceError
from optimizer.instance import Instance
from optimizer.results import Diagnosis, Solution
from optimizer.scenario import Scenario


def input_files(
    instance: Instance, scenario: Scenario | None = None, extra: Iterable[Path] = ()
) -> list[Path]:
    files = [instance.path / f for f in instance.files]
    files += list((instance.path / "scenarios").glob("*.toml"))
    files += list((instance.path / "actual").glob("*"))
    if scenario is not None and scenario.path is not None:
        files.append(scenario.path)
    files += list(extra)
    return [f.resolve() for f in files]


class OutputDir:
    """An output folder that refuses to write over any input file."""

    def __init__(self, path: Path, inputs: list[Path]) -> None:
        self.path = Path(path)
        self.inputs = set(inputs)
        if self.path.exists() and not self.path.is_dir():
            raise InstanceError(f"--out {self.path}: exists and is not a folder")

    def target(self, name: str) -> Path:
        target = (self.path / name).resolve()
        if target in self.inputs:
            raise InstanceError(f"--out {self.path}: would overwrite the input file {target}")
        return target

    def check(self, names: Iterable[str]) -> None:
        """Check every name before the first write, so a refusal writes nothing."""
        for n in names:
            self.target(n)

    def write_bytes(self, name: str, data: bytes) -> Path:
        target = self.target(name)
        self.path.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=self.path)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            # mkstemp makes the file private (0600); outputs get the usual umask mode
            os.chmod(tmp, 0o666 & ~UMASK)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return target

    def write_text(self, name: str, text: str) -> Path:
        return self.write_bytes(name, text.encode("utf-8"))

    def write_json(self, name: str, doc: Any) -> Path:
        return self.write_text(name, json.dumps(doc, indent=2, ensure_ascii=False) + "\n")

    def write_csv(self, name: str, header: list[str], rows: Iterable[Iterable[Any]]) -> Path:
        return self.write_text(name, csv_text(header, rows))


def current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


UMASK = current_umask()


def fmt_cell(v: Any) -> Any:
    if isinstance(v, bool | np.bool_):
        return "true" if v else "false"
    if isinstance(v, float | np.floating):
        return f"{float(v):.10g}"
    return v


def csv_text(header: list[str], rows: Iterable[Iterable[Any]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for r in rows:
        w.writerow([fmt_cell(v) for v in r])
    return buf.getvalue()


# ----------------------------------------------------------------------------- documents


ALLOC_TOL = 1e-9


def allocation_rows(instance: Instance, volumes: np.ndarray) -> tuple[list[str], list[list[Any]]]:
    """`town,measure,volume_mln,budget_cost_mln,<criterion> ...` for cells with volume > 0."""
    from optimizer.evaluate import cell_scores

    scores = cell_scores(instance, volumes)
    header = ["town", "measure", "volume_mln", "budget_cost_mln", *instance.criteria]
    order = sorted(
        (instance.towns[t], instance.measures[m], t, m)
        for t, m in zip(*np.nonzero(volumes > ALLOC_TOL), strict=True)
    )
    rows = [
        [town, meas, float(volumes[t, m]), float(volumes[t, m] * instance.budget_cost[m]),
         *map(float, scores[t, m])]
        for town, meas, t, m in order
    ]  # fmt: skip
    return header, rows


def totals(instance: Instance, cost: np.ndarray) -> dict[str, dict[str, float]]:
    """Budget cost by tier and by measure."""
    tier_idx = instance.tier_index
    by_tier = {t: float(cost[tier_idx == i].sum()) for i, t in enumerate(instance.tiers)}
    by_measure = {m: float(cost[:, j].sum()) for j, m in enumerate(instance.measures)}
    return {"by_tier": by_tier, "by_measure": by_measure}


def base_document(instance: Instance, scenario: Scenario) -> dict[str, Any]:
    files = list(instance.files)
    if scenario.path is not None:
        files.append(str(scenario.path))
    return {
        "instance": instance.name,
        "scenario": scenario.name,
        "method": scenario.objective.method,
    }


def provenance(instance: Instance, scenario: Scenario) -> dict[str, Any]:
    import hashlib

    h = hashlib.sha256(instance.sha256.encode())
    files = list(instance.files)
    if scenario.path is not None:
        h.update(scenario.path.read_bytes())
        files.append(
            f"scenarios/{scenario.path.name}"
            if scenario.path.parent.name == "scenarios"
            else str(scenario.path)
        )
    return {"sha256": h.hexdigest(), "instance_sha256": instance.sha256, "files": files}


def summary_document(instance: Instance, scenario: Scenario, sol: Solution) -> dict[str, Any]:
    doc = base_document(instance, scenario)
    doc.update(
        status="optimal",
        budget_mln=scenario.budget_mln,
        allocated_mln=sol.allocated_mln,
        objectives=sol.objectives,
        payoff=sol.payoff.as_dict() if sol.payoff is not None else None,
        shadow_prices={sp.name: sp.value for sp in sol.shadow_prices},
        shadow_price_units={sp.name: sp.unit for sp in sol.shadow_prices},
        binding=[sp.name for sp in sol.shadow_prices if sp.binding],
        totals=totals(instance, sol.cost),
        solver={"name": sol.solver.name, "version": sol.solver.version,
                "seconds": round(sol.solver.seconds, 6), "solves": sol.solver.solves},
        inputs=provenance(instance, scenario),
        tool={"name": "monotowns", "version": __version__},
    )  # fmt: skip
    return doc


def infeasible_document(
    instance: Instance, scenario: Scenario, diagnosis: Diagnosis | None
) -> dict[str, Any]:
    doc = base_document(instance, scenario)
    doc.update(
        status="infeasible",
        budget_mln=scenario.budget_mln,
        diagnosis=diagnosis.as_dict() if diagnosis is not None else None,
        inputs=provenance(instance, scenario),
        tool={"name": "monotowns", "version": __version__},
    )
    return doc
