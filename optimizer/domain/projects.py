"""`projects.csv` (SPEC section 12): projects funded all or nothing, in part, or freely.

    project,town,measure,volume_mln,<criterion> ...[,min_fraction][,group][,<line>_mln ...][,note]

A project's funding fraction `y` is 0 or lies in `[min_fraction, 1]` (`min_fraction`
default 1: all or nothing; 0: divisible). Funded at `y`, it puts `y * volume_mln` of
volume into its (town, measure), costs `y * volume_mln * budget_cost[measure]` of
the budget and `y * <line>_mln` on each funding line, and adds `y * <criterion>`
(its total effect when fully funded; effects do not pass through the curve). At
most one project of a `group` is funded.

Every check happens here, once, with the file, row and column named; the rows
are spreadsheet rows (the header is row 1).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from optimizer.domain.tables import (
    Table,
    cell_at,
    parse_number,
    read_table,
    require_columns,
)
from optimizer.i18n import _

FIXED_COLUMNS = ("project", "town", "measure", "volume_mln")
OPTIONAL_COLUMNS = ("min_fraction", "group", "note")
# Fractions within this of 0 or 1 are read as 0 or 1: a MIP solver's integrality
# tolerance (1e-6) leaves binaries a hair off.
FRACTION_TOL = 1e-6


@dataclass(frozen=True, eq=False)
class Projects:
    """Validated projects as arrays, P projects, C criteria, L funding lines.

    `town`, `measure`: indices into the instance's towns and measures;
    `effects[p, c]`: criterion c when fully funded; `line_cost[p, l]`: millions on
    line l when fully funded; `group[p]`: "" when the project has no alternatives.
    """

    names: tuple[str, ...]
    town: np.ndarray  # (P,) int
    measure: np.ndarray  # (P,) int
    volume: np.ndarray  # (P,) millions of volume when fully funded
    cost: np.ndarray  # (P,) budget cost when fully funded: volume * budget_cost[measure]
    effects: np.ndarray  # (P, C)
    min_fraction: np.ndarray  # (P,)
    group: tuple[str, ...]
    line_cost: np.ndarray  # (P, L)
    notes: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.names)

    @property
    def needs_binary(self) -> np.ndarray:
        """(P,) bool: the project needs an on/off decision (not freely divisible, or one
        of a group of alternatives)."""
        return (self.min_fraction > 0) | np.array([g != "" for g in self.group], dtype=bool)

    @property
    def all_or_nothing(self) -> bool:
        return bool(np.all(self.min_fraction >= 1.0))

    def groups(self) -> dict[str, list[int]]:
        out: dict[str, list[int]] = {}
        for p, g in enumerate(self.group):
            if g:
                out.setdefault(g, []).append(p)
        return out

    def index(self, name: str) -> int:
        return self.names.index(name)

    def clean(self, fractions: np.ndarray) -> np.ndarray:
        """Fractions as funded: solver round-off near 0 and 1 removed."""
        y = np.clip(np.asarray(fractions, dtype=float), 0.0, 1.0)
        y = np.where(y <= FRACTION_TOL, 0.0, y)
        return np.where(y >= 1.0 - FRACTION_TOL, 1.0, y)

    def score(self, fractions: np.ndarray) -> np.ndarray:
        """(C,) criteria the projects add at these fractions."""
        return self.clean(fractions) @ self.effects

    def cost_by_cell(self, fractions: np.ndarray, n_towns: int, n_measures: int) -> np.ndarray:
        """(T, M) budget cost of the projects at these fractions, by their cell."""
        out = np.zeros((n_towns, n_measures))
        np.add.at(out, (self.town, self.measure), self.clean(fractions) * self.cost)
        return out


def read_projects(
    root: Path,
    criteria: tuple[str, ...],
    lines: tuple[str, ...],
    towns: list[str],
    measures: list[str],
    budget_cost: np.ndarray,
    eligible: np.ndarray | None,
    town_tier: list[str],
    problems: list[str],
) -> Projects | None:
    """Read `projects.csv` if the instance has one; record every problem found."""
    path = root / "projects.csv"
    if not path.exists():
        return None
    table = read_table(path, problems)
    if table is None:
        return None
    line_cols = [f"{name}_mln" for name in lines]
    if not require_columns(table, [*FIXED_COLUMNS, *criteria], problems):
        return None
    known = {*FIXED_COLUMNS, *criteria, *OPTIONAL_COLUMNS, *line_cols}
    for col in table.header:
        if col in known:
            continue
        if col.endswith("_mln"):
            declared = ", ".join(lines) if lines else _("none")
            problems.append(
                _(
                    "{where}: unknown funding line {line} (instance.toml 'lines' declares: "
                    "{declared})"
                ).format(
                    where=_("{file}: column {column}").format(file=table.name, column=repr(col)),
                    line=repr(col[:-4]),
                    declared=declared,
                )
            )
        else:
            problems.append(
                _("{file}: unknown column {column} (known: {known})").format(
                    file=table.name, column=repr(col), known=", ".join(sorted(known))
                )
            )
    return parse_rows(table, criteria, lines, towns, measures, budget_cost, eligible,
                      town_tier, problems)  # fmt: skip


def parse_rows(
    table: Table,
    criteria: tuple[str, ...],
    lines: tuple[str, ...],
    towns: list[str],
    measures: list[str],
    budget_cost: np.ndarray,
    eligible: np.ndarray | None,
    town_tier: list[str],
    problems: list[str],
) -> Projects | None:
    town_pos = {n: i for i, n in enumerate(towns)}
    measure_pos = {n: i for i, n in enumerate(measures)}
    n = len(table.rows)
    names: list[str] = []
    t_idx, m_idx = np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64)
    volume, min_frac = np.zeros(n), np.ones(n)
    effects, line_cost = np.zeros((n, len(criteria))), np.zeros((n, len(lines)))
    groups, notes = [], []
    seen: dict[str, int] = {}
    for i, row in enumerate(table.rows):
        cells = dict(zip(table.header, row, strict=False))
        line = table.line(i)
        name = cells.get("project", "")
        if not name:
            problems.append(
                _("{where}: the name is empty").format(where=cell_at(table.name, line, "project"))
            )
        elif name in seen:
            problems.append(
                _("{where}: duplicate project {name} (also row {other})").format(
                    where=cell_at(table.name, line, "project"),
                    name=repr(name),
                    other=table.line(seen[name]),
                )
            )
        else:
            seen[name] = i
        town, meas = cells.get("town", ""), cells.get("measure", "")
        t, m = town_pos.get(town), measure_pos.get(meas)
        if t is None:
            problems.append(
                _("{where}: unknown town {town} (not in towns.csv)").format(
                    where=cell_at(table.name, line, "town"), town=repr(town)
                )
            )
        if m is None:
            problems.append(
                _("{where}: unknown measure {measure} (not in measures.csv)").format(
                    where=cell_at(table.name, line, "measure"), measure=repr(meas)
                )
            )
        if t is not None and m is not None:
            t_idx[i], m_idx[i] = t, m
            if eligible is not None and not eligible[t, m]:
                problems.append(
                    _(
                        "{where}: town {town} is of tier {tier}, which may not use measure "
                        "{measure} (tier_effects.csv)"
                    ).format(
                        where=cell_at(table.name, line, "measure"),
                        town=repr(town),
                        tier=repr(town_tier[t]),
                        measure=repr(meas),
                    )
                )
        v = parse_number(table, i, "volume_mln", cells.get("volume_mln", ""), problems,
                         positive=True)  # fmt: skip
        volume[i] = v if v is not None else 0.0
        for k, c in enumerate(criteria):
            e = parse_number(table, i, c, cells.get(c, ""), problems)
            effects[i, k] = e if e is not None else 0.0
        frac_raw = cells.get("min_fraction", "")
        if frac_raw != "":
            f = parse_number(table, i, "min_fraction", frac_raw, problems)
            if f is not None and f > 1:
                problems.append(
                    _(
                        "{where}: must lie in [0, 1] (1: all or nothing, 0: freely divisible), "
                        "got {value}"
                    ).format(where=cell_at(table.name, line, "min_fraction"), value=frac_raw)
                )
            elif f is not None:
                min_frac[i] = f
        for k, ln in enumerate(lines):
            raw = cells.get(f"{ln}_mln", "")
            if raw == "":
                continue  # no cost on that line
            cost_k = parse_number(table, i, f"{ln}_mln", raw, problems)
            line_cost[i, k] = cost_k if cost_k is not None else 0.0
        groups.append(cells.get("group", ""))
        notes.append(cells.get("note", ""))
        names.append(name)
    if not table.rows:
        problems.append(
            _("{file}: no projects (the file has only a header)").format(file=table.name)
        )
    return Projects(
        names=tuple(names),
        town=t_idx,
        measure=m_idx,
        volume=volume,
        cost=volume * np.asarray(budget_cost)[m_idx] if len(budget_cost) else volume,
        effects=effects,
        min_fraction=min_frac,
        group=tuple(groups),
        line_cost=line_cost,
        notes=tuple(notes),
    )
