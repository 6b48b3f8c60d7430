"""The course runner: lessons found on disk, executed in order through papermill in one shared
kernel (`run_lessons`, the one loop the course, the benchmark, grading and the tests share).
Results come back as data; `lakehouse run` draws them. What a notebook itself calls
(`require`, `catch_up`) is in course.py."""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from lakehouse_kit import home, runtime
from lakehouse_kit.errors import KitError
from lakehouse_kit.lesson_format import lesson_prefix
from lakehouse_kit.report import LakehouseSummary
from lakehouse_kit.settings import PROJECT_ROOT, Settings, load_settings

SOLUTIONS = PROJECT_ROOT / "solutions"  # the complete notebooks: the source of truth
LESSONS = PROJECT_ROOT / "lessons"  # the learner's, generated from them (tools.notebooks)


@dataclass
class LessonRun:
    lesson: str
    seconds: float
    output: Path
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error


@dataclass
class CourseRun:
    lessons: list[LessonRun] = field(default_factory=list)
    summary: LakehouseSummary | None = None  # what the lakehouse holds after it, when asked for

    @property
    def ok(self) -> bool:
        return all(run.ok for run in self.lessons)

    @property
    def failed(self) -> LessonRun | None:
        """The lesson that stopped the run, if one did."""
        return next((run for run in self.lessons if not run.ok), None)

    @property
    def seconds(self) -> float:
        return sum(run.seconds for run in self.lessons)


@dataclass
class LessonEvent:
    """What `run_lessons` tells its caller: a lesson `started`, or `finished` with its run."""

    kind: str
    lesson: str
    done: int  # lessons finished so far
    total: int
    run: LessonRun | None = None


OnLesson = Callable[[LessonEvent], None]


def solution_files() -> list[Path]:
    return sorted(SOLUTIONS.glob("[0-9][0-9]_*.py"))


def lesson_path(lesson: str | int, folder: Path = SOLUTIONS) -> Path:
    """The .py of a lesson given '03', 3 or '03_silver_quality'."""
    matches = sorted(folder.glob(f"{lesson_prefix(lesson)}_*.py"))
    if not matches:
        raise KitError(
            f"No lesson {lesson!r} in {folder}.",
            fix=f"Lessons are numbered 01 to {len(solution_files()):02d}.",
        )
    return matches[0]


def runs_dir(settings: Settings | None = None) -> Path:
    """Where executed notebooks go: inside the home, claimed first (a home holding an unmarked
    `runs/` would look like somebody else's folder to the next command)."""
    path = home.claim((settings or load_settings()).home) / "runs"
    path.mkdir(exist_ok=True)
    return home.mark(path)


def run_lesson(
    lesson: str | int,
    parameters: dict | None = None,
    folder: Path = SOLUTIONS,
    output_dir: Path | None = None,
    kernel=None,
    client: dict | None = None,
) -> LessonRun:
    """Execute one notebook with papermill, in a fresh kernel or in `kernel` (see
    `shared_kernel`); errors are returned, not raised. `client` holds nbclient options for
    the shared kernel's engine (grading: `allow_errors`, `cell_timeout`)."""
    import jupytext
    import papermill
    from papermill.exceptions import PapermillExecutionError

    from lakehouse_kit.papermill_engine import ENGINE

    path = lesson_path(lesson, folder)
    # A run with parameters (lesson 6 runs lesson 3 with batch=2) must not overwrite the plain one.
    tag = "".join(
        f".{key}-{Path(str(value)).name}" for key, value in sorted((parameters or {}).items())
    )
    output = (output_dir or runs_dir()) / f"{path.stem}{tag}.ipynb"
    start = time.perf_counter()
    error = ""
    if kernel is not None:
        kernel.fresh_namespace(path.parent)
    try:
        with (
            _stderr_to(output.with_suffix(".kernel.log")),
            _prefer_env_path(),
        ):
            papermill.execute_notebook(
                jupytext.read(path),
                str(output),
                parameters=parameters or {},
                cwd=str(path.parent),
                kernel_name="python3",
                progress_bar=False,
                **(
                    {"engine_name": ENGINE, "kernel": kernel, "client": client or {}}
                    if kernel is not None
                    else {}
                ),
            )
    except PapermillExecutionError as failure:
        first_line = failure.source.strip().splitlines()[0] if failure.source.strip() else ""
        error = f"cell {failure.exec_count} (`{first_line}`): {failure.ename}: {failure.evalue}"
    return LessonRun(path.stem, time.perf_counter() - start, output, error)


@contextlib.contextmanager
def _stderr_to(log: Path):
    """Send the kernel's start-up chatter (it inherits file descriptor 2) to a log file, so a
    notebook or a terminal running lessons shows results, not kernel warnings."""
    sys.stderr.flush()
    saved = os.dup(2)
    with open(log, "ab") as target:
        os.dup2(target.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)


@contextlib.contextmanager
def shared_kernel(cwd: Path):
    with (
        _stderr_to(runs_dir() / "shared-kernel.log"),
        _prefer_env_path(),
    ):
        from lakehouse_kit.kernel import SharedKernel

        kernel = SharedKernel(cwd)
    try:
        yield kernel
    finally:
        kernel.close()


def run_lessons(
    paths: list[Path],
    parameters: dict[str, dict] | None = None,
    output_dir: Path | None = None,
    on_lesson: OnLesson | None = None,
    start_services: bool = True,
    summarize: bool = False,
    keep_going: bool = False,
    client: dict | None = None,
) -> CourseRun:
    """Execute lessons in order in one shared kernel (`SharedKernel`), up to the first that
    fails (the next would build on it). `parameters` go by lesson number ('03'); a lesson that
    comes again keeps its earlier notebook (it writes to `repeat-N/`). The services start while
    the new kernel imports what the lessons use. With `summarize`, the kernel, its tables known,
    also reports what the lakehouse holds (`CourseRun.summary`). With `keep_going` a failed
    lesson does not stop the run (grading: the next lesson catches up); `client`: see
    `run_lesson`."""
    from lakehouse_kit.services import ensure_services

    if not paths:
        return CourseRun()
    with shared_kernel(paths[0].parent) as kernel:
        if start_services:
            ensure_services()  # a fresh machine or a `lakehouse down` must not stop the course
        course = _run_in(kernel, paths, parameters, output_dir, on_lesson, keep_going, client)
        if summarize and course.ok:
            course.summary = LakehouseSummary.from_json(kernel.evaluate(_SUMMARY))
        return course


_SUMMARY = "__import__('lakehouse_kit.report').report.lakehouse_summary().to_json()"


def _run_in(kernel, paths, parameters, output_dir, on_lesson, keep_going, client) -> CourseRun:
    course, notify = CourseRun(), on_lesson or (lambda event: None)
    base = output_dir or runs_dir()
    for done, path in enumerate(paths):
        notify(LessonEvent("started", path.stem, done, len(paths)))
        repeat = paths[:done].count(path)
        output = base / f"repeat-{repeat}" if repeat else base
        output.mkdir(parents=True, exist_ok=True)
        lesson_parameters = (parameters or {}).get(lesson_prefix(path.stem))
        run = run_lesson(path.stem, lesson_parameters, path.parent, output, kernel, client)
        course.lessons.append(run)
        notify(LessonEvent("finished", path.stem, done + 1, len(paths), run))
        if not run.ok and not keep_going:
            break
    return course


def _prefer_env_path():
    """The kernel papermill finds and starts must be this environment's Python, never a stale
    user kernel; the kernel inherits the setting, so lessons it runs (`require`) do too."""
    return runtime.environment({"JUPYTER_PREFER_ENV_PATH": "1"}, defaults_only=True)
