"""`monotowns validate`: every file an instance holds, every problem listed."""

from __future__ import annotations

import typer
from rich.markup import escape

from optimizer.cli.common import InstanceArg, err
from optimizer.errors import InstanceError


def validate(instance: InstanceArg) -> None:
    """Check every file of an instance; list every problem; exit 2 if any."""
    from optimizer.domain.actual import check_actual_files
    from optimizer.domain.instance import load_instance
    from optimizer.domain.scenario import load_scenario

    try:
        inst = load_instance(instance)
    except InstanceError as e:
        for p in e.problems:
            err.print(f"[red]error:[/] {escape(p)}")
        err.print(f"{len(e.problems)} problem(s) found")
        raise typer.Exit(code=2) from None
    problems = check_actual_files(inst)
    scenarios = sorted((inst.path / "scenarios").glob("*.toml"))
    for path in scenarios:
        try:
            load_scenario(inst, path)
        except InstanceError as e:
            problems.append(str(e))
    if (
        inst.default_scenario
        and not (inst.path / "scenarios" / f"{inst.default_scenario}.toml").is_file()
    ):
        problems.append(f"{inst.path / 'instance.toml'}: key 'default_scenario': no scenario "
                        f"{inst.default_scenario!r} in scenarios/")  # fmt: skip
    for p in problems:
        err.print(f"[red]error:[/] {escape(p)}")
    if problems:
        err.print(f"{len(problems)} problem(s) found")
        raise typer.Exit(code=2)
    err.print(
        f"[green]ok:[/] {inst.name}: {inst.n_towns} towns, {inst.n_measures} measures, "
        f"{len(inst.criteria)} criteria, {len(scenarios)} scenarios"
    )
