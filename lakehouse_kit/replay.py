"""Replay a lesson's code inside the running kernel: lesson 6 ingests batch 2 with the learner's
own Bronze, Silver and Gold code from lessons 2-4, without a new kernel per lesson.

A replay runs the code cells of the learner's notebook in a fresh namespace, with the given
parameters, skipping cells tagged `show` (charts and tables that only display). An exercise the
learner has not solved yet (its function still raises the TODO) is replaced by the solution's
cell, and the replay says so. The learner's notebook is read from disk: unsaved edits are not
seen, which the lesson says."""

from __future__ import annotations

import contextlib
import io
import time
from dataclasses import dataclass, field
from pathlib import Path

from lakehouse_kit.errors import KitError
from lakehouse_kit.lesson_format import (
    PARAMETERS_TAG,
    SHOW_TAG,
    SOLUTION_TAG,
    code_cells,
    functions_defined,
    lesson_prefix,
    unsolved,
)


@dataclass
class Replay:
    lesson: str
    notebook: Path
    seconds: float = 0.0
    own: list[str] = field(default_factory=list)  # exercises run as the learner wrote them
    borrowed: list[str] = field(default_factory=list)  # unsolved exercises run from the solution
    output: str = ""  # what the cells printed (the checks' ✓ lines among it)


def replay(lesson: str | int, parameters: dict, folder: Path | None = None) -> Replay:
    """Run lesson `lesson`'s notebook from `folder` (the running notebook's folder by default)
    in this kernel with `parameters`; raise a KitError naming the cell when one fails."""
    from lakehouse_kit.catalog import listed_once
    from lakehouse_kit.runner import SOLUTIONS, lesson_path

    notebook = lesson_path(lesson, _folder(lesson, folder)).with_suffix(".ipynb")
    solution = code_cells(lesson_path(lesson, SOLUTIONS).with_suffix(".ipynb"))
    run = Replay(notebook.stem, notebook)
    namespace: dict = {"__name__": f"replay_{notebook.stem}"}
    start, printed = time.perf_counter(), io.StringIO()
    # Its get_spark and catch_up each ask which tables the bucket holds: list it once.
    with listed_once():
        for number, source in _sources(code_cells(notebook), solution, parameters, run):
            try:
                with contextlib.redirect_stdout(printed):
                    # dont_inherit: compiled as the kernel compiles it, not under this module's
                    # `from __future__ import annotations` (the learner's functions would get
                    # string annotations and other code flags than in their own lesson).
                    name = f"<{notebook.stem} cell {number}>"
                    exec(compile(source, name, "exec", dont_inherit=True), namespace)
            except Exception as error:
                raise _failure(notebook, number, source, parameters, error) from error
    run.seconds, run.output = time.perf_counter() - start, printed.getvalue()
    return run


def _failure(notebook: Path, number: int, source: str, parameters: dict, error: Exception):
    """The error to show: which saved cell failed on which parameters, and the fix (the check's
    own hint when a check failed)."""
    problem = error.message if isinstance(error, KitError) else f"{type(error).__name__}: {error}"
    first_line = source.strip().splitlines()[0]
    return KitError(
        f"{notebook.name}, code cell {number} (`{first_line}`), on {_describe(parameters)}: {problem}",
        fix=(error.fix + " " if isinstance(error, KitError) and error.fix else "")
        + f"Then save {notebook.name} and run this cell again.",
    )


def _folder(lesson: str | int, folder: Path | None) -> Path:
    """The folder of the notebook that asks: the learner's `lessons/`, or `solutions/` when the
    course runs the solutions."""
    from lakehouse_kit.runner import SOLUTIONS

    here = folder or Path.cwd()
    return here if any(here.glob(f"{lesson_prefix(lesson)}_*.py")) else SOLUTIONS


def _sources(cells, solution, parameters: dict, run: Replay):
    """The code to run, cell by cell: parameters set, `show` cells skipped, unsolved exercises
    taken from the solution (matched by the functions they define)."""
    solved = {
        functions_defined(source): source for source, tags in solution if SOLUTION_TAG in tags
    }
    for number, (source, tags) in enumerate(cells, 1):
        if SHOW_TAG in tags:
            continue
        if PARAMETERS_TAG in tags:
            source += "\n" + "\n".join(f"{k} = {v!r}" for k, v in parameters.items())
        elif SOLUTION_TAG in tags:
            names = functions_defined(source)
            if unsolved(source) and names in solved:
                run.borrowed.extend(names)
                source = solved[names]
            else:
                run.own.extend(names)
        yield number, source


def _describe(parameters: dict) -> str:
    return ", ".join(f"{key}={value!r}" for key, value in parameters.items()) or "its defaults"
