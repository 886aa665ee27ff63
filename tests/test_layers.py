"""The package's shape: layers import only from the layers before them, and no
module imports itself back through another (imports inside functions count)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "optimizer"
# files -> domain -> LP -> methods -> analyses -> outputs -> CLI
LAYERS = {
    "optimizer": 0,
    "optimizer.errors": 0,
    "optimizer.domain": 1,
    "optimizer.generate": 1,
    "optimizer.lp": 2,
    "optimizer.methods": 3,
    "optimizer.analysis": 4,
    "optimizer.outputs": 5,
    "optimizer.cli": 6,
    "optimizer.entry": 7,
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def layer(module: str) -> int:
    best = max((k for k in LAYERS if module == k or module.startswith(k + ".")), key=len)
    return LAYERS[best]


def import_graph() -> dict[str, set[str]]:
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for m, p in modules.items():
        for node in ast.walk(ast.parse(p.read_text(), str(p))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            for name in names:
                while name and name not in modules:
                    name = name.rpartition(".")[0]
                if name and name != m and name != "optimizer":
                    graph[m].add(name)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in graph:
        if v not in index:
            visit(v)
    return found


def test_no_import_cycles() -> None:
    assert cycles(import_graph()) == []


def test_layers_import_only_from_earlier_layers() -> None:
    wrong = [
        f"{m} (layer {layer(m)}) imports {d} (layer {layer(d)})"
        for m, deps in import_graph().items()
        for d in deps
        if layer(d) > layer(m)
    ]
    assert wrong == []


def test_commands_ask_the_study_not_the_solver() -> None:
    """cli/ parses, asks the study (analysis/) and shows (outputs/): it imports no
    module of lp/ or methods/, so no command orchestrates solves of its own."""
    wrong = [
        f"{m} imports {d}"
        for m, deps in import_graph().items()
        if m.startswith("optimizer.cli")
        for d in deps
        if d.startswith(("optimizer.lp", "optimizer.methods"))
    ]
    assert wrong == []


def test_the_scan_finds_a_planted_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_a_run_loads_only_its_own_command() -> None:
    """`monotowns solve` imports solve's module, not compare's, pareto's, the report's
    or the plots (startup time, issue 12); `app` still has every command."""
    import subprocess
    import sys

    probe = (
        "import sys\n"
        "sys.argv = ['monotowns', 'solve', 'instances/kazakhstan']\n"
        "from optimizer.cli import main\n"
        "try:\n    main()\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
        "print(' '.join(sorted(m for m in sys.modules if m.startswith(('optimizer.cli.', "
        "'optimizer.outputs.plots', 'matplotlib', 'pandas', 'pulp')))), file=sys.stderr)\n"
    )
    root = Path(__file__).resolve().parent.parent
    p = subprocess.run([sys.executable, "-c", probe], cwd=root, capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    loaded = set(p.stderr.split())
    assert loaded == {"optimizer.cli.common", "optimizer.cli.solve"}, loaded
    from optimizer.cli import COMMANDS, app

    assert [c.name for c in app.registered_commands] == list(COMMANDS)


def test_no_module_asks_a_methods_name() -> None:
    """Methods are described as data (methods/describe.py): outside the scenario's
    own checks (domain/), no code compares a method's name with a string or a
    `Method` member to decide what to do."""
    methods = {"weighted", "lexicographic", "epsilon", "reference", "goal", "min_budget"}

    def names_a_method(node: ast.AST) -> bool:
        if isinstance(node, ast.Constant):
            return node.value in methods
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            return node.value.id == "Method"
        if isinstance(node, ast.Tuple | ast.List | ast.Set):
            return any(names_a_method(e) for e in node.elts)
        return False

    found = []
    for path in PACKAGE.rglob("*.py"):
        if path.parent.name == "domain":
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Compare) and any(
                names_a_method(side) for side in [node.left, *node.comparators]
            ):
                found.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert found == []
