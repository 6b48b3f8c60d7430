"""Lesson 6 (Delta operations): the MERGE of batch 2, time travel, and constraints."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from lakehouse_kit.checks.core import (
    columns_present,
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


# add_constraint on a scratch table: a constraint, the same again (a re-run must change
# nothing), then another while the table has one (only the name given decides).
CONSTRAINT_CALLS = (
    ("weight_positive", "weight_kg > 0"),
    ("weight_positive", "weight_kg > 0"),
    ("hp_known", "hp IS NOT NULL"),
)
ALTER = "spark.sql(f'ALTER TABLE {table} ADD CONSTRAINT {name} CHECK ({condition})')"


def _check_add_constraint(add_constraint: Callable, spark) -> None:
    from lakehouse_kit.delta_ops import constraints
    from lakehouse_kit.spark import save_table

    with scratch_table(spark, "constraint") as table:
        rows = spark.createDataFrame([(1, 45, 6.9)], "id INT, hp INT, weight_kg DOUBLE")
        save_table(rows, table)
        added: dict[str, str] = {}
        for name, condition in CONSTRAINT_CALLS:
            call = f"add_constraint(spark, table, {name!r}, {condition!r})"
            again = name in added
            with engine_errors(
                f"{call} a second time" if again else call,
                "Add the constraint only when its name is not in delta_ops.constraints(table)."
                if again
                else f"Run {ALTER}.",
            ):
                add_constraint(spark, table, name, condition)
            added[name] = condition
            _judge_constraints(call, constraints(table), added, name)
    with scratch_table(spark, "constraint_b") as other:  # another table: `table` decides
        save_table(rows, other)
        name, condition = CONSTRAINT_CALLS[0]
        call = f"add_constraint(spark, another_table, {name!r}, {condition!r})"
        with engine_errors(call, f"Run {ALTER}."):
            add_constraint(spark, other, name, condition)
        expect(
            name in constraints(other),
            f"{call} added nothing to that table.",
            "Use the `table` you are given: " + ALTER + ".",
        )
    passed("add_constraint adds the constraint it is given, once, beside the table's others")


def _judge_constraints(call: str, present: dict, added: dict, name: str) -> None:
    new = sorted(set(present) - set(added))
    expect(
        name in present or not new,
        f"{call} added the constraint {new}, not one named {name!r}.",
        "Use the `name` you are given: " + ALTER + ".",
    )
    others = sorted(set(added) - {name})
    expect(
        name in present,
        f"{call} added no constraint"
        + (f" to a table that already has {others}." if others else "."),
        "Test for this name only: add it when `name` is not in delta_ops.constraints(table)."
        if others
        else f"Run {ALTER}.",
    )
    expect(
        _condition(present[name]) == _condition(added[name]),
        f"{call} made {name} check {present[name]!r}, not the condition it is given.",
        "Use the `condition` you are given: " + ALTER + ".",
    )
    lost = sorted(set(added) - set(present))
    expect(not lost, f"{call} removed the constraints {lost}.", "Only add: " + ALTER + ".")


def _condition(text: str) -> str:
    """A condition as compared: case, spaces and outer parentheses do not matter."""
    text = "".join(text.lower().split())
    while text.startswith("(") and _closing(text) == len(text) - 1:
        text = text[1:-1]
    return text


def _closing(text: str) -> int:
    """Where the parenthesis that opens `text` closes."""
    depth = 0
    for at, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0:
            return at
    return -1
