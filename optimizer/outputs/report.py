"""The report a person reads, as blocks (headings, paragraphs, key figures, tables,
figures, the front to walk) laid out from a `Study`; `outputs.render` turns them
into Markdown, self-contained HTML and a workbook.
"""

from __future__ import annotations

import hashlib
import platform
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np

from optimizer import __version__
from optimizer.analysis.compare import point_values, same_budget
from optimizer.analysis.pareto import ParetoFront
from optimizer.analysis.study import Study
from optimizer.domain.actual import ActualSpend
from optimizer.domain.instance import Instance
from optimizer.domain.results import Solution
from optimizer.domain.scenario import Scenario
from optimizer.i18n import N_, _, language, ngettext
from optimizer.methods.describe import describe
from optimizer.outputs.plots.style import measure_names, quoted
from optimizer.outputs.text import (
    WHOLE_FORM,
    Shown,
    criteria_caption,
    currency_sign,
    decimals_form,
    fixed,
    front_message,
    instance_title,
    is_illustrative,
    measure_label,
    measure_name,
    mln,
    num,
    pct,
    percent,
    reason_text,
    region_name,
    scenario_description,
    scenario_name,
    significant,
    term,
    town_label,
    town_name,
    violation_name,
)

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
    names: tuple[str, ...] = ()  # the towns as the reader knows them (towns: their ids)
    criterion_names: tuple[str, ...] = ()  # the criteria in words


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
        tuple(header), tuple(tuple(cell_text(c) for c in r) for r in rows), tuple(num), caption
    )


def cell_text(cell: Any) -> str:
    """A table cell as text; a number keeps its value (`Shown`), so the workbook
    writes it as a number."""
    if isinstance(cell, str):
        return cell  # a formatter's Shown stays one
    if isinstance(cell, bool) or not isinstance(cell, int | float):
        return str(cell)
    text = str(cell)
    if isinstance(cell, int):
        return Shown(text, float(cell), WHOLE_FORM)
    return Shown(text, cell, decimals_form(len(text.partition(".")[2])))


# ----------------------------------------------------------------------------- words
# The report's own sentences. A spend is "actual" or, where the instance's
# [provenance] lists its file, "illustrative" (SPEC section 11); each sentence that
# names it exists in both forms, so Russian and Kazakh can inflect the words.


def pick(ill: bool, actual: str, illustrative_text: str) -> str:
    """The sentence about an illustrative spend, or about an actual one."""
    return illustrative_text if ill else actual


def constraint_name(name: str, kind: str) -> str:
    """A constraint as a reader knows it: the budget and the limits (named by their
    instrument) in words; rule labels, identifiers of the scenario, as they are."""
    return term(name) if kind in ("budget", "limit") else name


# ----------------------------------------------------------------------------- building


def build_report(study: Study) -> Report:
    """Lay out a study (`analysis.study.Study`): the optimum, the front and the
    comparison with an actual spend when there is one."""
    from optimizer.outputs.plots.compare import allocation_png
    from optimizer.outputs.text import provenance_line

    instance, scenario, sol = study.instance, study.scenario, study.solution
    actual, cmp = study.actual, study.comparison
    images: dict[str, bytes] = {}
    title = f"{instance_title(instance.name)}: {scenario_name(scenario.name)}"
    blocks: list[Block] = [Heading(title, 1)]
    banner = provenance_line(instance, scenario, [actual, scenario.baseline_path])
    if banner:  # SPEC section 11: a banner of what is not a cited fact
        blocks.append(Para(banner, "note"))
    ill = actual is not None and is_illustrative(instance, actual)
    lead = lead_text(instance, scenario, actual, cmp, ill)
    if describe(scenario).least_budget:
        lead += " " + least_budget_sentence(scenario, sol)
    blocks.append(Para(lead, "lead"))
    blocks.append(key_figures(instance, scenario, sol, cmp, ill, study.targets))
    if cmp is not None:
        from optimizer.outputs.text import headline

        blocks.append(Items(tuple(headline(cmp))))

    blocks += scenario_blocks(instance, scenario)
    blocks += solution_blocks(instance, sol, ranges=study.ranges, scenario=scenario)
    blocks += project_blocks(instance, sol)
    images["report-allocation.png"] = allocation_png(instance, sol, cap_share=town_cap(scenario))
    blocks.append(Image("report-allocation.png", allocation_alt(instance, sol, scenario)))
    front_part, front_images = pareto_blocks(instance, study.front, sol, cmp)
    blocks += front_part
    images.update(front_images)
    if cmp is not None:
        blocks += comparison_blocks(cmp)
        figure, images["report-compare.png"] = compare_figure(cmp, ill)
        blocks.append(figure)
    blocks += shadow_blocks(sol, study.sensitivity, instance.currency, study.targets)
    blocks += provenance_blocks(instance, scenario, sol, actual)
    return Report(title, tuple(blocks), images, sol, cmp)


def lead_text(
    instance: Instance, scenario: Scenario, actual: ActualSpend | None, cmp: Any, ill: bool
) -> str:
    """The report's first paragraph: what was optimized, against which spend, at which budget."""
    what = {
        "name": quoted(scenario_name(scenario.name)),
        "method": term(scenario.objective.method),
        "towns": ngettext("{n} town", "{n} towns", instance.n_towns).format(n=instance.n_towns),
        "measures": ngettext("{n} measure", "{n} measures", instance.n_measures).format(
            n=instance.n_measures
        ),
    }
    if actual is None:
        lead = _("The exact optimum of the scenario {name} ({method}) for {towns} and {measures}.")
        lead = lead.format(**what)
    else:
        lead = pick(
            ill,
            _("The exact optimum of the scenario {name} ({method}) for {towns} and {measures}, "
              "compared with the actual spend {spend}."),
            _("The exact optimum of the scenario {name} ({method}) for {towns} and {measures}, "
              "compared with the illustrative spend {spend}."),
        ).format(**what, spend=quoted(actual.name))  # fmt: skip
    if cmp is not None:
        lead += " " + budget_sentence(cmp, ill, currency_sign(instance.currency))
    return lead


def budget_sentence(cmp: Any, ill: bool, sign: str) -> str:
    """At which budget every figure is: the spend's own cost, or --budget's."""
    if cmp.at_actual_budget:
        return pick(
            ill,
            _("Every figure is at the actual spend's budget cost, {amount} mln {currency}: "
              "the optimum, the front and the comparison."),
            _("Every figure is at the illustrative spend's budget cost, {amount} mln "
              "{currency}: the optimum, the front and the comparison."),
        ).format(amount=mln(cmp.budget_mln), currency=sign)  # fmt: skip
    return pick(
        ill,
        _("Every figure is at the budget of {amount} mln {currency} (--budget); the "
          "actual spend cost {spent} mln {currency}."),
        _("Every figure is at the budget of {amount} mln {currency} (--budget); the "
          "illustrative spend cost {spent} mln {currency}."),
    ).format(amount=mln(cmp.budget_mln), spent=mln(cmp.actual_budget_mln),
             currency=sign)  # fmt: skip


def least_budget_sentence(scenario: Scenario, sol: Solution) -> str:
    """A least-budget plan: what it costs, against the scenario's budget, its cap."""
    return _(
        "The plan is the least budget that reaches the targets ({targets}): {amount} mln, "
        "{share} of the cap of {cap} mln."
    ).format(targets=fmt_map(describe(scenario).bound_values(scenario.objective)),
             amount=mln(sol.allocated_mln), cap=mln(scenario.budget_mln),
             share=percent(sol.allocated_mln / scenario.budget_mln, 1)
             if scenario.budget_mln else "")  # fmt: skip


def key_figures(
    instance: Instance, scenario: Scenario, sol: Solution, cmp: Any, ill: bool,
    targets: tuple[Any, ...] = (),
) -> Figures:  # fmt: skip
    """The key figures at the top: budget, allocated, criteria (and the comparison's cards);
    for a least-budget plan, its budget, the criteria against their targets and what
    one more unit of each binding target costs."""
    if describe(scenario).least_budget:
        return least_budget_figures(instance, scenario, sol, targets)
    sign = currency_sign(instance.currency)
    at = _("optimum at {amount} mln").format(amount=mln(scenario.budget_mln))
    cards = [
        (_("budget"), _("{amount} mln").format(amount=mln(scenario.budget_mln)), sign),
        (
            _("allocated"),
            _("{amount} mln").format(amount=mln(sol.allocated_mln)),
            _("{share} of the budget").format(
                share=percent(sol.allocated_mln / scenario.budget_mln, 1)
            )
            if scenario.budget_mln
            else "",
        ),
    ]
    for c in instance.criteria:
        cards.append((term(c), num(sol.objectives[c]), at))
    if cmp is not None:
        cards += comparison_cards(instance, scenario, cmp, ill)
    return Figures(tuple(cards))


def least_budget_figures(
    instance: Instance, scenario: Scenario, sol: Solution, targets: tuple[Any, ...]
) -> Figures:
    """A least-budget plan's cards: what it costs (the scenario's budget is its cap), each
    criterion against its target, the cost of one more unit of each binding target."""
    from optimizer.outputs.text import money

    wanted = describe(scenario).bound_values(scenario.objective)
    cards = [
        (
            _("least budget"),
            _("{amount} mln").format(amount=mln(sol.allocated_mln)),
            _("cap {amount} mln").format(amount=mln(scenario.budget_mln)),
        )
    ]
    for c in instance.criteria:
        detail = (
            _("target {value}").format(value=num(wanted[c]))
            if c in wanted
            else _("at the least budget")
        )
        cards.append((term(c), num(sol.objectives[c]), detail))
    for tr in targets:
        if tr.binding:
            checked = (
                _("infeasible") if tr.checked is None else money(tr.checked, instance.currency)
            )
            cards.append((
                _("one more unit of {criterion}").format(criterion=term(tr.criterion)),
                money(tr.cost, instance.currency),
                _("the target's dual; re-solved: {amount}").format(amount=checked),
            ))  # fmt: skip
    return Figures(tuple(cards))


def comparison_cards(
    instance: Instance, scenario: Scenario, cmp: Any, ill: bool
) -> list[tuple[str, str, str]]:
    """The cards of a comparison: each criterion against the spend, the efficiency."""
    cards = []
    for c in instance.criteria:
        u = cmp.uplift[c]
        label = pick(ill, _("{criterion} vs actual"), _("{criterion} vs illustrative"))
        cards.append(
            (
                label.format(criterion=term(c)),
                fixed(cast(float, u["abs"]), 0, sign=True),  # always a number
                _("{change} at {amount} mln").format(
                    change=pct(u["pct"], True), amount=mln(scenario.budget_mln)
                ),
            )
        )
    if cmp.efficiency.value is not None:
        cards.append(
            (
                pick(ill, _("efficiency of the actual spend"),
                     _("efficiency of the illustrative spend")),
                percent(cmp.efficiency.value),
                _("of the money reaches the same outcomes"),
            )
        )  # fmt: skip
    return cards


def compare_figure(cmp: Any, ill: bool) -> tuple[Image, bytes]:
    """The comparison chart: its block (with the alt text in words) and its PNG."""
    from optimizer.outputs.plots.compare import compare_png

    png = compare_png(cmp, cmp.dominance.front_values)
    alt = pick(
        ill,
        _("Budget cost of the actual spend {name} and of the optimum by tier and by measure "
          "(one scale), and both in the plane of the first two criteria with the closest "
          "improving plans and the front."),
        _("Budget cost of the illustrative spend {name} and of the optimum by tier and by "
          "measure (one scale), and both in the plane of the first two criteria with the "
          "closest improving plans and the front."),
    )  # fmt: skip
    return Image("report-compare.png", alt.format(name=quoted(cmp.actual.name))), png


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
    shown = min(funded, 40)
    parts = [
        ngettext(
            "Budget cost by town, stacked by measure, for the {n} town with the most money "
            "({funded} of {total} are funded)",
            "Budget cost by town, stacked by measure, for the {n} towns with the most money "
            "({funded} of {total} are funded)",
            shown,
        ).format(n=shown, funded=funded, total=instance.n_towns),
        _("{town} gets most, {amount} mln").format(
            town=town_name(instance, t), amount=mln(float(per_town[t]))
        ),
    ]
    if cap:
        parts.append(
            _("the dashed line is the town cap of {share} of the allocation").format(
                share=percent(cap)
            )
        )
    return "; ".join(parts) + "."


SELECTOR_WORDS = {
    "town": N_("town"),
    "region": N_("region"),
    "tier": N_("tier"),
    "measure": N_("measure"),
    "instrument": N_("instrument"),
}
NORMALIZE_WORDS = {"payoff": N_("payoff"), "none": N_("none")}
SETTING_WORDS = {
    "weights": N_("weights"),
    "normalize": N_("normalize"),
    "tolerance": N_("tolerance"),
    "rho": N_("rho"),
    "order": N_("order"),
    "primary": N_("primary"),
    "epsilon": N_("epsilon"),
    "ref": N_("ref"),
    "targets": N_("targets"),
}


def selected_names(instance: Instance, key: str, names: tuple[str, ...]) -> str:
    """A rule's selector values as the reader knows them (towns, regions, tiers...)."""
    if key == "town":
        shown = [town_label(instance, n) for n in names]
    elif key == "region":
        first = {r: t for t, r in reversed(list(enumerate(instance.regions)))}
        shown = [region_name(instance, first[n]) if n in first else n for n in names]
    elif key == "measure":
        shown = [measure_label(instance, n) for n in names]
    else:  # tiers and instruments: the vocabulary
        shown = [term(n) for n in names]
    return ", ".join(shown)


def scenario_blocks(instance: Instance, scenario: Scenario) -> list[Block]:
    obj = scenario.objective
    out: list[Block] = [Heading(_("Scenario"))]
    if scenario.description:
        out.append(Para(scenario_description(scenario)))
    amount = f"{mln(scenario.budget_mln)} "
    amount += _("mln {currency}").format(currency=currency_sign(instance.currency))
    desc = describe(scenario)
    rows = [
        [_("budget cap") if desc.least_budget else _("budget"), amount.strip()],
        [_("spend all"), _("yes") if scenario.spend_all else _("no (up to the budget)")],
        [_("method"), term(obj.method)],
    ]
    # only the [objective] keys the method reads (min_budget has no weights to show)
    shown = {
        "weights": lambda: ", ".join(f"{term(k)} {significant(v, 6, group=False)}"
                                     for k, v in obj.weights.items()) or _("equal"),
        "normalize": lambda: term(obj.normalize, NORMALIZE_WORDS),
        "order": lambda: ", ".join(term(c) for c in obj.order),
        "tolerance": lambda: percent(obj.tolerance, 1),
        "primary": lambda: term(obj.primary) if obj.primary else "",
        "epsilon": lambda: fmt_map(obj.epsilon),
        "ref": lambda: fmt_map(obj.ref),
        "rho": lambda: significant(obj.rho, 3, group=False),
        "targets": lambda: fmt_map(obj.targets),
    }  # fmt: skip
    rows += [[_(SETTING_WORDS[k]), shown[k]()] for k in desc.settings if shown[k]()]
    out.append(table([_("setting"), _("value")], rows, [False, False]))
    if scenario.limits:
        out.append(
            table(
                [_("instrument"), _("volume limit, mln")],
                [[term(k), mln(v)] for k, v in scenario.limits.items()],
                caption=_("Instrument limits"),
            )
        )
    if scenario.rules:
        rows = []
        for r in scenario.rules:
            sel = "; ".join(
                f"{_(SELECTOR_WORDS.get(k, k))} = {selected_names(instance, k, v)}"
                for k, v in r.selectors
            ) or _("all cells")
            bnd = "; ".join(bound_words(b.kind, b.value) for b in r.bounds)
            rows.append([r.label, sel, bnd + (" " + _("(each town)") if r.per_town else "")])
        out.append(
            table(
                [_("rule"), _("selects"), _("bound")],
                rows,
                [False, False, False],
                caption=_("Rules"),
            )
        )
    else:
        out.append(
            Para(_("No rules: only the budget, the limits and the capacities bind."), "note")
        )
    return out


def fmt_map(d: dict[str, float]) -> str:
    return ", ".join(f"{term(k)} {significant(v, 6)}" for k, v in d.items())


def bound_words(kind: str, value: float) -> str:
    words = {
        "min_share": lambda: _("at least {share} of the allocation").format(
            share=percent(value, 1)
        ),
        "max_share": lambda: _("at most {share} of the allocation").format(share=percent(value, 1)),
        "min_mln": lambda: _("at least {amount} mln").format(amount=fixed(value, 1)),
        "max_mln": lambda: _("at most {amount} mln").format(amount=fixed(value, 1)),
        "min_per_capita": lambda: _("at least {amount} per resident").format(
            amount=fixed(value, 0)
        ),
        "max_per_capita": lambda: _("at most {amount} per resident").format(amount=fixed(value, 0)),
    }
    return words[kind]() if kind in words else f"{kind} {significant(value, 6, group=False)}"


BOUND_NAMES = {
    "min_share": N_("min_share"),
    "max_share": N_("max_share"),
    "min_mln": N_("min_mln"),
    "max_mln": N_("max_mln"),
    "min_per_capita": N_("min_per_capita"),
    "max_per_capita": N_("max_per_capita"),
    "spend_all": N_("spend_all"),
}
UNIT_NAMES = {"mln": N_("mln"), "pp": N_("pp"), "per resident": N_("per resident")}


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
        Heading(_("Funded projects")),
        Para(
            ngettext(
                "{funded} of {n} project funded, for {amount} mln of budget cost; a project's "
                "criteria are its own effects times its fraction.",
                "{funded} of {n} projects funded, for {amount} mln of budget cost; a project's "
                "criteria are its own effects times its fraction.",
                len(pr),
            ).format(funded=len(funded), n=len(pr), amount=mln(total))
        ),
    ]
    if not funded:
        return out
    header = [_("project"), _("town"), _("measure"), _("fraction"), _("budget cost mln"),
              *map(term, instance.criteria)]  # fmt: skip
    rows = [
        [pr.names[p], town_name(instance, int(pr.town[p])),
         measure_name(instance, int(pr.measure[p])), significant(float(y[p]), 3, group=False),
         mln(float(y[p] * pr.cost[p])), *(num(float(v)) for v in y[p] * pr.effects[p])]
        for p in funded
    ]  # fmt: skip
    numeric = [False, False, False] + [True] * (len(header) - 3)
    out.append(table(header, rows, numeric, caption=_("Funded projects")))
    return out


def solution_blocks(
    instance: Instance, sol: Solution, top: int = 60, ranges: Any = None,
    scenario: Scenario | None = None,
) -> list[Block]:  # fmt: skip
    """The optimum in four tables: criteria, by tier, by measure, by town."""
    # every caption names its budget: the plan's (a least-budget plan: what it costs)
    amount = mln(plan_budget(sol))
    return [
        Heading(_("Optimal allocation")),
        optimum_criteria_table(instance, sol, amount, scenario),
        tier_table(instance, sol, amount),
        measure_table(instance, sol, amount),
        town_table(instance, sol, amount, top, ranges),
    ]


def plan_budget(sol: Solution) -> float:
    """The budget the plan is at: the scenario's (or --budget's), or, for a plan that is
    the least budget reaching its targets, that least budget (the scenario's is a cap)."""
    return sol.allocated_mln if describe(sol.method).least_budget else sol.budget_mln


def optimum_criteria_table(
    instance: Instance, sol: Solution, amount: str, scenario: Scenario | None = None
) -> TableBlock:
    """Each criterion at the optimum and, with a payoff table at the plan's budget, its
    ideal, nadir and place in that range (only inside it: beyond, a share of the range
    means nothing); a least-budget plan: each criterion against its target."""
    if scenario is not None and describe(scenario).least_budget:
        return target_criteria_table(instance, scenario, sol, amount)
    payoff = sol.payoff
    at = payoff is not None and (
        payoff.budget_mln is None or same_budget(payoff.budget_mln, sol.budget_mln)
    )
    # the values the method aims at (epsilon's floors, goal's targets, the reference point)
    desc = describe(scenario) if scenario is not None else None
    aimed = desc.aimed(scenario.objective) if desc is not None and scenario is not None else {}
    rows: list[list[Any]] = []
    for i, c in enumerate(instance.criteria):
        row = [term(c), num(sol.objectives[c])]
        if aimed:
            row.append(num(aimed[c]) if c in aimed else "")
        if payoff is not None:
            ideal, nadir = payoff.ideal[i], payoff.nadir[i]
            row += [num(ideal), num(nadir)]
            if at:
                row.append(range_share(sol.objectives[c], ideal, nadir))
        rows.append(row)
    header = [_("criterion"), _("optimum")]
    if aimed and desc is not None and desc.aims is not None:
        header.append(_(SETTING_WORDS[desc.aims]))
    if payoff is None:
        caption = _("Criteria (at {amount} mln)").format(amount=amount)
    elif at:
        header += [_("ideal"), _("nadir"), _("of the range")]
        caption = _("Criteria (at {amount} mln; ideal and nadir from the payoff table)")
        caption = caption.format(amount=amount)
    else:  # the ranges of the reference budget (SPEC 14): said, and no share of them
        header += [_("ideal"), _("nadir")]
        caption = _(
            "Criteria (at {amount} mln; ideal and nadir from the payoff table at {reference} mln, "
            "the scenario's reference budget)"
        ).format(amount=amount, reference=mln(cast(float, payoff.budget_mln)))
    return table(header, rows, caption=caption)


def range_share(value: float, ideal: float, nadir: float) -> str:
    """Where a value lies between the nadir (0%) and the ideal (100%); n/a outside
    (a value below a payoff table's nadir, possible with three criteria or more) or
    for a range of zero."""
    span = ideal - nadir
    if span <= 1e-12 * max(1.0, abs(ideal)):
        return _("n/a")
    share = (value - nadir) / span
    tol = 1e-6
    if not -tol <= share <= 1 + tol:
        return _("n/a")
    return pct(min(max(share, 0.0), 1.0) * 100)


def target_criteria_table(
    instance: Instance, scenario: Scenario, sol: Solution, amount: str
) -> TableBlock:
    """A least-budget plan's criteria against their targets, at that least budget (the
    payoff table is at the cap, another budget: it is not in this table)."""
    wanted = describe(scenario).bound_values(scenario.objective)
    rows = [
        [term(c), num(sol.objectives[c]), num(wanted[c]) if c in wanted else ""]
        for c in instance.criteria
    ]
    return table(
        [_("criterion"), _("plan"), _("target")],
        rows,
        caption=_("Criteria (the plan at its least budget, {amount} mln)").format(amount=amount),
    )


def tier_table(instance: Instance, sol: Solution, amount: str) -> TableBlock:
    """The optimum's budget cost by tier: towns, residents, cost, share, per resident."""
    total = max(sol.allocated_mln, 1e-12)
    tidx = instance.tier_index
    rows = []
    for i, t in enumerate(instance.tiers):
        sel = tidx == i
        v = float(sol.cost[sel].sum())
        pop = float(instance.population[sel].sum())
        rows.append(
            [
                term(t),
                int(sel.sum()),
                fixed(pop, 0),
                mln(v),
                pct(v / total * 100),
                fixed(v * 1e6 / pop, 0) if pop else _("n/a"),
            ]
        )
    return table(
        [_("tier"), _("towns"), _("residents"), _("cost, mln"), _("share"), _("per resident")],
        rows,
        caption=_("By tier (at {amount} mln)").format(amount=amount),
    )


def measure_table(instance: Instance, sol: Solution, amount: str) -> TableBlock:
    """The optimum by measure: instrument, unit cost, volume, cost, share, towns funded."""
    total = max(sol.allocated_mln, 1e-12)
    rows = []
    for j in range(instance.n_measures):
        v = float(sol.cost[:, j].sum())
        rows.append(
            [
                measure_name(instance, j),
                term(instance.instruments[j]),
                significant(float(instance.budget_cost[j]), 6, group=False),
                mln(float(sol.volumes[:, j].sum())),
                mln(v),
                pct(v / total * 100),
                int((sol.volumes[:, j] > 1e-9).sum()),
            ]
        )
    return table(
        [
            _("measure"),
            _("instrument"),
            _("cost per unit"),
            _("volume, mln"),
            _("cost, mln"),
            _("share"),
            _("towns funded"),
        ],
        rows,
        [False, False, True, True, True, True, True],
        caption=_("By measure (at {amount} mln)").format(amount=amount),
    )


def town_table(instance: Instance, sol: Solution, amount: str, top: int, ranges: Any) -> TableBlock:
    """The `top` towns with the most money: cost, per resident, ranges, cost by measure."""
    per_town = sol.cost.sum(axis=1)
    show_measures = instance.n_measures <= 8
    header = [_("town"), _("tier"), _("residents"), _("cost, mln"), _("per resident")]
    if ranges is not None:  # --ranges: the town's least and greatest cost on the optimal face
        header += [_("min, mln"), _("max, mln")]
    if show_measures and language() == "en":
        header += [m.replace("_", " ") for m in instance.measures]
    elif show_measures:
        # column heads: the labels cut as on the plots (the table above has them whole)
        header += [name.replace("\n", " ") for name in measure_names(instance)]
    rows = []
    for t in np.argsort(-per_town, kind="stable")[:top]:
        row = [
            town_name(instance, int(t)),
            term(instance.town_tier[t]),
            fixed(float(instance.population[t]), 0),
            mln(float(per_town[t])),
            fixed(float(per_town[t] * 1e6 / instance.population[t]), 0),
        ]
        if ranges is not None:
            row += [mln(ranges[t].min_cost_mln), mln(ranges[t].max_cost_mln)]
        if show_measures:
            row += [mln(float(v)) if v > 1e-9 else "" for v in sol.cost[t]]
        rows.append(row)
    caption = town_caption(instance, amount, top, ranges is not None)
    return table(header, rows, [False, False] + [True] * (len(header) - 2), caption=caption)


def town_caption(instance: Instance, amount: str, top: int, ranged: bool) -> str:
    """The by-town table's caption: its budget, the ranges' meaning, how many towns."""
    caption = _("By town (at {amount} mln; budget cost, mln)").format(amount=amount)
    if ranged:
        caption += "; " + _("min and max: any amount between them gives the same outcome")
    if instance.n_towns > top:
        caption += ": " + ngettext(
            "the {n} town with the most money of {total}",
            "the {n} towns with the most money of {total}",
            top,
        ).format(n=top, total=instance.n_towns)
    return caption


def pareto_blocks(
    instance: Instance,
    front: ParetoFront | None,
    sol: Solution,
    cmp: Any,
) -> tuple[list[Block], dict[str, bytes]]:
    """The front, or the payoff table (its extremes) when no front was traced."""
    out: list[Block] = [Heading(_("Pareto front"))]
    if front is None:
        return out + payoff_blocks(instance, sol), {}
    values = np.array([point_values(p, instance.criteria) for p in front.points])
    values = values.reshape(-1, len(instance.criteria))
    bps = [i for i, p in enumerate(front.points) if p.is_breakpoint]
    same = cmp is None or same_budget(cmp.actual_budget_mln, front.budget_mln)
    out.append(Para(front_lead(front, len(values), len(bps), cmp is not None and same)))
    if (message := front_message(front)) is not None:
        out.append(Para(message, "note"))
    if not same:
        out.append(
            Para(
                _("Two budgets: the front and the optimum are at {amount} mln (--budget), "
                  "the spend compared cost {spent} mln.").format(
                    amount=mln(front.budget_mln), spent=mln(cmp.actual_budget_mln)),
                "note",
            )
        )  # fmt: skip
    if not plan_on_front(sol, front):  # a least-budget plan, below the front of its cap
        out.append(Para(_(
            "The front is what the cap of {cap} mln could buy; the plan, the least budget "
            "that reaches the targets ({amount} mln), lies below it and is not drawn on it."
        ).format(cap=mln(front.budget_mln), amount=mln(plan_budget(sol))), "note"))  # fmt: skip
    out.append(front_points_table(instance, front, values, bps))
    if len(instance.criteria) == 2 and bps:
        out.append(front_walk(instance, front))
    if len(instance.criteria) < 2:
        return out, {}
    figure, png = front_figure(instance, front, sol, cmp, len(bps))
    out.append(figure)
    return out, {"report-front.png": png}


def front_lead(front: ParetoFront, n_points: int, n_breakpoints: int, at_spend: bool) -> str:
    """What the front is: its points, budget, method, and what the trade-off columns mean."""
    from optimizer.outputs.plots.pareto import rate_unit

    what = {
        "allocations": ngettext("{n} efficient allocation", "{n} efficient allocations",
                                n_points).format(n=n_points),
        "amount": mln(front.budget_mln),
        "method": term(front.method),
        "breakpoints": ngettext("{n} breakpoint (efficient extreme point)",
                                "{n} breakpoints (efficient extreme points)",
                                n_breakpoints).format(n=n_breakpoints),
    }  # fmt: skip
    if at_spend:
        text = _("{allocations} at the budget cost of the spend compared ({amount} mln), the "
                 "scenario's rules and limits, found by the {method} method: {breakpoints}, "
                 "the rest evenly spaced between them.")  # fmt: skip
    else:
        text = _("{allocations} at the scenario's budget ({amount} mln), the scenario's "
                 "rules and limits, found by the {method} method: {breakpoints}, the rest "
                 "evenly spaced between them.")  # fmt: skip
    text = text.format(**what) + " "
    return text + _(
        "The trade-off columns give {unit} towards the previous and the next point."
    ).format(unit=rate_unit(front.criteria[front.y], front.criteria[front.x]))


def front_points_table(
    instance: Instance, front: ParetoFront, values: np.ndarray, bps: list[int]
) -> TableBlock:
    """Every point of the front: criteria, allocated, trade-offs, breakpoint or knee."""
    crit = instance.criteria
    knee = next((i for i, p in enumerate(front.points) if p.is_knee), None)
    rows = []
    for i, (p, v) in enumerate(zip(front.points, values, strict=True)):
        marks = ", ".join(w for w, f in ((_("breakpoint"), i in bps), (_("knee"), i == knee))
                          if f)  # fmt: skip
        rows.append(  # numbered from 1, as in pareto.csv and the terminal
            [i + 1, *map(num, v), mln(p.allocated_mln), num(p.rate_prev), num(p.rate_next),
             marks]
        )  # fmt: skip
    return table(
        [
            _("point"),
            *(term(c) for c in crit),
            _("allocated, mln"),
            _("trade-off to previous"),
            _("trade-off to next"),
            _("mark"),
        ],
        rows,
        [True] * (len(crit) + 4) + [False],
        caption=_("Front points (at {amount} mln)").format(amount=mln(front.budget_mln)),
    )


def front_figure(
    instance: Instance, front: ParetoFront, sol: Solution, cmp: Any, n_breakpoints: int
) -> tuple[Image, bytes]:
    """The front chart with the spend and the optimum: its block (alt text) and its PNG."""
    from optimizer.outputs.plots.pareto import front_png

    crit = instance.criteria
    actual = cmp.actual_objectives if cmp is not None else None
    ill = cmp is not None and is_illustrative(instance, cmp.actual)
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
    png = front_png(
        front, actual_values, instance.name, instance.currency,
        actual_better=better,
        actual_label=_("actual spend") if cmp is None
        else pick(ill, _("actual spend: {name}"),
                  _("illustrative spend: {name}")).format(name=cmp.actual.name),
        scenario_name=sol.scenario_name,
        optimum=np.array([sol.objectives[c] for c in crit]) if plan_on_front(sol, front) else None,
    )  # fmt: skip
    alt = front_alt(instance, front, sol, n_breakpoints)
    if cmp is not None:
        alt += " " + pick(ill, _("and the actual spend"), _("and the illustrative spend"))
    return Image("report-front.png", alt + "."), png


def front_alt(instance: Instance, front: ParetoFront, sol: Solution, n_breakpoints: int) -> str:
    """What the front chart shows, in words: its axes, breakpoints, knee and optimum."""
    crit = instance.criteria
    names = [term(c) for c in crit]
    kn = front.knee
    alt = _("The efficient front of {y} against {x}: {breakpoints}").format(
        y=names[1], x=names[0],
        breakpoints=ngettext("{n} breakpoint", "{n} breakpoints", n_breakpoints).format(
            n=n_breakpoints))  # fmt: skip
    if kn is not None:
        alt += ", " + _("the knee at {x} {xv}, {y} {yv}").format(
            x=names[0], xv=num(kn.values[0]), y=names[1], yv=num(kn.values[1]))  # fmt: skip
    if plan_on_front(sol, front):
        alt += ", " + _("the scenario's optimum ({x} {xv})").format(
            x=names[0], xv=num(sol.objectives[crit[0]]))  # fmt: skip
    return alt


def plan_on_front(sol: Solution, front: ParetoFront) -> bool:
    """Whether the plan is at the front's budget, so that it can be drawn on it (a
    least-budget plan costs less than the cap the front is traced at)."""
    return same_budget(plan_budget(sol), front.budget_mln)


def payoff_blocks(instance: Instance, sol: Solution) -> list[Block]:
    """In place of an untraced front (--points 0): the payoff table, its extremes."""
    names = [term(c) for c in instance.criteria]
    out: list[Block] = [
        Para(
            _("The front was not traced (--points 0); the payoff table below gives its "
              "extremes: each row maximizes one criterion, then the others with it held."),
            "note",
        )
    ]  # fmt: skip
    payoff = sol.payoff
    if payoff is not None:
        rows = [[_("best {criterion}").format(criterion=names[i]), *map(num, payoff.table[i])]
                for i in range(len(names))]  # fmt: skip
        out.append(table([_("row"), *names], rows, caption=_("Payoff table")))
    return out


def project_change_blocks(cmp: Any) -> list[Block]:
    """The actual's funded projects against the optimum's: kept, dropped, added."""
    from optimizer.outputs.text import project_change_lines

    pc = cmp.projects
    if pc is None:
        return []
    pr = cmp.instance.projects
    rows = []
    for status, names, y in ((_("kept"), pc.kept, pc.optimal_fractions),
                             (_("dropped"), pc.dropped, pc.actual_fractions),
                             (_("added"), pc.added, pc.optimal_fractions)):  # fmt: skip
        for n in names:
            p = pr.index(n)
            rows.append([n, status, significant(float(pc.actual_fractions[p]), 3, group=False),
                         significant(float(pc.optimal_fractions[p]), 3, group=False),
                         mln(float(y[p] * pr.cost[p]))])  # fmt: skip
    out: list[Block] = [Items(tuple(project_change_lines(cmp)))]
    if rows:
        header = [_("project"), _("optimum"), _("actual fraction"), _("optimal fraction"),
                  _("budget cost mln")]  # fmt: skip
        out.append(table(header, rows, [False, False, True, True, True],
                         caption=_("Funded projects, actual against the optimum")))  # fmt: skip
    return out


def comparison_blocks(cmp: Any, top: int = 15) -> list[Block]:
    """The comparison with a spend: criteria and efficiency, the projects it keeps or
    changes, the closest improving plans, the rules it breaks, where money moves."""
    ill = is_illustrative(cmp.instance, cmp.actual)  # "illustrative spend" where labelled
    out = criteria_blocks(cmp, ill)
    out += project_change_blocks(cmp)
    out += closest_blocks(cmp)
    out += broken_blocks(cmp, ill)
    out += change_blocks(cmp, ill, top)
    return out


def spend_column(ill: bool) -> str:
    """The spend's column header: actual, or illustrative (SPEC section 11)."""
    return pick(ill, _("actual"), _("illustrative"))


def criteria_blocks(cmp: Any, ill: bool) -> list[Block]:
    inst = cmp.instance
    heading = pick(ill, _("Actual spend: {name}"), _("Illustrative spend: {name}"))
    out: list[Block] = [Heading(heading.format(name=cmp.actual.name))]
    para = pick(
        ill,
        _("The actual spend ({file}) costs {spent} mln; the optimum below is computed at "
          "{amount} mln under the scenario's rules and limits, and both are scored the same way."),
        _("The illustrative spend ({file}) costs {spent} mln; the optimum below is computed at "
          "{amount} mln under the scenario's rules and limits, and both are scored the same way."),
    )  # fmt: skip
    out.append(Para(para.format(file=cmp.actual.path.name, spent=mln(cmp.actual_budget_mln),
                                amount=mln(cmp.budget_mln))))  # fmt: skip
    rows = [
        [
            term(c),
            num(cmp.actual_objectives[c]),
            num(cmp.optimal.objectives[c]),
            fixed(cmp.uplift[c]["abs"], 1, sign=True),
            pct(cmp.uplift[c]["pct"], True),
        ]
        for c in inst.criteria
    ]
    out.append(
        table(
            [_("criterion"), spend_column(ill), _("optimal"), _("uplift"), _("uplift %")],
            rows,
            caption=criteria_caption(cmp),
        )
    )
    eff = cmp.efficiency
    if eff.value is not None:
        efficiency = pick(
            ill,
            _("efficiency: {share} (the actual spend's outcomes need {amount} mln)"),
            _("efficiency: {share} (the illustrative spend's outcomes need {amount} mln)"),
        ).format(share=percent(eff.value, 1), amount=mln(eff.min_budget_mln))
    else:
        efficiency = _("efficiency: n/a: {reason}").format(reason=reason_text(eff.reason))
    dominated = (
        _("dominated: yes")
        if cmp.dominance.dominated
        else _("dominated: no ({reason})").format(reason=reason_text(cmp.dominance.reason))
    )
    out.append(Items((efficiency, dominated)))
    return out


def closest_blocks(cmp: Any) -> list[Block]:
    inst = cmp.instance
    out: list[Block] = []
    rows = []
    na = _("n/a")
    for p in cmp.closest:
        if p.moved_mln is None:
            rows.append([percent(p.phi), na, na, *([na] * len(inst.criteria))])
            continue
        rows.append(
            [
                percent(p.phi),
                mln(p.moved_mln),
                mln(p.added_mln),
                *(num(p.objectives[c]) for c in inst.criteria),
            ]
        )
    out.append(
        table(
            [
                _("share of the gain"),
                _("moved, mln"),
                _("put in, mln"),
                *map(term, inst.criteria),
            ],
            rows,
            caption=_(
                "Closest improving plans (at {amount} mln): the least money moved, no criterion "
                "below the spend compared. Moved: money taken out of cells; put in: money put "
                "into cells (as much, when the plan costs what the spend did)"
            ).format(amount=mln(cmp.budget_mln)),
        )
    )
    return out


def broken_blocks(cmp: Any, ill: bool) -> list[Block]:
    inst = cmp.instance
    out: list[Block] = []
    if cmp.broken_rules:
        rows = [
            [
                violation_name(v),
                term(v.bound, BOUND_NAMES),
                significant(v.limit, 4),
                significant(v.value, 4),
                f"{significant(v.by, 4)} " + term(v.unit, UNIT_NAMES),
                town_label(inst, v.town) if v.town else "",
            ]
            for v in cmp.broken_rules
        ]
        out.append(
            table(
                [_("rule"), _("bound"), _("limit"), spend_column(ill), _("off by"), _("town")],
                rows,
                [False, False, True, True, True, False],
                caption=pick(ill, _("Rules the actual spend breaks"),
                             _("Rules the illustrative spend breaks")),
            )
        )  # fmt: skip
    wasted = [
        *((c, _("above capacity")) for c in cmp.over_capacity),
        *((c, _("not eligible")) for c in cmp.ineligible),
    ]
    if wasted:
        rows = [
            [town_label(inst, c.town), measure_label(inst, c.measure), why, mln(c.volume_mln),
             mln(c.without_effect_mln)]
            for c, why in wasted
        ]  # fmt: skip
        out.append(
            table(
                [_("town"), _("measure"), _("why"), _("volume, mln"), _("without effect, mln")],
                rows,
                [False, False, False, True, True],
                caption=_("Actual volume without effect"),
            )
        )
    return out


def change_blocks(cmp: Any, ill: bool, top: int) -> list[Block]:
    from optimizer.analysis.compare import change_totals
    from optimizer.outputs.tables import reallocation_rows

    inst = cmp.instance
    short = spend_column(ill)
    out: list[Block] = []
    _head, cells = reallocation_rows(cmp)
    cap = ngettext(
        "Largest changes from the spend compared to the optimum at {amount} mln, by budget cost "
        "(mln): {shown} of {n} cell; all of them in {file}",
        "Largest changes from the spend compared to the optimum at {amount} mln, by budget cost "
        "(mln): {shown} of {n} cells; all of them in {file}",
        len(cells),
    ).format(amount=mln(cmp.budget_mln), shown=min(top, len(cells)), n=len(cells),
             file="reallocation.csv")  # fmt: skip
    rows = [
        [town_label(inst, r[0]), measure_label(inst, r[1]), mln(r[5]), mln(r[6]),
         fixed(r[7], 1, sign=True), fixed(r[4], 1, sign=True)]
        for r in cells[:top]
    ]  # fmt: skip
    out.append(
        table(
            [
                _("town"),
                _("measure"),
                _("actual cost"),
                _("optimal cost"),
                _("change in cost"),
                _("change in volume"),
            ],
            rows,
            [False, False, True, True, True, True],
            caption=cap,
        )
    )
    tot = change_totals(inst, cmp.actual.volume, cmp.optimal.volumes)
    parts = (
        ("by_tier", _("tier"), term,
         _("Budget cost by tier, mln (optimum at {amount} mln)")),
        ("by_measure", _("measure"), lambda k: measure_label(inst, k),
         _("Budget cost by measure, mln (optimum at {amount} mln)")),
    )  # fmt: skip
    for part, word, shown, caption in parts:
        rows = [
            [
                shown(k),
                mln(v["actual_cost_mln"]),
                mln(v["optimal_cost_mln"]),
                fixed(v["change_cost_mln"], 1, sign=True),
            ]
            for k, v in tot[part].items()
        ]
        out.append(
            table(
                [word, short, _("optimal"), _("change")],
                rows,
                caption=caption.format(amount=mln(cmp.budget_mln)),
            )
        )
    return out


def shadow_blocks(
    sol: Solution, sens: Any = None, currency: str = "", targets: tuple[Any, ...] = ()
) -> list[Block]:
    """What relaxing each constraint buys, in criteria per unit (jobs per bn, residents
    per bn) and in money (the budget that buys as much; for a least-budget plan, the
    budget it saves), then what one more unit of each target costs (its dual, checked
    by a re-solve); raw duals stay in summary.json."""
    from optimizer.outputs.tables import binding_words, state_words
    from optimizer.outputs.text import rate, unit_text

    if sens is None:  # a mixed-integer plan has no duals (README, "Projects")
        rows = [[constraint_name(sp.name, sp.kind), state_words(sp.state)]
                for sp in sol.shadow_prices]  # fmt: skip
        return [
            Heading(_("Shadow prices")),
            Para(
                _("A mixed-integer plan has no shadow prices; re-solve with --budget to see what "
                  "more money buys."),
                "note",
            ),
            table([_("constraint"), _("state")], rows, [False, False]),
        ]  # fmt: skip
    crit = list(sens.criteria)
    budget = next((e for e in sens.constraints if e.kind == "budget"), None)
    per_bn = budget.objective if budget is not None else 0.0
    least = describe(sol.method).least_budget  # the objective is the budget itself
    rows = []
    for e in sens.constraints:
        got = e.rates.criteria or {}
        worth = ""
        if e.kind == "budget" and e.range_mln is not None:
            lo, hi = e.range_mln
            worth = _("holds for {low} – {high} mln").format(
                low=fixed(lo, 0), high="∞" if hi is None else fixed(hi, 0)
            )
        elif least and e.objective:
            worth = _("saves {amount} mln").format(amount=significant(e.objective, 3))
        elif per_bn and e.objective:
            worth = _("{amount} bn").format(amount=significant(e.objective / per_bn, 3))
        rows.append([constraint_name(e.name, e.kind) + binding_words(e.binding, e.objective),
                     unit_text(e.unit, currency), *(rate(got.get(c)) for c in crit),
                     worth])  # fmt: skip
    text = (
        _("What relaxing each constraint by one unit buys, per criterion (re-solved at a "
          "small step), and the budget it saves: the plan is the least budget that reaches "
          "the targets (plan at {amount} mln, cap {cap} mln).")
        if least
        else _("What relaxing each constraint by one unit buys, per criterion (re-solved at a "
               "small step), and what it is worth in budget: the money that buys as much of "
               "the scenario's objective at the budget's rate (plan at {amount} mln).")
    ).format(amount=mln(plan_budget(sol)), cap=mln(sol.budget_mln))  # fmt: skip
    header = [
        _("constraint"),
        _("per"),
        *(_("{criterion} per unit").format(criterion=term(c)) for c in crit),
        _("worth in budget"),
    ]
    caption = _(
        "Binding (no cost): the plan sits on the bound but relaxing it adds nothing; slack: the "
        "plan is off the bound"
    )
    return [
        Heading(_("Shadow prices")),
        Para(text),
        table(header, rows, [False, False, *([True] * len(crit)), True], caption=caption),
        *target_blocks(targets, currency),
    ]


def target_blocks(targets: tuple[Any, ...], currency: str) -> list[Block]:
    """What one more unit of each of the method's targets (floors on criteria) costs:
    the dual of its row and a re-solve with the target one unit higher (SPEC 14)."""
    from optimizer.methods.describe import Margin
    from optimizer.outputs.text import money, target_words

    if not targets:
        return []

    def cost(v: float | None, tr: Any) -> str:
        if v is None:
            return _("infeasible")
        if tr.margin is Margin.budget:
            return money(v, currency)
        return " ".join(filter(None, (significant(v, 4), term(tr.counted_in or "") or None)))

    rows = [
        [term(tr.criterion), num(tr.bound), num(tr.value), cost(tr.cost, tr),
         cost(tr.checked, tr)]
        for tr in targets
    ]  # fmt: skip
    return [
        Items(tuple(target_words(tr, currency) for tr in targets)),
        table(
            [_("criterion"), _("target"), _("plan"), _("one more unit costs"), _("re-solved")],
            rows,
            caption=_(
                "What one more unit of each target or floor costs: the dual of its row, "
                "checked by re-solving with it one unit higher"
            ),
        ),
    ]


def provenance_blocks(
    instance: Instance, scenario: Scenario, sol: Solution, actual: ActualSpend | None
) -> list[Block]:
    from optimizer.outputs.documents import provenance

    prov = provenance(instance, scenario)
    rows = [
        [_("inputs sha256"), prov["sha256"]],
        [_("instance sha256"), prov["instance_sha256"]],
        [_("files"), ", ".join(prov["files"])],
    ]
    if actual is not None:
        rows.append(
            [
                _("actual {file} sha256").format(file=actual.path.name),
                hashlib.sha256(actual.path.read_bytes()).hexdigest(),
            ]
        )
    rows += [
        ["monotowns", __version__],
        [_("solver"), f"{sol.solver.name} {sol.solver.version}"],
        [_("solves"), _("{n} in {seconds} s").format(
            n=sol.solver.solves, seconds=fixed(sol.solver.seconds, 3, group=False))],
        ["python", platform.python_version()],
    ]  # fmt: skip
    rows += [[pkg, v] for pkg, v in package_versions().items()]
    return [
        Heading(_("Inputs and versions")),
        table([_("item"), _("value")], rows, [False, False]),
    ]


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
    from optimizer.outputs.plots.pareto import rate_unit

    bps = sorted(front.breakpoints, key=lambda p: float(p.values[0]))
    return FrontWalk(
        criteria=tuple(front.criteria),
        values=np.array([p.values[:2] for p in bps], dtype=float),
        volumes=tuple(np.asarray(p.volumes, dtype=float) for p in bps),
        towns=tuple(instance.towns),
        measures=tuple(instance.measures),
        labels=tuple(instance.measure_labels.get(language(), instance.labels)),
        budget_cost=tuple(float(c) for c in instance.budget_cost),
        rate_unit=rate_unit(front.criteria[1], front.criteria[0]),
        knee=None if front.knee is None else float(front.knee.values[0]),
        names=tuple(town_name(instance, t) for t in range(instance.n_towns)),
        criterion_names=tuple(term(c) for c in front.criteria),
    )
