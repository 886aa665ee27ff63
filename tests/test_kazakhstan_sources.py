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
    """One basis (the town itself) for every cited row; each row's date matches its
    source: the bureau's table of 1 Jan 2023 [R15] (Rudny: [R17]), of 1 Jan 2021
    [R16], or [R1] of 1 Jan 2024; Stepnogorsk alone is assumed."""
    towns = rows("towns.csv")
    ref_year = {"[R15]": "2023", "[R17]": "2023", "[R16]": "2021", "[R1]": "2024"}
    for r in towns:
        assert r["population_status"] in ("cited", "assumed"), r["town"]
        assert r["population_source"].strip(), r["town"]
        assert r["population_basis"] in ("city proper", "unverified"), r["town"]
        if r["population_status"] == "cited":
            assert "http" in r["population_source"], r["town"]
            assert r["population_basis"] == "city proper", r["town"]
            tags = [t for t in ref_year if t in r["population_source"]]
            assert len(tags) == 1, (r["town"], tags)
            assert r["population_year"] == ref_year[tags[0]], r["town"]
        else:
            assert r["population_basis"] == "unverified", r["town"]
    assumed = {r["town"] for r in towns if r["population_status"] == "assumed"}
    assert assumed == {"Stepnogorsk"}
    years = [r["population_year"] for r in towns if r["population_status"] == "cited"]
    assert years.count("2023") == 21 and years.count("2021") == 4 and years.count("2024") == 1


def test_population_table_in_sources_matches_the_column() -> None:
    """SOURCES.md's table of the population sources names each town's figure as towns.csv has it."""
    text = (ROOT / "SOURCES.md").read_text(encoding="utf-8")
    section = text.split("### Population basis", 1)[1].split("\n## ", 1)[0]
    for r in rows("towns.csv"):
        figure = f"{r['town']} {int(r['population']):,}"
        assert figure in section, figure


def test_provenance_reasons_name_the_population_state() -> None:
    reason = provenance()["assumed"]["towns.csv:population"]
    assert "Stepnogorsk" in reason


# ----------------------------------------------------------------------------- display names


RU_OBLAST = re.compile(r"^[А-ЯЁ][а-яё]+(-[А-Я][а-яё]+)? область$")
KK_OBLAST = re.compile(
    r"^[А-ЯЁӘҒҚҢӨҰҮҺІ][а-яёәғқңөұүһі]+( [А-ЯЁӘҒҚҢӨҰҮҺІ][а-яёәғқңөұүһі]+)? облысы$"
)


def test_region_display_names_are_official_oblast_names() -> None:
    """towns.csv region_ru / region_kk: one Russian and one Kazakh full name per 2012 oblast."""
    towns = rows("towns.csv")
    seen: dict[str, tuple[str, str]] = {}
    for r in towns:
        pair = (r["region_ru"], r["region_kk"])
        assert RU_OBLAST.match(pair[0]), (r["town"], pair[0])
        assert KK_OBLAST.match(pair[1]), (r["town"], pair[1])
        assert seen.setdefault(r["region"], pair) == pair, r["region"]
    assert len(set(seen.values())) == len(seen), "two oblasts share a display name"
    assert seen["Karaganda"] == ("Карагандинская область", "Қарағанды облысы")
    assert seen["South Kazakhstan"] == ("Южно-Казахстанская область", "Оңтүстік Қазақстан облысы")
    inst = load_instance(ROOT)
    names = getattr(inst, "region_names", {})
    if names:  # the loader reads them (issue 17)
        assert set(names) >= {"ru", "kk"}


LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z']*")


def latin_words(text: str, allowed: set[str]) -> set[str]:
    """Latin-script words that are neither part of a web address (a source's name stays
    as written) nor an identifier of the instance."""
    words = set()
    for token in text.split():
        bare = token.strip("().,;:«»\"'")
        if "." in bare or "/" in bare or bare in allowed:
            continue  # el.kz, primeminister.kz, infrastructure-2024, complex_plan_2023_2027, ...
        words.update(LATIN_WORD.findall(bare))
    return words


@pytest.mark.parametrize("path", sorted((ROOT / "scenarios").glob("*.toml")), ids=lambda p: p.stem)
def test_scenario_descriptions_in_russian_and_kazakh(path: Path) -> None:
    """Every scenario carries description_ru / description_kk (issue 17), in Cyrillic
    script; Latin letters only in the web addresses of the sources and the identifiers
    of the instance (measure and scenario names)."""
    doc = tomllib.loads(path.read_text(encoding="utf-8"))
    allowed = {*load_instance(ROOT).measures, *header("towns.csv")}
    allowed |= {p.stem for p in (ROOT / "scenarios").glob("*.toml")}
    for key in ("description_ru", "description_kk"):
        text = doc.get(key, "")
        assert isinstance(text, str) and text.strip(), (path.name, key)
        assert re.search(r"[а-яё]", text, flags=re.I), (path.name, key)
        stray = latin_words(text, allowed)
        assert not stray, (path.name, key, sorted(stray))
    kk = doc["description_kk"]
    assert re.search(r"[әғқңөұүһі]", kk), (path.name, "Kazakh letters expected")
    # the figures of the English description are in the translations too
    digits = {re.sub(r"[.,]", "", n) for n in re.findall(r"\d[\d,.]*\d|\d", doc["description"])}
    for key in ("description_ru", "description_kk"):
        flat = re.sub(r"[\s.,\u00a0\u202f]", "", doc[key])
        missing = {d for d in digits if d not in flat}
        assert not missing, (path.name, key, sorted(missing))
