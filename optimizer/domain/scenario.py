"""Scenario files (SPEC section 4): budget, rules, limits and the objective.

`load_scenario` reads one TOML file against a validated `Instance`, so every
selector is checked to name something that exists. Command-line overrides
(`--budget`, `--method`, `--weights`) go through `apply_overrides`, which runs
the same objective checks as the file does.
"""

from __future__ import annotations

import functools
import math
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np

from optimizer.domain.instance import DISPLAY_NAME, Instance
from optimizer.domain.results import Diagnosis
from optimizer.domain.tables import MAX_NUMBER, key_at, read_text, too_large
from optimizer.errors import InfeasibleError, InstanceError
from optimizer.i18n import _, rendered_in

SELECTORS = ("town", "region", "tier", "measure", "instrument")
SHARE_BOUNDS = ("min_share", "max_share")
MLN_BOUNDS = ("min_mln", "max_mln")
PER_CAPITA_BOUNDS = ("min_per_capita", "max_per_capita")
BOUNDS = SHARE_BOUNDS + MLN_BOUNDS + PER_CAPITA_BOUNDS


class Method(StrEnum):
    """The scalarization methods of SPEC section 5."""

    weighted = "weighted"
    lexicographic = "lexicographic"
    epsilon = "epsilon"
    reference = "reference"
    goal = "goal"
    min_budget = "min_budget"


# Keys holding words in Russian and Kazakh (issue 17), shown when the tool speaks them:
# language -> key, for the name and for the description.
NAME_KEYS = DISPLAY_NAME  # as instance.toml's
DESCRIPTION_KEYS = {"ru": "description_ru", "kk": "description_kk"}
TRANSLATED_KEYS = (*NAME_KEYS.values(), *DESCRIPTION_KEYS.values())
TOP_KEYS = {
    "name", "description", "budget_mln", "spend_all", "limits", "objective", "rules", "lines",
    "baseline", *TRANSLATED_KEYS,
}  # fmt: skip
RULE_KEYS = {"name", "note", "per_town", *SELECTORS, *BOUNDS}
OBJECTIVE_KEYS = {
    "method",
    "weights",
    "normalize",
    "order",
    "tolerance",
    "primary",
    "epsilon",
    "ref",
    "rho",
    "targets",
}
# Keys of [objective] that hold one word (a method, a criterion, a normalization): a list
# or a table there is bad input, not a value to compare against the known words.
WORD_KEYS = ("method", "normalize", "primary")
# Which keys of [objective] each method needs (SPEC section 5: a missing one is bad input).
NEEDS: dict[Method, tuple[str, ...]] = {
    Method.weighted: (),
    Method.lexicographic: ("order",),
    Method.epsilon: ("primary", "epsilon"),
    Method.reference: ("ref",),
    Method.goal: ("targets",),
    Method.min_budget: ("targets",),
}


@dataclass(frozen=True)
class Bound:
    """One bound of a rule: `kind` is one of BOUNDS; `value` a share (0-1), million, or
    whole currency units per resident."""

    kind: str
    value: float

    @property
    def is_lower(self) -> bool:
        return self.kind.startswith("min_")


@dataclass(frozen=True)
class Rule:
    """A rule over a selection of cells. `label` is its name, else `rules[i]`."""

    label: str
    index: int
    selectors: tuple[tuple[str, tuple[str, ...]], ...]
    bounds: tuple[Bound, ...]
    per_town: bool = False

    def cells(self, instance: Instance) -> np.ndarray:
        """(T, M) boolean mask of the selected cells; an omitted selector selects all."""
        towns = np.ones(instance.n_towns, dtype=bool)
        measures = np.ones(instance.n_measures, dtype=bool)
        for key, values in self.selectors:
            wanted = set(values)
            if key == "town":
                towns &= np.array([t in wanted for t in instance.towns])
            elif key == "region":
                towns &= np.array([r in wanted for r in instance.regions])
            elif key == "tier":
                towns &= np.array([t in wanted for t in instance.town_tier])
            elif key == "measure":
                measures &= np.array([m in wanted for m in instance.measures])
            elif key == "instrument":
                measures &= np.array([i in wanted for i in instance.instruments])
        return towns[:, None] & measures[None, :]


@dataclass(frozen=True)
class Objective:
    """The `[objective]` table, validated against the instance's criteria."""

    method: Method = Method.weighted
    weights: dict[str, float] = field(default_factory=dict)
    normalize: str = "payoff"
    order: tuple[str, ...] = ()
    tolerance: float = 0.0
    primary: str | None = None
    epsilon: dict[str, float] = field(default_factory=dict)
    ref: dict[str, float] = field(default_factory=dict)
    rho: float = 1e-6
    targets: dict[str, float] = field(default_factory=dict)

    def weight_vector(self, criteria: tuple[str, ...]) -> np.ndarray:
        return np.array([self.weights.get(c, 0.0) for c in criteria], dtype=float)


@dataclass(frozen=True)
class Scenario:
    name: str
    path: Path | None
    budget_mln: float
    spend_all: bool
    limits: dict[str, float]
    objective: Objective
    rules: tuple[Rule, ...]
    description: str = ""
    lines: dict[str, float] = field(default_factory=dict)  # caps of funding lines, millions
    # The relative optimality gap a mixed-integer solve may stop at: 0 (proven optimal)
    # unless `--gap` asks for more, and then every output says so.
    mip_gap: float = 0.0
    # The name in Russian and Kazakh (`name_ru`, `name_kk`), shown when the tool speaks them.
    display_names: dict[str, str] = field(default_factory=dict)
    # The description in Russian and Kazakh (`description_ru`, `description_kk`).
    descriptions: dict[str, str] = field(default_factory=dict)
    # SPEC section 10: an actual spend (`baseline = "name"` or `--baseline A`) the plan
    # keeps closest to among equally good plans; None: the most even spread (R = 0).
    baseline: str | None = None
    baseline_path: Path | None = field(default=None, compare=False)
    baseline_volume: np.ndarray | None = field(default=None, compare=False, repr=False)
    # SPEC 14: the budget whose payoff table normalizes the criteria, the scenario
    # file's own budget (None: this scenario's budget is that budget) ...
    reference_budget_mln: float | None = None
    # ... or, with `--renormalize`, always the budget in use
    renormalize: bool = False

    @property
    def reference_budget(self) -> float:
        """The budget the normalization ranges come from."""
        if self.renormalize or self.reference_budget_mln is None:
            return self.budget_mln
        return self.reference_budget_mln

    def with_budget(self, budget_mln: float) -> Scenario:
        """The scenario at another budget; its normalization stays that of its
        reference budget (so a criterion's weight means the same at every budget),
        unless it is renormalized."""
        ref = None if self.renormalize else self.reference_budget
        return replace(self, budget_mln=float(budget_mln), reference_budget_mln=ref)

    def renormalized(self) -> Scenario:
        """Normalization ranges from the payoff table at the budget in use."""
        return replace(self, reference_budget_mln=None, renormalize=True)


# ----------------------------------------------------------------------------- small parsers


MONEY = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)\s*(bn|mln|m|b|k)?\s*$", re.I)
MONEY_SCALE = {None: 1.0, "mln": 1.0, "m": 1.0, "bn": 1000.0, "b": 1000.0, "k": 0.001}


def parse_money(text: str, what: str = "--budget") -> float:
    """Millions from `10400`, `10.4bn`, `850mln`, `500k`; finite and at most MAX_NUMBER,
    the same checks as `budget_mln` in a scenario file."""
    m = MONEY.match(str(text))
    if not m:
        raise InstanceError(
            _(
                "{what}: {value} is not an amount (write millions like 10400, or 10.4bn, 850mln)"
            ).format(what=what, value=repr(text))
        )
    unit = m.group(2).lower() if m.group(2) else None
    return as_number(what, float(m.group(1)) * MONEY_SCALE[unit])


def parse_weights(text: str, criteria: tuple[str, ...]) -> dict[str, float]:
    """`jobs=0.7,population=0.3` -> {'jobs': 0.7, 'population': 0.3}, through the same
    checks as `weights = { ... }` in a scenario file (`criterion_values`)."""
    pairs: list[tuple[str, Any]] = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        if "=" not in part:
            raise InstanceError(
                _("--weights: {value} is not criterion=weight (e.g. jobs=0.7)").format(
                    value=repr(part)
                )
            )
        key, _eq, val = part.partition("=")
        try:
            number: Any = float(val.strip().replace("_", ""))
        except ValueError:
            raise InstanceError(
                _("--weights: {value} is not a number for {criterion}").format(
                    value=repr(val.strip()), criterion=repr(key.strip())
                )
            ) from None
        pairs.append((key.strip(), number))
    if not pairs:
        raise InstanceError(_("--weights: no weights given (e.g. jobs=0.7,population=0.3)"))
    return criterion_values(lambda k: f"--weights: {k}", pairs, criteria)


def as_number(where: str, value: Any, *, allow_negative: bool = False) -> float:
    """A finite number of at most MAX_NUMBER in magnitude (>= 0 unless allowed)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InstanceError(
            _("{where}: must be a number, got {value}").format(where=where, value=repr(value))
        )
    if not math.isfinite(value):
        raise InstanceError(
            _("{where}: must be a finite number, got {value}").format(
                where=where, value=repr(value)
            )
        )
    if value < 0 and not allow_negative:
        raise InstanceError(
            _("{where}: must not be negative, got {value}").format(where=where, value=repr(value))
        )
    if abs(value) > MAX_NUMBER:
        raise InstanceError(too_large(where, f"{value:g}"))
    return float(value)


def as_names(where: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise InstanceError(
        _("{where}: must be a name or a non-empty list of names, got {value}").format(
            where=where, value=repr(value)
        )
    )


def criterion_values(
    name: Callable[[str], str],
    pairs: list[tuple[str, Any]],
    criteria: tuple[str, ...],
    *,
    allow_negative: bool = False,
) -> dict[str, float]:
    """Criterion -> number from (criterion, value) pairs: known criteria, each once, every
    value a finite number in range. One parser for weights, targets, epsilon bounds and
    reference points, from a scenario file or the command line; `name(k)` says where."""
    out: dict[str, float] = {}
    for k, v in pairs:
        if k not in criteria:
            raise InstanceError(
                _("{where}: unknown criterion {criterion} (the instance has {criteria})").format(
                    where=name(k), criterion=repr(k), criteria=", ".join(criteria)
                )
            )
        if k in out:
            raise InstanceError(
                _("{where}: criterion {criterion} is given twice").format(
                    where=name(k), criterion=repr(k)
                )
            )
        out[k] = as_number(name(k), v, allow_negative=allow_negative)
    return out


def criterion_map(
    where: str, key: str, value: Any, criteria: tuple[str, ...], *, allow_negative: bool = False
) -> dict[str, float]:
    """A table criterion -> number, e.g. `weights = { jobs = 0.7 }`; `key` is its dotted name."""
    if not isinstance(value, dict) or not value:
        raise InstanceError(
            _("{file}: key {key} must be a table like {example}").format(
                file=where, key=repr(key), example=f"{{ {criteria[0]} = 1.0 }}"
            )
        )
    return criterion_values(
        lambda k: key_at(where, f"'{key}.{k}'"),
        list(value.items()),
        criteria,
        allow_negative=allow_negative,
    )


# ----------------------------------------------------------------------------- objective


def parse_objective(where: str, doc: Any, criteria: tuple[str, ...]) -> Objective:
    if doc is None:
        return Objective(weights=dict.fromkeys(criteria, 1.0))
    if not isinstance(doc, dict):
        raise InstanceError(
            _("{file}: key {key} must be a table").format(file=where, key="'objective'")
        )
    for key in doc:
        if key not in OBJECTIVE_KEYS:
            raise InstanceError(
                _("{file}: unknown key {key} (known: {known})").format(
                    file=where, key=f"'objective.{key}'", known=", ".join(sorted(OBJECTIVE_KEYS))
                )
            )
    for key in WORD_KEYS:
        if key in doc and not isinstance(doc[key], str):
            raise InstanceError(
                _("{file}: key {key} must be a string, got {value}").format(
                    file=where, key=f"'objective.{key}'", value=repr(doc[key])
                )
            )
    kw: dict[str, Any] = {}
    kw["method"] = doc.get("method", "weighted")
    if "weights" in doc:
        kw["weights"] = criterion_map(where, "objective.weights", doc["weights"], criteria)
    if "normalize" in doc:
        kw["normalize"] = doc["normalize"]
    if "order" in doc:
        kw["order"] = as_names(key_at(where, "'objective.order'"), doc["order"])
    if "tolerance" in doc:
        kw["tolerance"] = as_number(key_at(where, "'objective.tolerance'"), doc["tolerance"])
    if "primary" in doc:
        kw["primary"] = doc["primary"]
    for key in ("epsilon", "targets"):
        if key in doc:
            kw[key] = criterion_map(where, f"objective.{key}", doc[key], criteria)
    if "ref" in doc:
        kw["ref"] = criterion_map(where, "objective.ref", doc["ref"], criteria, allow_negative=True)
    if "rho" in doc:
        kw["rho"] = as_number(key_at(where, "'objective.rho'"), doc["rho"])
    present = set(doc)
    obj = Objective(**kw)
    return check_objective(where, obj, criteria, present)


def check_objective(
    where: str, obj: Objective, criteria: tuple[str, ...], present: set[str]
) -> Objective:
    """Method-specific checks; fills the default weights (equal) when none are given."""
    if not isinstance(obj.method, str) or obj.method not in set(Method):
        raise InstanceError(
            _("{where}: unknown method {method} (one of {methods})").format(
                where=key_at(where, "'objective.method'"),
                method=repr(str(obj.method)),
                methods=", ".join(Method),
            )
        )
    obj = replace(obj, method=Method(obj.method))
    if obj.normalize not in ("payoff", "none"):
        raise InstanceError(
            _("{where}: {value} is not 'payoff' or 'none'").format(
                where=key_at(where, "'objective.normalize'"), value=repr(obj.normalize)
            )
        )
    for key in NEEDS[obj.method]:
        if key not in present:
            raise InstanceError(
                _("{file}: method {method} needs key {key}").format(
                    file=where, method=repr(str(obj.method)), key=f"'objective.{key}'"
                )
            )
    if not obj.weights:
        obj = replace(obj, weights=dict.fromkeys(criteria, 1.0))
    if sum(obj.weights.values()) <= 0:
        raise InstanceError(
            _("{where}: the weights are all zero").format(
                where=key_at(where, "'objective.weights'")
            )
        )
    if obj.method == "lexicographic":
        bad = [c for c in obj.order if c not in criteria]
        if bad:
            raise InstanceError(
                _("{where}: unknown criterion {criterion}").format(
                    where=key_at(where, "'objective.order'"), criterion=repr(bad[0])
                )
            )
        if len(set(obj.order)) != len(obj.order):
            raise InstanceError(
                _("{file}: key {key} names a criterion twice").format(
                    file=where, key="'objective.order'"
                )
            )
        if obj.tolerance >= 1:
            raise InstanceError(
                _("{file}: key {key} must be below 1").format(
                    file=where, key="'objective.tolerance'"
                )
            )
    if obj.method == "epsilon":
        if obj.primary not in criteria:
            raise InstanceError(
                _("{where}: unknown criterion {criterion}").format(
                    where=key_at(where, "'objective.primary'"), criterion=repr(obj.primary)
                )
            )
        if obj.primary in obj.epsilon:
            raise InstanceError(
                _("{file}: key {key} bounds the primary criterion {criterion}").format(
                    file=where, key="'objective.epsilon'", criterion=repr(obj.primary)
                )
            )
    return obj


# ----------------------------------------------------------------------------- rules, limits


def parse_rules(where: str, doc: Any, instance: Instance) -> tuple[Rule, ...]:
    """The `[[rules]]` array: each rule checked (keys, a unique name, selectors that
    name something, bounds in range and not contradictory, at least one cell)."""
    if doc is None:
        return ()
    if not isinstance(doc, list) or not all(isinstance(r, dict) for r in doc):
        raise InstanceError(
            _("{file}: key {key} must be an array of tables ([[rules]])").format(
                file=where, key="'rules'"
            )
        )
    rules: list[Rule] = []
    labels: set[str] = set()
    for i, raw in enumerate(doc):
        rule = parse_rule(where, i, raw, instance, labels)
        labels.add(rule.label)
        rules.append(rule)
    return tuple(rules)


def parse_rule(where: str, i: int, raw: dict, instance: Instance, labels: set[str]) -> Rule:
    rule_at = f"rules[{i}]"
    for key in raw:
        if key not in RULE_KEYS:
            raise InstanceError(
                _("{file}: unknown key {key} (known: {known})").format(
                    file=where, key=f"'{rule_at}.{key}'", known=", ".join(sorted(RULE_KEYS))
                )
            )
    name = raw.get("name")
    if name is not None and (not isinstance(name, str) or not name):
        raise InstanceError(
            _("{file}: key {key} must be a non-empty string").format(
                file=where, key=f"'{rule_at}.name'"
            )
        )
    label = name or rule_at
    if label in labels:
        raise InstanceError(
            _("{where}: the name {name} is used twice").format(
                where=key_at(where, f"'{rule_at}.name'"), name=repr(label)
            )
        )
    selectors = rule_selectors(where, rule_at, raw, instance)
    bounds = rule_bounds(where, rule_at, raw)
    per_town = raw.get("per_town", False)
    if not isinstance(per_town, bool):
        raise InstanceError(
            _("{file}: key {key} must be true or false").format(
                file=where, key=f"'{rule_at}.per_town'"
            )
        )
    rule = Rule(label, i, selectors, bounds, per_town)
    if not rule.cells(instance).any():
        raise InstanceError(
            _("{where}: the selectors select no cell together").format(
                where=key_at(where, f"'{rule_at}'")
            )
        )
    return rule


def rule_selectors(
    where: str, rule_at: str, raw: dict, instance: Instance
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(selector, names) pairs; every name must exist in the instance."""
    known = {
        "town": set(instance.towns),
        "region": set(instance.regions),
        "tier": set(instance.tiers),
        "measure": set(instance.measures),
        "instrument": set(instance.instruments),
    }
    selectors = []
    for key in SELECTORS:
        if key in raw:
            at = key_at(where, f"'{rule_at}.{key}'")
            values = as_names(at, raw[key])
            for v in values:
                if v not in known[key]:
                    raise InstanceError(
                        _("{where}: {value} names no {selector} of the instance").format(
                            where=at, value=repr(v), selector=key
                        )
                    )
            selectors.append((key, values))
    return tuple(selectors)


def rule_bounds(where: str, rule_at: str, raw: dict) -> tuple[Bound, ...]:
    """The rule's bounds: at least one, shares in [0, 1], no minimum above its maximum."""
    bounds = []
    for key in BOUNDS:
        if key in raw:
            at = key_at(where, f"'{rule_at}.{key}'")
            amount = as_number(at, raw[key])
            if key in SHARE_BOUNDS and amount > 1:
                raise InstanceError(
                    _("{where}: a share must lie in [0, 1], got {value}").format(
                        where=at, value=f"{amount:g}"
                    )
                )
            bounds.append(Bound(key, amount))
    if not bounds:
        raise InstanceError(
            _("{where}: a rule needs a bound ({bounds})").format(
                where=key_at(where, f"'{rule_at}'"), bounds=", ".join(BOUNDS)
            )
        )
    given = {b.kind: b.value for b in bounds}
    for lo, hi in (SHARE_BOUNDS, MLN_BOUNDS, PER_CAPITA_BOUNDS):
        if lo in given and hi in given and given[lo] > given[hi]:
            raise InstanceError(
                _(
                    "{where}: {low} {low_value} is above {high} {high_value}; no allocation meets both"
                ).format(
                    where=key_at(where, f"'{rule_at}'"),
                    low=lo,
                    low_value=f"{given[lo]:g}",
                    high=hi,
                    high_value=f"{given[hi]:g}",
                )
            )
    return tuple(bounds)


# ----------------------------------------------------------------------------- share floors
# A share floor (`min_share`) holds as `S_sel >= share * A`, which the empty plan (A = 0)
# meets whatever the share. The empty plan is a legitimate optimum when nothing may be
# spent for reasons the scenario states as amounts (a budget of 0, caps of 0, no eligible
# cell with capacity): that is the answer to the question asked. But a share floor speaks
# of the money spent, so when the floors themselves leave only the empty plan (a floor on
# cells that can receive no money, or floors on selections sharing no cell that add up
# to more than the whole) the scenario is contradictory and is infeasible (exit 3), named
# here before any solve.

# Exact search over the floors' disjoint groups up to this many floors; past it, a greedy
# pass (largest share first), which may miss a contradiction but never invents one.
EXACT_FLOORS = 12


@dataclass(frozen=True)
class Floor:
    """One share floor over a set of cells: a rule's, or one town's of a per-town rule."""

    label: str
    share: float
    cells: np.ndarray  # (T, M) bool: the cells that can receive money


def usable_cells(rules: tuple[Rule, ...], instance: Instance) -> np.ndarray:
    """(T, M) cells that can receive money: eligible with capacity (or a project), and
    not capped at zero by a rule's maximum of 0."""
    usable = instance.eligible & (instance.capacity > 0)
    projects = instance.projects
    if projects is not None:
        usable[projects.town, projects.measure] |= projects.volume > 0
    for rule in rules:
        if any(b.value == 0 and not b.is_lower for b in rule.bounds):
            usable &= ~rule.cells(instance)
    return usable


def share_floors(rules: tuple[Rule, ...], instance: Instance) -> list[Floor]:
    """The floors of the rules' `min_share` bounds above 0, over usable cells only; a
    per-town rule gives one floor per town it selects."""
    usable = usable_cells(rules, instance)
    floors = []
    for rule in rules:
        share = max((b.value for b in rule.bounds if b.kind == "min_share"), default=0.0)
        if share <= 0:
            continue
        mask = rule.cells(instance)
        if not rule.per_town:
            floors.append(Floor(rule.label, share, mask & usable))
            continue
        for t in np.flatnonzero(mask.any(axis=1)):
            one = np.zeros_like(mask)
            one[t] = mask[t] & usable[t]
            floors.append(Floor(f"{rule.label} ({instance.towns[t]})", share, one))
    return floors


def disjoint_floors(floors: list[Floor]) -> list[Floor]:
    """Floors no two of which share a cell, with the largest total share found."""

    def disjoint(group: list[Floor]) -> bool:
        seen = np.zeros_like(group[0].cells)
        for f in group:
            if (seen & f.cells).any():
                return False
            seen |= f.cells
        return True

    if len(floors) <= EXACT_FLOORS:
        best: list[Floor] = []
        for bits in range(1, 1 << len(floors)):
            group = [f for i, f in enumerate(floors) if bits >> i & 1]
            if sum(f.share for f in group) > sum(f.share for f in best) and disjoint(group):
                best = group
        return best
    picked: list[Floor] = []
    taken = np.zeros_like(floors[0].cells)
    for f in sorted(floors, key=lambda f: -f.share):
        if not (taken & f.cells).any():
            picked.append(f)
            taken |= f.cells
    return picked


def unreachable_floor(label: str, share: str) -> str:
    """A share floor on cells that can receive no money, in the language in use."""
    return _(
        "{rule} asks min_share {share} of the money spent for cells that can receive "
        "none (not eligible for their tier, without capacity, or capped at 0); only "
        "a plan that spends nothing meets it"
    ).format(rule=label, share=share)


def floor_contradiction(rules: tuple[Rule, ...], instance: Instance) -> Callable[[], str] | None:
    """Why the share floors leave only the empty plan, as a function rendering the words
    (called once in English, once in the language in use), or None if they do not."""
    floors = share_floors(rules, instance)
    for f in floors:
        if not f.cells.any():
            return functools.partial(unreachable_floor, f.label, f"{f.share:g}")
    group = disjoint_floors(floors) if floors else []
    total = sum(f.share for f in group)
    if total > 1 + 1e-9:
        names = ", ".join(f"{f.label} {f.share:g}" for f in group)
        return lambda: _(
            "the min_share floors of {rules}, on cells no two of them share, add up to "
            "{total} of the money spent, more than all of it; only a plan that spends "
            "nothing meets them"
        ).format(rules=names, total=f"{total:g}")
    return None


def check_share_floors(scenario_name: str, rules: tuple[Rule, ...], instance: Instance) -> None:
    """Raise InfeasibleError, with its diagnosis, when the share floors are contradictory."""
    why = floor_contradiction(rules, instance)
    if why is None:
        return

    def render() -> str:
        return _("scenario {name} is infeasible: {diagnosis}").format(
            name=repr(scenario_name), diagnosis=why()
        )

    text = render()
    diagnosis = Diagnosis(relaxations=(), message=rendered_in("en", render), text=text)
    raise InfeasibleError(text, diagnosis)


def parse_limits(where: str, doc: Any, instance: Instance) -> dict[str, float]:
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        raise InstanceError(
            _("{file}: key {key} must be a table of instrument = volume").format(
                file=where, key="'limits'"
            )
        )
    used = set(instance.instruments)
    out = {}
    for key, value in doc.items():
        at = key_at(where, f"'limits.{key}'")
        if key not in used:
            raise InstanceError(
                _(
                    "{where}: no measure uses instrument {instrument} (instruments: {instruments})"
                ).format(where=at, instrument=repr(key), instruments=", ".join(sorted(used)))
            )
        out[key] = as_number(at, value)
    return out


def parse_lines(where: str, doc: Any, instance: Instance) -> dict[str, float]:
    """`[lines] local = 2000`: the cap of each funding line instance.toml declares."""
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        raise InstanceError(
            _("{file}: key {key} must be a table of funding line = millions").format(
                file=where, key="'lines'"
            )
        )
    out = {}
    for key, value in doc.items():
        at = key_at(where, f"'lines.{key}'")
        if key not in instance.lines:
            declared = ", ".join(instance.lines) if instance.lines else _("none")
            raise InstanceError(
                _(
                    "{where}: unknown funding line {line} (instance.toml 'lines' declares: {declared})"
                ).format(where=at, line=repr(key), declared=declared)
            )
        out[key] = as_number(at, value)
    return out


# ----------------------------------------------------------------------------- entry points


def resolve_scenario_path(instance: Instance, ref: str | Path | None) -> Path:
    if ref is None:
        if not instance.default_scenario:
            raise InstanceError(
                _("{file}: no default_scenario; pass --scenario").format(
                    file=instance.path / "instance.toml"
                )
            )
        ref = instance.default_scenario
    raw = Path(ref)
    if raw.suffix != ".toml" and len(raw.parts) == 1:
        path = instance.path / "scenarios" / f"{raw}.toml"
        if path.is_file():
            return path
    if raw.is_file():
        return raw
    raise InstanceError(
        _("scenario {name}: no such file in {folder}").format(
            name=repr(str(ref)), folder=instance.path / "scenarios"
        )
    )


def load_scenario(instance: Instance, ref: str | Path | None = None) -> Scenario:
    """Read and validate a scenario (a name in the instance's scenarios/ or a path)."""
    path = resolve_scenario_path(instance, ref)
    where = str(path)
    unread: list[str] = []
    text = read_text(path, unread)  # UTF-8 (a byte-order mark allowed), as every file
    if text is None:
        raise InstanceError(unread[0])
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise InstanceError(
            _("{file}: not valid TOML ({reason})").format(file=where, reason=e)
        ) from None
    for key in ("name", "description", *TRANSLATED_KEYS):
        if key in doc and not isinstance(doc[key], str):
            raise InstanceError(
                _("{file}: key {key} must be a string, got {value}").format(
                    file=where, key=repr(key), value=repr(doc[key])
                )
            )
    for key in doc:
        if key not in TOP_KEYS:
            raise InstanceError(
                _("{file}: unknown key {key} (known: {known})").format(
                    file=where, key=repr(key), known=", ".join(sorted(TOP_KEYS))
                )
            )
    if "budget_mln" not in doc:
        raise InstanceError(_("{file}: missing key {key}").format(file=where, key="'budget_mln'"))
    budget = as_number(key_at(where, "'budget_mln'"), doc["budget_mln"])
    spend_all = doc.get("spend_all", False)
    if not isinstance(spend_all, bool):
        raise InstanceError(
            _("{file}: key {key} must be true or false").format(file=where, key="'spend_all'")
        )
    scenario = Scenario(
        name=str(doc.get("name", path.stem)),
        path=path,
        budget_mln=budget,
        spend_all=spend_all,
        limits=parse_limits(where, doc.get("limits"), instance),
        objective=parse_objective(where, doc.get("objective"), instance.criteria),
        rules=parse_rules(where, doc.get("rules"), instance),
        description=str(doc.get("description", "")),
        display_names={lang: doc[k] for lang, k in NAME_KEYS.items() if doc.get(k)},
        descriptions={lang: doc[k] for lang, k in DESCRIPTION_KEYS.items() if doc.get(k)},
        lines=parse_lines(where, doc.get("lines"), instance),
    )
    if "baseline" in doc:
        if not isinstance(doc["baseline"], str):
            raise InstanceError(
                _("{file}: key {key} must be the name of an actual-spend file, got {value}").format(
                    file=where, key="'baseline'", value=repr(doc["baseline"])
                )
            )
        scenario = with_baseline(scenario, instance, doc["baseline"], key_at(where, "'baseline'"))
    if not scenario.spend_all:  # with spend_all, A = budget: the solve's diagnosis says more
        check_share_floors(scenario.name, scenario.rules, instance)
    return scenario


def with_baseline(scenario: Scenario, instance: Instance, ref: str, where: str) -> Scenario:
    """The scenario with an actual spend as the plan's reference R (SPEC section 10): a
    name in the instance's actual/ (no extension) or a .csv/.xlsx path, validated as
    any actual spend."""
    from optimizer.domain.actual import load_actual

    try:
        spend = load_actual(instance, ref)
    except InstanceError as e:
        raise InstanceError(f"{where}: {e}", e.problems) from None
    return replace(scenario, baseline=spend.name, baseline_path=spend.path,
                   baseline_volume=spend.volume)  # fmt: skip


def check_gap_applies(gap: float, instance: Instance) -> None:
    """A gap above 0 only loosens mixed-integer solves, and only projects make one: on a
    linear program every answer is proven optimal, so a note that says otherwise would be
    false; the option is refused instead."""
    if gap > 0 and instance.projects is None:
        raise InstanceError(
            _(
                "--gap: {instance} has no projects (projects.csv), so nothing is solved as a "
                "mixed-integer program and every answer is proven optimal; leave --gap out"
            ).format(instance=instance.path)
        )


def apply_overrides(
    scenario: Scenario,
    instance: Instance,
    *,
    budget: str | None = None,
    method: str | None = None,
    weights: str | None = None,
    gap: float | None = None,
    baseline: str | None = None,
) -> Scenario:
    """Command-line `--budget`, `--method`, `--weights` (and `--gap`, `--baseline`)
    override the file."""
    if baseline is not None:
        scenario = with_baseline(scenario, instance, baseline, "--baseline")
    if gap is not None:
        if not (0.0 <= gap < 1.0) or gap != gap:
            raise InstanceError(_("--gap: {gap} must lie in [0, 1) (0.01 is 1%)").format(gap=gap))
        check_gap_applies(gap, instance)
        scenario = replace(scenario, mip_gap=float(gap))
    if budget is not None:
        scenario = scenario.with_budget(parse_money(budget))
    if method is None and weights is None:
        return scenario
    obj = scenario.objective
    if weights is not None:
        obj = replace(obj, weights=parse_weights(weights, instance.criteria))
    present = {"weights", "normalize"}
    for key in ("order", "primary", "epsilon", "ref", "targets"):
        if getattr(obj, key):
            present.add(key)
    if method is not None:
        obj = replace(obj, method=method)  # type: ignore[arg-type]  # checked just below
    where = (
        _("{scenario} (with --method {method})").format(
            scenario=scenario.path or scenario.name, method=obj.method
        )
        if method
        else "--weights"
    )
    obj = check_objective(where, obj, instance.criteria, present)
    return replace(scenario, objective=obj)
