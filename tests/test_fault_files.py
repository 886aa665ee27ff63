"""Issue 26, the files themselves: every column of every file is one the tool reads (a
did-you-mean for a near miss), one encoding rule for every file (UTF-8, a byte-order mark
allowed, anything else refused naming the file), no NUL bytes, provenance inside the
instance, and no crash on a duplicated row or a folder where a file belongs. Each case
runs through the fault corpus's checks: exit 2, one line naming the file, row or column."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from optimizer.cli import app
from tests import test_fault_corpus as corpus
from tests.test_bad_input import edit, write
from tests.test_fault_corpus import bom, both

PROVENANCE = '\n[provenance]\nderived = {{ {entry} = "a rule in SOURCES.md" }}\n'


def provenance(entry: str) -> Callable[[Path], None]:
    """`[provenance] derived` with one entry, appended to instance.toml."""

    def apply(folder: Path) -> None:
        path = folder / "instance.toml"
        path.write_text(path.read_text() + PROVENANCE.format(entry=entry))

    return apply


def encoded(name: str, text: str, encoding: str) -> Callable[[Path], None]:
    def apply(folder: Path) -> None:
        (folder / name).write_bytes(text.encode(encoding))

    return apply


def folder_for(name: str) -> Callable[[Path], None]:
    def apply(folder: Path) -> None:
        (folder / name).unlink()
        (folder / name).mkdir()

    return apply


CYRILLIC_TOWNS = "town,region,tier,population\nАлфа,Север,high,100000\nBeta,South,low,50000\n"
EFFECTS = "town,measure,jobs_per_mln\nAlpha,m1,3\n"
M1 = "m1,Employment support,grant,1.0,1000,1.0,0.5\n"

# (id, mutation, command and options, words the first line must contain)
FILES: list[tuple[str, Callable[[Path], None], list[str], list[str]]] = [
    (
        "duplicate measure row right after the original",
        edit("measures.csv", M1, M1 + M1),
        ["solve"],
        ["measures.csv", "row 3", "duplicate measure 'm1' (also row 2)"],
    ),
    (
        "towns.csv in cp1251",
        encoded("towns.csv", CYRILLIC_TOWNS, "cp1251"),
        ["solve"],
        ["towns.csv", "not UTF-8 text", "0xc0", "save it as UTF-8"],
    ),
    (
        "effects.csv in UTF-16 named by provenance",
        both(
            encoded("effects.csv", EFFECTS, "utf-16"),
            provenance('"effects.csv:jobs_per_mln"'),
        ),
        ["solve"],
        ["effects.csv", "it is UTF-16", "save it as UTF-8"],
    ),
    (
        "effects.csv in UTF-16 validated",
        encoded("effects.csv", EFFECTS, "utf-16"),
        ["validate"],
        ["effects.csv", "it is UTF-16"],
    ),
    (
        "instance.toml in cp1251",
        encoded("instance.toml", 'name = "Моногорода"\n', "cp1251"),
        ["solve"],
        ["instance.toml", "not UTF-8 text", "save it as UTF-8"],
    ),
    (
        "scenario in cp1251",
        encoded("scenarios/weighted.toml", 'name = "План"\nbudget_mln = 100\n', "cp1251"),
        ["solve"],
        ["weighted.toml", "not UTF-8 text", "save it as UTF-8"],
    ),
    (
        "instance.toml a folder",
        folder_for("instance.toml"),
        ["solve"],
        ["instance.toml", "is a folder, a file is expected"],
    ),
    (
        "tier_effects.csv a folder",
        folder_for("tier_effects.csv"),
        ["validate"],
        ["tier_effects.csv", "is a folder"],
    ),
    (
        "S5 tier_effects multiplyer",
        edit("tier_effects.csv", "eligible,multiplier", "eligible,multiplyer"),
        ["solve"],
        ["tier_effects.csv", "unknown column 'multiplyer'", "did you mean 'multiplier'?"],
    ),
    (
        "S5 tier_effects eligable",
        edit("tier_effects.csv", "eligible,multiplier", "eligable,multiplier"),
        ["solve"],
        ["tier_effects.csv", "unknown column 'eligable'", "did you mean 'eligible'?"],
    ),
    (
        "S5 measures Sigma",
        both(
            edit("measures.csv", "population_per_mln\n", "population_per_mln,Sigma\n"),
            edit("measures.csv", "1.0,0.5\n", "1.0,0.5,0.3\n"),
            edit("measures.csv", "0.2,2.0\n", "0.2,2.0,0.3\n"),
        ),
        ["solve"],
        ["measures.csv", "unknown column 'Sigma'", "did you mean 'sigma'?"],
    ),
    (
        "S5 measures a column nobody reads",
        both(
            edit("measures.csv", "population_per_mln\n", "population_per_mln,colour\n"),
            edit("measures.csv", "1.0,0.5\n", "1.0,0.5,red\n"),
            edit("measures.csv", "0.2,2.0\n", "0.2,2.0,blue\n"),
        ),
        ["solve"],
        ["measures.csv", "unknown column 'colour'", "(expected measure, label"],
    ),
    (
        "S5 towns near miss of a known column",
        both(
            edit("towns.csv", "tier,population\n", "tier,population,Region_ru\n"),
            edit("towns.csv", "100000\n", "100000,Север\n"),
            edit("towns.csv", "50000\n", "50000,Юг\n"),
        ),
        ["solve"],
        ["towns.csv", "unknown column 'Region_ru'", "did you mean 'region_ru'?"],
    ),
    (
        "S5 effects.csv near miss",
        write("effects.csv", "town,measure,jobs_per_mln,capacity_mil\nAlpha,m1,3,5\n"),
        ["solve"],
        ["effects.csv", "unknown column 'capacity_mil'", "did you mean 'capacity_mln'?"],
    ),
    (
        "S6 NUL byte in a cell",
        edit("towns.csv", "Beta,South", "Beta,So\x00uth"),
        ["solve"],
        ["towns.csv", "row 3", "column 'region'", "NUL byte"],
    ),
    (
        "S6 NUL byte in a header",
        edit("tier_effects.csv", "eligible,multiplier", "eligible,multi\x00plier"),
        ["solve"],
        ["tier_effects.csv", "row 1", "NUL byte"],
    ),
    (
        "S6 provenance outside the instance",
        provenance('"../other/towns.csv:town"'),
        ["solve"],
        ["instance.toml", "'provenance.derived.", "outside the instance folder"],
    ),
    (
        "S6 illustrative outside the instance",
        lambda f: (f / "instance.toml").write_text(
            (f / "instance.toml").read_text() + '\n[provenance]\nillustrative = ["/etc/hostname"]\n'
        ),
        ["solve"],
        ["instance.toml", "'provenance.illustrative'", "outside the instance folder"],
    ),
]


@pytest.mark.parametrize(("case", "mutate", "args", "words"), FILES, ids=[c[0] for c in FILES])
def test_fault_files(tiny_copy: Path, runner, case, mutate, args, words) -> None:
    corpus.test_fault_corpus(tiny_copy, runner, case, mutate, args, words)


def test_bom_with_provenance_on_the_first_column_is_read(tiny_copy: Path, runner) -> None:
    """A valid file was refused: the provenance check read the header without the BOM,
    so its first column was '\\ufefftown'."""
    bom("towns.csv")(tiny_copy)
    provenance('"towns.csv:town"')(tiny_copy)
    res = runner.invoke(app, ["validate", str(tiny_copy)])
    assert res.exit_code == 0, res.output


def test_towns_keep_their_extra_columns(tiny_copy: Path, runner) -> None:
    """SPEC 2: towns.csv may have any extra column; only a near miss of a known one is
    refused, so the shipped instance's `population_year`, `region_now` stay allowed."""
    edit("towns.csv", "tier,population\n", "tier,population,population_year,region_now\n")(
        tiny_copy
    )
    edit("towns.csv", "100000\n", "100000,2021,North\n")(tiny_copy)
    edit("towns.csv", "50000\n", "50000,2021,South\n")(tiny_copy)
    res = runner.invoke(app, ["validate", str(tiny_copy)])
    assert res.exit_code == 0, res.output
