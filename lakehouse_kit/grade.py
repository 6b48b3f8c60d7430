"""`lakehouse grade`: every learner's own notebooks, run in a lakehouse of their own, graded by
the checks the lessons already call.

Each learner gets a worker process (this module's `main`) with a fresh `LAKEHOUSE_HOME` in the
output folder: their services, bucket and catalog, stopped after. The worker runs their lessons
in order in one kernel (`runner.run_lessons`), every cell even after an error, each cell
interrupted after `timeout` seconds; a later lesson builds what an earlier one left missing
(`course.catch_up`, which the lesson calls). The grades are read from the executed notebooks:
the code cell after an exercise (a cell tagged `solution`) is its check, which prints "✓ ..."
or raises `CheckFailed` (message and fix). Logic returns data; `grade_render` writes files.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import zipfile
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

from lakehouse_kit import home
from lakehouse_kit.errors import KitError
from lakehouse_kit.grade_notebook import (
    ERRORED,
    FAILED,
    NOT_ATTEMPTED,
    ExerciseGrade,
    caught_up,
    exercises,
    grade_notebook,
)
from lakehouse_kit.lesson_format import (
    lesson_number,
)
from lakehouse_kit.runner import solution_files


@dataclass
class LessonGrade:
    lesson: str
    submitted: bool
    seconds: float = 0.0
    error: str = ""  # the first failing cell, as `lakehouse run` names it
    caught_up: list[str] = field(default_factory=list)  # earlier lessons built from solutions


@dataclass
class LearnerGrade:
    learner: str
    seconds: float
    lessons: list[LessonGrade]
    exercises: list[ExerciseGrade]
    problem: str = ""  # why grading stopped early (a crash, the time limit), if it did

    def count(self, status: str) -> int:
        return sum(grade.status == status for grade in self.exercises)

    def to_json(self) -> dict:
        return asdict(self)


# ---------------------------------------------------------------- submissions


def submissions(folder: Path) -> dict[str, Path]:
    """Learner name -> their folder or .zip, sorted by name."""
    if not folder.is_dir():
        raise KitError(f"{folder} is not a folder.", fix="Give a folder of submissions.")
    found = {
        entry.stem if entry.suffix == ".zip" else entry.name: entry
        for entry in folder.iterdir()
        if entry.is_dir() or entry.suffix == ".zip"
    }
    if not found:
        raise KitError(
            f"{folder} holds no submission.",
            fix="Put one sub-folder or one .zip per learner in it, holding lessons/*.ipynb.",
        )
    return dict(sorted(found.items()))


def parse_lessons(text: str) -> list[int]:
    """'1-7', '2' or '1,3-4' as lesson numbers."""
    numbers = []
    try:
        for part in text.split(","):
            first, _, last = part.partition("-")
            numbers += range(int(first), int(last or first) + 1)
    except ValueError:
        raise KitError(
            f"Cannot read lessons {text!r}.", fix="Write e.g. 1-7, 2 or 1,3-4."
        ) from None
    return numbers


def lesson_names(numbers: list[int]) -> list[str]:
    names = {lesson_number(path.stem): path.stem for path in solution_files()}
    unknown = [n for n in numbers if n not in names]
    if unknown:
        raise KitError(f"No lesson {unknown[0]}.", fix=f"Lessons are 1 to {max(names)}.")
    return [names[n] for n in sorted(set(numbers))]


def unpack(source: Path, target: Path, lessons: list[str]) -> list[str]:
    """Copy a learner's notebooks of `lessons` into `target` as .py and .ipynb pairs (papermill
    runs the .py; lesson 6 replays the .ipynb). A .ipynb wins over a .py of the same lesson
    (JupyterLab saves the .ipynb). Returns the lessons found."""
    import jupytext

    if source.suffix == ".zip":
        unzipped = target.parent / "submitted"
        with zipfile.ZipFile(source) as archive:
            archive.extractall(unzipped)  # member names with .. or / are made safe
        source = unzipped
    target.mkdir(parents=True, exist_ok=True)
    found = []
    for lesson in lessons:
        chosen = _pick([p for p in source.rglob(f"{lesson}.*") if p.suffix in (".ipynb", ".py")])
        if chosen is None:
            continue
        notebook = jupytext.read(chosen)
        jupytext.write(notebook, target / f"{lesson}.py", fmt="py:percent")
        jupytext.write(notebook, target / f"{lesson}.ipynb")
        found.append(lesson)
    return found


def _pick(files: list[Path]) -> Path | None:
    """The learner's notebook among files of one lesson's name: under a `lessons` folder
    first (a whole clone also holds solutions/), then the .ipynb; never a checkpoint."""
    files = [p for p in files if ".ipynb_checkpoints" not in p.parts]
    ranked = sorted(files, key=lambda p: ("lessons" not in p.parts, p.suffix != ".ipynb", p))
    return ranked[0] if ranked else None


# ---------------------------------------------------------------- one learner


def grade_learner(
    name: str, source: Path, out: Path, lessons: list[str], timeout: int
) -> LearnerGrade:
    """Run and grade one learner in `out/learners/NAME`; never raises for the learner's code."""
    start = time.perf_counter()
    folder = _fresh(out / "learners" / name)
    try:
        submitted = unpack(source, folder / "lessons", lessons)
    except (OSError, ValueError, zipfile.BadZipFile) as error:
        submitted, problem = [], f"cannot read the submission: {error}"
    else:
        problem = _run_worker(folder, submitted, timeout) if submitted else ""
    runs = {run["lesson"]: run for run in home.read_json(folder / "lessons.json").get("runs", [])}
    graded = [
        _grade_lesson(lesson, lesson in submitted, runs.get(lesson), folder, problem, timeout)
        for lesson in lessons
    ]
    notes = [note for note, _ in graded]
    grades = [grade for _, lesson_grades in graded for grade in lesson_grades]
    return LearnerGrade(name, time.perf_counter() - start, notes, grades, problem)


def _grade_lesson(
    lesson: str, submitted: bool, run: dict | None, folder: Path, problem: str, timeout: int
) -> tuple[LessonGrade, list[ExerciseGrade]]:
    """A lesson's note and its exercises' grades: from its executed notebook when it ran."""
    executed = folder / "runs" / f"{lesson}.ipynb"
    if not submitted:
        return LessonGrade(lesson, False), [
            ExerciseGrade(lesson, e, NOT_ATTEMPTED, "not submitted") for e in exercises(lesson)
        ]
    if not executed.exists():
        why = f"not run: {problem or 'the lesson did not start'}"
        return LessonGrade(lesson, True, error=why), [
            ExerciseGrade(lesson, e, ERRORED, why) for e in exercises(lesson)
        ]
    seconds, error = (run["seconds"], run["error"]) if run else (0.0, problem)
    note = LessonGrade(lesson, True, seconds, error, caught_up(executed))
    return note, grade_notebook(executed, lesson, timeout)


def _fresh(folder: Path) -> Path:
    """An empty folder for a learner; a former grading's folder is replaced (it holds the
    kit's marker), anything else is refused."""
    if folder.exists():
        if not home.is_marked(folder):
            raise KitError(
                f"{folder} holds files the kit did not make.",
                fix="Grade into a new or empty --out folder.",
            )
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    return home.mark(folder)


def _run_worker(folder: Path, lessons: list[str], timeout: int) -> str:
    """Run the worker for a learner; returns "" or why it stopped early. Its services are
    stopped whatever happened."""
    import psutil

    from lakehouse_kit.supervisor import stop_tree

    # A kernel deaf to interrupts is stopped: a cell may time out twice per lesson, with two
    # minutes to start the services and the kernel.
    limit = 120 + 2 * timeout * len(lessons)
    # Claimed here: the worker's kernel logs into the home before the services claim it.
    environment = {**os.environ, "LAKEHOUSE_HOME": str(home.claim(folder / "home"))}
    command = [sys.executable, "-m", "lakehouse_kit.grade", str(folder), str(timeout), *lessons]
    with open(folder / "worker.log", "wb") as log:
        worker = subprocess.Popen(command, env=environment, stdout=log, stderr=subprocess.STDOUT)
        try:
            code = worker.wait(timeout=limit)
            problem = "" if code == 0 else f"grading stopped: {_last_error(Path(log.name))}"
        except subprocess.TimeoutExpired:
            stop_tree(psutil.Process(worker.pid), timeout=5)  # its kernel too
            worker.wait()
            problem = f"stopped after {limit:g} s, the learner's time limit"
    _stop_services(folder / "home")
    return problem


def _last_error(log: Path) -> str:
    """The exception that ended the worker, as its traceback's last `Name: message` line."""
    lines = log.read_text(errors="replace").splitlines()
    return next((ln for ln in reversed(lines) if re.match(r"[\w.]+: ", ln)), "see " + str(log))


def _stop_services(learner_home: Path) -> None:
    from lakehouse_kit.services import stop_services
    from lakehouse_kit.settings import load_settings

    if learner_home.exists():  # the worker's profile: this process's (LAKEHOUSE_PROFILE)
        stop_services(load_settings(home=str(learner_home)))


def _start_services(lock: Path) -> None:
    """Start this learner's services, one learner at a time: two at once could pick the same
    free port (the supervisor starts a server again when a port was taken meanwhile)."""
    from lakehouse_kit.services import ensure_services

    with home.locked(lock, "grading: starting a learner's services"):
        ensure_services()


def main(argv: list[str]) -> int:
    """The worker: run a learner's lessons (LAKEHOUSE_HOME is theirs) and record each run in
    FOLDER/lessons.json as it ends, so a worker stopped halfway leaves what it did."""
    from lakehouse_kit.runner import run_lessons
    from lakehouse_kit.services import stop_services

    folder, timeout, lessons = Path(argv[0]), int(argv[1]), argv[2:]
    runs: list[dict] = []

    def on_lesson(event) -> None:
        if event.run is not None:
            run = event.run
            runs.append({"lesson": run.lesson, "seconds": run.seconds, "error": run.error})
            (folder / "lessons.json").write_text(json.dumps({"runs": runs}))

    try:
        _start_services(folder.parent.parent / home.LOCK)
        run_lessons(
            [folder / "lessons" / f"{lesson}.py" for lesson in lessons],
            output_dir=folder / "runs",
            on_lesson=on_lesson,
            keep_going=True,
            client={"allow_errors": True, "cell_timeout": timeout},
        )
    finally:
        stop_services()
    return 0


# ---------------------------------------------------------------- a room


def grade(
    folder: Path,
    out: Path,
    lessons: list[str],
    jobs: int = 1,
    timeout: int = 300,
    on_learner: Callable[[LearnerGrade], None] = lambda grade: None,
) -> list[LearnerGrade]:
    """Grade every submission in `folder`, `jobs` learners at a time; results in name order."""
    found = submissions(folder)
    home.claim(out)
    with ThreadPoolExecutor(max(1, jobs)) as pool:

        def one(name: str) -> LearnerGrade:
            result = grade_learner(name, found[name], out, lessons, timeout)
            on_learner(result)
            return result

        return list(pool.map(one, found))


def most_failed(grades: list[LearnerGrade], top: int = 5) -> list[dict]:
    """The exercises most learners did not pass (failed or errored), with their most common
    hint, for the debrief."""
    misses: dict[tuple[str, str], list[str]] = {}
    for learner in grades:
        for g in learner.exercises:
            if g.status in (FAILED, ERRORED):
                misses.setdefault((g.lesson, g.exercise), []).append(g.hint or g.message)
    ranked = sorted(misses.items(), key=lambda item: -len(item[1]))[:top]
    return [
        {
            "lesson": lesson,
            "exercise": exercise,
            "learners": len(hints),
            "hint": Counter(hints).most_common(1)[0][0],
        }
        for (lesson, exercise), hints in ranked
    ]


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
