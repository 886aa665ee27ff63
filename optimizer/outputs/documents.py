"""The JSON documents: `summary.json` (solve), `comparison.json` (compare), the
explanation of a town, the sensitivity report, the uncertainty summary, the payoff
table and an infeasibility diagnosis, made from the analyses' dataclasses. Keys and
values never change with the language.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from optimizer import __version__
from optimizer.domain.evaluate import (
    CellIssue,
    Violation,
)
from optimizer.domain.instance import Instance
from optimizer.domain.results import Diagnosis, Payoff, Solution
from optimizer.domain.scenario import Scenario
from optimizer.i18n import rendered_in
from optimizer.outputs.tables import totals
from optimizer.outputs.text import cell_reason, reason_text, unit_text


def english(words: Callable[..., str], *args: Any) -> str:
    """Text a document carries (a reason, a unit, a note), in English whatever the
    language of the run: JSON is read by programs, and its values never change. The
    words are rendered with the English catalog; the run keeps its language."""
    return rendered_in("en", words, *args)


def english_reason(reason: Reason | None) -> str | None:
    """Why the comparison has no value for a quantity, in English (None: it has one)."""
    return None if reason is None else english(reason_text, reason)


if TYPE_CHECKING:  # types only: `solve` writes its summary without loading the analyses
    from optimizer.analysis.compare import Comparison, Reason
    from optimizer.analysis.explain import TownExplanation
    from optimizer.analysis.sensitivity import ConstraintRate, Drop, SensitivityReport
    from optimizer.analysis.study import Solved
    from optimizer.analysis.targets import TargetRate
    from optimizer.analysis.uncertainty import UncertaintyResult

# ----------------------------------------------------------------------------- documents


def project_changes_dict(cmp: Comparison) -> dict[str, Any] | None:
    """comparison.json "projects": which funded projects the optimum keeps, drops and
    adds (SPEC section 12); null when the actual lists no projects."""
    pc = cmp.projects
    if pc is None:
        return None
    return {
        "kept": list(pc.kept),
        "dropped": list(pc.dropped),
        "added": list(pc.added),
        "kept_cost_mln": pc.kept_cost_mln,
        "dropped_cost_mln": pc.dropped_cost_mln,
        "added_cost_mln": pc.added_cost_mln,
        "actual_fractions": project_fractions(cmp.instance, pc.actual_fractions),
        "optimal_fractions": project_fractions(cmp.instance, pc.optimal_fractions),
    }


def project_fractions(instance: Any, y: Any) -> dict[str, float]:
    return {n: float(v) for n, v in zip(instance.projects.names, y, strict=True) if v > 1e-9}


def comparison_document(cmp: Comparison) -> dict[str, Any]:
    """comparison.json: the keys of SPEC section 7, plus what a script needs to audit them."""
    from optimizer.outputs.documents import provenance

    inst, opt = cmp.instance, cmp.optimal
    dom = cmp.dominance
    return {
        "instance": inst.name,
        "scenario": cmp.scenario.name,
        "method": cmp.scenario.objective.method,
        "budget_mln": cmp.budget_mln,
        "actual": {
            "file": str(cmp.actual.path),
            "name": cmp.actual.name,
            "budget_mln": cmp.actual_budget_mln,
            "volume_mln": float(cmp.actual.volume.sum()),
            "objectives": cmp.actual_objectives,
            "broken_rules": [violation_dict(v) for v in cmp.broken_rules],
            "over_capacity": [issue_dict(c) for c in cmp.over_capacity],
            "ineligible": [issue_dict(c) for c in cmp.ineligible],
            "without_effect_cost_mln": cmp.without_effect_cost_mln,
        },
        "optimal": {
            "status": "optimal",
            "budget_mln": cmp.budget_mln,
            "allocated_mln": opt.allocated_mln,
            "objectives": opt.objectives,
            "shadow_prices": shadow_price_entries(opt),
        },
        "uplift": cmp.uplift,
        "projects": project_changes_dict(cmp),
        "efficiency": cmp.efficiency.value,
        "efficiency_detail": {
            "min_budget_mln": cmp.efficiency.min_budget_mln,
            "reason": english_reason(cmp.efficiency.reason),
        },
        "dominated": dom.dominated,
        "dominance": {
            "improvement": dom.improvement,
            "front_ends": list(dom.ends),
            "front_points": dom.front_points,
            "front_dominating": list(dom.front_dominating),
            "reason": english_reason(dom.reason or dom.front_note),
        },
        "weighted": {
            "weights": cmp.weights,
            "normalize": cmp.scenario.objective.normalize,
            "actual": cmp.weighted_actual,
            "optimal": cmp.weighted_optimal,
            "best_keeping_actual": cmp.weighted_best,
            "gain": None if cmp.weighted_best is None else cmp.weighted_best - cmp.weighted_actual,
        },
        "closest": [
            {
                "phi": p.phi,
                "moved_mln": p.moved_mln,
                "added_mln": p.added_mln,
                "objectives": p.objectives,
                "weighted": p.weighted,
                "target_weighted": p.target_weighted,
                "reason": english_reason(p.reason),
                "even_plan": p.even,
            }
            for p in cmp.closest
        ],
        "reallocation_totals": comparison_totals(inst, cmp.actual.volume, opt.volumes),
        "solver": {
            "name": opt.solver.name,
            "version": opt.solver.version,
            "seconds": round(cmp.seconds, 6),
            "solves": cmp.solves,
        },
        "inputs": provenance(inst, cmp.scenario),
        "provenance": labels(inst, cmp.actual.path),
        "tool": {"name": "monotowns", "version": __version__},
    }


def violation_dict(v: Violation) -> dict[str, Any]:
    return {
        "rule": v.rule,
        "bound": v.bound,
        "limit": v.limit,
        "value": v.value,
        "by": v.by,
        "unit": v.unit,
        "town": v.town,
    }


def issue_dict(c: CellIssue) -> dict[str, Any]:
    return {
        "town": c.town,
        "measure": c.measure,
        "volume_mln": c.volume_mln,
        "without_effect_mln": c.without_effect_mln,
    }


def explanation_document(ex: TownExplanation) -> dict[str, Any]:
    """The explanation as JSON (per million of budget cost throughout)."""
    return {
        "town": ex.town,
        "tier": ex.tier,
        "region": ex.region,
        "population": ex.population,
        "allocated_mln": ex.allocated_mln,
        "per_capita": ex.per_capita,
        "rank": ex.rank,
        "range": None
        if ex.range_mln is None
        else {"min_cost_mln": ex.range_mln[0], "max_cost_mln": ex.range_mln[1]},
        "price_per_mln": ex.price_per_mln,
        "budget_shadow_price": ex.budget_shadow_price,
        "binding": [
            {
                "name": sp.name,
                "kind": sp.kind,
                "unit": sp.unit,
                "shadow_price": sp.value,
                "state": sp.state,
            }
            for sp in ex.binding
        ],
        "method": ex.method,
        "margin": str(ex.margin),
        "budget_mln": ex.budget_mln,
        "total_mln": ex.total_mln,
        "targets": [target_dict(tr) for tr in ex.targets],
        "measures": [
            {
                "measure": c.measure,
                "status": c.status,
                "volume_mln": c.volume_mln,
                "capacity_mln": c.capacity_mln,
                "cost_mln": c.cost_mln,
                "segment": c.segment,
                "value_per_mln": c.value_per_mln,
                "margin_per_mln": c.margin_per_mln,
                "effects_per_mln": c.effects_per_mln,
                "rule_effects": [r.__dict__ for r in c.rule_effects],
                "change_pct": c.change_pct,
                "reason": english(cell_reason, c),
            }
            for c in ex.cells
        ],
    }


def target_dict(tr: TargetRate) -> dict[str, Any]:
    """A method's floor on a criterion and what one more unit of it costs (SPEC 14)."""
    return {"criterion": tr.criterion, "bound": tr.bound, "value": tr.value,
            "binding": tr.binding, "cost": tr.cost, "checked": tr.checked,
            "agrees": tr.agrees, "unit": str(tr.margin)}  # fmt: skip


# ----------------------------------------------------------------------------- documents


def base_document(instance: Instance, scenario: Scenario) -> dict[str, Any]:
    files = list(instance.files)
    if scenario.path is not None:
        files.append(str(scenario.path))
    doc: dict[str, Any] = {
        "instance": instance.name,
        "scenario": scenario.name,
        "method": scenario.objective.method,
    }
    if scenario.mip_gap > 0:  # --gap: the answers are not proven optimal, and say so
        from optimizer.outputs.text import gap_note

        doc["mip_gap"] = scenario.mip_gap
        doc["mip_note"] = english(gap_note, scenario.mip_gap)
    if scenario.baseline is not None:  # SPEC 10: the plan is the one closest to this spend
        doc["baseline"] = scenario.baseline
    return doc


def provenance(instance: Instance, scenario: Scenario) -> dict[str, Any]:
    import hashlib

    h = hashlib.sha256(instance.sha256.encode())
    files = list(instance.files)
    if scenario.path is not None:
        h.update(scenario.path.read_bytes())
        files.append(
            f"scenarios/{scenario.path.name}"
            if scenario.path.parent.name == "scenarios"
            else str(scenario.path)
        )
    return {"sha256": h.hexdigest(), "instance_sha256": instance.sha256, "files": files}


def summary_document(instance: Instance, scenario: Scenario, sol: Solution) -> dict[str, Any]:
    doc = base_document(instance, scenario)
    doc.update(
        status="optimal",
        budget_mln=scenario.budget_mln,
        allocated_mln=sol.allocated_mln,
        objectives=sol.objectives,
        method_objective=method_objective_entry(sol),
        payoff=payoff_document(sol.payoff) if sol.payoff is not None else None,
        shadow_prices=shadow_price_entries(sol),
        shadow_price_units={sp.name: sp.unit for sp in sol.shadow_prices},
        binding=[sp.name for sp in sol.shadow_prices if sp.binding],
        plan=plan_rule(sol),
        totals=totals(instance, sol.cost),
        solver={"name": sol.solver.name, "version": sol.solver.version,
                "seconds": round(sol.solver.seconds, 6), "solves": sol.solver.solves},
        inputs=provenance(instance, scenario),
        provenance=labels(instance),
        tool={"name": "monotowns", "version": __version__},
    )  # fmt: skip
    return doc


def method_objective_entry(sol: Solution) -> dict[str, Any] | None:
    """SPEC 14: the objective the method optimizes at the plan, the optimum a solver
    reaches on `--export-lp`'s file (`criterion`: where the objective is one)."""
    m = sol.method_objective
    if m is None:
        return None
    entry: dict[str, Any] = {"name": m.name, "sense": "max" if m.maximize else "min"}
    if m.criterion is not None:
        entry["criterion"] = m.criterion
    entry["value"] = m.value
    return entry


def plan_rule(sol: Solution) -> dict[str, Any]:
    """Which of the equally good plans is reported (SPEC section 10)."""
    if sol.mip:
        return {"rule": "solver", "why": "mixed-integer: no single convex optimal face"}
    if sol.uneven_free_cells is not None:
        return {"rule": "solver", "free_cells": sol.uneven_free_cells,
                "why": "even-plan step not applied: face too large, or its QP failed"}  # fmt: skip
    return {"rule": "even", "why": "min sum (C - R)^2 / population over the optimal face"}


def labels(instance: Instance, actual: Any = None) -> dict[str, Any] | None:
    """SPEC section 11: the instance's [provenance] labels (derived, assumed,
    illustrative), and whether the compared spend is illustrative; None when the
    instance labels nothing. (`provenance()` above is the inputs' hashes.)"""
    p = instance.provenance
    if p is None:
        return None
    out = p.as_dict()
    if actual is not None:
        out["actual_is_illustrative"] = p.is_illustrative(actual)
    return out


def shadow_price_entries(sol: Solution) -> dict[str, dict[str, Any]]:
    """SPEC section 10: each constraint's `price` (per unit of relaxation) and whether
    it is `binding` (at its bound in the plan, whatever the price)."""
    return {
        sp.name: {"price": sp.value, "binding": sp.binding, "unit": sp.unit, "state": sp.state}
        for sp in sol.shadow_prices
    }


def infeasible_document(
    instance: Instance, scenario: Scenario, diagnosis: Diagnosis | None
) -> dict[str, Any]:
    doc = base_document(instance, scenario)
    doc.update(
        status="infeasible",
        budget_mln=scenario.budget_mln,
        diagnosis=diagnosis_document(diagnosis) if diagnosis is not None else None,
        inputs=provenance(instance, scenario),
        tool={"name": "monotowns", "version": __version__},
    )
    return doc


# ----------------------------------------------------------------------------- sensitivity

# The unit a rate is reported in, per unit the model's rows are written in.
RATE_UNIT = {"mln": "bn", "pp": "pp", "per_capita": "per_capita"}


def drop_document(drop: Drop) -> dict[str, Any]:
    return {"objective": drop.objective, "criteria": drop.criteria,
            "budget_equivalent_bn": drop.budget_equivalent_bn}  # fmt: skip


def constraint_document(e: ConstraintRate, currency: str) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "name": e.name,
        "kind": str(e.kind),
        "bound": e.bound,
        "value": e.value,
        "unit": RATE_UNIT[e.unit],
        "unit_text": english(unit_text, e.unit, currency),
        "binding": e.binding,
        "objective": e.objective,
        "checked": e.rates.checked,
        "agrees": e.rates.agrees,
        "criteria": e.rates.criteria,
        "delta": e.rates.delta,
    }
    if e.kind == "budget":
        doc["range_mln"] = None if e.range_mln is None else list(e.range_mln)
        doc["range_source"] = e.range_source
        # the budget on a breakpoint of v(B): the rate below it and where it holds
        doc["below"] = (
            None
            if e.below is None
            else {"objective": e.below.rate, "range_mln": [e.below.low_mln, e.below.high_mln]}
        )
    if e.drop is not None:
        doc["drop"] = drop_document(e.drop)
    return doc


def sensitivity_document(report: SensitivityReport, currency: str) -> dict[str, Any]:
    """The report as summary.json's `sensitivity` object (README, "Sensitivity")."""
    most = report.most_expensive_rule
    return {
        "objective": {
            "method": report.method,
            "sense": "max" if report.maximize else "min",
            "value": report.value,
            "normalizers": report.normalizers,
        },
        "allocated_mln": report.allocated_mln,
        "criteria": report.criteria,
        "constraints": [constraint_document(e, currency) for e in report.constraints],
        "most_expensive_rule": None
        if most is None
        else {"name": most.name, "kind": str(most.kind), **drop_document(most.drop)},
        "depth": str(report.depth),
        "solves": report.solves,
        "seconds": report.seconds,
    }


def comparison_totals(inst: Instance, xa: Any, x: Any) -> dict[str, Any]:
    from optimizer.analysis.compare import change_totals

    return change_totals(inst, xa, x)


def project_explanation_document(px: Any) -> dict[str, Any]:
    """`explain --project P --format json`: the optimum and the two forced variants."""

    from optimizer.methods.describe import describe

    def variant(v: Any) -> dict[str, Any]:
        return {"feasible": v.objectives is not None, "objectives": v.objectives,
                "allocated_mln": v.allocated_mln, "funded": list(v.funded),
                "objective": v.objective, "loss": px.loss(v)}  # fmt: skip

    return {
        "project": px.project,
        "fraction": px.fraction,
        "objectives": px.objectives,
        # the loss is in the method's own objective: its name as in an exported problem
        "method": px.method,
        "objective_name": describe(px.method).export_name,
        "objective": px.objective,
        "forced_in": variant(px.forced_in),
        "forced_out": variant(px.forced_out),
    }


def solve_document(
    instance: Instance, scenario: Scenario, solved: Solved, asked_sensitivity: bool
) -> dict[str, Any]:
    """summary.json of `solve`: the plan's summary, the sensitivity report (or why it
    was skipped) and the ranges when asked for."""
    doc = summary_document(instance, scenario, solved.solution)
    if solved.sensitivity is not None:
        doc["sensitivity"] = sensitivity_document(solved.sensitivity, instance.currency)
    elif solved.solution.mip and asked_sensitivity:
        from optimizer.outputs.text import MIP_SENSITIVITY_NOTE

        doc["sensitivity"] = {"skipped": MIP_SENSITIVITY_NOTE}
    if solved.ranges is not None:
        doc["ranges"] = [r.__dict__ for r in solved.ranges]
    return doc


def uncertainty_document(result: UncertaintyResult) -> dict[str, Any]:
    return {
        "instance": result.instance.name,
        "scenario": result.scenario_name,
        "method": result.method,
        "draws": result.draws,
        "seed": result.seed,
        "sigma": dict(zip(result.instance.measures, map(float, result.sigmas), strict=True)),
        "draw_model": "factor[m,c] = exp(sigma_m z - sigma_m^2/2), one per measure and "
        "criterion, shared by all towns; payoff normalizers fixed at nominal",
        "nominal": dict(zip(result.criteria, map(float, result.nominal_criteria), strict=True)),
        # the plans' budget (the actual's budget cost unless --budget gave another) and
        # each plan's: no numbers at two budgets without saying which (SPEC 14)
        "budget_mln": float(result.budget_mln),
        "actual_budget_mln": result.actual_budget_mln,
        "budgets": result.budgets(),
        "percentiles": result.percentiles(),
        "feasible_draws": int(result.feasible.sum()),
        "value_of_knowing": result.value_of_knowing(),
        "actual": result.actual_name,
        "probability_dominated": result.probability_dominated(),
        **(
            {"projects": project_robustness(result)} if result.project_frequency is not None else {}
        ),
    }


def project_robustness(result: UncertaintyResult) -> list[dict[str, Any]]:
    """Each project (file order): its nominal fraction, the share of feasible draws whose
    re-optimized plan funds it, and its mean fraction over them."""
    pr = result.instance.projects
    assert pr is not None and result.nominal_fractions is not None
    assert result.project_frequency is not None and result.project_mean_fraction is not None

    def known(v: float) -> float | None:  # NaN: no feasible draw
        return float(v) if math.isfinite(v) else None

    return [
        {"project": pr.names[p], "nominal_fraction": float(result.nominal_fractions[p]),
         "frequency": known(result.project_frequency[p]),
         "mean_fraction": known(result.project_mean_fraction[p])}
        for p in range(len(pr))
    ]  # fmt: skip


def payoff_document(obj: Payoff) -> dict:
    return {
        "budget_mln": obj.budget_mln,  # the reference budget the ranges come from (SPEC 14)
        "ideal": dict(zip(obj.criteria, map(float, obj.ideal), strict=True)),
        "nadir": dict(zip(obj.criteria, map(float, obj.nadir), strict=True)),
        "table": {
            c: dict(zip(obj.criteria, map(float, row), strict=True))
            for c, row in zip(obj.criteria, obj.table, strict=True)
        },
    }


def diagnosis_document(obj: Diagnosis) -> dict:
    out: dict[str, Any] = {
        "message": obj.message,
        "relax": [
            {
                "rule": r.name,
                "bound": r.bound,
                "by_mln": r.by_mln,
                "by_pp": r.by_pp,
                "towns": list(r.towns),
            }
            for r in obj.relaxations
        ],
    }
    if obj.repair is not None:
        b = obj.repair.budget
        out["repair"] = {
            "budget": {"binds": b.binds, "least_mln": b.least_mln, "most_mln": b.most_mln},
            "rules": [
                {"rule": r.rule, "bound": r.bound, "value": r.value, "by": r.by,
                 "unit": r.unit, "relaxed_to": r.relaxed_to, "alone_enough": r.alone_enough}
                for r in obj.repair.rules
            ],
        }  # fmt: skip
    return out
