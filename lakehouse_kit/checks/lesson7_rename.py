"""Lesson 7's rename exercise: a column renamed in place (column mapping), judged on declared,
column-mapped scratch tables by their schema, each column's physical name and their files."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from lakehouse_kit.checks.core import engine_errors, expect, passed, scratch_table, session

RENAME_HINT = (
    "One call: delta_ops.rename_column(table, old, new, spark=spark) (on the JVM, "
    "ALTER TABLE {table} RENAME COLUMN {old} TO {new} does the same)."
)
RENAME_SCHEMA = {"id": "INT", "speed": "SMALLINT", "height": "FLOAT"}
RENAME_ROWS = [(1, 45, 0.7), (2, 60, 1.0), (3, 80, 2.0)]  # one insert: one data file
RENAME_CASES = (("speed", "velocity"), ("height", "size"))  # (old, new)


@dataclass(frozen=True)
class Columns:
    names: list[str]  # the table's columns, in order
    physical: dict[str, str]  # column -> the name its values have in the data files
    files: frozenset[str]
    rows: list[tuple]  # every row, its columns in order


def check_rename_column(rename_column: Callable, spark=None) -> None:
    """On scratch tables declared with column mapping: the column given, and only it, has the
    new name, in its place and under its physical name (the same column, not a copy); no data
    file is rewritten; every row reads as before."""
    spark = session(spark)
    for number, (old, new) in enumerate(RENAME_CASES):
        # A table of its own for each call, under a new name (see check_widen_column).
        with scratch_table(spark, f"rename_{number}_{uuid.uuid4().hex[:8]}") as table:
            before = _declare_mapped(spark, table)
            call = f"rename_column(spark, table, {old!r}, {new!r})"
            with engine_errors(call, RENAME_HINT.format(table=table, old=old, new=new)):
                rename_column(spark, table, old, new)
            _judge(call, table, old, new, before, _columns(spark, table))
    passed(
        f"{', '.join(f'{old} -> {new}' for old, new in RENAME_CASES)}: renamed in the table's "
        "metadata, each still read from its own values, not one data file rewritten"
    )


def _declare_mapped(spark, table: str) -> Columns:
    from lakehouse_kit.catalog import table_uri

    columns = ", ".join(f"{name} {kind}" for name, kind in RENAME_SCHEMA.items())
    spark.sql(
        f"CREATE TABLE {table} ({columns}) USING delta "
        f"TBLPROPERTIES ('delta.columnMapping.mode' = 'name') LOCATION '{table_uri(table)}'"
    )
    values = ", ".join(str(row) for row in RENAME_ROWS)
    spark.sql(f"INSERT INTO {table} VALUES {values}")
    return _columns(spark, table)


def _columns(spark, table: str) -> Columns:
    from pyspark.sql import functions as F

    from lakehouse_kit.catalog import table_uri
    from lakehouse_kit.delta_ops import delta_table

    delta = delta_table(table)
    fields = delta.schema().fields
    physical = {f.name: f.metadata.get("delta.columnMapping.physicalName", f.name) for f in fields}
    # Read by location: the learner's code may have registered the table again, or not.
    read = spark.read.format("delta").load(table_uri(table))
    rows = sorted(tuple(r) for r in read.select(*[F.col(c).cast("double") for c in read.columns]).collect())  # fmt: skip
    return Columns([f.name for f in fields], physical, frozenset(delta.file_uris()), rows)


def _judge(call, table, old, new, before: Columns, after: Columns) -> None:
    alter = f"delta_ops.rename_column(table, {old!r}, {new!r})"
    expect(
        after.names != before.names,
        f"{call} left the table's columns as they were: {before.names}.",
        f"Rename the column of the `table` you are given, in the table itself ({alter}): an "
        "alias in a query or a view renames it for its readers only.",
    )
    others = [c for c in before.names if c != old and c not in after.names]
    expect(
        not others,
        f"{call} renamed or dropped {others}, not {old}: it ignores its column arguments.",
        f"Rename the `old` column you are given to the `new` name ({alter}).",
    )
    expect(
        new in after.names,
        f"{call} gave the table the columns {after.names}, with no {new}.",
        f"Use the `new` name you are given ({alter}).",
    )
    expect(
        old not in after.names,
        f"{call} added {new} and kept {old}: {after.names}.",
        "A rename leaves one column: adding a copy rewrites every file and keeps the old name.",
    )
    same = after.physical.get(new) == before.physical[old]
    expect(
        same or after.files.isdisjoint(before.files),
        f"{call} dropped {old} and added {new}: a new, empty column, not the old one renamed "
        f"(it reads from {after.physical.get(new)!r} in the files, {old} from "
        f"{before.physical[old]!r}).",
        f"Dropping and re-adding a column loses its values; rename it: {alter}.",
    )
    kept = len(before.files & after.files)
    expect(
        before.files <= after.files,
        f"{call} rewrote the table: {len(before.files) - kept} of its {len(before.files)} data "
        "files were replaced, as an overwrite with overwriteSchema does.",
        f"With column mapping a rename changes only the table's metadata: {alter}, no file "
        "rewritten.",
    )
    expect(
        after.names == [new if c == old else c for c in before.names],
        f"{call} moved the columns: {before.names} became {after.names}.",
        f"A rename keeps the column in its place: {alter}.",
    )
    expect(
        after.rows == before.rows,
        f"{call} changed the rows: {before.rows} became {after.rows}.",
        "Rename the column only; every value stays as it was.",
    )
