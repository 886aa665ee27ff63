"""Load and validate an instance folder (SPEC section 2).

Every check happens here, once. `load_instance` either returns an `Instance`
whose arrays downstream code can trust, or raises `InstanceError` carrying the
full list of problems (file, 1-based spreadsheet row, column), so `validate`
can show them all at once.

Row numbers are spreadsheet rows: the header is row 1, the first data row is 2.
"""

from __future__ import annotations

import itertools
import math
import tomllib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from optimizer.domain.projects import Projects, read_projects
from optimizer.domain.tables import (
    LIMIT_WHY,
    MAX_NUMBER,
    Table,
    cell_at,
    cell_of,
    check_columns,
    file_digest,
    first_positions,
    key_at,
    parse_bool,
    parse_number,
    read_header_row,
    read_table,
    read_text,
    require_columns,
    row_at,
)
from optimizer.errors import InstanceError
from optimizer.i18n import N_, _, language

INSTRUMENTS = ("grant", "subsidy", "investment", "loan", "guarantee")
TOWN_COLUMNS = ("town", "region", "tier", "population")
# Optional display names in Russian and Kazakh (issue 17): shown when the tool speaks them.
DISPLAY_TOWN = {"ru": "town_ru", "kk": "town_kk"}
DISPLAY_REGION = {"ru": "region_ru", "kk": "region_kk"}
DISPLAY_MEASURE = {"ru": "label_ru", "kk": "label_kk"}
DISPLAY_NAME = {"ru": "name_ru", "kk": "name_kk"}
MEASURE_COLUMNS = ("measure", "label", "instrument", "budget_cost", "capacity_per_capita")
# Columns a person writes for people (why a number is what it is), read by no computation;
# every other column a strict file has must be one the tool reads.
NOTE_COLUMNS = ("note", "source")
TIER_EFFECT_COLUMNS = ("tier", "measure", "eligible", "multiplier", *NOTE_COLUMNS)
INSTANCE_KEYS = {
    "name",
    "currency",
    "criteria",
    "tiers",
    "default_scenario",
    "curve",
    "description",
    "provenance",
    "lines",
    "description_ru",
    "description_kk",
    "name_ru",
    "name_kk",
}
CURVE_KEYS = {"widths", "multipliers"}


@dataclass(frozen=True, eq=False)
class Instance:
    """A validated instance: names, coefficients and capacities as arrays.

    Shapes: T towns, M measures, S curve segments, C criteria.
    `base[t, m, c]` is units of criterion c per million of volume before the
    tier multiplier `mult[t, m]` and the segment multipliers; `capacity[t, m]`
    is in millions of volume; `eligible[t, m]` is False where the tier may not
    use the measure.
    """

    path: Path
    name: str
    currency: str
    criteria: tuple[str, ...]
    tiers: tuple[str, ...]
    default_scenario: str | None
    widths: np.ndarray  # (S,)
    seg_mult: np.ndarray  # (S,)
    towns: tuple[str, ...]
    regions: tuple[str, ...]
    town_tier: tuple[str, ...]
    population: np.ndarray  # (T,)
    measures: tuple[str, ...]
    labels: tuple[str, ...]
    instruments: tuple[str, ...]
    budget_cost: np.ndarray  # (M,)
    base: np.ndarray  # (T, M, C)
    mult: np.ndarray  # (T, M)
    eligible: np.ndarray  # (T, M) bool
    capacity: np.ndarray  # (T, M)
    measure_sigma: np.ndarray | None  # (M,) optional per-measure uncertainty
    files: tuple[str, ...]
    sha256: str
    provenance: Provenance | None = None  # SPEC section 11, from instance.toml
    town_extra: dict[str, tuple[str, ...]] = field(default_factory=dict)
    lines: tuple[str, ...] = ()  # funding lines besides the budget (SPEC section 12)
    projects: Projects | None = None  # projects.csv, None when the instance has none
    # Display names by language (towns.csv town_ru/town_kk, measures.csv label_ru/label_kk);
    # an empty cell falls back to the id. The ids stay the keys everywhere else.
    town_names: dict[str, tuple[str, ...]] = field(default_factory=dict)
    measure_labels: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # The instance's name in Russian and Kazakh (instance.toml name_ru, name_kk).
    display_names: dict[str, str] = field(default_factory=dict)
    # towns.csv region_ru/region_kk: each town's region by language (empty: as `regions`)
    region_names: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def n_towns(self) -> int:
        return len(self.towns)

    @property
    def n_measures(self) -> int:
        return len(self.measures)

    @property
    def n_segments(self) -> int:
        return len(self.widths)

    @property
    def shown_towns(self) -> tuple[str, ...]:
        """The towns as the language in use names them (`town_names`), else their ids."""
        return self.town_names.get(language(), self.towns)

    @property
    def tier_index(self) -> np.ndarray:
        """(T,) index into `tiers` of each town's tier."""
        return np.array([self.tiers.index(t) for t in self.town_tier], dtype=np.int64)

    def cell_coefficients(self) -> np.ndarray:
        """(T, M, C) effect per million of volume in the first segment: base * tier multiplier,
        zero where the cell is not eligible."""
        return self.base * (self.mult * self.eligible)[:, :, None]

    def effective_capacity(self) -> np.ndarray:
        """(T, M) capacity in millions, 0 where not eligible."""
        return np.where(self.eligible, self.capacity, 0.0)

    @cached_property
    def segment_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """(T, M, S) volume at which each curve segment starts, and its size.

        Computed once per instance: every allocation scored (a front's points, a
        study's draws) fills the same segments."""
        size = self.effective_capacity()[:, :, None] * self.widths[None, None, :]
        start = np.concatenate(
            [np.zeros((*size.shape[:2], 1)), np.cumsum(size, axis=2)[:, :, :-1]], axis=2
        )
        return start, size

    @cached_property
    def effect_per_mln(self) -> np.ndarray:
        """(T, M, C) `cell_coefficients()`, computed once per instance."""
        return self.cell_coefficients()


# ----------------------------------------------------------------------------- instance.toml


@dataclass
class Header:
    name: str = ""
    currency: str = ""
    criteria: tuple[str, ...] = ()
    tiers: tuple[str, ...] = ()
    default_scenario: str | None = None
    lines: tuple[str, ...] = ()
    widths: tuple[float, ...] = (1.0,)
    seg_mult: tuple[float, ...] = (1.0,)
    provenance: Provenance | None = None
    display_names: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Provenance:
    """SPEC section 11: what is not a cited fact. `derived` and `assumed` map
    `file:column` (or `file:key` for TOML files) to the reason; `illustrative` lists
    files (e.g. actual-spend files) that illustrate rather than record."""

    derived: dict[str, str]
    assumed: dict[str, str]
    illustrative: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "derived": dict(self.derived),
            "assumed": dict(self.assumed),
            "illustrative": list(self.illustrative),
        }

    def is_illustrative(self, path: str | Path) -> bool:
        p = Path(path).as_posix()
        return any(p == f or p.endswith("/" + f) for f in self.illustrative)


def read_provenance(root: Path, path: Path, doc: Any, problems: list[str]) -> Provenance | None:
    """Parse `[provenance]`; every entry must name a file of the instance and a
    column (CSV) or key (TOML) it has."""
    if doc is None:
        return None
    if not isinstance(doc, dict):
        problems.append(
            _("{file}: key {key} must be a table").format(file=path, key="'provenance'")
        )
        return None
    for key in sorted(set(doc) - {"derived", "assumed", "illustrative"}):
        problems.append(_("{file}: unknown key {key}").format(file=path, key=f"'provenance.{key}'"))
    labelled: dict[str, dict[str, str]] = {}
    for kind in ("derived", "assumed"):
        table = doc.get(kind, {})
        if not isinstance(table, dict):
            problems.append(
                _("{file}: key {key} must be a table").format(file=path, key=f"'provenance.{kind}'")
            )
            table = {}
        labelled[kind] = {}
        for item, why in table.items():
            where = key_at(path, f"'provenance.{kind}.\"{item}\"'")
            file, sep, field = item.partition(":")
            target = root / file
            if not sep or not field:
                problems.append(
                    _("{where}: must be 'file:column' or 'file:key'").format(where=where)
                )
            elif not inside(root, target):
                problems.append(outside_instance(where, file))
            elif not target.is_file():
                problems.append(
                    _("{where}: no file {name} in the instance").format(where=where, name=file)
                )
            elif not provenance_field_exists(target, field, problems):
                problems.append(
                    _("{where}: {name} has no column or key {field}").format(
                        where=where, name=file, field=repr(field)
                    )
                )
            else:
                labelled[kind][item] = str(why)
    files = doc.get("illustrative", [])
    if not isinstance(files, list):
        problems.append(
            _("{file}: key {key} must be a list of files").format(
                file=path, key="'provenance.illustrative'"
            )
        )
        files = []
    for f in files:
        if not inside(root, root / str(f)):
            problems.append(outside_instance(key_at(path, "'provenance.illustrative'"), f))
        elif not (root / str(f)).is_file():
            problems.append(
                _("{where}: no file {name} in the instance").format(
                    where=key_at(path, "'provenance.illustrative'"), name=f
                )
            )
    return Provenance(labelled["derived"], labelled["assumed"], tuple(str(f) for f in files))


def inside(root: Path, target: Path) -> bool:
    """Whether `target` lies inside the instance folder (after `..` and links): provenance
    describes the instance's own files, and the instance's checksum covers only those."""
    return target.resolve().is_relative_to(root.resolve())


def outside_instance(where: str, name: object) -> str:
    return _("{where}: {name} is outside the instance folder; name a file of the instance").format(
        where=where, name=name
    )


def provenance_field_exists(target: Path, field: str, problems: list[str]) -> bool:
    """Whether the file has the column (CSV) or dotted key (TOML); the file is read as the
    tables read it, so an encoding the tables refuse is refused here with the same words
    (and the entry is not reported again)."""
    if target.suffix == ".csv":
        header = read_header_row(target, problems)
        return header is None or field in header
    if target.suffix == ".toml":
        text = read_text(target, problems)
        if text is None:
            return True
        try:
            doc: Any = tomllib.loads(text)
        except tomllib.TOMLDecodeError:
            return False
        for part in field.split("."):
            if not isinstance(doc, dict) or part not in doc:
                return False
            doc = doc[part]
        return True
    return False


def read_header(root: Path, problems: list[str]) -> Header | None:
    path = root / "instance.toml"
    if not path.exists():
        problems.append(
            _("{file}: file not found (every instance needs an instance.toml)").format(file=path)
        )
        return None
    text = read_text(path, problems)
    if text is None:
        return None
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        problems.append(_("{file}: not valid TOML ({reason})").format(file=path, reason=e))
        return None
    head = Header()
    for key in sorted(set(doc) - INSTANCE_KEYS):
        problems.append(_("{file}: unknown key {key}").format(file=path, key=repr(key)))
    for key in (
        "name",
        "currency",
        "description",
        "description_ru",
        "description_kk",
        *DISPLAY_NAME,
    ):
        if key in doc and not isinstance(doc[key], str):
            problems.append(
                _("{file}: key {key} must be a string, got {value}").format(
                    file=path, key=repr(key), value=repr(doc[key])
                )
            )
    head.name = str(doc.get("name", root.name))
    head.display_names = {
        lang: doc[key]
        for lang, key in DISPLAY_NAME.items()
        if isinstance(doc.get(key), str) and doc[key]
    }
    head.currency = str(doc.get("currency", ""))
    head.criteria = string_list(path, "criteria", doc.get("criteria"), problems)
    head.tiers = string_list(path, "tiers", doc.get("tiers"), problems)
    ds = doc.get("default_scenario")
    if ds is not None and not isinstance(ds, str):
        problems.append(
            _("{file}: key {key} must be a scenario name (a string)").format(
                file=path, key="'default_scenario'"
            )
        )
        ds = None
    head.default_scenario = ds
    head.provenance = read_provenance(root, path, doc.get("provenance"), problems)
    if "lines" in doc:
        head.lines = string_list(path, "lines", doc["lines"], problems)
    curve = doc.get("curve", {"widths": [1.0], "multipliers": [1.0]})
    if not isinstance(curve, dict):
        problems.append(
            _("{file}: key {key} must be a table with widths and multipliers").format(
                file=path, key="'curve'"
            )
        )
        return head
    for key in sorted(set(curve) - CURVE_KEYS):
        problems.append(_("{file}: unknown key {key}").format(file=path, key=f"'curve.{key}'"))
    widths = number_list(path, "curve.widths", curve.get("widths"), problems)
    mults = number_list(path, "curve.multipliers", curve.get("multipliers"), problems)
    if widths and mults:
        if len(widths) != len(mults):
            problems.append(
                _("{where}: {widths} widths but {multipliers} multipliers").format(
                    where=key_at(path, "'curve'"), widths=len(widths), multipliers=len(mults)
                )
            )
        elif abs(sum(widths) - 1.0) > 1e-9:
            problems.append(
                _("{file}: key {key} must sum to 1, they sum to {total}").format(
                    file=path, key="'curve.widths'", total=f"{sum(widths):.12g}"
                )
            )
        elif any(b > a for a, b in itertools.pairwise(mults)):
            problems.append(
                _("{file}: key {key} must not increase (diminishing returns), got {values}").format(
                    file=path, key="'curve.multipliers'", values=mults
                )
            )
        else:
            head.widths, head.seg_mult = tuple(widths), tuple(mults)
    return head


def string_list(path: Path, key: str, value: Any, problems: list[str]) -> tuple[str, ...]:
    if value is None:
        problems.append(_("{file}: missing key {key}").format(file=path, key=repr(key)))
        return ()
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
        problems.append(
            _("{file}: key {key} must be a non-empty list of names").format(
                file=path, key=repr(key)
            )
        )
        return ()
    if len(set(value)) != len(value):
        problems.append(_("{file}: key {key} lists a name twice").format(file=path, key=repr(key)))
        return ()
    return tuple(value)


def number_list(path: Path, key: str, value: Any, problems: list[str]) -> list[float]:
    if (
        not isinstance(value, list)
        or not value
        or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
    ):
        problems.append(
            _("{file}: key {key} must be a non-empty list of numbers").format(
                file=path, key=repr(key)
            )
        )
        return []
    out = [float(v) for v in value]
    if any(not math.isfinite(v) or v < 0 for v in out):
        problems.append(
            _("{file}: key {key} must hold finite numbers >= 0").format(file=path, key=repr(key))
        )
        return []
    return out


# ----------------------------------------------------------------------------- towns, measures


def read_towns(root: Path, head: Header, problems: list[str]) -> dict[str, Any] | None:
    table = read_table(root / "towns.csv", problems)
    if table is None or not require_columns(table, TOWN_COLUMNS, problems):
        return None
    known = (*TOWN_COLUMNS, *DISPLAY_TOWN.values(), *DISPLAY_REGION.values())
    if not check_columns(table, known, problems, extra_allowed=True):
        return None
    names, regions, tiers, pops = [], [], [], []
    seen: dict[str, int] = {}
    for i, row in enumerate(table.rows):
        cells = dict(zip(table.header, row, strict=False))
        name = cells.get("town", "")
        where = cell_at(table.name, table.line(i), "town")
        if not name:
            problems.append(_("{where}: the name is empty").format(where=where))
        elif name in seen:
            problems.append(
                _("{where}: duplicate town {name} (also row {other})").format(
                    where=where, name=repr(name), other=table.line(seen[name])
                )
            )
        else:
            seen[name] = i
        tier = cells.get("tier", "")
        if head.tiers and tier not in head.tiers:
            problems.append(
                _("{where}: unknown tier {tier} (instance.toml lists {tiers})").format(
                    where=cell_at(table.name, table.line(i), "tier"),
                    tier=repr(tier),
                    tiers=", ".join(head.tiers),
                )
            )
        pop = parse_number(
            table, i, "population", cells.get("population", ""), problems, positive=True
        )
        names.append(name)
        regions.append(cells.get("region", ""))
        tiers.append(tier)
        pops.append(pop if pop is not None else 1.0)
    if not table.rows:
        problems.append(_("{file}: no towns (the file has only a header)").format(file=table.name))
    display_cols = {*DISPLAY_TOWN.values(), *DISPLAY_REGION.values()}
    extra = {
        col: tuple(table.column(col))
        for col in table.header
        if col not in TOWN_COLUMNS and col and col not in display_cols
    }
    return {
        "names": names,
        "display": display_names(table, DISPLAY_TOWN, names),
        "region_display": display_names(table, DISPLAY_REGION, regions),
        "regions": regions,
        "tiers": tiers,
        "population": np.array(pops, dtype=float),
        "extra": extra,
    }


def display_names(
    table: Table, columns: dict[str, str], ids: list[str]
) -> dict[str, tuple[str, ...]]:
    """Language -> one display name per row from the table's optional columns
    (`columns`: language -> column); an empty cell falls back to the row's id."""
    return {
        lang: tuple(v or n for v, n in zip(table.column(col), ids, strict=True))
        for lang, col in columns.items()
        if col in table.header
    }


def read_measures(root: Path, head: Header, problems: list[str]) -> dict[str, Any] | None:
    table = read_table(root / "measures.csv", problems)
    if table is None:
        return None
    effect_cols = [f"{c}_per_mln" for c in head.criteria]
    for c, col in zip(head.criteria, effect_cols, strict=True):
        if col not in table.header:
            problems.append(
                _("{file}: criterion {criterion} of instance.toml has no column {column}").format(
                    file=table.name, criterion=repr(c), column=repr(col)
                )
            )
    known = (*MEASURE_COLUMNS, *effect_cols, "sigma", *DISPLAY_MEASURE.values(), *NOTE_COLUMNS)
    if (
        not require_columns(table, MEASURE_COLUMNS, problems)
        or any(c not in table.header for c in effect_cols)
        or not check_columns(table, known, problems)
    ):
        return None
    has_sigma = "sigma" in table.header
    names, labels, instruments = [], [], []
    cost, cap, sigma = [], [], []
    effects = np.zeros((len(table.rows), len(head.criteria)))
    seen: dict[str, int] = {}
    for i, row in enumerate(table.rows):
        cells = dict(zip(table.header, row, strict=False))
        name = cells.get("measure", "")
        where = cell_at(table.name, table.line(i), "measure")
        if not name:
            problems.append(_("{where}: the name is empty").format(where=where))
        elif name in seen:
            problems.append(
                _("{where}: duplicate measure {name} (also row {other})").format(
                    where=where, name=repr(name), other=table.line(seen[name])
                )
            )
        else:
            seen[name] = i
        inst = cells.get("instrument", "")
        if inst not in INSTRUMENTS:
            problems.append(
                _("{where}: unknown instrument {instrument} (one of {instruments})").format(
                    where=cell_at(table.name, table.line(i), "instrument"),
                    instrument=repr(inst),
                    instruments=", ".join(INSTRUMENTS),
                )
            )
        bc = parse_number(
            table, i, "budget_cost", cells.get("budget_cost", ""), problems, positive=True
        )
        cp = parse_number(
            table, i, "capacity_per_capita", cells.get("capacity_per_capita", ""), problems
        )
        for k, col in enumerate(effect_cols):
            v = parse_number(table, i, col, cells.get(col, ""), problems)
            effects[i, k] = v if v is not None else 0.0
        sg = 0.0
        if has_sigma:
            s = parse_number(table, i, "sigma", cells.get("sigma", ""), problems, allow_empty=True)
            sg = s if s is not None else float("nan")
        names.append(name)
        labels.append(cells.get("label", "") or name)
        instruments.append(inst)
        cost.append(bc if bc is not None else 1.0)
        cap.append(cp if cp is not None else 0.0)
        sigma.append(sg)
    if not table.rows:
        problems.append(
            _("{file}: no measures (the file has only a header)").format(file=table.name)
        )
    return {
        "names": names,
        "display": display_names(table, DISPLAY_MEASURE, names),
        "labels": labels,
        "instruments": instruments,
        "budget_cost": np.array(cost, dtype=float),
        "capacity_pc": np.array(cap, dtype=float),
        "effects": effects,
        "sigma": np.array(sigma, dtype=float) if has_sigma else None,
    }


def apply_tier_effects(
    root: Path, head: Header, n_measures: int, measure_pos: dict[str, int], problems: list[str]
) -> tuple[np.ndarray, np.ndarray] | None:
    """(tiers x measures) multiplier and eligibility; defaults 1.0 and True. One column per
    row of measures.csv (`n_measures`), a duplicated measure included: `measure_pos` points
    at first rows, which may lie past the number of distinct names."""
    mult = np.ones((len(head.tiers), n_measures))
    elig = np.ones((len(head.tiers), n_measures), dtype=bool)
    path = root / "tier_effects.csv"
    if not path.exists():
        return mult, elig
    table = read_table(path, problems)
    if (
        table is None
        or not require_columns(table, ("tier", "measure"), problems)
        or not check_columns(table, TIER_EFFECT_COLUMNS, problems)
    ):
        return None
    seen: dict[tuple[str, str], int] = {}
    for i, row in enumerate(table.rows):
        cells = dict(zip(table.header, row, strict=False))
        tier, meas = cells.get("tier", ""), cells.get("measure", "")
        line = table.line(i)
        ok = True
        if tier not in head.tiers:
            problems.append(
                _("{where}: unknown tier {tier}").format(
                    where=cell_at(table.name, line, "tier"), tier=repr(tier)
                )
            )
            ok = False
        if meas not in measure_pos:
            problems.append(
                _("{where}: unknown measure {measure}").format(
                    where=cell_at(table.name, line, "measure"), measure=repr(meas)
                )
            )
            ok = False
        if (tier, meas) in seen:
            problems.append(
                _("{where}: duplicate pair ({tier}, {measure}) (also row {other})").format(
                    where=row_at(table.name, line),
                    tier=tier,
                    measure=meas,
                    other=table.line(seen[(tier, meas)]),
                )
            )
            ok = False
        seen[(tier, meas)] = i
        m_val = 1.0
        if cells.get("multiplier", "") != "":
            parsed = parse_number(table, i, "multiplier", cells["multiplier"], problems)
            ok = ok and parsed is not None
            m_val = parsed if parsed is not None else 1.0
        e_val = True
        if cells.get("eligible", "") != "":
            b = parse_bool(table, i, "eligible", cells["eligible"], problems)
            ok = ok and b is not None
            e_val = bool(b)
        if ok:
            ti, mi = head.tiers.index(tier), measure_pos[meas]
            mult[ti, mi] = m_val
            elig[ti, mi] = e_val
    return mult, elig


def apply_effects(
    root: Path,
    head: Header,
    town_pos: dict[str, int],
    measure_pos: dict[str, int],
    base: np.ndarray,
    capacity: np.ndarray,
    problems: list[str],
) -> bool:
    """Overwrite per-cell effects and capacities from effects.csv (in place)."""
    path = root / "effects.csv"
    if not path.exists():
        return False
    table = read_table(path, problems)
    if table is None or not require_columns(table, ("town", "measure"), problems):
        return True
    effect_cols = [f"{c}_per_mln" for c in head.criteria]
    check_columns(table, ("town", "measure", *effect_cols, "capacity_mln", *NOTE_COLUMNS),
                  problems)  # fmt: skip
    seen: dict[tuple[str, str], int] = {}
    for i, row in enumerate(table.rows):
        cells = dict(zip(table.header, row, strict=False))
        cell = cell_of(table, i, cells, town_pos, measure_pos, seen, problems)
        if cell is None:
            continue
        t, m = cell
        for k, col in enumerate(effect_cols):
            if cells.get(col, "") != "":
                v = parse_number(table, i, col, cells[col], problems)
                if v is not None:
                    base[t, m, k] = v
        if cells.get("capacity_mln", "") != "":
            v = parse_number(table, i, "capacity_mln", cells["capacity_mln"], problems)
            if v is not None:
                capacity[t, m] = v
    return True


def check_products(
    root: Path,
    head: Header,
    towns: list[str],
    measures: list[str],
    effect: np.ndarray,
    capacity: np.ndarray,
    problems: list[str],
) -> None:
    """Each input is at most MAX_NUMBER, but the model holds products of them (an effect
    times its tier multiplier, capacity per resident times population): check those too,
    naming the first cell at fault, before a solver sees them."""
    for what, values, unit in (
        (N_("effect per million after the tier multiplier"), effect, "tier_effects.csv"),
        (N_("capacity in millions (capacity_per_capita x population / 1e6)"), capacity,
         "towns.csv, measures.csv"),
    ):  # fmt: skip
        flat = values.reshape(len(towns), len(measures), -1).max(axis=2)
        if flat.size and flat.max() > MAX_NUMBER:
            t, m = np.unravel_index(int(np.argmax(flat)), flat.shape)
            problems.append(
                _(
                    "{file}: cell ({town}, {measure}): {what} is {value}, above {limit}, {why}"
                ).format(
                    file=root / unit.split(",")[0],
                    town=towns[t],
                    measure=measures[m],
                    what=_(what),
                    value=f"{flat[t, m]:.3g}",
                    limit=f"{MAX_NUMBER:g}",
                    why=_(LIMIT_WHY),
                )
            )


# ----------------------------------------------------------------------------- entry point


def load_instance(path: str | Path) -> Instance:
    """Read and validate an instance folder; raise InstanceError listing every problem."""
    root = Path(path)
    if not root.is_dir():
        raise InstanceError(
            _("{path}: not an instance folder (expected a directory)").format(path=root)
        )
    problems: list[str] = []
    head = read_header(root, problems)
    if head is None:
        raise InstanceError(problems[0], problems)
    towns = read_towns(root, head, problems)
    measures = read_measures(root, head, problems)
    if towns is None or measures is None or not head.criteria or not head.tiers:
        raise InstanceError(problems[0], problems)

    town_pos = first_positions(towns["names"])
    measure_pos = first_positions(measures["names"])
    tier_tables = apply_tier_effects(root, head, len(measures["names"]), measure_pos, problems)
    T, M = len(towns["names"]), len(measures["names"])
    base = np.broadcast_to(measures["effects"][None, :, :], (T, M, len(head.criteria))).copy()
    capacity = np.outer(towns["population"], measures["capacity_pc"]) / 1e6
    has_effects = apply_effects(root, head, town_pos, measure_pos, base, capacity, problems)
    if problems:
        raise InstanceError(problems[0], problems)
    assert tier_tables is not None
    tier_idx = np.array([head.tiers.index(t) for t in towns["tiers"]], dtype=np.int64)
    mult = tier_tables[0][tier_idx]
    eligible = tier_tables[1][tier_idx]
    check_products(root, head, towns["names"], measures["names"], base * mult[:, :, None],
                   capacity, problems)  # fmt: skip
    projects = read_projects(root, head.criteria, head.lines, towns["names"], measures["names"],
                             measures["budget_cost"], eligible, towns["tiers"], problems)  # fmt: skip
    if problems:
        raise InstanceError(problems[0], problems)

    files = ["instance.toml", "towns.csv", "measures.csv"]
    files += [f for f in ("effects.csv", "tier_effects.csv", "projects.csv")
              if (root / f).exists()]  # fmt: skip
    if not has_effects:
        files = [f for f in files if f != "effects.csv"]
    return Instance(
        path=root,
        name=head.name,
        display_names=head.display_names,
        currency=head.currency,
        criteria=head.criteria,
        tiers=head.tiers,
        default_scenario=head.default_scenario,
        widths=np.array(head.widths, dtype=float),
        seg_mult=np.array(head.seg_mult, dtype=float),
        towns=tuple(towns["names"]),
        regions=tuple(towns["regions"]),
        town_tier=tuple(towns["tiers"]),
        population=towns["population"],
        measures=tuple(measures["names"]),
        labels=tuple(measures["labels"]),
        instruments=tuple(measures["instruments"]),
        budget_cost=measures["budget_cost"],
        base=base,
        mult=mult,
        eligible=eligible,
        capacity=capacity,
        measure_sigma=measures["sigma"],
        files=tuple(files),
        sha256=file_digest(root, files),
        provenance=head.provenance,
        town_extra=towns["extra"],
        lines=head.lines,
        projects=projects,
        town_names=towns["display"],
        measure_labels=measures["display"],
        region_names=towns["region_display"],
    )
