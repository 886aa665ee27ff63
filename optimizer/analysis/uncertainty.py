"""How sure are we: the plan under uncertain effect coefficients (issue 6).

Draws. The effect coefficients (`<criterion>_per_mln`, and the cell overrides of
`effects.csv`) are estimates calibrated per measure from programme-wide figures,
so their error is systematic: if a measure works a third worse than estimated, it
does so in every town. Each draw therefore multiplies `base[t, m, c]` by one
factor per (measure, criterion), shared by all towns:

    factor[m, c] = exp(sigma_m * z[m, c] - sigma_m**2 / 2),   z ~ N(0, 1) independent

Independent across criteria because jobs and residents retained are calibrated
from different published figures. The `- sigma**2 / 2` makes the factor's mean 1
(its median is exp(-sigma**2 / 2), slightly below 1): the estimates are unbiased
in expectation, so the nominal plan's expected outcome under the draws is its
nominal outcome and the gap between the two plans' means is the value of knowing
the effects. `sigma_m` is the measure's `sigma` column in measures.csv where
given, else `--sigma`; `sigma = 0` gives factors of exactly 1.

Per draw:
- `nominal`: the scenario's optimal plan (solved once, at the nominal
  coefficients) scored under the drawn coefficients (`evaluate.score_volumes`).
- `reoptimized`: the scenario's method solved again with the drawn criterion
  matrix `F_draw = criterion_matrix(instance, base=drawn)`: the same model and
  solver session with only the cost vector changed in place (and, for methods
  whose extra rows are criteria, epsilon / min_budget / reference / goal /
  lexicographic, only those extra rows rebuilt). Payoff normalizers stay at their
  nominal values for every draw: the exchange rate between criteria is the
  scenario's preference, not something that should move with the draw (and it
  saves C * C solves per draw). A draw in which the method's hard floors
  (epsilon, min_budget targets) cannot be met is `feasible = false`.
- projects (SPEC 12): how often each project is funded by the re-optimized plans
  (share of feasible draws, and its mean fraction), next to the nominal plan's
  fraction: a project the nominal plan funds that few draws keep, or one it leaves
  out that most draws fund, is a decision the effects' uncertainty puts in doubt.
- with `--actual`: the actual spend scored under the draw, and whether it is
  dominated: whether some allocation with the actual's budget cost, under the
  scenario's rules and limits, is at least as good on every criterion and better
  on one (max sum_c f_c / max(1, |fa_c|) s.t. f_c >= fa_c).

One budget (SPEC 14). A plan and an actual spend are compared at the actual's
budget cost: with `--actual` the nominal and re-optimized plans are solved at it,
unless the budget was given (`--budget`), and then at that one; the result names
the plans' budget and the actual's (`budget_mln`, `actual_budget_mln`), so no
table or figure holds numbers at two budgets without saying which. The
normalization ranges stay those of the scenario's reference budget
(`Scenario.with_budget`), so the weights mean what they mean in the scenario.

Reproducibility. Draw i uses `numpy.random.default_rng([seed, i])`, whatever
process runs it. Draws are cut into chunks of fixed size (`CHUNK`), each chunk's
sums are formed in draw order and chunks are added in chunk order, so the
worker count never changes a number. Every solve sequence of a draw starts the
solver from the same state (extra rows removed, HiGHS's solver data cleared, the
nominal weighted optimum's basis set), so a draw's solution does not depend on
which draws the same process solved before.
Workers are processes (`concurrent.futures`, each opens its own Engine once) or
the threads of a Dask cluster (`--dask ADDRESS`; each thread opens its own).
"""

from __future__ import annotations

import math
import signal
import threading
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from optimizer.analysis.compare import actual_cost, same_budget
from optimizer.domain.actual import ActualSpend
from optimizer.domain.evaluate import score_volumes
from optimizer.domain.instance import Instance
from optimizer.domain.results import Solution
from optimizer.domain.scenario import Scenario
from optimizer.errors import InfeasibleError, InstanceError, OptimizerError
from optimizer.i18n import _
from optimizer.lp.engine import Engine
from optimizer.lp.model import criterion_matrix
from optimizer.methods.describe import describe
from optimizer.methods.equal import even_plan
from optimizer.methods.scalarize import SCALARIZATIONS
from optimizer.methods.solution import optimize_engine

DEFAULT_SIGMA = 0.2
# The widest spread --sigma takes: a factor's median exp(-sigma**2 / 2) is 0.0067 at 3.2,
# 3.7e-6 at 5 (check_sigma says why none wider is a draw of effects).
MAX_SIGMA = 5.0
CHUNK = 25  # draws per task; fixed, so results do not depend on the worker count
FUNDED_MLN = 1e-6  # a cell counts as funded above this volume
PERCENTILES = (5, 50, 95)


# ----------------------------------------------------------------------------- draws


def check_sigma(sigma: float) -> float:
    """`--sigma` as given, if it is a spread a draw can be made with: finite, >= 0 and at
    most MAX_SIGMA. Above that the factor exp(sigma * z - sigma**2 / 2) of nearly every
    draw is below exp(-MAX_SIGMA**2 / 2 + 4 * MAX_SIGMA) (effects wiped out) and, far
    above, overflows or underflows to 0 and the draw's problem cannot be solved."""
    if not math.isfinite(sigma) or not 0 <= sigma <= MAX_SIGMA:
        raise InstanceError(
            _("--sigma: must be a number from 0 to {most}, got {value}").format(
                most=f"{MAX_SIGMA:g}", value=f"{sigma:g}"
            )
        )
    return sigma


def measure_sigmas(instance: Instance, sigma: float) -> np.ndarray:
    """(M,) sigma of each measure: the `sigma` column of measures.csv, else `sigma`."""
    check_sigma(sigma)
    out = np.full(instance.n_measures, float(sigma))
    if instance.measure_sigma is not None:
        given = ~np.isnan(instance.measure_sigma)
        out[given] = instance.measure_sigma[given]
    return out


def draw_factors(seed: int, draw: int, sigmas: np.ndarray, n_criteria: int) -> np.ndarray:
    """(M, C) multiplicative factors of draw `draw`: mean-one lognormal (module docstring)."""
    z = np.random.default_rng([seed, draw]).standard_normal((len(sigmas), n_criteria))
    s = sigmas[:, None]
    return np.exp(s * z - 0.5 * s * s)


# ----------------------------------------------------------------------------- one chunk


@dataclass(frozen=True, eq=False)
class Setup:
    """Everything a worker needs; pickled once per worker (or scattered to Dask)."""

    instance: Instance
    scenario: Scenario
    solver: str
    sigmas: np.ndarray  # (M,)
    seed: int
    nominal_volumes: np.ndarray  # (T, M)
    actual_volumes: np.ndarray | None  # (T, M)
    key: str  # a worker keeps one engine per key
    nominal_fractions: np.ndarray | None = None  # (P,) projects of the nominal plan
    actual_fractions: np.ndarray | None = None  # (P,) projects the actual spend funds
    actual_budget_mln: float | None = None  # the actual's budget cost, projects included


@dataclass(frozen=True, eq=False)
class ChunkResult:
    start: int
    nominal: np.ndarray  # (n, C)
    reoptimized: np.ndarray  # (n, C), NaN where infeasible
    feasible: np.ndarray  # (n,) bool
    actual: np.ndarray | None  # (n, C)
    dominated: np.ndarray | None  # (n,) bool
    funded: np.ndarray  # (T, M) count of draws funding each cell
    volume: np.ndarray  # (T, M) sum of re-optimized volumes over the chunk
    projects_funded: np.ndarray | None = None  # (P,) count of draws funding each project
    project_fractions: np.ndarray | None = None  # (P,) sum of its re-optimized fractions


_LOCAL = threading.local()


def worker_engine(setup: Setup) -> tuple[Engine, Any]:
    """This thread's engine for `setup`, opened once, and the basis every solve of a
    draw starts from: the optimal basis of the base model (no extra rows) under the
    nominal weighted objective, which for a weighted scenario is its nominal optimum."""
    cached = getattr(_LOCAL, "engine", None)
    if cached is not None and cached[0] == setup.key:
        return cached[1], cached[2]
    eng = Engine.open(setup.instance, setup.scenario, setup.solver)
    optimize_engine(eng)  # the payoff table, kept for every draw
    w = setup.scenario.objective.weight_vector(eng.criteria)
    w = (w if w.any() else np.ones(len(w))) / eng.normalizers()
    eng.run(eng.cost_vector(w))
    basis = eng.session.get_basis()
    _LOCAL.engine = (setup.key, eng, basis)
    return eng, basis


def run_chunk(setup: Setup, start: int, stop: int) -> ChunkResult:
    """Draws start..stop-1 on this thread's engine."""
    eng, basis = worker_engine(setup)
    inst, scen = setup.instance, setup.scenario
    C, n = len(inst.criteria), stop - start
    nominal = np.zeros((n, C))
    reopt = np.full((n, C), np.nan)
    feasible = np.zeros(n, dtype=bool)
    actual = np.zeros((n, C)) if setup.actual_volumes is not None else None
    dominated = np.zeros(n, dtype=bool) if setup.actual_volumes is not None else None
    funded = np.zeros((inst.n_towns, inst.n_measures), dtype=np.int64)
    volume = np.zeros((inst.n_towns, inst.n_measures))
    P = len(inst.projects) if inst.projects is not None else 0
    projects_funded = np.zeros(P, dtype=np.int64)
    project_fractions = np.zeros(P)
    method = SCALARIZATIONS[scen.objective.method].solve
    for k, i in enumerate(range(start, stop)):
        base = inst.base * draw_factors(setup.seed, i, setup.sigmas, C)[None, :, :]
        model = replace(eng.model, F=criterion_matrix(inst, base))
        # projects' effects under this draw (their measure's factor), (C, P)
        drawn_projects = model.F[:, model.n_x :]
        nominal[k] = score_volumes(inst, setup.nominal_volumes, base)
        if setup.nominal_fractions is not None:
            nominal[k] += drawn_projects @ setup.nominal_fractions
        drawn = eng.view(model=model)
        if setup.actual_volumes is not None:
            assert actual is not None and dominated is not None
            assert setup.actual_budget_mln is not None
            actual[k] = score_volumes(inst, setup.actual_volumes, base)
            if setup.actual_fractions is not None:
                actual[k] += drawn_projects @ setup.actual_fractions
            eng.restart(basis)
            dominated[k] = is_dominated(drawn, setup.actual_budget_mln, actual[k])
        eng.restart(basis)
        try:
            # the one plan among equals, so frequencies measure the effects'
            # uncertainty, not which vertex of a flat optimum the solver picked
            res = even_plan(drawn, method(drawn))
        except InfeasibleError:
            continue
        vol = np.maximum(model.volumes(res.x), 0.0)
        reopt[k] = score_volumes(inst, vol, base)
        if inst.projects is not None:
            fractions = inst.projects.clean(model.fractions(res.x))
            reopt[k] += drawn_projects @ fractions
            projects_funded += fractions > 0
            project_fractions += fractions
        feasible[k] = True
        funded += vol > FUNDED_MLN
        volume += vol
    return ChunkResult(start, nominal, reopt, feasible, actual, dominated, funded, volume,
                       projects_funded if P else None, project_fractions if P else None)  # fmt: skip


def is_dominated(drawn: Engine, Ba: float, fa: np.ndarray) -> bool:
    """Is some allocation at the actual's budget cost `Ba`, under the scenario's rules
    and limits, at least as good as `fa` on every criterion and better on one?"""
    scale = np.maximum(1.0, np.abs(fa))
    try:
        with drawn.at_budget(Ba) as at:
            floors = at.floors(dict(enumerate(map(float, fa))))
            res = at.run(at.cost_vector(1.0 / scale), True, floors)
    except InfeasibleError:
        return False
    gain = (at.criteria_of(res) - fa) / scale
    return bool(np.any(gain > 1e-6))


# ----------------------------------------------------------------------------- running


@dataclass(frozen=True, eq=False)
class UncertaintyResult:
    instance: Instance
    scenario_name: str
    method: str
    draws: int
    seed: int
    sigmas: np.ndarray  # (M,)
    nominal_criteria: np.ndarray  # (C,) at the nominal coefficients
    nominal_volumes: np.ndarray  # (T, M)
    nominal: np.ndarray  # (D, C)
    reoptimized: np.ndarray  # (D, C), NaN where infeasible
    feasible: np.ndarray  # (D,)
    actual: np.ndarray | None  # (D, C)
    dominated: np.ndarray | None  # (D,)
    frequency: np.ndarray  # (T, M) share of feasible draws funding the cell
    mean_volume: np.ndarray  # (T, M) over feasible draws
    weights: np.ndarray | None  # (C,) w / n of a weighted scenario, for the value of knowing
    budget_mln: float  # the budget the nominal and re-optimized plans are solved at
    actual_name: str | None = None
    actual_budget_mln: float | None = None  # the actual spend's budget cost
    # projects (SPEC 12): the nominal plan's fractions, the share of feasible draws whose
    # re-optimized plan funds each project, and its mean fraction over them (NaN when no
    # draw is feasible); None without projects
    nominal_fractions: np.ndarray | None = None  # (P,)
    project_frequency: np.ndarray | None = None  # (P,)
    project_mean_fraction: np.ndarray | None = None  # (P,)

    @property
    def criteria(self) -> tuple[str, ...]:
        return self.instance.criteria

    def plans(self) -> dict[str, np.ndarray]:
        out = {"nominal": self.nominal, "reoptimized": self.reoptimized}
        if self.actual is not None:
            out["actual"] = self.actual
        return out

    @property
    def actual_at_plans_budget(self) -> bool:
        """Whether the actual spend (if any) cost the plans' budget: one budget for all
        the numbers (False with --budget at another)."""
        return self.actual_budget_mln is None or same_budget(
            self.actual_budget_mln, self.budget_mln
        )

    def budgets(self) -> dict[str, float]:
        """plan -> the budget its numbers are at (mln): the plans' budget, and the
        actual spend's budget cost (the same unless `--budget` gave another)."""
        out = {"nominal": self.budget_mln, "reoptimized": self.budget_mln}
        if self.actual is not None and self.actual_budget_mln is not None:
            out["actual"] = self.actual_budget_mln
        return out

    def percentiles(self) -> dict[str, dict[str, dict[str, float | None]]]:
        """plan -> criterion -> {p5, p50, p95, mean} over the draws (feasible ones)."""
        out: dict[str, dict[str, dict[str, float | None]]] = {}
        for plan, values in self.plans().items():
            out[plan] = {}
            for j, c in enumerate(self.criteria):
                col = values[:, j]
                col = col[~np.isnan(col)]
                stats: dict[str, float | None] = dict.fromkeys(
                    [*(f"p{p}" for p in PERCENTILES), "mean"]
                )
                if len(col):
                    for p, q in zip(PERCENTILES, np.percentile(col, PERCENTILES), strict=True):
                        stats[f"p{p}"] = float(q)
                    stats["mean"] = float(col.mean())
                out[plan][c] = stats
        return out

    def value_of_knowing(self) -> dict[str, Any]:
        """Mean re-optimized minus nominal over feasible draws, per criterion and, for a
        weighted scenario, in its objective (nominal normalizers)."""
        ok = self.feasible
        diff = self.reoptimized[ok] - self.nominal[ok]
        means = {c: float(diff[:, j].mean()) if ok.any() else None
                 for j, c in enumerate(self.criteria)}  # fmt: skip
        out: dict[str, Any] = {"criteria": means}
        if self.weights is not None and ok.any():
            out["objective"] = float((diff @ self.weights).mean())
        return out

    def probability_dominated(self) -> float | None:
        return None if self.dominated is None else float(self.dominated.mean())


def run_uncertainty(
    instance: Instance,
    scenario: Scenario,
    *,
    draws: int = 1000,
    sigma: float = DEFAULT_SIGMA,
    seed: int = 0,
    workers: int = 1,
    solver: str = "highs",
    actual: ActualSpend | None = None,
    budget_given: bool = False,
    dask: str | Any | None = None,
    progress: Callable[[int], None] | None = None,
    engine: Engine | None = None,
    nominal: Solution | None = None,
) -> UncertaintyResult:
    """Score the nominal plan and re-optimize under `draws` draws (module docstring).

    `engine` and `nominal`: a study's engine and plan at the scenario's budget (the
    plan every other command shows), used as they are; otherwise solved here.

    With an `actual` spend the plans are solved at its budget cost, unless the
    scenario's budget was given (`budget_given`: `--budget`). `dask` is a scheduler
    address or a `distributed.Client`. `progress(k)` is called with the number of
    draws done. Raises InfeasibleError (with a diagnosis) if the scenario itself is
    infeasible."""
    if draws < 1:
        raise InstanceError(_("--draws: must be at least 1, got {value}").format(value=draws))
    if workers < 1:
        raise InstanceError(_("--workers: must be at least 1, got {value}").format(value=workers))
    sigmas = measure_sigmas(instance, sigma)
    spend = actual_spend(instance, actual)
    if spend is not None and not budget_given:
        scenario = scenario.with_budget(spend.budget_mln)
    eng = engine if engine is not None else Engine.open(instance, scenario, solver)
    sol = nominal if nominal is not None else optimize_engine(eng)
    weights = describe(scenario).criteria_weights(
        scenario.objective, instance.criteria, eng.normalizers()
    )
    setup = Setup(instance, scenario, solver, sigmas, int(seed), sol.volumes,
                  None if spend is None else spend.volumes, uuid.uuid4().hex, sol.fractions,
                  None if spend is None else spend.fractions,
                  None if spend is None else spend.budget_mln)  # fmt: skip
    chunks = [(a, min(a + CHUNK, draws)) for a in range(0, draws, CHUNK)]
    if dask is not None:
        results = run_on_dask(setup, chunks, dask, progress)
    elif workers > 1 and len(chunks) > 1:
        results = run_on_processes(setup, chunks, workers, progress)
    else:
        results = []
        for a, b in chunks:
            results.append(run_chunk(setup, a, b))
            if progress is not None:
                progress(b)
    return assemble(setup, results, draws, sol, weights, None if actual is None else actual.name)


@dataclass(frozen=True, eq=False)
class Spend:
    """What the draws need of an actual spend: its cell volumes (T, M), the projects it
    funds (P,) on an instance with projects, and its budget cost (both included)."""

    volumes: np.ndarray
    fractions: np.ndarray | None
    budget_mln: float


def actual_spend(instance: Instance, actual: ActualSpend | None) -> Spend | None:
    if actual is None:
        return None
    fractions = None
    if instance.projects is not None:
        fractions = np.asarray(
            actual.fractions if actual.fractions is not None else np.zeros(len(instance.projects)),
            dtype=float,
        )
    return Spend(np.asarray(actual.volume, dtype=float), fractions,
                 actual_cost(instance, actual))  # fmt: skip


def assemble(
    setup: Setup,
    results: Sequence[ChunkResult],
    draws: int,
    sol: Any,
    weights: np.ndarray | None,
    actual_name: str | None,
) -> UncertaintyResult:
    """Put chunks back in draw order; sums are added in chunk order (reproducible)."""
    results = sorted(results, key=lambda r: r.start)
    inst = setup.instance
    funded = np.zeros((inst.n_towns, inst.n_measures), dtype=np.int64)
    volume = np.zeros((inst.n_towns, inst.n_measures))
    P = len(inst.projects) if inst.projects is not None else 0
    projects_funded, project_fractions = np.zeros(P, dtype=np.int64), np.zeros(P)
    for r in results:
        funded += r.funded
        volume += r.volume
        if r.projects_funded is not None and r.project_fractions is not None:
            projects_funded += r.projects_funded
            project_fractions += r.project_fractions
    feasible = np.concatenate([r.feasible for r in results])
    n_ok = max(int(feasible.sum()), 1)
    has_actual = setup.actual_volumes is not None
    return UncertaintyResult(
        instance=inst,
        scenario_name=setup.scenario.name,
        method=setup.scenario.objective.method,
        draws=draws,
        seed=setup.seed,
        sigmas=setup.sigmas,
        nominal_criteria=np.array([sol.objectives[c] for c in inst.criteria]),
        nominal_volumes=setup.nominal_volumes,
        nominal=np.concatenate([r.nominal for r in results]),
        reoptimized=np.concatenate([r.reoptimized for r in results]),
        feasible=feasible,
        actual=np.concatenate([r.actual for r in results if r.actual is not None])
        if has_actual
        else None,
        dominated=np.concatenate([r.dominated for r in results if r.dominated is not None])
        if has_actual
        else None,
        frequency=funded / n_ok,
        mean_volume=volume / n_ok,
        weights=weights,
        budget_mln=setup.scenario.budget_mln,
        actual_name=actual_name,
        actual_budget_mln=setup.actual_budget_mln,
        nominal_fractions=setup.nominal_fractions if P else None,
        project_frequency=per_feasible_draw(projects_funded, feasible) if P else None,
        project_mean_fraction=per_feasible_draw(project_fractions, feasible) if P else None,
    )


def per_feasible_draw(total: np.ndarray, feasible: np.ndarray) -> np.ndarray:
    """A sum over the feasible draws as a mean per feasible draw; NaN when no draw is
    feasible (nothing is known then, which 0 would hide)."""
    if not feasible.any():
        return np.full(len(total), np.nan)
    return total / float(feasible.sum())


# ----------------------------------------------------------------------------- workers


_POOL_SETUP: Setup | None = None


def _init_pool(setup: Setup) -> None:
    global _POOL_SETUP
    _POOL_SETUP = setup
    worker_engine(setup)  # open the engine once, before the first chunk arrives


def _pool_chunk(start: int, stop: int) -> ChunkResult:
    assert _POOL_SETUP is not None
    return run_chunk(_POOL_SETUP, start, stop)


def run_on_processes(
    setup: Setup,
    chunks: list[tuple[int, int]],
    workers: int,
    progress: Callable[[int], None] | None,
) -> list[ChunkResult]:
    """Chunks across worker processes; each process opens its Engine once.

    `spawn`, not `fork`: the parent may run threads (the progress bar)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    ctx = multiprocessing.get_context("spawn")
    # Workers start with SIGINT blocked (the mask is inherited across fork and exec):
    # Ctrl-C reaches the whole process group, and only the parent answers it, by
    # ending its workers (optimizer.entry); a worker would print a traceback.
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        pool = ProcessPoolExecutor(
            max_workers=min(workers, len(chunks)),
            mp_context=ctx,
            initializer=_init_pool,
            initargs=(setup,),
        )
        futures = [pool.submit(_pool_chunk, a, b) for a, b in chunks]
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
    with pool:
        return gather(as_completed(futures), progress)


def gather(finished: Iterable[Any], progress: Callable[[int], None] | None) -> list[ChunkResult]:
    """Chunk results in the order they finish, reporting draws done; callers sort by draw."""
    results: list[ChunkResult] = []
    done = 0
    for fut in finished:
        r = fut.result()
        results.append(r)
        done += len(r.feasible)
        if progress is not None:
            progress(done)
    return results


def run_on_dask(
    setup: Setup,
    chunks: list[tuple[int, int]],
    dask: str | Any,
    progress: Callable[[int], None] | None,
) -> list[ChunkResult]:
    """Chunks as tasks on an existing Dask cluster (`pip install 'monotowns[dask]'`)."""
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise OptimizerError(_("--dask: needs Dask: pip install 'monotowns[dask]'")) from None
    own = isinstance(dask, str)
    client: Any = dask
    try:
        if own:
            client = Client(dask, timeout="10s")
    except OSError as e:
        raise OptimizerError(
            _("--dask: cannot reach a Dask scheduler at {address} ({error})").format(
                address=repr(dask), error=e
            )
        ) from None
    try:
        shared = client.scatter(setup, broadcast=True)
        futures = [client.submit(run_chunk, shared, a, b, pure=False) for a, b in chunks]
        return gather(as_completed(futures), progress)
    finally:
        if own:
            client.close()
