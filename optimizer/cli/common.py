"""What every command shares: the consoles (tables to standard output, messages and
progress to standard error), the options declared once as `Annotated` aliases, the
progress display, and `guarded()`, which turns domain errors into one line and the
SPEC's exit code (2 bad input, 3 infeasible, 1 anything else).
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from typer.core import TyperCommand, TyperGroup

from optimizer.errors import InfeasibleError, OptimizerError
from optimizer.i18n import (
    N_,
    _,
    asked_for,
    current,
    language,
    rendered_in,
    set_language,
    translations,
)


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


def print_json(doc: dict[str, Any]) -> None:
    """A JSON document on standard output, indented, non-ASCII kept as it is."""
    import json

    sys.stdout.write(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")


def out_width() -> int | None:
    """The terminal's width; when piped, $COLUMNS if set, else room for the wide tables."""
    if sys.stdout.isatty() or os.environ.get("COLUMNS", "").isdigit():
        return None
    return 140


def trimmed(text: str) -> str:
    """`text` without spaces at the ends of its lines (rich pads titles and captions to
    the table's width; piped into a file or a diff those pads are noise)."""
    return "\n".join(line.rstrip(" ") for line in text.split("\n"))


class Stream:
    """Standard output or standard error, printed through a rich console made when a
    command runs (`open_consoles`), not when this module is imported: the width,
    $COLUMNS and whether the stream is a terminal are the run's (a test runner, a pipe
    or a worker process may differ from the process that imported the CLI)."""

    def __init__(self, stderr: bool) -> None:
        self.stderr = stderr
        self.made: Console | None = None

    def open(self) -> Console:
        """A console for the process's stream as it is now."""
        if self.stderr:
            self.made = Console(file=sys.stderr, stderr=True, highlight=False, soft_wrap=True)
        else:
            self.made = Console(file=sys.stdout, highlight=False, width=out_width())
        return self.made

    @property
    def console(self) -> Console:
        """The run's console (made now if no command has made one yet)."""
        return self.made or self.open()

    @property
    def width(self) -> int:
        return self.console.width

    def print(self, *objects: Any, **options: Any) -> None:
        """`Console.print`; into a pipe or a file, without spaces at the ends of lines."""
        console = self.console
        if console.is_terminal:  # shows end spaces as nothing; a live display owns its lines
            console.print(*objects, **options)
            return
        with console.capture() as captured:
            console.print(*objects, **options)
        console.file.write(trimmed(captured.get()))
        console.file.flush()


err = Stream(stderr=True)
out = Stream(stderr=False)


class ReaderMayLeave:
    """Standard output whose reader may stop reading (`... --out D | head -1`): the
    first write that finds the pipe closed points the stream at the null device and
    the run goes on quietly, so its files are still written and its exit code is the
    run's own, not a broken pipe's (which would have discarded the results)."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.gone = False

    def write(self, text: str) -> int:
        if not self.gone:
            try:
                return int(self.stream.write(text))
            except BrokenPipeError:
                self.reader_left()
        return len(text)

    def flush(self) -> None:
        if not self.gone:
            try:
                self.stream.flush()
            except BrokenPipeError:
                self.reader_left()

    def reader_left(self) -> None:
        """Later writes, and the interpreter's last flush, go to the null device."""
        self.gone = True
        with contextlib.suppress(OSError, ValueError):
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, self.stream.fileno())
            os.close(null)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


def open_consoles() -> None:
    """Make the run's consoles: called when a command (or its help) starts."""
    if not isinstance(sys.stdout, ReaderMayLeave):
        sys.stdout = ReaderMayLeave(sys.stdout)
    out.open()
    err.open()


def say(text: str) -> None:
    """Prose on standard output: one line per sentence group, never hard-wrapped (a
    terminal wraps it at its own width; a file or a pipe gets whole lines)."""
    out.print(text, soft_wrap=True)


# Shared parameters, declared once.
def choose_language(value: str | None) -> str | None:
    """`--lang`: checked before any other option is read (eager). The group chose the
    run's language from the command line before anything was parsed
    (`SpeakingGroup.main`: the last `--lang`, else MONOTOWNS_LANG, else the locale
    (LANG, LC_ALL, LC_MESSAGES) if ru or kk, else en), so every message of the run, a
    bad option's included, is in it; here a given value is only checked."""
    if value is None:
        return value
    try:
        translations(value)
    except ValueError as e:
        raise typer.BadParameter(str(e)) from None
    return value


LangOpt = Annotated[
    str | None,
    typer.Option(
        "--lang",
        help=N_(
            "Language of tables, messages, plots and reports: en, ru or kk. Default: "
            "MONOTOWNS_LANG, else your locale if it is one of them, else en. File formats, "
            "CSV columns, JSON keys and exit codes do not change."
        ),
        callback=choose_language,
        is_eager=True,
        show_default=False,
    ),
]
InstanceArg = Annotated[
    Path,
    typer.Argument(help=N_("Instance folder (instance.toml, towns.csv, ...)."), show_default=False),
]
ScenarioOpt = Annotated[
    str | None,
    typer.Option(
        "--scenario",
        "-s",
        help=N_(
            "Scenario name in scenarios/ (no .toml) or a path. Default: the instance's default_scenario."
        ),
    ),
]
BudgetOpt = Annotated[
    str | None,
    typer.Option(
        "--budget", help=N_("Budget: millions (10400) or with a suffix (10.4bn, 850mln).")
    ),
]
MethodOpt = Annotated[
    str | None,
    typer.Option(
        "--method", help=N_("weighted | lexicographic | epsilon | reference | goal | min_budget")
    ),
]
WeightsOpt = Annotated[
    str | None,
    typer.Option("--weights", help=N_("Criterion weights, e.g. jobs=0.7,population=0.3")),
]
SolverOpt = Annotated[
    Solver, typer.Option("--solver", help=N_("highs (default) or cbc (PuLP's bundled CBC)."))
]
OutOpt = Annotated[
    Path | None,
    typer.Option("--out", "-o", help=N_("Folder to write results into (created if missing).")),
]
ActualOpt = Annotated[
    str | None,
    typer.Option(
        "--actual",
        "-a",
        help=N_(
            "Actual spend: a name in the instance's actual/ (no extension) or a .csv/.xlsx path."
        ),
    ),
]
BaselineOpt = Annotated[
    str | None,
    typer.Option(
        "--baseline",
        help=N_(
            "Among equally good plans, report the one closest to this actual spend (a name "
            "in actual/ or a .csv/.xlsx path) instead of the most even one (SPEC 10)."
        ),
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
        help=N_(
            "Actual spend: a name in the instance's actual/ (no extension) or a .csv/.xlsx path."
        ),
        show_default=False,
    ),
]
ActualOptional = Annotated[
    str | None,
    typer.Option(
        "--actual",
        "-a",
        help=N_("Also compare this actual spend (a name in actual/ or a .csv/.xlsx path)."),
    ),
]
OutputOpt = Annotated[
    Output, typer.Option("--format", "-f", help=N_("table (default) or json on standard output."))
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
        "--format", "-f", help=N_("table (default) or xlsx: also write a workbook (needs --out).")
    ),
]
CompareFormatOpt = Annotated[
    CompareFormat,
    typer.Option(
        "--format",
        "-f",
        help=N_(
            "table (default), json on standard output, or xlsx: also write comparison.xlsx "
            "(needs --out)."
        ),
    ),
]


def needs_out(wanted: bool, out_dir: Path | None, name: str) -> None:
    """`--format xlsx` writes a file, so it needs `--out`."""
    from optimizer.errors import InstanceError

    if wanted and out_dir is None:
        raise InstanceError(
            _("--format xlsx: needs --out DIR to write {name} into").format(name=name)
        )


RenormalizeOpt = Annotated[
    bool,
    typer.Option(
        "--renormalize",
        help=N_(
            "Normalize the criteria by the payoff table at the budget in use, not at the "
            "scenario's own budget (with --budget, --actual or a sweep, a weight then means "
            "something else at each budget)."
        ),
    ),
]
PointsOpt = Annotated[
    int,
    typer.Option(
        "--points",
        min=0,
        help=N_(
            "Evenly spaced points of the Pareto front shown besides its breakpoints (0: none)."
        ),
    ),
]


ForceOpt = Annotated[
    bool,
    typer.Option(
        "--force",
        help=N_("Go past the safety limits on --points (1,000) and --draws (100,000)."),
    ),
]
# Safety limits: above them a run takes many minutes and gigabytes (2,000,000 front
# points, 100,000,000 draws); --force goes past them on purpose.
MAX_POINTS = 1_000
MAX_DRAWS = 100_000


POINTS_WHY = N_("each point is an LP solve and a plan kept in memory")
DRAWS_WHY = N_("each draw is an LP re-solve and a plan kept in memory")


def check_points(points: int, force: bool) -> None:
    """`--points` within MAX_POINTS unless `--force` (pareto, compare, report)."""
    check_limit("--points", points, MAX_POINTS, force, POINTS_WHY)


def check_limit(option: str, value: int, limit: int, force: bool, why: str) -> None:
    """Refuse an option above its safety limit unless --force is given (exit 2);
    `why` (marked N_()) says what each unit of the option costs."""
    from optimizer.errors import InstanceError

    if value > limit and not force:
        from optimizer.outputs.text import fixed

        raise InstanceError(
            _(
                "{option} {value} is above the limit of {limit} ({why}); add --force to run it anyway"
            ).format(option=option, value=fixed(value, 0), limit=fixed(limit, 0), why=_(why))
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
        TimeElapsedColumn,
    )
    from rich.text import Text

    from optimizer.outputs.terminal import progress_count

    words = current()  # rich draws the display from a thread of its own

    class Count(ProgressColumn):
        """`what: 1,234 unit`, the count in the language's digits (`1 234`)."""

        def render(self, task: Any) -> Text:
            return Text(rendered_in(words, progress_count, what, task.completed, unit))

    columns: list[ProgressColumn | str]
    if total is None:
        columns = [SpinnerColumn(), Count()]
    else:
        columns = [f"[progress.description]{what}", BarColumn(), MofNCompleteColumn()]
    with Progress(*columns, TimeElapsedColumn(), console=err.console, transient=True) as bar:
        task = bar.add_task(what, total=total)
        yield lambda done: bar.update(task, completed=done)


@contextmanager
def guarded() -> Iterator[None]:
    """Turn domain errors into one line on standard error and the SPEC's exit code."""
    try:
        yield
    except InfeasibleError as e:
        from optimizer.outputs.terminal import infeasible_line

        err.print(infeasible_line(str(e)))
        raise typer.Exit(code=e.exit_code) from None
    except OptimizerError as e:
        from optimizer.outputs.terminal import error_line

        err.print(error_line(str(e)))
        raise typer.Exit(code=e.exit_code) from None


GapOpt = Annotated[
    float | None,
    typer.Option(
        "--gap",
        help=N_(
            "Projects: accept mixed-integer answers within this relative gap (0.01 = 1%) "
            "instead of proven optima; every output says so."
        ),
    ),
]


def prepare(instance_dir: Path, scenario: str | None, budget: str | None = None,
            method: str | None = None, weights: str | None = None,
            gap: float | None = None, baseline: str | None = None,
            renormalize: bool = False) -> tuple[Any, Any]:  # fmt: skip
    """Load the instance and the scenario with command-line overrides applied;
    `renormalize`: the normalization ranges from the budget in use, not the
    scenario's own (SPEC 14)."""
    from optimizer.domain.instance import load_instance
    from optimizer.domain.scenario import apply_overrides, load_scenario
    from optimizer.outputs.text import remember_instance, remember_scenario

    inst = load_instance(instance_dir)
    remember_instance(inst.name, inst.display_names)
    scen = apply_overrides(load_scenario(inst, scenario), inst, budget=budget, method=method,
                           weights=weights, gap=gap, baseline=baseline)  # fmt: skip
    remember_scenario(scen.name, scen.display_names)
    if renormalize:
        scen = scen.renormalized()
    if scen.mip_gap > 0:
        from optimizer.outputs.text import gap_note

        note(gap_note(scen.mip_gap))
    return inst, scen


def note(text: str) -> None:
    """A note on standard error: `note: ...` in the language in use."""
    from optimizer.outputs.terminal import note_line

    err.print(note_line(text))


def wrote(names: list[str], folder: Path) -> None:
    """The closing line of a run that wrote files (file names stay as they are)."""
    from optimizer.outputs.terminal import wrote_line

    err.print(wrote_line(names, folder))


def show(view: Iterable[Any]) -> None:
    """Print a view of `optimizer.outputs.terminal` on standard output: its lines of
    prose unwrapped (`say`), its tables as they are."""
    for item in view:
        if isinstance(item, str):
            say(item)
        else:
            out.print(item)


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


# ----------------------------------------------------------------------------- typer's words
# typer prints words of its own around ours: the help page's frames and usage line,
# the type of each value, and the usage errors. Those it looks up with the standard
# library's gettext (which only the process environment could steer; we never write
# it) are looked up in the run's `typer` catalog (`optimizer.i18n.Language.library`)
# where typer shows them: its help and error panels' words (RICH_WORDS, set on
# typer.rich_utils when a help page or an error is drawn) and its own usage errors
# (LIBRARY_MESSAGES). The rest are fixed English in its vendored click, so the app's
# group and commands (`SpeakingGroup`, `SpeakingCommand`, registered by
# optimizer.cli.build_app) translate them where they are shown:
# - help texts (commands' and options', marked N_() where declared) when the help
#   page is drawn, so one process can show them in any language (tests);
# - the usage line's words, the help option's text, each value's type and each
#   argument's name;
# - a usage error's message, matched against the English templates below (nested
#   parts, such as the reason inside "Invalid value for ...", are translated too);
#   a message no template matches is shown as it comes.
# The group chooses the run's language from the command line before anything is
# parsed or drawn, so `solve --help --lang ru` is in Russian although `--help` comes
# first.

USAGE_WORDS = {
    "[OPTIONS]": N_("[OPTIONS]"),
    "COMMAND [ARGS]...": N_("COMMAND [ARGS]..."),
}
USAGE_PREFIX = N_("Usage: ")
HELP_OPTION = N_("Show this message and exit.")
# a value's type as typer shows it (`<str>`) -> in Russian and Kazakh; a flag shows none
TYPE_WORDS = {
    "<str>": N_("<text>"),
    "<path>": N_("<path>"),
    "<int>": N_("<integer>"),
    "<float>": N_("<number>"),
    "<int range>": N_("<integer>"),
    "<float range>": N_("<number>"),
    "<bool>": "",
}
ARGUMENT_NAMES = {"instance": N_("instance"), "outdir": N_("outdir")}
# click's and typer's usage errors and pydantic's reasons inside them (typer 0.29);
# {message} is itself translated.
CLICK_MESSAGES = (  # the first template that matches the whole message is used
    N_("{message} (Possible options: {options})"),
    N_("{message}. Did you mean {suggestions}?"),
    N_("No such option: {name}"),
    N_("Missing argument {name}."),
    N_("Missing option {name}."),
    N_("Missing parameter {name}."),
    N_("Invalid value for {name}: {message}"),
    N_("Invalid value: {message}"),
    N_("Option {name} requires an argument."),
    N_("Option {name} requires {n} arguments."),
    N_("Option {name} does not take a value."),
    N_("Got unexpected extra argument(s) ({args})"),
    N_("Value error, {message}"),
    N_("{value} is not one of {choices}."),
    N_("Input should be a valid integer, unable to parse string as an integer"),
    N_("Input should be a valid integer, got a number with a fractional part"),
    N_("Input should be a valid number, unable to parse string as a number"),
    N_("Input should be a finite number"),
    N_("Input should be a valid boolean, unable to interpret input"),
    N_("Input should be greater than or equal to {limit}"),
    N_("Input should be less than or equal to {limit}"),
    N_("Input should be greater than {limit}"),
    N_("Input should be less than {limit}"),
)
# typer.core's usage errors, made with its gettext: their words are in the `typer`
# catalog (typer.po), not ours.
LIBRARY_MESSAGES = ("Missing command.", "No such command {name!r}.")
# typer.rich_utils's words, computed with gettext when that module is imported: set
# from the run's `typer` catalog where typer is about to show them (`library_words`).
RICH_WORDS = {
    "DEPRECATED_STRING": "(deprecated) ",
    "DEFAULT_STRING": "[default: {}]",
    "ENVVAR_STRING": "[env var: {}]",
    "REQUIRED_LONG_STRING": "[required]",
    "ARGUMENTS_PANEL_TITLE": "Arguments",
    "OPTIONS_PANEL_TITLE": "Options",
    "COMMANDS_PANEL_TITLE": "Commands",
    "ERRORS_PANEL_TITLE": "Error",
    "ABORTED_TEXT": "Aborted.",
    "RICH_HELP": "Try [blue]'{command_path} {help_option}'[/] for help.",
}


def library_words() -> None:
    """typer.rich_utils's words (panel titles, "Error", "Try ... for help.") in the
    language in use, from the run's `typer` catalog. Called where typer is about to
    show them (a help page, an error, an abort): typer imports that module there
    anyway, so it is imported here first; an English run that has not loaded it
    needs nothing (typer computes them in English)."""
    words = current()
    rich_utils = sys.modules.get("typer.rich_utils")
    if rich_utils is None:
        if words.code == "en":
            return
        import typer.rich_utils as rich_utils
    for name, english in RICH_WORDS.items():
        setattr(rich_utils, name, words.library.gettext(english))


def _translated(obj: Any, attr: str, translate: Callable[[str], str]) -> None:
    """Set `obj.attr` to the translation of its English text (kept on first use)."""
    key = f"_english_{attr}"
    if key not in obj.__dict__:
        obj.__dict__[key] = getattr(obj, attr)
    english = obj.__dict__[key]
    setattr(obj, attr, translate(english) if english else english)


def speak_param(param: Any, ctx: Any) -> None:
    """A parameter's help, type and (an argument's) name in the language in use."""
    _translated(param, "help", _)
    english = language() == "en"
    if param.param_type_name == "argument":  # its name: usage line, help, errors
        declared = param.__dict__.setdefault("_english_metavar", param.metavar)
        name = ARGUMENT_NAMES.get(param.name)
        param.metavar = _(name) if declared is None and name and not english else declared
    # typer has no hook for a type's label: the parameter's own method is shadowed
    param.__dict__.pop("display_type_rich", None)
    if english or (param.param_type_name == "option" and param.metavar is not None):
        return
    word = TYPE_WORDS.get(param.display_type(ctx))
    if word is not None:
        shown = _(word) if word else ""
        param.display_type_rich = lambda ctx=None, shown=shown: shown


def speak(command: Any, ctx: Any = None) -> None:
    """The command's (a group's: and its commands') help texts and parameters in the
    language in use."""
    for cmd in (command, *getattr(command, "commands", {}).values()):
        _translated(cmd, "help", _)
        _translated(cmd, "short_help", _)
        params = list(cmd.params)
        if ctx is not None and cmd is command:
            params.append(cmd.get_help_option(ctx))
        for param in params:
            if param is not None:
                speak_param(param, ctx)


def help_page(command: Any, ctx: Any) -> None:
    """Before a help page is drawn: its texts and typer's words in the language in use."""
    speak(command, ctx)
    library_words()


def usage_line(command: Any, ctx: Any, formatter: Any) -> None:
    """The usage line in the language in use: `Использование: monotowns solve ...`."""
    pieces = [_(USAGE_WORDS[p]) if p in USAGE_WORDS else p
              for p in command.collect_usage_pieces(ctx)]  # fmt: skip
    formatter.write_usage(ctx.command_path, " ".join(pieces), prefix=_(USAGE_PREFIX))


@functools.cache
def _pattern(template: str) -> Any:
    """A template's regular expression: each {field} (or {field!r}) matches some text."""
    import re

    parts = re.split(r"(\{\w+(?:![rsa])?\})", template)
    return re.compile(
        "".join(f"(?P<{p[1:-1].partition('!')[0]}>.+?)" if p.startswith("{") else re.escape(p)
                for p in parts),
        re.DOTALL,
    )  # fmt: skip


def known_messages() -> Iterator[tuple[str, str]]:
    """Each usage error we know, in English and in the language in use: click's and
    pydantic's from our catalog, typer's own from its `typer` catalog. A field's
    conversion (`{name!r}`) is dropped from the translation: the text a message is
    matched in holds the converted value already."""
    import re

    library = current().library
    yield from ((t, _(t)) for t in CLICK_MESSAGES)
    for t in LIBRARY_MESSAGES:
        yield t, re.sub(r"\{(\w+)![rsa]\}", r"{\1}", library.gettext(t))


def click_words(message: str) -> str:
    """A usage error's message in the language in use (see CLICK_MESSAGES and
    LIBRARY_MESSAGES)."""
    if language() == "en":
        return message
    for template, translated in known_messages():
        m = _pattern(template).fullmatch(message)
        if m:
            parts = m.groupdict()
            if "message" in parts:
                parts["message"] = nested_words(parts["message"])
            return translated.format(**parts)
    return message


def nested_words(message: str) -> str:
    """A message inside another, in the language in use. typer drops the full stop of
    a message it adds a suggestion to ("No such command 'solv'. Did you mean
    'solve'?"), so a message without one is tried with it too (and shown without)."""
    shown = click_words(message)
    if shown != message or message.endswith("."):
        return shown
    shown = click_words(message + ".")
    return message if shown == message + "." else shown.removesuffix(".")


@contextmanager
def errors_in_language() -> Iterator[None]:
    """Usage errors raised inside the block leave it in the language in use, and typer's
    words around them (the error panel, an abort) are set for it."""
    # click's classes, found from typer's public BadParameter (typer 0.29 vendors click)
    usage_error: Any = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "UsageError")
    click_exception: type[Exception] = next(
        c for c in usage_error.__mro__ if c.__name__ == "ClickException"
    )
    try:
        yield
    except (KeyboardInterrupt, EOFError):  # typer answers with its abort line
        library_words()
        raise
    except click_exception as caught:
        library_words()
        e: Any = caught
        if language() == "en" or type(e).__name__ == "NoArgsIsHelpError":
            raise
        text = click_words(e.format_message())
        new: Any = (usage_error(text, getattr(e, "ctx", None)) if isinstance(e, usage_error)
                    else click_exception(text))  # fmt: skip
        new.exit_code = e.exit_code
        raise new from e


class SpeakingCommand(TyperCommand):
    """A command whose help page and usage line speak the language in use."""

    def format_usage(self, ctx: Any, formatter: Any) -> None:
        usage_line(self, ctx, formatter)

    def format_help(self, ctx: Any, formatter: Any) -> None:
        help_page(self, ctx)
        super().format_help(ctx, formatter)


class SpeakingGroup(TyperGroup):
    """The `monotowns` group: chooses the run's language from the command line, once,
    before anything is parsed, then speaks it in help pages, usage lines and usage
    errors (its commands' too). The run has a context of its own
    (`contextvars.copy_context`), so its language ends with it: a console run ends
    there; a test that runs commands does not inherit their language."""

    def main(self, args: Any = None, *rest: Any, **extra: Any) -> Any:
        import contextvars

        args = list(sys.argv[1:] if args is None else args)
        open_consoles()
        return contextvars.copy_context().run(self.run_in_language, args, *rest, **extra)

    def run_in_language(self, args: list[str], *rest: Any, **extra: Any) -> Any:
        """The run, in the language its command line asks for."""
        set_language(asked_for(args))
        speak(self)
        return super().main(args, *rest, **extra)

    def make_context(self, *args: Any, **extra: Any) -> Any:
        with errors_in_language():
            return super().make_context(*args, **extra)

    def invoke(self, ctx: Any) -> Any:
        with errors_in_language():
            return super().invoke(ctx)

    def format_usage(self, ctx: Any, formatter: Any) -> None:
        usage_line(self, ctx, formatter)

    def format_help(self, ctx: Any, formatter: Any) -> None:
        help_page(self, ctx)
        super().format_help(ctx, formatter)
