"""The console entry point: Ctrl-C is answered before anything heavy is imported.

An interrupt must end a run at once with one line and exit code 130, whatever is
running: an import (typer, rich, numpy and highspy take 0.2 s or more), a loop of
re-solves, or a pool of worker processes. The handler therefore does not unwind
the stack: results are written through a staging folder that is only ever swapped
in whole (`optimizer.outputs.files`), the next run removes a staging folder left
behind, and the lock is a `flock` the kernel drops with the process. Worker
processes are ended by the parent; they never answer Ctrl-C themselves.

This module imports only the standard library (and `optimizer.i18n`, which imports
only the standard library, after the handler is in place), so the handler is in
place within the first milliseconds of the process. The words of the run's
language are read here, before the heavy imports, so an interrupt during them is
answered in it too; the CLI chooses the language itself, from the same command line.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from types import FrameType
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # a type only: i18n is imported once the handler is in place
    from optimizer.i18n import Language

MAIN_PID = os.getpid()
# The translations the run will speak, read before the heavy imports; None: English.
RUN_WORDS: Language | None = None


def interrupted(signum: int, frame: FrameType | None) -> None:
    if os.getpid() != MAIN_PID:  # a forked child with the parent's handler: end quietly
        os._exit(130)
    mp = sys.modules.get("multiprocessing")
    if mp is not None:
        for child in mp.active_children():
            child.kill()
    tty = sys.stderr.isatty()
    # A live progress display hides the cursor and owns the current line.
    os.write(2, (b"\r\x1b[K\x1b[?25h" if tty else b"") + interrupted_line().encode() + b"\n")
    os._exit(130)


def interrupted_line() -> str:
    """`interrupted` in the run's language (English until its words are read)."""
    # never an import here: the interrupt may have stopped one halfway
    words = RUN_WORDS
    if words is None:
        return "interrupted"
    return str(words.messages.gettext("interrupted"))


def read_language(argv: list[str]) -> None:
    """Read the words of the run's language, as the CLI will choose it: `--lang X` (or
    `--lang=X`), else MONOTOWNS_LANG, else the locale; an unknown one is left to the
    CLI to refuse. Only the interrupt line uses them: nothing is set for the run."""
    from optimizer.i18n import asked_for

    global RUN_WORDS
    with contextlib.suppress(OSError):
        RUN_WORDS = asked_for(argv)


def main() -> None:
    signal.signal(signal.SIGINT, interrupted)
    # multiprocessing's resource tracker (a helper process of the worker pool, started
    # with the interpreter's -W options) outlives an interrupted run, cleans up the
    # pool's semaphores and warns that it had to: that cleanup is expected here, and
    # its warning would be a second line after "interrupted".
    sys.warnoptions.append("ignore:resource_tracker:UserWarning")
    read_language(sys.argv[1:])
    from optimizer.cli import main as cli_main

    cli_main()
