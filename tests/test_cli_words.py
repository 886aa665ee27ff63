"""The CLI only parses, asks the study and prints; only outputs/ makes sentences
(STYLE.md, issue 23). Checked on the sources with `ast`:

- a module of optimizer/cli calls `_()` or `ngettext()` only inside the arguments of
  an `InstanceError(...)` it raises (a bad option or combination of options: the
  CLI's own usage errors), or, in cli/common.py's language machinery (`TRANSLATORS`),
  on a text marked `N_()` elsewhere (a help text, typer's words), never on a literal;
- the CLI's print calls (`say`, `note`, `out.print`, `err.print`, `print`) are given
  no text of their own: no string literal, f-string or concatenation with one;
- optimizer/cli builds no `rich.table.Table` (tables come from outputs/).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from tests.helpers import dotted

CLI = Path(__file__).resolve().parent.parent / "optimizer" / "cli"
WORDS = {"_", "ngettext"}
# cli/common.py's functions that translate, where typer shows them, texts marked N_()
# elsewhere: help texts and argument names (speak_param), the usage line's words
# (usage_line), click's usage errors (known_messages)
TRANSLATORS = {"common.py": {"speak_param", "usage_line", "known_messages"}}
PRINTERS = {"say", "note", "print", "out.print", "err.print"}


def parents(tree: ast.AST) -> dict[ast.AST, ast.AST]:
    return {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}


def ancestors(node: ast.AST, up: dict[ast.AST, ast.AST]) -> Iterator[ast.AST]:
    while node in up:
        node = up[node]
        yield node


def has_text(node: ast.AST) -> bool:
    """A string literal, an f-string, or an expression that joins one in."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and bool(node.value)
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp):
        return has_text(node.left) or has_text(node.right)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.attr == "format" and has_text(node.func.value)
    return False


def in_instance_error(node: ast.AST, up: dict[ast.AST, ast.AST]) -> bool:
    return any(
        isinstance(a, ast.Call) and dotted(a.func).split(".")[-1] == "InstanceError"
        for a in ancestors(node, up)
    )


def function_of(node: ast.AST, up: dict[ast.AST, ast.AST]) -> str | None:
    return next(
        (
            a.name
            for a in ancestors(node, up)
            if isinstance(a, ast.FunctionDef | ast.AsyncFunctionDef)
        ),
        None,
    )


def wrong_words(name: str, source: str) -> list[str]:
    """Where a CLI module `name` makes words or tables of its own."""
    tree = ast.parse(source)
    up = parents(tree)
    found = []
    for node in ast.walk(tree):
        where = f"{name}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.ImportFrom) and node.module == "rich.table":
            found.append(f"{where} imports rich.table")
        if isinstance(node, ast.Import) and any(a.name == "rich.table" for a in node.names):
            found.append(f"{where} imports rich.table")
        if not isinstance(node, ast.Call):
            continue
        func = dotted(node.func)
        if func.split(".")[-1] == "Table":
            found.append(f"{where} builds a Table")
        elif func in WORDS:
            literal = any(has_text(a) for a in node.args)
            translator = function_of(node, up) in TRANSLATORS.get(name, set())
            if not in_instance_error(node, up) and (literal or not translator or func != "_"):
                found.append(f"{where} calls {func}()")
        elif func in PRINTERS and any(has_text(a) for a in node.args):
            found.append(f"{where} prints text of its own ({func})")
    return found


def test_the_cli_makes_no_words_and_no_tables() -> None:
    wrong = [w for p in sorted(CLI.glob("*.py")) for w in wrong_words(p.name, p.read_text())]
    assert wrong == []


def test_the_scan_finds_planted_words() -> None:
    planted = """
from rich.table import Table
from optimizer.errors import InstanceError
from optimizer.i18n import _, ngettext

def show(n, e):
    say(_("Total: {n}").format(n=n))
    err.print("[red]" + _("error:") + f"[/] {e}")
    note(f"{n} points")
    out.print(Table(title="x"))
    ngettext("{n} town", "{n} towns", n)

def check(n):
    raise InstanceError(_("--points {n}: too many").format(n=n))

def speak_param(param):
    return _(param.help)
"""
    found = wrong_words("common.py", planted)
    lines = sorted(int(w.split(":")[1].split()[0]) for w in found)
    # the import, _() twice, err.print's literal, note's f-string, Table, ngettext;
    # not the InstanceError's message nor the translator's N_() text
    assert lines == [2, 7, 8, 8, 9, 10, 11], found
    # a translator only in common.py, and only of texts marked elsewhere
    assert "other.py:17 calls _()" in wrong_words("other.py", planted)
    literal = planted.replace("_(param.help)", '_("Options")')
    assert "common.py:17 calls _()" in wrong_words("common.py", literal)
