"""Delta table history and maintenance through deltalake (delta-rs).

Sail parses neither DESCRIBE HISTORY nor OPTIMIZE nor VACUUM, and the DeltaTable Python API
of delta-spark needs a JVM; delta-rs does all three on the same files, on every profile.
"""

from __future__ import annotations

import pandas as pd
from deltalake import DeltaTable

from lakehouse_kit.catalog import table_uri
from lakehouse_kit.errors import KitError
from lakehouse_kit.settings import Settings, load_settings, s3_variables


def storage_options(settings: Settings) -> dict[str, str]:
    # Commits rely on the store's conditional PUT (If-None-Match), no lock table needed.
    return {**s3_variables(settings), "AWS_S3_ALLOW_UNSAFE_RENAME": "true"}


def delta_table(table: str, settings: Settings | None = None) -> DeltaTable:
    settings = settings or load_settings()
    return DeltaTable(
        table_uri(table, settings, scheme="s3"), storage_options=storage_options(settings)
    )


def history(table: str, settings: Settings | None = None) -> pd.DataFrame:
    """One row per commit, newest first: version, time, operation and its metrics."""
    rows = []
    for commit in delta_table(table, settings).history():
        metrics = commit.get("operationMetrics") or {}
        rows.append(
            {
                "version": commit.get("version"),
                "timestamp": pd.to_datetime(commit.get("timestamp"), unit="ms"),
                "operation": commit.get("operation"),
                "rows_written": _first(
                    metrics, "numOutputRows", "num_added_rows", "numTargetRowsInserted"
                ),
                "files_added": _first(
                    metrics, "numFiles", "numAddedFiles", "num_added_files", "numTargetFilesAdded"
                ),
            }
        )
    return pd.DataFrame(rows).sort_values("version", ascending=False, ignore_index=True)


def _first(metrics: dict, *keys: str):
    return next((metrics[k] for k in keys if k in metrics), None)


def file_count(table: str, settings: Settings | None = None) -> int:
    """How many data files the current version reads."""
    return len(delta_table(table, settings).file_uris())


def compact(table: str, settings: Settings | None = None) -> dict:
    """Rewrite small files into larger ones (what OPTIMIZE does). Returns delta-rs metrics."""
    return delta_table(table, settings).optimize.compact()


def vacuum(
    table: str,
    retention_hours: int | None = None,
    settings: Settings | None = None,
    dry_run: bool = False,
    *,
    override_retention: bool = False,
) -> list[str]:
    """Delete files that no version younger than the retention period needs; returns them.

    The retention period is the table's `delta.deletedFileRetentionDuration` (7 days unless
    set). A shorter one is refused, as Delta refuses it: a reader still on an older version (a
    dashboard mid-query) or a writer that started before would find its files gone. Only
    `override_retention=True`, said on purpose, lifts the refusal."""
    from deltalake.exceptions import DeltaError

    try:
        return delta_table(table, settings).vacuum(
            retention_hours=retention_hours,
            dry_run=dry_run,
            enforce_retention_duration=not override_retention,
        )
    except DeltaError as error:
        if "retention" not in str(error).lower():
            raise
        raise KitError(
            f"Vacuum of {table} with {retention_hours} hours of retention was refused: "
            "it is shorter than the table's retention period (7 days unless set).",
            fix="Keep the default, or, if no reader or writer can still be using older "
            "versions, say so with override_retention=True.",
        ) from error


def restore(table: str, version: int, settings: Settings | None = None) -> dict:
    """Make `version` the table's content again, as a new commit (RESTORE TABLE ... TO VERSION
    AS OF on the JVM): the bad write stays in the history, undone. Returns delta-rs metrics."""
    return delta_table(table, settings).restore(version)


def constraints(table: str, settings: Settings | None = None) -> dict[str, str]:
    """The table's CHECK constraints, name -> condition, read from its Delta metadata."""
    configuration = delta_table(table, settings).metadata().configuration
    prefix = "delta.constraints."
    return {
        key.removeprefix(prefix): value
        for key, value in configuration.items()
        if key.startswith(prefix)
    }


def data_files(table: str, settings: Settings | None = None) -> pd.DataFrame:
    """One row per data file of the current version: its partition values, rows and bytes."""
    import pyarrow as pa

    actions = pa.table(delta_table(table, settings).get_add_actions(flatten=True)).to_pandas()
    partitions = [c for c in actions.columns if c.startswith("partition.")]
    files = actions[[*partitions, "num_records", "size_bytes"]]
    return files.rename(columns={c: c.removeprefix("partition.") for c in partitions}).rename(
        columns={"num_records": "rows", "size_bytes": "bytes"}
    )


# --- lesson 7: the change data feed -------------------------------------------------------------

CHANGE_FEED = "delta.enableChangeDataFeed"


def has_change_feed(table: str, settings: Settings | None = None) -> bool:
    """Whether Delta records the table's changed rows (`delta.enableChangeDataFeed`)."""
    return _feed_on(delta_table(table, settings))


def _feed_on(delta: DeltaTable) -> bool:
    return delta.metadata().configuration.get(CHANGE_FEED, "").lower() == "true"


def changes(table: str, starting_version: int, spark=None, key: str = "id", settings=None):
    """The rows that changed from `starting_version` on, as a Spark DataFrame: the table's
    columns plus `_change_type` (insert, update_preimage, update_postimage, delete) and
    `_commit_version`.

    A table with a change feed (`delta.enableChangeDataFeed`) hands them over as Delta
    recorded them: the JVM engine reads them (`readChangeFeed`, `table_changes` in SQL), and
    beside the embedded engine, which can neither write nor read a change feed, delta-rs does
    (`load_cdf`). A table without one gets the same rows derived from each version and the one
    before it, an update told from a delete and an insert by `key`: the same answer, but every
    version is read whole, which is what a change feed spares."""
    from lakehouse_kit.spark import connect, current_spark

    settings = settings or load_settings()
    spark = spark or current_spark(settings) or connect(settings)
    delta = delta_table(table, settings)
    if not _feed_on(delta):
        return _derived_changes(spark, delta, table_uri(table, settings), starting_version, key)
    if not settings.is_local:
        reader = spark.read.format("delta").option("readChangeFeed", "true")
        return reader.option("startingVersion", starting_version).load(table_uri(table, settings))
    return _delta_rs_changes(spark, delta, starting_version)


def _delta_rs_changes(spark, delta: DeltaTable, starting_version: int):
    import pyarrow as pa

    feed = pa.table(delta.load_cdf(starting_version=starting_version).read_all())
    # Plain Arrow types Spark knows: views as strings, the version as a signed long.
    wanted = [
        pa.field(f.name, pa.string()) if f.type in (pa.string_view(), pa.large_string())
        else pa.field(f.name, pa.int64()) if f.name == "_commit_version"
        else f
        for f in feed.schema
    ]  # fmt: skip
    return spark.createDataFrame(feed.cast(pa.schema(wanted)))


# Commits that change no row (files rewritten, metadata): a change feed has nothing for them.
NO_ROW_CHANGES = {
    "OPTIMIZE", "ADD CONSTRAINT", "DROP CONSTRAINT", "SET TBLPROPERTIES", "UNSET TBLPROPERTIES",
    "VACUUM START", "VACUUM END", "ADD COLUMNS", "CHANGE COLUMN", "RENAME COLUMN",
}  # fmt: skip


def _derived_changes(spark, delta: DeltaTable, uri: str, starting_version: int, key: str):
    """The change feed of a table without one: what each version removed and added, against
    the version before it; a key in both is an update (its pre- and postimage)."""
    from functools import reduce

    from pyspark.sql import functions as F

    commits = {c["version"]: c.get("operation") for c in delta.history()}

    def version(number: int):
        return spark.read.format("delta").option("versionAsOf", number).load(uri)

    feeds = []
    for number in sorted(v for v, op in commits.items() if v >= starting_version):
        if commits[number] in NO_ROW_CHANGES:
            continue
        after = version(number)
        before = version(number - 1) if number else after.limit(0)
        gone, new = before.exceptAll(after), after.exceptAll(before)
        for rows, other, alone, paired in (
            (gone, new, "delete", "update_preimage"),
            (new, gone, "insert", "update_postimage"),
        ):
            keys = other.select(F.col(key).alias("_paired")).distinct()
            kind = F.when(F.col("_paired").isNull(), alone).otherwise(paired)
            feeds.append(
                rows.join(keys, rows[key] == keys["_paired"], "left").select(
                    *[rows[c] for c in rows.columns],
                    kind.alias("_change_type"),
                    F.lit(number).cast("bigint").alias("_commit_version"),
                )
            )
    if not feeds:  # nothing changed since
        empty = version(max(commits)).limit(0)
        return empty.select(
            "*",
            F.lit("").alias("_change_type"),
            F.lit(0).cast("bigint").alias("_commit_version"),
        )
    return reduce(lambda a, b: a.unionByName(b), feeds)
