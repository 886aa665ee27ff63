"""The console entry point: Ctrl-C is answered before anything heavy is imported.

An interrupt must end a run at once with one line and exit code 130, whatever is
running: an import (typer, rich, numpy and highspy take 0.2 s or more), a loop of
re-solves, or a pool of worker processes. The handler therefore does not unwind
the stack: results are written through a staging folder that is only ever swapped
in whole (`optimizer.outputs.files`), the next run removes a staging folder left
behind, and the lock is a `flock` the kernel drops with the process. Worker
processes are ended by the parent; they never answer Ctrl-C themselves.

This module imports only the standard library, so the handler is in place within
the first milliseconds of the process.
"""

from __future__ import annotations

import os
import signal
import sys
from types import FrameType

MAIN_PID = os.getpid()


def interrupted(signum: int, frame: FrameType | None) -> None:
    if os.getpid() != MAIN_PID:  # a forked child with the parent's handler: end quietly
        os._exit(130)
    mp = sys.modules.get("multiprocessing")
    if mp is not None:
        for child in mp.active_children():
            child.kill()
    tty = sys.stderr.isatty()
    # A live progress display hides the cursor and owns the current line.
    os.write(2, (b"\r\x1b[K\x1b[?25h" if tty else b"") + b"interrupted\n")
    os._exit(130)


def main() -> None:
    signal.signal(signal.SIGINT, interrupted)
    # multiprocessing's resource tracker (a helper process of the worker pool, started
    # with the interpreter's -W options) outlives an interrupted run, cleans up the
    # pool's semaphores and warns that it had to: that cleanup is expected here, and
    # its warning would be a second line after "interrupted".
    sys.warnoptions.append("ignore:resource_tracker:UserWarning")
    from optimizer.cli import main as cli_main

    cli_main()
