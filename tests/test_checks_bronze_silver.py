"""Exercise checks of lessons 1-3: the solution and valid alternatives pass; wrong answers fail
with their hint, never with an engine traceback."""

from __future__ import annotations

import pytest
from pyspark.sql import functions as F
from solution_code import solution

from lakehouse_kit import checks
from lakehouse_kit.checks import CheckFailed
from lakehouse_kit.spark import save_table


def fails_with_hint(check, *args, **kwargs) -> CheckFailed:
    with pytest.raises(CheckFailed) as failure:
        check(*args, **kwargs)
    assert failure.value.fix, "a failing check must say how to fix it"
    return failure.value


@pytest.fixture(scope="module")
def lesson2(spark):
    return solution("02", spark=spark)


def test_starters_with_a_missing_pokemon_fail(spark, course):
    wrong = spark.createDataFrame(
        [(1, "Bulbasaur", "grass")], "id INT, name STRING, primary_type STRING"
    )
    failure = fails_with_hint(checks.check_starters, wrong)
    assert "Charmander" in failure.fix


# ---------------------------------------------------------------- lesson 2: read_raw


def test_read_raw_and_an_alternative_pass(spark, course, lesson2):
    checks.check_raw_lines(lesson2["read_raw"](spark, "pokemon", 1), "pokemon", 1)
    # Another order of columns, another blank-line filter, another test for broken JSON.
    other = (
        spark.read.text(lesson2["landing_uri"](2, "pokemon"))
        .select(
            F.current_timestamp().alias("_ingested_at"),
            F.col("value").alias("raw"),
            F.lit(2).alias("_batch_id"),
            F.lit("landing/batch_002/pokemon.jsonl").alias("_source_file"),
        )
        .filter(F.length(F.trim("raw")) > 0)
        .withColumn("_is_malformed", F.get_json_object("raw", "$").isNull())
    )
    checks.check_raw_lines(other, "pokemon", 2)


def test_raw_lines_without_the_malformed_flag_fail(spark, course):
    raw = (
        spark.table("bronze.pokemon")
        .filter("_batch_id = 1")
        .withColumn("_is_malformed", F.lit(False))
    )
    failure = fails_with_hint(checks.check_raw_lines, raw, "pokemon", 1)
    assert "json_object_keys" in failure.fix


def test_raw_lines_flagged_by_their_first_character_fail(spark, course):
    # A truncated record starts with "{" too: the flag must mean "not a JSON object".
    raw = (
        spark.table("bronze.pokemon")
        .filter("_batch_id = 1")
        .withColumn("_is_malformed", ~F.col("raw").startswith("{"))
    )
    fails_with_hint(checks.check_raw_lines, raw, "pokemon", 1)


def test_raw_lines_that_drop_broken_lines_fail(spark, course):
    raw = spark.table("bronze.pokemon").filter("_batch_id = 1 AND NOT _is_malformed")
    fails_with_hint(checks.check_raw_lines, raw, "pokemon", 1)


def test_raw_lines_trimmed_or_of_the_wrong_batch_fail(spark, course):
    bronze = spark.table("bronze.pokemon").filter("_batch_id = 1")
    trimmed = bronze.withColumn("raw", F.regexp_replace("raw", " ", ""))
    assert "exactly" in fails_with_hint(checks.check_raw_lines, trimmed, "pokemon", 1).message
    batch_1 = (
        spark.table("bronze.pokemon").filter("_batch_id = 2").withColumn("_batch_id", F.lit(1))
    )
    assert "F.lit(batch)" in fails_with_hint(checks.check_raw_lines, batch_1, "pokemon", 2).fix


# ---------------------------------------------------------------- lesson 2: write_bronze


def test_the_real_bronze_and_write_bronze_pass(spark, course, lesson2, capsys):
    checks.check_bronze(spark, lesson2["write_bronze"])
    assert capsys.readouterr().out.count("✓") == 2


def _delete_then_append(raw, table, batch):
    """Valid too: delete the batch's rows, then append them (a new table is simply written)."""
    from lakehouse_kit.catalog import table_exists

    if not table_exists(table):
        return save_table(raw, table)
    raw.sparkSession.sql(f"DELETE FROM {table} WHERE _batch_id = {batch}")
    return save_table(raw, table, mode="append")


@pytest.mark.parametrize(
    "write",
    [
        lambda raw, table, batch: save_table(
            raw, table, mode="overwrite", replaceWhere=f"_batch_id = {batch}"
        ),  # without partitions
        _delete_then_append,
    ],
)
def test_other_idempotent_writes_pass(spark, write):
    checks.check_write_bronze(write, spark)


def test_a_bronze_write_that_appends_fails(spark):
    failure = fails_with_hint(
        checks.check_write_bronze,
        lambda raw, table, batch: save_table(raw, table, mode="append"),
        spark,
    )
    assert "appended" in failure.message and "replaceWhere" in failure.fix


def test_a_bronze_write_that_overwrites_everything_fails(spark):
    failure = fails_with_hint(
        checks.check_write_bronze, lambda raw, table, batch: save_table(raw, table), spark
    )
    assert "removed batch 2" in failure.message


def test_scratch_tables_are_removed(spark):
    from lakehouse_kit.catalog import table_exists

    checks.check_write_bronze(lambda raw, table, batch: _delete_then_append(raw, table, batch))
    assert not table_exists("silver._check_bronze")
