"""What every command shares: the consoles (tables to standard output, messages and
progress to standard error), the options declared once as `Annotated` aliases, the
progress display, and `guarded()`, which turns domain errors into one line and the
SPEC's exit code (2 bad input, 3 infeasible, 1 anything else).
"""

from __future__ import annotations

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

from optimizer.errors import InfeasibleError, OptimizerError
from optimizer.i18n import _, set_language


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    xlsx = "xlsx"


class SensitivityDepth(StrEnum):
    quick = "quick"
    full = "full"
    off = "off"


class Solver(StrEnum):
    highs = "highs"
    cbc = "cbc"


class TrimmedConsole(Console):
    """A console whose lines never end in spaces (rich pads titles and captions to the
    table's width; piped into a file or a diff those pads are noise)."""

    def _render_buffer(self, buffer: Any) -> str:
        text = super()._render_buffer(buffer)
        return "\n".join(line.rstrip(" ") for line in text.split("\n"))


def out_width() -> int | None:
    """The terminal's width; when piped, $COLUMNS if set, else room for the wide tables."""
    if sys.stdout.isatty() or os.environ.get("COLUMNS", "").isdigit():
        return None
    return 140


err = TrimmedConsole(stderr=True, highlight=False, soft_wrap=True)
out = TrimmedConsole(highlight=False, width=out_width())


def say(text: str) -> None:
    """Prose on standard output: one line per sentence group, never hard-wrapped (a
    terminal wraps it at its own width; a file or a pipe gets whole lines)."""
    out.print(text, soft_wrap=True)


# Shared parameters, declared once.
def choose_language(value: str | None) -> str | None:
    """`--lang`: chosen before any other option is read (eager), so every message of
    the run, a bad option's included, is in that language. Without it:
    MONOTOWNS_LANG, else the locale (LANG, LC_ALL, LC_MESSAGES) if ru or kk, else en."""
    try:
        set_language(value)
    except ValueError as e:
        raise typer.BadParameter(str(e)) from None
    return value


LangOpt = Annotated[
    str | None,
    typer.Option(
        "--lang",
        help="Language of tables, messages, plots and reports: en, ru or kk. Default: "
        "MONOTOWNS_LANG, else your locale if it is one of them, else en. File formats, "
        "CSV columns, JSON keys and exit codes do not change.",
        callback=choose_language,
        is_eager=True,
        show_default=False,
    ),
]
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
BaselineOpt = Annotated[
    str | None,
    typer.Option(
        "--baseline",
        help="Among equally good plans, report the one closest to this actual spend (a name "
        "in actual/ or a .csv/.xlsx path) instead of the most even one (SPEC 10).",
    ),
]


class Output(StrEnum):
    table = "table"
    json = "json"


ActualRequired = Annotated[
    str,
    typer.Option(
        "--actual",
        "-a",
        help="Actual spend: a name in the instance's actual/ (no extension) or a .csv/.xlsx path.",
        show_default=False,
    ),
]
ActualOptional = Annotated[
    str | None,
    typer.Option(
        "--actual",
        "-a",
        help="Also compare this actual spend (a name in actual/ or a .csv/.xlsx path).",
    ),
]
OutputOpt = Annotated[
    Output, typer.Option("--format", "-f", help="table (default) or json on standard output.")
]


class Sheet(StrEnum):
    table = "table"
    xlsx = "xlsx"


class CompareFormat(StrEnum):
    table = "table"
    json = "json"
    xlsx = "xlsx"


SheetOpt = Annotated[
    Sheet,
    typer.Option(
        "--format", "-f", help="table (default) or xlsx: also write a workbook (needs --out)."
    ),
]
CompareFormatOpt = Annotated[
    CompareFormat,
    typer.Option(
        "--format",
        "-f",
        help="table (default), json on standard output, or xlsx: also write comparison.xlsx "
        "(needs --out).",
    ),
]


def needs_out(wanted: bool, out_dir: Path | None, name: str) -> None:
    """`--format xlsx` writes a file, so it needs `--out`."""
    from optimizer.errors import InstanceError

    if wanted and out_dir is None:
        raise InstanceError(
            _("--format xlsx: needs --out DIR to write {name} into").format(name=name)
        )


PointsOpt = Annotated[
    int,
    typer.Option(
        "--points",
        min=0,
        help="Evenly spaced points of the Pareto front shown besides its breakpoints (0: none).",
    ),
]


ForceOpt = Annotated[
    bool,
    typer.Option(
        "--force",
        help="Go past the safety limits on --points (1,000) and --draws (100,000).",
    ),
]
# Safety limits: above them a run takes many minutes and gigabytes (2,000,000 front
# points, 100,000,000 draws); --force goes past them on purpose.
MAX_POINTS = 1_000
MAX_DRAWS = 100_000


def check_points(points: int, force: bool) -> None:
    """`--points` within MAX_POINTS unless `--force` (pareto, compare, report)."""
    check_limit(
        "--points", points, MAX_POINTS, force,
        _("each point is an LP solve and a plan kept in memory"),
    )  # fmt: skip


def check_limit(option: str, value: int, limit: int, force: bool, why: str) -> None:
    """Refuse an option above its safety limit unless --force is given (exit 2)."""
    from optimizer.errors import InstanceError

    if value > limit and not force:
        from optimizer.outputs.text import fixed

        raise InstanceError(
            _(
                "{option} {value} is above the limit of {limit} ({why}); add --force to run it anyway"
            ).format(option=option, value=fixed(value, 0), limit=fixed(limit, 0), why=why)
        )


@contextmanager
def progress_bar(
    what: str, total: int | None, unit: str | None = None
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
    unit = _("done") if unit is None else unit
    if total is None:
        columns = [SpinnerColumn(), TextColumn(f"{what}: {{task.completed:,.0f}} {unit}")]
    else:
        columns = [f"[progress.description]{what}", BarColumn(), MofNCompleteColumn()]
    with Progress(*columns, TimeElapsedColumn(), console=err, transient=True) as bar:
        task = bar.add_task(what, total=total)
        yield lambda done: bar.update(task, completed=done)


@contextmanager
def guarded() -> Iterator[None]:
    """Turn domain errors into one line on standard error and the SPEC's exit code."""
    try:
        yield
    except InfeasibleError as e:
        err.print("[red]" + _("infeasible:") + f"[/] {escape(str(e))}")
        raise typer.Exit(code=e.exit_code) from None
    except OptimizerError as e:
        err.print("[red]" + _("error:") + f"[/] {escape(str(e))}")
        raise typer.Exit(code=e.exit_code) from None


GapOpt = Annotated[
    float | None,
    typer.Option(
        "--gap",
        help="Projects: accept mixed-integer answers within this relative gap (0.01 = 1%) "
        "instead of proven optima; every output says so.",
    ),
]


def prepare(instance_dir: Path, scenario: str | None, budget: str | None = None,
            method: str | None = None, weights: str | None = None,
            gap: float | None = None, baseline: str | None = None) -> tuple[Any, Any]:  # fmt: skip
    """Load the instance and the scenario with command-line overrides applied."""
    from optimizer.domain.instance import load_instance
    from optimizer.domain.scenario import apply_overrides, load_scenario
    from optimizer.outputs.text import remember_scenario

    inst = load_instance(instance_dir)
    scen = apply_overrides(load_scenario(inst, scenario), inst, budget=budget, method=method,
                           weights=weights, gap=gap, baseline=baseline)  # fmt: skip
    remember_scenario(scen.name, scen.display_names)
    if scen.mip_gap > 0:
        from optimizer.outputs.text import gap_note

        note(gap_note(scen.mip_gap))
    return inst, scen


def note(text: str) -> None:
    """A note on standard error: `note: ...` in the language in use."""
    err.print("[yellow]" + _("note:") + f"[/] {text}")


def wrote(names: list[str], folder: Path) -> None:
    """The closing line of a run that wrote files (file names stay as they are)."""
    err.print(_("wrote {files} to {folder}").format(files=", ".join(names), folder=folder))


def check_export_path(path: Path, inputs: list[Path]) -> None:
    """Before any work: `--export-lp/--export-mps` names a file we may write (exit 2)."""
    import os

    from optimizer.errors import InstanceError

    if path.resolve() in set(inputs):
        raise InstanceError(_("{path}: would overwrite an input file").format(path=path))
    if path.is_dir():
        raise InstanceError(
            _("{path}: is a folder; give a file name (e.g. {example})").format(
                path=path, example=path / "model.lp"
            )
        )
    parent = path.resolve().parent
    if not parent.is_dir():
        raise InstanceError(
            _("{path}: the folder {parent} does not exist").format(path=path, parent=parent)
        )
    try:
        limit = os.pathconf(parent, "PC_NAME_MAX")
    except (OSError, ValueError):
        limit = 255
    if len(os.fsencode(path.name)) > limit:
        raise InstanceError(
            _("{path}: the name is longer than {limit} bytes, the file system's limit").format(
                path=path, limit=limit
            )
        )
    if not os.access(parent, os.W_OK | os.X_OK):
        raise InstanceError(
            _("{path}: the folder {parent} is not writable").format(path=path, parent=parent)
        )


def export_model(inst: Any, scen: Any, lp_path: Path | None, mps_path: Path | None) -> None:
    """Write the scenario's LP (weighted objective, payoff-normalized) through PuLP, each
    file to a temporary name first, so an interrupted export leaves no half file."""
    import os

    from optimizer.lp.engine import Engine
    from optimizer.lp.pulp import to_pulp

    eng = Engine.open(inst, scen)
    w = scen.objective.weight_vector(inst.criteria) / eng.normalizers()
    prob, _cols, _rows = to_pulp(eng.model, eng.cost_vector(w), True)
    for path, write in ((lp_path, prob.writeLP), (mps_path, prob.writeMPS)):  # type: ignore[attr-defined]
        if path is None:
            continue
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            write(str(tmp))
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
