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
