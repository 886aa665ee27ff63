"""The shipped Kazakhstan instance: it validates, its tiers follow the stated rule,
its coefficients reproduce the published figures they were calibrated on, and
every scenario names only things that exist and solves.

The arithmetic checked here is written out in instances/kazakhstan/SOURCES.md.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pytest

from optimizer.domain.instance import Instance, load_instance

ROOT = Path(__file__).resolve().parent.parent / "instances" / "kazakhstan"
SCENARIOS = sorted(p.stem for p in (ROOT / "scenarios").glob("*.toml"))
REQUIRED_SCENARIOS = ("plan-2021", "programme-2014-plan", "differentiated", "equal-per-capita")
MEASURES = (
    "retraining",
    "cluster_infrastructure",
    "enterprise_support",
    "employment_support",
    "asset_modernization",
    "interest_subsidy",
)
INSTRUMENTS = {"grant", "subsidy", "investment", "loan", "guarantee"}

TOP_KEYS = {"name", "description", "budget_mln", "spend_all", "limits", "objective", "rules",
            "name_ru", "name_kk", "description_ru", "description_kk"}  # fmt: skip
OBJECTIVE_KEYS = {
    "method", "weights", "normalize", "order", "tolerance",
    "primary", "epsilon", "ref", "rho", "targets",
}  # fmt: skip
SELECTORS = ("town", "region", "tier", "measure", "instrument")
RULE_KEYS = {
    "name", "note", "per_town", *SELECTORS,
    "min_share", "max_share", "min_mln", "max_mln", "min_per_capita", "max_per_capita",
}  # fmt: skip


@pytest.fixture(scope="module")
def inst() -> Instance:
    return load_instance(ROOT)


def read_csv(name: str) -> list[dict[str, str]]:
    with (ROOT / name).open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def read_actual(inst: Instance, name: str) -> np.ndarray:
    """(T, M) volume in millions from an actual-spend file."""
    vol = np.zeros((inst.n_towns, inst.n_measures))
    for row in read_csv(f"actual/{name}.csv"):
        t, m = inst.towns.index(row["town"]), inst.measures.index(row["measure"])
        vol[t, m] += float(row["amount_mln"])
    return vol


def local_score(inst: Instance, volumes: np.ndarray) -> np.ndarray:
    """SPEC section 7, written out independently: each cell's volume fills its curve
    segments in order (segment s holds capacity * widths[s] at effect
    base * mult * seg_mult[s]); volume above capacity or in an ineligible cell has
    no effect."""
    out = np.zeros(len(inst.criteria))
    for t in range(inst.n_towns):
        for m in range(inst.n_measures):
            if not inst.eligible[t, m]:
                continue
            left = volumes[t, m]
            for w, sm in zip(inst.widths, inst.seg_mult, strict=True):
                used = min(left, inst.capacity[t, m] * w)
                out += inst.base[t, m] * inst.mult[t, m] * sm * used
                left -= used
    return out


def score(inst: Instance, volumes: np.ndarray) -> np.ndarray:
    """The library's scorer where it exists, checked against the local one."""
    mine = local_score(inst, volumes)
    if importlib.util.find_spec("optimizer.domain.evaluate") is not None:
        from optimizer.domain.evaluate import score_volumes

        theirs = score_volumes(inst, volumes)
        np.testing.assert_allclose(theirs, mine, rtol=1e-9, atol=1e-9)
    return mine


# ----------------------------------------------------------------------------- the instance


def test_instance_validates(inst: Instance) -> None:
    assert inst.name == "Kazakhstan monotowns"
    assert inst.currency == "KZT"
    assert inst.criteria == ("jobs", "population")
    assert inst.tiers == ("high", "medium", "low")
    assert inst.default_scenario == "plan-2021"
    assert inst.n_towns == 27
    assert inst.measures == MEASURES
    assert inst.measure_sigma is not None and np.all(
        (inst.measure_sigma > 0) & (inst.measure_sigma <= 1)
    )


def test_towns_file(inst: Instance) -> None:
    rows = read_csv("towns.csv")
    assert len({r["town"] for r in rows}) == 27
    # the town itself, statistics bureau figures (SOURCES.md, Population basis)
    assert int(inst.population.sum()) == 1_416_152
    for r in rows:
        assert r["tier_derived"] == "true"
        assert 2009 < int(r["population_year"]) <= 2025
        assert r["population_source"]
        assert r["region_now"]
    unemployment = {r["town"]: float(r["unemployment_pct"]) for r in rows if r["unemployment_pct"]}
    # the government meeting of 10 September 2013 (astanatimes.com/?p=174)
    assert unemployment == {"Arkalyk": 9.4, "Kentau": 8.7, "Aksu": 7.9}


def test_tiers_are_six_nineteen_two(inst: Instance) -> None:
    counts = {t: inst.town_tier.count(t) for t in inst.tiers}
    assert counts == {"high": 6, "medium": 19, "low": 2}


def test_tier_rule_reproduces_the_tier_column() -> None:
    """SOURCES.md: low = the town-forming enterprise has stopped; high = the six most
    populous of the other towns with no distress marker; medium = the rest."""
    rows = read_csv("towns.csv")

    def distressed(r: dict[str, str]) -> bool:
        below_2009 = r["census_2009"] != "" and int(r["population"]) < int(r["census_2009"])
        return (
            r["unemployment_pct"] != ""
            or r["self_employment_high"] == "true"
            or r["population_fall"] == "true"
            or below_2009
        )

    low = {r["town"] for r in rows if r["enterprise_stopped"] == "true"}
    candidates = [r for r in rows if r["town"] not in low and not distressed(r)]
    candidates.sort(key=lambda r: -int(r["population"]))
    high = {r["town"] for r in candidates[:6]}
    # the cut is not a tie
    assert int(candidates[5]["population"]) > int(candidates[6]["population"])
    for r in rows:
        expected = "low" if r["town"] in low else "high" if r["town"] in high else "medium"
        assert r["tier"] == expected, r["town"]
    assert low == {"Arkalyk", "Tekeli"}
    assert high == {"Temirtau", "Ekibastuz", "Rudny", "Zhezkazgan", "Zhanaozen", "Balkhash"}


def test_instruments_and_budget_costs(inst: Instance) -> None:
    assert set(inst.instruments) == INSTRUMENTS
    for m, i, c in zip(inst.measures, inst.instruments, inst.budget_cost, strict=True):
        if i in ("grant", "subsidy", "investment"):
            assert c == 1.0, m
        elif i == "loan":
            assert 0 < c < 1, m
        else:
            assert c == pytest.approx(0.15), m


def test_tier_effects_cover_every_pair() -> None:
    rows = read_csv("tier_effects.csv")
    pairs = {(r["tier"], r["measure"]) for r in rows}
    assert len(rows) == 18 and len(pairs) == 18
    assert all(r["eligible"] in ("true", "false") for r in rows)
    medium = [float(r["multiplier"]) for r in rows if r["tier"] == "medium"]
    assert medium == [1.0] * 6, "medium is the reference tier the coefficients are calibrated at"


def test_every_override_is_explained() -> None:
    for r in read_csv("effects.csv"):
        assert r["note"], (r["town"], r["measure"])


# ----------------------------------------------------------------------------- calibration


def test_calibration_infrastructure_2020(inst: Instance) -> None:
    """8.7 bn KZT of infrastructure in monotowns created 670 jobs in 2020."""
    vol = read_actual(inst, "infrastructure-2020-illustrative")
    assert vol.sum() == pytest.approx(8700.0)
    m = inst.measures.index("cluster_infrastructure")
    towns = vol[:, m] > 0
    assert towns.sum() == 19
    # the spend lies in the first curve segment of reference-tier cells, as SOURCES.md says
    assert np.all(vol[towns, m] <= inst.capacity[towns, m] * inst.widths[0])
    assert np.all(inst.mult[towns, m] == 1.0)
    jobs = score(inst, vol)[inst.criteria.index("jobs")]
    assert jobs == pytest.approx(670, rel=0.05)


def test_calibration_coefficients(inst: Instance) -> None:
    """Each measure coefficient times its source money gives its source outcome."""
    rows = {r["measure"]: r for r in read_csv("measures.csv")}
    jobs = {k: float(r["jobs_per_mln"]) for k, r in rows.items()}
    # anchor projects: 950 bn KZT, 25,000 jobs, of which the 66.7% that work steadily
    assert jobs["enterprise_support"] * 950_000 == pytest.approx(25_000 * 0.667, rel=0.05)
    # infrastructure 2020: 8.7 bn KZT, 670 jobs
    assert jobs["cluster_infrastructure"] * 8_700 == pytest.approx(670, rel=0.05)
    # Employment Roadmap 2015 + 2016: 13.7 + 80.1 bn KZT, 8,600 + 40,927 employed
    assert jobs["employment_support"] * 93_800 == pytest.approx(49_527, rel=0.05)
    # Business Road Map 2020 (Almaty region 2015): 3.86 bn of loans, 93 jobs;
    # a guarantee covers 85% of the loan; a subsidy of 0.33 per unit of loan
    assert jobs["asset_modernization"] * 0.85 * 3_860 == pytest.approx(93, rel=0.05)
    assert jobs["interest_subsidy"] * 0.33 * 3_860 == pytest.approx(93, rel=0.05)
    # retraining: a quarter of the West Kazakhstan microcredit-and-training rate
    assert jobs["retraining"] * 5_000 == pytest.approx(0.25 * 2_950, rel=0.05)


def test_employment_support_capacity_divides_by_the_countrys_residents() -> None:
    """80.1 bn KZT of the 2016 Employment Roadmap over Kazakhstan's 17,671 thousand
    residents of 1 Jan 2016 (statistics committee, SOURCES.md [R7])."""
    rows = {r["measure"]: r for r in read_csv("measures.csv")}
    assert int(rows["employment_support"]["capacity_per_capita"]) == round(80.1e9 / 17.671e6)


def test_low_potential_floors_are_the_low_towns_share(inst: Instance) -> None:
    """Every `low-potential-floor` rule asks for the low tier's share of residents (4.0%)."""
    low = inst.population[[t == "low" for t in inst.town_tier]].sum() / inst.population.sum()
    found = 0
    for name in SCENARIOS:
        doc = tomllib.loads((ROOT / "scenarios" / f"{name}.toml").read_text(encoding="utf-8"))
        for rule in doc.get("rules", []):
            if rule["name"] == "low-potential-floor":
                found += 1
                assert rule["min_share"] == pytest.approx(low, abs=0.005), name
                assert f"{100 * low:.1f}%" in rule["note"], name
    assert found == 5


def test_population_per_job(inst: Instance) -> None:
    """population_per_mln = jobs_per_mln * household size (3.0) * share that would leave."""
    leave = {
        "retraining": 0.5,
        "cluster_infrastructure": 1.0,
        "enterprise_support": 0.5,
        "employment_support": (15.2 / 255) * 0.5 + (1 - 15.2 / 255) * 0.1,
        "asset_modernization": 0.5,
        "interest_subsidy": 0.5,
    }
    for r in read_csv("measures.csv"):
        expected = float(r["jobs_per_mln"]) * 3.0 * leave[r["measure"]]
        assert float(r["population_per_mln"]) == pytest.approx(expected, rel=1e-3), r["measure"]


def test_actual_files(inst: Instance) -> None:
    # an illustrative spread of the 43.2 bn KZT planned for 2014 (kapital.kz, 21 May 2012)
    prog = read_actual(inst, "programme-2014-plan-illustrative")
    assert prog.sum() == pytest.approx(43_200.0)
    assert (prog * inst.budget_cost[None, :]).sum() == pytest.approx(43_200.0)
    assert not np.any((prog > 0) & ~inst.eligible)
    assert np.all(prog <= inst.capacity + 1e-9)
    fa = score(inst, prog)
    assert np.all(fa > 0)


# ----------------------------------------------------------------------------- scenarios


def test_required_scenarios_exist() -> None:
    for name in REQUIRED_SCENARIOS:
        assert name in SCENARIOS
    budgets = {
        n: tomllib.loads((ROOT / "scenarios" / f"{n}.toml").read_text())["budget_mln"]
        for n in ("plan-2021", "programme-2014-plan")
    }
    assert budgets == {"plan-2021": 10400, "programme-2014-plan": 43200}


@pytest.mark.parametrize("name", SCENARIOS)
def test_scenario_keys_and_selectors(inst: Instance, name: str) -> None:
    doc = tomllib.loads((ROOT / "scenarios" / f"{name}.toml").read_text(encoding="utf-8"))
    assert set(doc) <= TOP_KEYS
    assert doc.get("name") and "budget_mln" in doc
    assert set(doc.get("objective", {})) <= OBJECTIVE_KEYS
    assert set(doc.get("limits", {})) <= set(inst.instruments)
    known = {
        "town": set(inst.towns),
        "region": set(inst.regions),
        "tier": set(inst.tiers),
        "measure": set(inst.measures),
        "instrument": set(inst.instruments),
    }
    names = [r.get("name") for r in doc.get("rules", [])]
    assert all(names) and len(set(names)) == len(names), "every rule has a unique name"
    for rule in doc.get("rules", []):
        assert set(rule) <= RULE_KEYS, rule["name"]
        for key in SELECTORS:
            if key in rule:
                values = [rule[key]] if isinstance(rule[key], str) else rule[key]
                assert set(values) <= known[key], (rule["name"], key)


@pytest.mark.parametrize("name", SCENARIOS)
def test_scenario_floors_fit(inst: Instance, name: str) -> None:
    """Without a solver: every per-capita and mln floor fits the selected towns'
    eligible capacity (in budget cost), and all floors together fit the budget."""
    from optimizer.domain.scenario import load_scenario

    scen = load_scenario(inst, name)
    cap_cost = inst.effective_capacity() * inst.budget_cost[None, :]  # (T, M) in mln
    floors = 0.0
    for rule in scen.rules:
        cells = rule.cells(inst)
        room = (cap_cost * cells).sum(axis=1)  # (T,)
        towns = cells.any(axis=1)
        for b in rule.bounds:
            if b.kind == "min_per_capita":
                need = b.value * inst.population / 1e6
                assert np.all(room[towns] >= need[towns]), rule.label
                floors += need[towns].sum()
            elif b.kind == "min_mln":
                assert room.sum() >= b.value, rule.label
                floors += b.value
            elif b.kind == "min_share":
                floors += b.value * scen.budget_mln
    assert floors <= scen.budget_mln


@pytest.mark.parametrize("name", SCENARIOS)
def test_scenario_loads(inst: Instance, name: str) -> None:
    from optimizer.domain.scenario import load_scenario

    scen = load_scenario(inst, name)
    assert scen.budget_mln > 0


@pytest.mark.parametrize("name", SCENARIOS)
def test_scenario_solves(name: str) -> None:
    if importlib.util.find_spec("optimizer.cli") is None:
        pytest.skip("the command line is not there yet")
    proc = subprocess.run(
        [
            sys.executable, "-c", "from optimizer.cli import main; main()",
            "solve", str(ROOT), "--scenario", name, "--format", "json",
        ],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["status"] == "optimal"
    assert summary["allocated_mln"] <= summary["budget_mln"] + 1e-6
    assert summary["objectives"]["jobs"] > 0
