"""Rich output for the commands (`lakehouse`, `lakehouse-dev`) and nothing else: the logic they
call returns plain data (course runs, the lakehouse summary, progress, grades)
and this module draws it."""

from __future__ import annotations

import contextlib
from dataclasses import asdict

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from lakehouse_kit.lesson_format import lesson_prefix
from lakehouse_kit.report import LakehouseSummary
from lakehouse_kit.runner import CourseRun, LessonEvent

OK, FAILED = "[green]ok[/]", "[red]failed[/]"


def progress_bar(console: Console, **options) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
        **options,
    )


@contextlib.contextmanager
def lesson_progress(console: Console):
    """An `on_lesson` callback for `runner.run_lessons` that draws a bar over the lessons. The
    bar appears with the first lesson, below what catching up printed before it."""
    shown: list[tuple[Progress, int]] = []

    def on_lesson(event: LessonEvent) -> None:
        if not shown:
            bar = progress_bar(console, transient=False)
            bar.start()
            shown.append((bar, bar.add_task("course", total=event.total)))
        bar, task = shown[0]
        if event.kind == "started":
            bar.update(task, description=f"running {event.lesson}")
        else:
            bar.advance(task)

    try:
        yield on_lesson
    finally:
        if shown:
            shown[0][0].stop()


def lessons_table(course: CourseRun) -> Table:
    timing = Table("lesson", "seconds", "result", title="Lessons")
    for run in course.lessons:
        timing.add_row(run.lesson, f"{run.seconds:.1f}", OK if run.ok else FAILED)
    return timing


def course_json(course: CourseRun) -> dict:
    """`lakehouse run --json`: each lesson's seconds and result, and the lakehouse after it."""
    return {
        "ok": course.ok,
        "seconds": round(course.seconds, 2),
        "lessons": [
            {
                "lesson": run.lesson,
                "seconds": round(run.seconds, 2),
                "ok": run.ok,
                "error": run.error,
                "notebook": str(run.output),
            }
            for run in course.lessons
        ],
        "summary": asdict(course.summary) if course.summary else None,
    }


def print_failure(course: CourseRun, console: Console) -> None:
    run = course.failed
    console.print(f"[red]{run.lesson} failed in {run.error}[/]\nExecuted notebook: {run.output}")


def summary_tables(summary: LakehouseSummary) -> list[Table]:
    """Tables per layer, expectation suites, quarantined rows."""
    tables = Table("layer", "table", "rows", title="Tables")
    for name, rows in summary.tables.items():
        layer, table = name.split(".")
        tables.add_row(layer, table, f"{rows:,}")
    quality = Table(
        "suite", "expectations", "passed", "failed rows", title="Expectations (before the split)"
    )
    for suite in summary.suites:
        quality.add_row(
            suite.suite, str(suite.expectations), str(suite.passed), f"{suite.failed_rows:,}"
        )
    quarantine = Table("source table", "quarantined rows", title="Quarantine")
    for source, rows in summary.quarantine.items():
        quarantine.add_row(source, f"{rows:,}")
    return [tables, quality, quarantine]


def progress_table(found) -> Table:
    """`checks.progress.progress()` as the learner sees it."""
    table = Table("lesson", "exercise", "state", "hint", title="Your progress")
    for row in found:
        table.add_row(
            row.lesson,
            row.exercise,
            "[green]passes[/]" if row.passes else "[red]not yet[/]",
            row.hint,
        )
    return table


def grades_table(grades) -> Table:
    """`grade.grade()`'s learners: how many exercises each passed, and what went wrong."""
    table = Table(
        "learner",
        "passed",
        "failed",
        "not attempted",
        "errored",
        "seconds",
        "notes",
        title="Grades",
    )
    for learner in grades:
        built = sorted({lesson for note in learner.lessons for lesson in note.caught_up})
        notes = ([f"built {', '.join(built)} from the solutions"] if built else []) + (
            [learner.problem] if learner.problem else []
        )
        table.add_row(
            learner.learner,
            *(str(learner.count(s)) for s in ("passed", "failed", "not attempted", "errored")),
            f"{learner.seconds:.0f}",
            "; ".join(notes),
        )
    return table


def most_failed_table(rows: list[dict]) -> Table:
    """The exercises most often missed, with their most common hint, for the debrief."""
    table = Table("exercise", "learners", "most common hint", title="Most often missed")
    for row in rows:
        table.add_row(
            f"{lesson_prefix(row['lesson'])} {row['exercise']}", str(row["learners"]), row["hint"]
        )
    return table
