"""Lesson 3 (Silver and data quality): de-duplication, parsing, the expectation suite, and the
accounting (every Bronze row in Silver or in quarantine)."""

from __future__ import annotations

from collections.abc import Callable

from lakehouse_kit.checks.core import (
    columns_present,
    expect,
    passed,
    read_table,
    rows_and_ids,
    session,
    sql_in,
)
from lakehouse_kit.checks.landing import defects, expected_malformed, landing_lines, manifest
from lakehouse_kit.contracts import columns

LESSON = "03"

REAL_NAMES = {29: "Nidoran♀", 122: "Mr. Mime", 669: "Flabébé", 772: "Type: Null"}


def check_deduplicate(deduplicate: Callable, spark=None) -> None:
    spark = session(spark)
    rows = spark.createDataFrame(
        [(1, "b", 1), (1, "a", 1), (2, "x", 1), (1, "c", 2), (3, "y", 1), (3, "y", 1)],
        "id INT, raw STRING, _batch_id INT",
    )
    kept, duplicates = deduplicate(rows)
    got = {r["id"]: r["raw"] for r in kept.collect()}
    expect(
        kept.count() == 3 and sorted(got) == [1, 2, 3],
        f"Kept ids {sorted(got)} from 3 distinct ids.",
        "Keep exactly one row per id: row_number() over a window partitioned by id, keep rank 1.",
    )
    expect(
        got[1] == "c",
        f"For id 1 you kept {got[1]!r}; the row from the latest batch is 'c'.",
        "Order the window by _batch_id descending first, then by raw.",
    )
    expect(
        duplicates.count() == 3,
        f"Returned {duplicates.count()} duplicates; 3 rows were not kept.",
        "Return the rows with rank > 1 as the second value: they go to quarantine.",
    )
    passed("deduplicate keeps one row per id, the latest batch first")


# What parse_pokemon must not leave behind: rows matching the filter, what is wrong, the hint.
_PARSED_POKEMON_RULES = [
    (
        "primary_type != lower(trim(primary_type))",
        "{} rows have type names with capitals or spaces.",
        "Tidy type names: F.lower(F.trim(...)).",
    ),
    (
        "total != hp + attack + defense + special_attack + special_defense + speed",
        "{} rows have a total that is not the sum of their six stats.",
        "total = hp + attack + defense + special_attack + special_defense + speed.",
    ),
    (
        "height_m > 30 OR weight_kg > 1000",
        "{} rows are taller than 30 m or heavier than 1000 kg: a unit was missed.",
        "height is in decimetres unless the text ends in 'm'; weight in hectograms unless it ends in 'kg'.",
    ),
    (
        "name = upper(name) AND name != lower(name) AND length(name) > 3",
        "{} names are still in capitals.",
        "Turn an all-capitals name into title case: F.initcap(F.lower(name)).",
    ),
    ("name != trim(name)", "{} names keep leading or trailing spaces.", "Trim names: F.trim(...)."),
]


def check_parsed_pokemon(typed, batch: int = 1) -> None:
    columns_present(typed, columns("silver.pokemon"), "parse_pokemon's result")
    for rows, problem, hint in _PARSED_POKEMON_RULES:
        bad = typed.filter(rows).count()
        expect(bad == 0, problem.format(bad), hint)
    if batch == 1:
        names = {r["id"]: r["name"] for r in typed.filter(sql_in("id", REAL_NAMES)).collect()}
        expect(
            names == REAL_NAMES,
            f"Real names changed: {names}.",
            "Only change names written in capitals; keep Mr. Mime, Flabébé, Nidoran♀, Type: Null as they are.",
        )
    wellformed = len(landing_lines("pokemon", batch)) - expected_malformed("pokemon", batch)
    expect(
        typed.count() == wellformed,
        f"parse_pokemon gave {typed.count()} rows for {wellformed} well-formed lines.",
        "Parse every row you are given: one output row per input row, no filter.",
    )
    passed(f"{typed.count()} Pokémon rows parsed, typed and tidied")


def check_pokemon_rules(rules, typed, batch: int = 1) -> None:
    from lakehouse_kit.quality import split_valid

    kinds = {type(e).__name__ for e in rules.expectations}
    expect(
        len(rules.expectations) >= 6 and len(kinds) >= 3,
        f"The suite has {len(rules.expectations)} expectations of {len(kinds)} kinds.",
        "Use at least six expectations of at least three kinds.",
    )
    valid, failed = split_valid(typed, rules)
    broken = {"missing_field", "unknown_type", "stat_out_of_range", "invalid_utf8"}
    must_fail = {d["id"] for d in defects("pokemon", batch, broken)}
    failed_ids = {r["id"] for r in failed.select("id").collect()}
    missed = sorted(must_fail - failed_ids)
    expect(
        not missed,
        f"Rows with ids {missed} break the data rules but pass your suite.",
        "Expect not-null names, types and stats; stats between 1 and 255; types in the known set; "
        "names without U+FFFD (decoded).",
    )
    repaired = {
        d["id"]
        for d in defects(
            "pokemon", batch, {"wrong_type", "type_name_casing", "extra_field", "unknown_move"}
        )
    }
    wrongly = sorted((repaired | set(REAL_NAMES)) & failed_ids - must_fail)
    expect(
        not wrongly,
        f"Rows with ids {wrongly} are fine after parsing but fail your suite.",
        "Check your ranges and regexes against real names such as 'Type: Null' and 'Flabébé'.",
    )
    passed(
        f"{len(rules.expectations)} expectations of {len(kinds)} kinds; {len(failed_ids)} rows fail them"
    )


def check_silver(spark=None, batch: int = 1, suffix: str = "", silver_pokemon=None) -> None:
    """Bronze rows = Silver rows + quarantined rows; one row per id; no dangling move."""
    from pyspark.sql import functions as F

    spark = session(spark)
    quarantine = read_table(spark, "silver.quarantine", "Write the quarantine with save_table.")
    # A DataFrame handed in (a test's wrong answer) is checked alone.
    for name in ("pokemon",) if silver_pokemon is not None else ("types", "moves", "pokemon"):
        silver = (
            silver_pokemon
            if silver_pokemon is not None
            else read_table(spark, f"silver.{name}{suffix}", "Run the cells that write Silver.")
        )
        silver = silver.filter(f"_batch_id = {batch}")
        bronze = spark.table(f"bronze.{name}").filter(f"_batch_id = {batch}").count()
        held = quarantine.filter(f"_batch_id = {batch} AND source_table = 'bronze.{name}'").count()
        rows, ids = rows_and_ids(silver)
        expect(
            rows == ids,
            f"silver.{name}{suffix} has {rows} rows for {ids} ids: duplicates got through.",
            "De-duplicate on id before writing Silver (Exercise 1).",
        )
        expect(
            rows + held == bronze,
            f"{name}: {bronze} Bronze rows, but {rows} in Silver + {held} in quarantine.",
            "Every Bronze row must land in Silver or in quarantine: union malformed, failed and duplicate rows.",
        )
    known = (
        spark.table("silver.moves")
        .select("name")
        .unionByName(spark.table(f"silver.moves{suffix}").select("name"))
    )
    dangling = (
        silver.select(F.explode("moves").alias("name")).join(known, "name", "left_anti").count()
    )
    expect(
        dangling == 0,
        f"silver.pokemon{suffix} still lists {dangling} moves the moves table does not know.",
        "Drop references to unknown moves (a left_semi join with the known move names).",
    )
    if batch == 1 and not suffix:
        expected = manifest()["expected"]["batch_001"]["pokemon_ids"]
        expect(
            rows == expected,
            f"silver.pokemon has {rows} Pokémon; the clean data has {expected}.",
            "Compare your quarantine with data/README.md's list of defects.",
        )
    passed(f"batch {batch}: every Bronze row is in Silver or in quarantine; ids are unique")


def check_silver_now(spark=None) -> None:
    """Silver as it stands: batch-1 accounting, or after the MERGE of lesson 6, the merged counts."""
    spark = session(spark)
    pokemon = read_table(spark, "silver.pokemon", "Run lesson 3.")
    if pokemon.filter("_batch_id > 1").limit(1).count() == 0:
        return check_silver(spark)
    rows, ids = rows_and_ids(pokemon)
    expected = manifest()["expected"]["after_batch_002"]["pokemon_ids"]
    expect(
        rows == ids == expected,
        f"silver.pokemon has {rows} rows, {ids} ids; expected {expected} after the MERGE.",
        "Re-run lesson 3, then lesson 6.",
    )
    passed("Silver holds both batches, one row per id")


PROGRESS: dict[str, Callable[[], None]] = {"silver accounting": lambda: check_silver_now()}
