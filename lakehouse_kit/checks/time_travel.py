"""Lesson 5, exercise 3: time travel in SQL, the text for DuckDB and for Trino; the one the
profile runs is run, the other is read."""

from __future__ import annotations

import re

from lakehouse_kit.checks.core import (
    CheckFailed,
    expect,
    passed,
    scratch_table,
    session,
)
from lakehouse_kit.checks.sql_answers import code_of, engine_or_default, read_sql, same_rows

DIALECTS = ("duckdb", "trino")
_ENGINE_NAMES = {"duckdb": "DuckDB", "trino": "Trino"}


def _versions_table(spark, table: str) -> None:
    """Three versions, each with other rows: 0 (three starters), 1 (one more), 2 (one other).
    Registered once, after the writes (Trino finds it by name in the metastore)."""
    from lakehouse_kit.catalog import register_table, table_uri

    versions = [
        ([(1, "Bulbasaur"), (4, "Charmander"), (7, "Squirtle")], "overwrite"),
        ([(25, "Pikachu")], "append"),
        ([(133, "Eevee")], "overwrite"),
    ]
    for rows, mode in versions:
        frame = spark.createDataFrame(rows, "id INT, name STRING")
        frame.write.format("delta").mode(mode).save(table_uri(table))
    register_table(spark, table)


def _table_pattern(table: str) -> str:
    """A table's name in SQL text: any case, optionally quoted, optionally after a catalog."""
    layer, name = table.split(".")
    return (
        rf'(?<![\w."])(?:"?\w+"?\s*\.\s*)?"?{re.escape(layer)}"?\s*\.\s*'
        rf'"?{re.escape(name)}"?(?![\w"])'
    )


def _trino_time_travel(text: str, table: str, version: int) -> tuple[str, str] | None:
    """What is wrong with Trino text for `table` at `version`, read (not run): problem, hint."""
    code = code_of(text)
    where = f"The Trino text for {table} at version {version}"
    travel = f"SELECT * FROM {table} FOR VERSION AS OF {version}"
    if re.search(r"\bdelta_scan\s*\(", code, flags=re.I):
        return (
            f"{where} calls delta_scan, DuckDB's function.",
            f"On Trino name the table: {travel}.",
        )
    if not re.search(_table_pattern(table), code, flags=re.I):
        return f"{where} does not name {table}.", f"Use the table argument: {travel}."
    asked = re.findall(r"\bFOR\s+VERSION\s+AS\s+OF\s+(\d+)\b", code, flags=re.I)
    if not asked:
        if re.search(r"\bFOR\s+TIMESTAMP\s+AS\s+OF\b", code, flags=re.I):
            return f"{where} travels by time.", f"Travel by version number: {travel}."
        if re.search(r"\bVERSION\s+AS\s+OF\b", code, flags=re.I):
            return (
                f"{where} writes VERSION AS OF, Spark SQL's words.",
                f"Trino writes FOR VERSION AS OF: {travel}.",
            )
        if re.search(r"\bAT\s*\(\s*VERSION\b", code, flags=re.I):
            return f"{where} writes AT (VERSION => n), DuckDB's words.", f"Trino's: {travel}."
        return (
            f"{where} does not travel: Trino would read the latest version.",
            f"Add FOR VERSION AS OF after the table's name: {travel}.",
        )
    return _other_version(asked, version, where, travel)


def _duckdb_time_travel(text: str, table: str, version: int, settings) -> tuple[str, str] | None:
    """What is wrong with DuckDB text for `table` at `version`, read (not run): problem, hint."""
    from lakehouse_kit.catalog import table_uri

    code = re.sub(r"--[^\n]*|/\*.*?\*/", " ", text, flags=re.S)  # the address is a literal: kept
    uri = table_uri(table, settings, scheme="s3")
    where = f"The DuckDB text for {table} at version {version}"
    travel = f"SELECT * FROM delta_scan('{uri}', version => {version})"
    if not re.search(r"\bdelta_scan\s*\(", code, flags=re.I):
        if re.search(r"\bAT\s*\(\s*VERSION\b", code, flags=re.I):
            problem = "asks a view for AT (VERSION => n): the kit's views read the latest only"
        elif re.search(r"\bVERSION\s+AS\s+OF\b", code, flags=re.I):
            problem = "writes (FOR) VERSION AS OF, which DuckDB does not parse"
        else:
            problem = "does not travel: the kit's views read the latest version"
        return (
            f"{where} {problem}.",
            f"DuckDB's delta extension reads a version from the table's files: {travel}.",
        )
    if not re.search(rf"'{re.escape(uri)}/?'", code):
        if "s3a://" in code:
            return f"{where} reads an s3a:// address.", f"DuckDB reads s3:// addresses: {travel}."
        return (
            f"{where} does not read {uri}, the table's files.",
            f"Use the table argument (table_uri(table, scheme='s3') gives its files): {travel}.",
        )
    asked = re.findall(r"\bversion\s*(?:=>|:=|=)\s*(\d+)\b", code, flags=re.I)
    if not asked:
        return (
            f"{where} gives delta_scan no version: it would read the latest.",
            f"Name the version: {travel}.",
        )
    return _other_version(asked, version, where, travel)


def _other_version(asked: list[str], version: int, where: str, travel: str):
    """Problem and hint when the text travels to another version than asked, else None."""
    if any(int(v) != version for v in asked):
        return f"{where} reads version {asked[0]}.", f"Use the version argument: {travel}."
    return None


def _time_travel_text(as_of_sql, table: str, version: int, dialect: str, settings) -> str:
    """The learner's text for one engine, read first (whether or not that engine is here)."""
    text = as_of_sql(table, version, dialect)
    expect(
        isinstance(text, str) and bool(text.strip()),
        f"as_of_sql({table!r}, {version}, {dialect!r}) returned {text!r}, not SQL text.",
        "Return the query text for the dialect asked: 'trino' or 'duckdb'.",
    )
    wrong = (
        _trino_time_travel(text, table, version)
        if dialect == "trino"
        else _duckdb_time_travel(text, table, version, settings)
    )
    if wrong:
        raise CheckFailed(wrong[0], fix=wrong[1])
    return text.strip().rstrip(";").rstrip()


def _judge_version(answer, spark, table: str, version: int, settings, engine: str) -> int:
    """The engine's answer holds the rows Spark reads at that version of the table."""
    from lakehouse_kit.catalog import table_uri

    then = spark.read.format("delta").option("versionAsOf", version)
    then = then.load(table_uri(table, settings))
    answer = answer.rename(columns=str.lower)
    columns = [c.lower() for c in then.columns]
    expect(
        sorted(answer.columns) == sorted(columns),
        f"{engine} answers {table} at version {version} with the columns "
        f"{list(answer.columns)}; the table had {columns}.",
        "Select every column of the table as it was: SELECT *.",
    )
    return same_rows(answer, then.select("id", "name"), f"{table} at version {version}")


def check_as_of_sql(as_of_sql, engine=None, spark=None, settings=None) -> None:
    """as_of_sql(table, version, dialect) gives the SQL for a table's rows as they were at a
    version. The text for this profile's SQL engine runs there, on a table of the check's own
    with three versions (asked at versions 1, then 0) and on silver.pokemon (version 0), and
    must give the rows Spark reads at those versions. The other engine's text is read, not
    run (that engine is not here), and the ✓ says so."""
    import uuid

    from lakehouse_kit.settings import load_settings

    spark, engine = session(spark), engine_or_default(engine)
    settings = settings or load_settings()
    here = engine.dialect.name
    elsewhere = next(d for d in DIALECTS if d != here)
    fix = f"Write the query in {_ENGINE_NAMES[here]}'s words when the dialect is {here!r}."
    # A name of its own each time: Trino keeps what it read of a table by name for a while.
    with scratch_table(spark, f"versions_{uuid.uuid4().hex[:8]}") as table:
        texts = {  # read first, so a mistake in the text is named before anything is written
            (asked, version): {
                d: _time_travel_text(as_of_sql, asked, version, d, settings)
                for d in (here, elsewhere)
            }
            for asked, version in ((table, 1), (table, 0), ("silver.pokemon", 0))
        }
        _versions_table(spark, table)
        for (asked, version), text in texts.items():
            answer = read_sql(text[here], engine, fix=fix)
            _judge_version(answer, spark, asked, version, settings, _ENGINE_NAMES[here])
    passed(
        f"{_ENGINE_NAMES[here]} reads what Spark reads at each version: a table of three "
        "versions at versions 1 and 0, silver.pokemon at version 0"
    )
    print(
        f"  Your {_ENGINE_NAMES[elsewhere]} text was read, not run ({_ENGINE_NAMES[elsewhere]} "
        f"is not this profile's engine): {text[elsewhere]!r} names the table and the version "
        f"as {_ENGINE_NAMES[elsewhere]} writes them."
    )
