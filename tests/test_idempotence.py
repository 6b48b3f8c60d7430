"""Re-running the course gives the same lakehouse: every solution in solutions/ runs twice (the
second pass re-runs lesson 03 once more in its middle) and every table must hold the same rows
after both passes, load-time columns aside.

Lessons are discovered from solutions/ at run time, so lessons added later are covered too.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest

from lakehouse_kit import course, services
from lakehouse_kit.catalog import discover_tables, table_uri
from lakehouse_kit.runner import solution_files
from lakehouse_kit.settings import load_settings

pytestmark = [pytest.mark.course, pytest.mark.services]

# When a row was loaded (`_ingested_at`, `_quarantined_at`, ...) differs on every run by design.
LOAD_TIME = re.compile(r"^_\w+_at$")


@pytest.fixture
def home(monkeypatch, tmp_path):
    monkeypatch.setenv("LAKEHOUSE_HOME", str(tmp_path / "lh"))
    monkeypatch.setenv("LAKEHOUSE_PROFILE", "local")
    monkeypatch.delenv("LAKEHOUSE_LANDING_DIR", raising=False)
    services.start_services(load_settings())
    yield tmp_path
    services.stop_services(load_settings())


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


def contents(spark, table: str, settings) -> pd.DataFrame:
    """The table's rows as pandas, load-time columns dropped, in a fixed order."""
    df = spark.read.format("delta").load(table_uri(table, settings))
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


def snapshot() -> dict[str, pd.DataFrame]:
    from lakehouse_kit.spark import get_spark

    settings = load_settings()
    spark = get_spark()
    return {table: contents(spark, table, settings) for table in discover_tables(settings)}


def run_all(lessons: list[str], output) -> None:
    # A lesson run twice in one pass keeps both executed notebooks (run_lessons: repeat-N/).
    run = course.run_lessons([course.lesson_path(lesson) for lesson in lessons], output_dir=output)
    last = run.lessons[-1]
    assert run.ok, (
        f"{last.lesson} (step {len(run.lessons) - 1} of {lessons}) failed in {last.error}; see {last.output}"
    )


def test_running_the_course_twice_gives_the_same_tables(home):
    lessons = [path.stem[:2] for path in solution_files()]
    assert lessons[:3] == ["01", "02", "03"], lessons
    second = list(lessons)
    second.insert((len(lessons) + 1) // 2, "03")  # 01 02 03 [03] 04 05 06, or 01 02 [03] 03

    run_all(lessons, home / "pass1")
    first_tables = snapshot()
    expected = {t for lesson in lessons for t in course.PRODUCES.get(lesson, [])}
    assert expected <= set(first_tables), sorted(expected - set(first_tables))
    assert all(len(frame) for frame in first_tables.values()), {
        t: len(f) for t, f in first_tables.items()
    }

    run_all(second, home / "pass2")
    second_tables = snapshot()

    assert sorted(second_tables) == sorted(first_tables)
    for table, frame in first_tables.items():
        again = second_tables[table]
        assert list(again.columns) == list(frame.columns), table
        assert len(again) == len(frame), f"{table}: {len(frame)} rows, then {len(again)}"
        pd.testing.assert_frame_equal(again, frame, check_exact=True, obj=table)
