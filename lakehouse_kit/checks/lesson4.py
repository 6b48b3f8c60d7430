"""Lesson 4 (Gold aggregates): each Gold table recomputed from Silver and compared."""

from __future__ import annotations

from collections.abc import Callable

from lakehouse_kit.checks.core import (
    columns_present,
    engine_errors,
    expect,
    passed,
    read_table,
    session,
)
from lakehouse_kit.contracts import columns

LESSON = "04"


def _gold(df, table: str, spark) -> list:
    """The rows of the learner's DataFrame if given, else of the Gold table; with its columns
    checked, and never an engine traceback."""
    if df is None:
        df = read_table(spark, table, f"Run the cell that writes {table} with save_table.")
    columns_present(df, columns(table), table)
    with engine_errors(table, "Run your function on its own and fix the error it shows."):
        return df.collect()


def _no_nulls(rows: list, names: list[str], table: str, hint: str) -> None:
    empty = sorted({c for r in rows for c in names if r[c] is None})
    expect(not empty, f"{table} has null values in {empty}.", hint)


def _silver_pokemon(spark) -> list:
    hint = "Run lesson 3 (or course.catch_up(lesson=4)) to build Silver."
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
    return read_table(spark, "silver.pokemon", hint).select(*columns).collect()


def check_type_matchups(matchups=None, spark=None) -> None:
    """324 pairs, each once, with multipliers that agree with silver.types."""
    spark = session(spark)
    rows = _gold(matchups, "gold.type_matchups", spark)
    _no_nulls(
        rows,
        ["attacking_type", "defending_type", "multiplier"],
        "gold.type_matchups",
        "Pairs no relation mentions get 1.0: F.coalesce('multiplier', F.lit(1.0)).",
    )
    chart = {(r["attacking_type"], r["defending_type"]): float(r["multiplier"]) for r in rows}
    expect(
        len(rows) == 324 and len(chart) == 324,
        f"The matchup table has {len(rows)} rows for {len(chart)} distinct pairs; 18 types make 324 pairs.",
        "Cross-join the type names with themselves (every pair once), then left-join the relations.",
    )
    odd = sorted(set(chart.values()) - {0.0, 0.5, 1.0, 2.0})
    expect(
        not odd, f"Multipliers {odd} are not damage multipliers.", "Use 2.0, 0.5, 0.0 and 1.0 only."
    )
    for (attack, defend), want, hint in [
        (("fire", "grass"), 2.0, "double_damage_to means a multiplier of 2.0."),
        (("fire", "water"), 0.5, "half_damage_to means a multiplier of 0.5."),
        (
            ("normal", "ghost"),
            0.0,
            "no_damage_to is an immunity: 0.0, not the default 1.0. Explode it too.",
        ),
        (
            ("normal", "normal"),
            1.0,
            "Pairs no relation mentions get 1.0: F.coalesce('multiplier', F.lit(1.0)).",
        ),
    ]:
        got = chart.get((attack, defend))
        expect(
            got == want, f"{attack} -> {defend} has multiplier {got}; it should be {want}.", hint
        )
    wanted = {}
    for t in read_table(spark, "silver.types", "Run lesson 3 to build Silver.").collect():
        for column, multiplier in (
            ("double_damage_to", 2.0),
            ("half_damage_to", 0.5),
            ("no_damage_to", 0.0),
        ):
            wanted.update({(t["name"], d): multiplier for d in t[column] or []})
    wrong = sorted(pair for pair, m in chart.items() if wanted.get(pair, 1.0) != m)
    expect(
        not wrong,
        f"{len(wrong)} pairs disagree with silver.types, e.g. {wrong[:3]}.",
        "Take the multiplier from the relation that names the pair; 1.0 only where none does.",
    )
    immune = sum(1 for m in chart.values() if m == 0.0)
    passed(
        f"324 matchups: {sum(m == 2.0 for m in chart.values())} super effective, {immune} immunities"
    )


def check_strongest(strongest=None, top_n: int = 3, spark=None) -> None:
    """At most top_n rows per (type, generation), ranked 1.. by total, ties by id."""
    spark = session(spark)
    rows = _gold(strongest, "gold.strongest_by_type_generation", spark)
    _no_nulls(
        rows,
        ["name", "total", "rank"],
        "gold.strongest_by_type_generation",
        "Number the rows with F.row_number() over the window; keep name and total from Silver.",
    )
    groups: dict[tuple, list] = {}
    for r in rows:
        groups.setdefault((r["primary_type"], r["generation"]), []).append(r)
    big = sorted(g for g, rows in groups.items() if len(rows) > top_n)
    expect(
        not big,
        f"{len(big)} groups have more than {top_n} rows, e.g. {big[:2]}.",
        f"Keep rank <= top_n ({top_n}) in each (primary_type, generation) group.",
    )
    for group, rows in groups.items():
        ranks = sorted(r["rank"] for r in rows)
        expect(
            ranks == list(range(1, len(rows) + 1)),
            f"{group} has ranks {ranks}; expected 1 to {len(rows)}.",
            "Number the rows with F.row_number() (F.rank() repeats a rank on ties), per group.",
        )
        totals = [r["total"] for r in sorted(rows, key=lambda r: r["rank"])]
        expect(
            totals == sorted(totals, reverse=True),
            f"{group}: totals by rank are {totals}, not descending.",
            "Order the window by total descending: F.desc('total').",
        )
    expected: dict[tuple, list] = {}
    for p in sorted(_silver_pokemon(spark), key=lambda p: (-p["total"], p["id"])):
        expected.setdefault((p["primary_type"], p["generation"]), []).append(p["name"])
    missing = sorted(set(expected) - set(groups), key=str)
    expect(
        not missing,
        f"{len(missing)} (type, generation) groups are missing, e.g. {missing[:2]}.",
        "Partition by primary_type and generation, and keep every group.",
    )
    for group, names in expected.items():
        got = [r["name"] for r in sorted(groups[group], key=lambda r: r["rank"])]
        expect(
            got == names[:top_n],
            f"{group}: your top {top_n} is {got}; it should be {names[:top_n]}.",
            "Order by total descending, then by id ascending, so ties always come out the same way.",
        )
    passed(
        f"top {top_n} of {len(groups)} (type, generation) groups, ranked by total with ties broken by id"
    )


def check_move_usage(usage=None, spark=None) -> None:
    """One row per Silver move; learned_by counts the Pokémon whose moves array holds it."""
    spark = session(spark)
    rows = _gold(usage, "gold.move_usage", spark)
    counts = {r["move"]: r["learned_by"] for r in rows}
    n_moves = read_table(spark, "silver.moves", "Run lesson 3 to build Silver.").count()
    expect(
        len(rows) == len(counts) == n_moves,
        f"move_usage has {len(rows)} rows for {len(counts)} moves; silver.moves has {n_moves}.",
        "Start from silver.moves and left-join the counts: one row per move, 0 for a move nobody learns.",
    )
    expect(
        all(c is not None for c in counts.values()),
        "Some moves have learned_by = null.",
        "A move nobody learns has learned_by 0: F.coalesce('learned_by', F.lit(0)).",
    )
    expected: dict[str, int] = {}
    for p in _silver_pokemon(spark):
        for move in set(p["moves"] or []):
            expected[move] = expected.get(move, 0) + 1
    pairs = sum(expected.values())
    expect(
        sum(counts.values()) == pairs,
        f"learned_by adds up to {sum(counts.values())}; "
        f"Silver Pokémon hold {pairs} (Pokémon, move) pairs.",
        "Explode the moves arrays (one row per Pokémon and move), count per move, then join.",
    )
    wrong = sorted((m for m, c in counts.items() if c != expected.get(m, 0)), key=str)
    expect(
        not wrong,
        f"learned_by is wrong for {len(wrong)} moves, e.g. {wrong[:3]}.",
        "Join the counts to the moves on the move name.",
    )
    top = max(counts, key=lambda m: (counts[m], str(m)))
    passed(f"{len(rows)} moves, {pairs} (Pokémon, move) pairs; most learned: {top} ({counts[top]})")


def check_type_summary(summary=None, spark=None) -> None:
    """Per type: Pokémon counted under both their types; counts, averages, maxima match Silver."""
    spark = session(spark)
    rows = _gold(summary, "gold.type_summary", spark)
    _no_nulls(
        rows,
        ["type", "pokemon_count", "max_total", "legendary_count"],
        "gold.type_summary",
        "Explode the non-null type names only (F.array_compact) and count, sum and max per type.",
    )
    got = {r["type"]: r for r in rows}
    expected: dict[str, list] = {}
    for p in _silver_pokemon(spark):
        for t in {p["primary_type"], p["secondary_type"]} - {None}:
            expected.setdefault(t, []).append(p)
    expect(
        set(got) == set(expected),
        f"type_summary has types {sorted(got, key=str)}; Silver has {sorted(expected)}.",
        "One row per type name, counting each Pokémon under its primary and its secondary type.",
    )
    for t, members in expected.items():
        row = got[t]
        expect(
            row["pokemon_count"] == len(members),
            f"{t}: pokemon_count {row['pokemon_count']}, expected {len(members)}.",
            "Count a dual-type Pokémon under both types: explode an array of its two type names.",
        )
        legendary = sum(1 for p in members if p["is_legendary"])
        expect(
            row["legendary_count"] == legendary,
            f"{t}: legendary_count {row['legendary_count']}, expected {legendary}.",
            "Sum is_legendary cast to int.",
        )
        expect(
            row["max_total"] == max(p["total"] for p in members),
            f"{t}: max_total is wrong.",
            "Use F.max('total').",
        )
        average = sum(p["total"] for p in members) / len(members)
        expect(
            row["avg_total"] is not None and abs(float(row["avg_total"]) - average) < 0.1,
            f"{t}: avg_total {row['avg_total']}, expected {average:.1f}.",
            "Use F.avg('total').",
        )
    passed(f"{len(got)} types summarized; dual-type Pokémon count under both types")


PROGRESS: dict[str, Callable[[], None]] = {
    "gold type matchups": lambda: check_type_matchups(),
    "gold leaderboard": lambda: check_strongest(),
    "gold move usage": lambda: check_move_usage(),
    "gold type summary": lambda: check_type_summary(),
}
