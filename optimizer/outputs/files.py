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

from optimizer.domain.instance import Instance
from optimizer.domain.scenario import Scenario
from optimizer.errors import InstanceError


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
