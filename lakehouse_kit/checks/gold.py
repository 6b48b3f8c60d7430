"""What lesson 4's checks share: the made-up rows no batch holds (ties, a group smaller than
top_n, a move nobody learns, a move with no power), the learner's function run on them, and
Silver and Gold rows read with their columns checked."""

from __future__ import annotations

from collections.abc import Callable

from lakehouse_kit.checks.core import (
    columns_present,
    engine_errors,
    expect,
    read_table,
)
from lakehouse_kit.contracts import columns

SILVER_HINT = "Run lesson 3 (or course.catch_up(lesson=4)) to build Silver."

# Made-up Pokémon: (id, name, primary_type, secondary_type, generation, total, moves). Ties
# (11 and 12 at 600, 13 and 14 at 450) come larger id first; (fire, 2) has fewer Pokémon than
# top_n 5; Tidalisk (water/fire) would top (fire, 1) if secondary types counted; Mistral, alone
# in (water, 3), would take water's first place if the generations were not kept apart.
MADE_UP_POKEMON = [
    (12, "Emberlynx", "fire", None, 1, 600, ["tail-flick", "mystery-move"]),
    (11, "Cindermaw", "fire", "rock", 1, 600, ["tail-flick", "spark-jab"]),
    (14, "Smolderpup", "fire", None, 1, 450, []),
    (13, "Flarewing", "fire", "flying", 1, 450, []),
    (15, "Ashcub", "fire", None, 1, 300, []),
    (16, "Kindlet", "fire", None, 1, 250, []),
    (21, "Blazeroo", "fire", None, 2, 500, ["tail-flick"]),
    (22, "Coalcub", "fire", None, 2, 320, []),
    (31, "Tidalisk", "water", "fire", 1, 650, ["spark-jab"]),
    (32, "Puddlepup", "water", None, 1, 280, []),
    (33, "Mistral", "water", None, 3, 700, ["calm-hum"]),
]
_POKEMON_SCHEMA = (
    "id INT, name STRING, generation INT, height_m DOUBLE, weight_kg DOUBLE, "
    "base_experience INT, is_legendary BOOLEAN, primary_type STRING, secondary_type STRING, "
    "hp INT, attack INT, defense INT, special_attack INT, special_defense INT, speed INT, "
    "moves ARRAY<STRING>, _batch_id INT, total INT"
)
# Made-up moves: (id, name, type, power, damage_class). Nobody learns unused-blast; calm-hum,
# a status move, has no power; mystery-move, which Emberlynx knows, is not listed.
MADE_UP_MOVES = [
    (901, "tail-flick", "normal", 10, "physical"),
    (902, "spark-jab", "electric", 40, "physical"),
    (903, "calm-hum", "psychic", None, "status"),
    (904, "unused-blast", "fire", 120, "special"),
]
_MOVES_SCHEMA = (
    "id INT, name STRING, type STRING, power INT, accuracy INT, pp INT, damage_class STRING, "
    "generation INT, _batch_id INT"
)
# Made-up types: 4 types, 16 pairs; a type that resists itself, a null list, no symmetry.
MADE_UP_TYPES = [
    (1, "sound", ["glass"], ["metal"], []),
    (2, "glass", [], ["glass"], ["shadow"]),
    (3, "metal", ["glass", "sound"], ["metal"], []),
    (4, "shadow", None, [], ["sound"]),
]
_TYPES_SCHEMA = (
    "id INT, name STRING, double_damage_to ARRAY<STRING>, half_damage_to ARRAY<STRING>, "
    "no_damage_to ARRAY<STRING>, _batch_id INT"
)


def made_up_pokemon(spark):
    """MADE_UP_POKEMON with every column of silver.pokemon; the six stats add up to total."""
    rows = []
    for id_, name, primary, secondary, generation, total, moves in MADE_UP_POKEMON:
        stats = [total // 6 + (i < total % 6) for i in range(6)]
        rows.append(
            (id_, name, generation, 1.0, 10.0, 100, id_ == 33, primary, secondary)
            + tuple(stats)
            + (moves, 1, total)
        )
    return spark.createDataFrame(rows, _POKEMON_SCHEMA)


def made_up_moves(spark):
    rows = [(i, n, t, p, 100 if p else None, 10, c, 1, 1) for i, n, t, p, c in MADE_UP_MOVES]
    return spark.createDataFrame(rows, _MOVES_SCHEMA)


def made_up_types(spark):
    return spark.createDataFrame([t + (1,) for t in MADE_UP_TYPES], _TYPES_SCHEMA)


def made_up_pokemon_rows() -> list[dict]:
    fields = ("id", "name", "primary_type", "secondary_type", "generation", "total", "moves")
    return as_rows(MADE_UP_POKEMON, *fields)


def as_rows(made_up: list, *names: str) -> list[dict]:
    """Made-up tuples as dicts, the way collected rows are read."""
    return [dict(zip(names, values, strict=False)) for values in made_up]


def learner_rows(function: Callable, table: str, where: str, *arguments) -> list:
    """The rows the learner's function returns for `arguments`, its columns checked; an engine
    error becomes a hint, not a traceback."""
    from pyspark.sql import DataFrame

    name = getattr(function, "__name__", "your function")
    with engine_errors(
        f"{name} {where}", "Run your function on its own and fix the error it shows."
    ):
        result = function(*arguments)
        expect(
            isinstance(result, DataFrame),
            f"{name} returned {type(result).__name__}, not a DataFrame.",
            "End the function with return and the DataFrame you built.",
        )
        columns_present(result, columns(table), f"What {name} returns")
        return result.collect()


def table_rows(df, table: str, spark) -> list:
    """The rows of the learner's DataFrame if given, else of the Gold table; with its columns
    checked, and never an engine traceback."""
    if df is None:
        df = read_table(spark, table, f"Run the cell that writes {table} with save_table.")
    columns_present(df, columns(table), table)
    with engine_errors(table, "Run your function on its own and fix the error it shows."):
        return df.collect()


def no_nulls(rows: list, names: list[str], table: str, hint: str) -> None:
    empty = sorted({c for r in rows for c in names if r[c] is None})
    expect(not empty, f"{table} has null values in {empty}.", hint)


def silver_pokemon(spark) -> list:
    columns = [
        "id",
        "name",
        "primary_type",
        "secondary_type",
        "generation",
        "total",
        "is_legendary",
        "moves",
    ]
    return read_table(spark, "silver.pokemon", SILVER_HINT).select(*columns).collect()
