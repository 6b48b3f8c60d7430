"""Lesson 6, exercise 1: the MERGE of batch 2 into Silver, and `upsert` on scratch tables."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from lakehouse_kit.checks.core import (
    engine_errors,
    expect,
    passed,
    read_table,
    rows_and_ids,
    scratch_table,
    session,
    sql_in,
)
from lakehouse_kit.checks.landing import batch2_updates, manifest

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


@dataclass(frozen=True)
class UpsertCase:
    """A scratch target and source for upsert, called with `key` (None: the lesson's call,
    without one) `runs` times. Names repeat, and ids are not always the key: a MERGE on a
    `decoy` column instead of the key leaves another table."""

    schema: str
    target: list[tuple]
    source: list[tuple]
    key: str | None
    runs: int
    decoys: tuple[str, ...]

    @property
    def columns(self) -> list[str]:
        return [column.split()[0] for column in self.schema.split(", ")]

    @property
    def call(self) -> str:
        key = "" if self.key is None else f", key={self.key!r}"
        return f"upsert(spark, target, source{key})"

    def merged(self, on: str) -> list[tuple]:
        """The sorted rows a MERGE matching on `on` (UPDATE SET *, INSERT *) leaves."""
        at = self.columns.index(on)
        rows = self.target
        for _ in range(self.runs):
            new = {row[at]: row for row in self.source}
            matched = {row[at] for row in rows}
            rows = [new.get(row[at], row) for row in rows]
            rows += [row for row in self.source if row[at] not in matched]
        return sorted(rows)


UPSERT_CASES = (
    UpsertCase(  # the lesson's call, twice: a re-run must change nothing
        "id INT, name STRING, hp INT, weight_kg DOUBLE, _batch_id INT",
        target=[(1, "pikachu", 10, 5.0, 1), (2, "pikachu", 30, 5.0, 1), (3, "eevee", 40, 1.0, 1)],
        source=[(1, "pikachu", 20, 5.0, 2), (2, "raichu", 30, 6.5, 2), (4, "mew", 50, 2.0, 2)],
        key=None,
        runs=2,
        decoys=("name",),
    ),
    UpsertCase(  # another key: `code`; matching on `id` or `name` gives another table
        "code STRING, id INT, name STRING, hp INT",
        target=[("a", 1, "pikachu", 10), ("b", 2, "pikachu", 20), ("c", 3, "eevee", 30)],
        source=[("a", 2, "pikachu", 11), ("d", 3, "mew", 40)],
        key="code",
        runs=1,
        decoys=("id", "name"),
    ),
)


def check_upsert(upsert: Callable, spark=None) -> None:
    """On scratch tables, with the default key run twice and with another key: upsert updates
    the matched rows, inserts the new ones, keeps the rows the batch does not mention,
    duplicates nothing, and does it with one MERGE commit per run."""
    spark = session(spark)
    for number, case in enumerate(UPSERT_CASES):
        _try_upsert(upsert, spark, case, number)
    passed(
        "upsert, on scratch tables with the default key (twice) and another key: updates, "
        "inserts, keeps the rest, duplicates nothing, one MERGE per run"
    )


def _try_upsert(upsert: Callable, spark, case: UpsertCase, number: int) -> None:
    from lakehouse_kit.delta_ops import delta_table, history
    from lakehouse_kit.spark import save_table

    key = {} if case.key is None else {"key": case.key}
    with (
        # Other table names in every case: an upsert that kept the first names it was given
        # (typed into the code) writes to a table that is gone.
        scratch_table(spark, f"merge_target_{number}") as target,
        scratch_table(spark, f"merge_source_{number}") as source,
    ):
        save_table(spark.createDataFrame(case.target, case.schema), target)
        save_table(spark.createDataFrame(case.source, case.schema), source)
        created = delta_table(target).version()
        with engine_errors(case.call, MERGE_HINT):
            for _ in range(case.runs):
                upsert(spark, target, source, **key)
            rows = sorted(tuple(r) for r in spark.table(target).select(*case.columns).collect())
            sources = sorted(tuple(r) for r in spark.table(source).select(*case.columns).collect())
        _judge_upsert(case, rows, sources)
        commits = history(target)
        operations = list(commits[commits["version"] > created]["operation"])[::-1]
    expect(
        set(operations) == {"MERGE"},
        f"{case.call} wrote the commits {operations}, not one MERGE per run.",
        "A MERGE updates and inserts in one atomic commit; deleting and re-inserting (or "
        "rewriting the table) leaves readers a moment without the rows: " + MERGE_HINT,
    )


def _judge_upsert(case: UpsertCase, rows: list[tuple], sources: list[tuple]) -> None:
    key = case.key or "id"
    if rows == case.merged(key):
        return
    for column in case.decoys:
        expect(
            rows != case.merged(column),
            f"{case.call} matched rows on {column}, not on the key it is given ({key}).",
            "Match on the `key` argument: ON t.{key} = s.{key}.",
        )
    expect(
        rows != sorted(case.target) or sources == sorted(case.source),
        f"{case.call} changed the source table and left the target as it was.",
        "Merge the source into the target: MERGE INTO {target} AS t USING {source} AS s ...",
    )
    expect(rows != sorted(case.target), f"{case.call} left the target as it was.", MERGE_HINT)
    at = case.columns.index(key)
    keys = sorted(row[at] for row in rows)
    expect(
        len(keys) == len(set(keys)),
        f"After {case.call} the target has the keys {keys}: the batch was added again.",
        "Match on the key and update: " + MERGE_HINT,
    )
    kept = sorted({row[at] for row in case.target} - set(keys))
    expect(
        not kept,
        f"{case.call} removed {kept}, rows the batch did not mention: it replaced the table "
        "instead of merging.",
        MERGE_HINT,
    )
    new = sorted({row[at] for row in case.source} - set(keys))
    expect(
        not new,
        f"{case.call} did not insert the new keys {new}.",
        "Add WHEN NOT MATCHED THEN INSERT *.",
    )
    want = {row[at]: row for row in case.merged(key)}
    matched = {row[at] for row in case.target} & {row[at] for row in case.source}
    stale = sorted(row[at] for row in rows if row in case.target and row[at] in matched)
    expect(
        stale != sorted(matched),
        f"Keys {stale} still have their old rows after {case.call}: matched rows were not updated.",
        "Replace matched rows: WHEN MATCHED THEN UPDATE SET *.",
    )
    partly = sorted(row[at] for row in rows if row != want.get(row[at]))
    expect(
        not partly,
        f"Keys {partly} were updated only in part by {case.call}.",
        "Replace every column of a matched row: WHEN MATCHED THEN UPDATE SET *.",
    )
    expect(False, f"{case.call} left {rows}; a MERGE leaves {sorted(want.values())}.", MERGE_HINT)


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
