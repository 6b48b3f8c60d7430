"""Lesson 2 (Bronze landing): every non-blank landing line in Bronze exactly once, broken JSON
kept and flagged."""

from __future__ import annotations

from collections.abc import Callable

from lakehouse_kit.checks.core import columns_present, expect, passed, read_table
from lakehouse_kit.checks.landing import expected_malformed, landing_lines
from lakehouse_kit.contracts import columns

LESSON = "02"


def check_raw_lines(raw, name: str, batch: int) -> None:
    columns_present(raw, columns(f"bronze.{name}"), f"read_raw('{name}')")
    expected = len(landing_lines(name, batch))
    got = raw.count()
    expect(
        got == expected,
        f"read_raw('{name}', {batch}) gave {got} rows; the file has {expected} non-blank lines.",
        "Read the file with read_lines(spark, uri) (one row per line) and drop only blank lines.",
    )
    malformed = expected_malformed(name, batch)
    flagged = raw.filter("_is_malformed").count()
    expect(
        flagged == malformed,
        f"{flagged} rows flagged _is_malformed; the file has {malformed} broken JSON lines.",
        "Flag a line as malformed when it is not a JSON object: F.json_object_keys('raw').isNull().",
    )
    passed(f"{name}: {got} raw lines, {flagged} malformed kept and flagged")


def check_bronze(spark=None, batches: tuple[int, ...] = (1,)) -> None:
    """Every non-blank landing line is in Bronze exactly once per batch (re-runs do not append)."""
    for name in ("pokemon", "moves", "types"):
        bronze = read_table(
            spark, f"bronze.{name}", "Run the cell that calls write_bronze for every table."
        )
        columns_present(bronze, columns(f"bronze.{name}"), f"bronze.{name}")
        counts = {r["_batch_id"]: r["count"] for r in bronze.groupBy("_batch_id").count().collect()}
        for batch in batches:
            expected = len(landing_lines(name, batch))
            got = counts.get(batch, 0)
            expect(
                got == expected,
                f"bronze.{name} holds {got} rows of batch {batch}; the landing file has {expected} lines.",
                "Write each batch with mode('overwrite') and replaceWhere on _batch_id, so a re-run replaces "
                "the batch instead of appending it twice.",
            )
    passed(f"Bronze holds every landing line of batch(es) {list(batches)} exactly once")


PROGRESS: dict[str, Callable[[], None]] = {"bronze tables": lambda: check_bronze()}
