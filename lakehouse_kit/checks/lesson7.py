"""Lesson 7 (production Delta): new source fields surfaced, the declared and evolved sandbox
table, and an upsert that keeps the newest row per key."""

from __future__ import annotations

import re
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
from lakehouse_kit.checks.landing import manifest

LESSON = "07"
SANDBOX = "silver.pokemon_by_generation"


def extra_fields(batches) -> dict[str, int]:
    """The unexpected top-level fields the landing data carries in these batches, with counts."""
    found: dict[str, int] = {}
    for defect in manifest()["defects"]:
        batch = int(defect["file"].split("/")[0].removeprefix("batch_"))
        if defect["kind"] == "extra_field" and defect["file"].endswith("pokemon.jsonl"):
            if batch in batches:
                field = re.search(r"field '([^']+)'", defect["detail"]).group(1)
                found[field] = found.get(field, 0) + 1
    return found


def _as_counts(found) -> dict[str, int | None]:
    """The learner's answer as {field: lines or None}: a DataFrame (Spark or pandas) with a
    `field` column (and maybe a count), a dict, or a list of names are all fine."""
    if hasattr(found, "toPandas"):
        found = found.toPandas()
    if hasattr(found, "columns"):  # pandas
        names = "field" if "field" in found.columns else found.columns[0]
        numbers = [c for c in found.columns if c != names and str(found[c].dtype).startswith("int")]
        return {
            str(row[names]): (int(row[numbers[0]]) if numbers else None)
            for _, row in found.iterrows()
        }
    if isinstance(found, dict):
        return {str(k): (int(v) if isinstance(v, int) else None) for k, v in found.items()}
    return {str(name): None for name in found}


def check_unexpected_fields(found, spark=None, batches=None) -> None:
    """Every unexpected field of the loaded batches is listed, with its line count, and nothing
    the schema already names."""
    if batches is None:
        bronze = read_table(session(spark), "bronze.pokemon", "Run lesson 2 to build Bronze.")
        batches = {r["_batch_id"] for r in bronze.select("_batch_id").distinct().collect()}
    want, got = extra_fields(set(batches)), _as_counts(found)
    missing = sorted(set(want) - set(got))
    expect(
        not missing,
        f"The answer does not list {missing}, which {sum(want.values())} lines carry.",
        "Explode F.json_object_keys('raw') of the well-formed lines and keep the names that "
        "are not in `expected`.",
    )
    extra = sorted(set(got) - set(want))
    expect(
        not extra,
        f"{extra} are listed as unexpected, but the schema names them or no line has them.",
        "Keep only the field names NOT in `expected`: ~F.col('field').isin(expected).",
    )
    wrong = {f: n for f, n in got.items() if n is not None and n != want[f]}
    expect(
        not wrong,
        f"The counts {wrong} differ from the lines that carry each field ({want}).",
        "Count one row per (line, field): group the exploded names by field and count.",
    )
    passed(f"surfaced {', '.join(f'{f} ({n} lines)' for f, n in want.items())}")


def check_sandbox(spark=None, table: str = SANDBOX) -> None:
    """The sandbox: partitioned by generation, every Pokémon once, the new column evolved in
    and filled for every nicknamed Pokémon."""
    from lakehouse_kit.delta_ops import delta_table

    spark = session(spark)
    df = read_table(spark, table, "Run the cells of lesson 7 from the top.")
    columns_present(df, ["id", "generation", "nickname"], table)
    partitions = delta_table(table).metadata().partition_columns
    expect(
        list(partitions) == ["generation"],
        f"{table} is partitioned by {list(partitions) or 'nothing'}.",
        "Declare it with PARTITIONED BY (generation) in CREATE OR REPLACE TABLE.",
    )
    rows, ids = df.count(), df.select("id").distinct().count()
    expect(
        rows == ids,
        f"{table} has {rows} rows for {ids} ids.",
        "Re-run the lesson from the top.",
    )
    want = extra_fields({1, 2})
    nicknamed = df.filter("nickname IS NOT NULL").count()
    expect(
        nicknamed == sum(want.values()),
        f"{nicknamed} Pokémon have a nickname; the landing data gives {sum(want.values())}.",
        "Append with mergeSchema, then MERGE the nicknames into the earlier rows.",
    )
    passed(f"{table}: {ids} Pokémon by generation, {nicknamed} with a nickname")


TARGET_ROWS = [(1, "current", 2), (2, "old", 1), (4, "same", 2)]
SOURCE_ROWS = [
    (1, "stale", 1),  # older than the target's row: must not win
    (2, "fresh", 2),
    (2, "freshest", 3),  # two rows for key 2: the newest wins
    (3, "first", 1),
    (3, "newer", 2),  # a new key delivered twice: inserted once, the newer row
    (4, "same again", 2),  # as new as the target's: either is fine
]
ROW_SCHEMA = "id INT, value STRING, _batch_id INT"
DUPLICATES_HINT = (
    "Two source rows for one key make MERGE fail: keep one row per key first "
    "(row_number() over a window by key, newest version first)."
)


def check_upsert_newer(upsert_newer: Callable, spark=None) -> None:
    """The upsert keeps the newest row per key: stale rows skipped, duplicates resolved."""
    from lakehouse_kit.spark import save_table

    spark = session(spark)
    source = spark.createDataFrame(SOURCE_ROWS, ROW_SCHEMA)
    with scratch_table(spark, "upsert_target") as target:
        save_table(spark.createDataFrame(TARGET_ROWS, ROW_SCHEMA), target)
        # The engine refuses two source rows matching one target row; its message varies.
        with engine_errors("The MERGE", DUPLICATES_HINT):
            upsert_newer(spark, target, source)
        rows = spark.table(target).collect()
    values: dict[int, list[str]] = {}
    for row in rows:
        values.setdefault(row["id"], []).append(row["value"])
    twice = sorted(k for k, v in values.items() if len(v) > 1)
    expect(
        not twice,
        f"Keys {twice} are in the table more than once: duplicate source rows were inserted.",
        "De-duplicate the source before the MERGE: keep the newest row per key.",
    )
    got = {k: v[0] for k, v in values.items()}
    expect(
        got.get(1) == "current",
        f"Key 1 holds {got.get(1)!r}: an older source row overwrote a newer one.",
        "Update only newer rows: WHEN MATCHED AND s._batch_id > t._batch_id THEN UPDATE SET *.",
    )
    expect(
        got.get(2) == "freshest",
        f"Key 2 holds {got.get(2)!r}, not its newest source row 'freshest'.",
        "Keep the newest source row per key: order the window by the version, descending; "
        "and update matched rows when the source is newer.",
    )
    expect(
        got.get(3) == "newer",
        f"Key 3 holds {got.get(3)!r}; the newest of its source rows is 'newer'.",
        "Insert new keys (WHEN NOT MATCHED THEN INSERT *), from the de-duplicated source.",
    )
    expect(
        got.get(4) in {"same", "same again"},
        f"Key 4 holds {got.get(4)!r}.",
        "Leave the rows the source does not improve on as they are.",
    )
    passed("stale rows skipped, the newest duplicate kept, new keys inserted once")


PROGRESS: dict[str, Callable[[], None]] = {"schema evolution": lambda: check_sandbox()}
