"""Issue 17: bad input, an infeasible scenario and a solver that stops are told in the
user's language. `validate --lang ru|kk` and `solve --lang ru|kk` on a broken copy of
the Kazakhstan instance exit 2 with one line that names the file, row and column in
Russian or Kazakh: its only Latin words are the data's identifiers, file and column
names, keys and the values at fault. An infeasible scenario exits 3 with its diagnosis
in Kazakh, while summary.json keeps the English message (documents never change with
the language). Display names of regions and scenario descriptions load from their own
columns and keys.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from optimizer.cli import app
from optimizer.domain.scenario import BOUNDS
from optimizer.i18n import speaking
from tests.helpers import interrupted_after
from tests.test_i18n import KZ, identifiers

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "tests" / "data" / "tiny"
CYRILLIC = re.compile(r"[А-Яа-яЁёӘәҒғҚқҢңӨөҰұҮүҺһІі]")
KAZAKH_ONLY = re.compile(r"[ӘәҒғҚқҢңӨөҰұҮүҺһІі]")


def latin(text: str) -> set[str]:
    return set(re.findall(r"[A-Za-z]+", text))


def allowed(*words: str) -> set[str]:
    """identifiers() of tests/test_i18n plus the case's own file, column, key and value
    words, and the scenario files' bound keys (min_share, max_mln ...)."""
    out = identifiers() | {"csv", "toml"}
    for w in (*words, *BOUNDS):
        out |= latin(w)
    return out


def run(args: list[str]) -> tuple[int, list[str]]:
    res = CliRunner().invoke(app, args, env={"COLUMNS": "400"})
    assert "Traceback" not in res.output
    return res.exit_code, [ln for ln in res.output.splitlines() if ln.strip()]


def edit(name: str, old: str, new: str) -> Callable[[Path], None]:
    def apply(folder: Path) -> None:
        path = folder / name
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {name}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    return apply


def cell(name: str, row: int, column: str, value: str) -> Callable[[Path], None]:
    """Set one cell of a CSV file (row: the spreadsheet row, header = 1)."""

    def apply(folder: Path) -> None:
        import csv

        path = folder / name
        with path.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))
        rows[row - 1][rows[0].index(column)] = value
        with path.open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerows(rows)

    return apply


ACTUAL = "actual/infrastructure-2020-illustrative.csv"
PLAN = "scenarios/plan-2021.toml"

# (id, mutation, solve's extra options, words the line must hold, Latin words allowed)
CASES: list[tuple[str, Callable[[Path], None], list[str], list[str]]] = [
    ("towns population", cell("towns.csv", 2, "population", "many"), [],
     ["towns.csv", "2", "'population'", "'many'"]),
    ("towns tier", cell("towns.csv", 3, "tier", "middle"), [],
     ["towns.csv", "3", "'tier'", "'middle'", "high, medium, low"]),
    ("towns duplicate", cell("towns.csv", 3, "town", "Temirtau"), [],
     ["towns.csv", "3", "'town'", "'Temirtau'", "2"]),
    ("measures negative", cell("measures.csv", 2, "budget_cost", "-1"), [],
     ["measures.csv", "2", "'budget_cost'", "-1"]),
    ("scenario budget", edit(PLAN, "budget_mln = 10400", 'budget_mln = "lots"'), [],
     ["plan-2021.toml", "'budget_mln'", "'lots'"]),
    ("scenario unknown town", edit(PLAN, 'tier = "low"', 'town = "Atlantis"'), [],
     ["plan-2021.toml", "'rules[0].town'", "'Atlantis'"]),
    ("scenario share", edit(PLAN, "min_share = 0.04", "min_share = 4"), [],
     ["plan-2021.toml", "'rules[0].min_share'", "4"]),
    ("actual amount", cell(ACTUAL, 3, "amount_mln", "lots"),
     ["--baseline", "infrastructure-2020-illustrative"],
     ["infrastructure-2020-illustrative.csv", "3", "'amount_mln'", "'lots'"]),
    ("actual unknown measure", cell(ACTUAL, 2, "measure", "roads"),
     ["--baseline", "infrastructure-2020-illustrative"],
     ["infrastructure-2020-illustrative.csv", "2", "'measure'", "'roads'"]),
]  # fmt: skip


@pytest.fixture
def kz(tmp_path: Path) -> Path:
    dst = tmp_path / "kz"
    shutil.copytree(KZ, dst)
    return dst


def check_line(line: str, folder: Path, words: list[str], lang: str) -> None:
    text = line.replace(str(folder), "")
    for w in words:
        assert w in text, f"{w!r} not in {line!r}"
    assert CYRILLIC.search(text), line
    if lang == "kk":
        assert KAZAKH_ONLY.search(text), f"not Kazakh: {line!r}"
    extra = latin(text) - allowed(*words)
    assert not extra, f"English words in {lang}: {extra} in {line!r}"


@pytest.mark.parametrize(("case", "mutate", "options", "words"), CASES,
                         ids=[c[0] for c in CASES])  # fmt: skip
def test_bad_input_in_the_language(kz: Path, case, mutate, options, words) -> None:
    mutate(kz)
    for lang in ("ru", "kk"):
        code, lines = run(["validate", str(kz), "--lang", lang])
        assert code == 2, lines
        assert len(lines) == 2, lines  # the problem, then the count
        check_line(lines[0], kz, words, lang)
        assert lines[-1] == ("найдена 1 проблема" if lang == "ru" else "1 мәселе табылды")
    code, lines = run(["solve", str(kz), "--lang", "ru", "--no-sensitivity", *options])
    assert code == 2, lines
    assert len(lines) == 1, lines
    assert lines[0].startswith("ошибка: ")
    check_line(lines[0], kz, [*words, *options], "ru")  # the option it came through


def test_english_is_unchanged(kz: Path) -> None:
    cell("towns.csv", 2, "population", "many")(kz)
    code, lines = run(["validate", str(kz)])
    assert code == 2
    assert lines[0] == (
        f"error: {kz / 'towns.csv'}: row 2, column 'population': 'many' is not a number"
    )
    assert lines[1] == "1 problem(s) found"


def test_method_is_named_by_its_name(kz: Path) -> None:
    """A method a scenario lacks a key for is named as the file writes it ('goal'),
    not as Python prints the enum (<Method.goal: 'goal'>)."""
    code, lines = run(["solve", str(kz), "--method", "goal"])
    assert code == 2
    assert "(with --method goal): method 'goal' needs key 'objective.targets'" in lines[0]
    code, lines = run(["solve", str(kz), "--method", "goal", "--lang", "kk"])
    assert code == 2 and "'goal' әдісіне 'objective.targets' кілті керек" in lines[0]


@pytest.fixture(scope="module")
def with_projects(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("gen") / "projects"
    code, lines = run(["generate", str(out), "--towns", "6", "--projects", "4"])
    assert code == 0, lines
    return out


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_projects_file_in_the_language(with_projects: Path, tmp_path: Path, lang: str) -> None:
    folder = tmp_path / "p"
    shutil.copytree(with_projects, folder)
    cell("projects.csv", 3, "town", "Atlantis")(folder)
    cell("projects.csv", 4, "volume_mln", "0")(folder)
    code, lines = run(["validate", str(folder), "--lang", lang])
    assert code == 2, lines
    assert len(lines) == 3, lines
    words = [["projects.csv", "3", "'town'", "'Atlantis'", "towns.csv"],
             ["projects.csv", "4", "'volume_mln'", "0"]]  # fmt: skip
    for line, w in zip(lines[:2], words, strict=True):
        check_line(line, folder, w, lang)
    code, lines = run(["solve", str(folder), "--lang", lang, "--no-sensitivity"])
    assert code == 2 and len(lines) == 1, lines
    check_line(lines[0], folder, words[0], lang)


INFEASIBLE_RULE = """
[[rules]]
name = "every-town-floor"
per_town = true
min_mln = 1000
"""


def test_infeasible_diagnosis_in_kazakh(kz: Path) -> None:
    (kz / PLAN).write_text((kz / PLAN).read_text(encoding="utf-8") + INFEASIBLE_RULE,
                           encoding="utf-8")  # fmt: skip
    code, lines = run(["solve", str(kz), "--lang", "kk"])
    assert code == 3, lines
    assert len(lines) == 1, lines
    line = lines[0]
    assert line.startswith("орындалмайды: '2021 жылғы жоспар' сценарийі орындалмайды: ")
    assert "every-town-floor (min_mln) шектеуін" in line and "босаңсыту" in line
    assert "Жезқазған" in line, "towns are named in Kazakh"
    assert re.search(r"\d \d{3},\d{3} млн", line.replace("\u00a0", " ")), (
        "numbers as kk writes them"
    )
    extra = latin(line) - allowed("every-town-floor")
    assert not extra, f"English words in kk: {extra}"
    # the English run says the same in English; summary.json keeps English in any language
    code, en = run(["solve", str(kz)])
    assert code == 3 and en[0].startswith("infeasible: scenario '2021 plan' is infeasible: ")
    assert "every-town-floor (min_mln) must give" in en[0] and "Zhezkazgan" in en[0]
    docs = {}
    for lang in ("en", "kk"):
        res = CliRunner().invoke(app, ["solve", str(kz), "--lang", lang, "--format", "json"])
        assert res.exit_code == 3
        docs[lang] = json.loads(res.stdout)["diagnosis"]
    assert docs["kk"] == docs["en"]
    assert docs["en"]["message"] in en[0]


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_diagnosis_shares_towns_and_repairs(lang: str) -> None:
    """Every clause of a diagnosis: a share in percentage points, towns, a budget repair,
    a bound that alone is not enough."""
    scen = TINY / "scenarios" / "infeasible.toml"
    code, lines = run(["solve", str(TINY), "-s", str(scen), "--lang", lang])
    assert code == 3
    assert not latin(lines[0]) - allowed("impossible floor", "low floor"), lines[0]
    code, lines = run(["solve", str(TINY), "-s", "min-budget", "--budget", "1", "--lang", lang])
    assert code == 3
    word = {"ru": "не менее 40,8 млн", "kk": "кемінде 40,8 млн"}[lang]
    assert word in lines[0]
    words = allowed("least money for 50 jobs and 100 residents", "objective.targets")
    assert not latin(lines[0]) - words, lines[0]
    # summary.json's diagnosis, repairs included, stays English
    docs = {}
    for lg in ("en", lang):
        res = CliRunner().invoke(app, ["solve", str(TINY), "-s", "min-budget", "--budget", "1",
                                       "--lang", lg, "--format", "json"])  # fmt: skip
        docs[lg] = json.loads(res.stdout)["diagnosis"]
    assert docs[lang] == docs["en"]
    assert docs["en"]["message"].endswith("a budget of at least 40.8 mln would make it feasible")


def test_solver_statuses_translated() -> None:
    from optimizer.lp.highs import status_text

    class Fake:
        def modelStatusToString(self, status: object) -> str:
            return "Time limit reached"

    with speaking("en"):
        assert status_text(Fake(), 13) == "Time limit reached"
    with speaking("ru"):
        assert status_text(Fake(), 13) == "достигнут предел времени"
    with speaking("kk"):
        assert status_text(Fake(), 13) == "уақыт шегіне жетті"


def test_generate_errors_in_the_language(tmp_path: Path) -> None:
    code, lines = run(["generate", str(tmp_path / "g"), "--towns", "3", "--lines", "2",
                       "--lang", "ru"])  # fmt: skip
    assert code == 2 and lines == [
        "ошибка: --lines: линиям финансирования нужны проекты (--projects N)"
    ]
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("")
    code, lines = run(["generate", str(tmp_path / "full"), "--towns", "3", "--lang", "kk"])
    assert code == 2
    assert lines[0].replace(str(tmp_path), "") == (
        "қате: /full: қалта бос емес (жаңа немесе бос қалта таңдаңыз)"
    )


# ----------------------------------------------------------------------------- display names


def test_region_names_and_descriptions_load(tmp_path: Path) -> None:
    from optimizer.domain.instance import load_instance
    from optimizer.domain.scenario import load_scenario
    from optimizer.outputs.text import region_name, scenario_description

    folder = tmp_path / "tiny"
    shutil.copytree(TINY, folder)
    towns = (folder / "towns.csv").read_text(encoding="utf-8").splitlines()
    towns[0] += ",region_ru,region_kk"
    towns[1] += ",Северный край,Солтүстік өлке"
    towns[2] += ",,"  # empty: the region as the data writes it
    (folder / "towns.csv").write_text("\n".join(towns) + "\n", encoding="utf-8")
    scen = folder / "scenarios" / "weighted.toml"
    scen.write_text('description_ru = "Описание"\ndescription_kk = "Сипаттама"\n'
                    + scen.read_text(encoding="utf-8"), encoding="utf-8")  # fmt: skip
    inst = load_instance(folder)
    assert inst.region_names == {
        "ru": ("Северный край", inst.regions[1]),
        "kk": ("Солтүстік өлке", inst.regions[1]),
    }
    assert not {"region_ru", "region_kk"} & set(inst.town_extra)
    s = load_scenario(inst, "weighted")
    assert s.descriptions == {"ru": "Описание", "kk": "Сипаттама"}
    with speaking("kk"):
        assert region_name(inst, 0) == "Солтүстік өлке"
        assert scenario_description(s) == "Сипаттама"
    with speaking("en"):
        assert region_name(inst, 0) == inst.regions[0]
        assert scenario_description(s) == s.description
    code, lines = run(["validate", str(folder)])
    assert code == 0, lines
    # a description in another language must be a string, as `description` must
    edit("scenarios/weighted.toml", 'description_kk = "Сипаттама"', "description_kk = 3")(folder)
    code, lines = run(["validate", str(folder)])
    assert code == 2 and "key 'description_kk' must be a string, got 3" in lines[0]


def test_kazakhstan_regions_in_both_languages() -> None:
    """The shipped data names every region in Russian and Kazakh, when it has the columns."""
    from optimizer.domain.instance import load_instance

    inst = load_instance(KZ)
    if not inst.region_names:
        pytest.skip("instances/kazakhstan has no region_ru/region_kk columns yet")
    assert set(inst.region_names) == {"ru", "kk"}
    assert all(CYRILLIC.search(r) for lang in ("ru", "kk") for r in inst.region_names[lang])


# ----------------------------------------------------------------------------- interrupts


@pytest.mark.parametrize(("args", "env", "word"), [
    (["--lang", "kk"], {}, "тоқтатылды"),
    ([], {"MONOTOWNS_LANG": "ru"}, "прервано"),
    (["--lang=ru"], {}, "прервано"),
])  # fmt: skip
def test_interrupt_in_the_language(args: list[str], env: dict[str, str], word: str) -> None:
    """Ctrl-C during the imports is answered in the run's language: the entry point
    reads its words before the heavy imports, as the CLI will choose it. The interrupt
    comes when the CLI's first heavy import (typer) is done, whatever the machine's load
    (`-X importtime` says when; its lines are left out of what the user would see)."""
    base = {k: v for k, v in os.environ.items() if k != "MONOTOWNS_LANG"}
    code, err = interrupted_after("typer", ["solve", str(TINY), *args], {**base, **env})
    assert code == 130, err
    assert err == word + "\n", err
