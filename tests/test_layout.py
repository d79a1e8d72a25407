"""The house rules of pregel/: rooms, no import cycle, no private name across modules.

Checked on the source, by reading every module's imports (deferred ones inside
functions included; ``if TYPE_CHECKING:`` blocks left out, as they never run).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "pregel"

# what each room may import besides itself and pregel.errors (a leaf every room shares)
ALLOWED = {
    "core": set(),
    "compiler": {"core"},
    "api": {"core", "compiler", "backends", "io"},
    "backends": {"core"},
    "io": {"core"},
    "algorithms": {"pregel", "api", "core", "io"},
    "viz": {"core", "io", "algorithms", "pregel", "api"},
    "integrations": {"pregel", "api", "core", "io", "algorithms"},
    "cli": {"pregel", "api", "core", "compiler", "backends", "io", "algorithms", "viz", "integrations"},
    "pregel": {"api", "core", "backends"},
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def room(module: str) -> str:
    parts = module.split(".")
    if len(parts) > 1 and parts[1] == "__main__":
        return "cli"
    return parts[1] if len(parts) > 1 and parts[1] != "errors" else "pregel"


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports(path: Path) -> list[tuple[str, list[str], int]]:
    """``(module, names, line)`` for every import that can run."""
    tree = ast.parse(path.read_text(), str(path))
    package = ""
    if path.is_relative_to(ROOT):
        package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    found: list[tuple[str, list[str], int]] = []

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _type_checking(child):
                for other in child.orelse:
                    visit(other)
                continue
            if isinstance(child, ast.Import):
                found.extend((alias.name, [], child.lineno) for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    base = ".".join(package.split(".")[: len(package.split(".")) - child.level + 1] + [base]).strip(".")
                found.append((base, [alias.name for alias in child.names], child.lineno))
            visit(child)

    visit(tree)
    return found


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def ours(target: str, names: list[str]) -> list[str]:
    """The modules of ours an import loads (a ``from package import module`` names the module).

    A package counts only when a name comes from its ``__init__``: its being loaded first
    as a parent is true of every module in it, and no more a cycle than for any of them.
    """
    if not (target == "pregel" or target.startswith("pregel.")):
        return []
    submodules = [f"{target}.{name}" for name in names if f"{target}.{name}" in MODULES]
    from_init = not names or len(submodules) < len(names)
    return ([target] if from_init and target in MODULES else []) + submodules


def graph() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {name: set() for name in MODULES}
    for name, path in MODULES.items():
        for target, names, _ in imports(path):
            edges[name].update(m for m in ours(target, names) if m != name)
    return edges


def test_no_import_cycle():
    edges = graph()
    state: dict[str, int] = {}
    stack: list[str] = []

    def walk(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges[node]):
            if state.get(nxt) == 1:
                cycle = stack[stack.index(nxt) :] + [nxt]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                walk(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            walk(node)


@pytest.mark.parametrize("name", sorted(MODULES))
def test_room_imports_only_what_it_may(name):
    mine = room(name)
    for target, names, line in imports(MODULES[name]):
        for module in ours(target, names):
            theirs = room(module)
            if module == "pregel.errors" or theirs == mine:
                continue
            assert theirs in ALLOWED[mine], f"{MODULES[name].relative_to(ROOT)}:{line}: {mine} may not import {module}"


def test_core_types_is_a_leaf():
    assert not [t for t, names, _ in imports(MODULES["pregel.core.types"]) if ours(t, names)]


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_private_name_from_another_module(name):
    for target, names, line in imports(MODULES[name]):
        if not ours(target, names):
            continue
        private = [n for n in names if n.startswith("_") and f"{target}.{n}" not in MODULES]
        assert not private, f"{MODULES[name].relative_to(ROOT)}:{line}: imports private {private} from {target}"


def test_the_checker_sees_a_cycle_and_a_private_import(tmp_path):
    """The rules above can fail: a planted cycle and a planted private import are found."""
    a, b = tmp_path / "a.py", tmp_path / "b.py"
    a.write_text("def f():\n    from pregel.core.b import _x\n")
    b.write_text("from pregel.core import a\nif TYPE_CHECKING:\n    from pregel.cli import main\n")
    assert imports(a) == [("pregel.core.b", ["_x"], 2)]
    assert imports(b) == [("pregel.core", ["a"], 1)]
