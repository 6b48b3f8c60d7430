"""How the course's notebooks are written, in one place: a lesson's file name (`NN_name`) and its
number, the cell tags, and the TODO stub an exercise starts as. The generator
(`tools.notebooks`) writes them; the replay of lesson 6 and grading read them back.

A stub is `raise NotImplementedError("TODO: ...")`: a function (or cell) whose only statement
raises NotImplementedError is still unsolved, whatever its TODO text says.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

from lakehouse_kit.errors import KitError

SOLUTION_TAG = "solution"  # an exercise: the lesson holds its stub, the next cell its check
INSTRUCTOR_TAG = "instructor"  # left out of the lesson
SHOW_TAG = "show"  # only displays results: nothing later depends on it, a replay skips it
PARAMETERS_TAG = "parameters"  # papermill's parameters (`batch`, ...)


def lesson_number(lesson: str | int) -> int:
    """The number of a lesson given 3, '03' or '03_silver_quality' (a file's stem)."""
    return int(str(lesson)[:2])


def lesson_prefix(lesson: str | int) -> str:
    """A lesson's two-digit prefix, '03', given 3, '03' or '03_silver_quality'."""
    return f"{lesson_number(lesson):02d}"


def todo_stub(todo: str, indent: str = "") -> str:
    """The line an exercise's body becomes in the lesson."""
    return f'{indent}raise NotImplementedError("TODO: {todo}")'


def code_cells(notebook: Path) -> list[tuple[str, list[str]]]:
    """(source, tags) of each code cell of a notebook as saved. Plain JSON: the learner saves
    .ipynb files, and nbformat's validation would cost a second of imports."""
    try:
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    except (OSError, ValueError, KeyError) as error:
        raise KitError(
            f"Cannot read {notebook}: {error}",
            fix="Open it in JupyterLab and save it, or run `lakehouse-dev notebooks build`.",
        ) from error
    return [
        ("".join(cell["source"]), cell.get("metadata", {}).get("tags", []))
        for cell in cells
        if cell["cell_type"] == "code"
    ]


def functions_defined(source: str) -> tuple[str, ...]:
    """The functions a cell defines, in order (none while it does not parse: running it will
    then report the syntax error)."""
    tree = _parsed(source)
    return tuple(node.name for node in tree.body if isinstance(node, ast.FunctionDef))


def unsolved(source: str) -> bool:
    """True while any function of the cell (or the cell itself) is still just its TODO stub."""
    tree = _parsed(source)
    bodies = [tree.body] + [node.body for node in tree.body if isinstance(node, ast.FunctionDef)]
    return any(_only_raises_todo(body) for body in bodies)


def _parsed(source: str) -> ast.Module:
    try:
        return ast.parse(source)
    except SyntaxError:
        return ast.Module(body=[], type_ignores=[])


def _only_raises_todo(body: list[ast.stmt]) -> bool:
    statements = [
        s for s in body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))
    ]
    if len(statements) != 1 or not isinstance(statements[0], ast.Raise):
        return False
    raised = statements[0].exc
    target = raised.func if isinstance(raised, ast.Call) else raised
    return isinstance(target, ast.Name) and target.id == "NotImplementedError"
