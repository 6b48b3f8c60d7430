"""Rich output for the commands (`lakehouse`, `lakehouse-dev`) and nothing else: the logic they
call returns plain data (course runs, the lakehouse summary, progress, the benchmark report)
and this module draws it."""

from __future__ import annotations

import contextlib
import time
from dataclasses import asdict

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

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
        table.add_row(f"{row['lesson'][:2]} {row['exercise']}", str(row["learners"]), row["hint"])
    return table


def bench_step(console: Console, message: str, warning: bool) -> None:
    """A benchmark step as it starts, with the time (on stderr: `--json` keeps stdout)."""
    console.print(
        f"[dim]{time.strftime('%H:%M:%S')}[/] " + (f"[yellow]{message}[/]" if warning else message)
    )


def print_bench_report(report: dict, console: Console) -> None:
    """Runs side by side with ratios, then course, first result, targets."""
    m = report["machine"]
    console.print(
        f"Machine: {m['cores']} cores, {m['ram_gb']} GB RAM, Python {m['python']}, "
        f"Java: {m['java'] or 'not found'}; a fixed Python loop: {m.get('python_loop_seconds')} s"
    )
    stages = list(dict.fromkeys(s for r in report["runs"] for s in r["stages"]))
    console.print(_runs_table(report["runs"], stages))
    for r in report["runs"]:
        for error in r["errors"]:
            console.print(f"[red]{r['engine']} scale {r['scale']}: {error}[/]")
    if report["ratios_vs_jvm"]:
        console.print(_ratios_table(report["ratios_vs_jvm"], stages))
    console.print(f"[yellow]{report['baseline']['note']}[/]")
    _print_course_and_targets(report, console)


def _runs_table(runs: list[dict], stages: list[str]) -> Table:
    table = Table(
        "engine",
        "format",
        "scale",
        "rows",
        *[f"{s} s" for s in stages],
        "total s",
        "peak RSS MB",
        "services MB",
        "result",
        title="Pipeline runs",
    )
    for r in runs:
        table.add_row(
            r["engine"],
            r["format"],
            str(r["scale"]),
            f"{r['rows']:,}",
            *[f"{r['stages'].get(s, float('nan')):.1f}" for s in stages],
            f"{r['seconds']:.1f}",
            f"{r['peak_rss_mb']:.0f}",
            f"{r['services_peak_rss_mb']:.0f}",
            OK if r["ok"] else FAILED,
        )
    return table


def _ratios_table(ratios: list[dict], stages: list[str]) -> Table:
    table = Table("scale", *stages, "total", "peak RSS", title="JVM Spark / Sail (x faster)")
    for r in ratios:
        table.add_row(
            str(r["scale"]),
            *[f"{r['stages'].get(s, float('nan')):.1f}x" for s in stages],
            f"{r['total']:.1f}x",
            f"{r['peak_rss']:.1f}x",
        )
    return table


def _median_of(run: dict) -> str:
    samples = run.get("samples") or []
    if len(samples) < 2:
        return ""
    return f"; the median of {len(samples)} runs: {', '.join(f'{s:.2f}' for s in samples)} s"


def _print_course_and_targets(report: dict, console: Console) -> None:
    course, first = report["course"], report["first_result"]
    if course:
        lessons = ", ".join(f"{k[:2]} {v:.1f}" for k, v in course["lessons"].items())
        console.print(
            f"Course (`lakehouse run`, cold): {course['seconds']:.1f} s ({lessons}); "
            f"peak RSS {course['peak_rss_mb']:.0f} MB{_median_of(course)}"
        )
        for error in course["errors"]:
            console.print(f"[red]course: {error}[/]")
    if first:
        console.print(
            f"First result after `lakehouse up`: {first['seconds']:.2f} s "
            f"(services up in {first['up_seconds']:.2f} s){_median_of(first)}"
        )
    marks = {True: "[green]met[/]", False: "[red]missed[/]", None: "[dim]not measured[/]"}
    targets = report["targets"]
    console.print(
        "Targets: "
        + "; ".join(f"{k} {targets[k]:g}: {marks[v]}" for k, v in report["targets_met"].items())
    )
