"""The kit's import graph has no cycle: a module never needs, while it loads, a module that
needs it (static: each module's top-level imports, read with ast; imports inside functions and
under `if TYPE_CHECKING:` run later or never, and are left out)."""

from __future__ import annotations

import ast
from pathlib import Path

import lakehouse_kit

PACKAGE = Path(lakehouse_kit.__file__).parent


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def top_level_imports(path: Path, modules: set[str]) -> set[str]:
    """The kit's modules `path` imports while it loads."""
    name, found = module_name(path), set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in _executed_at_load(ast.parse(path.read_text()).body):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}".rstrip(".")
            # `from pkg import mod` needs the module mod (pkg, its parent, is loaded first
            # anyway); `from pkg import name` needs pkg itself, complete.
            for alias in node.names:
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base)
    return {m for m in found if m in modules and m != name}


def _executed_at_load(body: list[ast.stmt]):
    for node in body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            yield from _executed_at_load(node.orelse)
        elif isinstance(node, (ast.If, ast.Try, ast.With)):
            yield from _executed_at_load(node.body)
            for extra in (getattr(node, "orelse", []), getattr(node, "finalbody", [])):
                yield from _executed_at_load(extra)
            for handler in getattr(node, "handlers", []):
                yield from _executed_at_load(handler.body)
        else:
            yield node


def import_graph() -> dict[str, set[str]]:
    paths = sorted(PACKAGE.rglob("*.py"))
    modules = {module_name(path) for path in paths}
    return {module_name(path): top_level_imports(path, modules) for path in paths}


def find_cycle(graph: dict[str, set[str]]) -> list[str]:
    """One cycle as a path that comes back to its start, or [] when there is none."""
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> list[str]:
        if node in path:
            return path[path.index(node) :] + [node]
        if node in done:
            return []
        for target in sorted(graph.get(node, ())):
            cycle = visit(target, [*path, node])
            if cycle:
                return cycle
        done.add(node)
        return []

    for start in sorted(graph):
        cycle = visit(start, [])
        if cycle:
            return cycle
    return []


def test_the_kit_imports_no_module_in_a_cycle():
    graph = import_graph()
    assert "lakehouse_kit.settings" in graph["lakehouse_kit.spark"]  # the graph is read at all
    assert find_cycle(graph) == [], " -> ".join(find_cycle(graph))


def test_a_cycle_is_found_when_there_is_one():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycle(graph) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) == []


def test_runtime_and_home_are_leaves():
    graph = import_graph()
    assert graph["lakehouse_kit.runtime"] == set()
    assert graph["lakehouse_kit.home"] <= {"lakehouse_kit.errors"}
