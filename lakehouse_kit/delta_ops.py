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


# --- lesson 7: column mapping, a rename or a drop without a rewrite -----------------------------

COLUMN_MAPPING = "delta.columnMapping.mode"


def column_mapping(table: str, settings: Settings | None = None) -> str:
    """The table's column mapping mode: 'name' (or 'id') when its files name columns by a
    physical name of their own, so that a rename or a drop changes only the metadata; else
    'none'."""
    return delta_table(table, settings).metadata().configuration.get(COLUMN_MAPPING, "none")


def rename_column(table: str, old: str, new: str, spark=None, settings=None) -> None:
    """ALTER TABLE `table` RENAME COLUMN `old` TO `new`, on a column-mapped table: one commit
    of the table's metadata, no data file rewritten.

    The JVM engine runs the SQL itself. The embedded engine refuses it (Sail 0.7.2:
    "unsupported ALTER TABLE operation") and delta-rs has no rename, so there the kit commits
    the new schema through delta-rs: each column keeps its physical name, which the files use,
    under its new logical name."""
    _alter_column(table, old, new, spark, settings)


def drop_column(table: str, column: str, spark=None, settings=None) -> None:
    """ALTER TABLE `table` DROP COLUMN `column`, on a column-mapped table: the column leaves
    the schema, its values stay in the files, unread, until the files are rewritten (REORG
    TABLE ... APPLY (PURGE) on the JVM) and VACUUM deletes the old ones. Same routes as
    `rename_column`."""
    _alter_column(table, column, None, spark, settings)


def _alter_column(table: str, old: str, new: str | None, spark, settings) -> None:
    from lakehouse_kit.spark import connect, current_spark

    settings = settings or load_settings()
    if not settings.is_local:
        spark = spark or current_spark(settings) or connect(settings)
        change = f"RENAME COLUMN {_quoted(old)} TO {_quoted(new)}" if new else f"DROP COLUMN {_quoted(old)}"  # fmt: skip
        spark.sql(f"ALTER TABLE {table} {change}")
        return
    delta = delta_table(table, settings)
    schema = _altered_schema(table, delta, old, new)
    _commit_schema(delta, schema)
    if spark is not None or (spark := current_spark(settings)) is not None:
        # Sail's catalog keeps the schema it registered: register the table again.
        from lakehouse_kit.catalog import register_table

        spark.sql(f"DROP TABLE IF EXISTS {table}")
        register_table(spark, table, settings)


def _quoted(column: str) -> str:
    return "`" + column.replace("`", "``") + "`"


def _altered_schema(table: str, delta: DeltaTable, old: str, new: str | None):
    """The table's schema with `old` renamed to `new` (None: dropped), after the checks Delta
    makes (see `_refuse`)."""
    import json

    from deltalake.schema import Schema

    fields = json.loads(delta.schema().to_json())["fields"]
    _refuse(table, delta, [field["name"].lower() for field in fields], old, new)
    kept = [
        {**field, "name": new} if field["name"].lower() == old.lower() else field
        for field in fields
        if new or field["name"].lower() != old.lower()
    ]
    return Schema.from_json(json.dumps({"type": "struct", "fields": kept}))


def _refuse(table: str, delta: DeltaTable, names: list[str], old: str, new: str | None):
    """Raise what Delta would: no column mapping, no such column, the new name taken, a
    partition column, or a CHECK constraint that uses the column."""
    import re

    what = f"rename {old} of {table} to {new}" if new else f"drop {old} of {table}"
    configuration = delta.metadata().configuration
    if configuration.get(COLUMN_MAPPING, "none") == "none":
        raise KitError(
            f"Cannot {what}: the table has no column mapping, so its files name columns by "
            "their logical names, and a rename or a drop would mean rewriting them.",
            fix=f"Declare the table with TBLPROPERTIES ('{COLUMN_MAPPING}' = 'name'); the JVM's "
            "Delta also enables it on an existing table with ALTER TABLE ... SET TBLPROPERTIES.",
        )
    if old.lower() not in names:
        raise KitError(f"Cannot {what}: no such column.", fix=f"Its columns: {names}.")
    if new and new.lower() in names:
        raise KitError(f"Cannot {what}: {new} exists.", fix="Choose a name the table has not.")
    if old.lower() in [name.lower() for name in delta.metadata().partition_columns]:
        raise KitError(f"Cannot {what}: it is a partition column.", fix="Leave it as it is.")
    word = re.compile(rf"\b{re.escape(old)}\b", re.IGNORECASE)
    uses = [key for key, rule in configuration.items() if key.startswith("delta.constraints.") and word.search(rule)]  # fmt: skip
    if uses:  # the constraint would name a column that is gone
        raise KitError(f"Cannot {what}: {uses} use it.", fix="Drop those constraints first.")


def _commit_schema(delta: DeltaTable, schema) -> None:
    """Commit `schema` as the table's new schema, touching no data file.

    delta-rs commits a new schema only with an overwrite; an overwrite restricted to a filter
    no file can match (`IN ()`) removes nothing, so the commit holds the metaData action alone
    (its history says WRITE, mode Overwrite). The commit is delta-rs's own, at the next free
    version: a commit since that changed the schema makes it fail ("Metadata changed since last
    commit"); rows appended since stay, their files naming columns by physical name too."""
    import warnings

    no_file = [(delta.schema().fields[0].name, "in", [])]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # partition_filters, still the API
        if delta.file_uris(partition_filters=no_file):  # never, but it would remove them
            raise KitError("delta-rs matched files with an empty filter.", fix="Report it.")
        delta.create_write_transaction(
            [],
            "overwrite",
            schema,
            partition_by=delta.metadata().partition_columns,
            partition_filters=no_file,
        )
