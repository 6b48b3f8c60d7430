"""Lesson 6 replays the learner's own lessons 2-4 for batch 2 in its kernel (`replay`): solved
exercises run as written, unsolved ones from the solution (and it says which), a failing cell
is named with its fix."""

from __future__ import annotations

import json
import shutil

import pytest

from lakehouse_kit.errors import KitError
from lakehouse_kit.lesson_format import code_cells, unsolved
from lakehouse_kit.replay import replay
from lakehouse_kit.runner import LESSONS, SOLUTIONS, lesson_path


def exercises(folder) -> list[str]:
    return [
        source
        for path in sorted(folder.glob("0[2-6]_*.ipynb"))
        for source, tags in code_cells(path)
        if "solution" in tags
    ]


def test_every_generated_stub_counts_as_unsolved_and_every_solution_as_solved():
    assert exercises(LESSONS) and all(unsolved(source) for source in exercises(LESSONS))
    assert not any(unsolved(source) for source in exercises(SOLUTIONS))


def test_a_half_solved_cell_is_still_unsolved():
    source = 'def a():\n    return 1\n\n\ndef b():\n    """Doc."""\n    raise NotImplementedError("TODO: b")\n'
    assert unsolved(source)
    assert not unsolved("def a():\n    raise ValueError('a real error path')\n")


@pytest.mark.services
def test_unsolved_exercises_run_from_the_solution_and_solved_ones_as_written(course, spark):
    borrowed = replay("02", {"batch": 2}, folder=LESSONS)
    assert borrowed.borrowed == ["read_raw", "write_bronze"] and borrowed.own == []
    own = replay("02", {"batch": 2}, folder=SOLUTIONS)
    assert own.own == ["read_raw", "write_bronze"] and own.borrowed == []
    assert "✓ Bronze holds every landing line of batch(es) [2] exactly once" in own.output
    assert spark.table("bronze.pokemon").filter("_batch_id = 2").count() > 0


@pytest.mark.services
def test_a_wrong_answer_stops_the_replay_at_its_cell_with_the_checks_hint(course, tmp_path):
    notebook = tmp_path / lesson_path("02", LESSONS).with_suffix(".ipynb").name
    shutil.copy(lesson_path("02", LESSONS).with_suffix(".ipynb"), notebook)
    shutil.copy(lesson_path("02", LESSONS), tmp_path)  # the .py marks the folder as lessons
    content = json.loads(notebook.read_text())
    for cell in content["cells"]:
        if "def read_raw" in "".join(cell["source"]):
            cell["source"] = (
                "def read_raw(spark, name, batch):\n"
                "    return spark.read.text(landing_uri(batch, name))  # no metadata yet\n"
            )
    notebook.write_text(json.dumps(content))
    with pytest.raises(KitError) as failure:
        replay("02", {"batch": 2}, folder=tmp_path)
    message = str(failure.value)
    assert "02_bronze_landing.ipynb, code cell" in message and "batch=2" in message
    assert "lacks the columns" in message and "Then save 02_bronze_landing.ipynb" in message


@pytest.mark.services
def test_a_replay_lists_the_buckets_tables_once(course, monkeypatch):
    """Lesson 4's get_spark and catch_up both ask which tables there are: one listing answers."""
    from lakehouse_kit import catalog

    listings = []
    list_folders = catalog.list_folders

    def counted(prefix, *args):
        listings.append(prefix)
        return list_folders(prefix, *args)

    monkeypatch.setattr(catalog, "list_folders", counted)
    replay("04", {}, folder=SOLUTIONS)  # rewrites Gold from Silver, as lesson 6 does
    assert listings == ["bronze/", "silver/", "gold/"]


@pytest.mark.services
def test_the_one_listing_is_forgotten_when_tables_are_made_elsewhere(spark, lakehouse):
    """A table written after the listing (here straight to its files, as another kernel would)
    is found once `course.require` says so, and outside the block in any case."""
    from lakehouse_kit import catalog, storage

    table = "silver.replay_listing_probe"
    storage.delete_prefix("silver/replay_listing_probe/", lakehouse)
    try:
        with catalog.listed_once():
            assert table not in catalog.discover_tables()
            spark.range(1).write.format("delta").save(catalog.table_uri(table))
            assert table not in catalog.discover_tables()  # the one listing
            catalog.forget_listing()  # what course.require does after building tables
            assert table in catalog.discover_tables()
        assert table in catalog.discover_tables()
    finally:
        storage.delete_prefix("silver/replay_listing_probe/", lakehouse)
