"""Exercise checks of lessons 1-3: the solution and valid alternatives pass; wrong answers fail
with their hint, never with an engine traceback."""

from __future__ import annotations

import copy

import pandas as pd
import pytest
from pyspark.sql import Window
from pyspark.sql import functions as F
from solution_code import solution

from lakehouse_kit import checks
from lakehouse_kit.checks import CheckFailed
from lakehouse_kit.checks.landing import file_lines


def fails_with_hint(check, *args, **kwargs) -> CheckFailed:
    with pytest.raises(CheckFailed) as failure:
        check(*args, **kwargs)
    assert failure.value.fix, "a failing check must say how to fix it"
    return failure.value


@pytest.fixture(scope="module")
def lesson3(spark):
    return solution("03", spark=spark, batch=1)


# ---------------------------------------------------------------- lesson 3: deduplicate


def _ranked(order):
    def deduplicate(rows, key="id"):
        ranked = rows.withColumn("_r", F.row_number().over(Window.partitionBy(key).orderBy(*order)))
        return ranked.filter("_r = 1").drop("_r"), ranked.filter("_r > 1").drop("_r")

    return deduplicate


def _sql_deduplicate(rows, key="id"):
    """Another expression of the same rule: a flag from from_json, ascending, in SQL."""
    dirty = "CASE WHEN from_json(raw, 'name STRING').name = name THEN 0 ELSE 1 END"
    ranked = rows.withColumn(
        "n", F.expr(f"row_number() OVER (PARTITION BY {key} ORDER BY _batch_id DESC, {dirty}, raw)")
    )
    return ranked.where("n = 1").drop("n"), ranked.where("n <> 1").drop("n")


def test_deduplicate_solution_and_alternatives_pass(spark, lesson3):
    checks.check_deduplicate(lesson3["deduplicate"], spark=spark)
    checks.check_deduplicate(_sql_deduplicate, spark=spark)
    clean_last = F.get_json_object("raw", "$.name") != F.col("name")
    checks.check_deduplicate(_ranked([F.desc("_batch_id"), clean_last, "raw"]), spark=spark)


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (lambda rows: (rows, rows.limit(0)), "row_number"),
        (_ranked(["_batch_id", "raw"]), "descending"),  # the oldest batch
        (_ranked([F.desc("_batch_id"), "raw"]), "arrived clean"),  # "  BULBASAUR " sorts first
        (_ranked([F.desc("_batch_id"), F.desc("raw")]), "arrived clean"),  # "vulpix" sorts last
    ],
)
def test_wrong_deduplication_fails(spark, wrong, hint):
    assert hint in fails_with_hint(checks.check_deduplicate, wrong, spark=spark).fix


def test_deduplicate_with_rank_keeps_identical_rows_and_fails(spark, lesson3):
    def with_rank(rows, key="id"):
        order = Window.partitionBy(key).orderBy(F.desc("_batch_id"), "raw")
        ranked = rows.withColumn("_r", F.rank().over(order))
        return ranked.filter("_r = 1").drop("_r"), ranked.filter("_r > 1").drop("_r")

    assert "rank()" in fails_with_hint(checks.check_deduplicate, with_rank, spark=spark).fix


def test_deduplicate_that_returns_no_duplicates_fails(spark, lesson3):
    def no_duplicates(rows):
        return lesson3["deduplicate"](rows)[0], rows.limit(0)

    assert "quarantine" in fails_with_hint(checks.check_deduplicate, no_duplicates, spark=spark).fix


def test_deduplicate_that_keeps_its_helper_column_fails(spark, lesson3):
    def keeps_rank(rows):
        kept, duplicates = lesson3["deduplicate"](rows)
        return kept.withColumn("_rank", F.lit(1)), duplicates

    assert "drop" in fails_with_hint(checks.check_deduplicate, keeps_rank, spark=spark).fix


# ---------------------------------------------------------------- lesson 3: Silver


@pytest.fixture(scope="module")
def silver_1(spark, course):
    """silver.pokemon as lesson 3 left it (the course went on to merge batch 2 into it)."""
    from lakehouse_kit import delta_ops

    history = delta_ops.history("silver.pokemon")
    load = int(history[history["operation"].isin({"WRITE", "CREATE TABLE"})]["version"].max())
    return spark.sql(f"SELECT * FROM silver.pokemon VERSION AS OF {load}")


def test_silver_as_lesson_3_left_it_passes(spark, silver_1, capsys):
    checks.check_silver(spark, silver_pokemon=silver_1)
    assert "✓" in capsys.readouterr().out


def test_silver_without_deduplication_fails_with_the_hint(spark, silver_1):
    with_duplicates = silver_1.unionByName(silver_1.filter("id < 10"))
    failure = fails_with_hint(checks.check_silver, spark, silver_pokemon=with_duplicates)
    assert "duplicates" in failure.message and "De-duplicate" in failure.fix


def test_silver_that_loses_rows_fails(spark, silver_1):
    fewer = silver_1.filter("id > 5")
    failure = fails_with_hint(checks.check_silver, spark, silver_pokemon=fewer)
    assert "quarantine" in failure.fix


def test_a_quarantine_holding_the_clean_pikachu_fails(spark, silver_1):
    """Ordering by raw alone keeps "  PIKACHU " and quarantines the clean line: the counts
    still add up, the quarantined line is the wrong one."""
    lines = file_lines("pokemon", 1)
    odd = lines[26]  # manifest: line 27 is the near-duplicate of id 25
    clean = next(line for line in lines if line.startswith('{"id": 25, "name": "Pikachu"'))
    assert '"  PIKACHU "' in odd
    quarantine = spark.table("silver.quarantine").withColumn(
        "raw", F.when(F.col("raw") == odd, F.lit(clean)).otherwise(F.col("raw"))
    )
    failure = fails_with_hint(
        checks.check_silver, spark, silver_pokemon=silver_1, quarantine=quarantine
    )
    assert "25" in failure.message and "arrived clean" in failure.fix


def test_silver_that_rejects_a_repaired_record_fails(spark, silver_1):
    """Id 832 ("height": "1.3m") rejected: the rows add up, but a fine record is quarantined."""
    raw = spark.table("bronze.pokemon").filter("raw LIKE '{\"id\": 832,%'").first()["raw"]
    rows = (
        spark.table("silver.quarantine").select("source_table", "id", "raw", "_batch_id").toPandas()
    )
    extra = {"source_table": "bronze.pokemon", "id": 832, "raw": raw, "_batch_id": 1}
    quarantine = spark.createDataFrame(pd.concat([rows, pd.DataFrame([extra])]))
    failure = fails_with_hint(
        checks.check_silver,
        spark,
        silver_pokemon=silver_1.filter("id != 832"),
        quarantine=quarantine.select(*rows.columns),
    )
    assert "832" in failure.message


# ---------------------------------------------------------------- lesson 3: parse_pokemon


@pytest.fixture(scope="module")
def wellformed(spark, course):
    return spark.table("bronze.pokemon").filter("_batch_id = 1 AND NOT _is_malformed")


def test_parse_pokemon_passes_and_returns_the_rows(wellformed, lesson3):
    typed = checks.check_parsed_pokemon(lesson3["parse_pokemon"], wellformed, 1)
    assert typed.filter("id = 832").first()["height_m"] == pytest.approx(1.3)


def test_another_way_to_flatten_passes(wellformed, lesson3):
    """Types and stats picked with lambdas instead of sorting and a map, the columns in
    another order."""
    measure = lesson3["measure"]

    def stat(name):
        found = F.filter("j.stats", lambda s: s["stat"]["name"] == name)
        return F.get(found, 0)["base_stat"].try_cast("int")

    def parse(bronze):
        j = bronze.select(
            F.from_json("raw", lesson3["POKEMON_JSON"]).alias("j"), "raw", "_batch_id"
        )
        name = F.regexp_replace(F.trim("j.name"), r"\s+", " ")
        plain = (F.upper(name) == name) | (F.lower(name) == name)
        slot = lambda n: F.get(F.filter("j.types", lambda t: t.slot == n), 0)["type"]["name"]  # noqa: E731
        stats = {s.replace("-", "_"): stat(s) for s in lesson3["STATS"]}
        return j.select(
            "raw",
            "_batch_id",
            F.col("j.moves.move.name").alias("moves"),
            *[column.alias(n) for n, column in stats.items()],
            sum(stats.values()).alias("total"),
            F.lower(F.trim(slot(2))).alias("secondary_type"),
            F.lower(F.trim(slot(1))).alias("primary_type"),
            F.col("j.is_legendary").alias("is_legendary"),
            F.col("j.base_experience").alias("base_experience"),
            measure(F.col("j.weight"), "kg", 10).alias("weight_kg"),
            measure(F.col("j.height"), "m", 10).alias("height_m"),
            F.col("j.generation").alias("generation"),
            F.when(plain, F.initcap(F.lower(name))).otherwise(name).alias("name"),
            F.col("j.id").alias("id"),
        )

    checks.check_parsed_pokemon(parse, wellformed, 1)


@pytest.mark.parametrize(
    "column, wrong, words",
    [
        ("primary_type", F.upper("primary_type"), "F.lower(F.trim"),
        ("height_m", F.col("height_m") * 10, "decimetres"),
        ("weight_kg", F.when(F.col("id") == 800, None).otherwise(F.col("weight_kg")), "kg"),
        ("hp", F.when(F.col("id") == 736, None).otherwise(F.col("hp")), "try_cast"),
        ("name", F.initcap("name"), "Ho-Oh"),
        ("name", F.upper("name"), "one case"),
        ("name", F.concat(F.col("name"), F.lit(" ")), "Trim"),
    ],
)
def test_wrong_parsing_fails(wellformed, lesson3, column, wrong, words):
    def parse(bronze):
        return lesson3["parse_pokemon"](bronze).withColumn(column, wrong)

    assert words in fails_with_hint(checks.check_parsed_pokemon, parse, wellformed, 1).fix


def test_a_cast_that_fails_in_the_engine_gives_a_hint(wellformed, lesson3):
    def strict(bronze):  # cast, not try_cast: '1.3m' is no number
        return lesson3["parse_pokemon"](bronze).withColumn(
            "height_m",
            F.from_json("raw", "height STRING")["height"].cast("double") / 10,
        )

    try:
        failure = fails_with_hint(checks.check_parsed_pokemon, strict, wellformed, 1)
    except AssertionError:  # pragma: no cover - an engine whose cast yields null
        return
    assert "try_cast" in failure.fix or "decimetres" in failure.fix


# ---------------------------------------------------------------- lesson 3: pokemon_rules


@pytest.fixture(scope="module")
def typed(wellformed, lesson3):
    return checks.check_parsed_pokemon(lesson3["parse_pokemon"], wellformed, 1)


@pytest.fixture(scope="module")
def type_names(spark, course):
    return sorted(r["name"] for r in spark.table("silver.types").collect())


def test_the_solution_suite_and_a_smaller_one_pass(typed, type_names, lesson3, capsys):
    from lakehouse_kit.quality import gxe, new_suite

    checks.check_pokemon_rules(lesson3["pokemon_rules"](type_names), typed)
    stats = lesson3["STATS"]
    smaller = new_suite(
        "smaller",
        [
            gxe.ExpectColumnValuesToNotBeNull(column="name"),
            gxe.ExpectColumnValuesToMatchRegex(column="name", regex="^[^\ufffd]*$"),  # decoded
            gxe.ExpectColumnValuesToNotBeNull(column="primary_type"),
            gxe.ExpectColumnValuesToBeInSet(column="primary_type", value_set=type_names),
            *[gxe.ExpectColumnValuesToNotBeNull(column=s.replace("-", "_")) for s in stats],
            *[
                gxe.ExpectColumnValuesToBeBetween(
                    column=s.replace("-", "_"), min_value=1, max_value=255
                )
                for s in stats
            ],
        ],
    )
    checks.check_pokemon_rules(smaller, typed)
    assert "exactly the 8 broken rows" in capsys.readouterr().out


def test_a_thin_suite_fails(typed):
    from lakehouse_kit.quality import gxe, new_suite

    thin = new_suite("thin", [gxe.ExpectColumnValuesToNotBeNull(column="id")])
    failure = fails_with_hint(checks.check_pokemon_rules, thin, typed)
    assert "break the data rules" in failure.message


def test_a_suite_that_rejects_real_names_fails(typed, type_names, lesson3):
    from lakehouse_kit.quality import gxe, new_suite

    rules = lesson3["pokemon_rules"](type_names)
    ascii_only = gxe.ExpectColumnValuesToMatchRegex(column="name", regex=r"^[A-Za-z .:-]+$")
    strict = new_suite("strict", [*[copy.deepcopy(e) for e in rules.expectations], ascii_only])
    failure = fails_with_hint(checks.check_pokemon_rules, strict, typed)
    assert "669" in failure.message  # Flabébé


@pytest.mark.parametrize(
    "expectation, words",
    [
        ({"column": "name", "regex": r"^(?!\s).*(?<!\s)$"}, "look-ahead"),  # Sail: no look-around
        ({"column": "hit_points"}, "column"),
    ],
)
def test_an_expectation_the_engine_cannot_run_gets_a_hint(
    typed, type_names, lesson3, expectation, words
):
    from lakehouse_kit.quality import gxe, new_suite

    kind = (
        gxe.ExpectColumnValuesToMatchRegex
        if "regex" in expectation
        else gxe.ExpectColumnValuesToNotBeNull
    )
    rules = lesson3["pokemon_rules"](type_names)
    suite = new_suite("x", [*[copy.deepcopy(e) for e in rules.expectations], kind(**expectation)])
    try:
        checks.check_pokemon_rules(suite, typed)
    except CheckFailed as failure:
        assert words in failure.fix
    else:  # a JVM engine runs look-around: then the valid rule simply passes
        assert "regex" in expectation
