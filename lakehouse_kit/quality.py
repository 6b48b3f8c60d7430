"""Data quality with Great Expectations: validate a Spark DataFrame against a suite, show the
result as a table, and split rows into valid and quarantined with the reasons each row failed.

GX reports counts per expectation; a quarantine needs reasons per row. `split_valid` turns each
column-map expectation of the same suite into a Spark predicate, so one suite drives both.
"""

from __future__ import annotations

import uuid
import warnings

import pandas as pd
from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from lakehouse_kit import runtime
from lakehouse_kit.contracts import columns
from lakehouse_kit.errors import KitError
from lakehouse_kit.spark import import_connect_client

import_connect_client()  # before GX, which imports it and would exit without SPARK_HOME
import great_expectations as gx  # noqa: E402
import great_expectations.expectations as gxe  # noqa: E402, F401  (lessons import gxe from here)


def _gx_context():
    """One ephemeral (in-memory) GX context per kernel: nothing written to disk."""
    state = runtime.state()
    if state.gx_context is None:
        from great_expectations.data_context.types.base import ProgressBarsConfig

        context = gx.get_context(mode="ephemeral")
        # No usage statistics and no progress bars: neither belongs in a workshop.
        context.enable_analytics(False)
        context.variables.progress_bars = ProgressBarsConfig(globally=False)
        state.gx_context = context
    return state.gx_context


def new_suite(name: str, expectations: list) -> gx.ExpectationSuite:
    """An expectation suite holding the given expectations (re-creatable: re-running a cell is fine)."""
    _gx_context()  # GX needs a context before a suite can hold expectations
    return gx.ExpectationSuite(name=f"{name}-{uuid.uuid4().hex[:6]}", expectations=expectations)


def validate(df: DataFrame, suite: gx.ExpectationSuite):
    """Validate a Spark DataFrame (classic or Spark Connect) with GX; returns the GX result.

    GX counts the failing rows of every expectation in one Spark query, but its detailed result
    formats also fetch examples with a query per expectation, passing or not. So the suite runs
    as BOOLEAN_ONLY (pass or fail: one query), then as SUMMARY (counts and examples) for the
    expectations that failed or tolerate failures (`mostly`) alone."""
    context = _gx_context()
    name = f"df-{uuid.uuid4().hex[:8]}"
    asset = context.data_sources.add_or_update_spark(name).add_dataframe_asset(name)
    batch = asset.add_batch_definition_whole_dataframe(name).get_batch(
        batch_parameters={"dataframe": df}
    )
    result = batch.validate(suite, result_format="BOOLEAN_ONLY")
    wanted = {_key(r.expectation_config) for r in result.results if not r.success}
    detail = [e for e in suite.expectations if _key(e.configuration) in wanted or _tolerant(e)]
    if detail:
        detailed = batch.validate(
            gx.ExpectationSuite(name=f"{suite.name}-detail", expectations=detail),
            result_format="SUMMARY",
        )
        by_key = {_key(r.expectation_config): r for r in detailed.results}
        result.results = [by_key.get(_key(r.expectation_config), r) for r in result.results]
    return result


def _key(config) -> tuple[str, str]:
    """An expectation's kind and arguments, without the batch a result adds to them."""
    kwargs = {k: v for k, v in config.kwargs.items() if k != "batch_id"}
    return config.type, repr(sorted(kwargs.items()))


def _tolerant(expectation) -> bool:
    """It may pass with failing rows, whose count the result should still show."""
    return (expectation.configuration.kwargs.get("mostly") or 1) < 1


def results_table(result) -> pd.DataFrame:
    """One readable row per expectation: what was expected, passed or not, how many rows failed
    (and examples). An expectation that passed outright failed no row."""
    rows = []
    for r in result.results:
        config, outcome = r.expectation_config, r.result or {}
        rows.append(
            {
                "expectation": describe(config),
                "success": bool(r.success),
                "failed_rows": outcome.get("unexpected_count", 0 if r.success else None),
                "failed_percent": round(outcome.get("unexpected_percent") or 0.0, 2),
                "examples": (outcome.get("partial_unexpected_list") or [])[:3],
            }
        )
    return pd.DataFrame(rows).sort_values(["success", "expectation"], ignore_index=True)


def describe(expectation) -> str:
    """A short human label such as `hp between 1 and 255` for an expectation (or its config):
    its own `description` when it has one."""
    if getattr(expectation, "description", None):
        return expectation.description
    kind = _kind(expectation)
    kwargs = _kwargs(expectation)
    column = kwargs.get("column", "table")
    low, high = _number(kwargs.get("min_value")), _number(kwargs.get("max_value"))
    labels = {
        "expect_column_values_to_not_be_null": f"{column} not null",
        "expect_column_values_to_be_between": f"{column} between {low} and {high}",
        "expect_column_values_to_be_in_set": f"{column} in allowed set",
        "expect_column_values_to_match_regex": f"{column} matches {kwargs.get('regex')}",
        "expect_column_values_to_not_match_regex": f"{column} does not match {kwargs.get('regex')}",
        "expect_column_values_to_be_unique": f"{column} unique",
        "expect_table_row_count_to_be_between": f"row count between {low} and {high}",
    }
    return labels.get(kind, f"{kind}({column})")


def _number(value):
    return "any" if value is None else f"{value:g}"


def _kind(expectation) -> str:
    # Expectation objects carry `expectation_type`; configs inside a result carry `type`.
    return getattr(expectation, "expectation_type", None) or expectation.type


def _kwargs(expectation) -> dict:
    return (
        expectation.kwargs if hasattr(expectation, "kwargs") else expectation.configuration.kwargs
    )


def _row_failure(expectation) -> Column | None:
    """A Spark condition that is true where a row breaks the expectation (GX semantics: apart
    from not-null, a null value passes). None for expectations that are not about single rows."""
    kind, kw = _kind(expectation), _kwargs(expectation)
    column = F.col(kw["column"]) if "column" in kw else None
    if kind == "expect_column_values_to_not_be_null":
        return column.isNull()
    if kind == "expect_column_values_to_be_between":
        low, high = kw.get("min_value"), kw.get("max_value")
        outside = F.lit(False)
        if low is not None:
            outside = outside | (column < F.lit(low))
        if high is not None:
            outside = outside | (column > F.lit(high))
        return column.isNotNull() & outside
    if kind == "expect_column_values_to_be_in_set":
        return column.isNotNull() & ~column.isin(list(kw["value_set"]))
    if kind == "expect_column_values_to_match_regex":
        return column.isNotNull() & ~column.rlike(kw["regex"])
    if kind == "expect_column_values_to_not_match_regex":
        return column.isNotNull() & column.rlike(kw["regex"])
    if kind == "expect_column_values_to_be_unique":
        count = F.count(F.lit(1)).over(Window.partitionBy(kw["column"]))
        return column.isNotNull() & (count > 1)
    return None


def split_valid(df: DataFrame, suite: gx.ExpectationSuite) -> tuple[DataFrame, DataFrame]:
    """Rows that meet every row-level expectation, and the others with `failed_expectations`
    (an array of labels such as `hp between 1 and 255`)."""
    checks = [(describe(e), _row_failure(e)) for e in suite.expectations]
    checks = [(label, cond) for label, cond in checks if cond is not None]
    for problem in split_limits(suite):
        warnings.warn(problem, stacklevel=2)
    if not checks:
        raise KitError(
            "The suite has no row-level expectation to split on.",
            fix="Add column expectations such as ExpectColumnValuesToNotBeNull.",
        )
    failures = F.array_compact(F.array(*[F.when(cond, F.lit(label)) for label, cond in checks]))
    labelled = df.withColumn("failed_expectations", failures)
    failed = F.size("failed_expectations") > 0
    valid = labelled.filter(~failed).drop("failed_expectations")
    return valid, labelled.filter(failed)


def split_limits(suite: gx.ExpectationSuite) -> list[str]:
    """What `split_valid` does not apply as written, so nobody trusts it silently: expectations
    that are not about single rows (validate() still checks them), and `mostly`, since the
    split sends every failing row to quarantine."""
    unsplit = [describe(e) for e in suite.expectations if _row_failure(e) is None]
    lenient = [describe(e) for e in suite.expectations if (_kwargs(e).get("mostly") or 1) < 1]
    problems = []
    if unsplit:
        problems.append(
            f"split_valid routes rows by row-level expectations only; not by: {', '.join(unsplit)} "
            "(validate() still checks them)."
        )
    if lenient:
        problems.append(
            f"split_valid ignores `mostly` in: {', '.join(lenient)}: every row that breaks "
            "them goes to quarantine."
        )
    return problems


QUARANTINE_COLUMNS = columns("silver.quarantine")


def quarantine_rows(
    source_table: str, malformed: DataFrame, failed: DataFrame, duplicates: DataFrame
) -> DataFrame:
    """Everything from one Bronze table that does not go to Silver, with the reasons, in the
    quarantine table's shape. `malformed` and `duplicates` get a reason; `failed` has them."""
    reasons = {
        "malformed": (malformed, F.array(F.lit("valid JSON object"))),
        "failed": (failed, F.col("failed_expectations")),
        "duplicates": (duplicates, F.array(F.lit("one row per id (duplicate)"))),
    }
    parts = []
    for frame, why in reasons.values():
        ids = F.col("id") if "id" in frame.columns else F.get_json_object("raw", "$.id")
        parts.append(
            frame.select(
                F.lit(source_table).alias("source_table"),
                ids.cast("int").alias("id"),
                "raw",
                why.cast("array<string>").alias("failed_expectations"),
                "_batch_id",
                F.current_timestamp().alias("_quarantined_at"),
            )
        )
    return parts[0].unionByName(parts[1]).unionByName(parts[2])
