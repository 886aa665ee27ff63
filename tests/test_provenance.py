"""SPEC section 11: [provenance] parsed, checked and repeated in summary.json and comparison.json."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from optimizer.cli import app
from optimizer.domain.instance import load_instance
from optimizer.errors import InstanceError
from tests.conftest import ROOT

KZ = ROOT / "instances" / "kazakhstan"
runner = CliRunner()


def test_kazakhstan_labels_are_parsed() -> None:
    p = load_instance(KZ).provenance
    assert p is not None
    assert "towns.csv:tier" in p.derived
    assert "instance.toml:curve" in p.assumed
    assert p.is_illustrative("actual/programme-2014-plan-illustrative.csv")


def test_bad_entry_is_an_instance_error_naming_the_key(tmp_path: Path) -> None:
    dst = tmp_path / "kz"
    shutil.copytree(KZ, dst)
    toml = dst / "instance.toml"
    toml.write_text(toml.read_text().replace('"towns.csv:tier"', '"towns.csv:tierz"'))
    with pytest.raises(InstanceError, match=r"provenance\.derived\.\"towns\.csv:tierz\""):
        load_instance(dst)


def test_summary_and_comparison_carry_provenance(tmp_path: Path) -> None:
    res = runner.invoke(app, ["solve", str(KZ), "--out", str(tmp_path / "s"), "--no-sensitivity"])
    assert res.exit_code == 0, res.output
    doc = json.loads((tmp_path / "s" / "summary.json").read_text())
    assert "towns.csv:tier" in doc["provenance"]["derived"]
    actual = "programme-2014-plan-illustrative"
    res = runner.invoke(app, ["compare", str(KZ), "--actual", actual, "--out", str(tmp_path / "c")])
    assert res.exit_code == 0, res.output
    cmp = json.loads((tmp_path / "c" / "comparison.json").read_text())
    assert cmp["provenance"]["actual_is_illustrative"] is True
    assert "instance.toml:curve" in cmp["provenance"]["assumed"]


def test_uncertainty_calls_an_illustrative_spend_so() -> None:
    """The percentile table's plan column and the dominance note say "illustrative" for
    a spend the instance lists as illustrative, never "actual" (SPEC 11)."""
    res = CliRunner().invoke(
        app,
        ["uncertainty", str(KZ), "--draws", "20", "--actual", "infrastructure-2020-illustrative"],
        env={"COLUMNS": "120"},
    )
    assert res.exit_code == 0, res.output
    assert "│ illustrative │ jobs" in res.output
    assert "actual" not in res.output.lower()
