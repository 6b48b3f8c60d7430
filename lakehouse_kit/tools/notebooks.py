"""Notebook files: solutions/ is the source of truth; lessons/ is generated from it.

In a solution, a cell tagged `solution` is an exercise: in the lesson each function keeps its
signature and docstring and its body becomes the TODO stub (`lesson_format.todo_stub`); any
other code in the cell becomes one such line, its text taken from a leading `# TODO:` comment.
Cells tagged `instructor` are dropped. Every .py (Jupytext percent) has an .ipynb twin with
no outputs and stable cell ids, so regenerating never makes a diff.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import TYPE_CHECKING

from lakehouse_kit.errors import KitError
from lakehouse_kit.lesson_format import INSTRUCTOR_TAG, SOLUTION_TAG, todo_stub
from lakehouse_kit.runner import LESSONS, solution_files

if TYPE_CHECKING:  # nbformat and jupytext take a second to import
    import nbformat

PY_FORMAT = "py:percent"


def _todo_text(docstring: str | None, fallback: str) -> str:
    first = (docstring or "").strip().splitlines()
    return (first[0] if first else fallback).rstrip(".").replace('"', "'")


def stub_source(source: str) -> str:
    """The learner's version of a solution cell. A cell that defines functions must hold
    nothing else: other code there would vanish from the lesson, so it is refused."""
    tree = ast.parse(source)
    lines = source.splitlines()
    functions = [node for node in tree.body if isinstance(node, ast.FunctionDef)]
    others = [node for node in tree.body if not isinstance(node, ast.FunctionDef)]
    if functions and others:
        first = others[0]
        raise KitError(
            f"A solution cell defines {', '.join(f.name for f in functions)} and also runs other "
            f"code (line {first.lineno}: `{lines[first.lineno - 1].strip()}`), which the lesson "
            "would lose.",
            fix="Move that code to a cell of its own (tag it `solution` too if learners must "
            "write it), so each exercise cell holds only functions.",
        )
    if not functions:
        todo = next((ln.split("TODO:", 1)[1].strip() for ln in lines if "# TODO:" in ln), "")
        return todo_stub(todo or "complete this cell")
    stubs = []
    for func in functions:
        head_end = func.body[0].end_lineno if ast.get_docstring(func) else func.body[0].lineno - 1
        head = lines[
            (func.decorator_list[0].lineno if func.decorator_list else func.lineno) - 1 : head_end
        ]
        indent = " " * func.body[0].col_offset
        todo = _todo_text(ast.get_docstring(func), f"write {func.name}")
        stubs.append("\n".join(head + [todo_stub(todo, indent)]))
    return "\n\n\n".join(stubs)


def lesson_from_solution(solution: nbformat.NotebookNode) -> nbformat.NotebookNode:
    import nbformat

    lesson = nbformat.from_dict(solution)
    cells = []
    for cell in solution.cells:
        tags = cell.get("metadata", {}).get("tags", [])
        if INSTRUCTOR_TAG in tags:
            continue
        cell = nbformat.from_dict(cell)
        if SOLUTION_TAG in tags and cell.cell_type == "code":
            cell.source = stub_source(cell.source)
        cells.append(cell)
    lesson.cells = cells
    return lesson


# papermill needs the kernelspec; jupytext's filters keep every other metadata out of files.
METADATA = {
    "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
    "jupytext": {
        "notebook_metadata_filter": "kernelspec,-all",
        "cell_metadata_filter": "tags,-all",
    },
}


def _normalized(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    import nbformat

    nb = nbformat.from_dict(nb)
    nb.metadata = nbformat.from_dict(METADATA)
    for index, cell in enumerate(nb.cells):
        tags = cell.get("metadata", {}).get("tags", [])
        cell["metadata"] = nbformat.from_dict({"tags": tags} if tags else {})
        cell["id"] = f"cell-{index:03d}"
        if cell.cell_type == "code":
            cell["outputs"], cell["execution_count"] = [], None
    return nb


def render(nb: nbformat.NotebookNode) -> dict[str, str]:
    """The .py and .ipynb texts of a notebook, exactly as committed."""
    import jupytext

    nb = _normalized(nb)
    return {".py": jupytext.writes(nb, fmt=PY_FORMAT), ".ipynb": jupytext.writes(nb, fmt="ipynb")}


def expected_files() -> dict[Path, str]:
    """Every notebook file that solutions/*.py implies, with its exact content."""
    import jupytext

    files = {}
    for py in solution_files():
        solution = jupytext.read(py)
        for suffix, text in render(solution).items():
            files[py.with_suffix(suffix)] = text
        for suffix, text in render(lesson_from_solution(solution)).items():
            files[LESSONS / py.with_suffix(suffix).name] = text
    return files


def build() -> list[Path]:
    """Write the .ipynb of every solution and both files of every lesson. Returns what changed."""
    LESSONS.mkdir(exist_ok=True)
    changed = []
    for path, text in expected_files().items():
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            changed.append(path)
    return changed


def drift() -> list[Path]:
    """Files that differ from what `build()` would write (empty when everything is in sync)."""
    return [
        p
        for p, text in expected_files().items()
        if not p.exists() or p.read_text(encoding="utf-8") != text
    ]
