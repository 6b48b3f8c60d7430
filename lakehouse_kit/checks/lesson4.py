"""Lesson 4 (Gold aggregates): each Gold table recomputed from Silver and compared. Given the
learner's function, a check also runs it on made-up rows no batch holds (ties, a group smaller
than top_n, a move nobody learns, a move with no power) and with other arguments, unless it
passed those trials before on the same code (`judged`: lesson 6 replays lesson 4). Here: the type
matchups, move usage and the worked example; the leaderboard in `leaderboard`, what they share
(the made-up rows, the learner's function run on them) in `gold`."""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable

from lakehouse_kit.checks import gold, judged
from lakehouse_kit.checks.core import (
    expect,
    passed,
    read_table,
    session,
)
from lakehouse_kit.checks.leaderboard import check_strongest

LESSON = "04"

# ---------------------------------------------------------------- the type matchup chart

_RELATIONS = {"double_damage_to": 2.0, "half_damage_to": 0.5, "no_damage_to": 0.0}
_RELATION_HINTS = {
    "double_damage_to": "double_damage_to means a multiplier of 2.0.",
    "half_damage_to": "half_damage_to means a multiplier of 0.5.",
    "no_damage_to": "no_damage_to is an immunity: 0.0, not the default 1.0. Explode it too.",
}
_DEFAULT_HINT = "Pairs no relation mentions get 1.0: F.coalesce('multiplier', F.lit(1.0))."


def check_type_matchups(matchups=None, spark=None) -> None:
    """Every pair of the types given, each once, with its relation's multiplier (1.0 if none).
    `matchups`: the learner's function (run on made-up types and on silver.types, then the Gold
    table is judged too), a DataFrame, or None: the Gold table."""
    spark = session(spark)
    table = "gold.type_matchups"
    silver = read_table(spark, "silver.types", gold.SILVER_HINT)
    types = silver.collect()
    function = matchups if callable(matchups) else None
    reused = False
    if function:
        trial = functools.partial(_made_up_matchups, function, spark)
        reused = judged.trials("type_matchups on made-up types", function, trial)
        rows = gold.learner_rows(function, table, "on silver.types", silver)
        _judge_matchups(rows, types, "On silver.types, your chart")
    chart = _judge_matchups(
        gold.table_rows(None if function else matchups, table, spark), types, table
    )
    immune = sum(m == 0.0 for m in chart.values())
    passed(
        f"{len(chart)} matchups: {sum(m == 2.0 for m in chart.values())} super effective, "
        f"{immune} immunities"
        + ("; your function is right on made-up types too" if function else "")
        + judged.note(reused)
    )


def _made_up_matchups(function: Callable, spark) -> None:
    made_up = gold.as_rows(gold.MADE_UP_TYPES, "id", "name", *_RELATIONS)
    rows = gold.learner_rows(
        function, "gold.type_matchups", "on made-up types", gold.made_up_types(spark)
    )
    _judge_matchups(rows, made_up, "On 4 made-up types, your chart")


def _judge_matchups(rows: list, types: list, where: str) -> dict:
    """The learner's chart against the one the types' relation lists give; returns it."""
    gold.no_nulls(
        rows,
        ["attacking_type", "defending_type"],
        where,
        "Take both type names from the types' name column: cross-join the names with themselves.",
    )
    gold.no_nulls(rows, ["multiplier"], where, _DEFAULT_HINT)
    chart = {(r["attacking_type"], r["defending_type"]): float(r["multiplier"]) for r in rows}
    expect(
        len(rows) == len(chart),
        f"{where} has {len(rows)} rows for {len(chart)} distinct pairs: some pairs repeat.",
        "Join the relations on both attacking_type and defending_type, so each pair comes once.",
    )
    names = [t["name"] for t in types]
    relation = {
        (t["name"], defending): column
        for t in types
        for column in _RELATIONS
        for defending in t[column] or []
    }
    wanted = {(a, d): _RELATIONS.get(relation.get((a, d)), 1.0) for a in names for d in names}
    strangers = sorted(set(chart) - set(wanted))
    expect(
        not strangers,
        f"{where} has pairs of types not given, e.g. {strangers[:2]}.",
        "Build the pairs from the type names given: names crossJoin names.",
    )
    missing = sorted(set(wanted) - set(chart))
    expect(
        not missing,
        f"{where} has {len(chart)} pairs; {len(names)} types make {len(wanted)} pairs "
        f"({missing[:2]} are missing).",
        "Cross-join the type names with themselves (every pair once), then left-join the "
        "relations: an inner join keeps only the pairs a relation names.",
    )
    turned = {(d, a): m for (a, d), m in wanted.items()}
    expect(
        chart != turned or turned == wanted,
        f"{where} is the right chart turned around: attacking and defending types are swapped.",
        "attacking_type is the type whose lists you explode (its name); the types in its lists "
        "are the defending_type.",
    )
    for column, multiplier in _RELATIONS.items():
        wrong = sorted(p for p, c in relation.items() if c == column and chart[p] != multiplier)
        expect(
            not wrong,
            f"{where}: {len(wrong)} pairs of {column} have the wrong multiplier, e.g. "
            f"{wrong[:1]} has {chart[wrong[0]] if wrong else ''}.",
            _RELATION_HINTS[column],
        )
    wrong = sorted(p for p, m in wanted.items() if chart[p] != m)
    expect(
        not wrong,
        f"{where}: {len(wrong)} pairs no relation names are not 1.0, e.g. {wrong[:2]}.",
        _DEFAULT_HINT,
    )
    return chart


# ---------------------------------------------------------------- move usage

_ATTRIBUTES = ("type", "damage_class", "power")


def check_move_usage(usage=None, spark=None) -> None:
    """One row per move given; its type, damage class and power as the moves have them;
    learned_by counts the Pokémon whose moves array holds it. `usage`: the learner's function
    (run on made-up moves and Pokémon and on Silver, then the Gold table is judged too), a
    DataFrame, or None: the Gold table."""
    spark = session(spark)
    table = "gold.move_usage"
    silver_moves = read_table(spark, "silver.moves", gold.SILVER_HINT)
    moves, pokemon = silver_moves.collect(), gold.silver_pokemon(spark)
    function = usage if callable(usage) else None
    reused = False
    if function:
        trial = functools.partial(_made_up_move_usage, function, spark)
        reused = judged.trials("move_usage on made-up rows", function, trial)
        silver_pokemon = read_table(spark, "silver.pokemon", gold.SILVER_HINT)
        rows = gold.learner_rows(function, table, "on Silver", silver_pokemon, silver_moves)
        _judge_move_usage(rows, pokemon, moves, "On Silver, your move_usage")
    counts = _judge_move_usage(
        gold.table_rows(None if function else usage, table, spark), pokemon, moves, table
    )
    top = max(counts, key=lambda m: (counts[m], str(m)))
    also = "; your function is right on made-up moves too" if function else ""
    passed(
        f"{len(counts)} moves, {sum(counts.values())} (Pokémon, move) pairs; most learned: "
        f"{top} ({counts[top]}){also}{judged.note(reused)}"
    )


def _made_up_move_usage(function: Callable, spark) -> None:
    made_up = gold.made_up_pokemon(spark), gold.made_up_moves(spark)
    rows = gold.learner_rows(function, "gold.move_usage", "on made-up rows", *made_up)
    moves = gold.as_rows(gold.MADE_UP_MOVES, "id", "name", "type", "power", "damage_class")
    where = "On made-up moves and Pokémon, your move_usage"
    _judge_move_usage(rows, gold.made_up_pokemon_rows(), moves, where)


def _learners(pokemon: list) -> Counter:
    """How many Pokémon hold each move."""
    return Counter(move for p in pokemon for move in set(p["moves"] or []))


def _judge_move_usage(rows: list, pokemon: list, moves: list, where: str) -> dict:
    """The learner's move usage against the moves and Pokémon given; returns learned_by per move."""
    given = {m["name"]: m for m in moves}
    names = Counter(r["move"] for r in rows)
    twice = sorted((m for m, n in names.items() if n > 1), key=str)
    expect(
        not twice,
        f"{where} has {len(twice)} moves on more than one row, e.g. {twice[:3]}.",
        "One row per move: count per move first (groupBy), then join the counts to the moves.",
    )
    strangers = sorted(set(names) - set(given), key=str)
    expect(
        not strangers,
        f"{where} has moves that are not in the moves given, e.g. {strangers[:3]}.",
        "Only the moves of silver.moves: start from the moves and left-join the counts (not a "
        "right or full join), so a move a Pokémon knows but silver.moves does not list has no row.",
    )
    learners = _learners(pokemon)
    missing = sorted(set(given) - set(names))
    expect(
        not missing,
        f"{where} lacks {len(missing)} of the moves given, e.g. {missing[:3]}.",
        "A move nobody learns is an answer too (learned_by 0): start from silver.moves with a "
        "left join; an inner join drops it."
        if all(learners[m] == 0 for m in missing)
        else "One row for every move of silver.moves: filter nothing out, not even a move whose "
        "power is null.",
    )
    for column in _ATTRIBUTES:
        _judge_attribute(rows, given, column, where)
    gold.no_nulls(
        rows,
        ["learned_by"],
        where,
        "A move nobody learns has learned_by 0: F.coalesce('learned_by', F.lit(0)).",
    )
    counts = {r["move"]: r["learned_by"] for r in rows}
    wrong = sorted(m for m, n in counts.items() if n != learners[m])
    expect(
        not wrong,
        f"{where}: learned_by is wrong for {len(wrong)} moves, e.g. {wrong[0] if wrong else ''} "
        f"has {counts[wrong[0]] if wrong else ''}, {learners[wrong[0]] if wrong else ''} Pokémon "
        "learn it.",
        "count('*') after the left join counts a move nobody learns as 1: count the exploded rows "
        "before joining, or count a column of the Pokémon side."
        if all(learners[m] == 0 and counts[m] == 1 for m in wrong)
        else "learned_by is the number of Pokémon whose moves array holds the move: explode the "
        "arrays, count per move, then join the counts on the move name.",
    )
    return counts


def _judge_attribute(rows: list, given: dict, column: str, where: str) -> None:
    """A move's type, damage_class or power as the moves given have it; the hint names the
    likeliest mistake first (a null filled in, a value from elsewhere, a value left out)."""
    wrong = [(r["move"], r[column], given[r["move"]][column]) for r in rows]
    wrong = [(move, got, want) for move, got, want in wrong if got != want]
    filled = [w for w in wrong if w[2] is None]
    other = [w for w in wrong if w[1] is not None and w[2] is not None]
    if filled:
        hint = (
            f"{column} is null for some moves in silver.moves (a status move has no power): keep "
            "it null; fill only learned_by (F.coalesce), not every column."
        )
    elif other:
        hint = f"{column} is the move's own, from silver.moves (not the Pokémon's)."
    else:
        hint = (
            "Take type, damage_class and power from silver.moves, next to the count: select them "
            "from the moves side of the join."
        )
    move, got, want = (filled or other or wrong or [("", "", "")])[0]
    expect(
        not wrong,
        f"{where}: {column} is wrong for {len(wrong)} moves, e.g. {move} has {got!r}, "
        f"silver.moves says {want!r}.",
        hint,
    )


# ---------------------------------------------------------------- the worked example


def check_type_summary(summary=None, spark=None) -> None:
    """Per type: Pokémon counted under both their types; counts, averages, maxima match Silver."""
    spark = session(spark)
    rows = gold.table_rows(summary, "gold.type_summary", spark)
    gold.no_nulls(
        rows,
        ["type", "pokemon_count", "max_total", "legendary_count"],
        "gold.type_summary",
        "Explode the non-null type names only (F.array_compact) and count, sum and max per type.",
    )
    got = {r["type"]: r for r in rows}
    expected: dict[str, list] = {}
    for p in gold.silver_pokemon(spark):
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
