"""Lesson 5 (SQL access): the SQL engine gives the same answers as Spark."""

from __future__ import annotations

import re
from collections.abc import Callable

from lakehouse_kit.checks.core import (
    CheckFailed,
    expect,
    passed,
    read_table,
    scratch_table,
    session,
)
from lakehouse_kit.contracts import PRODUCES
from lakehouse_kit.errors import first_line

LESSON = "05"


def _sql_engine(engine):
    from lakehouse_kit.sql import sql_engine

    return engine or sql_engine()


_STANDARD_SQL = "Use standard SQL (WITH, ROW_NUMBER() OVER, CAST) and names such as silver.pokemon."


def _read_sql(query: str, engine, params: dict | None = None, fix: str = _STANDARD_SQL):
    """Run a learner's query; a failure becomes a CheckFailed with the engine's first line."""
    import pandas as pd
    import sqlalchemy as sa

    try:
        return pd.read_sql(sa.text(query), engine, params=params)
    except Exception as failure:  # the driver's own error types differ per engine
        raise CheckFailed(
            f"The SQL engine rejected the query: {first_line(failure)}", fix=fix
        ) from failure


def _rows(frame, columns: list[str]) -> list[tuple]:
    """Comparable rows of a pandas DataFrame: sorted, nulls as None, floats rounded."""
    import math

    def cell(value):
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return None
        if hasattr(value, "item"):  # numpy scalars
            value = value.item()
        return round(value, 6) if isinstance(value, float) else value

    return sorted(
        (tuple(cell(v) for v in row) for row in frame[columns].itertuples(index=False)), key=repr
    )


def check_sql_matches_spark(sql_result, spark_result, what: str = "the query") -> None:
    """The same rows (any order) from the SQL engine (pandas) and from Spark (Spark or pandas)."""
    rows = _same_rows(sql_result, spark_result, what)
    passed(f"SQL and Spark agree on {what}: {rows} rows")


def _same_rows(sql_result, spark_result, what: str) -> int:
    """check_sql_matches_spark without the ✓: how many rows agree."""
    import pandas as pd

    # isinstance, not hasattr: a Spark DataFrame answers any attribute name with a Column.
    spark_frame = (
        spark_result if isinstance(spark_result, pd.DataFrame) else spark_result.toPandas()
    )
    sql_frame = sql_result.rename(columns=str.lower)
    columns = list(spark_frame.columns)
    missing = [c for c in columns if c not in sql_frame.columns]
    expect(
        not missing,
        f"The SQL result of {what} lacks the columns {missing} (it has {list(sql_frame.columns)}).",
        f"Select exactly these columns, named so: {columns}.",
    )
    sql_rows, spark_rows = _rows(sql_frame, columns), _rows(spark_frame, columns)
    expect(
        len(sql_rows) == len(spark_rows),
        f"SQL returned {len(sql_rows)} rows for {what}; Spark {len(spark_rows)}.",
        "Check your WHERE and GROUP BY: the answer has one row per group.",
    )
    differ = [(a, b) for a, b in zip(sql_rows, spark_rows, strict=True) if a != b]
    expect(
        not differ,
        f"{len(differ)} rows of {what} differ, e.g. SQL {differ[0][0] if differ else ''} "
        f"vs Spark {differ[0][1] if differ else ''}.",
        "Compare your ordering and tie-breaker (ORDER BY total DESC, id) with the exercise.",
    )
    return len(sql_rows)


def _statement(query: str) -> str:
    """A query's first keyword onwards: comments, blank lines and opening parentheses skipped,
    which the engines accept before a SELECT or a WITH."""
    text = query
    while True:
        text = text.lstrip().lstrip("(")
        if text.startswith("--"):
            text = text.partition("\n")[2]
        elif text.startswith("/*"):
            text = text.partition("*/")[2]
        elif text[:1].isspace() or text.startswith("("):
            continue
        else:
            return text


# What one engine takes and the other refuses (or only Spark takes): pattern, problem, hint.
_NOT_PORTABLE = [
    (
        r"`",
        "Backticks quote names in Spark SQL only",
        "Write names plainly (silver.pokemon, total), or in double quotes.",
    ),
    (
        r"\bQUALIFY\b",
        "QUALIFY runs on DuckDB but not on Trino",
        "Number the rows in a WITH clause and keep number 1 with WHERE.",
    ),
    (
        r"\bDISTINCT\s+ON\b",
        "DISTINCT ON runs on DuckDB (and PostgreSQL) but not on Trino",
        "Number the rows with ROW_NUMBER() OVER (PARTITION BY ...) in a WITH clause, keep number 1.",
    ),
    (r"::", "The :: cast runs on DuckDB but not on Trino", "Write CAST(value AS type)."),
    (
        r'\bhive"?\s*\.',
        "The hive catalog reaches the Delta tables on Trino only (Trino hands them over to the "
        "delta catalog); DuckDB has no hive catalog",
        "Name the catalog that holds the Delta tables: delta.silver.pokemon.",
    ),
]
_PORTABLE_HINT = " Standard SQL runs on both engines: DuckDB here, Trino on the stack."


def _portable(query: str) -> None:
    """Syntax only one engine takes fails here too, with the portable route."""
    import re

    code = re.sub(r"--[^\n]*|/\*.*?\*/|'(?:[^']|'')*'|\"[^\"]*\"", " ", query, flags=re.S)
    for pattern, problem, hint in _NOT_PORTABLE:
        expect(
            not re.search(pattern, code, flags=re.I),
            f"{problem}: the same query must run on both.",
            hint + _PORTABLE_HINT,
        )


# silver.pokemon as a name (optionally quoted, optionally after a catalog), and what may follow
# it that is not an alias of the learner's.
_POKEMON_TABLE = r'(?<![\w."])(?:"?\w+"?\s*\.\s*)?"?silver"?\s*\.\s*"?pokemon"?(?![\w"])'
_NOT_AN_ALIAS = (
    r"\s*(?:$|[),;]|(?:WHERE|JOIN|INNER|LEFT|RIGHT|FULL|CROSS|NATURAL|ON|USING|GROUP|ORDER|"
    r"LIMIT|OFFSET|FETCH|UNION|EXCEPT|INTERSECT|WINDOW|HAVING|QUALIFY|FOR)\b)"
)


def _mirrored(query: str, columns: list[str]) -> str:
    """The query over silver.pokemon with every id negated: the same Pokémon, but of two tied
    for first the other one has the smaller id, so the tie-breaker must come from the query."""
    import re

    listed = ", ".join("-id AS id" if c == "id" else c for c in columns)

    def subquery(table: re.Match) -> str:
        rest = table.string[table.end() :]
        alias = " AS pokemon" if re.match(_NOT_AN_ALIAS, rest, flags=re.I) else ""
        return f"(SELECT {listed} FROM {table.group(0)}){alias}"

    return re.sub(_POKEMON_TABLE, subquery, query, flags=re.I)


def _strongest(pokemon):
    """The answer, computed by Spark: per primary type, the highest total, ties by smaller id."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    best = Window.partitionBy("primary_type").orderBy(F.desc("total"), "id")
    return (
        pokemon.withColumn("_rank", F.row_number().over(best))
        .filter("_rank = 1")
        .select("primary_type", "name", "total")
        .toPandas()
    )


def _judge_strongest_sql(answer, expected, where: str) -> int:
    """One row per primary type, the strongest, the smaller id of two tied; named hints for the
    usual ways to miss, then every row compared."""
    answer = answer.rename(columns=str.lower)
    columns = ["primary_type", "name", "total"]
    missing = [c for c in columns if c not in answer.columns]
    expect(
        not missing,
        f"The query's answer lacks the columns {missing} (it has {list(answer.columns)}).",
        f"Select exactly these columns, named so: {columns}.",
    )
    best = {r.primary_type: (r.name, r.total) for r in expected.itertuples(index=False)}
    got: dict[str, list] = {}
    for r in answer[columns].itertuples(index=False):
        got.setdefault(r.primary_type, []).append((r.name, r.total))
    repeated = sorted((t for t, rows in got.items() if len(rows) > 1), key=str)
    absent = sorted(set(best) - set(got), key=str)
    tied = not absent and all(len({total for _, total in got[t]}) == 1 for t in repeated)
    expect(
        not repeated,
        f"{where}, the query returns {len(got[repeated[0]])} rows for {repeated[0]}"
        f"{' (tied on total)' if tied else ''}; one row per primary type."
        if repeated
        else "",
        "ROW_NUMBER() gives tied Pokémon different numbers; RANK() (or a join on the maximum "
        "total) keeps every one tied for first. Order by total DESC, id."
        if tied
        else "Number the rows per type (ROW_NUMBER() OVER (PARTITION BY primary_type ...)) and "
        "keep number 1: a LIMIT keeps the top rows of the whole table, not of each type.",
    )
    expect(
        not absent,
        f"{where}, the query has no row for the types {absent[:3]}.",
        "One row for every primary type: partition by primary_type and keep number 1 of each.",
    )
    weaker = sorted(t for t, rows in got.items() if t in best and rows[0][1] < best[t][1])
    expect(
        not weaker,
        f"{where}, the query picks {got[weaker[0]][0]} for {weaker[0]}; the strongest is "
        f"{best[weaker[0]]}."
        if weaker
        else "",
        "ORDER BY total DESC inside the OVER (...): number 1 must be the highest total.",
    )
    ties = sorted(
        t
        for t, rows in got.items()
        if t in best and rows[0] != best[t] and rows[0][1] == best[t][1]
    )
    expect(
        not ties,
        f"{where}, the query picks {got[ties[0]][0]} for {ties[0]}; with the same total, "
        f"{best[ties[0]]} has the smaller id."
        if ties
        else "",
        "Break ties by the smaller id: ORDER BY total DESC, id.",
    )
    return _same_rows(answer, expected, "the strongest Pokémon per primary type")


def check_strongest_per_type_sql(query: str, engine=None, spark=None) -> None:
    """The learner's SQL gives, per primary type, the Pokémon with the highest total (ties: the
    smaller id): once over silver.pokemon, once over it with the ids negated. Syntax only one
    of the course's engines takes (DuckDB here, Trino on the stack) is refused on both."""
    from pyspark.sql import functions as F

    expect(
        isinstance(query, str) and _statement(query).upper().startswith(("SELECT", "WITH")),
        "strongest_per_type_sql must return the text of one query (SELECT or WITH).",
        "Return a string such as '''WITH ranked AS (...) SELECT ...'''.",
    )
    _portable(query)
    spark, engine = session(spark), _sql_engine(engine)
    query = query.strip().rstrip(";").rstrip()
    pokemon = read_table(spark, "silver.pokemon", "Run lesson 3 to build Silver.")
    rows = _judge_strongest_sql(_read_sql(query, engine), _strongest(pokemon), "On silver.pokemon")
    mirrored = _mirrored(query, pokemon.columns)
    try:
        answer = _read_sql(mirrored, engine)
    except CheckFailed as failure:
        raise CheckFailed(
            "The query runs on silver.pokemon, but failed when the check put other rows in its "
            f"place (a subquery with the ids negated): {failure.message}",
            fix="Refer to the columns plainly, or through an alias of your own "
            "(FROM silver.pokemon AS p ... p.total).",
        ) from failure
    where = "On silver.pokemon with its ids negated (so ties break the other way)"
    _judge_strongest_sql(answer, _strongest(pokemon.withColumn("id", -F.col("id"))), where)
    passed(
        f"SQL and Spark agree on the strongest Pokémon per primary type: {rows} rows, also with other ids"
    )


# ------------------------------------------------------------------ exercise 2: catalogs named

MARGINS = (0, 40)  # 0 keeps exactly the Pokémon level with the best of their type: the boundary
NEAR_COLUMNS = ["name", "primary_type", "total", "max_total"]
# The exercise's two tables: each name, with the catalog before it (group 1) if one is written.
_NEAR_TABLES = {
    "delta.silver.pokemon": r'(?<![\w."])(?:("?\w+"?)\s*\.\s*)?"?silver"?\s*\.\s*"?pokemon"?(?![\w"])',
    "delta.gold.type_summary": (
        r'(?<![\w."])(?:("?\w+"?)\s*\.\s*)?"?gold"?\s*\.\s*"?type_summary"?(?![\w"])'
    ),
}
_NAME_THE_CATALOG = (
    "Name the catalog of each table, delta.silver.pokemon and delta.gold.type_summary, and "
    "write the margin as the parameter :margin."
)


def _code(query: str) -> str:
    """The query without comments and string literals: the part that names tables."""
    return re.sub(r"--[^\n]*|/\*.*?\*/|'(?:[^']|'')*'", " ", query, flags=re.S)


def _catalogs_named(query: str) -> None:
    """Both tables of the exercise are read, each under the catalog delta."""
    code = _code(query)
    for table, pattern in _NEAR_TABLES.items():
        short = table.partition(".")[2]
        found = [m.group(1) for m in re.finditer(pattern, code, flags=re.I)]
        expect(
            bool(found),
            f"The query does not read {table}.",
            "Join delta.silver.pokemon with delta.gold.type_summary: max_total is the best "
            "total of each type, as Gold computed it.",
        )
        expect(
            None not in found,
            f"The query names {short} without its catalog: a client connected to the SQL "
            "server, not to one of its catalogs, cannot find it.",
            f"Write the full name, catalog.schema.table: {table}.",
        )
        other = sorted({c.strip('"').lower() for c in found} - {"delta"})
        expect(
            not other,
            f"The query reads {short} from the catalog {other[0] if other else ''}.",
            f"The Delta tables are in the catalog delta: {table}.",
        )


def _near_the_best(spark):
    """Every Pokémon with its primary type's max_total and how far below it is, by Spark."""
    from pyspark.sql import functions as F

    pokemon = read_table(spark, "silver.pokemon", "Run lesson 3 to build Silver.")
    summary = read_table(spark, "gold.type_summary", "Run lesson 4 to build Gold.")
    joined = pokemon.join(summary, pokemon["primary_type"] == summary["type"])
    gap = (F.col("max_total") - F.col("total")).alias("gap")
    return joined.select(*NEAR_COLUMNS, gap).toPandas()


def _judge_near(answer, everyone, margin: int) -> int:
    """The Pokémon at most `margin` below their primary type's max_total: named hints for the
    usual ways to miss, then every row compared with Spark's."""
    where = f"With :margin {margin}, the query"
    best = dict(zip(everyone["primary_type"], everyone["max_total"], strict=True))
    wrong_best = answer[answer["primary_type"].map(best) != answer["max_total"]]
    expect(
        wrong_best.empty,
        f"{where} gives {_first(wrong_best, 'name')} ({_first(wrong_best, 'primary_type')}) the "
        f"max_total {_first(wrong_best, 'max_total')}; gold.type_summary says "
        f"{best.get(_first(wrong_best, 'primary_type'))} for that type.",
        "Join gold.type_summary ON type = primary_type and take its max_total: the best of "
        "every Pokémon with that type, primary or secondary (not a maximum over silver.pokemon).",
    )
    below = answer[answer["max_total"] - answer["total"] > margin]
    expect(
        below.empty,
        f"{where} keeps {_first(below, 'name')}, more than {margin} below the best of its type.",
        "Keep only the Pokémon at most :margin below: WHERE max_total - total <= :margin.",
    )
    expected = everyone[everyone["gap"] <= margin]
    level = sorted(set(expected[expected["gap"] == margin]["name"]) - set(answer["name"]))
    expect(
        not level,
        f"{where} leaves out {level[:3]}, exactly {margin} below the best of their type.",
        "At most :margin below includes exactly :margin below: write <=, not <.",
    )
    return _same_rows(answer, expected[NEAR_COLUMNS], f"the Pokémon within {margin} of the best")


def _first(frame, column: str):
    return frame[column].iloc[0] if len(frame) else None


def check_near_the_best_sql(query: str, engine=None, spark=None) -> None:
    """The learner's SQL, run through a connection with no default catalog (so it must name
    `delta`), gives the Pokémon within :margin of their primary type's max_total in
    gold.type_summary, for two margins (0: the boundary itself), as Spark computes them."""
    from lakehouse_kit.sql import without_default_catalog

    expect(
        isinstance(query, str) and _statement(query).upper().startswith(("SELECT", "WITH")),
        "near_the_best_sql must return the text of one query (SELECT or WITH).",
        "Return a string such as 'SELECT ... FROM delta.silver.pokemon AS p JOIN ...'.",
    )
    _portable(query)
    _catalogs_named(query)
    everyone = _near_the_best(session(spark))
    query = query.strip().rstrip(";").rstrip()
    answers = {}
    with without_default_catalog(_sql_engine(engine)) as no_default_catalog:
        for margin in MARGINS:
            answer = _read_sql(query, no_default_catalog, {"margin": margin}, _NAME_THE_CATALOG)
            answers[margin] = answer.rename(columns=str.lower)
            missing = [c for c in NEAR_COLUMNS if c not in answers[margin].columns]
            expect(
                not missing,
                f"The query's answer lacks the columns {missing} (it has {list(answer.columns)}).",
                f"Select exactly these columns, named so: {NEAR_COLUMNS}.",
            )
    names = [frozenset(a["name"]) for a in answers.values()]
    everything = len(names[0]) == len(everyone)
    expect(
        len(set(names)) > 1,
        f"The query gives the same {len(names[0])} Pokémon for every :margin ({MARGINS})"
        f"{': all of them' if everything else ''}.",
        "No Pokémon is above the best of its type, so total - max_total <= :margin keeps them "
        "all: the gap is max_total - total."
        if everything
        else "Compare with the parameter: WHERE max_total - total <= :margin (its value is "
        "bound when the query runs, never written into the text).",
    )
    rows = [_judge_near(answers[m], everyone, m) for m in MARGINS]
    counts = " and ".join(f"{n} for :margin {m}" for m, n in zip(MARGINS, rows, strict=True))
    passed(
        f"SQL naming its catalogs, through a connection with no default one, agrees with Spark: {counts}"
    )


# ------------------------------------------------------------------ exercise 3: time travel

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
    code = _code(text)
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
    if any(int(v) != version for v in asked):
        return f"{where} reads version {asked[0]}.", f"Use the version argument: {travel}."
    return None


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
    return _same_rows(answer, then.select("id", "name"), f"{table} at version {version}")


def check_as_of_sql(as_of_sql, engine=None, spark=None, settings=None) -> None:
    """as_of_sql(table, version, dialect) gives the SQL for a table's rows as they were at a
    version. The text for this profile's SQL engine runs there, on a table of the check's own
    with three versions (asked at versions 1, then 0) and on silver.pokemon (version 0), and
    must give the rows Spark reads at those versions. The other engine's text is read, not
    run (that engine is not here), and the ✓ says so."""
    import uuid

    from lakehouse_kit.settings import load_settings

    spark, engine = session(spark), _sql_engine(engine)
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
            answer = _read_sql(text[here], engine, fix=fix)
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


def check_sql_row_counts(sql_counts: dict | None = None, engine=None, spark=None) -> None:
    """Every Gold table has as many rows through the SQL engine as through Spark."""
    spark = session(spark)
    tables = PRODUCES["04"]
    if sql_counts is None:
        sql_counts = {
            t: int(_read_sql(f"SELECT count(*) AS n FROM {t}", _sql_engine(engine))["n"].iloc[0])
            for t in tables
        }
    for table in tables:
        spark_count = read_table(spark, table, "Run lesson 4 to build Gold.").count()
        expect(
            sql_counts.get(table) == spark_count,
            f"{table}: {sql_counts.get(table)} rows through SQL, {spark_count} through Spark.",
            "Make a new engine with sql_engine() after the tables are (re)written: the embedded engine "
            "lists the tables when it is made.",
        )
    passed(f"SQL and Spark count the same rows in all {len(tables)} Gold tables")


PROGRESS: dict[str, Callable[[], None]] = {"sql sees gold": lambda: check_sql_row_counts()}
