"""The lesson generator: what it keeps, what it hides, and what it refuses. No kernel."""

from __future__ import annotations

import ast

import jupytext
import pytest

from lakehouse_kit.errors import KitError
from lakehouse_kit.lesson_format import SOLUTION_TAG, unsolved
from lakehouse_kit.runner import solution_files
from lakehouse_kit.tools import notebooks

MIXED = '''def parse(df):
    """Parse the rows."""
    return df


RULES = ["id not null"]
'''


def test_a_cell_mixing_functions_and_other_code_is_refused_with_the_line():
    with pytest.raises(KitError) as failure:
        notebooks.stub_source(MIXED)
    assert "line 6: `RULES = [" in failure.value.message
    assert "cell of its own" in failure.value.fix


def test_an_import_beside_a_function_is_refused_too():
    with pytest.raises(KitError):
        notebooks.stub_source("import math\n\n\ndef f():\n    return math.pi\n")


def test_a_code_only_cell_becomes_its_todo():
    stub = notebooks.stub_source("# TODO: count the rows\nrows = df.count()\n")
    assert stub == 'raise NotImplementedError("TODO: count the rows")'


def _solution_cells():
    for py in solution_files():
        for cell in jupytext.read(py).cells:
            if SOLUTION_TAG in cell.metadata.get("tags", []) and cell.cell_type == "code":
                yield py.stem, cell.source


def _paste_bodies(stub: str, solution: str) -> str:
    """The stub with each function's body taken from the solution: what a learner who solved
    every exercise has in the lesson cell."""
    bodies = {}
    for node in ast.parse(solution).body:
        lines = solution.splitlines()
        start = node.body[1 if ast.get_docstring(node) else 0].lineno - 1
        bodies[node.name] = lines[start : node.end_lineno]
    out = []
    for line in stub.splitlines():
        if 'raise NotImplementedError("TODO:' in line and out:
            name = next(n for n in reversed(out) if n.startswith("def ")).split("(")[0][4:]
            out.extend(bodies[name])
        else:
            out.append(line)
    return "\n".join(out)


@pytest.mark.parametrize("lesson, source", list(_solution_cells()))
def test_each_exercise_with_its_solution_pasted_is_the_solution(lesson, source):
    """Nothing but function bodies is hidden: a lesson whose exercises are solved is the
    solution itself (which the course tests run), so it runs to the end the same way."""
    stub = notebooks.stub_source(source)
    if "def " not in stub:
        pytest.skip("a code-only exercise: the whole cell is the learner's")
    assert ast.dump(ast.parse(_paste_bodies(stub, source))) == ast.dump(ast.parse(source)), lesson


@pytest.mark.parametrize("lesson, source", list(_solution_cells()))
def test_what_the_generator_stubs_the_replay_and_grading_read_as_unsolved(lesson, source):
    """The stub is written and read back through one module (`lesson_format`): every
    exercise's stub is unsolved, its solution is not."""
    assert unsolved(notebooks.stub_source(source)), lesson
    assert not unsolved(source), lesson
