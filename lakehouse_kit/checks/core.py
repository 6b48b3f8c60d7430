"""The check primitives every lesson's checks share: the failure, `expect`, the ✓ line, and
helpers to get the Spark session, a table and its columns."""

from __future__ import annotations

from lakehouse_kit.errors import KitError


class CheckFailed(KitError):
    """An exercise is not done yet; the fix is the hint."""


def expect(condition: bool, problem: str, hint: str) -> None:
    if not condition:
        raise CheckFailed(problem, fix=hint)


def passed(what: str) -> None:
    print(f"✓ {what}")


def session(spark):
    """The session given, else the kit's (started on demand)."""
    from lakehouse_kit.spark import get_spark

    return spark or get_spark()


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
