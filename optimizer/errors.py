"""Domain errors. Core code raises these; only the CLI turns them into exit codes."""

from __future__ import annotations


class OptimizerError(Exception):
    """Anything that stops a run; exit code 1 unless a subclass says otherwise."""

    exit_code = 1


class InstanceError(OptimizerError):
    """Bad input: a file, row, column or key is wrong (exit code 2).

    The message is one line that names the file and the row/column or key, so a
    budget officer can open the file and fix it.
    """

    exit_code = 2

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or [message]


class InfeasibleError(OptimizerError):
    """The scenario's rules cannot all hold (exit code 3). Carries the diagnosis."""

    exit_code = 3

    def __init__(self, message: str, diagnosis: object | None = None) -> None:
        super().__init__(message)
        self.diagnosis = diagnosis


class SolverError(OptimizerError):
    """The solver stopped without a proven optimum (time limit, numerical trouble, unbounded)."""

    exit_code = 1
