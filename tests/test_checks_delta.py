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


# ---------------------------------------------------------------- upsert on scratch tables


def _explicit_merge(spark, target, source, key="id"):
    """The same MERGE with the columns spelled out, the statement opening with a comment."""
    columns = spark.table(source).columns
    spark.sql(
        f"""-- upsert the batch
        MERGE INTO {target} AS t USING (SELECT * FROM {source}) AS s ON t.{key} = s.{key}
        WHEN MATCHED THEN UPDATE SET {", ".join(f"t.{c} = s.{c}" for c in columns)}
        WHEN NOT MATCHED THEN INSERT ({", ".join(columns)}) VALUES ({", ".join(f"s.{c}" for c in columns)})"""
    )


def _delete_then_insert(spark, target, source, key="id"):
    """Two commits instead of one, but the same table after any number of runs. (The ids are
    listed: the embedded engine runs no subquery in a DELETE.)"""
    keys = ", ".join(str(r[key]) for r in spark.table(source).select(key).collect())
    spark.sql(f"DELETE FROM {target} WHERE {key} IN ({keys})")
    spark.sql(f"INSERT INTO {target} SELECT * FROM {source}")


def _statement(body: str):
    def upsert(spark, target, source, key="id"):
        spark.sql(body.format(target=target, source=source, key=key))

    return upsert


MERGE = "MERGE INTO {target} t USING {source} s ON t.{key} = s.{key} "


def test_upsert_solution_and_alternatives_pass(spark):
    from solution_code import solution

    checks.check_upsert(solution("06", spark=spark)["upsert"], spark)
    checks.check_upsert(_explicit_merge, spark)
    checks.check_upsert(_delete_then_insert, spark)


@pytest.mark.parametrize(
    "body, words",
    [
        ("INSERT INTO {target} SELECT * FROM {source}", "added the batch again"),
        ("INSERT OVERWRITE {target} SELECT * FROM {source}", "replaced the table"),
        (MERGE + "WHEN NOT MATCHED THEN INSERT *", "UPDATE SET"),
        (MERGE + "WHEN MATCHED THEN UPDATE SET *", "NOT MATCHED"),
        (MERGE + "WHEN MATCHED THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT * WHEN", "MERGE"),
    ],
)
def test_wrong_upserts_fail_with_a_hint(spark, body, words):
    error = failure(checks.check_upsert, _statement(body), spark)
    assert words in error.message + error.fix


def test_the_lesson_merge_check_runs_upsert(staged, capsys):
    save_table(staged.createDataFrame(BATCH_1, SCHEMA), "gold.merge_target")
    merge(staged)
    checks.check_merge(
        staged,
        _delete_then_insert,
        tables={"pokemon": staged.table("gold.merge_target")},
        expected={"pokemon": 3},
        updates=UPDATES,
    )
    assert capsys.readouterr().out.count("✓") == 2


# ---------------------------------------------------------------- as_of


@pytest.fixture(scope="module")
def versions(spark):
    """A table with two versions: 0 holds BATCH_1, 1 holds CHANGES."""
    table = "gold.as_of_demo"
    save_table(spark.createDataFrame(BATCH_1, SCHEMA), table)
    save_table(spark.createDataFrame(CHANGES, SCHEMA), table)
    return table


def _read_version(spark, table, version):
    from lakehouse_kit.catalog import table_uri

    return spark.read.format("delta").option("versionAsOf", version).load(table_uri(table))


def test_as_of_solution_and_alternatives_pass(spark, versions):
    from solution_code import solution

    checks.check_as_of(solution("06", spark=spark)["as_of"], spark, versions, 0)
    checks.check_as_of(_read_version, spark, versions, 0)
    checks.check_as_of(
        lambda spark, table, v: spark.sql(
            f"-- time travel\nSELECT * FROM {table} VERSION AS OF {v}"
        ),
        spark,
        versions,
        1,
    )


@pytest.mark.parametrize(
    "as_of",
    [
        lambda spark, table, version: spark.table(table),  # the current version
        lambda spark, table, version: _read_version(spark, table, version + 1),
        lambda spark, table, version: _read_version(spark, table, version + 7),  # no such version
    ],
)
def test_wrong_as_of_fails_with_a_hint(spark, versions, as_of):
    assert "VERSION AS OF" in failure(checks.check_as_of, as_of, spark, versions, 0).fix


# ---------------------------------------------------------------- add_constraint


def test_other_valid_add_constraints_pass(spark):
    table = "gold.constraint_alternatives"
    save_table(spark.createDataFrame([(1, 45)], "id INT, hp INT"), table)
    spark.sql(f"ALTER TABLE {table} ADD CONSTRAINT hp_in_range CHECK (hp BETWEEN 1 AND 255)")

    def tolerant(spark, table, name, condition):
        try:
            spark.sql(f"ALTER TABLE {table} ADD CONSTRAINT {name} CHECK ({condition})")
        except Exception as error:  # already there
            if name not in str(error) and "exists" not in str(error).lower():
                raise

    def with_the_lesson_helper(spark, table, name, condition):
        if name in delta_ops.constraints(table):
            return
        spark.sql(f"ALTER TABLE {table} ADD CONSTRAINT {name} CHECK ({condition})")

    for add in (tolerant, with_the_lesson_helper):
        checks.check_constraint(add, spark=spark, table=table)


@pytest.mark.parametrize(
    "add, words",
    [
        (lambda spark, table, name, condition: None, "left the constraints {}"),
        (
            lambda spark, table, name, condition: (
                None
                if "hp_in_range" in delta_ops.constraints(table)
                else spark.sql(
                    f"ALTER TABLE {table} ADD CONSTRAINT hp_in_range CHECK (weight_kg > 0)"
                )
            ),
            "hp_in_range",
        ),  # the lesson's name typed in
        (
            lambda spark, table, name, condition: spark.sql(
                f"ALTER TABLE {table} ADD CONSTRAINT {name} CHECK ({condition} AND)"
            ),
            "ALTER TABLE",
        ),  # an engine error on the first call
    ],
)
def test_wrong_add_constraints_fail_with_a_hint(spark, add, words):
    table = "gold.constraint_wrong"
    save_table(spark.createDataFrame([(1, 45)], "id INT, hp INT"), table)
    if "hp_in_range" not in delta_ops.constraints(table):  # an overwrite keeps constraints
        spark.sql(f"ALTER TABLE {table} ADD CONSTRAINT hp_in_range CHECK (hp BETWEEN 1 AND 255)")
    error = failure(checks.check_constraint, add, spark=spark, table=table)
    assert words in error.message + error.fix
