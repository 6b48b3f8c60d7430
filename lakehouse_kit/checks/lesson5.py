"""Lesson 5 (SQL access): the SQL engine gives the same answers as Spark."""

from __future__ import annotations

from collections.abc import Callable

from lakehouse_kit.checks.core import CheckFailed, expect, passed, read_table, session
from lakehouse_kit.contracts import PRODUCES

LESSON = "05"


def _sql_engine(engine):
    from lakehouse_kit.sql import sql_engine

    return engine or sql_engine()


def _read_sql(query: str, engine):
    """Run a learner's query; a failure becomes a CheckFailed with the engine's first line."""
    import pandas as pd
    import sqlalchemy as sa

    try:
        return pd.read_sql(sa.text(query), engine)
    except Exception as failure:  # the driver's own error types differ per engine
        first = (
            str(failure).strip().splitlines()[0][:300]
            if str(failure).strip()
            else type(failure).__name__
        )
        raise CheckFailed(
            f"The SQL engine rejected the query: {first}",
            fix="Use standard SQL (WITH, ROW_NUMBER() OVER, CAST) and names such as silver.pokemon.",
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
