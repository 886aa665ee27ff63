"""The `monotowns` command: parse, call one core function, print.

Core code never prints or exits; domain errors become exit codes here only:
0 success, 2 bad input, 3 infeasible, 1 anything else. Messages and progress go
to standard error; `--format json|csv` output goes to standard output.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from optimizer.errors import InfeasibleError, InstanceError, OptimizerError

app = typer.Typer(
    name="monotowns",
    help="Exact budget allocation for single-industry towns (monotowns).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
err = Console(stderr=True, highlight=False, soft_wrap=True)
# Piped or captured output gets room for the wide tables instead of the 80-column default.
out = Console(highlight=False, width=None if sys.stdout.isatty() else 140)


@contextmanager
def progress_bar(
    what: str, total: int | None, unit: str = "done"
) -> Iterator[Callable[[int], None]]:
    """A transient progress display on standard error; yields `update(done)`. With a
    total: a bar and done/total; without (a count not known in advance, such as the
    LPs of an exact front): a spinner and the count so far."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        ProgressColumn,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    columns: list[ProgressColumn | str]
    if total is None:
        columns = [SpinnerColumn(), TextColumn(f"{what}: {{task.completed:,.0f}} {unit}")]
    else:
        columns = [f"[progress.description]{what}", BarColumn(), MofNCompleteColumn()]
    with Progress(*columns, TimeElapsedColumn(), console=err, transient=True) as bar:
        task = bar.add_task(what, total=total)
        yield lambda done: bar.update(task, completed=done)


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    xlsx = "xlsx"


class Solver(StrEnum):
    highs = "highs"
    cbc = "cbc"


# Shared parameters, declared once.
InstanceArg = Annotated[
    Path,
    typer.Argument(help="Instance folder (instance.toml, towns.csv, ...).", show_default=False),
]
ScenarioOpt = Annotated[
    str | None,
    typer.Option(
        "--scenario",
        "-s",
        help="Scenario name in scenarios/ (no .toml) or a path. Default: the instance's default_scenario.",
    ),
]
BudgetOpt = Annotated[
    str | None,
    typer.Option("--budget", help="Budget: millions (10400) or with a suffix (10.4bn, 850mln)."),
]
MethodOpt = Annotated[
    str | None,
    typer.Option(
        "--method", help="weighted | lexicographic | epsilon | reference | goal | min_budget"
    ),
]
WeightsOpt = Annotated[
    str | None, typer.Option("--weights", help="Criterion weights, e.g. jobs=0.7,population=0.3")
]
SolverOpt = Annotated[
    Solver, typer.Option("--solver", help="highs (default) or cbc (PuLP's bundled CBC).")
]
OutOpt = Annotated[
    Path | None,
    typer.Option("--out", "-o", help="Folder to write results into (created if missing)."),
]
ActualOpt = Annotated[
    str | None,
    typer.Option(
        "--actual",
        "-a",
        help="Actual spend: a name in the instance's actual/ (no extension) or a .csv/.xlsx path.",
    ),
]


@contextmanager
def guarded() -> Iterator[None]:
    """Turn domain errors into one line on standard error and the SPEC's exit code."""
    try:
        yield
    except InfeasibleError as e:
        err.print(f"[red]infeasible:[/] {escape(str(e))}")
        raise typer.Exit(code=e.exit_code) from None
    except OptimizerError as e:
        err.print(f"[red]error:[/] {escape(str(e))}")
        raise typer.Exit(code=e.exit_code) from None


def prepare(instance_dir: Path, scenario: str | None, budget: str | None = None,
            method: str | None = None, weights: str | None = None) -> tuple[Any, Any]:  # fmt: skip
    """Load the instance and the scenario with command-line overrides applied."""
    from optimizer.instance import load_instance
    from optimizer.scenario import apply_overrides, load_scenario

    inst = load_instance(instance_dir)
    scen = apply_overrides(load_scenario(inst, scenario), inst, budget=budget, method=method,
                           weights=weights)  # fmt: skip
    return inst, scen


# ----------------------------------------------------------------------------- validate


@app.command()
def validate(instance: InstanceArg) -> None:
    """Check every file of an instance; list every problem; exit 2 if any."""
    from optimizer.instance import load_instance
    from optimizer.scenario import load_scenario

    try:
        inst = load_instance(instance)
    except InstanceError as e:
        for p in e.problems:
            err.print(f"[red]error:[/] {escape(p)}")
        err.print(f"{len(e.problems)} problem(s) found")
        raise typer.Exit(code=2) from None
    problems = []
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


# ----------------------------------------------------------------------------- solve


@app.command()
def solve(
    instance: InstanceArg,
    scenario: ScenarioOpt = None,
    budget: BudgetOpt = None,
    method: MethodOpt = None,
    weights: WeightsOpt = None,
    solver: SolverOpt = Solver.highs,
    out_dir: OutOpt = None,
    fmt: Annotated[
        Format, typer.Option("--format", "-f", help="table | json | csv | xlsx (xlsx needs --out)")
    ] = Format.table,
    export_lp: Annotated[
        Path | None, typer.Option("--export-lp", help="Also write the model as an LP file (PuLP).")
    ] = None,
    export_mps: Annotated[
        Path | None,
        typer.Option("--export-mps", help="Also write the model as an MPS file (PuLP)."),
    ] = None,
    sensitivity: Annotated[
        bool,
        typer.Option(
            "--sensitivity/--no-sensitivity",
            help="Shadow prices in money per criterion, checked by re-solves (about 50 warm re-solves).",
        ),
    ] = True,
) -> None:
    """Solve a scenario: the exact optimal split of the budget."""
    from optimizer.methods import Engine, optimize_engine
    from optimizer.output import (
        OutputDir,
        allocation_rows,
        csv_text,
        infeasible_document,
        input_files,
        summary_document,
    )

    with guarded():
        inst, scen = prepare(instance, scenario, budget, method, weights)
        if fmt is Format.xlsx and out_dir is None:
            raise InstanceError("--format xlsx: needs --out DIR to write allocation.xlsx into")
        extra_out = [p for p in (export_lp, export_mps) if p is not None]
        inputs = input_files(inst, scen)
        for p in extra_out:
            if p.resolve() in set(inputs):
                raise InstanceError(f"{p}: would overwrite an input file")
        target = OutputDir(out_dir, inputs) if out_dir is not None else None
        names = ["allocation.csv", "summary.json"] + (
            ["allocation.xlsx"] if fmt is Format.xlsx else []
        )
        if target is not None:
            target.check(names)
        if extra_out:
            export_model(inst, scen, export_lp, export_mps)
        eng = Engine.open(inst, scen, solver.value)
        try:
            sol = optimize_engine(eng)
        except InfeasibleError as e:
            if target is not None:
                target.write_json("summary.json", infeasible_document(inst, scen, e.diagnosis))  # type: ignore[arg-type]
            if fmt is Format.json:
                out.print_json(json.dumps(infeasible_document(inst, scen, e.diagnosis)))  # type: ignore[arg-type]
            raise
        doc = summary_document(inst, scen, sol)
        report = None
        if sensitivity:
            from optimizer.sensitivity import sensitivity_report

            report = sensitivity_report(eng, sol)
            doc["sensitivity"] = report
        header, rows = allocation_rows(inst, sol.volumes)
        if target is not None:
            target.write_csv("allocation.csv", header, rows)
            target.write_json("summary.json", doc)
            if fmt is Format.xlsx:
                from optimizer.spreadsheet import allocation_workbook

                target.write_bytes("allocation.xlsx", allocation_workbook(inst, sol, doc))
        if fmt is Format.json:
            sys.stdout.write(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
        elif fmt is Format.csv:
            sys.stdout.write(csv_text(header, rows))
        else:
            from optimizer.terminal import print_all, solution_tables

            tables = solution_tables(inst, sol, shadow_prices=report is None)
            if report is not None:
                from optimizer.sensitivity import sensitivity_table

                tables.append(sensitivity_table(report))
            print_all(out, tables)
        if target is not None:
            err.print(f"wrote {', '.join(names)} to {target.path}")


def export_model(inst: Any, scen: Any, lp_path: Path | None, mps_path: Path | None) -> None:
    """Write the scenario's LP (weighted objective, payoff-normalized) through PuLP."""
    from optimizer.methods import Engine
    from optimizer.solvers import to_pulp

    eng = Engine.open(inst, scen)
    w = scen.objective.weight_vector(inst.criteria) / eng.normalizers()
    prob, _, _ = to_pulp(eng.model, eng.cost_vector(w), True)
    if lp_path is not None:
        prob.writeLP(str(lp_path))  # type: ignore[attr-defined]
    if mps_path is not None:
        prob.writeMPS(str(mps_path))  # type: ignore[attr-defined]


# ----------------------------------------------------------------------------- generate


@app.command()
def generate(
    outdir: Annotated[Path, typer.Argument(help="Folder to create (must not exist or be empty).")],
    towns: Annotated[int, typer.Option("--towns", "-n", min=1, help="Number of towns.")],
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same files).")] = 0,
    criteria: Annotated[
        int, typer.Option("--criteria", min=2, max=3, help="2 (jobs, population) or 3 (+ firms).")
    ] = 2,
) -> None:
    """Write a synthetic instance of any size that passes `validate`."""
    from optimizer.generate import generate_instance

    with guarded():
        path = generate_instance(outdir, towns=towns, seed=seed, criteria=criteria)
    size = sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
    err.print(f"wrote {path} ({towns:,} towns, {size / 1e6:.1f} MB)")


def register(modules: list[str]) -> None:
    """Commands that live in their own modules add themselves to `app` on import."""
    import importlib
    import importlib.util

    for name in modules:
        if importlib.util.find_spec(name) is not None:
            importlib.import_module(name)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)
    except Exception as e:  # last line of defence: no traceback for users
        if os.environ.get("MONOTOWNS_DEBUG"):
            raise
        err.print(
            f"[red]internal error:[/] {type(e).__name__}: {e} (set MONOTOWNS_DEBUG=1 for a traceback)"
        )
        sys.exit(1)


COMMAND_MODULES: list[str] = [
    "optimizer.cli_pareto",
    "optimizer.cli_compare",
    "optimizer.cli_sensitivity",
]
register(COMMAND_MODULES)

_: Callable[..., Any] = main
