"""Projects in `compare` and `report` (SPEC section 12): actual project lists, which
funded projects the optimum keeps, drops and adds, and the funded-projects table."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from optimizer.cli import app
from optimizer.domain.instance import load_instance
from optimizer.domain.scenario import load_scenario
from optimizer.methods.solution import optimize

PROJECTS = Path(__file__).parent / "data" / "tiny-projects"


@pytest.fixture
def projects_copy(tmp_path: Path) -> Path:
    dst = tmp_path / "tiny-projects"
    shutil.copytree(PROJECTS, dst)
    return dst


def test_report_lists_funded_projects(projects_copy: Path, runner, tmp_path: Path) -> None:
    out = tmp_path / "rep"
    res = runner.invoke(app, ["report", str(projects_copy), "--out", str(out)])
    assert res.exit_code == 0, res.output
    md = (out / "report.md").read_text()
    assert "## Funded projects" in md
    inst = load_instance(projects_copy)
    sol = optimize(inst, load_scenario(inst))
    pr = inst.projects
    funded = [pr.names[p] for p in range(len(pr)) if sol.fractions[p] > 1e-9]
    assert funded
    section = md.split("## Funded projects", 1)[1].split("\n## ", 1)[0]
    assert "| project | town | measure | fraction | budget cost mln |" in section
    for name in pr.names:
        assert (f"| {name} |" in section) == (name in funded)
    assert f"{len(funded)} of {len(pr)} projects funded" in section
    assert "Funded projects" in (out / "report.html").read_text()


def test_report_without_projects_has_no_project_table(tmp_path: Path, runner) -> None:
    tiny = Path(__file__).parent / "data" / "tiny"
    res = runner.invoke(app, ["report", str(tiny), "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert "Funded projects" not in (tmp_path / "report.md").read_text()
