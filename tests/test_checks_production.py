"""Lesson 7 checks: right answers in any reasonable shape pass, wrong ones fail with a hint."""

from __future__ import annotations

import pandas as pd
import pytest
from catalogue import alternative, fails_with_hint, mistake, valid, wrong
from pyspark.sql import Window
from pyspark.sql import functions as F

from lakehouse_kit import checks, delta_ops
from lakehouse_kit.checks.lesson7 import POKEMON_FIELDS, extra_fields
from lakehouse_kit.checks.lesson7_merge import NEWER_CASES
from lakehouse_kit.checks.lesson7_rename import RENAME_SCHEMA
from lakehouse_kit.spark import save_table

# --- Exercise 1: unexpected fields -------------------------------------------------------------


def test_the_landing_data_has_three_nicknames():
    assert extra_fields({1, 2}) == {"nickname": 3}
    assert sum(extra_fields({1}).values()) == 2  # one is in batch 2 (a Generation 9 Pokémon)


def test_the_check_expects_what_the_lesson_parses():
    from solution_code import solution

    assert solution("07")["POKEMON_FIELDS"] == POKEMON_FIELDS


@pytest.fixture(scope="module")
def bronze(spark):
    """A Bronze table of the landing's shape: three nicknames, one on a malformed-looking line
    that is well-formed, a line flagged malformed that carries a field of its own."""
    lines = [
        ('{"id": 1, "name": "a", "nickname": "A"}', False),
        ('{"id": 2, "name": "b", "nickname": "B", "types": []}', False),
        ('{"id": 3, "name": "c", "stats": [], "nickname": "C"}', False),
        ('{"id": 4, "name": "d", "secret": 1}', True),
        ('{"id": 5, "name": ', True),
    ]
    rows = [(raw, 1, "batch_001/pokemon.jsonl", None, bad) for raw, bad in lines]
    schema = "raw STRING, _batch_id INT, _source_file STRING, _ingested_at TIMESTAMP, _is_malformed BOOLEAN"
    return spark.createDataFrame(rows, schema)


def solution_fields():
    from solution_code import solution

    return solution("07")["unexpected_fields"]


def test_unexpected_fields_solution_passes(spark, bronze):
    function = solution_fields()
    found = function(bronze, POKEMON_FIELDS)
    checks.check_unexpected_fields(found, spark, function, bronze=bronze)


@alternative("unexpected_fields")
def in_sql(bronze, expected):
    bronze.createOrReplaceTempView("bronze_lines")
    names = ", ".join(f"'{name}'" for name in expected)
    return bronze.sparkSession.sql(
        f"""SELECT field, count(*) AS lines
        FROM (SELECT explode(json_object_keys(raw)) AS field FROM bronze_lines WHERE NOT _is_malformed)
        WHERE field NOT IN ({names}) GROUP BY field"""
    )


@alternative("unexpected_fields")
def with_array_except(bronze, expected):
    known = F.array(*map(F.lit, expected)).cast("array<string>")  # Sail: nullable elements
    keys = F.array_except(F.json_object_keys("raw"), known)
    names = bronze.where("NOT _is_malformed").select(F.explode(keys).alias("field"))
    return names.groupBy("field").count().withColumnRenamed("count", "lines")


@alternative("unexpected_fields")
def as_pandas(bronze, expected):
    """Another shape: pandas, other column names."""
    names = bronze.filter(~F.col("_is_malformed")).select(F.explode(F.json_object_keys("raw")))
    counts = names.filter(~F.col("col").isin(expected)).groupBy("col").count().toPandas()
    return counts.rename(columns={"col": "name"})


@alternative("unexpected_fields")
def as_a_dict(bronze, expected):
    names = bronze.filter(~F.col("_is_malformed")).select(F.explode(F.json_object_keys("raw")))
    rows = names.filter(~F.col("col").isin(expected)).groupBy("col").count().collect()
    return {row["col"]: row["count"] for row in rows}


def _exploded(bronze, keep_malformed=False):
    lines = bronze if keep_malformed else bronze.filter(~F.col("_is_malformed"))
    return lines.select(F.explode(F.json_object_keys("raw")).alias("field"))


@mistake("unexpected_fields", hint="without the number of lines")
def names_only(bronze, expected):
    return _exploded(bronze).filter(~F.col("field").isin(expected)).select("field").distinct()


@mistake("unexpected_fields", hint="NOT in `expected`")
def every_field(bronze, expected):
    return _exploded(bronze).groupBy("field").agg(F.count("*").alias("lines"))


@mistake("unexpected_fields", hint="fields `expected` names")
def the_expected_ones(bronze, expected):
    named = _exploded(bronze).filter(F.col("field").isin(expected))
    return named.groupBy("field").agg(F.count("*").alias("lines"))


@mistake("unexpected_fields", hint="ignores its `expected` argument")
def the_lesson_list_typed_in(bronze, expected):
    names = _exploded(bronze).filter(~F.col("field").isin(POKEMON_FIELDS))
    return names.groupBy("field").agg(F.count("*").alias("lines"))


@mistake("unexpected_fields", hint="flagged _is_malformed")
def malformed_lines_too(bronze, expected):
    names = _exploded(bronze, keep_malformed=True).filter(~F.col("field").isin(expected))
    return names.groupBy("field").agg(F.count("*").alias("lines"))


@mistake("unexpected_fields", hint="more than once")
def counted_per_batch(bronze, expected):
    lines = bronze.filter(~F.col("_is_malformed"))
    names = lines.select("_batch_id", F.explode(F.json_object_keys("raw")).alias("field"))
    counts = names.filter(~F.col("field").isin(expected)).groupBy("_batch_id", "field").count()
    return counts.select("field", F.col("count").alias("lines"))


@mistake("unexpected_fields", hint="Count one row per (line, field)")
def distinct_names_counted(bronze, expected):
    names = _exploded(bronze).filter(~F.col("field").isin(expected))
    return names.groupBy("field").agg(F.countDistinct("field").alias("lines"))


@pytest.mark.parametrize("answer", valid("unexpected_fields"), ids=str)
def test_valid_unexpected_fields_pass(spark, bronze, answer):
    found = answer.function(bronze, POKEMON_FIELDS)
    checks.check_unexpected_fields(found, spark, answer.function, bronze=bronze)


@pytest.mark.parametrize("answer", wrong("unexpected_fields"), ids=str)
def test_wrong_unexpected_fields_fail_with_their_hint(spark, bronze, answer):
    found = answer.function(bronze, POKEMON_FIELDS)
    error = fails_with_hint(
        checks.check_unexpected_fields, found, spark, answer.function, bronze=bronze
    )
    assert answer.hint in error.message + error.fix


@pytest.mark.parametrize(
    ("found", "hint"),
    [
        ({"nickname": 3}, None),
        (pd.DataFrame({"field": ["nickname"], "lines": [3]}), None),
        (["nickname"], "without the number of lines"),
        ({"nickname": 3, "types": 1}, "`expected` names them"),
        ({"nickname": 3, "secret": 1}, "flagged _is_malformed"),
        ({}, "does not list ['nickname']"),
        ({"nickname": 2}, "counts {'nickname': 2}"),
    ],
)
def test_the_lesson_s_answer_is_judged_on_its_bronze(spark, bronze, found, hint):
    """Without the function (the check's older call), the answer alone is judged, against the
    fields of the Bronze lines themselves."""
    if hint is None:
        checks.check_unexpected_fields(found, spark, bronze=bronze)
    else:
        error = fails_with_hint(checks.check_unexpected_fields, found, spark, bronze=bronze)
        assert hint in error.message + error.fix


# --- Exercise 4: upsert_newer (real Delta tables) ---------------------------------------------


def newest(source, key="id", version="_batch_id", ascending=False):
    order = F.col(version).asc() if ascending else F.col(version).desc()
    ranked = source.withColumn("_n", F.row_number().over(Window.partitionBy(key).orderBy(order)))
    return ranked.filter("_n = 1").drop("_n")


def merge(spark, target, view, key="id", condition=""):
    spark.sql(
        f"MERGE INTO {target} AS t USING {view} AS s ON t.{key} = s.{key} "
        f"WHEN MATCHED {condition} THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *"
    )


def test_upsert_newer_solution_passes(spark):
    from solution_code import solution

    checks.check_upsert_newer(solution("07", spark=spark)["upsert_newer"], spark=spark)


@alternative("upsert_newer")
def in_one_sql_statement(spark, target, source, key="id", version="_batch_id"):
    """De-duplicated in a subquery, the condition written the other way round."""
    source.createOrReplaceTempView("delivery")
    columns = ", ".join(source.columns)
    spark.sql(
        f"""MERGE INTO {target} AS t USING (
            SELECT {columns} FROM (
                SELECT *, row_number() OVER (PARTITION BY {key} ORDER BY {version} DESC) AS _n
                FROM delivery) WHERE _n = 1) AS s
        ON t.{key} = s.{key}
        WHEN MATCHED AND t.{version} < s.{version} THEN UPDATE SET *
        WHEN NOT MATCHED THEN INSERT *"""
    )


@alternative("upsert_newer")
def newest_then_any_one(spark, target, source, key="id", version="_batch_id"):
    """The rows with the key's highest version, then any one of them."""
    highest = F.max(version).over(Window.partitionBy(key))
    rows = source.withColumn("_top", highest).filter(F.col(version) == F.col("_top"))
    rows.drop("_top").dropDuplicates([key]).createOrReplaceTempView("src")
    merge(spark, target, "src", key, f"AND s.{version} > t.{version}")


@mistake("upsert_newer", hint="older source row overwrote")
def stale_rows_accepted(spark, target, source, key="id", version="_batch_id"):
    newest(source, key, version).createOrReplaceTempView("src")
    merge(spark, target, "src", key)


@mistake("upsert_newer", hint="one row per key")
def source_not_deduplicated(spark, target, source, key="id", version="_batch_id"):
    source.createOrReplaceTempView("src")
    merge(spark, target, "src", key, f"AND s.{version} > t.{version}")


@mistake("upsert_newer", hint="oldest of its source rows")
def oldest_first(spark, target, source, key="id", version="_batch_id"):
    newest(source, key, version, ascending=True).createOrReplaceTempView("src")
    merge(spark, target, "src", key, f"AND s.{version} > t.{version}")


@mistake("upsert_newer", hint="dropDuplicates keeps any row")
def drop_duplicates(spark, target, source, key="id", version="_batch_id"):
    source.dropDuplicates([key]).createOrReplaceTempView("src")
    merge(spark, target, "src", key, f"AND s.{version} > t.{version}")


@mistake("upsert_newer", hint="not rank()")
def ranked(spark, target, source, key="id", version="_batch_id"):
    order = Window.partitionBy(key).orderBy(F.col(version).desc())
    top = source.withColumn("_n", F.rank().over(order)).filter("_n = 1").drop("_n")
    top.createOrReplaceTempView("src")
    merge(spark, target, "src", key, f"AND s.{version} > t.{version}")


@mistake("upsert_newer", hint="not rank() or a join on the highest version")
def joined_on_the_highest_version(spark, target, source, key="id", version="_batch_id"):
    highest = source.groupBy(key).agg(F.max(version).alias(version))
    source.join(highest, [key, version]).createOrReplaceTempView("src")
    merge(spark, target, "src", key, f"AND s.{version} > t.{version}")


@mistake("upsert_newer", hint="not >=")
def as_new_is_enough(spark, target, source, key="id", version="_batch_id"):
    newest(source, key, version).createOrReplaceTempView("src")
    merge(spark, target, "src", key, f"AND s.{version} >= t.{version}")


@mistake("upsert_newer", hint="INSERT")
def no_insert(spark, target, source, key="id", version="_batch_id"):
    newest(source, key, version).createOrReplaceTempView("src")
    spark.sql(
        f"MERGE INTO {target} AS t USING src AS s ON t.{key} = s.{key} "
        f"WHEN MATCHED AND s.{version} > t.{version} THEN UPDATE SET *"
    )


@mistake("upsert_newer", hint="Update only when the source row is newer")
def condition_reversed(spark, target, source, key="id", version="_batch_id"):
    newest(source, key, version).createOrReplaceTempView("src")
    merge(spark, target, "src", key, f"AND s.{version} < t.{version}")


@mistake("upsert_newer", hint="took _batch_id as the version")
def version_ignored(spark, target, source, key="id", version="_batch_id"):
    newest(source, key).createOrReplaceTempView("src")
    merge(spark, target, "src", key, "AND s._batch_id > t._batch_id")


@mistake("upsert_newer", hint="an older source row overwrote")
def version_compared_wrongly(spark, target, source, key="id", version="_batch_id"):
    """The window orders by the version given, the condition compares _batch_id."""
    newest(source, key, version).createOrReplaceTempView("src")
    merge(spark, target, "src", key, "AND s._batch_id > t._batch_id")


@mistake("upsert_newer", hint="matched rows on id")
def key_ignored(spark, target, source, key="id", version="_batch_id"):
    newest(source, "id", version).createOrReplaceTempView("src")
    merge(spark, target, "src", "id", f"AND s.{version} > t.{version}")


@mistake("upsert_newer", hint="the MERGE matched nothing")
def merged_on_id(spark, target, source, key="id", version="_batch_id"):
    """De-duplicated by the key given, merged on id."""
    newest(source, key, version).createOrReplaceTempView("src")
    merge(spark, target, "src", "id", f"AND s.{version} > t.{version}")


@pytest.mark.parametrize("answer", valid("upsert_newer"), ids=str)
def test_valid_upsert_newer_pass(spark, answer):
    checks.check_upsert_newer(answer.function, spark=spark)


@pytest.mark.parametrize("answer", wrong("upsert_newer"), ids=str)
def test_wrong_upsert_newer_fail_with_their_hint(spark, answer):
    error = fails_with_hint(checks.check_upsert_newer, answer.function, spark=spark)
    assert answer.hint in error.message + error.fix


def test_newer_cases_tell_the_wrong_key_and_version_apart():
    """In the case with another key and version, a MERGE on the decoy key, or comparing the
    decoy version, leaves another table than the right one, and no tie makes it ambiguous."""
    for case in NEWER_CASES:
        if case.decoys:
            (key, version), (decoy_key, decoy_version) = case.names, case.decoys
            outcomes = [
                case.outcome(key, version),
                case.outcome(decoy_key, version),
                case.outcome(key, decoy_version),
            ]
            assert None not in outcomes and len({tuple(o) for o in outcomes}) == 3


# --- the sandbox table ------------------------------------------------------------------------


def test_an_unpartitioned_sandbox_fails(spark):
    table = "silver.sandbox_demo"
    rows = spark.createDataFrame([(1, 1, None)], "id INT, generation INT, nickname STRING")
    save_table(rows, table)
    assert "PARTITIONED BY" in fails_with_hint(checks.check_sandbox, spark=spark, table=table).fix
    save_table(rows, table, partition_by=["generation"])
    assert "mergeSchema" in fails_with_hint(checks.check_sandbox, spark=spark, table=table).fix


# --- Exercise 5: types_to_refresh (a real change feed, written by delta-rs) ---------------------


def _types(feed, primary_only=False):
    names = ["primary_type"] if primary_only else ["primary_type", "secondary_type"]
    types = F.explode(F.array_compact(F.array(*names))).alias("type")
    return {row["type"] for row in feed.select(types).distinct().collect()}


def test_types_to_refresh_solution_passes(spark):
    from solution_code import solution

    checks.check_types_to_refresh(solution("07", spark=spark)["types_to_refresh"], spark=spark)


@alternative("types_to_refresh")
def feed_filtered_by_version(spark, table, refreshed_version):
    """The whole feed read, then the commits after the refresh kept: more read, same answer."""
    feed = delta_ops.changes(table, 0, spark=spark)
    return _types(feed.filter(F.col("_commit_version") > refreshed_version))


@alternative("types_to_refresh")
def in_sql_as_a_dataframe(spark, table, refreshed_version):
    delta_ops.changes(table, refreshed_version + 1, spark=spark).createOrReplaceTempView("feed")
    return spark.sql(
        "SELECT primary_type AS type FROM feed UNION "
        "SELECT secondary_type FROM feed WHERE secondary_type IS NOT NULL"
    )


@alternative("types_to_refresh")
def as_a_sorted_list(spark, table, refreshed_version):
    rows = delta_ops.changes(table, refreshed_version + 1, spark=spark).toPandas()
    return sorted(set(rows["primary_type"]) | set(rows["secondary_type"].dropna()))


@mistake("types_to_refresh", hint="from version 0")
def from_version_zero(spark, table, refreshed_version):
    return _types(delta_ops.changes(table, 0, spark=spark))


@mistake("types_to_refresh", hint="off by one")
def from_the_refreshed_version(spark, table, refreshed_version):
    return _types(delta_ops.changes(table, refreshed_version, spark=spark))


@mistake("types_to_refresh", hint="skips the first commit after the refresh")
def one_too_late(spark, table, refreshed_version):
    return _types(delta_ops.changes(table, refreshed_version + 2, spark=spark))


@mistake("types_to_refresh", hint="ignores deletes")
def deletes_ignored(spark, table, refreshed_version):
    feed = delta_ops.changes(table, refreshed_version + 1, spark=spark)
    return _types(feed.filter("_change_type != 'delete'"))


@mistake("types_to_refresh", hint="ignores update_preimage rows")
def preimages_ignored(spark, table, refreshed_version):
    """'Counting the preimage is counting an update twice': the old group is lost."""
    feed = delta_ops.changes(table, refreshed_version + 1, spark=spark)
    return _types(feed.filter("_change_type != 'update_preimage'"))


@mistake("types_to_refresh", hint="only inserts and postimages")
def new_rows_only(spark, table, refreshed_version):
    feed = delta_ops.changes(table, refreshed_version + 1, spark=spark)
    return _types(feed.filter(F.col("_change_type").isin("insert", "update_postimage")))


@mistake("types_to_refresh", hint="primary types only")
def primary_type_only(spark, table, refreshed_version):
    feed = delta_ops.changes(table, refreshed_version + 1, spark=spark)
    return _types(feed, primary_only=True)


@mistake("types_to_refresh", hint="ignores its refreshed_version argument")
def the_lesson_s_version_typed_in(spark, table, refreshed_version):
    return _types(delta_ops.changes(table, 2, spark=spark))


@mistake("types_to_refresh", hint="not the table")
def the_table_not_its_feed(spark, table, refreshed_version):
    """The readChangeFeed option, which the embedded engine ignores: the table, read whole."""
    reader = spark.read.format("delta").option("readChangeFeed", "true")
    rows = reader.option("startingVersion", refreshed_version + 1).table(table)
    return _types(rows)


@pytest.mark.parametrize("answer", valid("types_to_refresh"), ids=str)
def test_valid_types_to_refresh_pass(spark, answer):
    checks.check_types_to_refresh(answer.function, spark=spark)


@pytest.mark.parametrize("answer", wrong("types_to_refresh"), ids=str)
def test_wrong_types_to_refresh_fail_with_their_hint(spark, answer):
    error = fails_with_hint(checks.check_types_to_refresh, answer.function, spark=spark)
    assert answer.hint in error.message + error.fix


def test_a_table_without_a_feed_gets_one_derived_from_its_versions(spark):
    """Sail writes no change feed: delta_ops derives one, updates told apart by the key."""
    table = "silver.feedless_demo"
    schema = "id INT, primary_type STRING, total INT"
    save_table(spark.createDataFrame([(1, "fire", 1), (2, "water", 2)], schema), table)
    spark.sql(f"UPDATE {table} SET primary_type = 'ice' WHERE id = 1").collect()
    spark.sql(f"DELETE FROM {table} WHERE id = 2").collect()
    save_table(spark.createDataFrame([(3, "rock", 3)], schema), table, mode="append")
    assert not delta_ops.has_change_feed(table)
    feed = delta_ops.changes(table, 1, spark=spark).select(
        "id", "primary_type", "_change_type", "_commit_version"
    )
    assert sorted(tuple(r) for r in feed.collect()) == [
        (1, "fire", "update_preimage", 1),
        (1, "ice", "update_postimage", 1),
        (2, "water", "delete", 2),
        (3, "rock", "insert", 3),
    ]


# --- Exercise 2: widen_column (type widening on declared scratch tables) ------------------------


def test_widen_column_solution_passes(spark):
    from solution_code import solution

    checks.check_widen_column(solution("07", spark=spark)["widen_column"], spark=spark)


@alternative("widen_column")
def quoted_and_lower_case(spark, table, column, new_type):
    quoted = ".".join(f"`{part}`" for part in table.split("."))
    spark.sql(f"alter table {quoted} set tblproperties ('delta.enableTypeWidening' = 'true')")
    spark.sql(f"alter table {quoted} alter column `{column}` type {new_type.lower()}")


@alternative("widen_column")
def enabled_only_when_off(spark, table, column, new_type):
    """The property set only when the table's metadata does not have it yet."""
    if (
        delta_ops.delta_table(table).metadata().configuration.get("delta.enableTypeWidening")
        != "true"
    ):
        spark.sql(f"ALTER TABLE {table} SET TBLPROPERTIES ('delta.enableTypeWidening' = 'true')")
    spark.sql(f"ALTER TABLE {table} ALTER COLUMN {column} TYPE {new_type}")


@mistake("widen_column", hint="Enable type widening first")
def altered_without_enabling(spark, table, column, new_type):
    spark.sql(f"ALTER TABLE {table} ALTER COLUMN {column} TYPE {new_type}")


@mistake("widen_column", hint="only allows the change")
def enabled_only(spark, table, column, new_type):
    spark.sql(f"ALTER TABLE {table} SET TBLPROPERTIES ('delta.enableTypeWidening' = 'true')")


@mistake("widen_column", hint="rewrote the table")
def rewritten_with_overwrite_schema(spark, table, column, new_type):
    """The old way: read, cast, overwrite (save_table passes overwriteSchema)."""
    rows = spark.table(table)
    save_table(rows.withColumn(column, F.col(column).cast(new_type)), table)


@mistake("widen_column", hint="ignores its column argument")
def the_lesson_s_column_typed_in(spark, table, column, new_type):
    spark.sql(f"ALTER TABLE {table} SET TBLPROPERTIES ('delta.enableTypeWidening' = 'true')")
    spark.sql(f"ALTER TABLE {table} ALTER COLUMN id TYPE BIGINT")


@mistake("widen_column", hint="Use the `new_type` you are given")
def always_bigint(spark, table, column, new_type):
    spark.sql(f"ALTER TABLE {table} SET TBLPROPERTIES ('delta.enableTypeWidening' = 'true')")
    spark.sql(f"ALTER TABLE {table} ALTER COLUMN {column} TYPE BIGINT")


@mistake("widen_column", hint="a cast in a query or a view")
def a_wider_view(spark, table, column, new_type):
    """A view with the cast: readers of the view see the wider type, the table keeps its own."""
    spark.table(table).withColumn(column, F.col(column).cast(new_type)).createOrReplaceTempView(
        "wide"
    )


@pytest.mark.parametrize("answer", valid("widen_column"), ids=str)
def test_valid_widen_column_pass(spark, answer):
    checks.check_widen_column(answer.function, spark=spark)


@pytest.mark.parametrize("answer", wrong("widen_column"), ids=str)
def test_wrong_widen_column_fail_with_their_hint(spark, answer):
    error = fails_with_hint(checks.check_widen_column, answer.function, spark=spark)
    assert answer.hint in error.message + error.fix


# --- Exercise 3: rename_column (column mapping on declared scratch tables) ----------------------


def test_rename_column_solution_passes(spark):
    from solution_code import solution

    checks.check_rename_column(solution("07", spark=spark)["rename_column"], spark=spark)


@alternative("rename_column")
def keyword_arguments_and_no_session(spark, table, column, new):
    """delta_ops finds the session itself."""
    delta_ops.rename_column(table=table, old=column, new=new)


@alternative("rename_column")
def checked_first(spark, table, old, new):
    """Column mapping checked before the rename, as a careful pipeline would."""
    assert delta_ops.column_mapping(table) == "name"
    delta_ops.rename_column(table, old, new, spark=spark)


@mistake("rename_column", hint="delta_ops.rename_column")
def alter_table_sql(spark, table, old, new):
    """The JVM's own SQL: valid there (test_stack), refused by the embedded engine."""
    spark.sql(f"ALTER TABLE {table} RENAME COLUMN {old} TO {new}")


@mistake("rename_column", hint="rewrote the table")
def renamed_by_an_overwrite(spark, table, old, new):
    """The old way: read, rename, overwrite (save_table passes overwriteSchema)."""
    save_table(spark.table(table).withColumnRenamed(old, new), table)


@mistake("rename_column", hint="Dropping and re-adding a column loses its values")
def dropped_and_added_again(spark, table, old, new):
    """Drop the column, then add one under the new name (an empty append with mergeSchema): an
    empty column, its values gone."""
    delta_ops.drop_column(table, old, spark=spark)
    empty = spark.table(table).limit(0).withColumn(new, F.lit(None).cast(RENAME_SCHEMA[old]))
    save_table(empty, table, mode="append", mergeSchema="true")


@mistake("rename_column", hint="adding a copy rewrites every file")
def copied_to_a_new_column(spark, table, old, new):
    """A new column, filled from the old one: every file rewritten, the old name kept."""
    rows = spark.table(table)
    save_table(rows.withColumn(new, F.col(old)), table, mode="overwrite")


@mistake("rename_column", hint="ignores its column arguments")
def the_lesson_s_names_typed_in(spark, table, old, new):
    delta_ops.rename_column(table, "speed", "velocity", spark=spark)


@mistake("rename_column", hint="Use the `new` name you are given")
def the_new_name_typed_in(spark, table, old, new):
    delta_ops.rename_column(table, old, f"{old}_renamed", spark=spark)


@mistake("rename_column", hint="renames it for its readers only")
def an_alias_in_a_view(spark, table, old, new):
    spark.table(table).withColumnRenamed(old, new).createOrReplaceTempView("renamed")


@mistake("rename_column", hint="the `table` you are given")
def the_sandbox_renamed(spark, table, old, new):
    """The lesson's own table typed in: the sandbox has no column mapping, so nothing changes."""
    try:
        delta_ops.rename_column("silver.pokemon_by_generation", old, new, spark=spark)
    except Exception:
        pass


@pytest.mark.parametrize("answer", valid("rename_column"), ids=str)
def test_valid_rename_column_pass(spark, answer):
    checks.check_rename_column(answer.function, spark=spark)


@pytest.mark.parametrize("answer", wrong("rename_column"), ids=str)
def test_wrong_rename_column_fail_with_their_hint(spark, answer):
    error = fails_with_hint(checks.check_rename_column, answer.function, spark=spark)
    assert answer.hint in error.message + error.fix


def test_rename_and_drop_read_the_same_everywhere(spark):
    """The portable route's commit on the embedded engine: Sail (by name and by location),
    delta-rs and DuckDB read the renamed and then dropped column's table alike, its one data
    file kept; a column a CHECK constraint uses, and a table without column mapping, are
    refused with the fix, nothing committed."""
    from lakehouse_kit.catalog import table_uri
    from lakehouse_kit.checks.core import scratch_table
    from lakehouse_kit.errors import KitError
    from lakehouse_kit.sql import sql_engine

    with scratch_table(spark, "rename_portable") as table:
        spark.sql(
            f"CREATE TABLE {table} (id INT, speed SMALLINT, height FLOAT) USING delta "
            f"TBLPROPERTIES ('delta.columnMapping.mode' = 'name') LOCATION '{table_uri(table)}'"
        )
        spark.sql(f"INSERT INTO {table} VALUES (1, 45, 0.5), (2, 60, 1.0)")
        files = set(delta_ops.delta_table(table).file_uris())
        delta_ops.rename_column(table, "speed", "velocity", spark=spark)
        delta_ops.drop_column(table, "height", spark=spark)
        spark.sql(f"INSERT INTO {table} VALUES (3, 80)")  # Sail writes the new schema
        want = [(1, 45), (2, 60), (3, 80)]
        assert spark.table(table).columns == ["id", "velocity"]
        assert sorted(tuple(r) for r in spark.table(table).collect()) == want
        uri = table_uri(table, scheme="s3")
        with sql_engine().connect() as connection:
            duck = pd.read_sql(f"SELECT * FROM delta_scan('{uri}') ORDER BY id", connection)
        assert list(duck.columns) == ["id", "velocity"]
        assert [tuple(r) for r in duck.itertuples(index=False)] == want
        assert files <= set(delta_ops.delta_table(table).file_uris())
        spark.sql(f"ALTER TABLE {table} ADD CONSTRAINT fast CHECK (velocity > 0)")
        with pytest.raises(KitError, match="use it"):  # as Delta refuses it
            delta_ops.drop_column(table, "velocity", spark=spark)
    with scratch_table(spark, "rename_unmapped") as table:
        spark.sql(f"CREATE TABLE {table} (id INT) USING delta LOCATION '{table_uri(table)}'")
        version = delta_ops.delta_table(table).version()
        with pytest.raises(KitError, match="no column mapping"):
            delta_ops.rename_column(table, "id", "key", spark=spark)
        assert delta_ops.delta_table(table).version() == version
