"""`monotowns validate`: every file an instance holds, every problem listed."""

from __future__ import annotations

import typer
from rich.markup import escape

from optimizer.cli.common import InstanceArg, LangOpt, err
from optimizer.errors import InstanceError
from optimizer.i18n import _, ngettext


def validate(instance: InstanceArg, lang: LangOpt = None) -> None:
    """Check every file of an instance; list every problem; exit 2 if any."""
    from optimizer.domain.actual import check_actual_files
    from optimizer.domain.instance import load_instance
    from optimizer.domain.scenario import load_scenario
    from optimizer.outputs.text import instance_title, remember_instance

    try:
        inst = load_instance(instance)
        remember_instance(inst.name, inst.display_names)
    except InstanceError as e:
        for p in e.problems:
            err.print("[red]" + _("error:") + f"[/] {escape(p)}")
        err.print(found(len(e.problems)))
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
        problems.append(
            _("{file}: key {key}: no scenario {name} in {folder}").format(
                file=inst.path / "instance.toml", key="'default_scenario'",
                name=repr(inst.default_scenario), folder="scenarios/",
            )
        )  # fmt: skip
    for p in problems:
        err.print("[red]" + _("error:") + f"[/] {escape(p)}")
    if problems:
        err.print(found(len(problems)))
        raise typer.Exit(code=2)
    counts = ", ".join(
        (
            ngettext("{n} town", "{n} towns", inst.n_towns).format(n=inst.n_towns),
            ngettext("{n} measure", "{n} measures", inst.n_measures).format(n=inst.n_measures),
            ngettext("{n} criterion", "{n} criteria", len(inst.criteria)).format(
                n=len(inst.criteria)
            ),
            ngettext("{n} scenario", "{n} scenarios", len(scenarios)).format(n=len(scenarios)),
        )
    )
    err.print("[green]" + _("ok:") + f"[/] {instance_title(inst.name)}: {counts}")


def found(n: int) -> str:
    """`3 problems found`; in English the count line keeps its old `problem(s)` form."""
    return ngettext("{n} problem(s) found", "{n} problem(s) found", n).format(n=n)
