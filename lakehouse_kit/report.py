"""What the lakehouse holds now: tables per layer with row counts, expectation results and
quarantined rows, as rich tables for the terminal and as plain data for tests."""

from __future__ import annotations

import json

from rich.table import Table

from lakehouse_kit.settings import load_settings


def table_counts(spark=None) -> dict[str, int]:
    from lakehouse_kit.catalog import discover_tables
    from lakehouse_kit.spark import get_spark

    spark = spark or get_spark()
    return {name: spark.table(name).count() for name in discover_tables()}


def quarantine_counts(spark=None) -> dict[str, int]:
    from lakehouse_kit.spark import get_spark

    spark = spark or get_spark()
    if not spark.catalog.tableExists("silver.quarantine"):
        return {}
    rows = spark.table("silver.quarantine").groupBy("source_table").count().collect()
    return {row["source_table"]: row["count"] for row in rows}


def expectation_reports() -> dict[str, list[dict]]:
    runs = load_settings().home / "runs"
    return {p.stem.removeprefix("expectations_"): json.loads(p.read_text())
            for p in sorted(runs.glob("expectations_*.json"))}  # fmt: skip


def lakehouse_summary(spark=None) -> list[Table]:
    counts = table_counts(spark)
    tables = Table("layer", "table", "rows", title="Tables")
    for name, rows in counts.items():
        layer, table = name.split(".")
        tables.add_row(layer, table, f"{rows:,}")
    quality = Table("suite", "expectations", "passed", "failed rows", title="Expectations (before the split)")
    for suite, results in expectation_reports().items():
        passed = sum(1 for r in results if r["success"])
        failed_rows = sum(int(r.get("failed_rows") or 0) for r in results)
        quality.add_row(suite, str(len(results)), str(passed), f"{failed_rows:,}")
    quarantine = Table("source table", "quarantined rows", title="Quarantine")
    for source, rows in sorted(quarantine_counts(spark).items()):
        quarantine.add_row(source, f"{rows:,}")
    return [tables, quality, quarantine]
