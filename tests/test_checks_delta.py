"""Lesson 6 checks: wrong answers fail with a hint, right answers pass (tiny tables, real engine)."""

from __future__ import annotations

import pandas as pd
import pytest

from lakehouse_kit import checks, delta_ops
from lakehouse_kit.checks import CheckFailed
from lakehouse_kit.spark import save_table

UPDATES = [
    {"id": 1, "field": "stats.hp", "old": 10, "new": 20},
    {"id": 2, "field": "weight", "old": 50, "new": 65},
]
SCHEMA = "id INT, name STRING, hp INT, weight_kg DOUBLE"
BATCH_1 = [(1, "a", 10, 5.0), (2, "b", 30, 5.0)]
CHANGES = [(1, "a", 20, 5.0), (2, "b", 30, 6.5), (3, "c", 40, 1.0)]


def failure(check, *args, **kwargs) -> CheckFailed:
    with pytest.raises(CheckFailed) as caught:
        check(*args, **kwargs)
    assert caught.value.fix, "every failed check must carry a hint"
    return caught.value


@pytest.fixture(scope="module")
def staged(spark):
    """A tiny target (batch 1) and source (its changes) as real Delta tables."""
    save_table(spark.createDataFrame(BATCH_1, SCHEMA), "gold.merge_target")
    save_table(spark.createDataFrame(CHANGES, SCHEMA), "gold.merge_source")
    return spark


def merge(spark, matched: bool = True) -> None:
    update = "WHEN MATCHED THEN UPDATE SET * " if matched else ""
    spark.sql(
        f"MERGE INTO gold.merge_target AS t USING gold.merge_source AS s ON t.id = s.id "
        f"{update}WHEN NOT MATCHED THEN INSERT *"
    )


def check_tiny_merge(spark) -> None:
    checks.check_merge(
        tables={"pokemon": spark.table("gold.merge_target")},
        expected={"pokemon": 3},
        updates=UPDATES,
    )


def test_silver_change_converts_units():
    assert checks.silver_change({"field": "stats.special-attack", "old": 40, "new": 50}) == (
        "special_attack",
        40,
        50,
    )
    assert checks.silver_change({"field": "weight", "old": 25, "new": 22}) == (
        "weight_kg",
        2.5,
        2.2,
    )


def test_merge_done_as_append_fails(staged):
    save_table(staged.createDataFrame(BATCH_1, SCHEMA), "gold.merge_target")
    save_table(staged.table("gold.merge_source"), "gold.merge_target", mode="append")
    error = failure(check_tiny_merge, staged)
    assert "appended" in error.message and "MERGE" in error.fix


def test_merge_without_inserts_fails(spark):
    df = spark.createDataFrame([(1, "a", 20, 5.0), (2, "b", 30, 6.5)], SCHEMA)
    error = failure(
        checks.check_merge, tables={"pokemon": df}, expected={"pokemon": 3}, updates=UPDATES
    )
    assert "INSERT" in error.fix


def test_merge_that_skips_updates_fails(staged):
    save_table(staged.createDataFrame(BATCH_1, SCHEMA), "gold.merge_target")
    merge(staged, matched=False)
    error = failure(check_tiny_merge, staged)
    assert "[1, 2]" in error.message and "UPDATE" in error.fix


def test_real_merge_passes_and_rerun_is_harmless(staged):
    save_table(staged.createDataFrame(BATCH_1, SCHEMA), "gold.merge_target")
    merge(staged)
    check_tiny_merge(staged)
    merge(staged)
    check_tiny_merge(staged)


def diff(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["id", "name", "field", "before", "after"])


def test_version_diff():
    right = diff([(1, "a", "hp", 10, 20), (2, "b", "weight_kg", 5.0, 6.5)])
    checks.check_version_diff(right, updates=UPDATES)
    assert "VERSION AS OF" in failure(checks.check_version_diff, diff([]), updates=UPDATES).fix
    assert "missing" in failure(checks.check_version_diff, right.iloc[:1], updates=UPDATES).message
    extra = pd.concat([right, diff([(3, "c", "hp", 1, 2)])])
    assert "did not make" in failure(checks.check_version_diff, extra, updates=UPDATES).message


def test_constraint_must_be_added_once(spark):
    table = "gold.constraint_demo"
    save_table(spark.createDataFrame([(1, 45)], "id INT, hp INT"), table)
    args = dict(spark=spark, table=table, name="hp_in_range", condition="hp BETWEEN 1 AND 255")

    assert "ALTER TABLE" in failure(checks.check_constraint, **args).fix  # nothing added yet

    def always_alter(spark, table, name, condition):
        spark.sql(f"ALTER TABLE {table} ADD CONSTRAINT {name} CHECK ({condition})")

    always_alter(spark, table, "hp_in_range", "hp BETWEEN 1 AND 255")
    assert "delta_ops.constraints" in failure(checks.check_constraint, always_alter, **args).fix

    def add_once(spark, table, name, condition):
        if name not in delta_ops.constraints(table):
            always_alter(spark, table, name, condition)

    checks.check_constraint(add_once, **args)
    assert delta_ops.constraints(table) == {"hp_in_range": "hp BETWEEN 1 AND 255"}
    with pytest.raises(Exception, match="hp_in_range"):
        save_table(spark.createDataFrame([(2, 0)], "id INT, hp INT"), table, mode="append")
    assert spark.table(table).count() == 1
