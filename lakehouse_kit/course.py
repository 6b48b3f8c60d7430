"""What notebooks call of the course: `require` and `catch_up`, so a learner stuck on one lesson
can still start the next, `save_report` for the course summary, and `run_course` (`lakehouse
run`). Running lessons itself (papermill, the shared kernel, finding lessons) is runner.py's."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from lakehouse_kit.contracts import PRODUCES  # the tables each lesson builds (course.PRODUCES)
from lakehouse_kit.errors import KitError
from lakehouse_kit.runner import (
    CourseRun,
    LessonRun,
    OnLesson,
    lesson_path,
    run_lesson,
    run_lessons,
    runs_dir,
    solution_files,
)


def require(lesson: str | int, parameters: dict | None = None) -> LessonRun:
    """Run a solution from inside another notebook and fail loudly if it fails. The tables it
    made are registered in this notebook's session too (each Sail session has its own catalog)."""
    run = run_lesson(lesson, parameters)
    if not run.ok:
        raise KitError(f"{run.lesson} failed in {run.error}", fix=f"Open {run.output} to see why.")
    from lakehouse_kit.catalog import forget_listing

    forget_listing()  # a replay's one listing (`catalog.listed_once`) lacks what it made
    _register_in_this_session()
    return run


def _register_in_this_session() -> None:
    """Register the tables the kernels made in this process's Spark session, if it has one (a
    session made later registers them itself: `get_spark`)."""
    if "lakehouse_kit.spark" not in sys.modules:  # never imported here: no session to update
        return
    from lakehouse_kit.catalog import register_all
    from lakehouse_kit.spark import current_spark

    spark = current_spark()
    if spark is not None:
        register_all(spark)


def catch_up(lesson: int) -> list[str]:
    """Build the layers that lessons before `lesson` make, from the solutions, if any is missing.
    Returns the lessons it ran (none when the learner's own tables are all there)."""
    from lakehouse_kit.catalog import discover_tables

    ran, present = [], set(discover_tables())
    for earlier, tables in PRODUCES.items():
        if int(earlier) < lesson and not present.issuperset(tables):
            print(f"Building {', '.join(tables)} from solution {earlier} ...")
            ran.append(require(earlier).lesson)
    return ran


def run_course(
    only: int | None = None, on_lesson: OnLesson | None = None, summarize: bool = False
) -> CourseRun:
    """Execute every solution in order, or one lesson after building what it needs (see
    `run_lessons` for `summarize`)."""
    from lakehouse_kit.services import ensure_services

    if only:
        ensure_services()  # catch_up looks in the bucket
        catch_up(only)
    paths = [lesson_path(only)] if only else solution_files()
    course = run_lessons(paths, on_lesson=on_lesson, summarize=summarize)
    if course.ok:  # as `require` does: the caller's session sees the tables the kernels made
        _register_in_this_session()
    return course


def save_report(name: str, payload: dict | list) -> Path:
    """Keep a small JSON result (e.g. expectation results) for the course summary (`report`)."""
    path = runs_dir() / f"{name}.json"
    path.write_text(json.dumps(payload, indent=2, default=str))
    return path
