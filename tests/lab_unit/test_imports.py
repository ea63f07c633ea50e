"""The lab package's import structure: every module imports on its own, and no module
imports itself back through others (a cycle, even a function-level one, makes the import
order matter and hides which module owns what)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import railmount.lab

PACKAGE = "railmount.lab"
PACKAGE_DIR = Path(railmount.lab.__file__).parent
MODULES = sorted(f"{PACKAGE}.{p.stem}" for p in PACKAGE_DIR.glob("*.py") if p.stem != "__init__")


def imports(module: str) -> set[str]:
    """What a railmount.lab module imports anywhere in its source (top level or inside
    functions): `import a.b` gives a.b; `from a import b` gives a and a.b (b may be a
    module or a name in a)."""
    path = PACKAGE_DIR / f"{module.rsplit('.', 1)[1]}.py"
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            assert node.level == 0, f"{module}: relative import of {node.module}"
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def lab_imports(module: str) -> set[str]:
    return imports(module) & set(MODULES)


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a path [a, b, ..., a], or None (depth-first search)."""
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> list[str] | None:
        if node in path:
            return [*path[path.index(node) :], node]
        if node in done:
            return None
        for dep in sorted(graph.get(node, ())):
            cycle = visit(dep, [*path, node])
            if cycle:
                return cycle
        done.add(node)
        return None

    for start in sorted(graph):
        cycle = visit(start, [])
        if cycle:
            return cycle
    return None


def test_modules_found() -> None:
    assert {f"{PACKAGE}.{m}" for m in ("cli", "control", "fabric", "faults")} <= set(MODULES)


@pytest.mark.parametrize("module", MODULES)
def test_module_imports_alone(module: str) -> None:
    """In a fresh interpreter, so what other tests imported first cannot help it."""
    res = subprocess.run(
        [sys.executable, "-c", f"import {module}"], capture_output=True, text=True, check=False
    )
    assert res.returncode == 0, res.stderr


def test_no_import_cycle() -> None:
    graph = {module: lab_imports(module) for module in MODULES}
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph) or [])


def test_find_cycle_sees_function_level_cycles() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_faults_know_nothing_of_the_cli() -> None:
    assert f"{PACKAGE}.cli" not in lab_imports(f"{PACKAGE}.faults")
    assert "argparse" not in imports(f"{PACKAGE}.faults")
