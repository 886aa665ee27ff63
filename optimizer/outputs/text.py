"""All words and numbers a person reads: the one set of number formatters (English,
or Babel's locale formats in Russian and Kazakh), display names of towns, measures
and scenarios, and the prose of compare, explain and the provenance line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from optimizer.i18n import N_, _, language

# ----------------------------------------------------------------------------- words


if TYPE_CHECKING:  # types only: the words load without the analyses
    from optimizer.analysis.compare import Comparison
    from optimizer.analysis.explain import CellExplanation, RuleEffect, TownExplanation

UNIT_WORDS = {
    "mln": "million",
    "pp": "percentage point",
    "per_capita": "currency unit per resident",
}

# ----------------------------------------------------------------------------- language
# Words of the data shown in the language in use: the vocabulary the programme and
# the SPEC fix (criteria, tiers, instruments, methods) through the catalogs, the
# names of towns, measures and scenarios from the data's own columns.

VOCABULARY = {
    "jobs": N_("jobs"),
    "population": N_("population"),
    "high": N_("high"),
    "medium": N_("medium"),
    "low": N_("low"),
    "grant": N_("grant"),
    "investment": N_("investment"),
    "subsidy": N_("subsidy"),
    "loan": N_("loan"),
    "guarantee": N_("guarantee"),
    "weighted": N_("weighted"),
    "lexicographic": N_("lexicographic"),
    "epsilon": N_("epsilon"),
    "reference": N_("reference"),
    "goal": N_("goal"),
    "min_budget": N_("min_budget"),
    "budget": N_("budget"),
    "nominal": N_("nominal"),
    "infeasible": N_("infeasible"),
    "optimal": N_("optimal"),
    "reoptimized": N_("reoptimized"),
}
# The sign of a currency where Babel's locale data gives only the code (ru: KZT).
CURRENCY_SIGNS = {"KZT": "₸", "RUB": "₽"}
SCENARIO_NAMES: dict[str, dict[str, str]] = {}


def term(word: str) -> str:
    """A word of the model's vocabulary (criterion, tier, instrument, method) in the
    language in use; any other identifier as it is."""
    return _(VOCABULARY[word]) if word in VOCABULARY else word


def town_name(instance: Any, t: int) -> str:
    """Town `t` as the language in use names it (towns.csv town_ru/town_kk), else its id."""
    return instance.town_names.get(language(), instance.towns)[t]


def measure_name(instance: Any, j: int) -> str:
    """Measure `j`: its id in English, its label_ru/label_kk when the tool speaks those."""
    return instance.measure_labels.get(language(), instance.measures)[j]


def region_name(instance: Any, t: int) -> str:
    """Town `t`'s region as the language in use names it (towns.csv region_ru/region_kk),
    else as the data writes it."""
    names = getattr(instance, "region_names", {})
    return names.get(language(), instance.regions)[t]


def scenario_description(scenario: Any) -> str:
    """A scenario's description in the language in use (description_ru/description_kk),
    else its `description`, on one line."""
    text = getattr(scenario, "descriptions", {}).get(language(), scenario.description)
    return " ".join(text.split())


def remember_scenario(name: str, display_names: dict[str, str]) -> None:
    """Record a scenario's names in Russian and Kazakh for `scenario_name`."""
    SCENARIO_NAMES[name] = dict(display_names)


def scenario_name(name: str) -> str:
    """A scenario's name in the language in use (scenario file name_ru/name_kk)."""
    return SCENARIO_NAMES.get(name, {}).get(language(), name)


def currency_sign(currency: str) -> str:
    """The currency as the reader writes it: the code in English (KZT), the sign in
    Russian and Kazakh (₸)."""
    lang = language()
    if lang == "en" or not currency:
        return currency
    if currency in CURRENCY_SIGNS:
        return CURRENCY_SIGNS[currency]
    from babel.numbers import get_currency_symbol

    return get_currency_symbol(currency, locale=lang)


# ----------------------------------------------------------------------------- numbers
# The one set of number formatters every output uses. English keeps Python's own
# formats (identical to every earlier release and golden file, without Babel's
# import); Russian and Kazakh go through Babel's locale data: `10 400,0`.


def fixed(v: float, decimals: int, group: bool = True, sign: bool = False) -> str:
    """`v` with `decimals` decimals in the language in use: `10,400.0` / `10 400,0`."""
    lang = language()
    if lang == "en":
        return f"{v:{'+' if sign else ''}{',' if group else ''}.{decimals}f}"
    from babel.numbers import format_decimal

    pattern = ("#,##0" if group else "0") + ("." + "0" * decimals if decimals else "")
    text = format_decimal(v, format=pattern, locale=lang, decimal_quantization=True)
    if text.startswith("-") and not text.strip("-0,.\u00a0"):
        text = text[1:]  # -0,0 reads as 0,0
    return f"+{text}" if sign and not text.startswith("-") else text


def significant(v: float, sig: int, group: bool = True) -> str:
    """`v` to `sig` significant digits (`0.00605`, `3.204`) in the language in use."""
    if language() == "en":
        return f"{v:,.{sig}g}" if group else f"{v:.{sig}g}"
    text = f"{v:.{sig}g}"
    if "e" in text:
        return text.replace(".", ",")
    return fixed(float(text), len(text.partition(".")[2]), group)


def percent_sign() -> str:
    """`%`, or ` %` with a no-break space where the locale writes one (ru)."""
    return "\u00a0%" if language() == "ru" else "%"


def mln(v: float) -> str:
    """Money in millions with one decimal: `10,400.0`."""
    return fixed(v, 1)


def num(v: float | None, sig: int = 4, none: str = "n/a") -> str:
    """A quantity: one decimal from 100 up, else `sig` significant digits."""
    if v is None:
        return none if none != "n/a" else _("n/a")
    return fixed(v, 1) if abs(v) >= 100 else significant(v, sig)


def pct(v: float | None, signed: bool = False) -> str:
    """A percentage already in percent: `12.5%`, signed `+12.5%`."""
    if v is None:
        return _("n/a")
    return fixed(v, 1, group=False, sign=signed) + percent_sign()


def signed_pct(v: float, decimals: int = 0) -> str:
    """A signed percentage that never reads "+-0%": values that round to zero print unsigned."""
    r = round(v, decimals)
    if r == 0:
        return fixed(0, decimals, group=False) + percent_sign()
    return fixed(r, decimals, group=False, sign=True) + percent_sign()


def shares_pct(values: list[float] | tuple[float, ...], decimals: int = 1) -> list[str]:
    """Parts of a whole as percentages that add up to exactly 100 (largest remainder).

    Rounding each share on its own can give 100.1%; here each share is rounded
    down in units of `10**-decimals` percent and the units left over go to the
    shares with the largest remainders.
    """
    total = float(sum(values))
    if total <= 0:
        return [fixed(0, decimals, group=False) + percent_sign() for _v in values]
    unit = 10**decimals
    exact = [100.0 * unit * v / total for v in values]
    floors = [int(e) for e in exact]
    left = 100 * unit - sum(floors)
    for i in sorted(range(len(exact)), key=lambda i: floors[i] - exact[i])[:left]:
        floors[i] += 1
    return [fixed(f / unit, decimals, group=False) + percent_sign() for f in floors]


def rate(v: float | None, none: str = "-") -> str:
    """A rate per unit: four significant digits, whole numbers from 10,000 up."""
    if v is None:
        return none
    if v == 0:
        return "0"
    return significant(v, 4) if abs(v) < 1e4 else fixed(v, 0)


def amount(v: float) -> str:
    """An axis or label amount: whole numbers from 1,000 up, else four significant digits."""
    return fixed(v, 0) if abs(v) >= 1000 else significant(v, 4)


def unit_text(unit: str, currency: str) -> str:
    """What one unit of a constraint's rate is: `1 bn KZT`, `1 percentage point`."""
    cur = currency_sign(currency) or _("currency")
    return {
        "mln": _("1 bn {currency}").format(currency=cur),
        "pp": _("1 percentage point"),
        "per_capita": _("1 {currency} per resident").format(currency=cur),
    }[unit]


def count(n: int, word: str) -> str:
    """`1 point`, `3 points` (English words only; translated text uses ngettext)."""
    return f"{n} {word}" + ("" if n == 1 else "s")


def money(mln: float | None, currency: str = "") -> str:
    """`43.0 bn KZT` from 43000, `850 mln KZT` from 850 (`43,0 млрд ₸` in Russian)."""
    if mln is None:
        return _("n/a")
    cur = currency_sign(currency)
    if abs(mln) >= 1000:
        return " ".join(filter(None, (fixed(mln / 1000, 1), _("bn"), cur)))
    if abs(mln) >= 10:
        return " ".join(filter(None, (fixed(mln, 0), _("mln"), cur)))
    return " ".join(filter(None, (fixed(mln, 2), _("mln"), cur)))


def provenance_line(instance: Any, scenario: Any = None, spends: Any = ()) -> str | None:
    """SPEC section 11: one line naming what the output rests on that is not a cited
    fact, e.g. "Data: derived: towns:tier; assumed: instance:curve; illustrative:
    actual/x.csv (reasons in SOURCES.md)". Scenario entries count only for the
    scenario used, illustrative files only for the spends used; None when nothing
    used is labelled."""
    p = getattr(instance, "provenance", None)
    if p is None:
        return None
    from pathlib import Path

    used_scenario = getattr(scenario, "path", None)

    def used(key: str) -> bool:
        file = key.split(":", 1)[0]
        if file.startswith("scenarios/"):
            return used_scenario is not None and Path(used_scenario).name == Path(file).name
        return True

    def short(key: str) -> str:
        file, _, what = key.partition(":")
        return f"{Path(file).stem}:{what}" if what else Path(file).stem

    parts = []
    for word, entries in ((_("derived"), p.derived), (_("assumed"), p.assumed)):
        names = [short(k) for k in entries if used(k)]
        if names:
            parts.append(f"{word}: {', '.join(names)}")
    shown = [s for s in spends if s is not None]
    illustrative = [f for f in p.illustrative
                    if any(p.is_illustrative(getattr(s, "path", s)) and
                           Path(getattr(s, "path", s)).as_posix().endswith(f) for s in shown)]  # fmt: skip
    if illustrative:
        parts.append(_("illustrative: {files}").format(files=", ".join(illustrative)))
    if not parts:
        return None
    return _("Data: {parts} (reasons in {file})").format(parts="; ".join(parts), file="SOURCES.md")


def spend_words(instance: Any, spend: Any) -> str:
    """ "illustrative spend" for a file the instance's [provenance] lists as
    illustrative (SPEC section 11), else "actual spend"."""
    p = getattr(instance, "provenance", None)
    path = getattr(spend, "path", spend)
    if p is not None and path is not None and p.is_illustrative(path):
        return "illustrative spend"
    return "actual spend"


def headline(cmp: Comparison) -> list[str]:
    """The comparison in a few sentences a person reads in ten seconds."""
    inst = cmp.instance
    cur = inst.currency
    words = spend_words(inst, cmp.actual)
    same = abs(cmp.budget_mln - cmp.actual_budget_mln) <= 1e-6 * max(1.0, cmp.actual_budget_mln)
    with_what = (
        f"With the same {money(cmp.budget_mln, cur)}"
        if same
        else (f"With {money(cmp.budget_mln, cur)} instead of {money(cmp.actual_budget_mln, cur)}")
    )
    parts = []
    for c in inst.criteria:
        u = cmp.uplift[c]
        pct = "" if u["pct"] is None else f" ({u['pct']:+.1f}%)"
        parts.append(f"{c} {u['abs']:+,.0f}{pct}")
    spent = cmp.optimal.allocated_mln
    optimum = "the optimum"
    if spent < cmp.budget_mln * (1 - 1e-6):
        optimum += f" (spending {money(spent, cur)} of it)"
    lines = [f"{with_what}, {optimum} changes {', '.join(parts)}."]
    eff = cmp.efficiency
    if eff.value is None:
        lines.append(f"Efficiency: n/a ({eff.reason}).")
    elif eff.value < 1 - 1e-6:
        lines.append(
            f"The same outcomes were reachable with {eff.value:.0%} of the money "
            f"({money(eff.min_budget_mln, cur)})."
        )
    elif eff.value > 1 + 1e-6:
        lines.append(
            f"Under the scenario's rules the same outcomes need {eff.value:.0%} of the "
            f"money ({money(eff.min_budget_mln, cur)})."
        )
    else:
        lines.append("No smaller budget reaches the same outcomes (efficiency 100%).")
    dom = cmp.dominance
    lines.append(
        f"The {words} is dominated: " + dominated_words(cmp)
        if dom.dominated
        else f"The {words} is not dominated ({dom.reason})."
    )
    plans = [p for p in cmp.closest if p.moved_mln is not None]
    if cmp.weighted_best is not None and cmp.weighted_best - cmp.weighted_actual <= 1e-9:
        lines.append("No plan improves the weighted objective without losing on a criterion.")
    elif plans:
        first, full = plans[0], plans[-1]
        text = f"Moving {money(first.taken_mln, cur)} between cells captures {first.phi:.0%} of the gain"
        sums = money(first.moved_mln)
        if full is not first:
            what = "all of it" if full.phi == 1.0 else f"{full.phi:.0%}"
            text += f" and {money(full.taken_mln, cur)} captures {what}"
            sums += f" and {money(full.moved_mln)}"
        lines.append(
            f"{text}, with no criterion below the {words} (moved: money taken out of cells; "
            f"total change, the sum of all cell changes: {sums})."
        )
    else:
        reason = next((p.reason for p in cmp.closest if p.reason), "no plan exists")
        lines.append(f"Closest plans: none ({reason}).")
    if any(not p.even for p in plans):
        lines.append(
            "Among plans that move as little, the closest plans are the solver's own (their "
            "faces are too large for the even-spread step)."
        )
    if cmp.broken_rules:
        names = sorted({v.rule for v in cmp.broken_rules})
        lines.append(
            f"The {words} breaks {len(cmp.broken_rules)} bound(s) of the scenario: "
            f"{', '.join(names)}."
        )
    wasted = cmp.without_effect_cost_mln
    from optimizer.analysis.compare import CELL_TOL

    if wasted > CELL_TOL:
        lines.append(
            f"{money(wasted, cur)} of the {words} has no effect "
            f"(above capacity or in ineligible cells)."
        )
    return lines


def dominated_words(cmp: Comparison) -> str:
    """'from (jobs 103, population 191) to (jobs 110, population 128)' and front points."""
    dom = cmp.dominance
    ends = [
        "(" + ", ".join(f"{c} {e[c]:,.0f}" for c in cmp.instance.criteria) + ")" for e in dom.ends
    ]
    uniq = list(dict.fromkeys(ends))
    text = (
        f"the front from {uniq[0]} to {uniq[-1]} is better on every criterion"
        if len(uniq) > 1
        else f"the front point {uniq[0]} is better on every criterion"
    )
    if dom.front_points:
        idx = dom.front_dominating
        text += (
            f"; front points {idx[0]}-{idx[-1]} ({len(idx)} of {dom.front_points}) dominate it"
            if idx
            else f"; none of the {dom.front_points} computed front points dominates it"
        )
    return text + "."


def unit_words(scale: float) -> str:
    return "per billion" if scale == 1000.0 else "per million"


def cell_reason(cell: CellExplanation) -> str:
    """Why the cell gets what it gets, in one clause (see `cell_words`)."""
    what = cell.measure.replace("_", " ")
    if cell.status == "ineligible":
        return f"not eligible for {what}: tier {cell.tier} may not use it"
    if cell.status == "no capacity":
        return f"no capacity for {what}"
    assert cell.value_per_mln is not None and cell.margin_per_mln is not None
    assert cell.segment is not None
    return cell_words(cell.status, what, cell.value_per_mln * cell.scale,
                      cell.margin_per_mln * cell.scale, cell.change_pct, cell.segment,
                      cell.volume_mln, cell.capacity_mln, cell.rule_effects, cell.scale,
                      cell.n_segments, cell.effects_per_mln)  # fmt: skip


def per_bn_words(effects_per_mln: dict[str, float]) -> str:
    """'jobs 35.2 and population 80.1 per bn': a cell's effects in criteria per bn."""
    parts = [f"{c} {v * 1000:,.3g}" for c, v in effects_per_mln.items()]
    return (" and ".join([", ".join(parts[:-1]), parts[-1]]) if len(parts) > 1
            else "".join(parts)) + " per bn"  # fmt: skip


def of_margin(value: float, margin: float) -> str:
    """A cell's worth as a share of the margin (what a bn earns elsewhere)."""
    return f"{value / margin:.0%} of the margin" if margin else "the margin is 0"


def cell_words(
    status: str,
    what: str,
    value: float,
    margin: float,
    change: float | None,
    s: int,
    volume: float,
    capacity: float,
    rules: tuple[RuleEffect, ...],
    scale: float,
    n_seg: int,
    effects_per_mln: dict[str, float] | None = None,
) -> str:
    """'gets nothing from cluster infrastructure: jobs 35 and population 80 per bn, 62% of
    the margin; it would need a 63% higher effect or a floor rule'. The margin is what a
    bn earns elsewhere in the allocation (the scenario's weighted objective)."""
    vs = (per_bn_words(effects_per_mln) + ", " if effects_per_mln else "") + of_margin(
        value, margin
    )
    why_rules = ""
    if rules:
        parts = [
            f"{r.name} {'raises' if r.per_mln > 0 else 'lowers'} the margin by "
            f"{abs(r.per_mln) * scale / margin:.0%}"
            if margin
            else r.name
            for r in rules
        ]
        why_rules = f" ({'; '.join(parts)})"
    seg = f"segment {s + 1} of {n_seg}"
    if status == "full":
        keep = (
            ""
            if change is None
            else "; a tie: any fall in its effect would move money away"
            if change < 0.05
            else f"; it stays fully funded unless its effect falls by more than {change:.0f}%"
        )
        return (
            f"funded up to capacity ({volume:,.1f} mln) from {what}: its last segment is "
            f"worth {vs}{why_rules}{keep}"
        )
    if status == "marginal":
        return (
            f"funded {volume:,.1f} of {capacity:,.1f} mln from {what}, at the margin: "
            f"{seg} is worth {vs}{why_rules}, exactly what the last money elsewhere earns"
        )
    if status == "partial":
        more = (
            "a tie: more could go there at no loss"
            if change is not None and change < 0.05
            else f"more would need a {change:.0f}% higher effect"
            if change is not None
            else "more has no effect"
        )
        return (
            f"funded {volume:,.1f} of {capacity:,.1f} mln from {what}; more would go to "
            f"{seg}, worth {vs}{why_rules}; {more}"
        )
    need = (
        "it has no effect on the scenario's objective"
        if change is None
        else "a tie: it could be funded at no loss"
        if change < 0.05
        else f"it would need a {change:.0f}% higher effect or a floor rule"
    )
    return f"gets nothing from {what}: {vs}{why_rules}; {need}"


def range_words(ex: TownExplanation, cur: str) -> list[str]:
    """The freedom the optimum leaves the town (SPEC section 10), when there is any."""
    if ex.range_mln is None:
        return []
    lo, hi = ex.range_mln
    if hi - lo <= 1e-6 * max(1.0, ex.total_mln):
        return [f"No equally good plan gives {ex.town} a different amount."]
    return [
        f"Any amount from {lo:,.0f} to {hi:,.0f} mln{cur} for {ex.town} gives the same "
        f"outcome (equally good plans); the plan shown "
        + (f"is the one closest to {ex.baseline}." if ex.baseline
           else "spreads the money most evenly per resident.")
    ]  # fmt: skip


def budget_words(ex: TownExplanation) -> str:
    """What one more bn buys, in criteria, and what the margin is."""
    rates = ex.budget_criteria_per_bn
    if rates:
        buys = " and ".join(f"{v:+,.1f} {c}" for c, v in rates.items())
        head = f"One more billion of budget buys {buys}"
    else:
        head = "One more billion of budget buys nothing more"
    return (
        f"{head}; a cell gets money when its next billion earns at least what a billion "
        f"earns elsewhere in the allocation (the margin, in the scenario's objective)."
    )


def town_words(ex: TownExplanation, currency: str = "") -> list[str]:
    """A few sentences about the town as a whole."""
    cur = f" {currency}" if currency else ""
    share = ex.allocated_mln / ex.total_mln if ex.total_mln > 0 else 0.0
    amount = "billion" if ex.scale == 1000.0 else "million"
    lines = [
        f"{ex.town} ({ex.tier} tier, {ex.region}, {ex.population:,.0f} residents) gets "
        f"{ex.allocated_mln:,.1f} mln{cur} ({share:.1%} of the allocation, rank {ex.rank}; "
        f"{ex.per_capita:,.0f}{cur} per resident).",
        *range_words(ex, cur),
        budget_words(ex),
    ]
    for sp in ex.binding:
        per = UNIT_WORDS.get(sp.unit, sp.unit)
        value = sp.value * (ex.scale if sp.unit == "mln" else 1.0)
        if sp.state == "binding (no cost)":
            lines.append(
                f"Binding here (no cost): {sp.name}; the plan sits on it, but relaxing it "
                "would add nothing."
            )
            continue
        worth = (
            f"is worth as much as {money(sp.value / ex.budget_shadow_price, cur.strip())} of budget"
            if ex.budget_shadow_price
            else f"changes the scenario's objective by {value:.3g}"
        )
        lines.append(
            f"Binding here: {sp.name}; relaxing it by one {amount if sp.unit == 'mln' else per} "
            f"{worth}."
        )
    if ex.note:
        lines.append(f"Note: {ex.note}.")
    return lines


# ----------------------------------------------------------------------------- projects


def gap_note(gap: float) -> str:
    """What `--gap G` means for every answer of the run."""
    return (
        f"--gap {gap:g}: mixed-integer solves stopped within {gap:.4g} ({gap * 100:.4g}%) of the "
        "best possible objective; these answers are not proven optimal"
    )


MIP_SENSITIVITY_NOTE = N_(
    "shadow prices do not exist for a mixed-integer program (projects funded all or "
    "nothing); what one more unit buys is measured by re-solving, e.g. solve --budget"
)


def project_words(px: Any, currency: str) -> list[str]:
    """What a project's funding decision is worth, in words (re-solves, not duals)."""
    cur = f"mln {currency}".strip()
    state = "funded" if px.fraction >= 1 else ("not funded" if px.fraction == 0
                                              else f"funded at {px.fraction:.0%}")  # fmt: skip
    out = [f"project {px.project!r}: {state} at the optimum "
           f"({', '.join(f'{c} {v:,.1f}' for c, v in px.objectives.items())})"]  # fmt: skip
    for v, what in ((px.forced_in, "forced in"), (px.forced_out, "forced out")):
        if v.objectives is None:
            out.append(f"{what}: infeasible under the scenario's budget, lines and rules")
            continue
        change = ", ".join(f"{c} {v.objectives[c] - a:+,.1f}" for c, a in px.objectives.items())
        loss = px.loss(v)
        out.append(f"{what}: {change}; budget cost {v.allocated_mln:,.1f} {cur}; "
                   f"weighted score {-loss:+.4g} (payoff-normalized)")  # fmt: skip
    return out


def project_change_lines(cmp: Any) -> list[str]:
    """Which of the actual's funded projects the optimum keeps and drops, and which it
    adds, with their budget cost (SPEC section 12); empty without a project list."""
    pc = cmp.projects
    if pc is None:
        return []

    def names(v: tuple[str, ...]) -> str:
        return ", ".join(v) if v else "none"

    return [
        f"projects kept: {len(pc.kept)} ({mln(pc.kept_cost_mln)} mln): {names(pc.kept)}",
        f"projects dropped: {len(pc.dropped)} ({mln(pc.dropped_cost_mln)} mln): "
        f"{names(pc.dropped)}",
        f"projects added: {len(pc.added)} ({mln(pc.added_cost_mln)} mln): {names(pc.added)}",
    ]
