"""Lesson 6 (Delta operations): the MERGE of batch 2, time travel, and constraints."""

from __future__ import annotations

from collections.abc import Callable

from lakehouse_kit.checks.core import (
    columns_present,
    engine_error_types,
    engine_errors,
    expect,
    first_line,
    passed,
    read_table,
    rows_and_ids,
    scratch_table,
    session,
    sql_in,
)
from lakehouse_kit.checks.landing import batch2_updates, manifest

LESSON = "06"

SILVER_COUNT_KEYS = {"pokemon": "pokemon_ids", "moves": "move_ids", "types": "type_ids"}


def silver_change(update: dict) -> tuple[str, float, float]:
    """Where a batch-2 correction lands in silver.pokemon: (column, before, after), in Silver units."""
    field, old, new = update["field"], update["old"], update["new"]
    if field.startswith("stats."):
        return field.removeprefix("stats.").replace("-", "_"), old, new
    return {"weight": "weight_kg", "height": "height_m"}[field], old / 10, new / 10


MERGE_HINT = (
    "MERGE INTO target t USING source s ON t.id = s.id WHEN MATCHED THEN UPDATE SET * "
    "WHEN NOT MATCHED THEN INSERT * (re-run lesson 3 with batch=1 to reset Silver)."
)
_MERGE_SCHEMA = "id INT, name STRING, hp INT, weight_kg DOUBLE, _batch_id INT"
_MERGE_TARGET = [(1, "a", 10, 5.0, 1), (2, "b", 30, 5.0, 1), (3, "c", 40, 1.0, 1)]
_MERGE_SOURCE = [(1, "a", 20, 5.0, 2), (2, "b", 30, 6.5, 2), (4, "d", 50, 2.0, 2)]
_MERGED = {1: _MERGE_SOURCE[0], 2: _MERGE_SOURCE[1], 3: _MERGE_TARGET[2], 4: _MERGE_SOURCE[2]}


def check_upsert(upsert: Callable, spark=None) -> None:
    """On scratch tables: upsert run twice updates the matched rows, inserts the new ones, keeps
    the rows the batch does not mention, and duplicates nothing."""
    from lakehouse_kit.spark import save_table

    spark = session(spark)
    with (
        scratch_table(spark, "merge_target") as target,
        scratch_table(spark, "merge_source") as source,
    ):
        save_table(spark.createDataFrame(_MERGE_TARGET, _MERGE_SCHEMA), target)
        save_table(spark.createDataFrame(_MERGE_SOURCE, _MERGE_SCHEMA), source)
        with engine_errors("upsert", MERGE_HINT):
            for _ in range(2):
                upsert(spark, target, source)
            rows = [tuple(r) for r in spark.table(target).select(*_columns()).collect()]
    ids = sorted(r[0] for r in rows)
    expect(
        len(ids) == len(set(ids)),
        f"After upsert ran twice the table has ids {ids}: a re-run added the batch again.",
        "Match on the key and update: " + MERGE_HINT,
    )
    expect(
        3 in ids,
        "upsert removed a row the batch did not mention: it replaced the table instead of merging.",
        MERGE_HINT,
    )
    expect(
        4 in ids, "upsert did not insert the batch's new id.", "Add WHEN NOT MATCHED THEN INSERT *."
    )
    stale = sorted(r[0] for r in rows if r != _MERGED[r[0]])
    expect(
        not stale,
        f"Ids {stale} do not carry the batch's values after upsert.",
        "Replace matched rows: WHEN MATCHED THEN UPDATE SET *.",
    )
    passed(
        "upsert, run twice on a scratch table: updates, inserts, keeps the rest, duplicates nothing"
    )


def _columns() -> list[str]:
    return [c.split()[0] for c in _MERGE_SCHEMA.split(", ")]


def check_merge(
    spark=None,
    upsert: Callable | None = None,
    tables: dict | None = None,
    expected: dict | None = None,
    updates: list[dict] | None = None,
) -> None:
    """The learner's upsert is idempotent (tried on scratch tables); after the MERGE of batch 2
    Silver has one row per id, the expected counts, every correction applied."""
    if upsert is not None:
        check_upsert(upsert, spark)
    if tables is None:
        spark = session(spark)
        tables = {
            name: read_table(
                spark, f"silver.{name}", "Run lesson 3 with batch=2, then the MERGE cell."
            )
            for name in SILVER_COUNT_KEYS
        }
    if expected is None:
        counts = manifest()["expected"]["after_batch_002"]
        expected = {name: counts[key] for name, key in SILVER_COUNT_KEYS.items()}
    for name, df in tables.items():
        rows, ids = rows_and_ids(df)
        expect(
            rows == ids,
            f"silver.{name} has {rows} rows for {ids} ids: the batch was appended, not merged.",
            "Match on the key: MERGE INTO target t USING source s ON t.id = s.id WHEN MATCHED THEN UPDATE "
            "SET * ... (re-run lesson 3 with batch=1 to reset Silver).",
        )
        expect(
            ids == expected[name],
            f"silver.{name} has {ids} ids; after batch 2 it should have {expected[name]}.",
            "Insert the new ids too: WHEN NOT MATCHED THEN INSERT *.",
        )
    if "pokemon" in tables:
        updates = batch2_updates() if updates is None else updates
        rows = {
            r["id"]: r
            for r in tables["pokemon"].filter(sql_in("id", [u["id"] for u in updates])).collect()
        }
        stale = []
        for update in updates:
            column, _, new = silver_change(update)
            row = rows.get(update["id"])
            if row is None or row[column] is None or abs(row[column] - new) > 1e-6:
                stale.append(update["id"])
        expect(
            not stale,
            f"Pokémon {stale} do not carry their batch-2 values.",
            "Replace the rows whose key matches: WHEN MATCHED THEN UPDATE SET *.",
        )
    passed(
        f"merged: {', '.join(f'{n} {c}' for n, c in expected.items() if n in tables)} ids, "
        "one row each, corrections applied"
    )


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


def check_as_of(as_of: Callable, spark=None, table: str = "silver.pokemon", version: int = 0):
    """as_of(spark, table, version) reads that version: the same rows as Delta's own reader."""
    from pyspark.sql import functions as F

    from lakehouse_kit.catalog import table_uri

    spark = session(spark)
    hint = "Read the old version: SELECT * FROM table VERSION AS OF version."
    truth = spark.read.format("delta").option("versionAsOf", version).load(table_uri(table))
    # Sail hashes no arrays: the plain columns tell versions apart well enough.
    plain = sorted(c for c, kind in truth.dtypes if not kind.startswith(("array", "map", "struct")))

    def fingerprint(df) -> tuple:
        return tuple(df.agg(F.count("*"), F.sum(F.hash(*plain).cast("long"))).first())

    with engine_errors(f"as_of(spark, '{table}', {version})", hint):
        got = as_of(spark, table, version)
        columns_present(got, truth.columns, f"as_of('{table}', {version})")
        same = fingerprint(got) == fingerprint(truth)
    expect(same, f"as_of('{table}', {version}) does not give the rows of version {version}.", hint)
    passed(f"as_of reads {table} as it was at version {version}")


def check_constraint(
    add_constraint: Callable | None = None,
    spark=None,
    table: str = "silver.pokemon",
    name: str = "hp_in_range",
    condition: str = "hp BETWEEN 1 AND 255",
) -> None:
    """add_constraint, run twice on a scratch table with another name and condition, adds that
    constraint once; the table has the lesson's constraint."""
    from lakehouse_kit.delta_ops import constraints

    spark = session(spark)
    if add_constraint is not None:
        _check_add_constraint(add_constraint, spark)
    present = constraints(table)
    expect(
        name in present,
        f"{table} has no constraint {name} (it has {sorted(present) or 'none'}).",
        f'spark.sql("ALTER TABLE {table} ADD CONSTRAINT {name} CHECK ({condition})").',
    )
    passed(f"{table} enforces {name}: {present[name]}")


PROGRESS: dict[str, Callable[[], None]] = {"silver merge": lambda: check_merge()}


def _check_add_constraint(add_constraint: Callable, spark) -> None:
    from lakehouse_kit.delta_ops import constraints
    from lakehouse_kit.spark import save_table

    name, condition = "weight_positive", "weight_kg > 0"
    with scratch_table(spark, "constraint") as table:
        save_table(spark.createDataFrame([(1, 6.9)], "id INT, weight_kg DOUBLE"), table)
        alter = f"ALTER TABLE {table} ADD CONSTRAINT {name} CHECK ({condition})"
        with engine_errors("add_constraint", f'Run spark.sql(f"{alter}").'):
            add_constraint(spark, table, name, condition)
        try:
            add_constraint(spark, table, name, condition)
        except engine_error_types() as error:  # a second ALTER TABLE ... ADD CONSTRAINT fails
            expect(
                False,
                f"Adding {name} a second time failed: {first_line(error)}",
                "Add the constraint only when its name is not in delta_ops.constraints(table).",
            )
        present = constraints(table)
    expect(
        present == {name: condition},
        f"add_constraint(spark, table, {name!r}, {condition!r}) left the constraints {present}.",
        "Use the name and condition you are given: "
        "ALTER TABLE {table} ADD CONSTRAINT {name} CHECK ({condition}).",
    )
    passed("add_constraint, run twice on a scratch table, adds the constraint it is given once")
