from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

TINY = Path(__file__).parent / "data" / "tiny"
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def plain_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test runs as if piped into a file on a machine that names no language: no
    $COLUMNS (a pytest-xdist worker has COLUMNS=80), no MONOTOWNS_LANG, the C locale. A
    test that needs a width or a language passes it to the run."""
    for var in ("COLUMNS", "LINES", "MONOTOWNS_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")


@pytest.fixture
def tiny() -> Path:
    return TINY


@pytest.fixture
def tiny_copy(tmp_path: Path) -> Path:
    dst = tmp_path / "tiny"
    shutil.copytree(TINY, dst)
    return dst


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()
