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

from optimizer.cli.common import err

# name -> (module under optimizer.cli, function), in the order `--help` lists them
COMMANDS = {
    "validate": ("validate", "validate"),
    "solve": ("solve", "solve"),
    "generate": ("generate", "generate"),
    "pareto": ("pareto", "pareto"),
    "compare": ("compare", "compare_command"),
    "explain": ("explain", "explain_command"),
    "report": ("report", "report_command"),
    "sweep": ("sweep", "sweep"),
    "uncertainty": ("uncertainty", "uncertainty"),
}


def build_app(names: Sequence[str] = tuple(COMMANDS)) -> typer.Typer:
    """The Typer app with the commands `names` registered (their modules imported)."""
    built = typer.Typer(
        name="monotowns",
        help="Exact budget allocation for single-industry towns (monotowns).",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )
    # A group, even with one command registered: `monotowns solve ...` keeps its word.
    built.callback()(_group)
    for name in names:
        module, function = COMMANDS[name]
        command = getattr(importlib.import_module(f"optimizer.cli.{module}"), function)
        built.command(name)(command)
    return built


def _group() -> None:
    """Exact budget allocation for single-industry towns (monotowns)."""


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
        err.print("interrupted")
        sys.exit(130)
    except Exception as e:  # last line of defence: no traceback for users
        if os.environ.get("MONOTOWNS_DEBUG"):
            raise
        err.print(
            f"[red]internal error:[/] {type(e).__name__}: {e} (set MONOTOWNS_DEBUG=1 for a traceback)"
        )
        sys.exit(1)
