"""The lesson 4 (Gold) and lesson 5 (SQL) checks: right answers pass, wrong ones fail with a hint."""

from __future__ import annotations

import pandas as pd
import pytest
from pyspark.sql import Window
from pyspark.sql import functions as F

from lakehouse_kit import checks
from lakehouse_kit.catalog import register_all
from lakehouse_kit.checks import CheckFailed
from lakehouse_kit.course import LESSONS, PRODUCES, run_lesson

GOOD_SQL = """WITH ranked AS (
    SELECT primary_type, name, total,
           ROW_NUMBER() OVER (PARTITION BY primary_type ORDER BY total DESC, id) AS strength_rank
    FROM silver.pokemon
)
SELECT primary_type, name, total FROM ranked WHERE strength_rank = 1"""


@pytest.fixture(scope="module")
def gold(course, spark):
    """Bronze, Silver and Gold as the whole course leaves them in the session's lakehouse (not
    rebuilt here: other modules compare that final state, e.g. with the stack's)."""
    register_all(spark)  # the lessons ran in other sessions; Sail's catalog is per session
    return spark


def fails(check, *args, **kwargs) -> CheckFailed:
    with pytest.raises(CheckFailed) as caught:
        check(*args, **kwargs)
    assert caught.value.fix, "a failing check must say how to fix it"
    return caught.value


# ---------------------------------------------------------------- lesson 4


def test_gold_tables_pass_their_checks(gold):
    checks.check_type_matchups(spark=gold)
    checks.check_strongest(top_n=3, spark=gold)
    checks.check_move_usage(spark=gold)
    checks.check_type_summary(spark=gold)


def test_matchups_without_immunities_fail(gold):
    no_immunities = gold.table("gold.type_matchups").withColumn(
        "multiplier", F.when(F.col("multiplier") == 0.0, F.lit(1.0)).otherwise(F.col("multiplier"))
    )
    failure = fails(checks.check_type_matchups, no_immunities, spark=gold)
    assert "ghost" in failure.message


def test_matchups_without_the_default_get_a_hint_not_a_crash(gold):
    no_default = gold.table("gold.type_matchups").withColumn(
        "multiplier", F.when(F.col("multiplier") != 1.0, F.col("multiplier"))
    )
    assert "coalesce" in fails(checks.check_type_matchups, no_default, spark=gold).fix


def test_matchups_in_sql_with_other_column_order_pass(gold):
    """Another valid way: one CASE over the relation arrays, columns in another order."""
    other = gold.sql("""
        SELECT CASE WHEN array_contains(a.double_damage_to, d.name) THEN 2.0
                    WHEN array_contains(a.half_damage_to, d.name) THEN 0.5
                    WHEN array_contains(a.no_damage_to, d.name) THEN 0.0
                    ELSE 1.0 END AS multiplier,
               d.name AS defending_type, a.name AS attacking_type
        FROM silver.types a CROSS JOIN silver.types d""")
    checks.check_type_matchups(other, spark=gold)


def test_strongest_and_move_usage_alternatives_pass(gold):
    from solution_code import solution

    ranked = gold.sql("""
        SELECT * FROM (
            SELECT name, total, generation, primary_type,
                   row_number() OVER (PARTITION BY primary_type, generation
                                      ORDER BY total DESC, id ASC) AS rank
            FROM silver.pokemon) WHERE rank <= 3""")
    checks.check_strongest(ranked, top_n=3, spark=gold)
    lesson4 = solution("04", spark=gold)
    pokemon, moves = gold.table("silver.pokemon"), gold.table("silver.moves")
    checks.check_strongest(lesson4["strongest_by_type_generation"](pokemon, 2), top_n=2, spark=gold)
    # Counting distinct Pokémon per move after a join is another valid count.
    learned = (
        pokemon.select("id", F.explode("moves").alias("move"))
        .groupBy("move")
        .agg(F.countDistinct("id").alias("learned_by"))
    )
    usage = moves.join(learned, moves["name"] == learned["move"], "left").select(
        F.col("name").alias("move"),
        F.coalesce("learned_by", F.lit(0)).alias("learned_by"),
        "power",
        "damage_class",
        "type",
    )
    checks.check_move_usage(usage, spark=gold)
    checks.check_move_usage(lesson4["move_usage"](pokemon, moves), spark=gold)


def test_null_ranks_get_a_hint_not_a_crash(gold):
    nulls = gold.table("gold.strongest_by_type_generation").withColumn(
        "rank", F.lit(None).cast("int")
    )
    assert "row_number" in fails(checks.check_strongest, nulls, spark=gold).fix


def test_matchups_without_default_pairs_fail(gold):
    only_relations = gold.table("gold.type_matchups").filter("multiplier != 1.0")
    assert "324" in fails(checks.check_type_matchups, only_relations, spark=gold).message


def test_matchups_need_their_columns(gold):
    renamed = gold.table("gold.type_matchups").withColumnRenamed("multiplier", "factor")
    fails(checks.check_type_matchups, renamed, spark=gold)


def test_strongest_without_ranking_fails(gold):
    unranked = gold.table("gold.strongest_by_type_generation").withColumn("rank", F.lit(1))
    fails(checks.check_strongest, unranked, spark=gold)


def test_strongest_without_top_n_filter_fails(gold):
    window = Window.partitionBy("primary_type", "generation").orderBy(F.desc("total"), "id")
    everyone = (
        gold.table("silver.pokemon")
        .withColumn("rank", F.row_number().over(window))
        .select("primary_type", "generation", "name", "total", "rank")
    )
    assert "more than 3" in fails(checks.check_strongest, everyone, top_n=3, spark=gold).message


def test_strongest_with_the_wrong_tie_breaker_fails(gold):
    # Salamence (373) and Latias (380), both 600, share the dragon / generation 3 podium.
    window = Window.partitionBy("primary_type", "generation").orderBy(F.desc("total"), F.desc("id"))
    wrong_ties = (
        gold.table("silver.pokemon")
        .withColumn("rank", F.row_number().over(window))
        .filter("rank <= 3")
        .select("primary_type", "generation", "name", "total", "rank")
    )
    fails(checks.check_strongest, wrong_ties, top_n=3, spark=gold)


def test_move_usage_with_wrong_counts_fails(gold):
    usage = gold.table("gold.move_usage")
    fails(
        checks.check_move_usage, usage.withColumn("learned_by", F.col("learned_by") + 1), spark=gold
    )
    fails(checks.check_move_usage, usage.unionByName(usage.limit(5)), spark=gold)


def test_type_summary_by_primary_type_only_fails(gold):
    primary_only = (
        gold.table("silver.pokemon")
        .groupBy(F.col("primary_type").alias("type"))
        .agg(
            F.count("*").alias("pokemon_count"),
            F.avg("total").alias("avg_total"),
            F.max("total").alias("max_total"),
            F.sum(F.col("is_legendary").cast("int")).alias("legendary_count"),
        )
    )
    assert "pokemon_count" in fails(checks.check_type_summary, primary_only, spark=gold).message


# ---------------------------------------------------------------- lesson 5


def test_sql_answers_pass(gold):
    checks.check_strongest_per_type_sql(GOOD_SQL, spark=gold)
    checks.check_sql_row_counts(spark=gold)


@pytest.mark.parametrize(
    "query",
    [
        "-- the strongest of each type\n" + GOOD_SQL,
        "/* ranked */ " + GOOD_SQL + ";",
        """(SELECT primary_type, name, total FROM (
    SELECT primary_type, name, total,
           ROW_NUMBER() OVER (PARTITION BY primary_type ORDER BY total DESC, id) AS r
    FROM silver.pokemon) ranked
WHERE r = 1)""",
        GOOD_SQL.lower(),
        """SELECT p.primary_type, p.name, p.total FROM silver.pokemon p
WHERE NOT EXISTS (SELECT 1 FROM silver.pokemon q WHERE q.primary_type = p.primary_type
                  AND (q.total > p.total OR (q.total = p.total AND q.id < p.id)))""",
        "SELECT name, total, primary_type FROM (" + GOOD_SQL + ") AS best",
    ],
)
def test_other_valid_sql_passes(gold, query):
    checks.check_strongest_per_type_sql(query, spark=gold)


@pytest.mark.parametrize(
    "query",
    [
        GOOD_SQL.replace("total DESC", "total ASC"),  # the weakest instead of the strongest
        GOOD_SQL.replace("SELECT primary_type, name, total FROM", "SELECT primary_type, name FROM"),
        GOOD_SQL.replace("WHERE strength_rank = 1", ""),  # every Pokémon, not one per type
        "SELECT primary_type, name, total FROM silver.no_such_table",
        "not a query",
    ],
)
def test_wrong_sql_fails(gold, query):
    fails(checks.check_strongest_per_type_sql, query, spark=gold)


def test_sql_row_counts_that_disagree_fail(gold):
    counts = {table: gold.table(table).count() for table in PRODUCES["04"]}
    checks.check_sql_row_counts(counts, spark=gold)
    counts["gold.move_usage"] += 1
    assert "gold.move_usage" in fails(checks.check_sql_row_counts, counts, spark=gold).message


def test_sql_matches_spark_compares_values_not_order(spark):
    expected = spark.createDataFrame([("fire", 1.5), ("water", None)], "kind STRING, value DOUBLE")
    same = pd.DataFrame({"KIND": ["water", "fire"], "value": [float("nan"), 1.5]})
    checks.check_sql_matches_spark(same, expected)  # any order, any case, NaN = NULL
    other = pd.DataFrame({"kind": ["fire", "water"], "value": [1.5, 2.0]})
    fails(checks.check_sql_matches_spark, other, expected)
    fails(checks.check_sql_matches_spark, pd.DataFrame({"kind": ["fire"]}), expected)


# ---------------------------------------------------------------- the generated lessons


@pytest.mark.parametrize("lesson", ["04", "05"])
def test_generated_lesson_stops_at_the_first_todo(gold, lesson):
    run = run_lesson(lesson, folder=LESSONS)
    assert "NotImplementedError" in run.error and "TODO" in run.error
