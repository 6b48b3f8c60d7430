"""Exercise checks of lessons 1-3: right answers pass, wrong answers fail with their hint."""

from __future__ import annotations

import pytest
from pyspark.sql import functions as F

from lakehouse_kit import checks
from lakehouse_kit.checks import CheckFailed


def fails_with_hint(check, *args, **kwargs) -> CheckFailed:
    with pytest.raises(CheckFailed) as failure:
        check(*args, **kwargs)
    assert failure.value.fix, "a failing check must say how to fix it"
    return failure.value


def test_starters_with_a_missing_pokemon_fail(spark, course):
    wrong = spark.createDataFrame(
        [(1, "Bulbasaur", "grass")], "id INT, name STRING, primary_type STRING"
    )
    failure = fails_with_hint(checks.check_starters, wrong)
    assert "Charmander" in failure.fix


def test_raw_lines_without_the_malformed_flag_fail(spark, course):
    raw = (
        spark.table("bronze.pokemon")
        .filter("_batch_id = 1")
        .withColumn("_is_malformed", F.lit(False))
    )
    failure = fails_with_hint(checks.check_raw_lines, raw, "pokemon", 1)
    assert "json_object_keys" in failure.fix


def test_raw_lines_that_drop_broken_lines_fail(spark, course):
    raw = spark.table("bronze.pokemon").filter("_batch_id = 1 AND NOT _is_malformed")
    fails_with_hint(checks.check_raw_lines, raw, "pokemon", 1)


def test_the_real_bronze_passes(spark, course, capsys):
    checks.check_bronze(spark)
    assert "✓" in capsys.readouterr().out


def test_deduplicate_that_keeps_everything_fails(spark, course):
    failure = fails_with_hint(
        checks.check_deduplicate, lambda rows: (rows, rows.limit(0)), spark=spark
    )
    assert "row_number" in failure.fix


def test_deduplicate_that_keeps_the_oldest_batch_fails(spark, course):
    from pyspark.sql import Window

    def oldest_first(rows):
        ranked = rows.withColumn(
            "r", F.row_number().over(Window.partitionBy("id").orderBy("_batch_id", "raw"))
        )
        return ranked.filter("r = 1").drop("r"), ranked.filter("r > 1").drop("r")

    failure = fails_with_hint(checks.check_deduplicate, oldest_first, spark=spark)
    assert "descending" in failure.fix


def test_silver_without_deduplication_fails_with_the_hint(spark, course):
    silver = spark.table("silver.pokemon").filter("_batch_id = 1")
    with_duplicates = silver.unionByName(silver.filter("id < 10"))
    failure = fails_with_hint(checks.check_silver, spark, silver_pokemon=with_duplicates)
    assert "duplicates" in failure.message and "De-duplicate" in failure.fix


def test_silver_that_loses_rows_fails(spark, course):
    fewer = spark.table("silver.pokemon").filter("_batch_id = 1 AND id > 5")
    failure = fails_with_hint(checks.check_silver, spark, silver_pokemon=fewer)
    assert "quarantine" in failure.fix


def test_parsed_pokemon_with_untidy_types_fail(spark, course):
    typed = (
        spark.table("silver.pokemon")
        .filter("_batch_id = 1")
        .withColumn("primary_type", F.upper("primary_type"))
    )
    failure = fails_with_hint(checks.check_parsed_pokemon, typed, 1)
    assert "capitals or spaces" in failure.message


def test_a_thin_suite_fails(spark, course):
    from lakehouse_kit.quality import gxe, new_suite

    thin = new_suite("thin", [gxe.ExpectColumnValuesToNotBeNull(column="id")])
    typed = spark.table("silver.pokemon")
    failure = fails_with_hint(checks.check_pokemon_rules, thin, typed)
    assert "six" in failure.fix
