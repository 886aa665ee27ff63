"""Synthetic instances of any size (`monotowns generate`).

A generated instance has the shape of the shipped Kazakhstan one (the same six
measures, three tiers in the programme's 6 / 19 / 2 proportions, a diminishing
returns curve) with towns drawn at random, so benchmarks and property tests can
run on 5 or 100,000 towns. The same arguments always give byte-identical files.

Every scenario is feasible by construction. Two allocations are built here and
every bound is read off them, with slack:

- `X0`, the uniform fill: every eligible cell gets the same fraction
  `f = budget / K` of its capacity (`K` is the budget cost of all eligible
  capacity), so it spends the budget exactly. The rules of `rules.toml` and
  the base rules of the other scenarios are set to hold for `X0` (floors at
  half its value, caps above it), which also makes `spend_all` feasible.
- `G_c`, a greedy fill for each criterion c: each tier spends the same money
  as under `X0`, on its cells with the best effect per unit of budget cost,
  segment by segment, within capacities scaled down so that the instrument
  limits hold. It is checked against the base rules and replaced by `X0` if it
  breaks one. Averages of these allocations are feasible too (the constraints
  are linear), so targets and epsilon levels are set below the criteria value
  of such an average.

Core code: nothing here prints. Only numpy is imported at module level so the
command line starts fast.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from optimizer.errors import InstanceError, OptimizerError
from optimizer.i18n import _

TIERS = ("high", "medium", "low")
# The 2012-2020 programme put 6 towns in high potential, 19 in medium, 2 in low.
TIER_WEIGHTS = (6, 19, 2)
WIDTHS = (0.5, 0.3, 0.2)
SEGMENT_MULTIPLIERS = (1.0, 0.6, 0.3)
TOWNS_PER_REGION = 15
POPULATION_MEDIAN = 35_000
POPULATION_SIGMA = 0.7
POPULATION_MIN = 2_000
OVERRIDE_SHARE = 0.05
BUDGET_SHARE = 0.35  # scenario budgets: this share of the budget cost of all eligible capacity


@dataclass(frozen=True)
class MeasureSpec:
    """One of the six support directions; effects are per 1 mln KZT of volume."""

    name: str
    label: str
    instrument: str
    budget_cost: float
    capacity_per_capita: int  # KZT of volume per resident
    jobs_per_mln: float
    population_ratio: float  # residents retained per job created
    firms_per_mln: float
    sigma: float

    @property
    def population_per_mln(self) -> float:
        return round(self.jobs_per_mln * self.population_ratio, 6)


# Jobs per mln follow the published cost-per-job figures the shipped instance is
# calibrated on (employment programmes ~2 mln per job, infrastructure ~13 mln,
# anchor projects ~38 mln). The population ratios differ on purpose so that the
# best measure for jobs (employment support) is not the best for population
# (asset modernization, per unit of budget cost) nor for firms (interest subsidy).
MEASURES = (
    MeasureSpec(
        "retraining",
        "Staff retraining for the comprehensive investment plan",
        "grant",
        1.0,
        3_000,
        0.35,
        1.0,
        0.02,
        0.3,
    ),
    MeasureSpec(
        "cluster_infrastructure",
        "Cluster infrastructure",
        "investment",
        1.0,
        15_000,
        0.12,
        3.0,
        0.01,
        0.35,
    ),
    MeasureSpec(
        "enterprise_support",
        "Support for town-forming enterprises (budget loan)",
        "loan",
        0.3,
        12_000,
        0.03,
        2.0,
        0.015,
        0.4,
    ),
    MeasureSpec(
        "employment_support",
        "Employment support",
        "subsidy",
        1.0,
        5_000,
        0.5,
        1.0,
        0.04,
        0.25,
    ),
    MeasureSpec(
        "asset_modernization",
        "Modernizing fixed assets (state guarantee)",
        "guarantee",
        0.15,
        8_000,
        0.04,
        3.0,
        0.005,
        0.3,
    ),
    MeasureSpec(
        "interest_subsidy",
        "Interest-rate subsidies",
        "subsidy",
        1.0,
        4_000,
        0.1,
        1.6,
        0.2,
        0.3,
    ),
)

# Effect multiplier of each tier, in the order of MEASURES: high-potential towns
# get more from investment-type measures, low-potential towns from employment
# and retraining (the differentiated approach).
TIER_MULTIPLIERS = {
    "high": (1.1, 1.3, 1.2, 0.9, 1.2, 1.2),
    "medium": (1.0, 0.9, 1.0, 1.0, 0.9, 1.0),
    "low": (1.2, 0.6, 0.7, 1.3, 0.6, 0.6),
}
INELIGIBLE = {("low", "asset_modernization"), ("low", "interest_subsidy")}
# Actual spend: budget-cost shares of the measures an illustrative programme used.
ACTUAL_SHARES = {
    "cluster_infrastructure": 0.55,
    "employment_support": 0.25,
    "enterprise_support": 0.2,
}


# ----------------------------------------------------------------------------- entry point


def generate_instance(
    outdir: str | Path,
    towns: int,
    seed: int = 0,
    criteria: int = 2,
    projects: int = 0,
    lines: int = 0,
    integer_criteria: bool = False,
    cells: bool = True,
) -> Path:
    """Write a synthetic instance of `towns` towns to `outdir` and return its path.

    `criteria` is 2 (jobs, population) or 3 (adds firms: small businesses
    supported). The folder is written under a temporary name and renamed when
    complete. Raises InstanceError for bad arguments or an `outdir` that exists
    and is not empty.
    """
    out = Path(outdir)
    if isinstance(towns, bool) or not isinstance(towns, int) or towns < 1:
        raise InstanceError(
            _("{option}: must be a whole number of at least 1, got {value}").format(
                option="--towns", value=repr(towns)
            )
        )
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise InstanceError(not_whole("--seed", seed))
    if criteria not in (2, 3):
        raise InstanceError(
            _("{option}: must be 2 or 3, got {value}").format(
                option="--criteria", value=repr(criteria)
            )
        )
    for what, v in (("--projects", projects), ("--lines", lines)):
        if isinstance(v, bool) or not isinstance(v, int) or v < 0:
            raise InstanceError(not_whole(what, v))
    if lines and not projects:
        raise InstanceError(_("--lines: funding lines need projects (--projects N)"))
    if not cells and not projects:
        raise InstanceError(
            _("--no-cells: an instance without cells needs projects (--projects N)")
        )
    check_outdir(out)
    files = build_files(towns, seed, criteria)
    if projects:
        add_projects(files, towns, seed, criteria, projects, lines, integer_criteria, cells)
    write_folder(out, files)
    return out


def not_whole(option: str, value: object) -> str:
    return _("{option}: must be a whole number >= 0, got {value}").format(
        option=option, value=repr(value)
    )


def check_outdir(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise InstanceError(_("{path}: exists and is not a folder").format(path=out))
    if out.is_dir() and any(out.iterdir()):
        raise InstanceError(
            _("{path}: the folder is not empty (choose a new or empty folder)").format(path=out)
        )


def write_folder(out: Path, files: dict[str, str]) -> None:
    """Write `files` (relative path -> text) to a sibling temporary folder, then rename it."""
    parent = out.absolute().parent
    tmp = parent / f".{out.name}.partial-{os.getpid()}"
    try:
        parent.mkdir(parents=True, exist_ok=True)
        tmp.mkdir()
    except FileExistsError:
        raise InstanceError(
            _("{path}: left over from an interrupted run; remove it").format(path=tmp)
        ) from None
    except OSError as e:
        raise OptimizerError(
            _("{path}: cannot create the folder ({reason})").format(path=out, reason=e)
        ) from None
    try:
        for rel, text in files.items():
            path = tmp / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(text.encode("utf-8"))
        check_outdir(out)
        if out.is_dir():
            out.rmdir()
        tmp.rename(out)
    except OSError as e:
        shutil.rmtree(tmp, ignore_errors=True)
        raise OptimizerError(
            _("{path}: cannot write the instance ({reason})").format(path=out, reason=e)
        ) from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


# ----------------------------------------------------------------------------- drawing


def tier_counts(n: int) -> np.ndarray:
    """Towns per tier: largest-remainder rounding of n * 6/27, 19/27, 2/27.

    With 3 or more towns every tier gets at least one town (taken from the
    largest tier), so the tier rules of the scenarios select something; from
    14 towns on this never changes the rounding.
    """
    weights = np.array(TIER_WEIGHTS, dtype=float)
    exact = n * weights / weights.sum()
    counts = np.floor(exact).astype(np.int64)
    # Ties go to the earlier tier (stable sort), so the result is fully determined.
    for i in np.argsort(-(exact - counts), kind="stable")[: n - counts.sum()]:
        counts[i] += 1
    if n >= len(TIERS):
        for i in range(len(TIERS)):
            if counts[i] == 0:
                counts[i] += 1
                counts[int(np.argmax(counts))] -= 1
    return counts


@dataclass(frozen=True, eq=False)
class Draw:
    """Everything the files are written from, as the files will read back.

    Shapes: T towns, M measures, C criteria. `base` is before the tier
    multiplier, `capacity` in mln of volume after the effects.csv overrides.
    """

    criteria: tuple[str, ...]
    names: list[str]
    region_names: list[str]
    region: np.ndarray  # (T,) index into region_names
    tier: np.ndarray  # (T,) index into TIERS
    population: np.ndarray  # (T,) int64
    unemployment: np.ndarray  # (T,) percent, one decimal
    base: np.ndarray  # (T, M, C)
    mult: np.ndarray  # (T, M)
    eligible: np.ndarray  # (T, M) bool
    capacity: np.ndarray  # (T, M)
    effects_csv: str

    @property
    def budget_cost(self) -> np.ndarray:
        return np.array([m.budget_cost for m in MEASURES])

    @property
    def coef(self) -> np.ndarray:
        """(T, M, C) first-segment effect per mln of volume, 0 where not eligible."""
        return self.base * (self.mult * self.eligible)[:, :, None]

    @property
    def usable(self) -> np.ndarray:
        """(T, M) capacity in mln of volume, 0 where not eligible."""
        return np.where(self.eligible, self.capacity, 0.0)


def criteria_names(criteria: int) -> tuple[str, ...]:
    return ("jobs", "population", "firms")[:criteria]


def measure_effects(criteria: tuple[str, ...]) -> np.ndarray:
    """(M, C) effects per mln from MEASURES."""
    cols = {
        "jobs": [m.jobs_per_mln for m in MEASURES],
        "population": [m.population_per_mln for m in MEASURES],
        "firms": [m.firms_per_mln for m in MEASURES],
    }
    return np.array([cols[c] for c in criteria], dtype=float).T


def draw(n: int, seed: int, criteria: tuple[str, ...]) -> Draw:
    """Draw towns and overrides; the order of the draws is part of the output's identity."""
    rng = np.random.default_rng(seed)
    width = len(str(n))
    names = [f"T{i:0{width}d}" for i in range(1, n + 1)]

    counts = tier_counts(n)
    tier = np.repeat(np.arange(len(TIERS)), counts)[rng.permutation(n)]

    population = np.maximum(
        np.rint(POPULATION_MEDIAN * rng.lognormal(0.0, POPULATION_SIGMA, n)), POPULATION_MIN
    ).astype(np.int64)

    n_regions = max(1, round(n / TOWNS_PER_REGION))
    rwidth = max(2, len(str(n_regions)))
    region_names = [f"R{i:0{rwidth}d}" for i in range(1, n_regions + 1)]
    # Uneven region sizes, but every region has at least one town.
    region = rng.integers(0, n_regions, n)
    region[rng.permutation(n)[:n_regions]] = np.arange(n_regions)

    unemployment = np.round(np.clip(5.0 * rng.lognormal(0.0, 0.4, n), 1.0, 25.0), 1)

    M = len(MEASURES)
    base = np.broadcast_to(measure_effects(criteria)[None], (n, M, len(criteria))).copy()
    cap_pc = np.array([m.capacity_per_capita for m in MEASURES], dtype=float)
    capacity = np.outer(population, cap_pc) / 1e6
    names_m = [m.name for m in MEASURES]
    mult_table = np.array([TIER_MULTIPLIERS[t] for t in TIERS])
    elig_table = np.array([[(t, m) not in INELIGIBLE for m in names_m] for t in TIERS])
    effects_csv = draw_overrides(rng, names, criteria, base, capacity)
    return Draw(
        criteria=criteria,
        names=names,
        region_names=region_names,
        region=region,
        tier=tier,
        population=population,
        unemployment=unemployment,
        base=base,
        mult=mult_table[tier],
        eligible=elig_table[tier],
        capacity=capacity,
        effects_csv=effects_csv,
    )


def override_count(n: int) -> int:
    """~5% of towns, but at least 3 (so that small instances use every kind of override)."""
    return min(n, max(3, round(OVERRIDE_SHARE * n)))


def draw_overrides(
    rng: np.random.Generator,
    names: list[str],
    criteria: tuple[str, ...],
    base: np.ndarray,
    capacity: np.ndarray,
) -> str:
    """effects.csv for ~5% of towns, one measure each; updates base and capacity in place.

    A row overrides the effects only, the capacity only, or jobs and capacity
    (the other effect cells empty), so every reading path of the loader is used.
    Values are rounded as written, and the arrays take the rounded values.
    """
    n, M = capacity.shape
    k = override_count(n)
    towns = np.sort(rng.choice(n, size=k, replace=False))
    measure = rng.integers(0, M, k)
    # 0 effects, 1 capacity, 2 jobs and capacity; each kind appears once k >= 3.
    kind = rng.permutation(np.arange(k) % 3)
    effect_factor = rng.lognormal(0.0, 0.3, (k, len(criteria)))
    capacity_factor = rng.lognormal(0.0, 0.4, k)
    header = ["town", "measure", *(f"{c}_per_mln" for c in criteria), "capacity_mln"]
    lines = [",".join(header)]
    for i in range(k):
        t, m = int(towns[i]), int(measure[i])
        cells = [""] * (len(criteria) + 1)
        if kind[i] in (0, 2):
            for c in range(len(criteria) if kind[i] == 0 else 1):
                text = f"{base[t, m, c] * effect_factor[i, c]:.4g}"
                base[t, m, c] = float(text)
                cells[c] = text
        if kind[i] in (1, 2):
            value = max(round(capacity[t, m] * capacity_factor[i], 3), 0.001)
            capacity[t, m] = value
            cells[-1] = f"{value:.3f}"
        lines.append(",".join([names[t], MEASURES[m].name, *cells]))
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------------- allocations


def in_order_score(volume: np.ndarray, d: Draw) -> np.ndarray:
    """(C,) criteria of volumes (T, M) that fill each cell's segments in order (SPEC 7)."""
    filled = np.zeros_like(volume)
    start = 0.0
    for w, k in zip(WIDTHS, SEGMENT_MULTIPLIERS, strict=True):
        filled += k * np.clip(volume - start * d.capacity, 0.0, w * d.capacity)
        start += w
    return np.einsum("tm,tmc->c", filled, d.coef)


def greedy_fill(
    rate: np.ndarray, usable: np.ndarray, cost: np.ndarray, group: np.ndarray, budgets: np.ndarray
) -> np.ndarray:
    """Volumes (T, M): each group of towns spends its budget on the best (cell, segment)
    items by `rate` (effect per mln of volume) per unit of budget cost.

    Items are sorted stably in (town, measure, segment) order, so a cell's
    segments, whose rates do not increase, are filled in order.
    """
    T, M = usable.shape
    widths = np.array(WIDTHS)
    seg = np.array(SEGMENT_MULTIPLIERS)
    item_cost = (usable[:, :, None] * widths * cost[None, :, None]).ravel()
    item_rate = (rate[:, :, None] * seg / cost[None, :, None]).ravel()
    item_group = np.repeat(group, M * len(widths))
    taken = np.zeros_like(item_cost)
    for g, budget in enumerate(budgets):
        idx = np.flatnonzero(item_group == g)
        order = idx[np.argsort(-item_rate[idx], kind="stable")]
        cum = np.cumsum(item_cost[order])
        k = int(np.searchsorted(cum, budget, side="right"))
        taken[order[:k]] = item_cost[order[:k]]
        if k < len(order):
            taken[order[k]] = budget - (cum[k - 1] if k else 0.0)
    return (taken.reshape(T, M, len(widths)) / cost[None, :, None]).sum(axis=2)


def floor_sig(x: float, digits: int = 3) -> float:
    """x rounded down to `digits` significant digits (0 for x <= 0): a safe floor."""
    if x <= 0 or not math.isfinite(x):
        return 0.0
    step = 10 ** (math.floor(math.log10(x)) - digits + 1)
    return round(math.floor(x / step) * step, max(0, -math.floor(math.log10(step))))


def ceil_sig(x: float, digits: int = 3) -> float:
    """x rounded up to `digits` significant digits: a safe ceiling."""
    if x <= 0 or not math.isfinite(x):
        return 0.0
    step = 10 ** (math.floor(math.log10(x)) - digits + 1)
    return round(math.ceil(x / step) * step, max(0, -math.floor(math.log10(step))))


def toml_number(x: float) -> str:
    """A TOML number: an integer where the value is whole, else the shortest float."""
    x = float(x)
    if x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return repr(x)


@dataclass(frozen=True)
class Plan:
    """The numbers the scenarios are written from (see the module docstring)."""

    budget: float
    low_floor: float | None  # min_share of the low tier, None when the tier is empty
    high_cap: float | None  # max_share of the high tier
    guarantee_limit: float
    best: dict[str, dict[str, float]]  # criterion -> criteria values of its greedy fill
    epsilon_level: dict[str, float]  # criteria values of the mix of non-jobs greedy fills
    mix_all: dict[str, float]  # criteria values of the mix of all greedy fills
    rules_toml: str


def plan_scenarios(d: Draw) -> Plan:
    cost = d.budget_cost
    usable = d.usable
    cell_cost = usable * cost  # (T, M) budget cost of each cell's whole capacity
    total = float(cell_cost.sum())
    budget = floor_sig(BUDGET_SHARE * total)
    f = budget / total
    x0 = f * usable

    tiers_cost = np.bincount(d.tier, weights=cell_cost.sum(axis=1), minlength=len(TIERS))
    tier_share = tiers_cost / total
    present = np.bincount(d.tier, minlength=len(TIERS)) > 0
    low, high = TIERS.index("low"), TIERS.index("high")
    low_floor = floor_sig(0.5 * tier_share[low], 2) if present[low] else None
    high_cap = min(1.0, ceil_sig(1.2 * tier_share[high], 2)) if present[high] else None

    instruments = [m.instrument for m in MEASURES]
    is_guarantee = np.array([i == "guarantee" for i in instruments])
    guarantee_volume = float(usable[:, is_guarantee].sum())
    guarantee_limit = ceil_sig(0.6 * guarantee_volume)

    def satisfies_base(x: np.ndarray) -> bool:
        spent = x * cost
        a = float(spent.sum())
        by_tier = np.bincount(d.tier, weights=spent.sum(axis=1), minlength=len(TIERS))
        tol = 1e-9 * max(a, 1.0)
        return (
            a <= budget + tol
            and (low_floor is None or by_tier[low] >= low_floor * a - tol)
            and (high_cap is None or by_tier[high] <= high_cap * a + tol)
            and float(x[:, is_guarantee].sum()) <= guarantee_limit + tol
            and bool(np.all(x <= usable + 1e-12))
        )

    # Scale capacities so that no allocation within them can break the guarantee limit.
    scale = np.where(is_guarantee, min(1.0, guarantee_limit / max(guarantee_volume, 1e-300)), 1.0)
    coef = d.coef
    fills = {}
    for c, name in enumerate(d.criteria):
        g = greedy_fill(coef[:, :, c], usable * scale, cost, d.tier, budget * tier_share)
        fills[name] = g if satisfies_base(g) else x0

    def scores(x: np.ndarray) -> dict[str, float]:
        return dict(zip(d.criteria, (float(v) for v in in_order_score(x, d)), strict=True))

    others = [c for c in d.criteria if c != "jobs"]
    return Plan(
        budget=budget,
        low_floor=low_floor,
        high_cap=high_cap,
        guarantee_limit=guarantee_limit,
        best={c: scores(fills[c]) for c in d.criteria},
        epsilon_level=scores(np.mean([fills[c] for c in others], axis=0)),
        mix_all=scores(np.mean(list(fills.values()), axis=0)),
        rules_toml=rules_scenario(d, x0, budget, present),
    )


# ----------------------------------------------------------------------------- scenarios

RuleValue = str | float | bool | list[str]  # a value of a [[rules]] key


def inline_table(values: dict[str, float] | dict[str, str]) -> str:
    parts = [f"{k} = {v if isinstance(v, str) else toml_number(v)}" for k, v in values.items()]
    return "{ " + ", ".join(parts) + " }"


def rule_block(fields: dict[str, RuleValue]) -> str:
    lines = ["[[rules]]"]
    for key, value in fields.items():
        if isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, str):
            text = json.dumps(value)
        elif isinstance(value, list):
            text = "[" + ", ".join(json.dumps(v) for v in value) + "]"
        else:
            text = toml_number(value)
        lines.append(f"{key} = {text}")
    return "\n".join(lines) + "\n"


def scenario_text(
    name: str,
    description: str,
    budget: float,
    objective: list[str],
    rules: list[dict[str, RuleValue]],
    limits: dict[str, float],
    spend_all: bool = False,
) -> str:
    lines = [f"name = {json.dumps(name)}", f"description = {json.dumps(description)}"]
    lines.append(f"budget_mln = {toml_number(budget)}")
    if spend_all:
        lines.append("spend_all = true")
    text = "\n".join(lines) + "\n"
    if limits:
        text += "\n[limits]\n" + "".join(f"{k} = {toml_number(v)}\n" for k, v in limits.items())
    text += "\n[objective]\n" + "".join(line + "\n" for line in objective)
    for rule in rules:
        text += "\n" + rule_block(rule)
    return text


def rules_scenario(d: Draw, x0: np.ndarray, budget: float, present: np.ndarray) -> str:
    """rules.toml: a rule of every kind and selector, spend_all, two limits; each bound is
    read off the uniform fill `x0` with slack, so `x0` satisfies them all."""
    cost = d.budget_cost
    spent = x0 * cost  # (T, M)
    town_spent = spent.sum(axis=1)
    names_m = [m.name for m in MEASURES]
    instruments = [m.instrument for m in MEASURES]
    t_low, t_med, t_high = (TIERS.index(t) for t in ("low", "medium", "high"))

    def share(mask: np.ndarray) -> float:
        return float(spent[mask].sum()) / budget

    def towns_mask(ix: np.ndarray) -> np.ndarray:
        return np.broadcast_to(ix[:, None], spent.shape)

    def measures_mask(names: list[str]) -> np.ndarray:
        return np.broadcast_to(np.isin(names_m, names)[None, :], spent.shape)

    rules: list[dict[str, RuleValue]] = []
    if present[t_low]:
        rules.append(
            {
                "name": "low-tier floor",
                "note": "half of the low tier's share of a uniform fill",
                "tier": "low",
                "min_share": floor_sig(0.5 * share(towns_mask(d.tier == t_low)), 2),
            }
        )
    if present[t_high]:
        chosen = ["employment_support", "retraining"]
        mask = towns_mask(d.tier == t_high) & measures_mask(chosen)
        rules.append(
            {
                "name": "high-tier social cap",
                "tier": "high",
                "measure": chosen,
                "max_share": min(1.0, ceil_sig(1.5 * share(mask), 2)),
            }
        )
    regions = d.region_names[:2]
    in_regions = np.isin(d.region, np.arange(len(regions)))
    rules.append(
        {
            "name": "regional floor",
            "region": regions,
            "min_mln": floor_sig(0.5 * float(spent[in_regions].sum())),
        }
    )
    is_inv = np.array([i == "investment" for i in instruments])
    rules.append(
        {
            "name": "investment ceiling",
            "instrument": "investment",
            "max_mln": ceil_sig(1.2 * float(spent[:, is_inv].sum())),
        }
    )
    grant_subsidy = np.broadcast_to(
        np.isin(instruments, ["grant", "subsidy"])[None, :], spent.shape
    )
    rules.append(
        {
            "name": "grants and subsidies floor",
            "instrument": ["grant", "subsidy"],
            "min_share": floor_sig(0.5 * share(grant_subsidy), 2),
        }
    )
    per_capita = town_spent * 1e6 / d.population
    rules.append(
        {
            "name": "per-capita floor",
            "note": "every town, in KZT per resident",
            "min_per_capita": floor_sig(0.5 * float(per_capita.min())),
        }
    )
    listed = list(range(min(2, len(d.names))))
    rules.append(
        {
            "name": "listed towns per-capita cap",
            "town": [d.names[t] for t in listed],
            "max_per_capita": ceil_sig(1.5 * float(per_capita[listed].max())),
        }
    )
    rules.append(
        {
            "name": "no town above",
            "per_town": True,
            "max_share": min(1.0, ceil_sig(2.0 * float(town_spent.max()) / budget, 2)),
        }
    )
    if present[t_med]:
        emp = names_m.index("employment_support")
        medium = d.tier == t_med
        rules.append(
            {
                "name": "medium-tier employment floor",
                "tier": "medium",
                "measure": ["employment_support"],
                "per_town": True,
                "min_mln": floor_sig(0.5 * float(spent[medium, emp].min())),
            }
        )
    volume_by = {
        i: float(d.usable[:, np.array(instruments) == i].sum()) for i in ("guarantee", "loan")
    }
    limits = {i: ceil_sig(0.6 * v) for i, v in volume_by.items()}
    weights = dict(zip(d.criteria, (0.6, 0.4, 0.2), strict=False))
    return scenario_text(
        "Rules of every kind",
        "Spends the whole budget under a rule of every kind; every bound holds for a "
        "uniform fill of the eligible capacity, so the scenario is feasible.",
        budget,
        ['method = "weighted"', f"weights = {inline_table(weights)}", 'normalize = "payoff"'],
        rules,
        limits,
        spend_all=True,
    )


def method_scenarios(d: Draw, plan: Plan) -> dict[str, str]:
    """balanced.toml and one scenario per method, all over the same base rules."""
    base_rules: list[dict[str, RuleValue]] = []
    if plan.low_floor is not None:
        base_rules.append({"name": "low-tier floor", "tier": "low", "min_share": plan.low_floor})
    if plan.high_cap is not None:
        base_rules.append({"name": "high-tier cap", "tier": "high", "max_share": plan.high_cap})
    limits = {"guarantee": plan.guarantee_limit}
    equal = inline_table({c: "1.0" for c in d.criteria})
    crit = d.criteria
    others = [c for c in crit if c != "jobs"]
    ideal = {c: floor_sig(plan.best[c][c]) for c in crit}

    def make(name: str, description: str, objective: list[str]) -> str:
        return scenario_text(name, description, plan.budget, objective, base_rules, limits)

    out = {
        "balanced": make(
            "Balanced",
            "Equal weights on every criterion, normalized by the payoff table; a floor for "
            "low-potential towns, a cap on high-potential towns and a ceiling on guarantees.",
            ['method = "weighted"', f"weights = {equal}", 'normalize = "payoff"'],
        ),
        "lexicographic": make(
            "Lexicographic",
            f"Maximize {', then '.join(crit)}, each within 1% of its best.",
            ['method = "lexicographic"', f"order = {json.dumps(list(crit))}", "tolerance = 0.01"],
        ),
        "epsilon": make(
            "Epsilon constraint",
            "Maximize jobs while every other criterion reaches 95% of what an average of "
            "greedy feasible allocations reaches.",
            [
                'method = "epsilon"',
                'primary = "jobs"',
                "epsilon = "
                + inline_table({c: floor_sig(0.95 * plan.epsilon_level[c]) for c in others}),
            ],
        ),
        "min_budget": make(
            "Least budget",
            "The least budget that reaches 60% of what an average of greedy feasible "
            "allocations reaches on every criterion.",
            [
                'method = "min_budget"',
                "targets = " + inline_table({c: floor_sig(0.6 * plan.mix_all[c]) for c in crit}),
            ],
        ),
        "reference": make(
            "Reference point",
            "Get as close as possible to the best greedy value of each criterion.",
            ['method = "reference"', f"ref = {inline_table(ideal)}", 'normalize = "payoff"'],
        ),
        "goal": make(
            "Goal programming",
            "Equal-weight shortfall below 90% of the best greedy value of each criterion.",
            [
                'method = "goal"',
                "targets = " + inline_table({c: floor_sig(0.9 * ideal[c]) for c in crit}),
                f"weights = {equal}",
                'normalize = "payoff"',
            ],
        ),
        "rules": plan.rules_toml,
    }
    return out


# ----------------------------------------------------------------------------- files


def build_files(n: int, seed: int, criteria: int) -> dict[str, str]:
    """Every file of the instance, relative path -> text."""
    crit = criteria_names(criteria)
    d = draw(n, seed, crit)
    plan = plan_scenarios(d)
    files = {
        "instance.toml": instance_toml(n, seed, crit),
        "towns.csv": towns_csv(d),
        "measures.csv": measures_csv(crit),
        "tier_effects.csv": tier_effects_csv(),
        "effects.csv": d.effects_csv,
    }
    for name, text in method_scenarios(d, plan).items():
        files[f"scenarios/{name}.toml"] = text
    files["actual/spend-illustrative.csv"] = actual_csv(d, plan.budget, seed)
    files["SOURCES.md"] = sources_md(n, seed, crit, d, plan)
    return files


def instance_toml(n: int, seed: int, crit: tuple[str, ...]) -> str:
    return (
        f"name = {json.dumps(f'Synthetic {n} towns (seed {seed})')}\n"
        f"description = {json.dumps(f'Synthetic instance: monotowns generate --towns {n} --seed {seed} --criteria {len(crit)}. Not real data.')}\n"
        'currency = "KZT"\n'
        f"criteria = {json.dumps(list(crit))}\n"
        f"tiers = {json.dumps(list(TIERS))}\n"
        'default_scenario = "balanced"\n'
        "\n[curve]\n"
        f"widths = [{', '.join(repr(float(w)) for w in WIDTHS)}]\n"
        f"multipliers = [{', '.join(repr(float(m)) for m in SEGMENT_MULTIPLIERS)}]\n"
        # SPEC section 11: the spend file is drawn, not recorded
        '\n[provenance]\nillustrative = ["actual/spend-illustrative.csv"]\n'
    )


def towns_csv(d: Draw) -> str:
    # Plain string joins: csv.writer is several times slower at 100,000 rows and the
    # generated names never need quoting.
    regions = [d.region_names[r] for r in d.region.tolist()]
    tiers = [TIERS[t] for t in d.tier.tolist()]
    rows = zip(d.names, regions, tiers, d.population.tolist(), d.unemployment.tolist(), strict=True)
    lines = ["town,region,tier,population,unemployment_pct"]
    lines += [f"{t},{r},{k},{p},{u:.1f}" for t, r, k, p, u in rows]
    return "\n".join(lines) + "\n"


def measures_csv(crit: tuple[str, ...]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    effects = measure_effects(crit)
    w.writerow(
        ["measure", "label", "instrument", "budget_cost", "capacity_per_capita"]
        + [f"{c}_per_mln" for c in crit]
        + ["sigma"]
    )
    for m, row in zip(MEASURES, effects, strict=True):
        w.writerow(
            [m.name, m.label, m.instrument, toml_number(m.budget_cost), m.capacity_per_capita]
            + [f"{v:g}" for v in row]
            + [f"{m.sigma:g}"]
        )
    return buf.getvalue()


def tier_effects_csv() -> str:
    lines = ["tier,measure,eligible,multiplier"]
    for tier in TIERS:
        for m, mult in zip(MEASURES, TIER_MULTIPLIERS[tier], strict=True):
            eligible = "false" if (tier, m.name) in INELIGIBLE else "true"
            lines.append(f"{tier},{m.name},{eligible},{mult:g}")
    return "\n".join(lines) + "\n"


def actual_csv(d: Draw, budget: float, seed: int) -> str:
    """A plausible, not optimal spend: the budget split over three measures in proportion
    to population with noise, two cells over capacity and one ineligible cell."""
    # A generator of its own, so the scenarios do not depend on how this file is drawn.
    rng = np.random.default_rng([seed, 1])
    n, M = d.capacity.shape
    names_m = [m.name for m in MEASURES]
    volume = np.zeros((n, M))
    for name, share in ACTUAL_SHARES.items():
        m = names_m.index(name)
        w = d.population * rng.lognormal(0.0, 0.3, n)
        volume[:, m] = share * budget * w / w.sum() / MEASURES[m].budget_cost
    picked = rng.choice(n, size=min(2, n), replace=False)
    emp = names_m.index("employment_support")
    volume[picked, emp] = 1.25 * d.capacity[picked, emp]  # over capacity: partly no effect
    low = np.flatnonzero(~d.eligible[:, names_m.index("asset_modernization")])
    if low.size:
        t = int(low[0])
        volume[t, names_m.index("asset_modernization")] = (
            0.1 * d.capacity[t, names_m.index("asset_modernization")]
        )
    volume = np.where(volume > 0, np.maximum(np.round(volume, 3), 0.001), 0.0)
    order = sorted(range(M), key=lambda m: names_m[m])  # measures alphabetically within a town
    sub = volume[:, order]
    rows, cols = np.nonzero(sub)
    lines = ["town,measure,amount_mln"]
    lines += [
        f"{d.names[t]},{names_m[order[m]]},{v:.3f}"
        for t, m, v in zip(rows.tolist(), cols.tolist(), sub[rows, cols].tolist(), strict=True)
    ]
    return "\n".join(lines) + "\n"


def sources_md(n: int, seed: int, crit: tuple[str, ...], d: Draw, plan: Plan) -> str:
    counts = np.bincount(d.tier, minlength=len(TIERS))
    tiers = ", ".join(f"{t} {c}" for t, c in zip(TIERS, counts.tolist(), strict=True))
    firms = (
        "\n- `firms_per_mln`: small businesses supported per mln KZT of volume (third "
        "criterion, `--criteria 3`); interest subsidies are its best measure."
        if "firms" in crit
        else ""
    )
    return f"""# Sources: synthetic instance

**Every number in this folder is synthetic.** It was made by
`monotowns generate OUTDIR --towns {n} --seed {seed} --criteria {len(crit)}`
(numpy `default_rng({seed})`); the same command writes byte-identical files.
Use it for benchmarks and tests, never for decisions.

## towns.csv

- `town`: `T` and a number from 1, zero-padded to the width of the number of towns
  (`T001`..`T100` for 100 towns).
- `region`: {len(d.region_names)} region(s) (`R01`..), about one per {TOWNS_PER_REGION} towns;
  each region gets one town, the rest are assigned uniformly at random.
- `tier`: {tiers}; the programme's 6 / 19 / 2 proportions of 27 towns, rounded by
  largest remainder (with 3 or more towns every tier has at least one), assigned by a
  seeded random permutation.
- `population`: lognormal, median {POPULATION_MEDIAN:,}, sigma {POPULATION_SIGMA}, rounded,
  at least {POPULATION_MIN:,}.
- `unemployment_pct`: lognormal, median 5%, sigma 0.4, clipped to 1-25%. Informational;
  the model does not use it.

## measures.csv

The six support directions of the shipped Kazakhstan instance with fixed, plausible
coefficients (not calibrated): jobs per mln KZT from ~2 mln per job (employment
support) to ~33 mln per job (budget loans to town-forming enterprises);
`population_per_mln` = jobs times a measure-specific ratio between 1 and 3, so the
best measure per unit of budget cost differs between jobs (employment support) and
population (asset modernization). `budget_cost`: 0.3 for budget loans, 0.15
(expected loss) for guarantees, 1 otherwise. `capacity_per_capita` in KZT of volume
per resident. `sigma`: relative uncertainty of the effects, 0.25-0.4.{firms}

## tier_effects.csv

Multipliers 0.6-1.3: high-potential towns gain more from investment-type measures,
low-potential towns from employment and retraining; low-potential towns are not
eligible for asset modernization and interest subsidies.

## effects.csv

Overrides for {override_count(n)} towns (~{OVERRIDE_SHARE:.0%}, at least 3), one measure each:
effects times a lognormal factor (sigma 0.3), capacity times a lognormal factor
(sigma 0.4), or both (then only jobs is overridden). An empty cell means no override.

## scenarios/

The budget of every scenario is {toml_number(plan.budget)} mln, {BUDGET_SHARE:.0%} of the budget cost
of all eligible capacity (rounded down). Bounds, targets and epsilon levels are read
off feasible allocations the generator builds (a uniform fill of the capacity and
greedy fills per criterion), with slack, so every scenario is feasible:

- `balanced` (default): weighted, equal weights, payoff-normalized; low-tier floor,
  high-tier cap, guarantee limit (60% of guarantee capacity).
- `lexicographic`, `epsilon`, `reference`, `goal`, `min_budget`: one per method, with
  the same rules and limit. Epsilon levels are 95% of the criteria values of an average
  of the greedy fills for the non-primary criteria; `min_budget` targets 60% of an
  average of all greedy fills; `reference` and `goal` aim at the best greedy value of
  each criterion (goal: 90% of it).
- `rules`: `spend_all = true` and a rule of every kind (shares, amounts, per capita,
  per town) and every selector, limits on guarantees and loans.

## actual/spend-illustrative.csv

Illustrative, not optimal: about the scenario budget, split 55 / 25 / 20% (budget cost)
over cluster infrastructure, employment support and enterprise loans, in proportion to
population times lognormal noise (sigma 0.3). Two cells are 25% over capacity and, if a
low-tier town exists, one spends on an ineligible measure.
"""


# ----------------------------------------------------------------------------- projects

PROJECT_GROUP_SHARE = 0.1  # share of projects that come in pairs of alternatives


def add_projects(
    files: dict[str, str],
    n: int,
    seed: int,
    criteria: int,
    count: int,
    n_lines: int,
    integer_criteria: bool,
    cells: bool,
) -> None:
    """Add `projects.csv` (SPEC section 12), `n_lines` funding lines and a `projects`
    scenario to the files of a generated instance, in place.

    Each project sits in a random eligible (town, measure) cell; its volume is
    lognormal (median 40 mln, sigma 0.8, one decimal); its effects are its volume
    times the cell's first-segment coefficient times a lognormal factor (sigma
    0.5), rounded to whole numbers with `integer_criteria` (at least 1), else to
    three significant digits. Every project is funded all or nothing; about one in
    ten comes as a pair of alternatives (a `group`). Each line funds a random 10-40%
    of each project's volume. Without `cells`, every cell's capacity is 0, so only
    projects can contribute (the mixed-integer front is then a finite set of points).
    """
    crit = criteria_names(criteria)
    d = draw(n, seed, crit)
    rng = np.random.default_rng([seed, 16])
    allowed = np.argwhere(d.eligible)
    pick = allowed[rng.integers(0, len(allowed), count)]
    volume = np.maximum(np.round(rng.lognormal(np.log(40.0), 0.8, count), 1), 0.1)
    coef = d.coef[pick[:, 0], pick[:, 1]]  # (P, C)
    raw = volume[:, None] * coef * rng.lognormal(0.0, 0.5, (count, len(crit)))
    if integer_criteria:
        effects = [[str(max(1, round(v))) for v in row] for row in raw.tolist()]
    else:
        effects = [[f"{v:.3g}" for v in row] for row in raw.tolist()]
    pairs = rng.permutation(count)[: 2 * int(PROJECT_GROUP_SHARE * count / 2)]
    group = [""] * count
    for k in range(0, len(pairs), 2):
        group[int(pairs[k])] = group[int(pairs[k + 1])] = f"G{k // 2 + 1}"
    line_names = [f"line{k + 1}" for k in range(n_lines)]
    share = rng.uniform(0.1, 0.4, (count, n_lines))
    line_cost = np.round(volume[:, None] * share, 1)
    width = len(str(count))
    head = ["project", "town", "measure", "volume_mln", *crit, "group",
            *(f"{ln}_mln" for ln in line_names)]  # fmt: skip
    rows = [",".join(head)]
    for p in range(count):
        t, m = int(pick[p, 0]), int(pick[p, 1])
        rows.append(",".join([f"P{p + 1:0{width}d}", d.names[t], MEASURES[m].name,
                              f"{volume[p]:.1f}", *effects[p], group[p],
                              *(f"{c:.1f}" for c in line_cost[p])]))  # fmt: skip
    files["projects.csv"] = "\n".join(rows) + "\n"
    cost = volume * d.budget_cost[pick[:, 1]]
    toml = files["instance.toml"].replace(
        f"name = {json.dumps(f'Synthetic {n} towns (seed {seed})')}",
        f"name = {json.dumps(f'Synthetic {n} towns, {count} projects (seed {seed})')}",
    )
    toml = toml.replace('default_scenario = "balanced"\n', 'default_scenario = "projects"\n'
                        + (f"lines = {json.dumps(line_names)}\n" if line_names else ""))  # fmt: skip
    files["instance.toml"] = toml
    budget = floor_sig(0.35 * float(cost.sum()))
    caps = "".join(f"{ln} = {toml_number(floor_sig(0.3 * float(line_cost[:, k].sum())))}\n"
                   for k, ln in enumerate(line_names))  # fmt: skip
    files["scenarios/projects.toml"] = (
        f'name = "projects: weighted, {count} projects"\n'
        f"budget_mln = {toml_number(budget)}\n"
        + (f"\n[lines]\n{caps}" if caps else "")
        + '\n[objective]\nmethod = "weighted"\nnormalize = "payoff"\n'
        f"weights = {inline_table({c: 1.0 for c in crit})}\n"
    )
    if not cells:
        files["measures.csv"] = zero_capacity(files["measures.csv"])
        files.pop("effects.csv", None)
        drop_cell_scenarios(files)
    flags = (f" --projects {count}" + (f" --lines {n_lines}" if n_lines else "")
             + (" --integer-criteria" if integer_criteria else "")
             + ("" if cells else " --no-cells"))  # fmt: skip
    files["instance.toml"] = files["instance.toml"].replace(
        f"--criteria {len(crit)}. Not real data.", f"--criteria {len(crit)}{flags}. Not real data."
    )
    files["SOURCES.md"] = files["SOURCES.md"].replace(
        f"--criteria {len(crit)}`", f"--criteria {len(crit)}{flags}`"
    ) + projects_sources(count, line_names, integer_criteria, cells, budget)


def drop_cell_scenarios(files: dict[str, str]) -> None:
    """Without cells only `projects.toml` stays: the other scenarios' bounds are read off
    fills of the cells' capacity, which is now 0, so their floors (the low tier's share)
    could be met only by spending nothing, and such a scenario is infeasible."""
    for name in [f for f in files if f.startswith("scenarios/") and f != "scenarios/projects.toml"]:
        del files[name]
    text = files["SOURCES.md"]
    start, end = text.index("## scenarios/"), text.index("## actual/")
    files["SOURCES.md"] = (
        text[:start]
        + (
            "## scenarios/\n\nOnly `projects` (below): without cells, bounds read off a fill of the "
            "cells' capacity\ncould be met only by spending nothing.\n\n"
        )
        + text[end:]
    )


def zero_capacity(measures_csv: str) -> str:
    """measures.csv with every capacity_per_capita 0: cells can hold no volume."""
    lines = measures_csv.splitlines()
    head = lines[0].split(",")
    k = head.index("capacity_per_capita")
    out = [lines[0]]
    for line in lines[1:]:
        cells = next(csv.reader([line]))
        cells[k] = "0"
        buf = io.StringIO()
        csv.writer(buf, lineterminator="").writerow(cells)
        out.append(buf.getvalue())
    return "\n".join(out) + "\n"


def projects_sources(
    count: int, lines: list[str], integer_criteria: bool, cells: bool, budget: float
) -> str:
    rounding = "whole numbers (at least 1)" if integer_criteria else "three significant digits"
    line_text = (
        f"Funding lines {', '.join(lines)}: each funds a uniform 10-40% of each project's "
        "volume (one decimal); the `projects` scenario caps each at 30% of its total."
        if lines
        else "No funding lines besides the budget."
    )
    cell_text = (
        "" if cells else "\n- `--no-cells`: every `capacity_per_capita` is 0 and effects.csv is "
        "left out, so only projects can contribute.\n"
    )  # fmt: skip
    return f"""
## projects.csv

**Synthetic.** {count} projects, each in a random eligible (town, measure) cell
(numpy `default_rng([seed, 16])`). `volume_mln`: lognormal, median 40, sigma 0.8, one
decimal. Effects: volume times the cell's first-segment coefficient times a lognormal
factor (sigma 0.5), rounded to {rounding}. Every project is all or nothing
(`min_fraction` 1); about one in ten comes in a pair of alternatives (`group`).
{line_text} The `projects` scenario: budget {budget:,.6g} mln (35% of the projects'
total budget cost), weighted, no rules.
{cell_text}"""
