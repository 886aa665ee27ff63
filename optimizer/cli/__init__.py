"""The `monotowns` command: parse, call one core function, print.

Core code never prints or exits; domain errors become exit codes here only:
0 success, 2 bad input, 3 infeasible, 1 anything else. Messages and progress go
to standard error; `--format json|csv` output goes to standard output.

One module per command; this module only names them (the order is `--help`'s).
"""

from __future__ import annotations

import os
import sys

import typer

from optimizer.cli import (
    compare,
    explain,
    generate,
    pareto,
    report,
    solve,
    sweep,
    uncertainty,
    validate,
)
from optimizer.cli.common import err

app = typer.Typer(
    name="monotowns",
    help="Exact budget allocation for single-industry towns (monotowns).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("validate")(validate.validate)
app.command("solve")(solve.solve)
app.command("generate")(generate.generate)
app.command("pareto")(pareto.pareto)
app.command("compare")(compare.compare_command)
app.command("explain")(explain.explain_command)
app.command("report")(report.report_command)
app.command("sweep")(sweep.sweep)
app.command("uncertainty")(uncertainty.uncertainty)


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
