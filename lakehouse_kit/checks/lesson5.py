"""Lesson 5 (SQL access): the SQL engine gives the same answers as Spark (exercises 1 and 2
and the row counts; time travel is time_travel.py's, what they share sql_answers.py's)."""

from __future__ import annotations

import re
from collections.abc import Callable

from lakehouse_kit.checks.core import (
    CheckFailed,
    expect,
    passed,
    read_table,
    session,
)
from lakehouse_kit.checks.sql_answers import (
    code_of,
    engine_or_default,
    read_sql,
    require_portable,
    same_rows,
    statement,
)
from lakehouse_kit.contracts import PRODUCES

LESSON = "05"


# silver.pokemon as a name (optionally quoted, optionally after a catalog), and what may follow
# it that is not an alias of the learner's.
_POKEMON_TABLE = r'(?<![\w."])(?:"?\w+"?\s*\.\s*)?"?silver"?\s*\.\s*"?pokemon"?(?![\w"])'
_NOT_AN_ALIAS = (
    r"\s*(?:$|[),;]|(?:WHERE|JOIN|INNER|LEFT|RIGHT|FULL|CROSS|NATURAL|ON|USING|GROUP|ORDER|"
    r"LIMIT|OFFSET|FETCH|UNION|EXCEPT|INTERSECT|WINDOW|HAVING|QUALIFY|FOR)\b)"
)


def _mirrored(query: str, columns: list[str]) -> str:
    """The query over silver.pokemon with every id negated: the same Pokémon, but of two tied
    for first the other one has the smaller id, so the tie-breaker must come from the query."""
    import re

    listed = ", ".join("-id AS id" if c == "id" else c for c in columns)

    def subquery(table: re.Match) -> str:
        rest = table.string[table.end() :]
        alias = " AS pokemon" if re.match(_NOT_AN_ALIAS, rest, flags=re.I) else ""
        return f"(SELECT {listed} FROM {table.group(0)}){alias}"

    return re.sub(_POKEMON_TABLE, subquery, query, flags=re.I)


def _strongest(pokemon):
    """The answer, computed by Spark: per primary type, the highest total, ties by smaller id."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    best = Window.partitionBy("primary_type").orderBy(F.desc("total"), "id")
    return (
        pokemon.withColumn("_rank", F.row_number().over(best))
        .filter("_rank = 1")
        .select("primary_type", "name", "total")
        .toPandas()
    )


def _judge_strongest_sql(answer, expected, where: str) -> int:
    """One row per primary type, the strongest, the smaller id of two tied; named hints for the
    usual ways to miss, then every row compared."""
    answer = answer.rename(columns=str.lower)
    columns = ["primary_type", "name", "total"]
    missing = [c for c in columns if c not in answer.columns]
    expect(
        not missing,
        f"The query's answer lacks the columns {missing} (it has {list(answer.columns)}).",
        f"Select exactly these columns, named so: {columns}.",
    )
    best = {r.primary_type: (r.name, r.total) for r in expected.itertuples(index=False)}
    got: dict[str, list] = {}
    for r in answer[columns].itertuples(index=False):
        got.setdefault(r.primary_type, []).append((r.name, r.total))
    repeated = sorted((t for t, rows in got.items() if len(rows) > 1), key=str)
    absent = sorted(set(best) - set(got), key=str)
    tied = not absent and all(len({total for _, total in got[t]}) == 1 for t in repeated)
    expect(
        not repeated,
        f"{where}, the query returns {len(got[repeated[0]])} rows for {repeated[0]}"
        f"{' (tied on total)' if tied else ''}; one row per primary type."
        if repeated
        else "",
        "ROW_NUMBER() gives tied Pokémon different numbers; RANK() (or a join on the maximum "
        "total) keeps every one tied for first. Order by total DESC, id."
        if tied
        else "Number the rows per type (ROW_NUMBER() OVER (PARTITION BY primary_type ...)) and "
        "keep number 1: a LIMIT keeps the top rows of the whole table, not of each type.",
    )
    expect(
        not absent,
        f"{where}, the query has no row for the types {absent[:3]}.",
        "One row for every primary type: partition by primary_type and keep number 1 of each.",
    )
    weaker = sorted(t for t, rows in got.items() if t in best and rows[0][1] < best[t][1])
    expect(
        not weaker,
        f"{where}, the query picks {got[weaker[0]][0]} for {weaker[0]}; the strongest is "
        f"{best[weaker[0]]}."
        if weaker
        else "",
        "ORDER BY total DESC inside the OVER (...): number 1 must be the highest total.",
    )
    ties = sorted(
        t
        for t, rows in got.items()
        if t in best and rows[0] != best[t] and rows[0][1] == best[t][1]
    )
    expect(
        not ties,
        f"{where}, the query picks {got[ties[0]][0]} for {ties[0]}; with the same total, "
        f"{best[ties[0]]} has the smaller id."
        if ties
        else "",
        "Break ties by the smaller id: ORDER BY total DESC, id.",
    )
    return same_rows(answer, expected, "the strongest Pokémon per primary type")


def check_strongest_per_type_sql(query: str, engine=None, spark=None) -> None:
    """The learner's SQL gives, per primary type, the Pokémon with the highest total (ties: the
    smaller id): once over silver.pokemon, once over it with the ids negated. Syntax only one
    of the course's engines takes (DuckDB here, Trino on the stack) is refused on both."""
    from pyspark.sql import functions as F

    expect(
        isinstance(query, str) and statement(query).upper().startswith(("SELECT", "WITH")),
        "strongest_per_type_sql must return the text of one query (SELECT or WITH).",
        "Return a string such as '''WITH ranked AS (...) SELECT ...'''.",
    )
    require_portable(query)
    spark, engine = session(spark), engine_or_default(engine)
    query = query.strip().rstrip(";").rstrip()
    pokemon = read_table(spark, "silver.pokemon", "Run lesson 3 to build Silver.")
    rows = _judge_strongest_sql(read_sql(query, engine), _strongest(pokemon), "On silver.pokemon")
    mirrored = _mirrored(query, pokemon.columns)
    try:
        answer = read_sql(mirrored, engine)
    except CheckFailed as failure:
        raise CheckFailed(
            "The query runs on silver.pokemon, but failed when the check put other rows in its "
            f"place (a subquery with the ids negated): {failure.message}",
            fix="Refer to the columns plainly, or through an alias of your own "
            "(FROM silver.pokemon AS p ... p.total).",
        ) from failure
    where = "On silver.pokemon with its ids negated (so ties break the other way)"
    _judge_strongest_sql(answer, _strongest(pokemon.withColumn("id", -F.col("id"))), where)
    passed(
        f"SQL and Spark agree on the strongest Pokémon per primary type: {rows} rows, also with other ids"
    )


# ------------------------------------------------------------------ exercise 2: catalogs named

MARGINS = (0, 40)  # 0 keeps exactly the Pokémon level with the best of their type: the boundary
NEAR_COLUMNS = ["name", "primary_type", "total", "max_total"]
# The exercise's two tables: each name, with the catalog before it (group 1) if one is written.
_NEAR_TABLES = {
    "delta.silver.pokemon": r'(?<![\w."])(?:("?\w+"?)\s*\.\s*)?"?silver"?\s*\.\s*"?pokemon"?(?![\w"])',
    "delta.gold.type_summary": (
        r'(?<![\w."])(?:("?\w+"?)\s*\.\s*)?"?gold"?\s*\.\s*"?type_summary"?(?![\w"])'
    ),
}
_NAME_THE_CATALOG = (
    "Name the catalog of each table, delta.silver.pokemon and delta.gold.type_summary, and "
    "write the margin as the parameter :margin."
)


def _catalogs_named(query: str) -> None:
    """Both tables of the exercise are read, each under the catalog delta."""
    code = code_of(query)
    for table, pattern in _NEAR_TABLES.items():
        short = table.partition(".")[2]
        found = [m.group(1) for m in re.finditer(pattern, code, flags=re.I)]
        expect(
            bool(found),
            f"The query does not read {table}.",
            "Join delta.silver.pokemon with delta.gold.type_summary: max_total is the best "
            "total of each type, as Gold computed it.",
        )
        expect(
            None not in found,
            f"The query names {short} without its catalog: a client connected to the SQL "
            "server, not to one of its catalogs, cannot find it.",
            f"Write the full name, catalog.schema.table: {table}.",
        )
        other = sorted({c.strip('"').lower() for c in found} - {"delta"})
        expect(
            not other,
            f"The query reads {short} from the catalog {other[0] if other else ''}.",
            f"The Delta tables are in the catalog delta: {table}.",
        )


def _near_the_best(spark):
    """Every Pokémon with its primary type's max_total and how far below it is, by Spark."""
    from pyspark.sql import functions as F

    pokemon = read_table(spark, "silver.pokemon", "Run lesson 3 to build Silver.")
    summary = read_table(spark, "gold.type_summary", "Run lesson 4 to build Gold.")
    joined = pokemon.join(summary, pokemon["primary_type"] == summary["type"])
    gap = (F.col("max_total") - F.col("total")).alias("gap")
    return joined.select(*NEAR_COLUMNS, gap).toPandas()


def _judge_near(answer, everyone, margin: int) -> int:
    """The Pokémon at most `margin` below their primary type's max_total: named hints for the
    usual ways to miss, then every row compared with Spark's."""
    where = f"With :margin {margin}, the query"
    best = dict(zip(everyone["primary_type"], everyone["max_total"], strict=True))
    wrong_best = answer[answer["primary_type"].map(best) != answer["max_total"]]
    expect(
        wrong_best.empty,
        f"{where} gives {_first(wrong_best, 'name')} ({_first(wrong_best, 'primary_type')}) the "
        f"max_total {_first(wrong_best, 'max_total')}; gold.type_summary says "
        f"{best.get(_first(wrong_best, 'primary_type'))} for that type.",
        "Join gold.type_summary ON type = primary_type and take its max_total: the best of "
        "every Pokémon with that type, primary or secondary (not a maximum over silver.pokemon).",
    )
    below = answer[answer["max_total"] - answer["total"] > margin]
    expect(
        below.empty,
        f"{where} keeps {_first(below, 'name')}, more than {margin} below the best of its type.",
        "Keep only the Pokémon at most :margin below: WHERE max_total - total <= :margin.",
    )
    expected = everyone[everyone["gap"] <= margin]
    level = sorted(set(expected[expected["gap"] == margin]["name"]) - set(answer["name"]))
    expect(
        not level,
        f"{where} leaves out {level[:3]}, exactly {margin} below the best of their type.",
        "At most :margin below includes exactly :margin below: write <=, not <.",
    )
    return same_rows(answer, expected[NEAR_COLUMNS], f"the Pokémon within {margin} of the best")


def _first(frame, column: str):
    return frame[column].iloc[0] if len(frame) else None


def check_near_the_best_sql(query: str, engine=None, spark=None) -> None:
    """The learner's SQL, run through a connection with no default catalog (so it must name
    `delta`), gives the Pokémon within :margin of their primary type's max_total in
    gold.type_summary, for two margins (0: the boundary itself), as Spark computes them."""
    from lakehouse_kit.sql import without_default_catalog

    expect(
        isinstance(query, str) and statement(query).upper().startswith(("SELECT", "WITH")),
        "near_the_best_sql must return the text of one query (SELECT or WITH).",
        "Return a string such as 'SELECT ... FROM delta.silver.pokemon AS p JOIN ...'.",
    )
    require_portable(query)
    _catalogs_named(query)
    everyone = _near_the_best(session(spark))
    query = query.strip().rstrip(";").rstrip()
    answers = {}
    with without_default_catalog(engine_or_default(engine)) as no_default_catalog:
        for margin in MARGINS:
            answer = read_sql(query, no_default_catalog, {"margin": margin}, _NAME_THE_CATALOG)
            answers[margin] = answer.rename(columns=str.lower)
            missing = [c for c in NEAR_COLUMNS if c not in answers[margin].columns]
            expect(
                not missing,
                f"The query's answer lacks the columns {missing} (it has {list(answer.columns)}).",
                f"Select exactly these columns, named so: {NEAR_COLUMNS}.",
            )
    names = [frozenset(a["name"]) for a in answers.values()]
    everything = len(names[0]) == len(everyone)
    expect(
        len(set(names)) > 1,
        f"The query gives the same {len(names[0])} Pokémon for every :margin ({MARGINS})"
        f"{': all of them' if everything else ''}.",
        "No Pokémon is above the best of its type, so total - max_total <= :margin keeps them "
        "all: the gap is max_total - total."
        if everything
        else "Compare with the parameter: WHERE max_total - total <= :margin (its value is "
        "bound when the query runs, never written into the text).",
    )
    rows = [_judge_near(answers[m], everyone, m) for m in MARGINS]
    counts = " and ".join(f"{n} for :margin {m}" for m, n in zip(MARGINS, rows, strict=True))
    passed(
        f"SQL naming its catalogs, through a connection with no default one, agrees with Spark: {counts}"
    )


def check_sql_row_counts(sql_counts: dict | None = None, engine=None, spark=None) -> None:
    """Every Gold table has as many rows through the SQL engine as through Spark."""
    spark = session(spark)
    tables = PRODUCES["04"]
    if sql_counts is None:
        sql_counts = {
            t: int(
                read_sql(f"SELECT count(*) AS n FROM {t}", engine_or_default(engine))["n"].iloc[0]
            )
            for t in tables
        }
    for table in tables:
        spark_count = read_table(spark, table, "Run lesson 4 to build Gold.").count()
        expect(
            sql_counts.get(table) == spark_count,
            f"{table}: {sql_counts.get(table)} rows through SQL, {spark_count} through Spark.",
            "Make a new engine with sql_engine() after the tables are (re)written: the embedded engine "
            "lists the tables when it is made.",
        )
    passed(f"SQL and Spark count the same rows in all {len(tables)} Gold tables")


PROGRESS: dict[str, Callable[[], None]] = {"sql sees gold": lambda: check_sql_row_counts()}
