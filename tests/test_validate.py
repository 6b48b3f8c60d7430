"""`quality.validate`: GX's verdict on every expectation, with counts and examples for those
that failed or tolerate failures (on the real Spark Connect engine)."""

from __future__ import annotations

from lakehouse_kit.quality import gxe, new_suite, results_table, validate


def test_validate_details_what_failed_and_only_that(spark):
    rows = spark.createDataFrame(
        [(1, "Bulbasaur", 45), (2, None, 300), (3, "Venusaur", 400), (4, "Charmander", 39)],
        "id int, name string, hp int",
    )
    suite = new_suite(
        "validate",
        [
            gxe.ExpectColumnValuesToNotBeNull(column="id"),
            gxe.ExpectColumnValuesToNotBeNull(column="name"),
            gxe.ExpectColumnValuesToBeBetween(column="hp", min_value=1, max_value=255),
            gxe.ExpectColumnValuesToNotBeNull(
                column="name", mostly=0.5, description="name mostly there"
            ),
        ],
    )
    result = validate(rows, suite)

    assert not result.success and result.statistics["unsuccessful_expectations"] == 2
    table = results_table(result).set_index("expectation")
    assert table.loc["id not null"].to_dict() == {
        "success": True,
        "failed_rows": 0,
        "failed_percent": 0.0,
        "examples": [],
    }
    assert table.loc["name not null", ["success", "failed_rows", "failed_percent"]].tolist() == [
        False,
        1,
        25.0,
    ]
    assert table.loc["hp between 1 and 255", "examples"] == [300, 400]
    # `mostly` lets it pass, yet its failing row is counted.
    assert table.loc["name mostly there", ["success", "failed_rows"]].tolist() == [True, 1]
    # An expectation that passed outright cost no query for examples: GX's BOOLEAN_ONLY result.
    (plain,) = [r for r in result.results if r.expectation_config.kwargs.get("column") == "id"]
    assert plain.success and not plain.result
