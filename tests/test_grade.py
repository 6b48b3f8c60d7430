"""`lakehouse grade` on a room built here from the solutions and the lessons, with known
mistakes: every exercise graded exactly as expected, the reports written, the HTML grid seen in
a headless browser (Debian's chromium; without it, read as HTML and the skip says so)."""

from __future__ import annotations

import csv
import json
import shutil
import xml.etree.ElementTree as ET
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import jupytext
import pytest

from lakehouse_kit import cli, grade, grade_notebook
from lakehouse_kit.runner import LESSONS, lesson_path


def grading(test):
    """A test that grades: each learner's own servers and kernel."""
    return pytest.mark.course(pytest.mark.services(test))


L1, L2 = lesson_path(1).stem, lesson_path(2).stem
TIMEOUT = 30  # seconds a cell may run: the infinite loop costs this once


def _solution(lesson: str, replace: tuple[str, str] | None = None):
    notebook = jupytext.read(lesson_path(lesson).with_suffix(".ipynb"))
    if replace:
        cell = next(c for c in notebook.cells if replace[0] in c.source)
        cell.source = cell.source.replace(*replace)
    return notebook


def _write(folder: Path, lesson: str, notebook, fmt: str = "ipynb") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    suffix = ".py" if fmt == "py:percent" else ".ipynb"
    jupytext.write(notebook, folder / f"{lesson}{suffix}", fmt=fmt)


SYNTAX_ERROR = ("batch: int) -> DataFrame:", "batch: int) -> DataFrame")  # read_raw's colon
INFINITE_LOOP = ("    return save_table(", "    while True:\n        pass\n    return save_table(")
DROPS_BROKEN_LINES = (  # read_raw's catalogued mistake: the malformed lines must stay, flagged
    '.withColumn("_is_malformed", ~one_json_object("raw"))\n    )',
    '.withColumn("_is_malformed", ~one_json_object("raw"))\n'
    '        .filter(~F.col("_is_malformed"))\n    )',
)


@pytest.fixture(scope="module")
def room(tmp_path_factory) -> Path:
    subs = tmp_path_factory.mktemp("submissions")
    for lesson in (L1, L2):
        _write(subs / "solved" / "lessons", lesson, _solution(lesson))
        _write(subs / "pyfiles" / "lessons", lesson, _solution(lesson), fmt="py:percent")
    shutil.copytree(LESSONS, subs / "half" / "lessons")  # as generated: every TODO left
    _write(subs / "syntax" / "lessons", L2, _solution(L2, SYNTAX_ERROR))  # lesson 1 not handed in
    _write(subs / "loop" / "lessons", L2, _solution(L2, INFINITE_LOOP))
    zipped = tmp_path_factory.mktemp("zipped")
    _write(zipped / "lessons", L1, _solution(L1))
    _write(zipped / "lessons", L2, _solution(L2, DROPS_BROKEN_LINES))
    with zipfile.ZipFile(subs / "zipped.zip", "w") as archive:
        for path in zipped.rglob("*.ipynb"):
            archive.write(path, path.relative_to(zipped))
    return subs


@pytest.fixture(scope="module")
def graded(room, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("grades")
    argv = ["grade", str(room), "--out", str(out), "--lessons", "1-2"]
    assert cli.main([*argv, "--jobs", "2", "--timeout", str(TIMEOUT)]) == 0
    return out


SOLVED = dict.fromkeys(
    ("s3a_options", "engine_conf", "write_starters", "read_raw", "write_bronze"), "passed"
)
NOT_SUBMITTED = dict.fromkeys(("s3a_options", "engine_conf", "write_starters"), "not attempted")
EXPECTED = {
    "half": dict.fromkeys(SOLVED, "not attempted"),
    "loop": {**NOT_SUBMITTED, "read_raw": "passed", "write_bronze": "errored"},
    "pyfiles": SOLVED,
    "solved": SOLVED,
    "syntax": {**NOT_SUBMITTED, "read_raw": "errored", "write_bronze": "errored"},
    "zipped": {**SOLVED, "read_raw": "failed", "write_bronze": "failed"},  # Bronze lacks them too
}


def _report(out: Path) -> dict:
    return json.loads((out / "grades.json").read_text())


def _by_exercise(learner: dict) -> dict[str, dict]:
    return {g["exercise"]: g for g in learner["exercises"]}


@grading
def test_every_exercise_is_graded_as_expected(graded):
    learners = {ln["learner"]: _by_exercise(ln) for ln in _report(graded)["learners"]}
    assert {
        name: {e: g["status"] for e, g in ex.items()} for name, ex in learners.items()
    } == EXPECTED
    assert "SyntaxError" in learners["syntax"]["read_raw"]["message"]
    assert "NameError" in learners["syntax"]["write_bronze"]["message"]
    assert learners["loop"]["write_bronze"]["message"].endswith(f"timed out after {TIMEOUT} s")
    assert "Keep them, flagged" in learners["zipped"]["read_raw"]["hint"]
    assert "dropped the 3 lines" in learners["zipped"]["write_bronze"]["message"]
    assert learners["syntax"]["s3a_options"]["message"] == "not submitted"


@grading
def test_the_reports_agree(graded):
    report = _report(graded)
    with (graded / "grades.csv").open(encoding="utf-8") as rows:
        statuses = {(r["learner"], r["exercise"]): r["status"] for r in csv.DictReader(rows)}
    assert statuses == {(n, e): s for n, ex in EXPECTED.items() for e, s in ex.items()}
    loop = ET.parse(graded / "junit" / "loop.xml").getroot()
    bronze = loop.find(f"testsuite[@name='{L2}']")
    assert (bronze.get("tests"), bronze.get("errors"), bronze.get("failures")) == ("2", "1", "0")
    assert bronze.find("testcase[@name='write_bronze']/error") is not None
    assert loop.find(f"testsuite[@name='{L1}']").get("skipped") == "3"
    missed = {(m["exercise"], m["learners"]) for m in report["most_failed"]}
    assert {("read_raw", 2), ("write_bronze", 3)} <= missed


class _Cells(HTMLParser):
    def __init__(self):
        super().__init__()
        self.cells: list[dict] = []

    def handle_starttag(self, tag, attrs):
        if tag == "td" and "data-status" in dict(attrs):
            self.cells.append(dict(attrs))


def _grid_cells(out: Path) -> list[dict]:
    """(learner-less) cells of the HTML grid, row by row: from chromium when it is here."""
    page = (out / "grades.html").resolve()
    if not shutil.which("chromium"):
        parser = _Cells()
        parser.feed(page.read_text(encoding="utf-8"))
        return parser.cells
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=shutil.which("chromium"))
        tab = browser.new_page()
        tab.goto(page.as_uri())
        cells = tab.eval_on_selector_all(
            "#grades td[data-status]",
            """cells => cells.map(c => ({"data-status": c.dataset.status,
                "data-exercise": c.dataset.exercise, "title": c.title,
                "visible": c.getBoundingClientRect().width > 0}))""",
        )
        hints = tab.inner_text("#hints")
        browser.close()
    assert all(cell["visible"] for cell in cells)
    assert "Keep them, flagged" in hints and f"timed out after {TIMEOUT} s" in hints
    return cells


@grading
def test_the_html_grid_shows_every_cell_and_its_hint(graded):
    cells = _grid_cells(graded)
    expected = [(e, s) for _, ex in sorted(EXPECTED.items()) for e, s in ex.items()]
    assert [(c["data-exercise"], c["data-status"]) for c in cells] == expected
    zipped_read_raw = cells[5 * len(SOLVED) + 3]  # the sixth learner by name, its fourth exercise
    assert "Keep them, flagged" in zipped_read_raw["title"]


@grading
def test_a_failed_lesson_lets_the_next_be_graded_from_the_solutions(room, tmp_path):
    """Lesson 2 left undone: lesson 3 builds Bronze from the solution, is graded, says so."""
    only_half = tmp_path / "room"
    shutil.copytree(room / "half", only_half / "half")
    lessons = grade.lesson_names(grade.parse_lessons("2-3"))
    [half] = grade.grade(only_half, tmp_path / "out", lessons, timeout=120)
    assert [note.caught_up for note in half.lessons] == [[], ["02"]]
    assert {g.status for g in half.exercises} == {"not attempted"}
    assert [g.exercise for g in half.exercises] == [
        "read_raw",
        "write_bronze",
        "deduplicate",
        "parse_pokemon",
        "pokemon_rules",
    ]


def test_lessons_and_submissions_are_read_as_given(tmp_path):
    assert grade.parse_lessons("1-3,5") == [1, 2, 3, 5]
    with pytest.raises(grade.KitError, match="Cannot read lessons"):
        grade.parse_lessons("one")
    (tmp_path / "ann").mkdir()
    (tmp_path / "bob.zip").write_bytes(b"")
    (tmp_path / "notes.txt").write_text("not a submission")
    assert list(grade.submissions(tmp_path)) == ["ann", "bob"]


def test_the_exercises_graded_are_the_catalogue_s():
    from catalogue import EXERCISES

    lessons = grade.lesson_names(grade.parse_lessons("1-7"))
    assert [e for lesson in lessons for e in grade_notebook.exercises(lesson)] == list(EXERCISES)


def test_progress_json_gives_a_learner_the_same_kind_of_data(lakehouse, capsys):
    assert cli.main(["progress", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows and all(set(row) == {"lesson", "exercise", "passes", "hint"} for row in rows)
    assert all(row["hint"] for row in rows if not row["passes"])
