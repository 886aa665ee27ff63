"""Where the Kazakhstan instance's numbers come from (issue 15).

Every column of every CSV file of the instance is named in SOURCES.md's column
status table with a status (cited / assumed / derived / illustrative); every
instance.toml [provenance] entry points at a file, column or TOML key that
exists; the town groupings of the scenarios match the columns of towns.csv; and
no file, scenario or README line calls a plan or an illustrative spread actual.
"""

from __future__ import annotations

import csv
import re
import tomllib
from pathlib import Path

import pytest

from optimizer.domain.instance import load_instance
from optimizer.domain.scenario import load_scenario

REPO = Path(__file__).resolve().parent.parent
ROOT = REPO / "instances" / "kazakhstan"
STATUSES = {"cited", "assumed", "derived", "illustrative"}
CSV_FILES = sorted(p.relative_to(ROOT).as_posix() for p in ROOT.rglob("*.csv"))


def header(rel: str) -> list[str]:
    with (ROOT / rel).open(newline="", encoding="utf-8") as fh:
        return next(csv.reader(fh))


def rows(rel: str) -> list[dict[str, str]]:
    with (ROOT / rel).open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def column_status() -> dict[tuple[str, str], set[str]]:
    """(file, column) -> statuses, from the table under '## Column status'."""
    text = (ROOT / "SOURCES.md").read_text(encoding="utf-8")
    section = text.split("## Column status", 1)[1].split("\n## ", 1)[0]
    table: dict[tuple[str, str], set[str]] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 4 or not cells[0].endswith(".csv"):
            continue
        statuses = {s.strip() for s in cells[2].split("/")}
        for col in re.findall(r"`([^`]+)`", cells[1]):
            table[(cells[0], col)] = statuses
    return table


def provenance() -> dict:
    return tomllib.loads((ROOT / "instance.toml").read_text(encoding="utf-8"))["provenance"]


def toml_has(doc: dict | list, dotted: str) -> bool:
    node: object = doc
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


# ----------------------------------------------------------------------------- SOURCES.md


def test_csv_files_are_found() -> None:
    assert {"towns.csv", "measures.csv", "effects.csv", "tier_effects.csv"} <= set(CSV_FILES)
    assert any(f.startswith("actual/") for f in CSV_FILES)


@pytest.mark.parametrize("rel", CSV_FILES)
def test_every_column_has_a_status(rel: str) -> None:
    table = column_status()
    for col in header(rel):
        assert (rel, col) in table, f"{rel}:{col} is not in SOURCES.md's column status table"
        statuses = table[(rel, col)]
        assert statuses and statuses <= STATUSES, (rel, col, statuses)


def test_status_table_names_only_real_columns() -> None:
    for rel, col in column_status():
        assert (ROOT / rel).exists(), rel
        assert col in header(rel), f"SOURCES.md names {rel}:{col}, which does not exist"


def test_references_are_complete() -> None:
    text = (ROOT / "SOURCES.md").read_text(encoding="utf-8")
    refs = text.split("## References", 1)[1].split("\n## ", 1)[0]
    entries = re.findall(r"^- \*\*\[(R\d+)\]\*\* (.+)$", refs, flags=re.M)
    assert len(entries) >= 10
    for tag, body in entries:
        assert re.search(r"https?://", body), f"{tag} has no address"
    used = set(re.findall(r"\[(R\d+)\]", text.replace(refs, "")))
    assert used <= {t for t, _ in entries}, "a reference is used but not listed"


# ----------------------------------------------------------------------------- provenance


def test_provenance_has_the_three_labels() -> None:
    prov = provenance()
    assert set(prov) <= {"derived", "assumed", "illustrative"}
    assert prov["derived"] and prov["assumed"] and prov["illustrative"]


@pytest.mark.parametrize("label", ["derived", "assumed"])
def test_provenance_entries_point_at_something(label: str) -> None:
    for key, reason in provenance()[label].items():
        assert isinstance(reason, str) and reason.strip(), key
        rel, _, item = key.partition(":")
        assert item, f"{key}: expected 'file:column' or 'file:key'"
        path = ROOT / rel
        assert path.exists(), f"{key}: no file {rel}"
        if rel.endswith(".csv"):
            assert item in header(rel), f"{key}: no column {item}"
        elif rel.endswith(".toml"):
            doc = tomllib.loads(path.read_text(encoding="utf-8"))
            assert toml_has(doc, item), f"{key}: no key {item}"
        else:
            pytest.fail(f"{key}: unexpected file type")
        # what provenance calls derived or assumed, the status table does not call only cited
        if rel.endswith(".csv"):
            assert label in column_status()[(rel, item)], key


def test_illustrative_files_exist_and_are_all_listed() -> None:
    listed = set(provenance()["illustrative"])
    for rel in listed:
        assert (ROOT / rel).exists(), rel
    illustrative_named = {f for f in CSV_FILES if f.startswith("actual/") and "illustrative" in f}
    assert illustrative_named <= listed
    assert all("illustrative" in f for f in listed)


def test_instance_loads_with_provenance() -> None:
    inst = load_instance(ROOT)
    assert inst.n_towns == 27


# ----------------------------------------------------------------------------- plans are plans


def test_no_actual_2014() -> None:
    assert not (ROOT / "actual" / "programme-2014-illustrative.csv").exists()
    assert not (ROOT / "scenarios" / "programme-2014.toml").exists()
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "programme-2014-illustrative" not in readme
    assert "43 bn KZT in 2014" not in readme
    for p in (ROOT / "scenarios").glob("*.toml"):
        doc = tomllib.loads(p.read_text(encoding="utf-8"))
        assert "actual" not in doc["name"].lower(), p.name
        assert "actually spent" not in doc.get("description", ""), p.name


@pytest.mark.parametrize(
    ("name", "budget"),
    [
        ("programme-2013-plan", 38_200),  # kapital.kz, 21 May 2012
        ("programme-2014-plan", 43_200),
        ("programme-2015-plan", 53_900),
        ("infrastructure-2022", 25_800),  # el.kz, August 2022
        ("infrastructure-2024", 62_800),  # Kazinform, 2 Apr 2024
        ("plan-towns-2024", 62_800),
    ],
)
def test_sourced_budgets(name: str, budget: int) -> None:
    doc = tomllib.loads((ROOT / "scenarios" / f"{name}.toml").read_text(encoding="utf-8"))
    assert doc["budget_mln"] == budget
    assert "plan" in doc["name"].lower() or name.startswith("infrastructure-2022")


def test_plan_illustrative_spread_totals() -> None:
    total = sum(float(r["amount_mln"]) for r in rows("actual/programme-2014-plan-illustrative.csv"))
    assert total == pytest.approx(43_200.0)
    by_measure: dict[str, float] = {}
    for r in rows("actual/programme-2014-plan-illustrative.csv"):
        by_measure[r["measure"]] = by_measure.get(r["measure"], 0.0) + float(r["amount_mln"])
    assert by_measure == pytest.approx(
        {
            "cluster_infrastructure": 38_004.0,
            "employment_support": 3_146.0,
            "interest_subsidy": 2_050.0,
        }
    )


# ----------------------------------------------------------------------------- groupings


def test_groupings_are_the_published_lists() -> None:
    towns = rows("towns.csv")
    plans = {r["town"] for r in towns if r["complex_plan_2023_2027"] == "true"}
    assert plans == {
        "Zhanatas", "Karatau", "Ridder", "Altai", "Arkalyk",
        "Balkhash", "Zhitikara", "Lisakovsk", "Serebryansk", "Stepnogorsk",
    }  # fmt: skip
    assert all(r["complex_plan_2023_2027"] in ("true", "false") for r in towns)
    stagnating = {r["town"] for r in towns if r["group_2025"] == "stagnating"}
    assert stagnating == {"Kurchatov", "Zhitikara", "Altai", "Karazhal"}
    assert {r["group_2025"] for r in towns} <= {"", "stagnating"}


def test_grouping_scenario_matches_the_columns() -> None:
    towns = rows("towns.csv")
    doc = tomllib.loads((ROOT / "scenarios" / "plan-towns-2024.toml").read_text(encoding="utf-8"))
    rules = {r["name"]: r for r in doc["rules"]}
    assert set(rules["complex-plan-towns"]["town"]) == {
        r["town"] for r in towns if r["complex_plan_2023_2027"] == "true"
    }
    assert set(rules["stagnating-2025"]["town"]) == {
        r["town"] for r in towns if r["group_2025"] == "stagnating"
    }
    pop = {r["town"]: int(r["population"]) for r in towns}
    total = sum(pop.values())
    share = sum(pop[t] for t in rules["complex-plan-towns"]["town"]) / total
    assert rules["complex-plan-towns"]["min_share"] == pytest.approx(share, abs=0.005)
    assert rules["stagnating-2025"]["min_per_capita"] == pytest.approx(
        doc["budget_mln"] * 1e6 / total, rel=0.001
    )
    inst = load_instance(ROOT)
    assert load_scenario(inst, "plan-towns-2024").budget_mln == 62_800


# ----------------------------------------------------------------------------- populations


def test_population_rows_carry_status_and_source() -> None:
    towns = rows("towns.csv")
    for r in towns:
        assert r["population_status"] in ("cited", "assumed"), r["town"]
        assert r["population_source"].strip(), r["town"]
        assert r["population_basis"] in ("city proper (inferred)", "unverified"), r["town"]
        if r["population_status"] == "cited":
            assert "http" in r["population_source"], r["town"]
            assert r["population_basis"] == "city proper (inferred)"
    assert sum(r["population_status"] == "cited" for r in towns) == 9
