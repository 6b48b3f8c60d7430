"""One executed lesson notebook, graded: the code cell after an exercise (a cell tagged
`solution`) is its check, which prints "✓ ..." or raises `CheckFailed` (message and fix); an
exercise still raising its TODO is not attempted. `grade` runs the notebooks; this reads them."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from lakehouse_kit.errors import first_line, plain
from lakehouse_kit.lesson_format import SOLUTION_TAG, code_cells, functions_defined, unsolved
from lakehouse_kit.runner import SOLUTIONS

PASSED, FAILED, NOT_ATTEMPTED, ERRORED = "passed", "failed", "not attempted", "errored"
STATUSES = (PASSED, FAILED, NOT_ATTEMPTED, ERRORED)
_CAUGHT_UP = re.compile(r"from solution (\d\d)")


@dataclass
class ExerciseGrade:
    lesson: str  # "02_bronze_landing"
    exercise: str  # the function the learner writes, e.g. "read_raw"
    status: str  # one of STATUSES
    message: str = ""  # failed: the check's message; errored: which cell, which error
    hint: str = ""  # failed: the check's fix


def exercises(lesson: str) -> list[str]:
    """The exercises of a lesson, in order: the function each `solution` cell of the solution
    defines last (a cell may define helpers before it)."""
    return [
        functions_defined(source)[-1]
        for source, tags in code_cells(SOLUTIONS / f"{lesson}.ipynb")
        if SOLUTION_TAG in tags and functions_defined(source)
    ]


def grade_notebook(executed: Path, lesson: str, timeout: int) -> list[ExerciseGrade]:
    """Every exercise of an executed lesson notebook, from its cells' outputs."""
    cells = [c for c in json.loads(executed.read_text())["cells"] if c["cell_type"] == "code"]
    positions = [i for i, c in enumerate(cells) if SOLUTION_TAG in c["metadata"].get("tags", [])]
    names = exercises(lesson)
    grades = []
    for number, name in enumerate(names):
        if number >= len(positions):
            grades.append(ExerciseGrade(lesson, name, ERRORED, "its cell is missing"))
            continue
        at = positions[number]
        check = cells[at + 1] if at + 1 < len(cells) else None
        grades.append(ExerciseGrade(lesson, name, *_judge(cells[at], check, at, timeout)))
    return grades


def _judge(exercise: dict, check: dict | None, at: int, timeout: int) -> tuple[str, ...]:
    """(status, message, hint) of one exercise from its cell and its check cell; `at` is the
    exercise cell's index among the code cells (cells are named by number from 1)."""
    own = _error(exercise)
    if own:
        if own["ename"] == "NotImplementedError":
            return (NOT_ATTEMPTED,)
        return ERRORED, _describe(own, at + 1, timeout)
    if unsolved("".join(exercise["source"])):
        return (NOT_ATTEMPTED,)
    if exercise.get("execution_count") is None or check is None:
        return ERRORED, "not run: the lesson stopped before this cell"
    failure = _error(check)
    if failure is None:
        if "✓" in _stdout(check):
            return (PASSED,)
        return ERRORED, f"code cell {at + 2}: its check did not run"
    if failure["ename"] == "CheckFailed":
        message, _, hint = plain(failure["evalue"]).partition("\n  Fix: ")
        return FAILED, message, hint
    if failure["ename"] == "NotImplementedError":
        return (NOT_ATTEMPTED,)
    return ERRORED, _describe(failure, at + 2, timeout)


def _error(cell: dict) -> dict | None:
    return next((o for o in cell.get("outputs", []) if o["output_type"] == "error"), None)


def _stdout(cell: dict) -> str:
    return "".join(
        "".join(o.get("text", "")) for o in cell.get("outputs", []) if o["output_type"] == "stream"
    )


def _describe(error: dict, cell: int, timeout: int) -> str:
    if error["ename"] == "KeyboardInterrupt":  # nbclient interrupts a cell that runs too long
        return f"code cell {cell}: timed out after {timeout:g} s"
    return f"code cell {cell}: {error['ename']}: {first_line(error['evalue'])}"[:300]


def caught_up(executed: Path) -> list[str]:
    """The earlier lessons this lesson built from the solutions (`catch_up` says so)."""
    cells = json.loads(executed.read_text())["cells"]
    text = "".join(_stdout(c) for c in cells if c["cell_type"] == "code")
    return sorted(set(_CAUGHT_UP.findall(text)))
