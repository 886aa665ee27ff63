"""The report a person reads, as blocks (headings, paragraphs, key figures, tables,
figures, the front to walk) laid out from a `Study`; `outputs.render` turns them
into Markdown, self-contained HTML and a workbook.
"""

from __future__ import annotations

import hashlib
import platform
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from optimizer import __version__
from optimizer.analysis.compare import point_values
from optimizer.analysis.pareto import ParetoFront
from optimizer.analysis.study import Study
from optimizer.domain.actual import ActualSpend
from optimizer.domain.instance import Instance
from optimizer.domain.results import Solution
from optimizer.domain.scenario import Scenario
from optimizer.i18n import _
from optimizer.outputs.text import mln, num, pct, scenario_name

# ----------------------------------------------------------------------------- blocks


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 2


@dataclass(frozen=True)
class Para:
    text: str
    kind: str = "p"  # "p" | "lead" | "note"


@dataclass(frozen=True)
class Items:
    items: tuple[str, ...]


@dataclass(frozen=True)
class Figures:
    """Key figures: (label, value, detail) cards."""

    cards: tuple[tuple[str, str, str], ...]


@dataclass(frozen=True)
class TableBlock:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[bool, ...]  # right-align these columns
    caption: str = ""


@dataclass(frozen=True)
class Image:
    name: str  # file name used by the Markdown version
    alt: str


@dataclass(frozen=True, eq=False)
class FrontWalk:
    """The exact two-criterion front to walk in report.html (SPEC section 13): the
    breakpoints' criteria values and allocations, sorted by the first criterion."""

    criteria: tuple[str, ...]
    values: np.ndarray  # (breakpoints, 2)
    volumes: tuple[np.ndarray, ...]  # (towns, measures) per breakpoint
    towns: tuple[str, ...]
    measures: tuple[str, ...]
    labels: tuple[str, ...]
    budget_cost: tuple[float, ...]
    rate_unit: str
    knee: float | None = None  # the knee's first criterion: where the slider starts


Block = Heading | Para | Items | Figures | TableBlock | Image | FrontWalk


@dataclass(frozen=True, eq=False)
class Report:
    title: str
    blocks: tuple[Block, ...]
    images: dict[str, bytes] = field(default_factory=dict)
    solution: Solution | None = None
    comparison: Any = None


def table(
    header: list[str], rows: list[list[Any]], numeric: list[bool] | None = None, caption: str = ""
) -> TableBlock:
    num = numeric if numeric is not None else [False] + [True] * (len(header) - 1)
    if len(num) != len(header) or any(len(r) != len(header) for r in rows):
        raise ValueError(f"table {caption or header[0]!r}: rows and alignment must have "
                         f"{len(header)} columns like the header")  # fmt: skip
    return TableBlock(
        tuple(header), tuple(tuple(str(c) for c in r) for r in rows), tuple(num), caption
    )


# ----------------------------------------------------------------------------- building


def build_report(study: Study) -> Report:
    """Lay out a study (`analysis.study.run_study`): the optimum, the front and the
    comparison with an actual spend when there is one."""
    from optimizer.outputs.plots.compare import allocation_png

    instance, scenario, sol = study.instance, study.scenario, study.solution
    actual, cmp = study.actual, study.comparison
    images: dict[str, bytes] = {}
    blocks: list[Block] = []
    cur = instance.currency
    title = f"{instance.name}: {scenario_name(scenario.name)}"
    blocks.append(Heading(title, 1))
    from optimizer.outputs.text import provenance_line

    banner = provenance_line(instance, scenario, [actual, scenario.baseline_path])
    if banner:  # SPEC section 11: a banner of what is not a cited fact
        blocks.append(Para(banner, "note"))
    from optimizer.outputs.text import spend_words as spend_name

    spend_words = spend_name(instance, actual)
    lead = (
        f"The exact optimum of the scenario {scenario.name!r} ({scenario.objective.method}) "
        f"for {instance.n_towns} towns and {instance.n_measures} measures"
        + (f", compared with the {spend_words} {actual.name!r}." if actual else ".")
    )
    if cmp is not None:
        same = abs(cmp.budget_mln - cmp.actual_budget_mln) <= 1e-6 * max(1.0, cmp.budget_mln)
        lead += (
            f" Every figure is at the {spend_words}'s budget cost, {mln(cmp.budget_mln)} mln "
            f"{cur}: the optimum, the front and the comparison."
            if same
            else f" Every figure is at the budget of {mln(cmp.budget_mln)} mln {cur} "
            f"(--budget); the {spend_words} cost {mln(cmp.actual_budget_mln)} mln {cur}."
        )
    blocks.append(Para(lead, "lead"))
    at = f"at {mln(scenario.budget_mln)} mln"
    cards = [
        ("budget", f"{mln(scenario.budget_mln)} mln", cur),
        (
            "allocated",
            f"{mln(sol.allocated_mln)} mln",
            f"{sol.allocated_mln / scenario.budget_mln:.1%} of the budget"
            if scenario.budget_mln
            else "",
        ),
    ]
    for c in instance.criteria:
        cards.append((c, num(sol.objectives[c]), f"optimum {at}"))
    if cmp is not None:
        short = spend_words.split()[0]  # "actual" or "illustrative"
        for c in instance.criteria:
            u = cmp.uplift[c]
            cards.append(
                (f"{c} vs {short}", f"{u['abs']:+,.0f}", f"{pct(u['pct'], True)} {at}".strip())
            )
        if cmp.efficiency.value is not None:
            cards.append(
                (
                    f"efficiency of the {short} spend",
                    f"{cmp.efficiency.value:.0%}",
                    "of the money reaches the same outcomes",
                )
            )
    blocks.append(Figures(tuple(cards)))
    if cmp is not None:
        from optimizer.outputs.text import headline

        blocks.append(Items(tuple(headline(cmp))))

    blocks += scenario_blocks(instance, scenario)
    blocks += solution_blocks(instance, sol, ranges=study.ranges)
    blocks += project_blocks(instance, sol)
    images["report-allocation.png"] = allocation_png(instance, sol, cap_share=town_cap(scenario))
    blocks.append(Image("report-allocation.png", allocation_alt(instance, sol, scenario)))
    front_blocks, front_images = pareto_blocks(instance, study.front, sol, cmp)
    blocks += front_blocks
    images.update(front_images)
    if cmp is not None:
        from optimizer.outputs.plots.compare import compare_png

        blocks += comparison_blocks(cmp)
        images["report-compare.png"] = compare_png(cmp, cmp.dominance.front_values)
        blocks.append(
            Image(
                "report-compare.png",
                f"Budget cost of the {spend_words} {cmp.actual.name!r} and of the optimum by tier "
                "and by measure (one scale), and both in the plane of the first two criteria "
                "with the closest improving plans and the front.",
            )
        )
    blocks += shadow_blocks(sol, study.sensitivity, cur)
    blocks += provenance_blocks(instance, scenario, sol, actual)
    return Report(title, tuple(blocks), images, sol, cmp)


def town_cap(scenario: Scenario) -> float | None:
    """The tightest per-town cap on the share of the allocation (a rule over all towns)."""
    caps = [b.value for r in scenario.rules if r.per_town and not r.selectors
            for b in r.bounds if b.kind == "max_share"]  # fmt: skip
    return min(caps) if caps else None


def allocation_alt(instance: Instance, sol: Solution, scenario: Scenario) -> str:
    """What the allocation chart shows, in words (its alt text and caption)."""
    per_town = sol.cost.sum(axis=1)
    funded = int((per_town > 1e-9).sum())
    t = int(np.argmax(per_town))
    cap = town_cap(scenario)
    return (
        f"Budget cost by town, stacked by measure, for the {min(funded, 40)} towns with the most "
        f"money ({funded} of {instance.n_towns} are funded); {instance.towns[t]} gets most, "
        f"{mln(float(per_town[t]))} mln"
        + (f"; the dashed line is the town cap of {cap:.0%} of the allocation" if cap else "")
        + "."
    )


def scenario_blocks(instance: Instance, scenario: Scenario) -> list[Block]:
    obj = scenario.objective
    out: list[Block] = [Heading(_("Scenario"))]
    if scenario.description:
        out.append(Para(" ".join(scenario.description.split())))
    rows = [
        ["budget", f"{mln(scenario.budget_mln)} mln {instance.currency}".strip()],
        ["spend all", "yes" if scenario.spend_all else "no (up to the budget)"],
        ["method", obj.method],
        ["weights", ", ".join(f"{k} {v:g}" for k, v in obj.weights.items()) or "equal"],
        ["normalize", obj.normalize],
    ]
    extra = {
        "order": ", ".join(obj.order),
        "primary": obj.primary or "",
        "epsilon": fmt_map(obj.epsilon),
        "ref": fmt_map(obj.ref),
        "targets": fmt_map(obj.targets),
    }
    rows += [[k, v] for k, v in extra.items() if v]
    out.append(table(["setting", "value"], rows, [False, False]))
    if scenario.limits:
        out.append(
            table(
                ["instrument", "volume limit, mln"],
                [[k, mln(v)] for k, v in scenario.limits.items()],
                caption="Instrument limits",
            )
        )
    if scenario.rules:
        rows = []
        for r in scenario.rules:
            sel = "; ".join(f"{k} = {', '.join(v)}" for k, v in r.selectors) or "all cells"
            bnd = "; ".join(bound_words(b.kind, b.value) for b in r.bounds)
            rows.append([r.label, sel, bnd + (" (each town)" if r.per_town else "")])
        out.append(
            table(["rule", "selects", "bound"], rows, [False, False, False], caption="Rules")
        )
    else:
        out.append(Para("No rules: only the budget, the limits and the capacities bind.", "note"))
    return out


def fmt_map(d: dict[str, float]) -> str:
    return ", ".join(f"{k} {v:,.6g}" for k, v in d.items())


def bound_words(kind: str, value: float) -> str:
    return {
        "min_share": f"at least {value:.1%} of the allocation",
        "max_share": f"at most {value:.1%} of the allocation",
        "min_mln": f"at least {value:,.1f} mln",
        "max_mln": f"at most {value:,.1f} mln",
        "min_per_capita": f"at least {value:,.0f} per resident",
        "max_per_capita": f"at most {value:,.0f} per resident",
    }.get(kind, f"{kind} {value:g}")


def project_blocks(instance: Instance, sol: Solution) -> list[Block]:
    """The funded projects of an instance with projects (SPEC section 12), largest
    budget cost first: project, town, measure, fraction, budget cost, criteria."""
    pr = instance.projects
    if pr is None or sol.fractions is None:
        return []
    y = np.asarray(sol.fractions, dtype=float)
    funded = [int(p) for p in np.argsort(-(y * pr.cost), kind="stable") if y[p] > 1e-9]
    total = float(y @ pr.cost)
    out: list[Block] = [
        Heading("Funded projects"),
        Para(
            f"{len(funded)} of {len(pr)} projects funded, for {mln(total)} mln of budget "
            "cost; a project's criteria are its own effects times its fraction."
        ),
    ]
    if not funded:
        return out
    header = ["project", "town", "measure", "fraction", "budget cost mln", *instance.criteria]
    rows = [
        [pr.names[p], instance.towns[pr.town[p]], instance.measures[pr.measure[p]],
         f"{y[p]:.3g}", mln(float(y[p] * pr.cost[p])),
         *(num(float(v)) for v in y[p] * pr.effects[p])]
        for p in funded
    ]  # fmt: skip
    numeric = [False, False, False] + [True] * (len(header) - 3)
    out.append(table(header, rows, numeric, caption="Funded projects"))
    return out


def solution_blocks(
    instance: Instance, sol: Solution, top: int = 60, ranges: Any = None
) -> list[Block]:
    out: list[Block] = [Heading(_("Optimal allocation"))]
    at = f"at {mln(sol.budget_mln)} mln"  # every caption names its budget
    rows: list[list[Any]] = []
    for i, c in enumerate(instance.criteria):
        row = [c, num(sol.objectives[c])]
        if sol.payoff is not None:
            ideal, nadir = sol.payoff.ideal[i], sol.payoff.nadir[i]
            span = ideal - nadir
            row += [
                num(ideal),
                num(nadir),
                pct((sol.objectives[c] - nadir) / span * 100) if span > 1e-12 else "n/a",
            ]
        rows.append(row)
    header = ["criterion", "optimum"] + (["ideal", "nadir", "of the range"] if sol.payoff else [])
    out.append(
        table(header, rows, caption=f"Criteria ({at}; ideal and nadir from the payoff table)")
    )

    total = max(sol.allocated_mln, 1e-12)
    tidx = instance.tier_index
    rows = []
    for i, t in enumerate(instance.tiers):
        sel = tidx == i
        v = float(sol.cost[sel].sum())
        pop = float(instance.population[sel].sum())
        rows.append(
            [
                t,
                int(sel.sum()),
                f"{pop:,.0f}",
                mln(v),
                pct(v / total * 100),
                f"{v * 1e6 / pop:,.0f}" if pop else "n/a",
            ]
        )
    out.append(
        table(
            ["tier", "towns", "residents", "cost, mln", "share", "per resident"],
            rows,
            caption=f"By tier ({at})",
        )
    )
    rows = []
    for j, m in enumerate(instance.measures):
        v = float(sol.cost[:, j].sum())
        rows.append(
            [
                m,
                instance.instruments[j],
                f"{instance.budget_cost[j]:g}",
                mln(float(sol.volumes[:, j].sum())),
                mln(v),
                pct(v / total * 100),
                int((sol.volumes[:, j] > 1e-9).sum()),
            ]
        )
    out.append(
        table(
            [
                "measure",
                "instrument",
                "cost per unit",
                "volume, mln",
                "cost, mln",
                "share",
                "towns funded",
            ],
            rows,
            [False, False, True, True, True, True, True],
            caption=f"By measure ({at})",
        )
    )
    per_town = sol.cost.sum(axis=1)
    order = np.argsort(-per_town, kind="stable")[:top]
    show_measures = instance.n_measures <= 8
    header = ["town", "tier", "residents", "cost, mln", "per resident"]
    if ranges is not None:  # --ranges: the town's least and greatest cost on the optimal face
        header += ["min, mln", "max, mln"]
    if show_measures:
        header += [m.replace("_", " ") for m in instance.measures]
    rows = []
    for t in order:
        row = [
            instance.towns[t],
            instance.town_tier[t],
            f"{instance.population[t]:,.0f}",
            mln(float(per_town[t])),
            f"{per_town[t] * 1e6 / instance.population[t]:,.0f}",
        ]
        if ranges is not None:
            row += [mln(ranges[t].min_cost_mln), mln(ranges[t].max_cost_mln)]
        if show_measures:
            row += [mln(float(v)) if v > 1e-9 else "" for v in sol.cost[t]]
        rows.append(row)
    caption = f"By town ({at}; budget cost, mln)"
    if ranges is not None:
        caption += "; min and max: any amount between them gives the same outcome"
    if instance.n_towns > top:
        caption += f": the {top} towns with the most money of {instance.n_towns}"
    out.append(table(header, rows, [False, False] + [True] * (len(header) - 2), caption=caption))
    return out


def pareto_blocks(
    instance: Instance,
    front: ParetoFront | None,
    sol: Solution,
    cmp: Any,
) -> tuple[list[Block], dict[str, bytes]]:
    """The front, or the payoff table (its extremes) when no front was traced."""
    from optimizer.outputs.plots.pareto import front_png
    from optimizer.outputs.text import spend_words as spend_name

    out: list[Block] = [Heading(_("Pareto front"))]
    crit = instance.criteria
    actual = cmp.actual_objectives if cmp is not None else None
    images: dict[str, bytes] = {}
    if front is not None:
        values = np.array([point_values(p, crit) for p in front.points]).reshape(-1, len(crit))
        knee = next((i for i, p in enumerate(front.points) if p.is_knee), None)
        bps = [i for i, p in enumerate(front.points) if p.is_breakpoint]
        budget_of = "the scenario's budget"
        if cmp is not None and abs(cmp.actual_budget_mln - front.budget_mln) <= 1e-6 * max(
            1.0, front.budget_mln
        ):
            budget_of = "the budget cost of the spend compared"
        text = (
            f"{len(values)} efficient allocations at {budget_of} "
            f"({mln(front.budget_mln)} mln), the scenario's rules and limits, found by the {front.method} "
            f"method: {len(bps)} breakpoints (efficient extreme points), the rest evenly spaced "
            f"between them. The trade-off columns give {front.rate_unit} towards the previous "
            f"and the next point."
        )
        out.append(Para(text))
        if front.message:
            out.append(Para(front.message, "note"))
        if cmp is not None and abs(cmp.actual_budget_mln - front.budget_mln) > 1e-6 * max(
            1.0, front.budget_mln
        ):
            out.append(
                Para(
                    f"Two budgets: the front and the optimum are at {mln(front.budget_mln)} "
                    f"mln (--budget), the spend compared cost {mln(cmp.actual_budget_mln)} mln.",
                    "note",
                )
            )
        rows = []
        for i, (p, v) in enumerate(zip(front.points, values, strict=True)):
            marks = ", ".join(w for w, f in (("breakpoint", i in bps), ("knee", i == knee)) if f)
            rows.append(  # numbered from 1, as in pareto.csv and the terminal
                [i + 1, *map(num, v), mln(p.allocated_mln), num(p.rate_prev), num(p.rate_next),
                 marks]
            )  # fmt: skip
        out.append(
            table(
                [
                    "point",
                    *crit,
                    "allocated, mln",
                    "trade-off to previous",
                    "trade-off to next",
                    "mark",
                ],
                rows,
                [True] * (len(crit) + 4) + [False],
                caption=f"Front points (at {mln(front.budget_mln)} mln)",
            )
        )
        if len(crit) == 2 and bps:
            out.append(front_walk(instance, front))
        if len(crit) >= 2:
            actual_values = None if actual is None else np.array([actual[c] for c in crit])
            better = None  # a plan that dominates the spend, drawn with an arrow
            if (
                actual is not None
                and cmp is not None
                and cmp.dominance.dominated
                and cmp.dominance.improvement
            ):
                gain = cmp.dominance.improvement
                better = np.array([actual[c] + gain[c] for c in crit])
            images["report-front.png"] = front_png(
                front, actual_values, instance.name, instance.currency,
                actual_better=better,
                actual_label="actual spend" if cmp is None
                else f"{spend_name(instance, cmp.actual)}: {cmp.actual.name}",
                scenario_name=sol.scenario_name,
                optimum=np.array([sol.objectives[c] for c in crit]),
            )  # fmt: skip
            kn = front.knee
            out.append(
                Image(
                    "report-front.png",
                    f"The efficient front of {crit[1]} against {crit[0]}: {len(bps)} breakpoints"
                    + (f", the knee at {crit[0]} {num(kn.values[0])}, {crit[1]} {num(kn.values[1])}"
                       if kn is not None else "")
                    + f", the scenario's optimum ({crit[0]} {num(sol.objectives[crit[0]])})"
                    + (f" and the {spend_name(instance, cmp.actual)}" if cmp is not None
                       else "") + ".",
                )
            )  # fmt: skip
        return out, images
    payoff = sol.payoff
    out.append(
        Para(
            "The front was not traced (--points 0); the payoff table below gives its "
            "extremes: each row maximizes one criterion, then the others with it held.",
            "note",
        )
    )
    if payoff is not None:
        rows = [[f"best {c}", *map(num, payoff.table[i])] for i, c in enumerate(crit)]
        out.append(table(["row", *crit], rows, caption="Payoff table"))
    return out, images


def project_change_blocks(cmp: Any) -> list[Block]:
    """The actual's funded projects against the optimum's: kept, dropped, added."""
    from optimizer.outputs.text import project_change_lines

    pc = cmp.projects
    if pc is None:
        return []
    pr = cmp.instance.projects
    rows = []
    for status, names, y in (("kept", pc.kept, pc.optimal_fractions),
                             ("dropped", pc.dropped, pc.actual_fractions),
                             ("added", pc.added, pc.optimal_fractions)):  # fmt: skip
        for n in names:
            p = pr.index(n)
            rows.append([n, status, f"{pc.actual_fractions[p]:.3g}",
                         f"{pc.optimal_fractions[p]:.3g}", mln(float(y[p] * pr.cost[p]))])  # fmt: skip
    out: list[Block] = [Items(tuple(project_change_lines(cmp)))]
    if rows:
        header = ["project", "optimum", "actual fraction", "optimal fraction", "budget cost mln"]
        out.append(table(header, rows, [False, False, True, True, True],
                         caption="Funded projects, actual against the optimum"))  # fmt: skip
    return out


def comparison_blocks(cmp: Any, top: int = 15) -> list[Block]:
    """The comparison with a spend: criteria and efficiency, the projects it keeps or
    changes, the closest improving plans, the rules it breaks, where money moves."""
    from optimizer.outputs.text import spend_words

    words = spend_words(cmp.instance, cmp.actual)  # "illustrative spend" where labelled
    out = criteria_blocks(cmp, words)
    out += project_change_blocks(cmp)
    out += closest_blocks(cmp)
    out += broken_blocks(cmp, words)
    out += change_blocks(cmp, words, top)
    return out


def criteria_blocks(cmp: Any, words: str) -> list[Block]:
    inst = cmp.instance
    short = words.split()[0]
    out: list[Block] = [Heading(f"{words.capitalize()}: {cmp.actual.name}")]
    out.append(
        Para(
            f"The {words} ({cmp.actual.path.name}) costs {mln(cmp.actual_budget_mln)} "
            f"mln; the optimum below is computed at {mln(cmp.budget_mln)} mln under the "
            f"scenario's rules and limits, and both are scored the same way."
        )
    )
    rows = [
        [
            c,
            num(cmp.actual_objectives[c]),
            num(cmp.optimal.objectives[c]),
            f"{cmp.uplift[c]['abs']:+,.1f}",
            pct(cmp.uplift[c]["pct"], True),
        ]
        for c in inst.criteria
    ]
    out.append(
        table(
            ["criterion", short, "optimal", "uplift", "uplift %"],
            rows,
            caption=f"Criteria (optimum at {mln(cmp.budget_mln)} mln)",
        )
    )
    eff = cmp.efficiency
    facts = [
        (
            "efficiency: "
            + (
                f"{eff.value:.1%} (the {words}'s outcomes need {mln(eff.min_budget_mln)} mln)"
                if eff.value is not None
                else f"n/a: {eff.reason}"
            )
        ),
        "dominated: " + ("yes" if cmp.dominance.dominated else f"no ({cmp.dominance.reason})"),
    ]
    out.append(Items(tuple(facts)))
    return out


def closest_blocks(cmp: Any) -> list[Block]:
    inst = cmp.instance
    out: list[Block] = []
    rows = []
    for p in cmp.closest:
        if p.moved_mln is None:
            rows.append([f"{p.phi:.0%}", "n/a", "n/a", "n/a", *(["n/a"] * len(inst.criteria))])
            continue
        rows.append(
            [
                f"{p.phi:.0%}",
                mln(p.taken_mln),
                mln(p.added_mln),
                mln(p.moved_mln),
                *(num(p.objectives[c]) for c in inst.criteria),
            ]
        )
    out.append(
        table(
            [
                "share of the gain",
                "moved, mln",
                "put in, mln",
                "total change, mln",
                *inst.criteria,
            ],
            rows,
            caption=f"Closest improving plans (at {mln(cmp.budget_mln)} mln): the least money "
            "moved, no criterion below the spend compared. Moved: money taken out of cells; "
            "total change: the sum of all cell changes (moved plus put in)",
        )
    )
    return out


def broken_blocks(cmp: Any, words: str) -> list[Block]:
    short = words.split()[0]
    out: list[Block] = []
    if cmp.broken_rules:
        rows = [
            [
                v.rule,
                v.bound,
                f"{v.limit:,.4g}",
                f"{v.value:,.4g}",
                f"{v.by:,.4g} {v.unit}",
                v.town or "",
            ]
            for v in cmp.broken_rules
        ]
        out.append(
            table(
                ["rule", "bound", "limit", short, "off by", "town"],
                rows,
                [False, False, True, True, True, False],
                caption=f"Rules the {words} breaks",
            )
        )
    wasted = [
        *((c, "above capacity") for c in cmp.over_capacity),
        *((c, "not eligible") for c in cmp.ineligible),
    ]
    if wasted:
        rows = [
            [c.town, c.measure, why, mln(c.volume_mln), mln(c.without_effect_mln)]
            for c, why in wasted
        ]
        out.append(
            table(
                ["town", "measure", "why", "volume, mln", "without effect, mln"],
                rows,
                [False, False, False, True, True],
                caption="Actual volume without effect",
            )
        )
    return out


def change_blocks(cmp: Any, words: str, top: int) -> list[Block]:
    from optimizer.analysis.compare import change_totals
    from optimizer.outputs.tables import reallocation_rows

    inst, short = cmp.instance, words.split()[0]
    out: list[Block] = []
    _head, cells = reallocation_rows(cmp)
    cap = (
        f"Largest changes from the spend compared to the optimum at {mln(cmp.budget_mln)} mln, "
        f"by budget cost (mln): {min(top, len(cells))} of {len(cells)} cells; all of them in "
        "reallocation.csv"
    )
    rows = [
        [r[0], r[1], mln(r[5]), mln(r[6]), f"{r[7]:+,.1f}", f"{r[4]:+,.1f}"] for r in cells[:top]
    ]
    out.append(
        table(
            [
                "town",
                "measure",
                "actual cost",
                "optimal cost",
                "change in cost",
                "change in volume",
            ],
            rows,
            [False, False, True, True, True, True],
            caption=cap,
        )
    )
    tot = change_totals(inst, cmp.actual.volume, cmp.optimal.volumes)
    for part, word in (("by_tier", "tier"), ("by_measure", "measure")):
        rows = [
            [
                k,
                mln(v["actual_cost_mln"]),
                mln(v["optimal_cost_mln"]),
                f"{v['change_cost_mln']:+,.1f}",
            ]
            for k, v in tot[part].items()
        ]
        out.append(
            table(
                [word, short, "optimal", "change"],
                rows,
                caption=f"Budget cost by {word}, mln (optimum at {mln(cmp.budget_mln)} mln)",
            )
        )
    return out


def shadow_blocks(sol: Solution, sens: Any = None, currency: str = "") -> list[Block]:
    """What relaxing each constraint buys, in criteria per unit (jobs per bn, residents
    per bn) and in money (the budget that buys as much); raw duals stay in summary.json."""
    from optimizer.outputs.tables import binding_words
    from optimizer.outputs.text import rate, unit_text

    if sens is None:  # a mixed-integer plan has no duals (README, "Projects")
        rows = [[sp.name, sp.state] for sp in sol.shadow_prices]
        return [
            Heading("Shadow prices"),
            Para(
                "A mixed-integer plan has no shadow prices; re-solve with --budget to see what "
                "more money buys.",
                "note",
            ),
            table(["constraint", "state"], rows, [False, False]),
        ]
    crit = list(sens.criteria)
    budget = next((e for e in sens.constraints if e.kind == "budget"), None)
    per_bn = budget.objective if budget is not None else 0.0
    rows = []
    for e in sens.constraints:
        got = e.rates.criteria or {}
        worth = ""
        if e.kind == "budget" and e.range_mln is not None:
            lo, hi = e.range_mln
            worth = f"holds for {lo:,.0f} – {'∞' if hi is None else f'{hi:,.0f}'} mln"
        elif per_bn and e.objective:
            worth = f"{e.objective / per_bn:,.3g} bn"
        rows.append([e.name + binding_words(e.binding, e.objective), unit_text(e.unit, currency),
                     *(rate(got.get(c)) for c in crit), worth])  # fmt: skip
    return [
        Heading(_("Shadow prices")),
        Para(
            "What relaxing each constraint by one unit buys, per criterion (re-solved at a "
            "small step), and what it is worth in budget: the money that buys as much of the "
            f"scenario's objective at the budget's rate (plan at {mln(sol.budget_mln)} mln)."
        ),
        table(
            ["constraint", "per", *(f"{c} per unit" for c in crit), "worth in budget"],
            rows,
            [False, False, *([True] * len(crit)), True],
            caption="Binding (no cost): the plan sits on the bound but relaxing it adds nothing; "
            "slack: the plan is off the bound",
        ),
    ]


def provenance_blocks(
    instance: Instance, scenario: Scenario, sol: Solution, actual: ActualSpend | None
) -> list[Block]:
    from optimizer.outputs.documents import provenance

    prov = provenance(instance, scenario)
    rows = [
        ["inputs sha256", prov["sha256"]],
        ["instance sha256", prov["instance_sha256"]],
        ["files", ", ".join(prov["files"])],
    ]
    if actual is not None:
        rows.append(
            [
                f"actual {actual.path.name} sha256",
                hashlib.sha256(actual.path.read_bytes()).hexdigest(),
            ]
        )
    rows += [
        ["monotowns", __version__],
        ["solver", f"{sol.solver.name} {sol.solver.version}"],
        ["solves", f"{sol.solver.solves} in {sol.solver.seconds:.3f} s"],
        ["python", platform.python_version()],
    ]
    rows += [[pkg, v] for pkg, v in package_versions().items()]
    return [Heading(_("Inputs and versions")), table(["item", "value"], rows, [False, False])]


def package_versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for pkg in ("highspy", "pulp", "numpy", "matplotlib"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            continue
    return out


def front_walk(instance: Instance, front: Any) -> FrontWalk:
    """The breakpoints of a two-criterion front, sorted by the first criterion."""
    bps = sorted(front.breakpoints, key=lambda p: float(p.values[0]))
    return FrontWalk(
        criteria=tuple(front.criteria),
        values=np.array([p.values[:2] for p in bps], dtype=float),
        volumes=tuple(np.asarray(p.volumes, dtype=float) for p in bps),
        towns=tuple(instance.towns),
        measures=tuple(instance.measures),
        labels=tuple(instance.labels),
        budget_cost=tuple(float(c) for c in instance.budget_cost),
        rate_unit=f"{front.criteria[1]} per {front.criteria[0]}",
        knee=None if front.knee is None else float(front.knee.values[0]),
    )
