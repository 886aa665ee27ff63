"""Measure labels on plots stay within two short lines (long labels of the shipped
instance ran into each other on compare.png and the allocation chart)."""

from __future__ import annotations

from pathlib import Path

from optimizer.domain.instance import load_instance
from optimizer.outputs.plots.style import measure_names

KZ = Path(__file__).resolve().parent.parent / "instances" / "kazakhstan"


def test_measure_labels_fit_two_lines() -> None:
    inst = load_instance(KZ)
    names = measure_names(inst)
    assert len(names) == inst.n_measures
    for name, measure in zip(names, inst.measures, strict=True):
        lines = name.split("\n")
        assert 1 <= len(lines) <= 2, name
        assert all(0 < len(ln) <= 28 for ln in lines), name
        assert measure not in name  # the label, not the identifier
