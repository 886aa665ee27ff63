"""The README opens with exactly the two commands; CI runs the second one verbatim."""

from __future__ import annotations

import re

from tests.conftest import ROOT


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    return re.findall(r"```bash\n(.+?)\n```", text)


def test_readme_opens_with_two_commands() -> None:
    text = (ROOT / "README.md").read_text()
    cmds = readme_commands()
    assert len(cmds) >= 2
    assert text.index(cmds[1]) < text.index("##")  # before any section
    assert "monotowns solve instances/kazakhstan" in cmds[0]
    assert "pytest" in cmds[1]


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    assert readme_commands()[1] in ci.splitlines()
