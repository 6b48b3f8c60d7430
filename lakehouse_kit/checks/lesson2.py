"""Lesson 2 (Bronze landing): every non-blank landing line in Bronze exactly once, unchanged,
the broken ones flagged by the rule (not one JSON object; judged in `bronze_rows`); the
learner's read tried on a file and a batch of the check's own, and the learner's write on
scratch tables: a re-run replaces its batch, never appends it twice, and saves the rows as they
were given."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from lakehouse_kit.checks import judged
from lakehouse_kit.checks.bronze_rows import READ_HINT, bronze_rows, judge_lines, judge_raw
from lakehouse_kit.checks.core import (
    CheckFailed,
    columns_present,
    engine_errors,
    expect,
    passed,
    read_table,
    scratch_table,
    session,
)
from lakehouse_kit.checks.landing import is_json_object, landing_lines
from lakehouse_kit.contracts import BRONZE_COLUMNS
from lakehouse_kit.textfiles import split_lines

LESSON = "02"

WRITE_HINT = (
    'Write with save_table(raw, table, mode="overwrite", partition_by=["_batch_id"], '
    'replaceWhere=f"_batch_id = {batch}"), `table` and `batch` being the arguments: a re-run '
    "replaces its batch and leaves the others."
)
REPLACE_WHERE_ERROR = (
    " If the engine says the rows do not match replaceWhere, its condition names another batch "
    "than the `batch` argument."
)

# A landing file of the check's own, for read_raw: a batch and a file name the course does not
# have, and a line for each case the lesson names.
PROBE_BATCH, PROBE_NAME = 97, "probe"
PROBE_FILE = (
    "\ufeff"  # a byte-order mark before the first line, and Windows line ends
    '{"id": 7001, "name": "  Probe  "}\r\n'
    "\r\n"  # blank
    "   \n"  # blank too: spaces only
    '  {"id": 7002, "name": "LEADING SPACES"}  \n'  # an object, with spaces around it
    '[7003, "an array"]\n'  # JSON, but not an object
    '"just a string"\n'
    '{"id": 7004, "name": "Truncated"\n'  # starts like an object, is none
    "garbage, not JSON\n"
    "{}\n"  # an object, with no fields
    '{"id": 7006}{"id": 7007}\n'  # two records, the line end between them lost: no object
    '{"id": 7008} and a note\n'  # text after the object
    '{"id": 7010},{"id": 7011}]\n'  # the last lines of an array export: after the object a
    '{"id": 7012}]\n'  # value and a `]` fool the count of `[line,0]`, a `]` that of `[line]`
    '{"id": 7009, "stats": {"hp": {"base": 1}}} \t\n'  # nested, white space after it: fine
    '{"id": 7001, "name": "  Probe  "}\n'  # the first line again: kept twice
).encode() + b'{"id": 7005, "name": "Caf\xe9"}\n'  # a Latin-1 byte: U+FFFD, still an object

# Bronze rows of the check's own, for write_bronze: batches the course does not have, lines a
# trim, a change of case or a de-duplication would alter, a broken one.
PROBE_LINES = [
    '{"id": 1, "name": "Bulbasaur"}',
    '  {"id": 4, "name": "CHARMANDER"}  ',
    '{"id": 7, "name": "Squirtle",',
    '{"id": 1, "name": "Bulbasaur"}',
    '{"id": 669, "name": "Flab\u00e9b\u00e9"}',
]
PROBE_SOURCE = "_check_bronze"  # the file name in the probe rows' _source_file


# ---------------------------------------------------------------- read_raw


def check_raw_lines(
    raw, name: str, batch: int, read_raw: Callable | None = None, spark=None
) -> None:
    """Every non-blank line of the file, unchanged, once; the lines that are not a JSON object
    flagged, and only those; the metadata filled in for every row. Given read_raw, it is also
    tried on a file of the check's own, in a batch the course does not have."""
    from lakehouse_kit.storage import landing_uri

    call = f"read_raw(spark, {name!r}, {batch})"
    lines = landing_lines(name, batch)
    rows = bronze_rows(raw, call, READ_HINT, lines, fresh=True)
    judge_lines(rows, call, lines, landing_uri(batch, name), batch)
    reused = read_raw is not None and judged.trials(
        "read_raw on the check's file", read_raw, lambda: _reads_what_it_is_told(read_raw, spark)
    )
    broken = sum(r["_is_malformed"] for r in rows)
    also = judged.note(reused, "read_raw on the check's own file")
    passed(f"{name}: {len(rows)} raw lines, {broken} malformed kept and flagged{also}")


def _reads_what_it_is_told(read_raw: Callable, spark) -> None:
    """read_raw on the check's own landing file (PROBE_FILE), in batch PROBE_BATCH."""
    from lakehouse_kit.settings import load_settings
    from lakehouse_kit.storage import LANDING_PREFIX, object_uri, s3_client, s3_errors

    spark, settings = session(spark), load_settings()
    key = f"{LANDING_PREFIX}/batch_{PROBE_BATCH:03d}/{PROBE_NAME}.jsonl"
    uri = object_uri(key, settings)  # landing_uri(PROBE_BATCH, PROBE_NAME)
    call = f"read_raw(spark, {PROBE_NAME!r}, {PROBE_BATCH})"
    hint = f"{call} must read {uri}, a file the check put there. {READ_HINT}"
    client = s3_client(settings)
    with s3_errors(settings):
        client.put_object(Bucket=settings.bucket, Key=key, Body=PROBE_FILE)
    try:
        with engine_errors(call, hint):
            raw = read_raw(spark, PROBE_NAME, PROBE_BATCH)
        lines = [line for line in split_lines(PROBE_FILE) if line.strip()]
        rows = bronze_rows(raw, call, hint, lines, fresh=True)
        judge_lines(rows, call, lines, uri, PROBE_BATCH)
    finally:
        with s3_errors(settings):
            client.delete_object(Bucket=settings.bucket, Key=key)


# ---------------------------------------------------------------- write_bronze


def _probe_rows(spark, batch: int, lines: list[str], ingested_at: str):
    """Bronze rows of the check's own: one batch, a fixed load time."""
    from pyspark.sql import functions as F

    from lakehouse_kit.storage import landing_uri

    source = landing_uri(batch, PROBE_SOURCE)
    return spark.createDataFrame(
        [(line, batch, source, not is_json_object(line)) for line in lines],
        "raw STRING, _batch_id INT, _source_file STRING, _is_malformed BOOLEAN",
    ).withColumn("_ingested_at", F.lit(ingested_at).cast("timestamp"))  # a literal datetime
    # would carry a time zone Sail's replaceWhere cannot union with the stored one


def check_write_bronze(write_bronze: Callable, spark=None) -> None:
    """On scratch tables: batch 7, batch 8, then batch 7 again (a re-run, with a line more)
    must leave batch 7's second rows and batch 8's, each exactly as given; a write to a second
    table leaves the first alone; partitions, if any, are by _batch_id. Not tried again on
    code that passed before (`judged`)."""
    reused = judged.trials(
        "write_bronze on scratch tables",
        write_bronze,
        lambda: _try_write_bronze(write_bronze, spark),
    )
    passed(
        "write_bronze replaces its batch: written twice, it is there once; other batches stay"
        + judged.note(reused)
    )


def _try_write_bronze(write_bronze: Callable, spark) -> None:
    from lakehouse_kit.catalog import table_exists

    spark = session(spark)
    given = {
        "first": _probe_rows(spark, 7, PROBE_LINES, "2024-01-01 08:00:00"),
        "other": _probe_rows(spark, 8, PROBE_LINES[:2], "2024-01-01 09:00:00"),
        "again": _probe_rows(spark, 7, [*PROBE_LINES, '{"id": 10}'], "2024-01-02 08:00:00"),
        "third": _probe_rows(spark, 9, PROBE_LINES[1:3], "2024-01-03 08:00:00"),
    }
    with scratch_table(spark, "bronze") as table, scratch_table(spark, "bronze_b") as table_b:
        with engine_errors("write_bronze", WRITE_HINT + REPLACE_WHERE_ERROR):
            rows = {part: _rows(df) for part, df in given.items()}
            for part, batch, target in (
                ("first", 7, table),
                ("other", 8, table),
                ("again", 7, table),
                ("third", 9, table_b),
            ):
                write_bronze(given[part], target, batch)
                if part == "other":  # judged last, once the plainer mistakes are ruled out
                    after_other = _stored(spark, table) if table_exists(table) else None
            _written(spark, table, 7)
            _written(spark, table_b, 9)
            got, got_b = _stored(spark, table), _stored(spark, table_b)
        _judge_batches(got, rows, table)
        _same_rows(got, rows["again"] + rows["other"], table)
        _same_rows(got_b, rows["third"], table_b)
        _partitioned_by_batch(table)
        _beside(after_other, rows, table)


def _rows(df) -> list[tuple]:
    return [tuple(row) for row in df.select(*BRONZE_COLUMNS).collect()]


def _written(spark, table: str, batch: int) -> None:
    """The table write_bronze was given exists; if not, the rows went to another table: found
    in a Bronze table, they are deleted from it, and the mistake is named."""
    from lakehouse_kit.catalog import table_exists

    if table_exists(table):
        return
    probe = f"_source_file LIKE '%/{PROBE_SOURCE}.jsonl'"
    for target in ("bronze.pokemon", "bronze.moves", "bronze.types"):
        if spark.catalog.tableExists(target) and spark.table(target).where(probe).count():
            spark.sql(f"DELETE FROM {target} WHERE {probe}")
            raise CheckFailed(
                f"write_bronze(rows, {table!r}, {batch}) wrote to {target} instead (the check has "
                "deleted those rows again).",
                fix="Write to `table`, the argument: the loop's `name` is not it. " + WRITE_HINT,
            )
    raise CheckFailed(
        f"write_bronze(rows, {table!r}, {batch}) did not write {table}.", fix=WRITE_HINT
    )


def _stored(spark, table: str) -> list[tuple]:
    """A table's rows (Bronze columns), read from its files whether or not it is registered."""
    from lakehouse_kit.catalog import table_uri

    stored = spark.read.format("delta").load(table_uri(table))
    columns_present(stored, BRONZE_COLUMNS, f"{table}, as write_bronze wrote it,")
    return _rows(stored)


def _judge_batches(got: list[tuple], given: dict, table: str) -> None:
    """Written batch 7, batch 8, batch 7 again: what each mistaken write leaves is named."""
    batch = BRONZE_COLUMNS.index("_batch_id")
    counts = Counter(row[batch] for row in got)
    expect(
        Counter(got) != Counter(given["first"]),
        "Writing batches 8 and 7 again changed nothing: the table holds the first write alone "
        "(mode 'ignore' writes nothing when the table exists).",
        WRITE_HINT,
    )
    expect(
        counts[7] != len(given["first"]) + len(given["again"]),
        "Writing batch 7 twice left it twice in the table: the second write appended (or its "
        "replaceWhere named another batch than the `batch` argument).",
        WRITE_HINT,
    )
    expect(
        counts[8] or not counts[7],
        "Writing batch 7 again removed batch 8: the write replaced the whole table "
        "(partitionOverwriteMode='dynamic' does that on the embedded engine, Sail).",
        WRITE_HINT,
    )
    seventh = [row for row in got if row[batch] == 7]
    expect(
        Counter(seventh) != Counter(given["first"]),
        "Writing batch 7 again kept the first write's rows: a re-run must replace its batch.",
        WRITE_HINT,
    )


def _beside(got: list[tuple] | None, given: dict, table: str) -> None:
    """After batch 7 then batch 8: both are there (a replaceWhere on another batch than the
    argument replaces batch 7 with batch 8's rows on Sail; the JVM refuses the write)."""
    if got is None:  # nothing was written there: `_written` named it
        return
    batch = BRONZE_COLUMNS.index("_batch_id")
    expect(
        sum(row[batch] == 7 for row in got) == len(given["first"]),
        f"Writing batch 8 after batch 7 left {table} with batch 7's rows gone or changed: the "
        "replaceWhere named another batch than the `batch` argument.",
        WRITE_HINT,
    )


def _same_rows(got: list[tuple], given: list[tuple], table: str) -> None:
    """Every column as given: raw byte for byte, the metadata unchanged."""
    if Counter(got) == Counter(given):
        return
    raw = BRONZE_COLUMNS.index("raw")
    lines = Counter(r[raw] for r in given)
    judge_raw(Counter(r[raw] for r in got), lines, table, "write_bronze's rows", WRITE_HINT)
    for i, column in enumerate(BRONZE_COLUMNS):
        expect(
            Counter(r[i] for r in got) == Counter(r[i] for r in given),
            f"{table}: {column} is not what write_bronze was given.",
            "Save the rows as they are: read_raw made them, write_bronze only writes them.",
        )
    raise CheckFailed(f"{table} does not hold the rows write_bronze was given.", fix=WRITE_HINT)


def _partitioned_by_batch(table: str) -> None:
    """Partition folders (name=value) in the table's files, if any, are by _batch_id only."""
    from lakehouse_kit.storage import list_objects

    prefix = table.replace(".", "/", 1) + "/"
    folders = {
        part.split("=", 1)[0]
        for key in list_objects(prefix)["key"]
        for part in key[len(prefix) :].split("/")[:-1]
        if "=" in part
    }
    expect(
        folders <= {"_batch_id"},
        f"{table} is partitioned by {sorted(folders - {'_batch_id'})}: a folder for every value.",
        "Partition by _batch_id, the column replaceWhere names: each batch in its own folder. "
        + WRITE_HINT,
    )


# ---------------------------------------------------------------- the Bronze tables


def check_bronze(
    spark=None, write_bronze: Callable | None = None, batches: tuple[int, ...] = (1,)
) -> None:
    """The learner's write replaces a batch (tried on scratch tables), and every Bronze table
    holds every non-blank landing line of each batch exactly once, unchanged, flagged by the
    rule, with its batch and source file."""
    from lakehouse_kit.storage import landing_uri

    if write_bronze is not None:
        check_write_bronze(write_bronze, spark)
    for name in ("pokemon", "moves", "types"):
        table = f"bronze.{name}"
        bronze = read_table(spark, table, "Run the cell that calls write_bronze for every table.")
        for batch in batches:
            what = f"{table} (batch {batch})"
            lines, uri = landing_lines(name, batch), landing_uri(batch, name)
            rows = bronze_rows(bronze.where(f"_batch_id = {batch}"), what, WRITE_HINT, lines)
            judge_lines(rows, what, lines, uri, batch, twice=WRITE_HINT)
    passed(f"Bronze holds every landing line of batch(es) {list(batches)} exactly once")


PROGRESS: dict[str, Callable[[], None]] = {"bronze tables": lambda: check_bronze()}
