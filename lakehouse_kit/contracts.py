"""Table contracts: for every medallion table, the lesson that produces it and the columns it
must have. The one place that says so: `course` (what `catch_up` builds), the checks (what a
learner's table or DataFrame must hold) and `quality` (the quarantine's shape) read it here.

Names follow `catalog`'s convention, '<layer>.<name>' (see `catalog.split_name`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Contract:
    """What one table promises: the lesson that writes it and its required columns."""

    lesson: str  # "02": the lesson (notebook number) that produces the table
    columns: tuple[str, ...]  # the columns the table must have (it may have more)


BRONZE_COLUMNS = ["raw", "_batch_id", "_source_file", "_ingested_at", "_is_malformed"]
SILVER_POKEMON_COLUMNS = [
    "id",
    "name",
    "generation",
    "height_m",
    "weight_kg",
    "base_experience",
    "is_legendary",
    "primary_type",
    "secondary_type",
    "hp",
    "attack",
    "defense",
    "special_attack",
    "special_defense",
    "speed",
    "total",
    "moves",
]
SILVER_MOVES_COLUMNS = [
    "id",
    "name",
    "type",
    "power",
    "accuracy",
    "pp",
    "damage_class",
    "generation",
    "_batch_id",
]
SILVER_TYPES_COLUMNS = [
    "id",
    "name",
    "double_damage_to",
    "half_damage_to",
    "no_damage_to",
    "_batch_id",
]
QUARANTINE_COLUMNS = [
    "source_table",
    "id",
    "raw",
    "failed_expectations",
    "_batch_id",
    "_quarantined_at",
]
GOLD_COLUMNS = {
    "gold.type_matchups": ["attacking_type", "defending_type", "multiplier"],
    "gold.strongest_by_type_generation": ["primary_type", "generation", "name", "total", "rank"],
    "gold.move_usage": ["move", "type", "damage_class", "power", "learned_by"],
    "gold.type_summary": ["type", "pokemon_count", "avg_total", "max_total", "legendary_count"],
}

# In the order the lessons build them: later lessons need the earlier tables.
TABLES: dict[str, Contract] = {
    **{
        f"bronze.{name}": Contract("02", tuple(BRONZE_COLUMNS))
        for name in ("pokemon", "moves", "types")
    },
    "silver.pokemon": Contract("03", tuple(SILVER_POKEMON_COLUMNS)),
    "silver.moves": Contract("03", tuple(SILVER_MOVES_COLUMNS)),
    "silver.types": Contract("03", tuple(SILVER_TYPES_COLUMNS)),
    "silver.quarantine": Contract("03", tuple(QUARANTINE_COLUMNS)),
    **{table: Contract("04", tuple(columns)) for table, columns in GOLD_COLUMNS.items()},
    # Lesson 7's declared, partitioned copy of Silver, with the column it evolves in.
    "silver.pokemon_by_generation": Contract("07", (*SILVER_POKEMON_COLUMNS, "nickname")),
}


def columns(table: str) -> list[str]:
    """The columns a table must have."""
    return list(TABLES[table].columns)


def produced_by(lesson: str) -> list[str]:
    """The tables a lesson ('02', ...) produces, in the contract's order."""
    return [table for table, contract in TABLES.items() if contract.lesson == lesson]


# The medallion tables each lesson builds, by lesson: {"02": ["bronze.pokemon", ...], ...}.
PRODUCES: dict[str, list[str]] = {
    lesson: produced_by(lesson) for lesson in dict.fromkeys(c.lesson for c in TABLES.values())
}
