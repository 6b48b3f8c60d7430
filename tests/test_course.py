"""The course end to end: solutions pass, lessons stop at their first TODO, nothing drifts."""

from __future__ import annotations

import json

import jupytext
import nbformat
import pytest

from lakehouse_kit.course import PRODUCES
from lakehouse_kit.runner import LESSONS, SOLUTIONS, run_lesson, solution_files
from lakehouse_kit.tools import notebooks

LESSON_IDS = [p.stem for p in solution_files()]


def test_there_are_seven_lessons():
    assert [p.stem[:2] for p in solution_files()] == ["01", "02", "03", "04", "05", "06", "07"]


def test_lessons_and_ipynb_match_their_sources():
    assert notebooks.drift() == [], "run `nox -s build_lessons`"


@pytest.mark.parametrize("folder", [SOLUTIONS, LESSONS], ids=["solutions", "lessons"])
def test_every_py_matches_its_ipynb_without_outputs(folder):
    for py in sorted(folder.glob("[0-9][0-9]_*.py")):
        nb = nbformat.read(py.with_suffix(".ipynb"), as_version=4)
        assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), py
        assert notebooks.render(nb)[".py"] == py.read_text(encoding="utf-8"), py
        assert nb.metadata["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("lesson", LESSON_IDS)
def test_each_notebook_starts_with_what_you_build_and_parameters(lesson):
    nb = jupytext.read(SOLUTIONS / f"{lesson}.py")
    assert "What you will build" in nb.cells[0].source
    assert "parameters" in nb.cells[1].metadata.get("tags", [])
    assert any("solution" in c.metadata.get("tags", []) for c in nb.cells), "no exercise"


def test_generated_lessons_hide_every_solution():
    for py in sorted(LESSONS.glob("[0-9][0-9]_*.py")):
        nb = jupytext.read(py)
        exercises = [c for c in nb.cells if "solution" in c.metadata.get("tags", [])]
        assert exercises and all('NotImplementedError("TODO:' in c.source for c in exercises), py


def test_stub_keeps_signature_and_docstring():
    source = 'def f(x: int) -> int:\n    """Double x.\n\n    More.\n    """\n    y = 2 * x\n    return y\n'
    stub = notebooks.stub_source(source)
    assert stub.startswith('def f(x: int) -> int:\n    """Double x.')
    assert stub.rstrip().endswith('raise NotImplementedError("TODO: Double x")')
    assert "2 * x" not in stub


def test_solutions_run_in_order_and_build_every_layer(course):
    from lakehouse_kit.catalog import discover_tables

    assert [r.lesson for r in course.lessons] == LESSON_IDS
    tables = set(discover_tables())
    assert {t for group in PRODUCES.values() for t in group} <= tables


def test_the_course_reports_what_the_lakehouse_holds(course):
    summary = course.summary
    made = {table for tables in PRODUCES.values() for table in tables}
    assert made <= set(summary.tables) and all(summary.tables[t] > 0 for t in made)
    assert [suite.suite for suite in summary.suites] == ["pokemon_batch_1"]
    assert 0 < summary.suites[0].passed < summary.suites[0].expectations
    assert set(summary.quarantine) == {"bronze.pokemon", "bronze.moves"}


@pytest.mark.parametrize("lesson", LESSON_IDS)
def test_lesson_stops_at_its_first_todo(course, lesson, tmp_path):
    run = run_lesson(lesson, folder=LESSONS, output_dir=tmp_path)
    assert not run.ok
    assert "NotImplementedError" in run.error and "TODO" in run.error, run.error
    executed = nbformat.read(run.output, as_version=4)
    failing = next(
        i
        for i, c in enumerate(executed.cells)
        if any(o.get("output_type") == "error" for o in c.get("outputs", []))
    )
    first_todo = next(
        i for i, c in enumerate(executed.cells) if "solution" in c.metadata.get("tags", [])
    )
    assert failing >= first_todo, "a cell before the first exercise failed"


@pytest.mark.course  # `lakehouse run` executes a notebook
def test_a_failing_lesson_is_named_with_its_cell_and_run_exits_non_zero(
    lakehouse, tmp_path, monkeypatch, capsys
):
    from lakehouse_kit import cli, course

    broken = tmp_path / "01_broken.py"
    broken.write_text(
        '# %% [markdown]\n# # Broken\n\n# %% tags=["parameters"]\nx = 1\n\n'
        '# %%\nraise ValueError("the data is not there")\n',
        encoding="utf-8",
    )
    monkeypatch.setattr(course, "solution_files", lambda: [broken])
    exit_code = cli.main(["run"])
    out = capsys.readouterr().out
    assert exit_code == 1
    assert "01_broken failed in cell" in out and "ValueError: the data is not there" in out

    exit_code = cli.main(["run", "--json"])
    report = json.loads(capsys.readouterr().out)
    assert exit_code == 1 and not report["ok"] and report["summary"] is None
    assert "ValueError: the data is not there" in report["lessons"][0]["error"]


@pytest.mark.course  # `lakehouse run` executes a notebook
def test_run_json_gives_each_lesson_and_the_lakehouse(course, spark, tmp_path, monkeypatch, capsys):
    from lakehouse_kit import cli
    from lakehouse_kit import course as kit_course
    from lakehouse_kit.catalog import discover_tables

    tiny = tmp_path / "01_tiny.py"
    tiny.write_text("# %%\nprint('a lesson')\n", encoding="utf-8")
    monkeypatch.setattr(kit_course, "solution_files", lambda: [tiny])
    exit_code = cli.main(["run", "--json"])
    report = json.loads(capsys.readouterr().out)
    assert exit_code == 0 and report["ok"]
    assert [(run["lesson"], run["ok"]) for run in report["lessons"]] == [("01_tiny", True)]
    summary = report["summary"]  # counted by the course kernel, compared with this session's
    assert sorted(summary["tables"]) == discover_tables()
    for table in ("silver.pokemon", "gold.type_summary"):
        assert summary["tables"][table] == spark.table(table).count() > 0, table
    quarantined = spark.table("silver.quarantine").groupBy("source_table").count().collect()
    assert summary["quarantine"] == {row["source_table"]: row["count"] for row in quarantined}
