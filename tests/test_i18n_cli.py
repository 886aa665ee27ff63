"""Every command speaks Russian and Kazakh (issue 17): its tables, prose, notes and
progress, its `--help`, and typer's own words around them (the usage line, "Error",
"No such option", "Missing argument", ...). Under `--lang ru|kk` no English word
is printed besides identifiers (ids of the data, rule and file names, option names
and values); numbers follow the language. English output is what it always was
(the other CLI tests compare it byte for byte).
"""

from __future__ import annotations

import ast
import gettext
import re
import string
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from typer.testing import CliRunner

from optimizer.cli import app
from optimizer.i18n import LIBRARY_DOMAIN, LOCALE_DIR, speaking
from tests.test_i18n import identifiers

REPO = Path(__file__).resolve().parent.parent
KZ = REPO / "instances" / "kazakhstan"
SYN = REPO / "instances" / "synthetic-projects"
LANGS = ("ru", "kk")
SPEND = "programme-2014-plan-illustrative"
GROUPED = re.compile(r"\d\u00a0\d{3},\d")  # 43 200,0: a locale number with a decimal comma

# Latin words an output may hold besides the data's identifiers: option values
# (choices), file formats, programs and standards the help names, the language codes,
# the suffixes a budget takes (10.4bn) and the x of a range ([x>=1]).
ALLOWED = {
    "highs", "cbc", "table", "json", "csv", "xlsx", "quick", "full", "off",
    "weighted", "lexicographic", "epsilon", "reference", "goal", "min_budget",
    "en", "ru", "kk", "MONOTOWNS_LANG", "MONOTOWNS_DEBUG", "CSV", "JSON", "SPEC",
    "PuLP", "CBC", "LP", "MPS", "Dask", "dask", "monotowns", "sigma", "default_scenario",
    "bn", "mln", "x", "validate", "solve", "generate", "pareto", "compare", "explain",
    "report", "sweep", "uncertainty", "ranges", "summary", "jobs", "population",
    "cells",  # a flag's default shown by its name: [default: cells]
}  # fmt: skip


def data_identifiers(root: Path) -> set[str]:
    """The ids of an instance (towns, regions, measures, projects), its name, its
    scenario and spend file names and its rule names: shown as they are."""
    import tomllib

    words: set[str] = set()
    doc = tomllib.loads((root / "instance.toml").read_text(encoding="utf-8"))
    words.update(re.findall(r"[A-Za-z]+", doc["name"]))
    for f in [*(root / "scenarios").glob("*.toml"), *(root / "actual").glob("*.csv")]:
        words.update(re.findall(r"[A-Za-z]+", f.stem))
        if f.suffix == ".toml":
            for rule in tomllib.loads(f.read_text(encoding="utf-8")).get("rules", []):
                words.update(re.findall(r"[A-Za-z]+", rule.get("name", "")))
    for name in ("towns.csv", "measures.csv", "projects.csv"):
        if (root / name).exists():
            for line in (root / name).read_text(encoding="utf-8").splitlines()[1:]:
                words.update(re.findall(r"[A-Za-z]+", ",".join(line.split(",")[:2])))
    return words


ALLOWED_DATA = identifiers() | data_identifiers(KZ) | data_identifiers(SYN)


def english_words(text: str, allowed: set[str] = ALLOWED) -> set[str]:
    """Latin words of `text` that are not identifiers: option names (--budget),
    file names and paths are taken out first; a name with underscores
    (default_scenario) counts when it, or each of its parts, is an identifier."""
    text = re.sub(r"(?<![\w-])--?[A-Za-z][\w-]*", " ", text)  # option names
    text = re.sub(r"\S*/\S*", " ", text)  # paths and folders (actual/, /tmp/...)
    text = re.sub(r"[\w.-]+\.(?:csv|png|md|html|xlsx|json|toml|lp|mps)\b", " ", text)
    known = ALLOWED_DATA | allowed
    return {
        w
        for w in re.findall(r"[A-Za-z][A-Za-z_]*", text)
        if w not in known and not all(p in known for p in w.split("_") if p)
    }


def run(*args: str, lang: str) -> str:
    res = CliRunner().invoke(app, [*args, "--lang", lang], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    return res.output


# ----------------------------------------------------------------------------- every command


@pytest.mark.parametrize("lang", LANGS)
def test_validate_and_solve(lang: str) -> None:
    for args in (("validate", str(KZ)), ("solve", str(KZ), "--ranges")):
        out = run(*args, lang=lang)
        assert not english_words(out), (args, english_words(out))
    assert GROUPED.search(out)


@pytest.mark.parametrize("lang", LANGS)
def test_compare_speaks_the_language(lang: str) -> None:
    out = run("compare", str(KZ), "--actual", SPEND, lang=lang)
    assert not english_words(out), english_words(out)
    assert GROUPED.search(out)
    words = {"ru": ("оптимум меняет критерии", "Темиртау", "Создание кластерной"),
             "kk": ("өлшемдерді өзгертеді", "Теміртау", "Кластерлік инфрақұрылымды")}  # fmt: skip
    assert all(w in out for w in words[lang]), out
    out = run("compare", str(SYN), "--actual", "spend-illustrative", lang=lang)
    assert not english_words(out), english_words(out)


def test_project_changes_in_the_language() -> None:
    from types import SimpleNamespace

    from optimizer.outputs.text import project_change_lines

    pc = SimpleNamespace(kept=("P01",), dropped=(), added=("P02", "P03"), kept_cost_mln=1234.5,
                         dropped_cost_mln=0.0, added_cost_mln=20.0)  # fmt: skip
    cmp = SimpleNamespace(projects=pc)
    with speaking("en"):
        assert project_change_lines(cmp)[1] == "projects dropped: 0 (0.0 mln): none"
    with speaking("ru"):
        assert project_change_lines(cmp) == [
            "сохранённые проекты: 1 (1\u00a0234,5 млн): P01",
            "исключённые проекты: 0 (0,0 млн): нет",
            "добавленные проекты: 2 (20,0 млн): P02, P03",
        ]


@pytest.mark.parametrize("lang", LANGS)
def test_explain_speaks_the_language(lang: str) -> None:
    out = run("explain", str(KZ), "--town", "Temirtau", lang=lang)
    assert not english_words(out), english_words(out)
    region = {"ru": "Карагандинская", "kk": "Қарағанды"}[lang]  # the region by its name
    assert region in out and "Karaganda" not in out
    # a min_budget scenario: its own plan, the least budget and what one more job costs
    out = run("explain", str(KZ), "--town", "Kentau", "--scenario", "reach-2020-jobs", lang=lang)
    assert not english_words(out), english_words(out)
    assert ("наименьший бюджет" if lang == "ru" else "ең аз бюджет") in out
    out = run("explain", str(SYN), "--project", "P01", lang=lang)
    assert not english_words(out), english_words(out)
    assert ("проект 'P01'" if lang == "ru" else "'P01' жобасы") in out


@pytest.mark.parametrize("lang", LANGS)
def test_pareto_sweep_uncertainty(lang: str, tmp_path: Path) -> None:
    out = run("pareto", str(KZ), "--actual", SPEND, lang=lang)
    assert not english_words(out), english_words(out)
    assert GROUPED.search(out)
    out = run("sweep", str(KZ), "--budget", "8bn:11bn:4", lang=lang)
    assert not english_words(out), english_words(out)
    assert ("на млрд" if lang == "ru" else "млрд-қа") in out
    out = run("uncertainty", str(KZ), "--draws", "8", "--actual", SPEND, lang=lang)
    assert not english_words(out), english_words(out)
    assert ("процентиль" in out) and "P50" not in out


@pytest.mark.parametrize("lang", LANGS)
def test_generate_and_report(lang: str, tmp_path: Path) -> None:
    out = run("generate", str(tmp_path / "gen"), "--towns", "3", lang=lang)
    assert not english_words(out), english_words(out)
    out = run("report", str(KZ), "--out", str(tmp_path / "rep"), "--points", "3", lang=lang)
    assert not english_words(out), english_words(out)


def test_english_prose_unchanged() -> None:
    """The English sentences keep their words and formats (spot checks; the command
    tests compare whole outputs)."""
    out = run("compare", str(KZ), "--actual", SPEND, lang="en")
    assert "With the same 43.2 bn KZT, the optimum changes jobs +" in out
    assert "The illustrative spend is dominated: the front from (jobs " in out
    assert "Largest changes, illustrative to optimal at 43,200.0 mln" in out
    out = run("explain", str(KZ), "--town", "Temirtau", lang="en")
    assert "Temirtau (high tier, Karaganda, " in out
    assert "- retraining: gets nothing from retraining: jobs " in out
    out = run("pareto", str(KZ), lang="en")
    assert "dichotomic: " in out and " breakpoints, " in out and " LP solves, " in out


def test_explain_knows_the_town_index() -> None:
    from optimizer.analysis.explain import explain
    from optimizer.domain.instance import load_instance
    from optimizer.domain.scenario import load_scenario
    from optimizer.outputs.text import town_words

    inst = load_instance(KZ)
    ex = explain(inst, load_scenario(inst, None), "Rudny")
    assert ex.town_index == inst.towns.index("Rudny")
    with speaking("kk"):
        first = town_words(ex, inst.currency, inst)[0]
    assert first.startswith("Рудный (") and "Қостанай" in first


def test_numbers_in_prose_follow_the_language() -> None:
    from optimizer.outputs.text import gap_note, percent, significant

    with speaking("ru"):
        assert percent(0.955) == "95\u00a0%" or percent(0.955) == "96\u00a0%"
        assert significant(0.1873, 4, group=False, sign=True) == "+0,1873"
        assert "(0,5\u00a0%)" in gap_note(0.005)
    with speaking("en"):
        assert significant(-0.1873, 4, group=False, sign=True) == "-0.1873"
        assert percent(0.5) == "50%" and gap_note(0.005).startswith("--gap 0.005: ")


# ----------------------------------------------------------------------------- help and usage


def monotowns(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The console script, as a user runs it (its language is chosen before typer runs)."""
    import os

    full = {k: v for k, v in os.environ.items() if k != "MONOTOWNS_LANG"}
    full.update({"COLUMNS": "100", **(env or {})})
    code = "import sys; from optimizer.entry import main; sys.argv[0] = 'monotowns'; main()"
    return subprocess.run([sys.executable, "-c", code, *args], cwd=REPO, env=full,
                          capture_output=True, text=True)  # fmt: skip


HELP_WORDS = {
    "ru": ("Использование:", "Аргументы", "Параметры", "Показать эту справку и выйти."),
    "kk": ("Қолданылуы:", "Аргументтер", "Параметрлер", "Осы анықтаманы көрсетіп, шығу."),
}


@pytest.mark.parametrize("lang", LANGS)
def test_help_in_the_language(lang: str) -> None:
    """`--help` before `--lang` still speaks it: every command's help page, and the
    group's with its list of commands."""
    for command in ("solve", "compare", "explain", "pareto", "sweep", "uncertainty",
                    "generate", "report", "validate"):  # fmt: skip
        p = monotowns(command, "--help", "--lang", lang)
        assert p.returncode == 0, p.stderr
        assert all(w in p.stdout for w in HELP_WORDS[lang]), p.stdout
        assert not english_words(p.stdout), (command, english_words(p.stdout))
    p = monotowns("--help", env={"MONOTOWNS_LANG": lang})
    assert ("Команды" if lang == "ru" else "Командалар") in p.stdout, p.stdout
    assert not english_words(p.stdout), english_words(p.stdout)


def test_help_in_english_keeps_typers_words() -> None:
    p = monotowns("solve", "--help", env={"LANG": "C", "LC_ALL": "", "LC_MESSAGES": ""})
    assert p.returncode == 0
    for w in ("Usage: monotowns solve [OPTIONS] {instance}", "Arguments", "Options",
              "Show this message and exit.", "<path>", "[default: highs]"):  # fmt: skip
        assert w in p.stdout, (w, p.stdout)


USAGE_ERRORS = [
    (("solve", str(KZ), "--bogus"), {"ru": "Нет такого параметра: --bogus",
                                     "kk": "Мұндай параметр жоқ: --bogus"}),
    (("solve",), {"ru": "Не указан аргумент 'экземпляр'.", "kk": "'дана' аргументі берілмеген."}),
    (("solve", str(KZ), "--solver", "x"), {"ru": "не одно из значений", "kk": "мәндердің бірі емес"}),
    (("pareto", str(KZ), "--points", "1"), {"ru": "не меньше 2", "kk": "2 мәнінен кем"}),
    (("pareto", str(KZ), "--points", "abc"), {"ru": "Нужно целое число", "kk": "Бүтін сан керек"}),
    (("solve", str(KZ), "--gap", "x"), {"ru": "Нужно число", "kk": "Сан керек"}),
    (("compare", str(KZ)), {"ru": "Не указан параметр '--actual'", "kk": "параметрі берілмеген"}),
    (("solve", str(KZ), "--budget"), {"ru": "нужно значение", "kk": "мән керек"}),
    (("solve", str(KZ), "extra"), {"ru": "Лишние аргументы (extra)", "kk": "Артық аргументтер"}),
    (("solv",), {"ru": "Возможно, вы имели в виду 'solve'?", "kk": "'solve' деп жазғыңыз"}),
]  # fmt: skip


@pytest.mark.parametrize("lang", LANGS)
def test_usage_errors_in_the_language(lang: str) -> None:
    """typer's and click's usage errors: the usage line, the hint, the panel's title
    and the message, exit code 2 as always."""
    words = {"ru": ("Использование: monotowns", "Справка: 'monotowns", "Ошибка"),
             "kk": ("Қолданылуы: monotowns", "Анықтама: 'monotowns", "Қате")}[lang]  # fmt: skip
    for args, message in USAGE_ERRORS:
        p = monotowns(args[0], "--lang", lang, *args[1:])
        assert p.returncode == 2, (args, p.stderr)
        err = " ".join(p.stderr.split())  # the panel wraps long messages
        assert message[lang] in err, (args, p.stderr)
        if args != ("solve", str(KZ), "--budget"):  # an option's missing value: no usage line
            assert all(w in err for w in words), (args, p.stderr)
        assert not english_words(p.stderr, ALLOWED | {"bogus", "abc", "extra", "solv"}), (
            args, english_words(p.stderr))  # fmt: skip


def test_usage_errors_in_process() -> None:
    """The same in one process after another language: typer's words follow."""
    runner = CliRunner()
    res = runner.invoke(app, ["solve", str(KZ), "--bogus", "--lang", "kk"])
    assert res.exit_code == 2 and "Мұндай параметр жоқ: --bogus" in res.output
    assert "Қате" in res.output
    res = runner.invoke(app, ["solve", str(KZ), "--bogus", "--lang", "en"])
    assert res.exit_code == 2 and "No such option: --bogus" in res.output
    assert "Error" in res.output and "Usage: " in res.output
    res = runner.invoke(app, ["solve", "--help", "--lang", "ru"])
    assert "Использование:" in res.output and "Папка экземпляра" in res.output


def test_bad_language_is_a_usage_error() -> None:
    p = monotowns("solve", str(KZ), "--lang", "de")
    assert p.returncode == 2 and "en, ru, kk" in p.stderr


# ----------------------------------------------------------------------------- typer's catalog


def library_catalog(lang: str):
    with (LOCALE_DIR / lang / "LC_MESSAGES" / f"{LIBRARY_DOMAIN}.po").open("rb") as fh:
        return read_po(fh, locale=lang)


def fields(text: str) -> set[str]:
    return {f"{name}!{conv}" if conv else str(name)
            for _lit, name, _spec, conv in string.Formatter().parse(text) if name is not None}  # fmt: skip


@pytest.mark.parametrize("lang", LANGS)
def test_typer_catalog_is_complete(lang: str) -> None:
    """Every message the installed typer looks up with gettext is in typer.po,
    translated, not fuzzy, with the same placeholders; the .mo says the same."""
    sys.path.insert(0, str(REPO / "tools"))
    import catalogs

    cat = library_catalog(lang)
    ids = {m.id for m in cat if m.id}
    wanted = {m.id for m in catalogs.extract_library() if m.id}
    assert wanted and wanted <= ids, f"run tools/catalogs.py: {sorted(wanted - ids)}"
    mo = gettext.translation(LIBRARY_DOMAIN, localedir=LOCALE_DIR, languages=[lang])
    for m in cat:
        if not m.id:
            continue
        assert m.string and not m.fuzzy, (lang, m.id)
        assert fields(m.string) == fields(m.id), (lang, m.id, m.string)
        assert mo.gettext(m.id) == m.string, f"{lang}: typer.mo is stale"


def test_rich_words_are_typers() -> None:
    """RICH_WORDS (refreshed after a change of language) are exactly the constants
    typer.rich_utils computes with gettext."""
    import typer.rich_utils

    from optimizer.cli.common import RICH_WORDS

    tree = ast.parse(Path(typer.rich_utils.__file__).read_text(encoding="utf-8"))
    computed = {
        node.targets[0].id: node.value.args[0].value
        for node in tree.body
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)
        and getattr(node.value.func, "id", None) == "_"
    }  # fmt: skip
    assert computed == RICH_WORDS


def test_click_templates_translate_nested_parts() -> None:
    from optimizer.cli.common import click_words

    with speaking("ru"):
        got = click_words("Invalid value for '--points' / '-p': Input should be greater than "
                          "or equal to 2")  # fmt: skip
        assert got == "Недопустимое значение '--points' / '-p': Значение должно быть не меньше 2"
        assert click_words("something typer says that we do not know") == (
            "something typer says that we do not know"
        )
    with speaking("en"):
        assert click_words("No such option: --x") == "No such option: --x"


def test_library_words_follow_the_language() -> None:
    """typer's words come from the run's `typer` catalog, not from the process
    environment: its panels' words follow the language in use, English after; the
    standard library's gettext is left as it was."""
    import typer.rich_utils

    from optimizer.cli.common import library_words

    with speaking("kk"):
        library_words()
        assert typer.rich_utils.OPTIONS_PANEL_TITLE == "Параметрлер"
        assert gettext.gettext("Options") == "Options"
    library_words()
    assert typer.rich_utils.OPTIONS_PANEL_TITLE == "Options"


@pytest.mark.parametrize("lang", LANGS)
def test_typers_own_usage_errors_in_the_language(lang: str) -> None:
    """typer's usage errors made with its gettext ("Missing command.", "No such
    command ...") come from its catalog too, in process as in a console run."""
    words = {"ru": ("Не указана команда.", "Нет такой команды: 'solv'. Возможно"),
             "kk": ("Команда берілмеген.", "Мұндай команда жоқ: 'solv'. Мүмкін")}[lang]  # fmt: skip
    res = CliRunner().invoke(app, ["--lang", lang])
    assert res.exit_code == 2 and words[0] in res.output, res.output
    res = CliRunner().invoke(app, ["solv", "--lang", lang])
    assert res.exit_code == 2 and words[1] in " ".join(res.output.split()), res.output
    assert not english_words(res.output, ALLOWED | {"solv"}), english_words(res.output)


def test_command_help_is_the_function_docstring() -> None:
    """`COMMANDS` carries each command's help marked for translation; it must say what
    the command function's own docstring says (the two are kept as one text)."""
    import importlib
    import inspect

    from optimizer.cli import COMMANDS

    for name, (module, function, help_text) in COMMANDS.items():
        fn = getattr(importlib.import_module(f"optimizer.cli.{module}"), function)
        first = " ".join((inspect.getdoc(fn) or "").split("\n\n")[0].split())
        assert first == help_text, name
