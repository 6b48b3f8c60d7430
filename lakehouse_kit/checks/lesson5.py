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
    passed(f"SQL and Spark agree on {what}: {len(sql_rows)} rows")


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


def check_strongest_per_type_sql(query: str, engine=None, spark=None) -> None:
    """The learner's SQL gives, per primary type, the Pokémon with the highest total (ties: smaller id)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    expect(
        isinstance(query, str) and _statement(query).upper().startswith(("SELECT", "WITH")),
        "strongest_per_type_sql must return the text of one query (SELECT or WITH).",
        "Return a string such as '''WITH ranked AS (...) SELECT ...'''.",
    )
    spark = session(spark)
    answer = _read_sql(query.strip().rstrip(";").rstrip(), _sql_engine(engine))
    best = Window.partitionBy("primary_type").orderBy(F.desc("total"), "id")
    expected = (
        read_table(spark, "silver.pokemon", "Run lesson 3 to build Silver.")
        .withColumn("_rank", F.row_number().over(best))
        .filter("_rank = 1")
        .select("primary_type", "name", "total")
    )
    check_sql_matches_spark(answer, expected, "the strongest Pokémon per primary type")


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
