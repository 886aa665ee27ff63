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


def test_the_tests_run_in_parallel() -> None:
    """CI runs the suite on every core: `-n auto` in the README's test command (each
    language's copy of it the same), pytest-xdist in the `test` extra it installs."""
    import tomllib

    tests = [c for c in readme_commands() if "pytest" in c]
    assert len(set(tests)) == 1, tests
    assert tests[0].endswith("pytest -n auto")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert any(r.startswith("pytest-xdist") for r in project["optional-dependencies"]["test"])
