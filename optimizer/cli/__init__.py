"""The `monotowns` command: parse, call one core function, print.

Core code never prints or exits; domain errors become exit codes here only:
0 success, 2 bad input, 3 infeasible, 1 anything else. Messages and progress go
to standard error; `--format json|csv` output goes to standard output.

One module per command; this module only names them (the order is `--help`'s).
A run imports only the module of the command it runs (`monotowns solve` does not
load compare's, pareto's or the report's code), so the command starts as fast as
its own imports allow; `app` (tests, `--help`, an unknown command) has them all.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Sequence
from typing import Any

import typer

from optimizer.cli.common import LangOpt, SpeakingCommand, SpeakingGroup, err
from optimizer.i18n import N_

APP_HELP = N_("Exact budget allocation for single-industry towns (monotowns).")
# name -> (module under optimizer.cli, function, help), in the order `--help` lists
# them; the help is translated where `--help` shows it
COMMANDS = {
    "validate": ("validate", "validate",
                 N_("Check every file of an instance; list every problem; exit 2 if any.")),
    "solve": ("solve", "solve", N_("Solve a scenario: the exact optimal split of the budget.")),
    "generate": ("generate", "generate",
                 N_("Write a synthetic instance of any size that passes `validate`.")),
    "pareto": ("pareto", "pareto",
               N_("The exact efficient front: every breakpoint, evenly spaced points, the knee.")),
    "compare": ("compare", "compare_command",
                N_("Compare an actual spend with the optimum at the same budget (SPEC section 7).")),
    "explain": ("explain", "explain_command",
                N_("Why a town got what it got: each measure's next million against the margin "
                   "(or, with --project, what funding a project costs).")),
    "report": ("report", "report_command",
               N_("Write report.html (self-contained) and report.md: scenario, solution, front, "
                  "comparison.")),
    "sweep": ("sweep", "sweep",
              N_("Each criterion, and the split by tier and measure, against the budget.")),
    "uncertainty": ("uncertainty", "uncertainty",
                    N_("The plan under uncertain effects: scored and re-optimized over random "
                       "draws.")),
}  # fmt: skip


def build_app(names: Sequence[str] = tuple(COMMANDS)) -> typer.Typer:
    """The Typer app with the commands `names` registered (their modules imported).
    Its group and commands speak the language in use (optimizer.cli.common)."""
    built = typer.Typer(
        name="monotowns",
        help=APP_HELP,
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        cls=SpeakingGroup,
    )
    # A group, even with one command registered: `monotowns solve ...` keeps its word.
    built.callback()(_group)
    for name in names:
        module, function, help_text = COMMANDS[name]
        command = getattr(importlib.import_module(f"optimizer.cli.{module}"), function)
        built.command(name, help=help_text, cls=SpeakingCommand)(command)
    return built


def _group(lang: LangOpt = None) -> None:
    """Exact budget allocation for single-industry towns (monotowns); `--lang` here
    too, so `monotowns --help --lang kk` speaks Kazakh."""


def command_named(argv: Sequence[str]) -> str | None:
    """The command a command line runs, when its first word is one (else None: the
    group's own help or an unknown word, for which every command is loaded)."""
    return argv[0] if argv and argv[0] in COMMANDS else None


def __getattr__(name: str) -> Any:
    if name == "app":  # every command, built on first use
        globals()["app"] = full = build_app()
        return full
    raise AttributeError(name)


def main() -> None:
    name = command_named(sys.argv[1:])
    runner = build_app([name]) if name else build_app()
    try:
        runner()
    except KeyboardInterrupt:
        from optimizer.outputs.terminal import interrupted_line

        err.print(interrupted_line())
        sys.exit(130)
    except Exception as e:  # last line of defence: no traceback for users
        if os.environ.get("MONOTOWNS_DEBUG"):
            raise
        from optimizer.outputs.terminal import internal_error_line

        err.print(internal_error_line(e))
        sys.exit(1)
