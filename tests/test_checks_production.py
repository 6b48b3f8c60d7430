"""Lesson 7 checks: right answers in any reasonable shape pass, wrong ones fail with a hint."""

from __future__ import annotations

import pandas as pd
import pytest
from pyspark.sql import Window
from pyspark.sql import functions as F

from lakehouse_kit import checks
from lakehouse_kit.checks import CheckFailed
from lakehouse_kit.checks.lesson7 import extra_fields
from lakehouse_kit.spark import save_table


def failure(check, *args, **kwargs) -> CheckFailed:
    with pytest.raises(CheckFailed) as caught:
        check(*args, **kwargs)
    assert caught.value.fix, "every failed check must carry a hint"
    return caught.value


# --- Exercise 1: unexpected fields (no servers: the answer is handed in) ---------------------


def test_the_landing_data_has_three_nicknames():
    assert extra_fields({1, 2}) == {"nickname": 3}
    assert sum(extra_fields({1}).values()) == 2  # one is in batch 2 (a Generation 9 Pokémon)


@pytest.mark.parametrize(
    "answer",
    [
        pd.DataFrame({"field": ["nickname"], "lines": [3]}),
        pd.DataFrame({"name": ["nickname"], "count": [3]}),  # other column names
        pd.DataFrame({"field": ["nickname"]}),  # names only
        {"nickname": 3},
        ["nickname"],
    ],
)
def test_unexpected_fields_in_any_shape_pass(answer):
    checks.check_unexpected_fields(answer, batches={1, 2})


def test_unexpected_fields_that_miss_the_nickname_fail():
    error = failure(checks.check_unexpected_fields, [], batches={1, 2})
    assert "nickname" in error.message and "json_object_keys" in error.fix


def test_unexpected_fields_that_list_known_ones_fail():
    error = failure(checks.check_unexpected_fields, ["nickname", "stats"], batches={1, 2})
    assert "stats" in error.message and "isin" in error.fix


def test_unexpected_fields_with_wrong_counts_fail():
    error = failure(checks.check_unexpected_fields, {"nickname": 1}, batches={1, 2})
    assert "counts" in error.message


# --- Exercise 2: upsert_newer (real Delta tables) ---------------------------------------------


def merge(spark, target, view, condition=""):
    spark.sql(
        f"MERGE INTO {target} AS t USING {view} AS s ON t.id = s.id "
        f"WHEN MATCHED {condition} THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *"
    )


def newest(source, ascending=False):
    version = F.col("_batch_id").asc() if ascending else F.col("_batch_id").desc()
    ranked = source.withColumn("_n", F.row_number().over(Window.partitionBy("id").orderBy(version)))
    return ranked.filter("_n = 1").drop("_n")


def right(spark, target, source, key="id", version="_batch_id"):
    newest(source).createOrReplaceTempView("src")
    merge(spark, target, "src", "AND s._batch_id > t._batch_id")


def right_with_group_by(spark, target, source, key="id", version="_batch_id"):
    """Another valid way: the newest version per key by aggregation, then a join."""
    latest = source.groupBy("id").agg(F.max("_batch_id").alias("_batch_id"))
    source.join(latest, ["id", "_batch_id"]).createOrReplaceTempView("src")
    merge(spark, target, "src", "AND s._batch_id >= t._batch_id")


def unconditional(spark, target, source, key="id", version="_batch_id"):
    newest(source).createOrReplaceTempView("src")
    merge(spark, target, "src")


def no_dedup(spark, target, source, key="id", version="_batch_id"):
    source.createOrReplaceTempView("src")
    merge(spark, target, "src", "AND s._batch_id > t._batch_id")


def oldest_first(spark, target, source, key="id", version="_batch_id"):
    newest(source, ascending=True).createOrReplaceTempView("src")
    merge(spark, target, "src", "AND s._batch_id > t._batch_id")


def no_insert(spark, target, source, key="id", version="_batch_id"):
    newest(source).createOrReplaceTempView("src")
    spark.sql(
        f"MERGE INTO {target} AS t USING src AS s ON t.id = s.id "
        "WHEN MATCHED AND s._batch_id > t._batch_id THEN UPDATE SET *"
    )


@pytest.mark.parametrize("answer", [right, right_with_group_by])
def test_upsert_newer_passes(spark, answer):
    checks.check_upsert_newer(answer, spark=spark)


@pytest.mark.parametrize(
    ("answer", "problem", "hint"),
    [
        (unconditional, "older source row overwrote", "s._batch_id > t._batch_id"),
        (no_dedup, "MERGE failed", "one row per key"),
        (oldest_first, "not its newest", "descending"),
        (no_insert, "Key 3", "INSERT"),
    ],
)
def test_wrong_upserts_fail_with_their_hint(spark, answer, problem, hint):
    error = failure(checks.check_upsert_newer, answer, spark=spark)
    assert problem in error.message and hint in error.fix


# --- the sandbox table ------------------------------------------------------------------------


def test_an_unpartitioned_sandbox_fails(spark):
    table = "silver.sandbox_demo"
    rows = spark.createDataFrame([(1, 1, None)], "id INT, generation INT, nickname STRING")
    save_table(rows, table)
    assert "PARTITIONED BY" in failure(checks.check_sandbox, spark=spark, table=table).fix
    save_table(rows, table, partition_by=["generation"])
    assert "mergeSchema" in failure(checks.check_sandbox, spark=spark, table=table).fix
