"""`monotowns validate`: every file an instance holds, every problem listed."""

from __future__ import annotations

import typer

from optimizer.cli.common import InstanceArg, LangOpt, err
from optimizer.errors import InfeasibleError, InstanceError


def validate(instance: InstanceArg, lang: LangOpt = None) -> None:
    """Check every file of an instance; list every problem; exit 2 if any."""
    from optimizer.domain.actual import check_actual_files
    from optimizer.domain.instance import load_instance
    from optimizer.domain.scenario import load_scenario
    from optimizer.outputs.terminal import (
        error_line,
        no_default_scenario,
        problems_found,
        valid_line,
    )
    from optimizer.outputs.text import remember_instance

    try:
        inst = load_instance(instance)
        remember_instance(inst.name, inst.display_names)
    except InstanceError as e:
        for p in e.problems:
            err.print(error_line(p))
        err.print(problems_found(len(e.problems)))
        raise typer.Exit(code=2) from None
    problems = check_actual_files(inst)
    scenarios = sorted((inst.path / "scenarios").glob("*.toml"))
    for path in scenarios:
        try:
            load_scenario(inst, path)
        except (InstanceError, InfeasibleError) as e:
            problems.append(str(e))
    if (
        inst.default_scenario
        and not (inst.path / "scenarios" / f"{inst.default_scenario}.toml").is_file()
    ):
        problems.append(no_default_scenario(inst))
    for p in problems:
        err.print(error_line(p))
    if problems:
        err.print(problems_found(len(problems)))
        raise typer.Exit(code=2)
    err.print(valid_line(inst, len(scenarios)))
