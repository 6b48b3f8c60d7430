"""Lesson 6, exercise 2: time travel (`as_of`) and the before/after diff it shows."""

from __future__ import annotations

from collections.abc import Callable

from lakehouse_kit.checks.core import (
    columns_present,
    engine_errors,
    expect,
    passed,
    scratch_table,
    session,
)
from lakehouse_kit.checks.landing import batch2_updates
from lakehouse_kit.checks.lesson6.merge import silver_change


def check_version_diff(diff, updates: list[dict] | None = None) -> None:
    """The before/after table of the corrected Pokémon shows exactly the batch-2 corrections."""
    columns_present(diff, ["id", "field", "before", "after"], "The diff")
    updates = batch2_updates() if updates is None else updates
    want = {
        (u["id"], *(round(float(v), 3) if i else v for i, v in enumerate(silver_change(u))))
        for u in updates
    }
    expect(
        len(diff) > 0,
        "The diff is empty: the 'before' table is the same as the current one.",
        "as_of must read the old version: SELECT * FROM table VERSION AS OF version.",
    )
    got = {
        (int(r.id), r.field, round(float(r.before), 3), round(float(r.after), 3))
        for r in diff.itertuples()
    }
    missing, extra = sorted(want - got), sorted(got - want)
    expect(
        not missing,
        f"{len(missing)} corrections are missing from the diff, e.g. {missing[:2]}.",
        "Compare the version before the MERGE (before_version) with the current table.",
    )
    expect(
        not extra,
        f"The diff shows changes batch 2 did not make, e.g. {extra[:2]}.",
        "Read exactly `before_version`, the last load before any MERGE.",
    )
    passed(f"time travel shows the {len(want)} corrections of batch 2, before and after")


AS_OF_HINT = (
    "Read the old version: SELECT * FROM {table} VERSION AS OF {version}, or "
    'spark.read.option("versionAsOf", version).table(table).'
)
# A scratch table with three versions, each with other rows. The middle one is asked, then the
# first: a reader that ignores `version`, reads a fixed one or another, gives other rows.
AS_OF_SCHEMA = "id INT, move STRING, power INT"
AS_OF_VERSIONS = (
    [(1, "tackle", 40), (2, "ember", 40)],
    [(1, "tackle", 35), (2, "ember", 40), (3, "surf", 90)],
    [(3, "surf", 95)],
)


def check_as_of(as_of: Callable, spark=None, table: str = "silver.pokemon", version: int = 0):
    """as_of(spark, table, version) reads that version: on a scratch table, two versions that
    differ from each other and from the newest; on `table`, the same rows as Delta's reader."""
    spark = session(spark)
    _check_versions(as_of, spark)
    _check_lesson_version(as_of, spark, table, version)
    passed(f"as_of reads the version it is given, and {table} as it was at version {version}")


def _check_versions(as_of: Callable, spark) -> None:
    from lakehouse_kit.catalog import table_uri
    from lakehouse_kit.delta_ops import delta_table
    from lakehouse_kit.spark import save_table

    columns = [c.split()[0] for c in AS_OF_SCHEMA.split(", ")]
    returned = {}  # version asked -> the version whose rows as_of gave (None: no version's)
    with scratch_table(spark, "as_of") as scratch:
        save_table(spark.createDataFrame(AS_OF_VERSIONS[0], AS_OF_SCHEMA), scratch)
        for rows in AS_OF_VERSIONS[1:]:  # one commit each
            spark.createDataFrame(rows, AS_OF_SCHEMA).write.format("delta").mode("overwrite").save(
                table_uri(scratch)
            )
        newest = delta_table(scratch).version()
        versions = range(newest - len(AS_OF_VERSIONS) + 1, newest + 1)
        contents = {v: sorted(rows) for v, rows in zip(versions, AS_OF_VERSIONS, strict=True)}
        first, middle, newest = contents
        for asked in (middle, first):
            call = f"as_of(spark, {scratch!r}, {asked})"
            with engine_errors(call, AS_OF_HINT):
                got = as_of(spark, scratch, asked)
                expect(
                    sorted(got.columns) == sorted(columns),
                    f"{call} has the columns {got.columns}; that table has {columns}.",
                    "Read the table you are given, `table`, not a table named in your code.",
                )
                rows = sorted(tuple(r) for r in got.select(*columns).collect())
            returned[asked] = next((v for v, want in contents.items() if rows == want), None)
    _judge_versions(returned, first, newest)


def _judge_versions(returned: dict[int, int | None], first: int, newest: int) -> None:
    """Name the mistake from what as_of gave for each version asked."""
    asked = ", ".join(map(str, returned))
    gave = set(returned.values())
    expect(
        gave != {newest},
        f"as_of gives the current rows (version {newest}) when asked for versions {asked}.",
        "An option on spark.read reads nothing by itself: "
        'spark.read.option("versionAsOf", version).table(table), or '
        "SELECT * FROM {table} VERSION AS OF {version}.",
    )
    expect(
        gave != {first},
        f"as_of gives version {first}, the first, when asked for versions {asked}: it ignores "
        "its `version` argument.",
        "Use the `version` you are given: SELECT * FROM {table} VERSION AS OF {version}.",
    )
    fixed = next(iter(gave)) if len(gave) == 1 else None
    expect(
        fixed is None,
        f"as_of gives version {fixed} whatever version it is asked ({asked}).",
        "Use the `version` you are given, not a number in your code: VERSION AS OF {version}.",
    )
    for version, got in returned.items():
        expect(
            got == version,
            f"as_of(spark, table, {version}) gives the rows of "
            + (f"version {got}" if got is not None else "no version of the table")
            + f", not those of version {version}.",
            "Read exactly the version you are given: SELECT * FROM {table} VERSION AS OF {version}.",
        )


def _check_lesson_version(as_of: Callable, spark, table: str, version: int) -> None:
    """The lesson's own call: the same rows as Delta's reader gives for that version."""
    from pyspark.sql import functions as F

    from lakehouse_kit.catalog import table_uri

    truth = spark.read.format("delta").option("versionAsOf", version).load(table_uri(table))
    # Sail hashes no arrays: the plain columns tell versions apart well enough.
    plain = sorted(c for c, kind in truth.dtypes if not kind.startswith(("array", "map", "struct")))

    def fingerprint(df) -> tuple:
        return tuple(df.agg(F.count("*"), F.sum(F.hash(*plain).cast("long"))).first())

    with engine_errors(f"as_of(spark, '{table}', {version})", AS_OF_HINT):
        got = as_of(spark, table, version)
        columns_present(got, truth.columns, f"as_of('{table}', {version})")
        same = fingerprint(got) == fingerprint(truth)
    expect(
        same,
        f"as_of('{table}', {version}) does not give the rows of version {version}.",
        AS_OF_HINT,
    )
