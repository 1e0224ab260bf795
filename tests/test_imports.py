"""The import graph of cli/, game/ and model/, read from the source with `ast`
(nothing is imported): no cycle between modules, none between packages, and
the layers point one way (game/combat at the bottom, cli at the top).

Two graphs: the imports run when a module is loaded (module level, including
those under `if TYPE_CHECKING:`, `try:` or in a class body), and all imports
(adding those inside functions, and the "module:function" strings that cli
loads with importlib). A package is `cli`, a second-level package of game/ or
model/ (`game.world`, `model.training`), or a top-level module of model/
(`model.resolver`) on its own.

KNOWN_* list what is tolerated today; empty is the goal. A cycle found must
lie inside a known one (one that shrank or went away passes); anything new
fails.
"""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TOP = ("cli", "game", "model")

# --- what is tolerated (nothing: a cycle that comes back fails) -------------------------
KNOWN_CYCLES: dict[str, list[set[str]]] = {
    "module-level modules": [],
    "module-level packages": [],
    "all modules": [],
    "all packages": [],
}
# modules under game/ or model/ that import cli
KNOWN_CLI_IMPORTERS: set[str] = set()
# what game/combat, the bottom layer, must not import
ABOVE_COMBAT = ("game.world", "game.records", "game.ui", "model", "cli")


# --- the graph -------------------------------------------------------------------------
@cache
def modules() -> dict[str, Path]:
    found = {}
    for top in TOP:
        for path in sorted((ROOT / top).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def targets(name: str, node: ast.Import | ast.ImportFrom) -> set[str]:
    """The project's modules an import statement in module `name` loads
    (the module named, not the packages above it)."""
    known = modules()
    if isinstance(node, ast.Import):
        return {a.name for a in node.names if a.name in known}
    base = node.module or ""
    if node.level:
        here = name.split(".") if known[name].name == "__init__.py" else name.split(".")[:-1]
        here = here[:len(here) - (node.level - 1)]
        base = ".".join(here + ([node.module] if node.module else []))
    out = set()
    for a in node.names:
        if f"{base}.{a.name}" in known:
            out.add(f"{base}.{a.name}")  # from package import module
        elif base in known:
            out.add(base)
    return out


def _type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


@cache
def imports(name: str) -> tuple[frozenset[str], frozenset[str]]:
    """(module-level, inside functions) imports of module `name`."""
    tree = ast.parse(modules()[name].read_text(), str(modules()[name]))
    at_load, lazy = set(), set()

    def visit(node: ast.AST, in_function: bool) -> None:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            (lazy if in_function else at_load).update(targets(name, node))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            # "game.ui.app:main": a module cli loads with importlib
            m = re.fullmatch(r"([\w.]+):\w+", node.value)
            if m and m.group(1) in modules():
                lazy.add(m.group(1))
        inside = in_function or isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
        for child in ast.iter_child_nodes(node):
            visit(child, inside)

    visit(tree, False)
    at_load.discard(name)
    lazy.discard(name)
    return frozenset(at_load), frozenset(lazy - at_load)


def graph(all_imports: bool) -> dict[str, set[str]]:
    return {m: set(imports(m)[0]) | (set(imports(m)[1]) if all_imports else set()) for m in modules()}


def package(module: str) -> str:
    parts = module.split(".")
    if parts[0] == "cli":
        return "cli"
    return ".".join(parts[:2])  # game.world.battle -> game.world; model.resolver -> itself; game -> game


def packages(g: dict[str, set[str]]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for a, deps in g.items():
        out.setdefault(package(a), set()).update(package(d) for d in deps if package(d) != package(a))
    return out


def cycles(g: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected components of more than one node (Tarjan's, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for start in sorted(g):
        if start in index:
            continue
        work = [(start, iter(sorted(g.get(start, ()))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            v, children = work[-1]
            for w in children:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(g.get(w, ())))))
                    break
                if w in on_stack:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    component = set()
                    while True:
                        w = stack.pop()
                        on_stack.discard(w)
                        component.add(w)
                        if w == v:
                            break
                    if len(component) > 1:
                        found.append(component)
    return found


def untolerated(found: list[set[str]], known: list[set[str]]) -> list[list[str]]:
    return [sorted(c) for c in found if not any(c <= k for k in known)]


# --- the checks --------------------------------------------------------------------------
def test_the_graph_is_read():
    """The reader sees the imports (so the checks below can fail)."""
    assert {"cli", "game.combat.rules", "game.world.battle", "model.resolver", "model.training.train"} <= set(modules())
    at_load, lazy = imports("cli")
    assert {"game.combat.limits", "game.combat.content", "model.errors"} <= at_load
    assert {"cli.play", "cli.eval", "cli.bench"} <= lazy  # the commands' modules, loaded by name when asked for
    assert "model.resolver" in imports("cli.resolve")[1]  # a lazy import
    assert "game.combat.encounter" in imports("game.world.battle")[0]
    assert "game.combat.encounter" in imports("game.records.battle")[0]
    assert package("game.world.battle") == "game.world" and package("model.resolver") == "model.resolver"
    assert package("model.evaluation.perturb.runner") == "model.evaluation" and package("cli") == "cli"


def test_the_cycle_finder_finds_cycles():
    g = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": {"e"}, "e": {"d"}, "f": {"a"}, "g": {"g"}}
    assert sorted(map(sorted, cycles(g))) == [["a", "b", "c"], ["d", "e"]]
    assert untolerated(cycles(g), [{"a", "b", "c", "x"}]) == [["d", "e"]]


@pytest.mark.parametrize("which", ["module-level", "all"])
def test_no_cycle_between_modules(which):
    found = cycles(graph(all_imports=which == "all"))
    assert untolerated(found, KNOWN_CYCLES[f"{which} modules"]) == []


@pytest.mark.parametrize("which", ["module-level", "all"])
def test_no_cycle_between_packages(which):
    found = cycles(packages(graph(all_imports=which == "all")))
    assert untolerated(found, KNOWN_CYCLES[f"{which} packages"]) == []


def test_nothing_under_game_or_model_imports_cli():
    g = graph(all_imports=True)
    importers = {m for m, deps in g.items() if package(m) != "cli" and any(package(d) == "cli" for d in deps)}
    assert importers - KNOWN_CLI_IMPORTERS == set()


def test_combat_imports_nothing_above_it():
    g = graph(all_imports=True)
    wrong = {(m, d) for m, deps in g.items() if package(m) == "game.combat"
             for d in deps if any(d == p or d.startswith(p + ".") for p in ABOVE_COMBAT)}
    assert wrong == set()
