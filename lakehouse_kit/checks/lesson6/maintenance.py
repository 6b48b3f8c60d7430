"""Lesson 6, exercise 3: table maintenance in the JVM engine's SQL (`maintenance_sql`).

The statements are read first, so a mistake is named whatever the engine; then they run on a
scratch table of three small files: on the JVM as SQL, on the embedded engine (which parses
none of them) as the delta_ops calls they stand for. Either way the table must end compacted,
vacuumed and its history read."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from lakehouse_kit.checks.core import engine_errors, expect, passed, scratch_table, session

HOURS_PER_DAY = 24
DEFAULT_RETENTION_DAYS = 7  # delta.deletedFileRetentionDuration unless a table sets it

_TABLE = r"(?P<table>delta\.`[^`]+`|[`\w.]+)"
_STATEMENTS = {
    "OPTIMIZE": re.compile(rf"optimize {_TABLE}"),
    "VACUUM": re.compile(
        rf"vacuum {_TABLE}(?: (?:lite|full))?(?: retain (?P<hours>\d+(?:\.\d+)?) hours)?"
        r"(?P<dry_run> dry run)?"
    ),
    "DESCRIBE HISTORY": re.compile(rf"desc(?:ribe)? history {_TABLE}(?: limit (?P<limit>\d+))?"),
    "DESCRIBE DETAIL": re.compile(rf"desc(?:ribe)? detail {_TABLE}"),
}
WANTED = ("OPTIMIZE", "VACUUM", "DESCRIBE HISTORY")
SOLUTION = (
    'return [f"OPTIMIZE {table}", f"VACUUM {table} RETAIN {retention_days * 24} HOURS", '
    'f"DESCRIBE HISTORY {table}"]'
)


@dataclass(frozen=True)
class Statement:
    """One maintenance statement as read: its kind (None: not one the exercise asks for)."""

    text: str
    kind: str | None = None
    table: str = ""
    hours: float | None = None
    dry_run: bool = False
    limit: int | None = None


def read_statement(text: str) -> Statement:
    """What a statement does, whatever its case, spaces, comments and final semicolon."""
    plain = re.sub(r"--[^\n]*", " ", text)
    plain = " ".join(plain.split()).rstrip("; ").lower()
    for kind, pattern in _STATEMENTS.items():
        found = pattern.fullmatch(plain)
        if found:
            parts = found.groupdict()
            return Statement(
                text,
                kind,
                _table_name(parts["table"]),
                float(parts["hours"]) if parts.get("hours") else None,
                bool(parts.get("dry_run")),
                int(parts["limit"]) if parts.get("limit") else None,
            )
    return Statement(text)


def _table_name(said: str) -> str:
    """A table as named: backticks around each part do not matter, but `a.b` in one pair is a
    single name with a dot in it, as for the engine; a location keeps its backticks."""
    parts = re.findall(r"`[^`]*`|[^.`]+", said)
    if said.startswith("delta.`") or any(p.startswith("`") and "." in p for p in parts):
        return said
    return ".".join(p.strip("`") for p in parts)


def names_table(statement: Statement, table: str) -> bool:
    """The statement names `table`, by name or (delta.`...`) by its location."""
    from lakehouse_kit.catalog import table_uri

    if statement.table.startswith("delta.`"):
        path = statement.table[len("delta.`") : -1].rstrip("/")
        return path.split("://", 1)[-1] == table_uri(table).lower().split("://", 1)[-1]
    return statement.table == table.lower()


def check_maintenance_sql(maintenance_sql: Callable, spark=None) -> None:
    """maintenance_sql(table, retention_days) gives OPTIMIZE, VACUUM ... RETAIN <hours> HOURS and
    DESCRIBE HISTORY for that table, compaction before vacuum: read for two tables and
    retentions, and run on a scratch table of three files, which ends as one file."""
    from lakehouse_kit.settings import load_settings

    spark = session(spark)
    _judge(maintenance_sql, "silver._check_maintenance_b", 10)
    with scratch_table(spark, "maintenance") as table:
        statements = _judge(maintenance_sql, table, DEFAULT_RETENTION_DAYS)
        _three_small_files(spark, table)
        jvm = not load_settings().is_local
        history = _run_sql(spark, statements) if jvm else _run_portably(table, statements)
        _judge_effect(table, history)
    where = (
        "run by the JVM engine" if jvm else "read, and done with delta_ops by the embedded engine"
    )
    passed(f"maintenance_sql: OPTIMIZE, VACUUM ... RETAIN n HOURS and DESCRIBE HISTORY, {where}")


def _judge(maintenance_sql: Callable, table: str, days: int) -> list[Statement]:
    call = f"maintenance_sql({table!r}, {days})"
    got = maintenance_sql(table, days)
    expect(
        isinstance(got, list | tuple) and all(isinstance(s, str) for s in got),
        f"{call} returned {type(got).__name__}, not a list of statements.",
        "Return one string per statement, in order: " + SOLUTION,
    )
    statements = [read_statement(text) for text in got]
    for statement in statements:
        _judge_kind(call, statement, table)
    kinds = [s.kind for s in statements]
    for kind in WANTED:
        expect(
            kinds.count(kind) == 1,
            f"{call} has {kinds.count(kind)} {kind} statements, not one.",
            "One of each, in order: " + SOLUTION,
        )
    expect(
        kinds.index("OPTIMIZE") < kinds.index("VACUUM"),
        f"{call} vacuums before it compacts.",
        "Compact first: the files OPTIMIZE replaces are then the ones a later VACUUM may delete "
        "once they are older than the retention. " + SOLUTION,
    )
    expect(
        kinds[-1] == "DESCRIBE HISTORY",
        f"{call} reads the history before the maintenance is done.",
        "Read the history last, so it shows the OPTIMIZE and the VACUUM: " + SOLUTION,
    )
    _judge_vacuum(call, statements[kinds.index("VACUUM")], days)
    return statements


def _judge_kind(call: str, statement: Statement, table: str) -> None:
    said = statement.text.strip()
    trino = re.search(r"execute\s+optimize|\$history", said, re.IGNORECASE)
    expect(
        not trino,
        f"{call} gives {said!r}: that is Trino's SQL, not Spark's.",
        "In Spark SQL: OPTIMIZE <table>, VACUUM <table> RETAIN <n> HOURS, DESCRIBE HISTORY <table>.",
    )
    expect(
        statement.kind != "DESCRIBE DETAIL",
        f"{call} gives {said!r}: DESCRIBE DETAIL describes the table as it is now (its files "
        "and size), not the commits that made it.",
        f"List the commits with DESCRIBE HISTORY {table}.",
    )
    expect(
        statement.kind is not None,
        f"{call} gives {said!r}, which is not OPTIMIZE, VACUUM or DESCRIBE HISTORY of a table.",
        "Return the SQL text, one statement per string: " + SOLUTION,
    )
    expect(
        names_table(statement, table),
        f"{call} gives {said!r}: it names {statement.table}, not the table it is given ({table}).",
        "Use the `table` argument in every statement: " + SOLUTION,
    )


def _judge_vacuum(call: str, vacuum: Statement, days: int) -> None:
    said, hours = vacuum.text.strip(), days * HOURS_PER_DAY
    expect(
        not vacuum.dry_run,
        f"{call} gives {said!r}: DRY RUN only lists the files a vacuum would delete.",
        f"Drop DRY RUN: VACUUM <table> RETAIN {hours} HOURS.",
    )
    expect(
        vacuum.hours is not None or days == DEFAULT_RETENTION_DAYS,
        f"{call} gives {said!r}: VACUUM without RETAIN keeps the table's own retention (7 days "
        f"unless set), not the {days} days it is given.",
        f"Say the retention: VACUUM <table> RETAIN {hours} HOURS.",
    )
    expect(
        vacuum.hours != 0,
        f"{call} gives {said!r}: RETAIN 0 HOURS is refused without the override (Delta's "
        "retention check), and would delete files a running reader or writer still needs.",
        f"Use the retention you are given: RETAIN {hours} HOURS.",
    )
    expect(
        vacuum.hours != days,
        f"{call} gives {said!r}: {days} days given as hours (RETAIN counts hours only).",
        f"{days} days are {hours} hours: RETAIN {hours} HOURS.",
    )
    expect(
        vacuum.hours in (None, hours),
        f"{call} gives {said!r}: {vacuum.hours:g} hours are not the {days} days it is given.",
        f"RETAIN counts hours: {days} days are RETAIN {hours} HOURS ({days} * 24).",
    )


def _three_small_files(spark, table: str) -> None:
    from lakehouse_kit.spark import save_table

    schema = "id INT, name STRING, hp INT"
    save_table(spark.createDataFrame([(1, "bulbasaur", 45)], schema), table)
    for row in ((4, "charmander", 39), (7, "squirtle", 44)):
        save_table(spark.createDataFrame([row], schema), table, mode="append")


def _run_sql(spark, statements: list[Statement]) -> list[int]:
    """Each statement by the engine; the versions DESCRIBE HISTORY listed."""
    listed: list[int] = []
    for statement in statements:
        with engine_errors(f"spark.sql({statement.text.strip()!r})", SOLUTION):
            rows = spark.sql(statement.text.strip().rstrip(";")).collect()
        if statement.kind == "DESCRIBE HISTORY":
            listed = [int(row["version"]) for row in rows]
    return listed


def _run_portably(table: str, statements: list[Statement]) -> list[int]:
    """What each statement does, done with delta_ops (delta-rs) on the same files."""
    from lakehouse_kit import delta_ops

    listed: list[int] = []
    for statement in statements:
        if statement.kind == "OPTIMIZE":
            delta_ops.compact(table)
        elif statement.kind == "VACUUM":
            hours = None if statement.hours is None else int(statement.hours)
            delta_ops.vacuum(table, retention_hours=hours, dry_run=statement.dry_run)
        else:
            versions = delta_ops.history(table)["version"].head(statement.limit or None)
            listed = [int(v) for v in versions]
    return listed


def _judge_effect(table: str, listed: list[int]) -> None:
    from lakehouse_kit import delta_ops

    files = delta_ops.file_count(table)
    expect(
        files == 1,
        f"After the statements {table} reads {files} files, not 1: it was not compacted.",
        "Compact with OPTIMIZE <table>.",
    )
    history = delta_ops.history(table)
    expect(
        "OPTIMIZE" in set(history["operation"]),
        f"{table}'s history has no OPTIMIZE commit.",
        "Compact with OPTIMIZE <table>.",
    )
    newest = [int(v) for v in history["version"]]
    expect(
        bool(listed) and listed == newest[: len(listed)],
        f"DESCRIBE HISTORY listed the versions {listed}; the table's newest are {newest}.",
        f"List the table's commits: DESCRIBE HISTORY {table}.",
    )
