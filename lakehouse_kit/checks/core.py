"""The check primitives every lesson's checks share: the failure, `expect`, the ✓ line, and
helpers to get the Spark session, a table and its columns."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from lakehouse_kit.errors import KitError


class CheckFailed(KitError):
    """An exercise is not done yet; the fix is the hint."""


def expect(condition: bool, problem: str, hint: str) -> None:
    if not condition:
        raise CheckFailed(problem, fix=hint)


def passed(what: str) -> None:
    print(f"✓ {what}")


def session(spark):
    """The session given, else the lesson's (its tables are registered: the lesson's first cell
    did that, and `save_table` registers what it writes), else a new one."""
    from lakehouse_kit.spark import current_spark, get_spark

    return spark or current_spark() or get_spark()


def read_table(spark, name: str, hint: str):
    """A table as a DataFrame; a missing table fails with the hint."""
    spark = session(spark)
    expect(spark.catalog.tableExists(name), f"There is no table {name} yet.", hint)
    return spark.table(name)


def columns_present(df, columns: list[str], where: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    expect(
        not missing,
        f"{where} lacks the columns {missing}.",
        f"{where} needs exactly these columns: {columns}.",
    )


def rows_and_ids(df) -> tuple[int, int]:
    """How many rows a table has, and how many distinct ids: equal when ids are unique."""
    return df.count(), df.select("id").distinct().count()


def sql_in(column: str, values) -> str:
    """A SQL filter: the column is one of the values."""
    return f"{column} IN ({', '.join(str(v) for v in values)})"


def first_line(error: BaseException) -> str:
    """An error's first line, short: what a hint quotes from an engine's long message."""
    text = str(error).strip()
    return text.splitlines()[0][:200] if text else type(error).__name__


def engine_error_types() -> tuple[type[BaseException], ...]:
    """What an engine raises about a query: Spark's errors (Sail and the JVM alike) and delta-rs'.
    A learner's own Python mistakes (and the lessons' NotImplementedError) are not among them."""
    from deltalake.exceptions import DeltaError
    from pyspark.errors import PySparkException

    return PySparkException, DeltaError


@contextlib.contextmanager
def engine_errors(what: str, hint: str) -> Iterator[None]:
    """Run the learner's code: an engine error becomes a CheckFailed that says what failed
    and how to fix it, not a traceback from inside the engine."""
    try:
        yield
    except engine_error_types() as error:
        raise CheckFailed(f"{what} failed in the engine: {first_line(error)}", fix=hint) from error


@contextlib.contextmanager
def scratch_table(spark, name: str) -> Iterator[str]:
    """A throw-away table name (`silver._check_<name>`) for running the learner's code without
    touching the learner's tables; whatever was written there is removed afterwards."""
    from lakehouse_kit.storage import delete_prefix

    table = f"silver._check_{name}"
    spark = session(spark)
    _drop(spark, table, delete_prefix)
    try:
        yield table
    finally:
        _drop(spark, table, delete_prefix)


def _drop(spark, table: str, delete_prefix) -> None:
    spark.sql(f"DROP TABLE IF EXISTS {table}")
    delete_prefix(table.replace(".", "/", 1) + "/")
