"""The check primitives every lesson's checks share: the failure, `expect`, the ✓ line, and
helpers to get the Spark session, a table and its columns."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator

from lakehouse_kit.errors import KitError, first_line


class CheckFailed(KitError):
    """An exercise is not done yet; the fix is the hint."""


def expect(condition: bool, problem: str, hint: str) -> None:
    if not condition:
        raise CheckFailed(problem, fix=hint)


def passed(what: str) -> None:
    print(f"✓ {what}")


def session(spark):
    """The session given, else the lesson's (its tables are registered: the lesson's first cell
    did that, and `save_table` registers what it writes), else a new one on the running engine
    (a check starts no server: `lakehouse up`, or the lesson's `get_spark()`, does)."""
    from lakehouse_kit.spark import connect, current_spark

    return spark or current_spark() or connect()


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
    """How many rows a table has, and how many distinct ids (a null id counted once, as
    distinct() does): equal when ids are unique. One job, not two."""
    row = df.selectExpr(
        "count(*) AS n_rows",
        "count(DISTINCT id) + max(CASE WHEN id IS NULL THEN 1 ELSE 0 END) AS n_ids",
    ).first()
    return row["n_rows"], row["n_ids"] or 0


def sql_in(column: str, values) -> str:
    """A SQL filter: the column is one of the values."""
    return f"{column} IN ({', '.join(str(v) for v in values)})"


def another_profile(settings):
    """The settings of another profile (an https store, other keys, region and metastore): an
    answer asked again with them must follow them; a value typed into the code does not."""
    import dataclasses

    return dataclasses.replace(
        settings,
        s3_endpoint="https://s3.example.test:9999",
        s3_region="eu-probe-1",
        s3_access_key="probe-key",
        s3_secret_key="probe-secret",
        metastore_uri="thrift://metastore.example.test:9083",
    )


def engine_error_types() -> tuple[type[BaseException], ...]:
    """What an engine raises about a query: Spark's errors (Sail and the JVM alike) and delta-rs'.
    A learner's own Python mistakes (and the lessons' NotImplementedError) are not among them."""
    from deltalake.exceptions import DeltaError
    from pyspark.errors import PySparkException

    return PySparkException, DeltaError


# Valid Spark and Delta SQL the embedded engine's parser refuses ("found HISTORY at 9:16
# expected ..."), by the word it stops at: the statement, and the route that works everywhere.
PORTABLE_ROUTES = {
    "TBLPROPERTIES": (
        "SHOW TBLPROPERTIES",
        "lakehouse_kit.delta_ops.constraints(table) reads the CHECK constraints from the "
        "table's metadata",
    ),
    "CONSTRAINT": (
        "ALTER TABLE ... DROP CONSTRAINT",
        "test first: add a constraint only when its name is not in "
        "lakehouse_kit.delta_ops.constraints(table)",
    ),
    "HISTORY": ("DESCRIBE HISTORY", "lakehouse_kit.delta_ops.history(table) lists the commits"),
    "DETAIL": ("DESCRIBE DETAIL", "lakehouse_kit.delta_ops.data_files(table) lists the files"),
    "OPTIMIZE": ("OPTIMIZE", "lakehouse_kit.delta_ops.compact(table) compacts"),
    "VACUUM": ("VACUUM", "lakehouse_kit.delta_ops.vacuum(table) vacuums"),
    "RESTORE": ("RESTORE", "read the old version (VERSION AS OF) and overwrite the table with it"),
}
_REFUSED = re.compile(rf"\bfound ({'|'.join(PORTABLE_ROUTES)}) at \d+:\d+")
# Parsed, then refused when run (Sail 0.7.2: RENAME COLUMN and DROP COLUMN).
ALTER_REFUSED = "unsupported ALTER TABLE operation"
ALTER_ROUTE = (
    "ALTER TABLE ... RENAME COLUMN or DROP COLUMN",
    "lakehouse_kit.delta_ops.rename_column(table, old, new) or drop_column(table, column), on a "
    "table with column mapping (on the JVM they run that SQL)",
)


def portable_route(error: BaseException) -> tuple[str, str] | None:
    """(statement, portable route) when the engine refused valid Spark it does not support."""
    if ALTER_REFUSED in str(error):
        return ALTER_ROUTE
    found = _REFUSED.search(str(error))
    return PORTABLE_ROUTES[found.group(1)] if found else None


@contextlib.contextmanager
def engine_errors(what: str, hint: str) -> Iterator[None]:
    """Run the learner's code: an engine error becomes a CheckFailed that says what failed
    and how to fix it, not a traceback from inside the engine. Valid Spark the embedded engine
    does not support gets the portable route instead of the exercise's hint."""
    try:
        yield
    except engine_error_types() as error:
        route = portable_route(error)
        if route:
            statement, instead = route
            raise CheckFailed(
                f"{what} uses {statement}: valid Spark, but the embedded engine does not "
                f"support it ({first_line(error)}).",
                fix=f"The portable route, on every engine: {instead}.",
            ) from error
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
