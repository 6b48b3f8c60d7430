"""The lesson 4 (Gold) and lesson 5 (SQL) checks: every valid answer passes, and each plausible
wrong one (tests/catalogue.py) fails with a hint that names its mistake."""

from __future__ import annotations

import functools

import pandas as pd
import pytest
from catalogue import alternative, fails_with_hint, mistake, valid, wrong
from pyspark.sql import Window
from pyspark.sql import functions as F

from lakehouse_kit import checks
from lakehouse_kit.catalog import register_all
from lakehouse_kit.course import PRODUCES
from lakehouse_kit.runner import LESSONS, run_lesson

GOOD_SQL = """WITH ranked AS (
    SELECT primary_type, name, total,
           ROW_NUMBER() OVER (PARTITION BY primary_type ORDER BY total DESC, id) AS strength_rank
    FROM silver.pokemon
)
SELECT primary_type, name, total FROM ranked WHERE strength_rank = 1"""

# How each SQL exercise's check cell calls its check, given the learner's function and the SQL
# engine (tests/test_stack.py calls them with Trino).
SQL_CHECKS = {
    "strongest_per_type_sql": lambda function, spark, engine: checks.check_strongest_per_type_sql(
        function(), engine=engine, spark=spark
    ),
    "near_the_best_sql": lambda function, spark, engine: checks.check_near_the_best_sql(
        function(), engine=engine, spark=spark
    ),
    "as_of_sql": lambda function, spark, engine: checks.check_as_of_sql(
        function, engine=engine, spark=spark
    ),
}
# How each exercise's check cell calls its check, given the learner's function.
CHECKS = {
    "type_matchups": lambda function, spark: checks.check_type_matchups(function, spark=spark),
    "strongest_by_type_generation": lambda function, spark: checks.check_strongest(
        function, top_n=3, spark=spark
    ),
    "move_usage": lambda function, spark: checks.check_move_usage(function, spark=spark),
    **{
        exercise: lambda function, spark, check=check: check(function, spark, _sql_engine())
        for exercise, check in SQL_CHECKS.items()
    },
}
LESSON_5 = tuple(SQL_CHECKS)


@functools.cache
def _sql_engine():
    """One engine for the module, as the lesson makes one (after the tables exist)."""
    from lakehouse_kit.sql import sql_engine

    return sql_engine()


@pytest.fixture(scope="module")
def gold(course, spark):
    """Bronze, Silver and Gold as the whole course leaves them in the session's lakehouse (not
    rebuilt here: other modules compare that final state, e.g. with the stack's)."""
    register_all(spark)  # the lessons ran in other sessions; Sail's catalog is per session
    return spark


def _solution(lesson: str, spark) -> dict:
    from solution_code import solution

    return solution(lesson, spark=spark)


# ---------------------------------------------------------------- type_matchups

MULTIPLIERS = {"double_damage_to": 2.0, "half_damage_to": 0.5, "no_damage_to": 0.0}


def _relations(
    types, multipliers=MULTIPLIERS, attacking="attacking_type", defending="defending_type"
):
    """The solution's step 1: one (attacking, defending, multiplier) row per listed pair."""
    parts = [
        types.select(
            F.col("name").alias(attacking),
            F.explode(column).alias(defending),
            F.lit(multiplier).alias("multiplier"),
        )
        for column, multiplier in multipliers.items()
    ]
    known = parts[0]
    for part in parts[1:]:
        known = known.unionByName(part)
    return known


def _pairs(types):
    names = types.select("name")
    return names.withColumnRenamed("name", "attacking_type").crossJoin(
        names.withColumnRenamed("name", "defending_type")
    )


def _chart(pairs, known, how="left", on=("attacking_type", "defending_type")):
    return pairs.join(known, list(on), how).select(
        "attacking_type", "defending_type", F.coalesce("multiplier", F.lit(1.0)).alias("multiplier")
    )


@alternative("type_matchups")
def one_case_over_the_lists(types):
    """No explode: one CASE per pair over the relation arrays, columns in another order."""
    a, d = types.alias("a"), types.alias("d")
    multiplier = (
        F.when(F.array_contains("a.double_damage_to", F.col("d.name")), 2.0)
        .when(F.array_contains("a.half_damage_to", F.col("d.name")), 0.5)
        .when(F.array_contains("a.no_damage_to", F.col("d.name")), 0.0)
        .otherwise(1.0)
    )
    return a.crossJoin(d).select(
        multiplier.alias("multiplier"),
        F.col("d.name").alias("defending_type"),
        F.col("a.name").alias("attacking_type"),
    )


@alternative("type_matchups")
def defaults_added_by_anti_join(types):
    """The listed pairs, plus every other pair with 1.0 (a left anti join finds them)."""
    known = _relations(types)
    rest = _pairs(types).join(known, ["attacking_type", "defending_type"], "left_anti")
    return known.unionByName(rest.withColumn("multiplier", F.lit(1.0)))


@alternative("type_matchups")
def sql_case_with_decimal_literals(types):
    """Spark SQL over a temporary view: 2.0 is a DECIMAL there, not a DOUBLE."""
    types.createOrReplaceTempView("matchup_types")
    return types.sparkSession.sql("""
        SELECT CASE WHEN array_contains(a.double_damage_to, d.name) THEN 2.0
                    WHEN array_contains(a.half_damage_to, d.name) THEN 0.5
                    WHEN array_contains(a.no_damage_to, d.name) THEN 0.0
                    ELSE 1.0 END AS multiplier,
               d.name AS defending_type, a.name AS attacking_type
        FROM matchup_types a CROSS JOIN matchup_types d""")


@mistake("type_matchups", hint="no_damage_to")
def immunities_left_out(types):
    known = _relations(types, {"double_damage_to": 2.0, "half_damage_to": 0.5})
    return _chart(_pairs(types), known)


@mistake("type_matchups", hint="coalesce")
def no_default_multiplier(types):
    return _pairs(types).join(_relations(types), ["attacking_type", "defending_type"], "left")


@mistake("type_matchups", hint="inner join")
def inner_join_keeps_listed_pairs_only(types):
    return _chart(_pairs(types), _relations(types), how="inner")


@mistake("type_matchups", hint="turned around")
def attacking_and_defending_swapped(types):
    known = _relations(types, attacking="defending_type", defending="attacking_type")
    return _chart(_pairs(types), known)


@mistake("type_matchups", hint="0.5")
def half_damage_as_a_quarter(types):
    multipliers = MULTIPLIERS | {"half_damage_to": 0.25}
    return _chart(_pairs(types), _relations(types, multipliers))


@mistake("type_matchups", hint="both attacking_type and defending_type")
def joined_on_the_attacker_only(types):
    known = _relations(types).withColumnRenamed("defending_type", "listed")
    return _chart(_pairs(types), known, on=("attacking_type",))


@mistake("type_matchups", hint="names given")
def reads_silver_not_its_argument(types):
    """The lesson's global `types` (silver.types) instead of the DataFrame given."""
    silver = types.sparkSession.table("silver.types")
    return _chart(_pairs(silver), _relations(silver))


# ---------------------------------------------------------------- strongest_by_type_generation

LEADERBOARD = ["primary_type", "generation", "name", "total", "rank"]


def _ranked(pokemon, top_n, *order, number=F.row_number, by=("primary_type", "generation")):
    order = order or (F.desc("total"), F.col("id"))
    window = Window.partitionBy(*by).orderBy(*order)
    return (
        pokemon.withColumn("rank", number().over(window))
        .filter(F.col("rank") <= top_n)
        .select(*LEADERBOARD)
    )


@alternative("strongest_by_type_generation")
def sql_over_a_temporary_view(pokemon, top_n):
    pokemon.createOrReplaceTempView("leaderboard_input")
    return pokemon.sparkSession.sql(f"""
        SELECT * FROM (
            SELECT name, total, generation, primary_type,
                   row_number() OVER (PARTITION BY primary_type, generation
                                      ORDER BY total DESC, id ASC) AS rank
            FROM leaderboard_input) WHERE rank <= {int(top_n)}""")


@alternative("strongest_by_type_generation")
def rank_with_the_id_in_the_order(pokemon, top_n):
    """Ids are unique, so with id in the order rank() never ties: it equals row_number()."""
    return _ranked(pokemon, top_n, number=F.rank)


@alternative("strongest_by_type_generation")
def dense_rank_with_the_id_in_the_order(pokemon, top_n):
    return _ranked(pokemon, top_n, F.col("total").desc(), F.asc("id"), number=F.dense_rank)


@alternative("strongest_by_type_generation")
def keeps_id_and_stats_too(pokemon, top_n):
    window = Window.partitionBy("primary_type", "generation").orderBy(F.desc("total"), "id")
    return pokemon.withColumn("rank", F.row_number().over(window)).where(f"rank <= {top_n}")


@mistake("strongest_by_type_generation", hint="six stats")
def total_as_zero(pokemon, top_n):
    return _ranked(pokemon, top_n).withColumn("total", F.lit(0))


@mistake("strongest_by_type_generation", hint="row_number")
def rank_shares_ties(pokemon, top_n):
    return _ranked(pokemon, top_n, F.desc("total"), number=F.rank)


@mistake("strongest_by_type_generation", hint="row_number")
def dense_rank_shares_ties(pokemon, top_n):
    return _ranked(pokemon, top_n, F.desc("total"), number=F.dense_rank)


@mistake("strongest_by_type_generation", hint="descending")
def weakest_first(pokemon, top_n):
    return _ranked(pokemon, top_n, F.asc("total"), F.col("id"))


@mistake("strongest_by_type_generation", hint="primary_type and generation")
def one_leaderboard_per_type(pokemon, top_n):
    return _ranked(pokemon, top_n, by=("primary_type",))


@mistake("strongest_by_type_generation", hint="primary_type and generation")
def one_leaderboard_per_generation(pokemon, top_n):
    return _ranked(pokemon, top_n, by=("generation",))


@mistake("strongest_by_type_generation", hint="top_n")
def always_the_top_three(pokemon, top_n):
    return _ranked(pokemon, 3)


@mistake("strongest_by_type_generation", hint="top_n")
def one_short_of_top_n(pokemon, top_n):
    return _ranked(pokemon, top_n - 1)


@mistake("strongest_by_type_generation", hint="smaller id")
def ties_to_the_larger_id(pokemon, top_n):
    return _ranked(pokemon, top_n, F.desc("total"), F.desc("id"))


@mistake("strongest_by_type_generation", hint="smaller id")
def no_tie_breaker(pokemon, top_n):
    return _ranked(pokemon, top_n, F.desc("total"))


@mistake("strongest_by_type_generation", hint="secondary type")
def secondary_types_ranked_too(pokemon, top_n):
    """The worked example's explode, where only the primary type counts."""
    both = F.explode(F.array_compact(F.array("primary_type", "secondary_type")))
    return _ranked(pokemon.withColumn("primary_type", both), top_n)


# ---------------------------------------------------------------- move_usage

USAGE = ["move", "type", "damage_class", "power", "learned_by"]


def _learned(pokemon):
    return (
        pokemon.select(F.explode("moves").alias("move"))
        .groupBy("move")
        .agg(F.count("*").alias("learned_by"))
    )


def _usage(pokemon, moves, how="left", zero=True):
    usage = moves.select(F.col("name").alias("move"), "type", "damage_class", "power").join(
        _learned(pokemon), "move", how
    )
    return usage.withColumn("learned_by", F.coalesce("learned_by", F.lit(0))) if zero else usage


@alternative("move_usage")
def distinct_pokemon_per_move(pokemon, moves):
    learned = (
        pokemon.select("id", F.explode("moves").alias("move"))
        .groupBy("move")
        .agg(F.countDistinct("id").alias("learned_by"))
    )
    return moves.join(learned, moves["name"] == learned["move"], "left").select(
        F.col("name").alias("move"),
        F.coalesce("learned_by", F.lit(0)).alias("learned_by"),
        "power",
        "damage_class",
        "type",
    )


@alternative("move_usage")
def join_first_then_count_a_pokemon_column(pokemon, moves):
    """count(column) skips the null a move nobody learns gets from the left join."""
    holders = pokemon.select(F.col("id").alias("pokemon_id"), F.explode("moves").alias("move"))
    return (
        moves.withColumnRenamed("name", "move")
        .join(holders, "move", "left")
        .groupBy("move", "type", "damage_class", "power")
        .agg(F.count("pokemon_id").alias("learned_by"))
    )


@alternative("move_usage")
def sql_over_temporary_views(pokemon, moves):
    pokemon.createOrReplaceTempView("usage_pokemon")
    moves.createOrReplaceTempView("usage_moves")
    return pokemon.sparkSession.sql("""
        WITH learned AS (
            SELECT move, COUNT(*) AS n
            FROM (SELECT explode(moves) AS move FROM usage_pokemon) AS held
            GROUP BY move)
        SELECT m.name AS move, m.type, m.damage_class, m.power, COALESCE(l.n, 0) AS learned_by
        FROM usage_moves m LEFT JOIN learned l ON m.name = l.move""")


@mistake("move_usage", hint="inner join")
def unused_moves_dropped(pokemon, moves):
    return _usage(pokemon, moves, how="inner")


@mistake("move_usage", hint="coalesce")
def null_for_unused_moves(pokemon, moves):
    return _usage(pokemon, moves, zero=False)


@mistake("move_usage", hint="count('*')")
def counted_the_empty_row(pokemon, moves):
    holders = pokemon.select(F.explode("moves").alias("move"))
    return (
        moves.withColumnRenamed("name", "move")
        .join(holders, "move", "left")
        .groupBy("move", "type", "damage_class", "power")
        .agg(F.count("*").alias("learned_by"))
    )


@mistake("move_usage", hint="fill only learned_by")
def every_null_filled_with_zero(pokemon, moves):
    return _usage(pokemon, moves, zero=False).fillna(0)


@mistake("move_usage", hint="filter nothing out")
def rows_with_nulls_dropped(pokemon, moves):
    return _usage(pokemon, moves).dropna()


@mistake("move_usage", hint="from silver.moves")
def attributes_left_empty(pokemon, moves):
    """Only the count computed; the other columns there to have the right names."""
    empty = {c: F.lit(None).cast(t) for c, t in [("type", "string"), ("damage_class", "string")]}
    counts = moves.select(F.col("name").alias("move")).join(_learned(pokemon), "move", "left")
    return counts.select(
        "move",
        *[e.alias(c) for c, e in empty.items()],
        F.lit(None).cast("int").alias("power"),
        F.coalesce("learned_by", F.lit(0)).alias("learned_by"),
    )


@mistake("move_usage", hint="not the Pokémon's")
def type_of_the_pokemon(pokemon, moves):
    learned = (
        pokemon.select("primary_type", F.explode("moves").alias("move"))
        .groupBy("move")
        .agg(F.count("*").alias("learned_by"), F.first("primary_type").alias("type"))
    )
    return (
        moves.select(F.col("name").alias("move"), "damage_class", "power")
        .join(learned, "move", "left")
        .withColumn("learned_by", F.coalesce("learned_by", F.lit(0)))
    )


@mistake("move_usage", hint="right or full join")
def counts_first_then_moves(pokemon, moves):
    """Starting from the counts keeps a move silver.moves does not list, drops unused ones."""
    return _learned(pokemon).join(
        moves.select(F.col("name").alias("move"), "type", "damage_class", "power"), "move", "left"
    )


@mistake("move_usage", hint="number of Pokémon")
def dual_types_counted_twice(pokemon, moves):
    """The worked example's explode of both types, then the moves: dual types count twice."""
    both = F.explode(F.array_compact(F.array("primary_type", "secondary_type")))
    per_type = pokemon.select(both.alias("kind"), "moves")
    learned = (
        per_type.select(F.explode("moves").alias("move"))
        .groupBy("move")
        .agg(F.count("*").alias("learned_by"))
    )
    usage = moves.select(F.col("name").alias("move"), "type", "damage_class", "power")
    return usage.join(learned, "move", "left").fillna(0, subset=["learned_by"])


# ---------------------------------------------------------------- strongest_per_type_sql


def _sql(text: str):
    return lambda: text


for name, query in {
    "after_a_comment": "-- the strongest of each type\n" + GOOD_SQL,
    "in_a_block_comment_with_a_semicolon": "/* ranked */ " + GOOD_SQL + ";",
    "in_lower_case": GOOD_SQL.lower(),
    "columns_in_another_order": "SELECT name, total, primary_type FROM (" + GOOD_SQL + ") AS best",
    "a_subquery_in_parentheses": """(SELECT primary_type, name, total FROM (
    SELECT primary_type, name, total,
           ROW_NUMBER() OVER (PARTITION BY primary_type ORDER BY total DESC, id) AS r
    FROM silver.pokemon) ranked
WHERE r = 1)""",
    "not_exists_a_stronger_one": """SELECT p.primary_type, p.name, p.total FROM silver.pokemon p
WHERE NOT EXISTS (SELECT 1 FROM silver.pokemon q WHERE q.primary_type = p.primary_type
                  AND (q.total > p.total OR (q.total = p.total AND q.id < p.id)))""",
    "rank_with_the_id_in_the_order": GOOD_SQL.replace("ROW_NUMBER()", "RANK()"),
    "dense_rank_with_the_id_in_the_order": GOOD_SQL.replace("ROW_NUMBER()", "DENSE_RANK()"),
    "group_by_then_the_smallest_id": """WITH best AS (
    SELECT primary_type, MAX(total) AS total FROM silver.pokemon GROUP BY primary_type
), first_id AS (
    SELECT p.primary_type, MIN(p.id) AS id
    FROM silver.pokemon AS p JOIN best AS b
      ON p.primary_type = b.primary_type AND p.total = b.total
    GROUP BY p.primary_type
)
SELECT p.primary_type, p.name, p.total
FROM silver.pokemon AS p JOIN first_id AS f ON p.id = f.id""",
    "quoted_names_and_an_alias": """SELECT "primary_type", "name", "total" FROM (
    SELECT x.primary_type, x.name, x.total,
           ROW_NUMBER() OVER (PARTITION BY x.primary_type ORDER BY x.total DESC, x.id ASC) AS n
    FROM "silver"."pokemon" x) AS numbered
WHERE n = 1
ORDER BY total DESC""",
}.items():
    alternative("strongest_per_type_sql", name=name)(_sql(query))

for name, hint, query in [
    ("the_weakest_per_type", "total DESC", GOOD_SQL.replace("total DESC", "total ASC")),
    (
        "total_left_out",
        "columns",
        GOOD_SQL.replace("SELECT primary_type, name, total FROM", "SELECT primary_type, name FROM"),
    ),
    ("every_pokemon_kept", "PARTITION BY", GOOD_SQL.replace("WHERE strength_rank = 1", "")),
    (
        "limit_instead_of_one_per_type",
        "a LIMIT keeps the top rows of the whole table",
        "SELECT primary_type, name, total FROM silver.pokemon ORDER BY total DESC, id LIMIT 18",
    ),
    ("rank_keeps_ties", "RANK()", GOOD_SQL.replace("ROW_NUMBER()", "RANK()").replace(", id", "")),
    (
        "join_on_the_maximum_keeps_ties",
        "tied",
        """SELECT p.primary_type, p.name, p.total FROM silver.pokemon p
JOIN (SELECT primary_type, MAX(total) AS best FROM silver.pokemon GROUP BY primary_type) m
  ON p.primary_type = m.primary_type AND p.total = m.best""",
    ),
    ("no_tie_breaker", "smaller id", GOOD_SQL.replace("total DESC, id", "total DESC")),
    (
        "ties_to_the_larger_id",
        "smaller id",
        GOOD_SQL.replace("total DESC, id", "total DESC, id DESC"),
    ),
    (
        "qualify_runs_on_duckdb_only",
        "QUALIFY",
        """SELECT primary_type, name, total FROM silver.pokemon
QUALIFY ROW_NUMBER() OVER (PARTITION BY primary_type ORDER BY total DESC, id) = 1""",
    ),
    (
        "distinct_on_runs_on_duckdb_only",
        "DISTINCT ON",
        """SELECT DISTINCT ON (primary_type) primary_type, name, total FROM silver.pokemon
ORDER BY primary_type, total DESC, id""",
    ),
    (
        "spark_backticks",
        "Backticks",
        GOOD_SQL.replace("FROM silver.pokemon", "FROM `silver`.`pokemon`"),
    ),
    (
        "a_double_colon_cast",
        ":: cast",
        GOOD_SQL.replace("name, total,", "name, total::INTEGER AS total,"),
    ),
    (
        "a_table_that_does_not_exist",
        "silver.pokemon",
        "SELECT primary_type, name, total FROM silver.no_such_table",
    ),
    ("not_a_query", "SELECT or WITH", "not a query"),
]:
    mistake("strongest_per_type_sql", hint=hint, name=name)(_sql(query))


# ---------------------------------------------------------------- near_the_best_sql

NEAR_SQL = """SELECT p.name, p.primary_type, p.total, t.max_total
FROM delta.silver.pokemon AS p
JOIN delta.gold.type_summary AS t ON t.type = p.primary_type
WHERE t.max_total - p.total <= :margin"""

for name, query in {
    "quoted_names_and_a_semicolon": NEAR_SQL.replace(
        "delta.silver.pokemon", '"delta"."silver"."pokemon"'
    )
    + ";",
    "in_upper_case": NEAR_SQL.upper().replace(":MARGIN", ":margin"),
    "the_margin_added_to_the_total": NEAR_SQL.replace(
        "t.max_total - p.total <= :margin", "p.total + :margin >= t.max_total"
    ),
    "both_tables_in_from_and_the_join_in_where": """-- the Pokémon near the best of their type
SELECT p.name, p.primary_type, p.total, t.max_total
FROM delta.silver.pokemon p, delta.gold.type_summary t
WHERE t.type = p.primary_type AND p.total >= t.max_total - :margin
ORDER BY p.total DESC""",
    "a_left_join_and_a_with_clause": """WITH best AS (
    SELECT type, max_total FROM delta.gold.type_summary
)
SELECT p.name, p.primary_type, p.total, b.max_total, b.max_total - p.total AS gap
FROM delta.silver.pokemon AS p LEFT JOIN best AS b ON b.type = p.primary_type
WHERE b.max_total - p.total BETWEEN 0 AND :margin""",
}.items():
    alternative("near_the_best_sql", name=name)(_sql(query))

for name, hint, query in [
    (
        "no_catalog_named",
        "catalog.schema.table",
        NEAR_SQL.replace("delta.silver.", "silver.").replace("delta.gold.", "gold."),
    ),
    (
        "gold_without_its_catalog",
        "delta.gold.type_summary",
        NEAR_SQL.replace("delta.gold.", "gold."),
    ),
    (
        "spark_s_catalog_name",
        "catalog delta",
        NEAR_SQL.replace("delta.silver", "spark_catalog.silver"),
    ),
    ("gold_through_the_hive_catalog", "hive catalog", NEAR_SQL.replace("delta.gold", "hive.gold")),
    ("strictly_below_the_margin", "<=", NEAR_SQL.replace("<= :margin", "< :margin")),
    ("the_margin_written_in", "parameter", NEAR_SQL.replace(":margin", "20")),
    ("another_parameter_name", ":margin", NEAR_SQL.replace(":margin", ":m")),
    (
        "joined_on_the_secondary_type",
        "ON type = primary_type",
        NEAR_SQL.replace("t.type = p.primary_type", "t.type = p.secondary_type"),
    ),
    (
        "the_best_of_silver_s_primary_types",
        "delta.gold.type_summary",
        """WITH best AS (
    SELECT primary_type, MAX(total) AS max_total FROM delta.silver.pokemon GROUP BY primary_type
)
SELECT p.name, p.primary_type, p.total, b.max_total
FROM delta.silver.pokemon AS p JOIN best AS b ON b.primary_type = p.primary_type
WHERE b.max_total - p.total <= :margin""",
    ),
    (
        "the_gap_turned_around",
        "the gap is max_total - total",
        NEAR_SQL.replace("t.max_total - p.total", "p.total - t.max_total"),
    ),
    (
        "compared_with_the_average",
        "max_total - total <= :margin",
        NEAR_SQL.replace("t.max_total - p.total", "t.avg_total - p.total"),
    ),
    ("max_total_left_out", "columns", NEAR_SQL.replace(", t.max_total\n", "\n")),
    ("not_a_query", "SELECT or WITH", "delta.silver.pokemon JOIN delta.gold.type_summary"),
]:
    mistake("near_the_best_sql", hint=hint, name=name)(_sql(query))


# ---------------------------------------------------------------- as_of_sql


def _address(table: str, scheme: str = "s3") -> str:
    from lakehouse_kit.catalog import table_uri

    return table_uri(table, scheme=scheme)


@alternative("as_of_sql")
def lower_case_and_the_other_named_argument(table, version, dialect):
    if dialect == "trino":
        return f"select * from {table} for version as of {version};"
    return f"select * from delta_scan('{_address(table)}/', version := {version})"


@alternative("as_of_sql")
def catalog_named_and_from_first(table, version, dialect):
    layer, name = table.split(".")
    if dialect == "trino":
        return f'SELECT * FROM delta."{layer}"."{name}" FOR VERSION AS OF {version}'
    return f"FROM delta_scan('{_address(table)}', version => {version})"


@alternative("as_of_sql")
def the_address_built_by_hand_and_a_subquery(table, version, dialect):
    from lakehouse_kit.settings import load_settings

    if dialect == "trino":
        return f"SELECT * FROM (SELECT * FROM {table} FOR VERSION AS OF {version}) AS earlier"
    address = f"s3://{load_settings().bucket}/{table.replace('.', '/')}"
    return f"-- as it was\nSELECT * FROM delta_scan('{address}', version => {version})"


@mistake("as_of_sql", hint="FOR VERSION AS OF")
def spark_s_words_on_trino(table, version, dialect):
    if dialect == "trino":
        return f"SELECT * FROM {table} VERSION AS OF {version}"
    return f"SELECT * FROM delta_scan('{_address(table)}', version => {version})"


@mistake("as_of_sql", hint="FOR VERSION AS OF")
def trino_reads_the_latest(table, version, dialect):
    if dialect == "trino":
        return f"SELECT * FROM {table}"
    return f"SELECT * FROM delta_scan('{_address(table)}', version => {version})"


@mistake("as_of_sql", hint="delta_scan")
def duckdb_reads_the_view(table, version, dialect):
    if dialect == "trino":
        return f"SELECT * FROM {table} FOR VERSION AS OF {version}"
    return f"SELECT * FROM {table}"


@mistake("as_of_sql", hint="delta_scan")
def duckdb_asks_the_view_at_a_version(table, version, dialect):
    if dialect == "trino":
        return f"SELECT * FROM {table} FOR VERSION AS OF {version}"
    return f"SELECT * FROM {table} AT (VERSION => {version})"


@mistake("as_of_sql", hint="delta_scan")
def trino_s_words_for_both(table, version, dialect):
    return f"SELECT * FROM {table} FOR VERSION AS OF {version}"


@mistake("as_of_sql", hint="DuckDB's function")
def duckdb_s_words_for_both(table, version, dialect):
    return f"SELECT * FROM delta_scan('{_address(table)}', version => {version})"


@mistake("as_of_sql", hint="s3://")
def hadoop_s_address_for_duckdb(table, version, dialect):
    if dialect == "trino":
        return f"SELECT * FROM {table} FOR VERSION AS OF {version}"
    return f"SELECT * FROM delta_scan('{_address(table, 's3a')}', version => {version})"


@mistake("as_of_sql", hint="Name the version")
def delta_scan_without_a_version(table, version, dialect):
    if dialect == "trino":
        return f"SELECT * FROM {table} FOR VERSION AS OF {version}"
    return f"SELECT * FROM delta_scan('{_address(table)}')"


@mistake("as_of_sql", hint="version argument")
def always_version_0(table, version, dialect):
    if dialect == "trino":
        return f"SELECT * FROM {table} FOR VERSION AS OF 0"
    return f"SELECT * FROM delta_scan('{_address(table)}', version => 0)"


@mistake("as_of_sql", hint="version argument")
def the_version_after(table, version, dialect):
    if dialect == "trino":
        return f"SELECT * FROM {table} FOR VERSION AS OF {version + 1}"
    return f"SELECT * FROM delta_scan('{_address(table)}', version => {version + 1})"


@mistake("as_of_sql", hint="table argument")
def always_silver_pokemon(table, version, dialect):
    if dialect == "trino":
        return f"SELECT * FROM silver.pokemon FOR VERSION AS OF {version}"
    return f"SELECT * FROM delta_scan('{_address('silver.pokemon')}', version => {version})"


@mistake("as_of_sql", hint="SELECT *")
def ids_and_names_only(table, version, dialect):
    if dialect == "trino":
        return f"SELECT id, name FROM {table} FOR VERSION AS OF {version}"
    return f"SELECT id, name FROM delta_scan('{_address(table)}', version => {version})"


@mistake("as_of_sql", hint="dialect asked")
def nothing_for_duckdb(table, version, dialect):
    if dialect == "trino":
        return f"SELECT * FROM {table} FOR VERSION AS OF {version}"
    return None


# ---------------------------------------------------------------- the catalogue, judged


@pytest.mark.parametrize(
    "lesson, exercise",
    [("04", e) for e in CHECKS if e not in LESSON_5] + [("05", e) for e in LESSON_5],
)
def test_solutions_pass(gold, lesson, exercise):
    CHECKS[exercise](_solution(lesson, gold)[exercise], gold)


@pytest.mark.parametrize(
    "answer", [a for e in CHECKS for a in valid(e)], ids=lambda a: f"{a.exercise}-{a}"
)
def test_valid_answers_pass(gold, answer):
    CHECKS[answer.exercise](answer.function, gold)


@pytest.mark.parametrize(
    "answer", [a for e in CHECKS for a in wrong(e)], ids=lambda a: f"{a.exercise}-{a}"
)
def test_wrong_answers_fail_with_their_hint(gold, answer):
    failure = fails_with_hint(CHECKS[answer.exercise], answer.function, gold)
    said = f"{failure.message} {failure.fix}"
    assert answer.hint.lower() in said.lower(), said
    assert "Traceback" not in said


def test_every_exercise_has_four_mistakes():
    for exercise in CHECKS:
        assert len(wrong(exercise)) >= 4, exercise


# ---------------------------------------------------------------- the tables themselves


def test_gold_tables_pass_their_checks(gold):
    """As `lakehouse progress` runs them: the tables, no function."""
    checks.check_type_matchups(spark=gold)
    checks.check_strongest(top_n=3, spark=gold)
    checks.check_move_usage(spark=gold)
    checks.check_type_summary(spark=gold)


def test_a_leaderboard_of_another_top_n_passes(gold):
    """A DataFrame is judged on its own (the Gold table was written with top_n 3)."""
    strongest = _solution("04", gold)["strongest_by_type_generation"]
    board = strongest(gold.table("silver.pokemon"), 2)
    checks.check_strongest(board, top_n=2, spark=gold)
    assert "top_n" in fails_with_hint(checks.check_strongest, board, top_n=3, spark=gold).fix


def test_wrong_dataframes_fail_like_wrong_functions(gold):
    """A DataFrame given instead of a function is judged against Silver the same way."""
    pokemon, moves = gold.table("silver.pokemon"), gold.table("silver.moves")
    zero = total_as_zero(pokemon, 3)
    assert "six stats" in fails_with_hint(checks.check_strongest, zero, top_n=3, spark=gold).fix
    usage = every_null_filled_with_zero(pokemon, moves)
    assert "fill only learned_by" in fails_with_hint(checks.check_move_usage, usage, spark=gold).fix
    chart = immunities_left_out(gold.table("silver.types"))
    assert "no_damage_to" in fails_with_hint(checks.check_type_matchups, chart, spark=gold).fix


def test_null_ranks_and_renamed_columns_get_a_hint_not_a_crash(gold):
    nulls = gold.table("gold.strongest_by_type_generation").withColumn(
        "rank", F.lit(None).cast("int")
    )
    assert "row_number" in fails_with_hint(checks.check_strongest, nulls, spark=gold).fix
    renamed = gold.table("gold.type_matchups").withColumnRenamed("multiplier", "factor")
    assert "multiplier" in fails_with_hint(checks.check_type_matchups, renamed, spark=gold).fix


def test_a_function_that_returns_nothing_gets_a_hint(gold):
    failure = fails_with_hint(checks.check_move_usage, lambda pokemon, moves: None, spark=gold)
    assert "return" in failure.fix


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
    assert (
        "pokemon_count"
        in fails_with_hint(checks.check_type_summary, primary_only, spark=gold).message
    )


# ---------------------------------------------------------------- lesson 5, the rest


def test_sql_row_counts(gold):
    checks.check_sql_row_counts(spark=gold)
    counts = {table: gold.table(table).count() for table in PRODUCES["04"]}
    checks.check_sql_row_counts(counts, spark=gold)
    counts["gold.move_usage"] += 1
    assert (
        "gold.move_usage"
        in fails_with_hint(checks.check_sql_row_counts, counts, spark=gold).message
    )


def test_sql_matches_spark_compares_values_not_order(spark):
    expected = spark.createDataFrame([("fire", 1.5), ("water", None)], "kind STRING, value DOUBLE")
    same = pd.DataFrame({"KIND": ["water", "fire"], "value": [float("nan"), 1.5]})
    checks.check_sql_matches_spark(same, expected)  # any order, any case, NaN = NULL
    other = pd.DataFrame({"kind": ["fire", "water"], "value": [1.5, 2.0]})
    fails_with_hint(checks.check_sql_matches_spark, other, expected)
    fails_with_hint(checks.check_sql_matches_spark, pd.DataFrame({"kind": ["fire"]}), expected)


def test_the_mirrored_query_keeps_aliases_and_quotes():
    from lakehouse_kit.checks.lesson5 import _mirrored

    columns = ["id", "name", "total"]
    inner = "(SELECT -id AS id, name, total FROM "
    assert _mirrored("SELECT * FROM silver.pokemon", columns) == (
        f"SELECT * FROM {inner}silver.pokemon) AS pokemon"
    )
    assert _mirrored("SELECT * FROM Silver.Pokemon p WHERE 1=1", columns) == (
        f"SELECT * FROM {inner}Silver.Pokemon) p WHERE 1=1"
    )
    assert _mirrored('FROM delta."silver"."pokemon" AS q', columns) == (
        f'FROM {inner}delta."silver"."pokemon") AS q'
    )
    assert _mirrored("FROM silver.pokemon_extra JOIN silver.pokemon\nWHERE", columns) == (
        f"FROM silver.pokemon_extra JOIN {inner}silver.pokemon) AS pokemon\nWHERE"
    )


def test_a_connection_without_default_catalog_needs_full_names(gold):
    """As for a client connected to the server, not to a catalog; afterwards, even after a
    failed query, the engine completes names to delta again."""
    from lakehouse_kit.sql import without_default_catalog

    engine = _sql_engine()
    with without_default_catalog(engine) as connection:
        full = pd.read_sql("SELECT count(*) AS n FROM delta.silver.pokemon", connection)
        with pytest.raises(Exception, match="silver"):
            pd.read_sql("SELECT count(*) AS n FROM silver.pokemon", connection)
    short = pd.read_sql("SELECT count(*) AS n FROM silver.pokemon", engine)
    assert full["n"][0] == short["n"][0] == gold.table("silver.pokemon").count()


def test_time_travel_texts_are_read_as_each_engine_writes_them():
    """The rules that read the text of the engine a profile does not have (and, before it
    runs, the text of the one it has)."""
    from lakehouse_kit.catalog import table_uri
    from lakehouse_kit.checks.time_travel import _duckdb_time_travel, _trino_time_travel
    from lakehouse_kit.settings import load_settings

    table, settings = "silver._check_t", load_settings()
    address = table_uri(table, settings, scheme="s3")
    for good in (
        f"SELECT * FROM {table} FOR VERSION AS OF 2",
        'select * from delta."silver"."_check_t"\nfor  version as of 2 -- then',
    ):
        assert _trino_time_travel(good, table, 2) is None, good
    for bad, words in {
        f"SELECT * FROM {table} FOR TIMESTAMP AS OF TIMESTAMP '2026-01-01 00:00:00 UTC'": "by version",
        f"SELECT * FROM {table} AT (VERSION => 2)": "AT (VERSION",
        f"SELECT * FROM {table} FOR VERSION AS OF 1": "reads version 1",
        f"SELECT * FROM {table}_old FOR VERSION AS OF 2": "does not name",
        f"SELECT * FROM {table} -- FOR VERSION AS OF 2": "does not travel",
    }.items():
        said = " ".join(_trino_time_travel(bad, table, 2))
        assert words in said, (bad, said)
    assert (
        _duckdb_time_travel(f"FROM delta_scan('{address}', version=2)", table, 2, settings) is None
    )
    for bad, words in {
        f"SELECT * FROM delta_scan('{address}_old', version => 2)": "does not read",
        f"SELECT * FROM delta_scan('{address}', version => 3)": "reads version 3",
        f"SELECT * FROM {table} FOR VERSION AS OF 2": "does not parse",
    }.items():
        said = " ".join(_duckdb_time_travel(bad, table, 2, settings))
        assert words in said, (bad, said)


# ---------------------------------------------------------------- the generated lessons


@pytest.mark.parametrize("lesson", ["04", "05"])
def test_generated_lesson_stops_at_the_first_todo(gold, lesson):
    run = run_lesson(lesson, folder=LESSONS)
    assert "NotImplementedError" in run.error and "TODO" in run.error
