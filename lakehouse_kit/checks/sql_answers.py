"""What lesson 5's checks share: a learner's query run on the SQL engine (its error cut to one
line), rows compared with Spark's, and the SQL only one engine understands refused."""

from __future__ import annotations

import re

from lakehouse_kit.checks.core import (
    CheckFailed,
    expect,
    passed,
)
from lakehouse_kit.errors import first_line


def engine_or_default(engine):
    from lakehouse_kit.sql import sql_engine

    return engine or sql_engine()


_STANDARD_SQL = "Use standard SQL (WITH, ROW_NUMBER() OVER, CAST) and names such as silver.pokemon."


def read_sql(query: str, engine, params: dict | None = None, fix: str = _STANDARD_SQL):
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
    rows = same_rows(sql_result, spark_result, what)
    passed(f"SQL and Spark agree on {what}: {rows} rows")


def same_rows(sql_result, spark_result, what: str) -> int:
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


def statement(query: str) -> str:
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


def require_portable(query: str) -> None:
    """Syntax only one engine takes fails here too, with the portable route."""
    import re

    code = re.sub(r"--[^\n]*|/\*.*?\*/|'(?:[^']|'')*'|\"[^\"]*\"", " ", query, flags=re.S)
    for pattern, problem, hint in _NOT_PORTABLE:
        expect(
            not re.search(pattern, code, flags=re.I),
            f"{problem}: the same query must run on both.",
            hint + _PORTABLE_HINT,
        )


def code_of(query: str) -> str:
    """The query without comments and string literals: the part that names tables."""
    return re.sub(r"--[^\n]*|/\*.*?\*/|'(?:[^']|'')*'", " ", query, flags=re.S)
