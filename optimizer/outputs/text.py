"""All words and numbers a person reads: the one set of number formatters (English,
or Babel's locale formats in Russian and Kazakh), display names of towns, measures
and scenarios, and the prose of compare, explain and the provenance line.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from optimizer.domain.results import Tightness
from optimizer.i18n import N_, _, language, ngettext, percent_sign

# ----------------------------------------------------------------------------- words


if TYPE_CHECKING:  # types only: the words load without the analyses
    from optimizer.analysis.compare import ClosestPlan, Comparison, Reason
    from optimizer.analysis.explain import CellExplanation, RuleEffect, TownExplanation
    from optimizer.analysis.pareto import ParetoFront
    from optimizer.analysis.targets import TargetRate
    from optimizer.domain.evaluate import Violation

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
    "actual": N_("actual"),
    "firms": N_("firms"),
    # how a front was computed (pareto)
    "dichotomic": N_("dichotomic"),
    "augmecon2": N_("augmecon2"),
    "epsilon-exact": N_("epsilon-exact"),
    "epsilon-grid": N_("epsilon-grid"),
}
# The sign of a currency where Babel's locale data gives only the code (ru: KZT).
CURRENCY_SIGNS = {"KZT": "₸", "RUB": "₽"}
SCENARIO_NAMES: dict[str, dict[str, str]] = {}
INSTANCE_NAMES: dict[str, dict[str, str]] = {}


def term(word: str, words: Mapping[str, str] = VOCABULARY, other: str | None = None) -> str:
    """A word of the model's vocabulary (criterion, tier, instrument, method; or of
    another table `words` of N_-marked texts) in the language in use; any other
    identifier as it is, or `other`."""
    if word in words:
        return _(words[word])
    return word if other is None else other


def town_name(instance: Any, t: int) -> str:
    """Town `t` as the language in use names it (towns.csv town_ru/town_kk), else its id."""
    return instance.shown_towns[t]


def measure_name(instance: Any, j: int) -> str:
    """Measure `j`: its id in English, its label_ru/label_kk when the tool speaks those."""
    return instance.measure_labels.get(language(), instance.measures)[j]


def town_label(instance: Any, town: str) -> str:
    """A town id as the reader knows the town (its display name); an id the instance
    does not hold, as it is."""
    towns = instance.towns
    return town_name(instance, towns.index(town)) if town in towns else town


def measure_label(instance: Any, measure: str) -> str:
    """A measure id as the reader knows the measure (its label in Russian and Kazakh);
    an id the instance does not hold, as it is."""
    measures = instance.measures
    return measure_name(instance, measures.index(measure)) if measure in measures else measure


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


def remember_instance(name: str, display_names: dict[str, str]) -> None:
    """Record an instance's names in Russian and Kazakh for `instance_title`."""
    INSTANCE_NAMES[name] = dict(display_names)


def instance_title(name: str) -> str:
    """An instance's name in the language in use (instance.toml name_ru/name_kk)."""
    return INSTANCE_NAMES.get(name, {}).get(language(), name)


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


class Shown(str):
    """A number as the text shows it, carrying the number it shows (`value`, rounded
    as shown) and a spreadsheet format that shows it alike (`form`): a workbook made
    of the report's tables writes numbers, never reading our own text back."""

    value: float
    form: str

    def __new__(cls, text: str, value: float, form: str) -> Shown:
        shown = super().__new__(cls, text)
        shown.value, shown.form = value, form
        return shown


WHOLE_FORM = "#,##0"


def decimals_form(decimals: int, percent: bool = False) -> str:
    """The spreadsheet format with `decimals` decimals (`#,##0.0`, `0.0%`)."""
    head = "0" if percent else "#,##0"
    return head + ("." + "0" * decimals if decimals > 0 else "") + ("%" if percent else "")


def fixed(
    v: float, decimals: int, group: bool = True, sign: bool = False
) -> str:  # a Shown (a str that keeps its number)
    """`v` with `decimals` decimals in the language in use: `10,400.0` / `10 400,0`."""
    lang = language()
    shown = round(float(v), decimals) + 0.0
    if lang == "en":
        text = f"{v:{'+' if sign else ''}{',' if group else ''}.{decimals}f}"
        return Shown(text, shown, decimals_form(decimals))
    from babel.numbers import format_decimal

    pattern = ("#,##0" if group else "0") + ("." + "0" * decimals if decimals else "")
    text = format_decimal(v, format=pattern, locale=lang, decimal_quantization=True)
    if text.startswith("-") and not text.strip("-0,.\u00a0"):
        text = text[1:]  # -0,0 reads as 0,0
    text = f"+{text}" if sign and not text.startswith("-") else text
    return Shown(text, shown, decimals_form(decimals))


def significant(
    v: float, sig: int, group: bool = True, sign: bool = False
) -> str:  # a Shown (a str that keeps its number)
    """`v` to `sig` significant digits (`0.00605`, `3.204`) in the language in use;
    `sign`: a `+` before positive values (`+0.1873`)."""
    plain = f"{v:.{sig}g}"
    shown = float(plain)
    form = "0.00E+00" if "e" in plain else decimals_form(len(plain.partition(".")[2]))
    if language() == "en":
        return Shown(f"{v:{'+' if sign else ''}{',' if group else ''}.{sig}g}", shown, form)
    if "e" in plain:
        text = plain.replace(".", ",")
    else:
        text = fixed(shown, len(plain.partition(".")[2]), group)
    return Shown(f"+{text}" if sign and not text.startswith("-") else text, shown, form)


def as_percent(text: str, value_pct: float, decimals: int) -> Shown:
    """`text` (a number in percent) with the language's percent sign, showing the
    fraction `value_pct / 100`."""
    return Shown(text + percent_sign(), round(value_pct, decimals) / 100 + 0.0,
                 decimals_form(decimals, percent=True))  # fmt: skip


def percent(v: float, decimals: int = 0) -> str:  # a Shown (a str that keeps its number)
    """A fraction as a percentage: `0.96` -> `96%` (`96 %` in Russian)."""
    if language() == "en":
        return Shown(f"{v:.{decimals}%}", round(100 * v, decimals) / 100 + 0.0,
                     decimals_form(decimals, percent=True))  # fmt: skip
    return as_percent(fixed(100 * v, decimals, group=False), 100 * v, decimals)


def typed(v: float) -> str:
    """A number as it is typed on a command line (`--budget 18000`, `--sigma 0.3`,
    `--gap 0.01`): Python's shortest form in every language, since a shell reads it."""
    return f"{v:g}"


def capital(text: str) -> str:
    """`text` with its first letter upper-cased (a translation may start a sentence
    with a placeholder: "{spend} ..." -> "Фактические расходы ...")."""
    return text[:1].upper() + text[1:]


def joined(parts: list[str]) -> str:
    """'a, b and c' in the language in use."""
    if len(parts) < 2:
        return "".join(parts)
    return _("{first} and {last}").format(first=", ".join(parts[:-1]), last=parts[-1])


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
    return as_percent(fixed(v, 1, group=False, sign=signed), v, 1)


def signed_pct(v: float, decimals: int = 0) -> str:  # a Shown (a str that keeps its number)
    """A signed percentage that never reads "+-0%": values that round to zero print unsigned."""
    r = round(v, decimals)
    if r == 0:
        return as_percent(fixed(0, decimals, group=False), 0.0, decimals)
    return as_percent(fixed(r, decimals, group=False, sign=True), r, decimals)


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
    return [as_percent(fixed(f / unit, decimals, group=False), f / unit, decimals) for f in floors]


def rate(v: float | None, none: str = "-") -> str:
    """A rate per unit: four significant digits, whole numbers from 10,000 up."""
    if v is None:
        return none
    if v == 0:
        return Shown("0", 0.0, WHOLE_FORM)
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


def is_illustrative(instance: Any, spend: Any) -> bool:
    """Whether the instance's [provenance] lists the spend's file as illustrative
    (SPEC section 11)."""
    p = getattr(instance, "provenance", None)
    path = getattr(spend, "path", spend)
    return p is not None and path is not None and p.is_illustrative(path)


def spend_words(instance: Any, spend: Any) -> str:
    """ "illustrative spend" for a file the instance's [provenance] lists as
    illustrative (SPEC section 11), else "actual spend" (in the language in use)."""
    return _("illustrative spend") if is_illustrative(instance, spend) else _("actual spend")


def spend_label(instance: Any, spend: Any) -> str:
    """A spend in a figure's legend: `illustrative spend: <name>, 8,700 mln KZT`
    ("actual spend" when there is no spend to name)."""
    if spend is None:
        return _("actual spend")
    cost = float((spend.volume * instance.budget_cost[None, :]).sum())
    return _("{spend}: {name}, {amount} mln {currency}").format(
        spend=spend_words(instance, spend), name=spend.name, amount=fixed(cost, 0),
        currency=currency_sign(instance.currency),
    ).rstrip()  # fmt: skip


def spend_short(instance: Any, spend: Any) -> str:
    """One word for the spend, as a table column: "illustrative" or "actual"."""
    return _("illustrative") if is_illustrative(instance, spend) else _("actual")


# Why the comparison has no value for a quantity (`optimizer.analysis.compare.Reason`),
# by its code (`Unreached`, a StrEnum: its values key this table without loading the
# analysis).
REASONS = {
    "no_budget": N_(
        "no budget reaches the actual's outcomes under the scenario's rules and limits"
    ),
    "at_actual_budget": N_(
        "no allocation that keeps the scenario's rules and limits at the actual budget "
        "reaches the actual's outcomes"
    ),
    "at_budget": N_(
        "no allocation that keeps the scenario's rules and limits at {amount} mln "
        "reaches the actual's outcomes"
    ),
    "none_better": N_(
        "no allocation at the actual budget is better on one criterion without being "
        "worse on another"
    ),
    "share": N_("no plan reaches this share of the gain under the scenario's rules and limits"),
    "no_front": N_("the scenario has no front at the actual budget"),
}


def reason_text(reason: Reason | None) -> str:
    """Why the comparison has no value for a quantity, in the language in use, with the
    budget it speaks of; None (no plan and no reason): "no plan exists"."""
    if reason is None:
        return _("no plan exists")
    words = _(REASONS[reason.code])
    return words if reason.budget_mln is None else words.format(amount=mln(reason.budget_mln))


def change_words(criterion: str, change: float, percent_change: float | None,
                 decimals: int = 0) -> str:  # fmt: skip
    """'jobs +472 (+9.9%)': a criterion's change, and in percent when it has one."""
    text = f"{term(criterion)} {fixed(change, decimals, sign=True)}"
    if percent_change is not None:
        text += f" ({pct(percent_change, signed=True)})"
    return text


def headline(cmp: Comparison) -> list[str]:
    """The comparison in a few sentences a person reads in ten seconds."""
    words = spend_words(cmp.instance, cmp.actual)
    illustrative = is_illustrative(cmp.instance, cmp.actual)
    lines = [uplift_line(cmp), efficiency_line(cmp), dominance_line(cmp, words)]
    lines += closest_lines(cmp, illustrative)
    if cmp.broken_rules:
        lines.append(broken_rules_line(cmp, words))
    lines += no_effect_lines(cmp, illustrative)
    return lines


def uplift_line(cmp: Comparison) -> str:
    """How the optimum changes each criterion, and with what budget."""
    cur = cmp.instance.currency
    with_what = (
        _("With the same {amount}").format(amount=money(cmp.budget_mln, cur))
        if cmp.at_actual_budget
        else _("With {amount} instead of {actual}").format(
            amount=money(cmp.budget_mln, cur), actual=money(cmp.actual_budget_mln, cur)
        )
    )
    parts = [
        change_words(c, cmp.uplift[c]["abs"] or 0.0, cmp.uplift[c]["pct"])
        for c in cmp.instance.criteria
    ]
    spent = cmp.optimal.allocated_mln
    optimum = _("the optimum")
    if spent < cmp.budget_mln * (1 - 1e-6):
        optimum = _("the optimum (spending {amount} of it)").format(amount=money(spent, cur))
    return _("{with_what}, {optimum} changes {changes}.").format(
        with_what=with_what, optimum=optimum, changes=", ".join(parts)
    )


def efficiency_line(cmp: Comparison) -> str:
    """The share of the money that reaches the same outcomes, in a sentence."""
    cur = cmp.instance.currency
    eff = cmp.efficiency
    if eff.value is None:
        return _("Efficiency: n/a ({reason}).").format(reason=reason_text(eff.reason))
    if eff.value < 1 - 1e-6:
        return _("The same outcomes were reachable with {share} of the money ({amount}).").format(
            share=percent(eff.value), amount=money(eff.min_budget_mln, cur)
        )
    if eff.value > 1 + 1e-6:
        return _(
            "Under the scenario's rules the same outcomes need {share} of the money ({amount})."
        ).format(share=percent(eff.value), amount=money(eff.min_budget_mln, cur))
    return _("No smaller budget reaches the same outcomes (efficiency 100%).")


def dominance_line(cmp: Comparison, words: str) -> str:
    """Whether the spend is dominated, and by what (or why not)."""
    dom = cmp.dominance
    if dom.dominated:
        return capital(
            _("The {spend} is dominated: {how}").format(spend=words, how=dominated_words(cmp))
        )
    return capital(
        _("The {spend} is not dominated ({reason}).").format(
            spend=words, reason=reason_text(dom.reason)
        )
    )


def closest_lines(cmp: Comparison, illustrative: bool) -> list[str]:
    """What the closest improving plans move and gain, or why there are none."""
    plans = [p for p in cmp.closest if p.moved_mln is not None]
    if cmp.weighted_best is not None and cmp.weighted_best - cmp.weighted_actual <= 1e-9:
        lines = [_("No plan improves the weighted objective without losing on a criterion.")]
    elif plans:
        projects = cmp.instance.projects is not None
        lines = [moved_line(plans[0], plans[-1], cmp.instance.currency, illustrative, projects)]
    else:
        reason = next((p.reason for p in cmp.closest if p.reason), None)
        lines = [_("Closest plans: none ({reason}).").format(reason=reason_text(reason))]
    if any(not p.even for p in plans):
        lines.append(
            _(
                "Among plans that move as little, the closest plans are the solver's own (their "
                "faces are too large for the even-spread step)."
            )
        )
    return lines


def moved_line(
    first: ClosestPlan, full: ClosestPlan, cur: str, illustrative: bool, projects: bool = False
) -> str:
    """How much money moved (taken out of cells, and projects' funding, SPEC 14)
    captures part of the gain, and all of it."""
    lead = (
        _("Moving {amount} between cells and projects captures {share} of the gain")
        if projects
        else _("Moving {amount} between cells captures {share} of the gain")
    )
    text = lead.format(amount=money(first.moved_mln, cur), share=percent(first.phi))
    if full is not first:
        what = _("all of it") if full.phi == 1.0 else percent(full.phi)
        text += _(" and {amount} captures {what}").format(
            amount=money(full.moved_mln, cur), what=what
        )
    return moved_words(illustrative, projects).format(text=text)


def moved_words(illustrative: bool, projects: bool) -> str:
    """The moved sentence's frame: against which spend, and what "moved" counts."""
    if projects:
        return (
            _(
                "{text}, with no criterion below the illustrative spend (moved: money taken "
                "out of cells and projects no longer funded)."
            )
            if illustrative
            else _(
                "{text}, with no criterion below the actual spend (moved: money taken out "
                "of cells and projects no longer funded)."
            )
        )
    return (
        _(
            "{text}, with no criterion below the illustrative spend (moved: money taken "
            "out of cells)."
        )
        if illustrative
        else _(
            "{text}, with no criterion below the actual spend (moved: money taken out of cells)."
        )
    )


def violation_name(v: Violation) -> str:
    """A broken bound's name: the budget, a limit on an instrument, or a rule's label."""
    if v.rule == "budget":
        return _("budget")
    if v.instrument is not None:
        return _("limit {instrument}").format(instrument=term(v.instrument))
    return v.rule


def broken_rules_line(cmp: Comparison, words: str) -> str:
    """The bounds of the scenario the spend breaks, by rule."""
    names = sorted({violation_name(v) for v in cmp.broken_rules})
    n = len(cmp.broken_rules)
    return capital(
        ngettext(
            "The {spend} breaks {n} bound(s) of the scenario: {names}.",
            "The {spend} breaks {n} bound(s) of the scenario: {names}.",
            n,
        ).format(spend=words, n=n, names=", ".join(names))
    )


def no_effect_lines(cmp: Comparison, illustrative: bool) -> list[str]:
    """The money of the spend that buys nothing (above capacity, ineligible cells)."""
    from optimizer.analysis.compare import CELL_TOL

    wasted = cmp.without_effect_cost_mln
    if wasted > CELL_TOL:
        return [
            (
                _(
                    "{amount} of the illustrative spend has no effect (above capacity or in "
                    "ineligible cells)."
                )
                if illustrative
                else _(
                    "{amount} of the actual spend has no effect (above capacity or in "
                    "ineligible cells)."
                )
            ).format(amount=money(wasted, cmp.instance.currency))
        ]
    return []


def dominated_words(cmp: Comparison) -> str:
    """'from (jobs 103, population 191) to (jobs 110, population 128)' and front points."""
    dom = cmp.dominance
    ends = [
        "(" + ", ".join(f"{term(c)} {fixed(e[c], 0)}" for c in cmp.instance.criteria) + ")"
        for e in dom.ends
    ]
    uniq = list(dict.fromkeys(ends))
    text = (
        _("the front from {first} to {last} is better on every criterion").format(
            first=uniq[0], last=uniq[-1]
        )
        if len(uniq) > 1
        else _("the front point {point} is better on every criterion").format(point=uniq[0])
    )
    if dom.front_points:
        idx = dom.front_dominating
        text += (
            _("; front points {first}-{last} ({n} of {total}) dominate it").format(
                first=idx[0], last=idx[-1], n=len(idx), total=dom.front_points
            )
            if idx
            else _("; none of the {total} computed front points dominates it").format(
                total=dom.front_points
            )
        )
    return text + "."


def cell_reason(cell: CellExplanation, instance: Any = None) -> str:
    """Why the cell gets what it gets, in one clause (see `cell_words`). With the
    instance, the measure is named as the language in use names it."""
    what = cell.measure.replace("_", " ")
    if instance is not None and language() != "en":
        what = measure_label(instance, cell.measure)
    if cell.status == "ineligible":
        return _("not eligible for {what}: tier {tier} may not use it").format(
            what=what, tier=term(cell.tier)
        )
    if cell.status == "no capacity":
        return _("no capacity for {what}").format(what=what)
    assert cell.value_per_mln is not None and cell.margin_per_mln is not None
    assert cell.segment is not None
    return cell_words(cell.status, what, cell.value_per_mln * cell.scale,
                      cell.margin_per_mln * cell.scale, cell.change_pct, cell.segment,
                      cell.volume_mln, cell.capacity_mln, cell.rule_effects, cell.scale,
                      cell.n_segments, cell.effects_per_mln)  # fmt: skip


def per_bn_words(effects_per_mln: dict[str, float]) -> str:
    """'jobs 35.2 and population 80.1 per bn': a cell's effects in criteria per bn."""
    parts = [f"{term(c)} {significant(v * 1000, 3)}" for c, v in effects_per_mln.items()]
    return _("{effects} per bn").format(effects=joined(parts))


def of_margin(value: float, margin: float) -> str:
    """A cell's worth as a share of the margin (what a bn earns elsewhere)."""
    if not margin:
        return _("the margin is 0")
    return _("{share} of the margin").format(share=percent(value / margin))


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
            (
                _("{rule} raises the margin by {share}")
                if r.per_mln > 0
                else _("{rule} lowers the margin by {share}")
            ).format(rule=r.name, share=percent(abs(r.per_mln) * scale / margin))
            if margin
            else r.name
            for r in rules
        ]
        why_rules = f" ({'; '.join(parts)})"
    seg = _("segment {k} of {n}").format(k=s + 1, n=n_seg)
    volume_text, capacity_text = fixed(volume, 1), fixed(capacity, 1)
    if status == "full":
        keep = (
            ""
            if change is None
            else _("; a tie: any fall in its effect would move money away")
            if change < 0.05
            else _("; it stays fully funded unless its effect falls by more than {change}").format(
                change=percent(change / 100)
            )
        )
        return (
            _(
                "funded up to capacity ({volume} mln) from {what}: its last segment is worth {value}"
            ).format(volume=volume_text, what=what, value=vs)
            + why_rules
            + keep
        )
    if status == "marginal":
        return _(
            "funded {volume} of {capacity} mln from {what}, at the margin: {segment} is worth "
            "{value}{rules}, exactly what the last money elsewhere earns"
        ).format(volume=volume_text, capacity=capacity_text, what=what, segment=seg, value=vs,
                 rules=why_rules)  # fmt: skip
    if status == "partial":
        more = (
            _("a tie: more could go there at no loss")
            if change is not None and change < 0.05
            else _("more would need a {change} higher effect").format(change=percent(change / 100))
            if change is not None
            else _("more has no effect")
        )
        return _(
            "funded {volume} of {capacity} mln from {what}; more would go to {segment}, worth "
            "{value}{rules}; {more}"
        ).format(volume=volume_text, capacity=capacity_text, what=what, segment=seg, value=vs,
                 rules=why_rules, more=more)  # fmt: skip
    need = (
        _("it has no effect on the scenario's objective")
        if change is None
        else _("a tie: it could be funded at no loss")
        if change < 0.05
        else _("it would need a {change} higher effect or a floor rule").format(
            change=percent(change / 100)
        )
    )
    return _("gets nothing from {what}: {value}{rules}; {need}").format(
        what=what, value=vs, rules=why_rules, need=need
    )


def explained_town(ex: TownExplanation, instance: Any = None) -> str:
    """The explained town as the language in use names it (its id without the instance)."""
    if instance is None or ex.town_index is None:
        return ex.town
    return town_name(instance, ex.town_index)


def range_words(ex: TownExplanation, cur: str, instance: Any = None) -> list[str]:
    """The freedom the optimum leaves the town (SPEC section 10), when there is any."""
    if ex.range_mln is None:
        return []
    lo, hi = ex.range_mln
    town = explained_town(ex, instance)
    if hi - lo <= 1e-6 * max(1.0, ex.total_mln):
        return [_("No equally good plan gives {town} a different amount.").format(town=town)]
    shown = (
        _(
            "Any amount from {low} to {high} mln{currency} for {town} gives the same outcome "
            "(equally good plans); the plan shown is the one closest to {baseline}."
        )
        if ex.baseline
        else _(
            "Any amount from {low} to {high} mln{currency} for {town} gives the same outcome "
            "(equally good plans); the plan shown spreads the money most evenly per resident."
        )
    )
    return [shown.format(low=fixed(lo, 0), high=fixed(hi, 0), currency=cur, town=town,
                         baseline=ex.baseline)]  # fmt: skip


def budget_words(ex: TownExplanation) -> str:
    """What one more bn buys, in criteria, and what the margin is; for a plan that is
    the least budget reaching its targets, what the margin is instead (see
    `target_words`: the budget is only a cap there, one more bn buys nothing)."""
    if ex.least_budget:
        return _(
            "A cell gets money when what its next million buys towards the targets, at "
            "these costs, is worth at least that million (the margin, in millions of budget)."
        )
    rates = ex.budget_criteria_per_bn
    if rates:
        parts = [
            _("{value} {criterion}").format(value=fixed(v, 1, sign=True), criterion=term(c))
            for c, v in rates.items()
        ]
        buys = parts[0]
        for part in parts[1:]:  # 'a and b and c', as it always read
            buys = _("{first} and {last}").format(first=buys, last=part)
        head = _("One more billion of budget buys {what}").format(what=buys)
    else:
        head = _("One more billion of budget buys nothing more")
    return _(
        "{head}; a cell gets money when its next billion earns at least what a billion "
        "earns elsewhere in the allocation (the margin, in the scenario's objective)."
    ).format(head=head)


def least_budget_words(ex: TownExplanation, currency: str = "") -> str:
    """The plan is the least budget that reaches the targets; the budget is its cap."""
    return _(
        "The plan is the least budget that reaches the targets: {amount} of the cap of {cap}."
    ).format(amount=money(ex.total_mln, currency), cap=money(ex.budget_mln, currency))


def target_words(target: TargetRate, currency: str = "") -> str:
    """What one more unit of a target (a floor on a criterion) costs: its dual, and the
    re-solve with the target one unit higher."""
    if not target.binding:
        return _(
            "The {criterion} target ({bound}) is exceeded ({value}): one more unit of it "
            "costs nothing."
        ).format(criterion=term(target.criterion), bound=num(target.bound),
                 value=num(target.value))  # fmt: skip
    from optimizer.methods.describe import Margin

    budget = target.margin is Margin.budget  # what `cost` is measured in
    cost = money(target.cost, currency) if budget else significant(target.cost, 4, group=False)
    checked = (
        _("infeasible")
        if target.checked is None
        else money(target.checked, currency)
        if budget
        else significant(target.checked, 4, group=False)
    )
    text = (
        _("One more unit of the {criterion} target ({bound}) costs {cost} of budget "
          "(its dual; re-solved with the target one unit higher: {checked}).")
        if budget
        else _("One more unit of the {criterion} floor ({bound}) costs {cost} {unit} (its "
               "dual; re-solved with the floor one unit higher: {checked}).")
        if target.counted_in
        else _("One more unit of the {criterion} floor ({bound}) costs {cost} of the "
               "scenario's objective (its dual; re-solved with the floor one unit higher: "
               "{checked}).")
    )  # fmt: skip
    return text.format(criterion=term(target.criterion), bound=num(target.bound), cost=cost,
                       checked=checked, unit=term(target.counted_in or ""))  # fmt: skip


# What relaxing a constraint by one unit means, by the unit of its shadow price.
RELAX_UNITS = {
    "pp": N_("one percentage point"),
    "per_capita": N_("one currency unit per resident"),
}


def town_words(ex: TownExplanation, currency: str = "", instance: Any = None) -> list[str]:
    """A few sentences about the town as a whole (with the instance, names of town,
    region and tier as the language in use writes them): what it gets, its range, the
    margin and what sets it (the budget's rate, or the targets' costs), its binding
    rules."""
    sign = currency_sign(currency)
    cur = f" {sign}" if sign else ""
    share = ex.allocated_mln / ex.total_mln if ex.total_mln > 0 else 0.0
    t = ex.town_index
    region = ex.region if instance is None or t is None else region_name(instance, t)
    lines = [
        _(
            "{town} ({tier} tier, {region}, {population} residents) gets {amount} mln{currency} "
            "({share} of the allocation, rank {rank}; {per_capita}{currency} per resident)."
        ).format(
            town=explained_town(ex, instance),
            tier=term(ex.tier),
            region=region,
            population=fixed(ex.population, 0),
            amount=fixed(ex.allocated_mln, 1),
            currency=cur,
            share=percent(share, 1),
            rank=ex.rank,
            per_capita=fixed(ex.per_capita, 0),
        ),
        *range_words(ex, cur, instance),
        *([least_budget_words(ex, currency)] if ex.least_budget else []),
        *(target_words(tr, currency) for tr in ex.targets),
        budget_words(ex),
    ]
    for sp in ex.binding:
        value = sp.value * (ex.scale if sp.unit == "mln" else 1.0)
        if sp.state is Tightness.binding_no_cost:
            lines.append(
                _(
                    "Binding here (no cost): {name}; the plan sits on it, but relaxing it "
                    "would add nothing."
                ).format(name=term(sp.name))
            )
            continue
        worth = (
            _("saves {amount} of budget").format(amount=money(sp.value, currency))
            if ex.least_budget  # the objective is the budget itself
            else _("is worth as much as {amount} of budget").format(
                amount=money(sp.value / ex.budget_shadow_price, currency)
            )
            if ex.budget_shadow_price
            else _("changes the scenario's objective by {value}").format(
                value=significant(value, 3, group=False)
            )
        )
        if sp.unit == "mln":
            unit = _("one billion") if ex.scale == 1000.0 else _("one million")
        else:
            unit = term(sp.unit, RELAX_UNITS, f"one {sp.unit}")
        lines.append(
            _("Binding here: {name}; relaxing it by {unit} {worth}.").format(
                name=term(sp.name), unit=unit, worth=worth
            )
        )
    return lines


# ----------------------------------------------------------------------------- projects


def gap_note(gap: float) -> str:
    """What `--gap G` means for every answer of the run."""
    return _(
        "--gap {gap}: mixed-integer solves stopped within {within} ({percent}) of the best "
        "possible objective; these answers are not proven optimal"
    ).format(gap=typed(gap), within=significant(gap, 4, group=False),
             percent=significant(gap * 100, 4, group=False) + percent_sign())  # fmt: skip


MIP_SENSITIVITY_NOTE = N_(
    "shadow prices do not exist for a mixed-integer program (projects funded all or "
    "nothing); what one more unit buys is measured by re-solving, e.g. solve --budget"
)


def project_words(px: Any, currency: str) -> list[str]:
    """What a project's funding decision is worth, in words (re-solves, not duals)."""
    cur = _("mln {currency}").format(currency=currency_sign(currency)).strip()
    state = (
        _("funded")
        if px.fraction >= 1
        else _("not funded")
        if px.fraction == 0
        else _("funded at {share}").format(share=percent(px.fraction))
    )
    values = ", ".join(f"{term(c)} {fixed(v, 1)}" for c, v in px.objectives.items())
    out = [
        _("project {name}: {state} at the optimum ({values})").format(
            name=repr(px.project), state=state, values=values
        )
    ]
    for v, what in ((px.forced_in, _("forced in")), (px.forced_out, _("forced out"))):
        if v.objectives is None:
            out.append(
                _("{what}: infeasible under the scenario's budget, lines and rules").format(
                    what=what
                )
            )
            continue
        change = ", ".join(
            f"{term(c)} {fixed(round(v.objectives[c] - a, 9) + 0.0, 1, sign=True)}"
            for c, a in px.objectives.items()
        )
        out.append(variant_words(px, v, what, change, cur))
    return out


def variant_words(px: Any, v: Any, what: str, change: str, cur: str) -> str:
    """A forced variant against the optimum, in the method's own objective: the least
    budget it needs (a least-budget method) or the change of the objective."""
    from optimizer.methods.describe import Margin

    if px.margin is Margin.budget:
        return _(
            "{what}: {change}; least budget {amount} {currency} ({delta} {currency})"
        ).format(what=what, change=change, amount=fixed(v.allocated_mln, 1), currency=cur,
                 delta=fixed(px.change(v), 1, sign=True))  # fmt: skip
    text = (
        _("{what}: {change}; budget cost {amount} {currency}; {method} objective {score} "
          "(payoff-normalized)")
        if px.normalized
        else _("{what}: {change}; budget cost {amount} {currency}; {method} objective {score}")
    )  # fmt: skip
    return text.format(what=what, change=change, amount=fixed(v.allocated_mln, 1), currency=cur,
                       method=term(px.method),
                       score=significant(px.change(v), 4, group=False, sign=True))  # fmt: skip


def project_change_lines(cmp: Any) -> list[str]:
    """Which of the actual's funded projects the optimum keeps and drops, and which it
    adds, with their budget cost (SPEC section 12); empty without a project list."""
    pc = cmp.projects
    if pc is None:
        return []

    def names(v: tuple[str, ...]) -> str:
        return ", ".join(v) if v else _("none")

    return [
        _("projects kept: {n} ({amount} mln): {names}").format(
            n=len(pc.kept), amount=mln(pc.kept_cost_mln), names=names(pc.kept)
        ),
        _("projects dropped: {n} ({amount} mln): {names}").format(
            n=len(pc.dropped), amount=mln(pc.dropped_cost_mln), names=names(pc.dropped)
        ),
        _("projects added: {n} ({amount} mln): {names}").format(
            n=len(pc.added), amount=mln(pc.added_cost_mln), names=names(pc.added)
        ),
    ]


def vertex_note(free_cells: int) -> str:
    """Why the plan shown is the solver's vertex, not SPEC 10's even plan."""
    return _(
        "the plan is the solver's vertex: the even-plan step was not applied to "
        "its optimal face ({n} free cells: too many, or its QP failed); other "
        "equally good plans exist"
    ).format(n=fixed(free_cells, 0))


# ----------------------------------------------------------------------------- front


def front_message(front: ParetoFront) -> str | None:
    """What a reader should know about how the front was found, in one line: a single
    point, a grid instead of every point, a criterion with no range, breakpoints that
    keep the solver's own vertex; None when there is nothing to say."""
    parts = []
    ideal = dict(zip(front.criteria, front.payoff.ideal, strict=True)) if front.payoff else {}
    if front.single_point and ideal:
        best = ", ".join(f"{term(c)} {significant(v, 6)}" for c, v in ideal.items())
        parts.append(
            _(
                "the front is a single point: one allocation is best on every criterion at "
                "once ({best}), so there is no trade-off to show"
            ).format(best=best)
        )
    if front.grid is not None:
        parts.append(
            _(
                "{cells} grid cells would be needed for every point; a grid of {points} "
                "levels per criterion is used instead"
            ).format(cells=fixed(front.grid.cells, 0), points=front.grid.levels)
        )
    if front.zero_range and ideal:
        names = ", ".join(
            _("{criterion} (always {value})").format(
                criterion=term(c), value=significant(ideal[c], 6)
            )
            for c in front.zero_range
        )
        parts.append(
            _(
                "zero range: {names} takes the same value at both ends of the payoff table, "
                "so the grid holds it at that one value"
            ).format(names=names)
        )
    if front.solver_vertices:
        parts.append(
            _(
                "{left} breakpoint(s) keep the solver's own vertex: their optimal faces have "
                "over {cells} free cells, too many for a quadratic step per point; "
                "solve gives the even plan of one point"
            ).format(left=front.solver_vertices, cells=front.face_limit)
        )
    return "; ".join(parts) or None


def criteria_caption(cmp: Comparison) -> str:
    """The title of a comparison's criteria table, naming each column's budget when
    the optimum is not at the spend's (SPEC 14: one table, two budgets, said)."""
    if cmp.at_actual_budget:
        return _("Criteria, optimum at {amount} mln").format(amount=mln(cmp.budget_mln))
    return _("Criteria: the spend at {spent} mln, the optimum at {amount} mln").format(
        spent=mln(cmp.actual_budget_mln), amount=mln(cmp.budget_mln)
    )
