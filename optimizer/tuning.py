"""How the solvers are driven: sizes and switches that change how fast an answer is
found, never what it is. One frozen object, passed in with the engine (tests and
benchmarks give their own) instead of module constants changed from outside."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Literal


def usable_cpus() -> int:
    """The CPUs this process may run on (its affinity, e.g. under `taskset`), not the
    machine's count."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # platforms without affinity
        return os.cpu_count() or 1


@dataclass(frozen=True)
class Tuning:
    # SPEC 10's even plan: `solve`'s own plan is evened on faces up to this many free
    # cells (30,000 generated towns: about 50,000, a second); above it (100,000 towns:
    # 162,000, minutes for the interior point) the solver's vertex stands and the
    # summary says so.
    solve_max_free: int = 100_000
    # Where many plans are evened (every breakpoint of a front), faces above this size
    # keep the LP's own vertex, and the output says so: with Clarabel a face of 1,600
    # free columns takes 0.1 s, so a front of 40 breakpoints stays seconds.
    many_max_free: int = 20_000
    # compare's four closest plans: CBC gives no reduced costs, so every cell column of
    # the movement LP is free there (486 on the Kazakhstan instance)
    closest_max_free: int = 50_000
    # Threads for an exact two-criteria project front: the walk from the y end runs on a
    # second HiGHS session in its own thread (highspy releases the GIL while HiGHS
    # solves); 1: one thread. At most the CPUs this process may use.
    front_threads: int = min(2, usable_cpus())
    # the walk's guesses at the next value: "auto" (by expected cost), "always", "never"
    guess: Literal["auto", "always", "never"] = "auto"
    # a side's starting plans are searched where its last this many plans agree; 0: none
    near_plans: int = 16
    # the one-solve objective of the exact two-criteria walk is used while its integer
    # values stay below this many units (far inside doubles' exact integers, 2^53)
    combined_max: float = 1e9
