"""What the lakehouse holds now: tables per layer with row counts, expectation results and
quarantined rows, as plain data (`lakehouse run` draws it)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from functools import reduce

from lakehouse_kit.settings import load_settings


@dataclass
class SuiteResult:
    """One expectation suite as the Silver lesson last ran it (before the valid/quarantine split)."""

    suite: str
    expectations: int
    passed: int
    failed_rows: int


@dataclass
class LakehouseSummary:
    tables: dict[str, int]  # "layer.table" -> rows
    suites: list[SuiteResult]
    quarantine: dict[str, int]  # source table -> quarantined rows

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> LakehouseSummary:
        data = json.loads(text)
        return cls(data["tables"], [SuiteResult(**s) for s in data["suites"]], data["quarantine"])


def table_counts(spark=None) -> dict[str, int]:
    from pyspark.sql import DataFrame
    from pyspark.sql import functions as F

    from lakehouse_kit.catalog import discover_tables
    from lakehouse_kit.spark import connect

    spark = spark or connect()
    names = discover_tables()
    if not names:
        return {}
    # One query for every table (a count per table was a round trip and a job each).
    counts = [
        spark.table(name).agg(F.count(F.lit(1)).alias("rows")).select(F.lit(name), "rows")
        for name in names
    ]
    return {name: rows for name, rows in reduce(DataFrame.unionAll, counts).collect()}


def quarantine_counts(spark=None) -> dict[str, int]:
    from lakehouse_kit.spark import connect

    spark = spark or connect()
    if not spark.catalog.tableExists("silver.quarantine"):
        return {}
    rows = spark.table("silver.quarantine").groupBy("source_table").count().collect()
    return {row["source_table"]: row["count"] for row in rows}


def expectation_reports() -> dict[str, list[dict]]:
    runs = load_settings().home / "runs"
    return {
        p.stem.removeprefix("expectations_"): json.loads(p.read_text())
        for p in sorted(runs.glob("expectations_*.json"))
    }


def suite_results() -> list[SuiteResult]:
    return [
        SuiteResult(
            suite,
            len(results),
            sum(1 for r in results if r["success"]),
            sum(int(r.get("failed_rows") or 0) for r in results),
        )
        for suite, results in expectation_reports().items()
    ]


def lakehouse_summary(spark=None) -> LakehouseSummary:
    from lakehouse_kit.spark import connect

    spark = spark or connect()  # one session (and one listing of the bucket) for both counts
    return LakehouseSummary(
        table_counts(spark), suite_results(), dict(sorted(quarantine_counts(spark).items()))
    )
