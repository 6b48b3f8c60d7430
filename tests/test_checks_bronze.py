"""Lesson 2's exercises, `read_raw` and `write_bronze`: the lesson's answers and the valid
alternatives pass, each wrong answer fails with a hint that names it, never with an engine
traceback. Each is run as the lesson's check cell runs it."""

from __future__ import annotations

import datetime
import uuid
from collections import Counter

import pytest
from catalogue import alternative, fails_with_hint, mistake, valid, wrong
from pyspark.sql import functions as F
from solution_code import solution

from lakehouse_kit import checks
from lakehouse_kit.catalog import register_table, table_exists, table_uri
from lakehouse_kit.checks.landing import file_lines, is_json_object, manifest
from lakehouse_kit.spark import save_table
from lakehouse_kit.storage import landing_uri
from lakehouse_kit.textfiles import read_lines


@pytest.fixture(scope="module")
def lesson2(spark):
    return solution("02", spark=spark)


def run_read_cell(spark, read_raw, batch: int = 1) -> None:
    """Lesson 2's first check cell."""
    raw_pokemon = read_raw(spark, "pokemon", batch)
    checks.check_raw_lines(raw_pokemon, "pokemon", batch, read_raw=read_raw)


def test_the_rule_agrees_with_the_manifest():
    """The check grades _is_malformed by the rule; the manifest lists the same broken lines."""
    for file in manifest()["files"]:
        batch, name = int(file[6:9]), file.split("/")[1].removesuffix(".jsonl")
        broken = {
            n for n, line in enumerate(file_lines(name, batch), 1) if not is_json_object(line)
        }
        listed = {d["line"] for d in manifest()["defects"]
                  if d["file"] == file and d["kind"] == "malformed_json"}  # fmt: skip
        assert broken == listed, file


# ---------------------------------------------------------------- read_raw: valid


def one_object(line: str):
    """Lesson 2's one_json_object, as a learner might write it."""
    as_array = F.concat(F.lit("["), line, F.lit("]"))
    with_one_more = F.concat(F.lit("["), line, F.lit(",0]"))
    return (
        F.json_object_keys(line).isNotNull()
        & (F.coalesce(F.json_array_length(as_array), F.lit(0)) == 1)
        & (F.coalesce(F.json_array_length(with_one_more), F.lit(0)) == 2)
    )


def _metadata(lines, batch: int, uri: str):
    return (
        lines.withColumnRenamed("value", "raw")
        .filter(F.col("raw").rlike(r"\S"))
        .withColumn("_batch_id", F.lit(batch))
        .withColumn("_source_file", F.lit(uri))
        .withColumn("_ingested_at", F.current_timestamp())
    )


@alternative("read_raw")
def other_order_and_tests(spark, name, batch):
    """Another order of columns, another blank-line filter and broken-JSON test, the file's key
    for its URI."""
    uri = landing_uri(batch, name)
    return (
        read_lines(spark, uri)
        .select(
            F.current_timestamp().alias("_ingested_at"),
            F.col("value").alias("raw"),
            F.lit(batch).alias("_batch_id"),
            F.lit(f"landing/batch_{batch:03d}/{name}.jsonl").alias("_source_file"),
        )
        .filter(F.length(F.trim("raw")) > 0)
        .withColumn("_is_malformed", F.when(one_object("raw"), False).otherwise(True))
    )


@alternative("read_raw")
def in_sql(spark, name, batch):
    uri = landing_uri(batch, name)
    view = f"lines_{uuid.uuid4().hex}"
    read_lines(spark, uri).createOrReplaceTempView(view)
    return spark.sql(
        f"SELECT value AS raw, CAST({batch} AS BIGINT) AS _batch_id, '{uri}' AS _source_file, "
        "current_timestamp() AS _ingested_at, NOT (json_object_keys(value) IS NOT NULL "
        "AND json_array_length('[' || value || ']') <=> 1 "
        "AND json_array_length('[' || value || ',0]') <=> 2) AS _is_malformed "
        f"FROM {view} WHERE trim(value) <> ''"
    )


@alternative("read_raw")
def load_time_from_python(spark, name, batch):
    """The load time taken in Python when the file is read: a timestamp too."""
    uri = landing_uri(batch, name)
    return (
        _metadata(read_lines(spark, uri), batch, uri)
        # As text: a datetime literal asks pyspark's *active* session for its timestamp type,
        # which in a test process may be another test's stopped server.
        .withColumn("_ingested_at", F.to_timestamp(F.lit(datetime.datetime.now().isoformat())))
        .withColumn("_is_malformed", ~one_object("raw"))
    )


# ---------------------------------------------------------------- read_raw: wrong


def _read(spark, name, batch, raw=None, keep=None, **columns):
    """The lesson's read_raw, with one expression changed (`raw`: the line; `keep`: the filter)."""
    uri = landing_uri(batch, name)
    raw = F.col("value") if raw is None else raw
    keep = F.col("raw").rlike(r"\S") if keep is None else keep
    columns = {
        "_batch_id": F.lit(batch),
        "_source_file": F.lit(uri),
        "_ingested_at": F.current_timestamp(),
        "_is_malformed": ~one_object("raw"),
        **columns,
    }
    rows = read_lines(spark, uri).withColumn("raw", raw).drop("value").filter(keep)
    return rows.withColumns(columns)


@mistake("read_raw", hint="read_lines")
def spark_read_text(spark, name, batch):
    """spark.read.text: Sail refuses a file with a byte that is not UTF-8."""
    uri = landing_uri(batch, name)
    return _metadata(spark.read.text(uri), batch, uri).withColumn(
        "_is_malformed", ~one_object("raw")
    )


@mistake("read_raw", hint="Keep them, flagged")
def drops_broken_lines(spark, name, batch):
    return _read(spark, name, batch).filter(~F.col("_is_malformed"))


@mistake("read_raw", hint="trimmed")
def trims(spark, name, batch):
    return _read(spark, name, batch, raw=F.trim("value"))


@mistake("read_raw", hint="lower-cased")
def lower_cases(spark, name, batch):
    return _read(spark, name, batch, raw=F.lower("value"))


@mistake("read_raw", hint="no parsing")
def parses(spark, name, batch):
    """The JSON re-written by the engine: its spacing is gone."""
    return _read(spark, name, batch, raw=F.coalesce(F.get_json_object("value", "$"), "value"))


@mistake("read_raw", hint="Drop the blank lines")
def keeps_blank_lines(spark, name, batch):
    return _read(spark, name, batch, keep=F.lit(True))


@mistake("read_raw", hint="a line of spaces is blank too")
def drops_empty_lines_only(spark, name, batch):
    return _read(spark, name, batch, keep=F.col("raw") != "")


@mistake("read_raw", hint="came twice")
def distinct_lines(spark, name, batch):
    return _read(spark, name, batch).dropDuplicates(["raw"])


@mistake("read_raw", hint="the argument")
def batch_one_always(spark, name, batch):
    return _read(spark, name, batch, _batch_id=F.lit(1))


@mistake("read_raw", hint="did it read another file")
def batch_one_file(spark, name, batch):
    return _read(spark, name, 1, _batch_id=F.lit(batch))


@mistake("read_raw", hint="landing_uri(batch, name)")
def pokemon_file_always(spark, name, batch):
    return _read(spark, "pokemon", batch)


@mistake("read_raw", hint="landing_uri(batch, name)")
def path_by_hand(spark, name, batch):
    """batch_00{batch}: right for batches 1 to 9 only."""
    from lakehouse_kit.settings import load_settings

    uri = f"s3a://{load_settings().bucket}/landing/batch_00{batch}/{name}.jsonl"
    return _metadata(read_lines(spark, uri), batch, uri).withColumn(
        "_is_malformed", ~one_object("raw")
    )


@mistake("read_raw", hint="as a number")
def batch_as_text(spark, name, batch):
    return _read(spark, name, batch, _batch_id=F.lit(str(batch)))


@mistake("read_raw", hint="F.lit(uri)")
def source_is_the_name(spark, name, batch):
    return _read(spark, name, batch, _source_file=F.lit(name))


@mistake("read_raw", hint="not a string")
def load_time_as_text(spark, name, batch):
    return _read(
        spark, name, batch, _ingested_at=F.date_format(F.current_timestamp(), "y-MM-dd HH:mm")
    )


@mistake("read_raw", hint="F.current_timestamp()")
def load_time_typed_in(spark, name, batch):
    return _read(spark, name, batch, _ingested_at=F.lit("2024-01-01").cast("timestamp"))


@mistake("read_raw", hint="no line is flagged")
def nothing_flagged(spark, name, batch):
    return _read(spark, name, batch, _is_malformed=F.lit(False))


@mistake("read_raw", hint="the wrong way round")
def flag_inverted(spark, name, batch):
    return _read(spark, name, batch, _is_malformed=one_object("raw"))


@mistake("read_raw", hint="is not a JSON object, yet _is_malformed is False")
def flag_by_first_character(spark, name, batch):
    """A truncated record starts with "{" too: the flag must mean "not a JSON object"."""
    return _read(spark, name, batch, _is_malformed=~F.col("raw").startswith("{"))


@mistake("read_raw", hint="is not a JSON object")
def flag_by_any_json(spark, name, batch):
    """get_json_object reads an array or a string too: valid JSON, but no object."""
    return _read(spark, name, batch, _is_malformed=F.get_json_object("raw", "$").isNull())


@mistake("read_raw", hint="text after the object")
def flag_by_object_keys_alone(spark, name, batch):
    """The rule before one_json_object: json_object_keys stops at the object's end, so two
    records on one line, or a note after one, pass as well-formed."""
    return _read(spark, name, batch, _is_malformed=F.json_object_keys("raw").isNull())


@mistake("read_raw", hint="text after the object")
def flag_by_object_keys_in_sql(spark, name, batch):
    return _read(spark, name, batch, _is_malformed=F.expr("json_object_keys(raw) IS NULL"))


@mistake("read_raw", hint="text after the object")
def flag_by_one_count_alone(spark, name, batch):
    """Only `[line]` counted: `{...}]` passes, as the array ends at that bracket."""
    one = F.json_array_length(F.concat(F.lit("["), "raw", F.lit("]"))).eqNullSafe(1)
    return _read(spark, name, batch, _is_malformed=~(F.json_object_keys("raw").isNotNull() & one))


@mistake("read_raw", hint="text after the object")
def flag_by_the_other_count_alone(spark, name, batch):
    """Only `[line,0]` counted: `{...},{...}]` passes, as the array ends at that bracket."""
    two = F.json_array_length(F.concat(F.lit("["), "raw", F.lit(",0]"))).eqNullSafe(2)
    return _read(spark, name, batch, _is_malformed=~(F.json_object_keys("raw").isNotNull() & two))


@mistake("read_raw", hint="not a boolean")
def flag_as_text(spark, name, batch):
    broken = ~one_object("raw")
    return _read(spark, name, batch, _is_malformed=F.when(broken, "yes").otherwise("no"))


@mistake("read_raw", hint="gave nothing, not a DataFrame")
def forgets_to_return(spark, name, batch):
    _read(spark, name, batch)


@mistake("read_raw", hint="lacks the columns")
def no_source_file(spark, name, batch):
    return _read(spark, name, batch).drop("_source_file")


# ---------------------------------------------------------------- read_raw: tests


def test_the_lessons_read_raw_passes_on_both_batches(spark, course, lesson2, capsys):
    for batch in (1, 2):
        run_read_cell(spark, lesson2["read_raw"], batch)
    assert capsys.readouterr().out.count("✓") == 2


@pytest.mark.parametrize("answer", valid("read_raw"), ids=str)
def test_other_reads_pass(spark, course, answer):
    for batch in (1, 2):
        run_read_cell(spark, answer.function, batch)


@pytest.mark.parametrize("answer", wrong("read_raw"), ids=str)
def test_wrong_reads_fail_with_their_hint(spark, course, answer):
    failure = fails_with_hint(run_read_cell, spark, answer.function)
    assert answer.hint in f"{failure.message} {failure.fix}"


def test_the_probe_file_is_removed(spark, course, lesson2):
    from lakehouse_kit.storage import has_objects

    fails_with_hint(run_read_cell, spark, trims)
    assert not has_objects("landing/batch_097/")


# ---------------------------------------------------------------- write_bronze: valid


@alternative("write_bronze")
def without_partitions(raw, table, batch):
    return save_table(raw, table, mode="overwrite", replaceWhere=f"_batch_id = {batch}")


@alternative("write_bronze")
def delete_then_append(raw, table, batch):
    """Delete the batch's rows, then append them (a new table is simply written)."""
    if not table_exists(table):
        return save_table(raw, table, partition_by=["_batch_id"])
    raw.sparkSession.sql(f"DELETE FROM {table} WHERE _batch_id = {batch}")
    return save_table(raw, table, mode="append")


@alternative("write_bronze")
def condition_as_a_list(raw, table, batch):
    return save_table(raw, table, mode="overwrite", partition_by=["_batch_id"],
                      replaceWhere=f"_batch_id IN ({batch})")  # fmt: skip


@alternative("write_bronze")
def the_writer_itself(raw, table, batch):
    """The DataFrame writer at the table's place, then the name registered."""
    writer = raw.write.format("delta").mode("overwrite").partitionBy("_batch_id")
    if table_exists(table):  # the embedded engine refuses replaceWhere on a new table
        writer = writer.option("replaceWhere", f"_batch_id = {batch}")
    writer.save(table_uri(table))
    register_table(raw.sparkSession, table)
    return table


# ---------------------------------------------------------------- write_bronze: wrong


def _replace(raw, table, batch, **options):
    return save_table(raw, table, mode="overwrite", partition_by=["_batch_id"],
                      replaceWhere=f"_batch_id = {batch}", **options)  # fmt: skip


@mistake("write_bronze", hint="appended")
def appends(raw, table, batch):
    return save_table(raw, table, mode="append", partition_by=["_batch_id"])


@mistake("write_bronze", hint="replaced the whole table")
def overwrites_everything(raw, table, batch):
    return save_table(raw, table, partition_by=["_batch_id"])


@mistake("write_bronze", hint="another batch than the `batch` argument")
def the_notebooks_batch(raw, table, batch):
    """replaceWhere on the notebook's `batch` (1), not the argument."""
    return save_table(raw, table, mode="overwrite", partition_by=["_batch_id"],
                      replaceWhere="_batch_id = 1")  # fmt: skip


@mistake("write_bronze", hint="mode 'ignore'")
def ignores_an_existing_table(raw, table, batch):
    return save_table(raw, table, mode="ignore", partition_by=["_batch_id"])


@mistake("write_bronze", hint="partitioned by ['_source_file']")
def partitioned_by_file(raw, table, batch):
    return save_table(raw, table, mode="overwrite", partition_by=["_source_file"],
                      replaceWhere=f"_batch_id = {batch}")  # fmt: skip


@mistake("write_bronze", hint="the loop's `name` is not it")
def the_loops_table(raw, table, batch):
    """bronze.{name} with the notebook's loop variable (the last one, 'types'), not `table`."""
    name = "types"
    return _replace(raw, f"bronze.{name}", batch)


@mistake("write_bronze", hint="trimmed")
def trims_raw(raw, table, batch):
    return _replace(raw.withColumn("raw", F.trim("raw")), table, batch)


@mistake("write_bronze", hint="lower-cased")
def lower_cases_raw(raw, table, batch):
    return _replace(raw.withColumn("raw", F.lower("raw")), table, batch)


@mistake("write_bronze", hint="not JSON objects")
def drops_broken_rows(raw, table, batch):
    return _replace(raw.filter(~F.col("_is_malformed")), table, batch)


@mistake("write_bronze", hint="came twice")
def drops_repeats(raw, table, batch):
    return _replace(raw.distinct(), table, batch)


@mistake("write_bronze", hint="_ingested_at is not what write_bronze was given")
def stamps_the_write_time(raw, table, batch):
    return _replace(raw.withColumn("_ingested_at", F.current_timestamp()), table, batch)


@mistake("write_bronze", hint="lacks the columns")
def drops_the_source(raw, table, batch):
    return _replace(raw.drop("_source_file"), table, batch)


# ---------------------------------------------------------------- write_bronze: tests


def bronze_counts(spark) -> dict:
    return {
        name: sorted(spark.table(f"bronze.{name}").groupBy("_batch_id").count().collect())
        for name in ("pokemon", "moves", "types")
    }


def test_the_lessons_write_bronze_passes(spark, course, lesson2, capsys):
    checks.check_bronze(spark, lesson2["write_bronze"], batches=(1,))
    checks.check_bronze(spark, lesson2["write_bronze"], batches=(2,))  # lesson 6's replay
    assert capsys.readouterr().out.count("✓") == 4


@pytest.mark.parametrize("answer", valid("write_bronze"), ids=str)
def test_other_writes_pass(spark, course, answer):
    checks.check_bronze(spark, answer.function, batches=(1,))


@pytest.mark.parametrize("answer", wrong("write_bronze"), ids=str)
def test_wrong_writes_fail_with_their_hint(spark, course, answer):
    before = bronze_counts(spark)
    failure = fails_with_hint(checks.check_bronze, spark, answer.function, (1,))
    assert answer.hint in f"{failure.message} {failure.fix}"
    assert bronze_counts(spark) == before  # a write to the wrong table is undone
    assert not table_exists("silver._check_bronze") and not table_exists("silver._check_bronze_b")


def test_dynamic_partition_overwrite_is_named_on_sail(spark, course):
    """Valid on the JVM, where the check passes it; Sail, the engine these tests run on,
    replaces the whole table: the message says so."""

    def dynamic(raw, table, batch):
        return save_table(raw, table, partition_by=["_batch_id"], partitionOverwriteMode="dynamic")

    failure = fails_with_hint(checks.check_write_bronze, dynamic, spark)
    assert "removed batch 8" in failure.message and "Sail" in failure.message


@pytest.fixture
def restored(spark, course):
    """bronze.types restored after the test, from the version before it."""
    from lakehouse_kit import delta_ops

    version = int(delta_ops.delta_table("bronze.types").version())
    yield
    before = spark.sql(f"SELECT * FROM bronze.types VERSION AS OF {version}")
    save_table(before, "bronze.types", partition_by=["_batch_id"])


def test_a_bronze_table_appended_twice_fails(spark, restored):
    save_table(spark.table("bronze.types").where("_batch_id = 1"), "bronze.types", mode="append")
    failure = fails_with_hint(checks.check_bronze, spark)
    assert "bronze.types (batch 1) holds 18 lines more than once" in failure.message


def test_a_bronze_table_with_a_changed_line_fails(spark, restored):
    changed = spark.table("bronze.types").where("_batch_id = 1").withColumn("raw", F.upper("raw"))
    save_table(changed, "bronze.types", partition_by=["_batch_id"], replaceWhere="_batch_id = 1")
    failure = fails_with_hint(checks.check_bronze, spark)
    assert "upper-cased" in failure.message and "no change of case" in failure.fix


def test_the_bronze_tables_pass_for_both_batches(spark, course):
    counts = Counter(r["_batch_id"] for r in spark.table("bronze.moves").collect())
    assert set(counts) == {1, 2}  # the course replayed batch 2
    checks.check_bronze(spark, batches=(1, 2))
