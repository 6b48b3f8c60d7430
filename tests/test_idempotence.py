"""Re-running the course gives the same lakehouse: every solution in solutions/ runs a second
time on the session's built course (`built_course`), re-running lesson 03 once more in its
middle, and every table must hold the same rows as right after the first build (read at the
Delta version the build left), load-time columns aside.

Lessons are discovered from solutions/ at run time, so lessons added later are covered too.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd

from lakehouse_kit import course
from lakehouse_kit.catalog import discover_tables, table_uri
from lakehouse_kit.runner import solution_files

# When a row was loaded (`_ingested_at`, `_quarantined_at`, ...) differs on every run by design.
LOAD_TIME = re.compile(r"^_\w+_at$")


def _plain(value):
    """A comparable, hashable Python value: arrays and lists to tuples, maps to sorted pairs."""
    if isinstance(value, dict):
        return tuple(sorted((k, _plain(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple, np.ndarray)):
        return tuple(_plain(v) for v in value)
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def contents(spark, table: str, version: int | None = None) -> pd.DataFrame:
    """The table's rows (at `version`, or the latest) as pandas, load-time columns dropped, in
    a fixed order."""
    reader = spark.read.format("delta")
    if version is not None:
        reader = reader.option("versionAsOf", version)
    df = reader.load(table_uri(table))
    df = df.drop(*[c for c in df.columns if LOAD_TIME.match(c)])
    frame = df.toPandas()
    for column in frame.columns:
        if frame[column].dtype == object:
            frame[column] = frame[column].map(_plain)
    keys = (
        frame.apply(lambda row: repr(tuple(row)), axis=1)
        if len(frame)
        else pd.Series([], dtype=str)
    )
    return frame.iloc[np.argsort(keys.to_numpy(), kind="stable")].reset_index(drop=True)


def run_all(lessons: list[str], output) -> None:
    # A lesson run twice in one pass keeps both executed notebooks (run_lessons: repeat-N/).
    run = course.run_lessons([course.lesson_path(lesson) for lesson in lessons], output_dir=output)
    last = run.lessons[-1]
    assert run.ok, (
        f"{last.lesson} (step {len(run.lessons) - 1} of {lessons}) failed in {last.error}; see {last.output}"
    )


def test_running_the_course_twice_gives_the_same_tables(built_course, spark, tmp_path):
    lessons = [path.stem[:2] for path in solution_files()]
    assert lessons[:3] == ["01", "02", "03"], lessons
    again = list(lessons)
    again.insert((len(lessons) + 1) // 2, "03")  # 01 02 03 [03] 04 05 06, or 01 02 [03] 03
    built = built_course.versions
    expected = {t for lesson in lessons for t in course.PRODUCES.get(lesson, [])}
    assert expected <= set(built), sorted(expected - set(built))
    first = {table: contents(spark, table, version) for table, version in built.items()}
    assert all(len(frame) for frame in first.values()), {t: len(f) for t, f in first.items()}

    run_all(again, tmp_path / "again")

    assert set(built) <= set(discover_tables())
    for table, frame in first.items():
        second = contents(spark, table)
        assert list(second.columns) == list(frame.columns), table
        assert len(second) == len(frame), f"{table}: {len(frame)} rows, then {len(second)}"
        pd.testing.assert_frame_equal(second, frame, check_exact=True, obj=table)
