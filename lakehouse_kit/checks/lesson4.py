"""Lesson 4 (Gold aggregates): each Gold table recomputed from Silver and compared. Given the
learner's function, a check also runs it on made-up rows no batch holds (ties, a group smaller
than top_n, a move nobody learns, a move with no power) and with other arguments."""

from __future__ import annotations

from collections import Counter
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


def _made_up_pokemon(spark):
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


def _made_up_moves(spark):
    rows = [(i, n, t, p, 100 if p else None, 10, c, 1, 1) for i, n, t, p, c in MADE_UP_MOVES]
    return spark.createDataFrame(rows, _MOVES_SCHEMA)


def _made_up_types(spark):
    return spark.createDataFrame([t + (1,) for t in MADE_UP_TYPES], _TYPES_SCHEMA)


def _made_up_pokemon_rows() -> list[dict]:
    fields = ("id", "name", "primary_type", "secondary_type", "generation", "total", "moves")
    return _as_rows(MADE_UP_POKEMON, *fields)


def _as_rows(made_up: list, *names: str) -> list[dict]:
    """Made-up tuples as dicts, the way collected rows are read."""
    return [dict(zip(names, values, strict=False)) for values in made_up]


def _run(function: Callable, table: str, where: str, *arguments) -> list:
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
    silver = read_table(spark, "silver.types", SILVER_HINT)
    types = silver.collect()
    function = matchups if callable(matchups) else None
    if function:
        made_up = _as_rows(MADE_UP_TYPES, "id", "name", *_RELATIONS)
        rows = _run(function, table, "on made-up types", _made_up_types(spark))
        _judge_matchups(rows, made_up, "On 4 made-up types, your chart")
        rows = _run(function, table, "on silver.types", silver)
        _judge_matchups(rows, types, "On silver.types, your chart")
    chart = _judge_matchups(_gold(None if function else matchups, table, spark), types, table)
    immune = sum(m == 0.0 for m in chart.values())
    passed(
        f"{len(chart)} matchups: {sum(m == 2.0 for m in chart.values())} super effective, "
        f"{immune} immunities"
        + ("; your function is right on made-up types too" if function else "")
    )


def _judge_matchups(rows: list, types: list, where: str) -> dict:
    """The learner's chart against the one the types' relation lists give; returns it."""
    _no_nulls(
        rows,
        ["attacking_type", "defending_type"],
        where,
        "Take both type names from the types' name column: cross-join the names with themselves.",
    )
    _no_nulls(rows, ["multiplier"], where, _DEFAULT_HINT)
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


# ---------------------------------------------------------------- the leaderboard

_STRONGEST_NULL_HINTS = {
    "name": "Keep each Pokémon's name as silver.pokemon has it.",
    "total": "Keep each Pokémon's total as silver.pokemon has it.",
    "rank": "Number the rows with F.row_number() over the window.",
}
_TIES_HINT = (
    "Order by total descending, then by id ascending, so ties always come out the same way: "
    "of two Pokémon with the same total, the smaller id ranks first."
)


def check_strongest(strongest=None, top_n: int = 3, spark=None) -> None:
    """At most top_n rows per (primary_type, generation), ranked 1.. by total, ties by id.
    `strongest`: the learner's function (run on made-up Pokémon with top_n 5 and 1, and on
    silver.pokemon with top_n, then the Gold table is judged too), a DataFrame, or None: the
    Gold table."""
    spark = session(spark)
    table = "gold.strongest_by_type_generation"
    silver = _silver_pokemon(spark)
    function = strongest if callable(strongest) else None
    if function:
        made_up = _made_up_pokemon(spark)
        for n in (5, 1):  # other values of top_n; ties; a group smaller than 5
            rows = _run(function, table, f"with top_n={n}", made_up, n)
            where = f"With top_n={n} on made-up Pokémon, your leaderboard"
            _judge_strongest(rows, _made_up_pokemon_rows(), n, where)
        pokemon = read_table(spark, "silver.pokemon", SILVER_HINT)
        rows = _run(function, table, "on silver.pokemon", pokemon, top_n)
        where = f"With top_n={top_n} on silver.pokemon, your leaderboard"
        _judge_strongest(rows, silver, top_n, where)
    groups = _judge_strongest(
        _gold(None if function else strongest, table, spark), silver, top_n, table
    )
    also = "; your function is right with top_n 5 and 1 on made-up Pokémon too" if function else ""
    passed(
        f"top {top_n} of {groups} (type, generation) groups, ranked by total with ties broken by id{also}"
    )


def _leaderboard(pokemon: list, top_n: int) -> dict[tuple, list]:
    """The answer: per (primary_type, generation), its top_n Pokémon by total, ties by id."""
    board: dict[tuple, list] = {}
    for p in sorted(pokemon, key=lambda p: (-p["total"], p["id"])):
        board.setdefault((p["primary_type"], p["generation"]), []).append(p)
    return {group: members[:top_n] for group, members in board.items()}


def _judge_strongest(rows: list, pokemon: list, top_n: int, where: str) -> int:
    """The learner's leaderboard against the one `pokemon` gives; returns its number of groups."""
    for column, hint in _STRONGEST_NULL_HINTS.items():
        _no_nulls(rows, [column], where, hint)
    by_name = {p["name"]: p for p in pokemon}
    strangers = sorted({r["name"] for r in rows} - set(by_name))
    expect(
        not strangers,
        f"{where} names {strangers[:3]}, which are not among the Pokémon given.",
        "Rank the Pokémon the function is given (its pokemon argument), names as they are.",
    )
    changed = [r for r in rows if r["total"] != by_name[r["name"]]["total"]]
    expect(
        not changed,
        f"{where}: {len(changed)} totals are not the Pokémon's own, e.g. {changed[0]['name']} has "
        f"{changed[0]['total']}, its six stats add up to {by_name[changed[0]['name']]['total']}."
        if changed
        else "",
        "Keep total as silver.pokemon has it (the sum of the six stats): select the column, "
        "don't replace or recompute it.",
    )
    moved = [r for r in rows if _group(r) != _group(by_name[r["name"]])]
    expect(
        not moved,
        f"{where} puts {moved[0]['name']} on the {_group(moved[0])} leaderboard; it belongs to "
        f"{_group(by_name[moved[0]['name']])}."
        if moved
        else "",
        "Rank by primary_type only: a secondary type does not put a Pokémon on a second leaderboard."
        if any(r["primary_type"] == by_name[r["name"]]["secondary_type"] for r in moved)
        else "Keep primary_type and generation as silver.pokemon has them.",
    )
    twice = sorted(name for name, n in Counter(r["name"] for r in rows).items() if n > 1)
    expect(
        not twice,
        f"{where} lists {twice[:3]} more than once.",
        "Each Pokémon once, on its primary_type's leaderboard: a secondary type does not put it "
        "on a second one, and no join may repeat it.",
    )
    groups: dict[tuple, list] = {}
    for r in sorted(rows, key=lambda r: r["rank"]):
        groups.setdefault(_group(r), []).append(r)
    _judge_ranks(groups, top_n, where)
    _judge_sizes(groups, _leaderboard(pokemon, top_n), top_n, where)
    _judge_order(groups, _leaderboard(pokemon, top_n), where)
    return len(groups)


def _group(row) -> tuple:
    return row["primary_type"], row["generation"]


def _judge_ranks(groups: dict[tuple, list], top_n: int, where: str) -> None:
    """Ranks 1, 2, 3 … in every group, none shared."""
    for group, members in sorted(groups.items(), key=str):
        ranks = [r["rank"] for r in members]
        expect(
            len(set(ranks)) == len(ranks),
            f"{where}: {group} has the ranks {ranks}; tied Pokémon share a rank.",
            "Number the rows with F.row_number(): F.rank() and F.dense_rank() give tied Pokémon "
            "the same rank.",
        )
        expect(
            ranks == list(range(1, len(ranks) + 1)),
            f"{where}: {group} has the ranks {ranks}; expected 1 to {len(ranks)}.",
            "Partition the window by primary_type and generation: each generation of a type has "
            "a leaderboard of its own."
            if _ranked_across(groups, group)
            else f"Keep ranks 1 to top_n ({top_n} here) of each group: F.row_number() over the "
            "window, then rank <= top_n.",
        )


def _ranked_across(groups: dict[tuple, list], group: tuple) -> bool:
    """Whether the ranks run across the groups of one type, or of one generation: the window
    was partitioned by only one of the two."""
    for part in (0, 1):
        ranks = sorted(
            r["rank"] for g, rows in groups.items() if g[part] == group[part] for r in rows
        )
        if ranks == list(range(1, len(ranks) + 1)):
            return True
    return False


def _judge_sizes(groups: dict, wanted: dict, top_n: int, where: str) -> None:
    missing = sorted(set(wanted) - set(groups), key=str)
    expect(
        not missing,
        f"{where}: {len(missing)} (primary_type, generation) groups are missing, e.g. {missing[:2]}.",
        f"Keep rank <= top_n (top_n is {top_n} here) in every group, also in a group with fewer "
        "than top_n Pokémon.",
    )
    for group, members in sorted(wanted.items(), key=str):
        got = len(groups[group])
        expect(
            got == len(members),
            f"{where}: {group} keeps {got} Pokémon, {'more' if got > len(members) else 'fewer'} "
            f"than the {len(members)} top_n={top_n} keeps.",
            f"Keep rank <= top_n, with the top_n the function is given ({top_n} here), not a "
            "number of your own.",
        )


def _judge_order(groups: dict, wanted: dict, where: str) -> None:
    """Each group's Pokémon in the right order: total descending, ties by the smaller id."""
    wrong = sorted((g for g in wanted if _names(groups[g]) != _names(wanted[g])), key=str)
    if not wrong:
        return
    totals = {g: [r["total"] for r in groups[g]] for g in wrong}
    if any(t != sorted(t, reverse=True) or t[0] < wanted[g][0]["total"] for g, t in totals.items()):
        hint = "Order the window by total descending (F.desc('total')): rank 1 is the strongest."
    else:
        hint = _TIES_HINT
    group = wrong[0]
    expect(
        False,
        f"{where}: {group} ranks {_names(groups[group])}; it should be {_names(wanted[group])}.",
        hint,
    )


def _names(members: list) -> list[str]:
    return [m["name"] for m in members]


# ---------------------------------------------------------------- move usage

_ATTRIBUTES = ("type", "damage_class", "power")


def check_move_usage(usage=None, spark=None) -> None:
    """One row per move given; its type, damage class and power as the moves have them;
    learned_by counts the Pokémon whose moves array holds it. `usage`: the learner's function
    (run on made-up moves and Pokémon and on Silver, then the Gold table is judged too), a
    DataFrame, or None: the Gold table."""
    spark = session(spark)
    table = "gold.move_usage"
    silver_moves = read_table(spark, "silver.moves", SILVER_HINT)
    moves, pokemon = silver_moves.collect(), _silver_pokemon(spark)
    function = usage if callable(usage) else None
    if function:
        made_up = _made_up_pokemon(spark), _made_up_moves(spark)
        rows = _run(function, table, "on made-up rows", *made_up)
        made_up_moves = _as_rows(MADE_UP_MOVES, "id", "name", "type", "power", "damage_class")
        where = "On made-up moves and Pokémon, your move_usage"
        _judge_move_usage(rows, _made_up_pokemon_rows(), made_up_moves, where)
        silver_pokemon = read_table(spark, "silver.pokemon", SILVER_HINT)
        rows = _run(function, table, "on Silver", silver_pokemon, silver_moves)
        _judge_move_usage(rows, pokemon, moves, "On Silver, your move_usage")
    counts = _judge_move_usage(
        _gold(None if function else usage, table, spark), pokemon, moves, table
    )
    top = max(counts, key=lambda m: (counts[m], str(m)))
    also = "; your function is right on made-up moves too" if function else ""
    passed(
        f"{len(counts)} moves, {sum(counts.values())} (Pokémon, move) pairs; most learned: "
        f"{top} ({counts[top]}){also}"
    )


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
    _no_nulls(
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
