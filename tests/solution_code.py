"""The functions a solution notebook defines, loaded without running its cells: what a learner
who solved the exercises has, for handing to a check next to alternative and wrong answers."""

from __future__ import annotations

import ast

import jupytext

from lakehouse_kit.runner import lesson_path


def _definition(node: ast.stmt) -> bool:
    """Imports, functions and plain constants: statements that do nothing when run."""
    if isinstance(node, (ast.Import, ast.ImportFrom, ast.FunctionDef)):
        return True
    return isinstance(node, ast.Assign) and not any(
        isinstance(n, ast.Call) for n in ast.walk(node.value)
    )


def solution(lesson: str, **names) -> dict:
    """The namespace of a solution's definitions; `names` (e.g. spark=..., batch=1) stand in for
    the globals its functions read."""
    cells = [c.source for c in jupytext.read(lesson_path(lesson)).cells if c.cell_type == "code"]
    tree = ast.parse("\n".join(c for c in cells if not c.lstrip().startswith(("%", "!"))))
    namespace = dict(names)
    for node in (node for node in tree.body if _definition(node)):
        code = compile(ast.Module([node], type_ignores=[]), f"solution {lesson}", "exec")
        try:
            exec(code, namespace)
        except NameError:  # a value made from a cell that is not run here (e.g. a version)
            if not isinstance(node, ast.Assign):
                raise
    return namespace
