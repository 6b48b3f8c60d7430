"""Lesson 6 (Delta operations): the MERGE of batch 2, time travel, and constraints."""

from __future__ import annotations

from collections.abc import Callable

from lakehouse_kit.checks.core import (
    columns_present,
    expect,
    passed,
    read_table,
    rows_and_ids,
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


def check_merge(
    spark=None,
    tables: dict | None = None,
    expected: dict | None = None,
    updates: list[dict] | None = None,
) -> None:
    """After the MERGE: one row per id, the expected counts, every correction applied."""
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


def check_constraint(
    add_constraint: Callable | None = None,
    spark=None,
    table: str = "silver.pokemon",
    name: str = "hp_in_range",
    condition: str = "hp BETWEEN 1 AND 255",
) -> None:
    """The table has the constraint, and adding it again is harmless (re-runs must work)."""
    from lakehouse_kit.delta_ops import constraints

    spark = session(spark)
    if add_constraint is not None:
        try:
            add_constraint(spark, table, name, condition)
        except Exception as error:  # a second ALTER TABLE ... ADD CONSTRAINT fails
            expect(
                False,
                f"Adding {name} a second time failed: {str(error).splitlines()[0][:120]}",
                "Add the constraint only when its name is not in delta_ops.constraints(table).",
            )
    present = constraints(table)
    expect(
        name in present,
        f"{table} has no constraint {name} (it has {sorted(present) or 'none'}).",
        f'spark.sql("ALTER TABLE {table} ADD CONSTRAINT {name} CHECK ({condition})").',
    )
    passed(f"{table} enforces {name}: {present[name]}")


PROGRESS: dict[str, Callable[[], None]] = {"silver merge": lambda: check_merge()}
