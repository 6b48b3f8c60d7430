"""Lesson 7's change exercises: a column widened in place (type widening), judged on declared
scratch tables; and the types an incremental Gold refresh must recompute, read from a table's
change feed since the last refresh, judged on a scratch table whose feed delta-rs wrote (a real
change feed, on every profile)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from lakehouse_kit.checks.core import (
    CheckFailed,
    engine_errors,
    expect,
    first_line,
    passed,
    scratch_table,
    session,
)

FEED_HINT = (
    "Read the feed from the first version after the refresh, "
    "delta_ops.changes(table, refreshed_version + 1), and take both types of every row in "
    "it, whatever its _change_type."
)


@dataclass(frozen=True)
class Commit:
    """One commit of the scratch table, and the rows its change feed holds:
    (change type, primary type, secondary type)."""

    what: str
    feed: tuple[tuple[str, str, str | None], ...]


# The scratch table: Pokémon (id, name, primary_type, secondary_type, total), then one commit
# per kind of change. Version 0 creates it.
FIRST_ROWS = [
    (1, "a", "fire", None, 300),
    (2, "b", "water", None, 310),
    (3, "c", "grass", "poison", 320),
    (4, "d", "rock", "ground", 330),
    (5, "e", "ice", None, 340),
    (6, "f", "bug", None, 350),
    (7, "g", "dragon", None, 360),
]
NEW_ROW = (8, "h", "steel", "fairy", 370)
COMMITS = (
    Commit("create", tuple(("insert", p, s) for _, _, p, s, _ in FIRST_ROWS)),
    Commit("bug's total", (("update_preimage", "bug", None), ("update_postimage", "bug", None))),
    Commit(
        "fire to electric",
        (("update_preimage", "fire", None), ("update_postimage", "electric", None)),
    ),
    Commit("rock delete", (("delete", "rock", "ground"),)),
    Commit("steel insert", (("insert", *NEW_ROW[2:4]),)),
    Commit(
        "grass's total",
        (("update_preimage", "grass", "poison"), ("update_postimage", "grass", "poison")),
    ),
)
# The types the table holds after the last commit: what reading the table, not its feed, gives.
CURRENT_TYPES = {"electric", "water", "grass", "poison", "ice", "bug", "dragon", "steel", "fairy"}
# The check's calls, each on a scratch table of its own: (the version Gold was last refreshed
# at, the type names the table uses instead of those above). A version typed into the code, or
# a table kept from an earlier call, answers the second call wrongly.
CALLS = (
    (1, {}),
    (3, {"fire": "normal", "electric": "dark", "grass": "fighting", "poison": "flying",
         "steel": "ghost", "fairy": "psychic"}),
)  # fmt: skip


def types_in(since: int, kinds=None, secondary: bool = True, names=None) -> set[str]:
    """The answer key: the types of the feed's rows from version `since` on, of those change
    kinds (None: all), with the secondary types or not, as the table of `names` calls them."""
    return {
        (names or {}).get(name, name)
        for commit in COMMITS[max(since, 0) :]
        for kind, primary, other in commit.feed
        if kinds is None or kind in kinds
        for name in (primary, other if secondary else None)
        if name
    }


def _write_scratch(table: str, settings, names: dict[str, str]) -> None:
    """The scratch table, one delta-rs commit per entry of COMMITS, its change feed on."""
    import pyarrow as pa
    from deltalake import write_deltalake

    from lakehouse_kit.catalog import table_uri
    from lakehouse_kit.delta_ops import CHANGE_FEED, delta_table, storage_options

    def rows(values):
        fields = ["id", "name", "primary_type", "secondary_type", "total"]
        kinds = [pa.int32(), pa.string(), pa.string(), pa.string(), pa.int32()]
        values = [(i, n, names.get(p, p), names.get(s, s), t) for i, n, p, s, t in values]
        columns = list(zip(*values, strict=True))
        return pa.table([pa.array(c, k) for c, k in zip(columns, kinds, strict=True)], names=fields)

    uri, options = table_uri(table, settings, scheme="s3"), storage_options(settings)
    write_deltalake(uri, rows(FIRST_ROWS), storage_options=options, configuration={CHANGE_FEED: "true"})  # fmt: skip
    delta = delta_table(table, settings)  # one object, kept current by its own commits
    delta.update(predicate="id = 6", updates={"total": "total + 1"})
    delta.update(predicate="id = 1", updates={"primary_type": f"'{names.get('electric', 'electric')}'"})  # fmt: skip
    delta.delete("id = 4")
    write_deltalake(delta, rows([NEW_ROW]), mode="append")
    delta.update(predicate="id = 3", updates={"total": "total + 10"})


def _as_types(found) -> set[str]:
    """The learner's answer as a set of type names: a set or list of names, or a DataFrame
    (Spark or pandas) whose first column holds them."""
    if hasattr(found, "toPandas"):
        found = found.toPandas()
    if hasattr(found, "columns"):  # pandas
        found = found[found.columns[0]].tolist()
    if hasattr(found, "asDict"):
        found = [found]
    return {str(n[0] if hasattr(n, "asDict") else n) for n in found or () if n is not None}


def check_types_to_refresh(types_to_refresh: Callable, spark=None) -> None:
    """On a scratch table with a real change feed, refreshed at two versions: the types of
    every row changed after the refresh, deletes and preimages included."""
    from lakehouse_kit.catalog import register_table
    from lakehouse_kit.settings import load_settings

    spark, settings = session(spark), load_settings()
    for number, (refreshed, names) in enumerate(CALLS):
        with scratch_table(spark, f"feed_{number}") as table:
            _write_scratch(table, settings, names)
            register_table(spark, table, settings)
            call = f"types_to_refresh(spark, table, refreshed_version={refreshed})"
            with engine_errors(call, FEED_HINT):
                got = _as_types(types_to_refresh(spark, table, refreshed))
            _judge_types(call, got, refreshed, names)
    passed(
        "the types of every row changed since the refresh: inserts, deletes, both images "
        "of an update, both types of each (judged on two tables, at two refreshed versions)"
    )


def _judge_types(call: str, got: set[str], refreshed: int, names: dict[str, str]) -> None:
    def key(since: int, kinds=None, secondary: bool = True) -> set[str]:
        return types_in(since, kinds, secondary, names)

    want = key(refreshed + 1)
    if got == want:
        return
    everything = key(0)
    expect(
        got <= everything,
        f"{call} gave {sorted(got - everything)}, types the table never held.",
        "Read the table you are given (`table`), not one typed into the code.",
    )
    mistakes = (
        ({names.get(n, n) for n in CURRENT_TYPES}, "lists the types the table holds now, not those of its changed rows",
         "Read the change feed, delta_ops.changes(table, version), not the table (the "
         "embedded engine ignores the readChangeFeed option and reads the table)."),
        (key(0), "read the feed from version 0: its types were refreshed long ago",
         "Start after the refresh: starting_version = refreshed_version + 1."),
        (key(refreshed), "includes the refreshed version itself, whose changes Gold has",
         "Start one after it: starting_version = refreshed_version + 1 (off by one)."),
        (key(refreshed + 2), "skips the first commit after the refresh",
         "Start at refreshed_version + 1, the first version Gold has not seen."),
        (key(refreshed + 1, {"insert", "update_postimage", "update_preimage"}),
         "ignores deletes: a type that lost a Pokémon has other figures now",
         "Keep the delete rows: their types must be recomputed (or removed) too."),
        (key(refreshed + 1, {"insert", "update_postimage", "delete"}),
         "ignores update_preimage rows: a Pokémon whose type changed left its old type",
         "Keep both images of an update: the preimage names the group the row left."),
        (key(refreshed + 1, {"insert", "update_postimage"}),
         "keeps only inserts and postimages: deletes and the groups rows left are missing",
         "Every _change_type counts: delete and update_preimage rows name changed types too."),
        (key(refreshed + 1, secondary=False), "lists primary types only",
         "A Pokémon counts in both its types: take primary_type and secondary_type."),
        (key(CALLS[0][0] + 1), "ignores its refreshed_version argument",
         "Start from the `refreshed_version` you are given, plus one."),
    )  # fmt: skip
    for answer, problem, hint in mistakes:
        expect(got != answer, f"{call} gave {sorted(got)}: it {problem}.", hint)
    expect(
        False,
        f"{call} gave {sorted(got)}; the types changed after version {refreshed} are "
        f"{sorted(want)}.",
        FEED_HINT,
    )


# --- a column widened in place (type widening) ---------------------------------------------------

TYPE_WIDENING = "delta.enableTypeWidening"
ENABLE_HINT = (
    "Enable type widening first: ALTER TABLE {table} SET TBLPROPERTIES "
    "('delta.enableTypeWidening' = 'true'), then ALTER COLUMN ... TYPE."
)
WIDEN_HINT = (
    "Two statements: ALTER TABLE {table} SET TBLPROPERTIES ('delta.enableTypeWidening' = "
    "'true'), then ALTER TABLE {table} ALTER COLUMN {column} TYPE {new_type}."
)
# SQL type names, as the Delta log spells them.
DELTA_TYPES = {"SMALLINT": "short", "INT": "integer", "BIGINT": "long", "FLOAT": "float", "DOUBLE": "double"}  # fmt: skip
WIDEN_SCHEMA = {"id": "INT", "speed": "SMALLINT", "height": "FLOAT"}
# One insert: a data file, which a rewrite would replace.
WIDEN_ROWS = ([(1, 45, 0.7), (2, 60, 1.0), (3, 80, 2.0)],)
WIDEN_CASES = (("speed", "INT"), ("height", "DOUBLE"))  # (column, new type)


def check_widen_column(widen_column: Callable, spark=None) -> None:
    """On scratch tables declared with narrow types: the column given, and only it, has the
    wider type given; no data file is rewritten; every row reads as before."""
    spark = session(spark)
    for number, (column, new_type) in enumerate(WIDEN_CASES):
        # A table of its own for each call: an answer that keeps the first table is seen. A new
        # name each time: CREATE TABLE ... LOCATION refuses a folder an earlier check left (the
        # S3 server keeps an emptied folder, which the JVM's Delta sees as "not empty").
        with scratch_table(spark, f"widen_{number}_{uuid.uuid4().hex[:8]}") as table:
            before = _declare_narrow(spark, table)
            call = f"widen_column(spark, table, {column!r}, {new_type!r})"
            _run_widening(widen_column, spark, table, column, new_type, call)
            _judge_widening(call, table, column, new_type, before, _state(spark, table))
    passed(
        f"{', '.join(f'{c} {WIDEN_SCHEMA[c]} -> {t}' for c, t in WIDEN_CASES)}: the type "
        "changed in the table's metadata, not one data file rewritten"
    )


def _declare_narrow(spark, table: str):
    """The scratch table, declared with its narrow types (as the lesson's sandbox is)."""
    from lakehouse_kit.catalog import table_uri

    columns = ", ".join(f"{name} {kind}" for name, kind in WIDEN_SCHEMA.items())
    spark.sql(f"CREATE TABLE {table} ({columns}) USING delta LOCATION '{table_uri(table)}'")
    for rows in WIDEN_ROWS:
        values = ", ".join(f"({i}, {s}, {h})" for i, s, h in rows)
        spark.sql(f"INSERT INTO {table} VALUES {values}")
    return _state(spark, table)


@dataclass(frozen=True)
class TableState:
    types: dict[str, str]  # column -> type as the Delta log spells it
    files: frozenset[str]
    rows: list[tuple]
    widening: bool


def _state(spark, table: str) -> TableState:
    from pyspark.sql import functions as F

    from lakehouse_kit.catalog import table_uri
    from lakehouse_kit.delta_ops import delta_table

    delta = delta_table(table)
    types = {field.name: field.type.type for field in delta.schema().fields}
    # Read by location: the learner's code may have re-registered the table.
    read = spark.read.format("delta").load(table_uri(table))
    rows = sorted(tuple(r) for r in read.select(*[F.col(c).cast("double") for c in WIDEN_SCHEMA]).collect())  # fmt: skip
    return TableState(types, frozenset(delta.file_uris()), rows, _widening_on(table))


def _widening_on(table: str) -> bool:
    from lakehouse_kit.delta_ops import delta_table

    configuration = delta_table(table).metadata().configuration
    return configuration.get(TYPE_WIDENING, "").lower() == "true"


def _run_widening(widen_column, spark, table, column, new_type, call) -> None:
    hint = WIDEN_HINT.format(table=table, column=column, new_type=new_type)
    try:
        with engine_errors(call, hint):
            widen_column(spark, table, column, new_type)
    except CheckFailed as failure:
        said = first_line(failure.__cause__) if failure.__cause__ else failure.message
        expect(
            _widening_on(table),
            f"{call} was refused: the table does not allow type changes yet ({said}).",
            ENABLE_HINT.format(table=table),
        )
        raise


def _judge_widening(call, table, column, new_type, before: TableState, after: TableState):
    old, want = before.types[column], DELTA_TYPES[new_type]
    others = sorted(
        c for c in before.types if c != column and after.types.get(c) != before.types[c]
    )
    expect(
        not others,
        f"{call} changed {others}, not {column}: it ignores its column argument.",
        f"Alter the column you are given: ALTER COLUMN {{column}} (here {column}).",
    )
    alter = f"ALTER TABLE {table} ALTER COLUMN {column} TYPE {new_type}"
    expect(
        after.types[column] != old,
        f"{call} left {column} as {old}.",
        f"Enabling type widening only allows the change: then {alter}."
        if after.widening
        else f"Change the table's own type, {alter}, with type widening enabled first: a cast "
        "in a query or a view leaves the table as it was.",
    )
    expect(
        after.types[column] == want,
        f"{call} made {column} {after.types[column]}, not the {new_type} ({want}) asked.",
        "Use the `new_type` you are given: ALTER COLUMN {column} TYPE {new_type}.",
    )
    kept = len(before.files & after.files)
    expect(
        before.files <= after.files,
        f"{call} rewrote the table: {len(before.files) - kept} of its {len(before.files)} data "
        "files were replaced, as an overwrite with overwriteSchema does.",
        "Type widening changes only the table's metadata: enable it and ALTER COLUMN ... TYPE, "
        "no file rewritten.",
    )
    expect(
        after.rows == before.rows,
        f"{call} changed the rows: {before.rows} became {after.rows}.",
        "Change the column's type only; every value stays as it was.",
    )
