"""Lesson 2 (Bronze landing): every non-blank landing line in Bronze exactly once, broken JSON
kept and flagged; the learner's write replaces a batch, never appends it twice."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from lakehouse_kit.checks.core import (
    columns_present,
    engine_errors,
    expect,
    passed,
    read_table,
    scratch_table,
    session,
)
from lakehouse_kit.checks.landing import defect_lines, expected_malformed, landing_lines
from lakehouse_kit.contracts import columns

LESSON = "02"

READ_HINT = (
    "Read the file with read_lines(spark, uri) (one row per line) and drop only blank lines."
)
WRITE_HINT = (
    'Write with save_table(raw, table, mode="overwrite", partition_by=["_batch_id"], '
    'replaceWhere=f"_batch_id = {batch}"): a re-run replaces its batch and leaves the others.'
)


def check_raw_lines(raw, name: str, batch: int) -> None:
    """Every non-blank line of the file, unchanged, once; the broken ones flagged; the metadata
    filled in for every row."""
    columns_present(raw, columns(f"bronze.{name}"), f"read_raw('{name}')")
    with engine_errors(f"read_raw('{name}', {batch})", READ_HINT):
        rows = raw.selectExpr(
            "raw",
            "_batch_id",
            "_is_malformed",
            "_source_file IS NULL OR _ingested_at IS NULL AS gap",
        ).collect()
    lines = Counter(landing_lines(name, batch))
    got = Counter(r["raw"] for r in rows)
    expect(
        len(rows) == sum(lines.values()),
        f"read_raw('{name}', {batch}) gave {len(rows)} rows; the file has {sum(lines.values())} "
        "non-blank lines.",
        READ_HINT,
    )
    changed = sum((lines - got).values())
    expect(
        not changed,
        f"{changed} lines of the file are not in raw exactly as they are in the file.",
        "Keep each line as it is (no trim, no parsing): Bronze is the record of what arrived.",
    )
    batches = sorted({r["_batch_id"] for r in rows}, key=str)
    expect(
        batches in ([], [batch]),  # an empty file has no rows, and no batch
        f"_batch_id holds {batches}; every row of this file belongs to batch {batch}.",
        "Add the batch number as a constant: F.lit(batch).",
    )
    expect(
        not any(r["gap"] for r in rows),
        "Some rows have no _source_file or no _ingested_at.",
        "Add F.lit(uri) as _source_file and F.current_timestamp() as _ingested_at.",
    )
    flagged = Counter(r["raw"] for r in rows if r["_is_malformed"])
    broken = defect_lines(name, batch, {"malformed_json"})
    expect(
        flagged == broken,
        f"{sum(flagged.values())} rows flagged _is_malformed; the file has {sum(broken.values())} "
        "broken JSON lines, and only those must be flagged.",
        "Flag a line as malformed when it is not a JSON object: F.json_object_keys('raw').isNull().",
    )
    passed(f"{name}: {len(rows)} raw lines, {sum(broken.values())} malformed kept and flagged")


def _bronze_rows(spark, batch: int, lines: int):
    """A few Bronze-shaped rows of one batch, for trying the learner's write on a scratch table."""
    from pyspark.sql import functions as F

    return spark.createDataFrame(
        [(f'{{"id": {batch * 10 + i}}}', batch, "s3a://x/landing", False) for i in range(lines)],
        "raw STRING, _batch_id INT, _source_file STRING, _is_malformed BOOLEAN",
    ).withColumn("_ingested_at", F.current_timestamp())


def check_write_bronze(write_bronze: Callable, spark=None) -> None:
    """On a scratch table: batch 1, batch 2, then batch 1 again must leave each batch once."""
    spark = session(spark)
    first, second = _bronze_rows(spark, 1, 3), _bronze_rows(spark, 2, 2)
    with scratch_table(spark, "bronze") as table:
        with engine_errors("write_bronze", WRITE_HINT):
            for rows, batch in ((first, 1), (second, 2), (first, 1)):
                write_bronze(rows, table, batch)
            counts = dict(spark.table(table).groupBy("_batch_id").count().collect())
    expect(
        counts.get(1) != 6,
        "Writing batch 1 twice left it twice in the table: the second write appended.",
        WRITE_HINT,
    )
    expect(
        counts.get(2) == 2,
        "Writing batch 1 again removed batch 2: the write replaced the whole table.",
        WRITE_HINT,
    )
    expect(counts.get(1) == 3, f"After three writes the batches hold {counts}.", WRITE_HINT)
    passed("write_bronze replaces its batch: written twice, it is there once; other batches stay")


def check_bronze(
    spark=None, write_bronze: Callable | None = None, batches: tuple[int, ...] = (1,)
) -> None:
    """The learner's write is idempotent (tried on a scratch table), and every non-blank landing
    line is in Bronze exactly once per batch, the broken ones flagged."""
    from pyspark.sql import functions as F

    if write_bronze is not None:
        check_write_bronze(write_bronze, spark)
    for name in ("pokemon", "moves", "types"):
        bronze = read_table(
            spark, f"bronze.{name}", "Run the cell that calls write_bronze for every table."
        )
        columns_present(bronze, columns(f"bronze.{name}"), f"bronze.{name}")
        malformed = F.coalesce(F.sum(F.col("_is_malformed").cast("int")), F.lit(0))
        counts = {
            r["_batch_id"]: (r["lines"], r["malformed"])
            for r in bronze.groupBy("_batch_id")
            .agg(F.count("*").alias("lines"), malformed.alias("malformed"))
            .collect()
        }
        for batch in batches:
            expected = len(landing_lines(name, batch)), expected_malformed(name, batch)
            got = counts.get(batch, (0, 0))
            expect(
                got[0] == expected[0],
                f"bronze.{name} holds {got[0]} rows of batch {batch}; the landing file has "
                f"{expected[0]} lines.",
                WRITE_HINT,
            )
            expect(
                got[1] == expected[1],
                f"bronze.{name} flags {got[1]} rows of batch {batch} as malformed; the file has "
                f"{expected[1]} broken lines.",
                "Flag a line as malformed when it is not a JSON object: F.json_object_keys('raw').isNull().",
            )
    passed(f"Bronze holds every landing line of batch(es) {list(batches)} exactly once")


PROGRESS: dict[str, Callable[[], None]] = {"bronze tables": lambda: check_bronze()}
