"""`monotowns generate`: a synthetic instance of any size."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from optimizer.cli.common import LangOpt, err, guarded
from optimizer.i18n import N_


def generate(
    outdir: Annotated[
        Path, typer.Argument(help=N_("Folder to create (must not exist or be empty)."))
    ],
    towns: Annotated[int, typer.Option("--towns", "-n", min=1, help=N_("Number of towns."))],
    seed: Annotated[
        int, typer.Option("--seed", help=N_("Random seed (same seed, same files)."))
    ] = 0,
    criteria: Annotated[
        int,
        typer.Option("--criteria", min=2, max=3, help=N_("2 (jobs, population) or 3 (+ firms).")),
    ] = 2,
    projects: Annotated[
        int, typer.Option("--projects", min=0, help=N_("Add projects.csv with N projects."))
    ] = 0,
    lines: Annotated[
        int,
        typer.Option("--lines", min=0, help=N_("K funding lines besides the budget (projects).")),
    ] = 0,
    integer_criteria: Annotated[
        bool, typer.Option("--integer-criteria", help=N_("Projects' effects in whole numbers."))
    ] = False,
    cells: Annotated[
        bool,
        typer.Option("--cells/--no-cells", help=N_("--no-cells: only projects can contribute.")),
    ] = True,
    lang: LangOpt = None,
) -> None:
    """Write a synthetic instance of any size that passes `validate`."""
    from optimizer.generate import generate_instance

    with guarded():
        path = generate_instance(outdir, towns=towns, seed=seed, criteria=criteria,
                                 projects=projects, lines=lines,
                                 integer_criteria=integer_criteria, cells=cells)  # fmt: skip
    size = sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
    from optimizer.outputs.terminal import generated_line

    err.print(generated_line(path, towns, size))
