"""Hypothesis strategies: small random instances and scenarios with rules of every kind."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import strategies as st

INSTRUMENTS = ["grant", "subsidy", "investment", "loan", "guarantee"]
TIERS = ["high", "medium", "low"]


def toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return f'"{v}"'
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {toml_value(x)}" for k, x in v.items()) + " }"
    return repr(float(v))


def scenario_toml(scen: dict) -> str:
    lines = [f'name = "{scen.get("name", "random")}"', f"budget_mln = {scen['budget_mln']!r}"]
    if "spend_all" in scen:
        lines.append(f"spend_all = {toml_value(scen['spend_all'])}")
    if scen.get("limits"):
        lines.append("[limits]")
        lines += [f"{k} = {v!r}" for k, v in scen["limits"].items()]
    if scen.get("objective"):
        lines.append("[objective]")
        lines += [f"{k} = {toml_value(v)}" for k, v in scen["objective"].items()]
    for rule in scen.get("rules", []):
        lines.append("[[rules]]")
        lines += [f"{k} = {toml_value(v)}" for k, v in rule.items()]
    return "\n".join(lines) + "\n"


def write_instance(folder: Path, inst: dict, scenarios: dict[str, dict]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "scenarios").mkdir(exist_ok=True)
    crit = inst["criteria"]
    (folder / "instance.toml").write_text(
        f'name = "random"\ncurrency = "KZT"\ncriteria = {toml_value(crit)}\n'
        f"tiers = {toml_value(inst['tiers'])}\n"
        f"[curve]\nwidths = {toml_value(inst['widths'])}\nmultipliers = {toml_value(inst['mults'])}\n"
    )
    rows = ["town,region,tier,population"]
    rows += [f"{t['town']},{t['region']},{t['tier']},{t['population']}" for t in inst["towns"]]
    (folder / "towns.csv").write_text("\n".join(rows) + "\n")
    head = "measure,label,instrument,budget_cost,capacity_per_capita," + ",".join(
        f"{c}_per_mln" for c in crit
    )
    rows = [head]
    for m in inst["measures"]:
        rows.append(
            f"{m['measure']},{m['measure']},{m['instrument']},{m['cost']!r},{m['cap_pc']!r},"
            + ",".join(repr(e) for e in m["effects"])
        )
    (folder / "measures.csv").write_text("\n".join(rows) + "\n")
    if inst["tier_effects"]:
        rows = ["tier,measure,eligible,multiplier"]
        rows += [
            f"{a},{b},{'true' if e else 'false'},{mu!r}" for a, b, e, mu in inst["tier_effects"]
        ]
        (folder / "tier_effects.csv").write_text("\n".join(rows) + "\n")
    if inst["effects"]:
        rows = ["town,measure," + ",".join(f"{c}_per_mln" for c in crit) + ",capacity_mln"]
        for t, m, eff, cap in inst["effects"]:
            rows.append(
                f"{t},{m},"
                + ",".join("" if e is None else repr(e) for e in eff)
                + f",{'' if cap is None else repr(cap)}"
            )
        (folder / "effects.csv").write_text("\n".join(rows) + "\n")
    for name, scen in scenarios.items():
        (folder / "scenarios" / f"{name}.toml").write_text(scenario_toml(scen))
    return folder


money = st.floats(0.05, 50.0, allow_nan=False).map(lambda v: round(v, 3))


@st.composite
def instances(draw: Any, criteria: int = 2) -> dict:
    crit = ["jobs", "population", "firms"][:criteria]
    n_t = draw(st.integers(1, 6))
    n_m = draw(st.integers(1, 4))
    n_s = draw(st.integers(1, 3))
    raw_w = draw(st.lists(st.integers(1, 5), min_size=n_s, max_size=n_s))
    widths = [w / sum(raw_w) for w in raw_w]
    # make the sum exactly 1 in floating point
    widths[-1] = 1.0 - sum(widths[:-1])
    mults = sorted(
        draw(st.lists(st.floats(0.1, 1.0).map(lambda v: round(v, 2)), min_size=n_s, max_size=n_s)),
        reverse=True,
    )
    tiers = TIERS[: draw(st.integers(1, 3))]
    regions = ["R1", "R2"]
    towns = [
        {
            "town": f"T{i}",
            "region": draw(st.sampled_from(regions)),
            "tier": draw(st.sampled_from(tiers)),
            "population": draw(st.integers(1000, 200000)),
        }
        for i in range(n_t)
    ]
    measures = [
        {
            "measure": f"m{j}",
            "instrument": draw(st.sampled_from(INSTRUMENTS)),
            "cost": draw(st.sampled_from([1.0, 1.0, 0.5, 0.15, 0.3])),
            "cap_pc": draw(st.floats(10, 5000).map(lambda v: round(v, 1))),
            "effects": [draw(st.floats(0, 3).map(lambda v: round(v, 3))) for _ in crit],
        }
        for j in range(n_m)
    ]
    tier_effects = []
    for t in tiers:
        for m in measures:
            if draw(st.booleans()):
                tier_effects.append(
                    (t, m["measure"], draw(st.booleans()) or draw(st.booleans()),
                     draw(st.floats(0.2, 2.0).map(lambda v: round(v, 2))))
                )  # fmt: skip
    effects = []
    for t in towns:
        for m in measures:
            if draw(st.integers(0, 9)) == 0:
                eff = [draw(st.none() | st.floats(0, 4).map(lambda v: round(v, 3))) for _ in crit]
                cap = draw(st.none() | st.floats(0, 100).map(lambda v: round(v, 2)))
                effects.append((t["town"], m["measure"], eff, cap))
    return {
        "criteria": crit,
        "tiers": tiers,
        "widths": widths,
        "mults": mults,
        "towns": towns,
        "measures": measures,
        "tier_effects": tier_effects,
        "effects": effects,
    }


@st.composite
def rules(draw: Any, inst: dict) -> list[dict]:
    out = []
    for _ in range(draw(st.integers(0, 3))):
        rule: dict = {}
        for key, pool in (
            ("town", [t["town"] for t in inst["towns"]]),
            ("region", sorted({t["region"] for t in inst["towns"]})),
            ("tier", sorted({t["tier"] for t in inst["towns"]})),
            ("measure", [m["measure"] for m in inst["measures"]]),
            ("instrument", sorted({m["instrument"] for m in inst["measures"]})),
        ):
            if draw(st.integers(0, 3)) == 0:
                vals = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=2, unique=True))
                rule[key] = vals[0] if len(vals) == 1 else vals
        kind = draw(st.sampled_from(["min_share", "max_share", "min_mln", "max_mln",
                                     "min_per_capita", "max_per_capita"]))  # fmt: skip
        if "share" in kind:
            rule[kind] = draw(st.floats(0, 1).map(lambda v: round(v, 3)))
        elif "per_capita" in kind:
            rule[kind] = draw(st.floats(0, 300).map(lambda v: round(v, 1)))
        else:
            rule[kind] = draw(st.floats(0, 30).map(lambda v: round(v, 2)))
        if "per_capita" not in kind and draw(st.integers(0, 3)) == 0:
            rule["per_town"] = True
        out.append(rule)
    return out


def selects_something(inst: dict, rule: dict) -> bool:
    def ok(key: str, value: str) -> bool:
        if key not in rule:
            return True
        want = rule[key] if isinstance(rule[key], list) else [rule[key]]
        return value in want

    towns = [
        t
        for t in inst["towns"]
        if ok("town", t["town"]) and ok("region", t["region"]) and ok("tier", t["tier"])
    ]
    meas = [
        m
        for m in inst["measures"]
        if ok("measure", m["measure"]) and ok("instrument", m["instrument"])
    ]
    return bool(towns and meas)


@st.composite
def instance_and_scenario(draw: Any) -> tuple[dict, dict]:
    inst = draw(instances())
    scen: dict = {"budget_mln": draw(money)}
    if draw(st.booleans()):
        scen["spend_all"] = draw(st.booleans())
    used = sorted({m["instrument"] for m in inst["measures"]})
    if draw(st.integers(0, 2)) == 0:
        inst_name = draw(st.sampled_from(used))
        scen["limits"] = {inst_name: draw(money)}
    scen["rules"] = [r for r in draw(rules(inst)) if selects_something(inst, r)]
    w = [draw(st.floats(0, 1).map(lambda v: round(v, 3))) for _ in inst["criteria"]]
    if sum(w) == 0:
        w[0] = 1.0
    scen["objective"] = {
        "method": "weighted",
        "weights": dict(zip(inst["criteria"], w, strict=True)),
        "normalize": "none",
    }
    return inst, scen
