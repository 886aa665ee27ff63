"""`monotowns compare`: an actual (or illustrative) spend against the optimum at the
same budget; the headline, three small tables, and with `--out` the comparison files.
"""

from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text

from optimizer.cli.common import (
    ActualRequired,
    BaselineOpt,
    BudgetOpt,
    CompareFormat,
    CompareFormatOpt,
    ForceOpt,
    GapOpt,
    InstanceArg,
    LangOpt,
    MethodOpt,
    OutOpt,
    PointsOpt,
    RenormalizeOpt,
    ScenarioOpt,
    Solver,
    SolverOpt,
    WeightsOpt,
    check_points,
    guarded,
    needs_out,
    out,
    prepare,
    print_json,
    say,
    wrote,
)
from optimizer.i18n import _, ngettext

COMPARE_FILES = ["comparison.json", "reallocation.csv", "closest_plan.csv", "compare.png"]


def compare_command(
    instance: InstanceArg,
    actual: ActualRequired,
    scenario: ScenarioOpt = None,
    budget: BudgetOpt = None,
    method: MethodOpt = None,
    weights: WeightsOpt = None,
    solver: SolverOpt = Solver.highs,
    out_dir: OutOpt = None,
    fmt: CompareFormatOpt = CompareFormat.table,
    points: PointsOpt = 21,
    force: ForceOpt = False,
    gap: GapOpt = None,
    lang: LangOpt = None,
    baseline: BaselineOpt = None,
    renormalize: RenormalizeOpt = False,
) -> None:
    """Compare an actual spend with the optimum at the same budget (SPEC section 7)."""
    from optimizer.analysis.study import Options, Study
    from optimizer.domain.actual import load_actual
    from optimizer.outputs.documents import comparison_document
    from optimizer.outputs.files import input_files, result_folder

    with guarded():
        check_points(points, force)
        inst, scen = prepare(instance, scenario, budget, method, weights, gap=gap, baseline=baseline,
                             renormalize=renormalize)  # fmt: skip
        spend = load_actual(inst, actual)
        needs_out(fmt is CompareFormat.xlsx, out_dir, "comparison.xlsx")
        names = COMPARE_FILES + (["comparison.xlsx"] if fmt is CompareFormat.xlsx else [])
        inputs = input_files(inst, scen, [spend.path])
    with guarded(), result_folder(out_dir, inputs, names, "compare") as target:
        study = Study(inst, scen, Options(solver=solver.value, points=points, depth=None), spend,
                      budget_given=budget is not None)  # fmt: skip
        cmp = study.comparison
        assert cmp is not None
        doc = comparison_document(cmp)
        if target is not None:
            write_comparison(target, cmp, doc)
            if fmt is CompareFormat.xlsx:
                from optimizer.outputs.spreadsheet import comparison_workbook

                target.write_bytes("comparison.xlsx", comparison_workbook(cmp))
        if fmt is CompareFormat.json:
            print_json(doc)
        else:
            print_comparison(cmp)
        if target is not None:
            wrote(names, target.path)


def write_comparison(target: Any, cmp: Any, doc: dict[str, Any]) -> None:
    from optimizer.outputs.plots.compare import compare_png
    from optimizer.outputs.tables import closest_rows, reallocation_rows

    target.write_json("comparison.json", doc)
    target.write_csv("reallocation.csv", *reallocation_rows(cmp))
    target.write_csv("closest_plan.csv", *closest_rows(cmp, 1.0))
    target.write_bytes("compare.png", compare_png(cmp, cmp.dominance.front_values))


def print_comparison(cmp: Any, top: int = 10) -> None:
    """The ten-second summary, then three small tables."""
    from optimizer.outputs.tables import long_labels, whole_names

    say_summary(cmp)
    out.print(whole_names(criteria_table(cmp)))
    out.print(whole_names(closest_table(cmp)))
    out.print(long_labels(whole_names(changes_table(cmp, top)), 1))


def say_summary(cmp: Any) -> None:
    """Provenance, what is compared with what, and the headline sentences."""
    from optimizer.outputs.text import (
        headline,
        instance_title,
        project_change_lines,
        provenance_line,
        scenario_name,
        spend_words,
        term,
    )

    inst = cmp.instance
    words = spend_words(inst, cmp.actual)  # "illustrative spend" where labelled (SPEC 11)
    label = provenance_line(inst, cmp.scenario, [cmp.actual, cmp.scenario.baseline_path])
    if label:  # SPEC section 11: the first line says what is not a cited fact
        say(label)
    say(
        _("{instance}: {spend} {name} against scenario {scenario} ({method})").format(
            instance=f"[bold]{instance_title(inst.name)}[/]",
            spend=words,
            name=f"[bold]{cmp.actual.name}[/]",
            scenario=f"[bold]{scenario_name(cmp.scenario.name)}[/]",
            method=term(cmp.scenario.objective.method),
        )
    )
    for line in headline(cmp) + project_change_lines(cmp):
        say(f"  {line}")


def criteria_table(cmp: Any) -> Table:
    """Each criterion: the spend's value, the optimum's, the uplift and its percent."""
    from optimizer.outputs.text import criteria_caption, fixed, mln, pct, spend_short, term

    crit = Table(title=Text(criteria_caption(cmp), no_wrap=True, overflow="ignore"),
                 title_justify="left")  # fmt: skip
    for k, col in enumerate(
        (_("criterion"), spend_short(cmp.instance, cmp.actual), _("optimal"), _("uplift"), "%")
    ):
        crit.add_column(col, justify="left" if k == 0 else "right")
    for c in cmp.instance.criteria:
        u = cmp.uplift[c]
        crit.add_row(
            term(c),
            mln(cmp.actual_objectives[c]),
            mln(cmp.optimal.objectives[c]),
            fixed(u["abs"], 1, sign=True),
            _("n/a") if u["pct"] is None else pct(u["pct"], signed=True),
        )
    return crit


def closest_table(cmp: Any) -> Table:
    """The closest improving plans: share of the gain, money moved, criteria."""
    from optimizer.outputs.text import is_illustrative, mln, percent, term

    inst = cmp.instance
    plans = Table(
        title=(
            _("Closest improving plans at {amount} mln (no criterion below the illustrative "
              "spend)")
            if is_illustrative(inst, cmp.actual)
            else _("Closest improving plans at {amount} mln (no criterion below the actual spend)")
        ).format(amount=mln(cmp.budget_mln)),
        title_justify="left",
    )  # fmt: skip
    plans.caption = _("moved: money taken out of cells; put in: money put into cells")
    plans.caption_justify = "left"
    for col in (_("share of gain"), _("moved mln"), _("put in mln"),
                *map(term, inst.criteria)):  # fmt: skip
        plans.add_column(col, justify="right")
    for p in cmp.closest:
        if p.moved_mln is None:
            na = _("n/a")
            plans.add_row(percent(p.phi), na, na, *([na] * len(inst.criteria)))
        else:
            plans.add_row(
                percent(p.phi),
                mln(p.moved_mln),
                mln(p.added_mln),
                *(mln(p.objectives[c]) for c in inst.criteria),
            )
    return plans


def changes_table(cmp: Any, top: int) -> Table:
    """The `top` largest cell changes from the spend to the optimum (reallocation.csv's first rows)."""
    from optimizer.outputs.tables import reallocation_rows
    from optimizer.outputs.text import fixed, measure_name, mln, spend_short, town_name

    inst = cmp.instance
    short = spend_short(inst, cmp.actual)
    _head, rows = reallocation_rows(cmp)
    moves = Table(
        title=ngettext(
            "Largest changes, {spend} to optimal at {amount} mln (budget cost mln; {n} cells "
            "in reallocation.csv)",
            "Largest changes, {spend} to optimal at {amount} mln (budget cost mln; {n} cells "
            "in reallocation.csv)",
            len(rows),
        ).format(spend=short, amount=mln(cmp.budget_mln), n=len(rows)),
        title_justify="left",
    )
    for k, col in enumerate((_("town"), _("measure"), short, _("optimal"), _("change"))):
        moves.add_column(col, justify="left" if k < 2 else "right")
    towns, measures = {n: i for i, n in enumerate(inst.towns)}, inst.measures
    for r in rows[:top]:
        j = measures.index(r[1])
        moves.add_row(town_name(inst, towns[r[0]]),
                      measure_name(inst, j),
                      mln(r[5]), mln(r[6]), fixed(r[7], 1, sign=True))  # fmt: skip
    return moves
