"""The files `lakehouse grade` writes from its grades (`lakehouse_kit.grade`): a CSV (one row
per learner and exercise), a self-contained HTML grid (learners x exercises, every failure's
hint on hover and listed below), JUnit XML per learner (GitHub Classroom, any CI) and JSON."""

from __future__ import annotations

import csv
import html
import json
import xml.etree.ElementTree as ET
from pathlib import Path

from lakehouse_kit.grade import LearnerGrade, most_failed
from lakehouse_kit.grade_notebook import ERRORED, FAILED, NOT_ATTEMPTED, PASSED
from lakehouse_kit.lesson_format import lesson_prefix

_MARK = {PASSED: "✓", FAILED: "✗", NOT_ATTEMPTED: "–", ERRORED: "!"}
_COLOR = {PASSED: "#c8ecc8", FAILED: "#f6c4c4", NOT_ATTEMPTED: "#eeeeee", ERRORED: "#f8dd9c"}


def write_reports(grades: list[LearnerGrade], out: Path) -> dict[str, Path]:
    """Every report into `out`; returns them by kind."""
    paths = {
        "csv": write_csv(grades, out / "grades.csv"),
        "html": write_html(grades, out / "grades.html"),
        "json": write_json(grades, out / "grades.json"),
    }
    junit = out / "junit"
    junit.mkdir(exist_ok=True)
    for learner in grades:
        write_junit(learner, junit / f"{learner.learner}.xml")
    paths["junit"] = junit
    return paths


def write_csv(grades: list[LearnerGrade], path: Path) -> Path:
    with path.open("w", newline="", encoding="utf-8") as out:
        rows = csv.writer(out)
        rows.writerow(["learner", "lesson", "exercise", "status", "message", "hint"])
        for learner in grades:
            for g in learner.exercises:
                rows.writerow([learner.learner, g.lesson, g.exercise, g.status, g.message, g.hint])
    return path


def write_json(grades: list[LearnerGrade], path: Path) -> Path:
    report = {"learners": [g.to_json() for g in grades], "most_failed": most_failed(grades)}
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    return path


def write_junit(learner: LearnerGrade, path: Path) -> Path:
    """One test suite per lesson, one test case per exercise: a failed check is a failure, a
    cell that errored an error, an exercise not attempted a skipped test."""
    suites = ET.Element("testsuites", name=learner.learner, time=f"{learner.seconds:.1f}")
    for note in learner.lessons:
        cases = [g for g in learner.exercises if g.lesson == note.lesson]
        suite = ET.SubElement(
            suites,
            "testsuite",
            name=note.lesson,
            tests=str(len(cases)),
            failures=str(sum(g.status == FAILED for g in cases)),
            errors=str(sum(g.status == ERRORED for g in cases)),
            skipped=str(sum(g.status == NOT_ATTEMPTED for g in cases)),
            time=f"{note.seconds:.1f}",
        )
        for g in cases:
            case = ET.SubElement(suite, "testcase", classname=g.lesson, name=g.exercise)
            if g.status == FAILED:
                ET.SubElement(case, "failure", message=g.message).text = f"Fix: {g.hint}"
            elif g.status == ERRORED:
                ET.SubElement(case, "error", message=g.message)
            elif g.status == NOT_ATTEMPTED:
                ET.SubElement(case, "skipped", message=g.message or "not attempted")
    ET.ElementTree(suites).write(path, encoding="utf-8", xml_declaration=True)
    return path


def write_html(grades: list[LearnerGrade], path: Path) -> Path:
    path.write_text(grid_html(grades), encoding="utf-8")
    return path


def grid_html(grades: list[LearnerGrade]) -> str:
    """One page, no scripts, no outside files: the grid, then every failure's first hint."""
    columns = [(g.lesson, g.exercise) for g in grades[0].exercises] if grades else []
    notes: list[str] = []
    head = "".join(
        f'<th title="{_e(lesson)}">{_e(lesson_prefix(lesson))}<br>{_e(exercise)}</th>'
        for lesson, exercise in columns
    )
    rows = []
    for learner in grades:
        cells = []
        for g in learner.exercises:
            text = _detail(g)
            mark = _e(_MARK[g.status])
            if text:
                notes.append(f"{learner.learner} · {g.exercise}: {text}")
                mark += f"<sup>{len(notes)}</sup>"
            cells.append(
                f'<td class="{g.status.replace(" ", "-")}" data-status="{_e(g.status)}" '
                f'data-exercise="{_e(g.exercise)}" title="{_e(g.status + (": " + text if text else ""))}">'
                f"{mark}</td>"
            )
        score = f"{learner.count(PASSED)}/{len(learner.exercises)}"
        rows.append(
            f'<tr data-learner="{_e(learner.learner)}"><th>{_e(learner.learner)}</th>'
            f"{''.join(cells)}<td>{score}</td><td>{_e(_remarks(learner))}</td></tr>"
        )
    styles = "".join(
        f"td.{status.replace(' ', '-')}{{background:{color}}}" for status, color in _COLOR.items()
    )
    legend = " ".join(f"{_MARK[s]} {s}" for s in _MARK)
    listed = "".join(f"<li>{_e(note)}</li>" for note in notes)
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Grades</title>'
        "<style>body{font-family:sans-serif}table{border-collapse:collapse}"
        "td,th{border:1px solid #999;padding:4px 8px;text-align:center}"
        f"{styles}</style></head><body><h1>Grades</h1><p>{_e(legend)}; hover a cell for its "
        "hint.</p>"
        f'<table id="grades"><thead><tr><th>learner</th>{head}<th>passed</th><th>notes</th>'
        f"</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        f'<h2>Hints</h2><ol id="hints">{listed}</ol></body></html>'
    )


def _detail(g) -> str:
    """What a cell says on hover: a failure's hint (else its message), an error's cell."""
    if g.status == FAILED:
        return g.hint or g.message
    return g.message if g.status == ERRORED else ""


def _remarks(learner: LearnerGrade) -> str:
    built = sorted({lesson for note in learner.lessons for lesson in note.caught_up})
    remarks = [f"lessons {', '.join(built)} built from the solutions"] if built else []
    return "; ".join(remarks + ([learner.problem] if learner.problem else []))


def _e(text: str) -> str:
    return html.escape(str(text), quote=True)
