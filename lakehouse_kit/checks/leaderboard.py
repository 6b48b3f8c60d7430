"""Lesson 4's leaderboard (check_strongest): the top_n Pokémon per (primary_type, generation),
ties ranked alike, recomputed from Silver and from made-up rows with other top_n."""

from __future__ import annotations

import functools
from collections import Counter

from lakehouse_kit.checks import gold, judged
from lakehouse_kit.checks.core import (
    expect,
    passed,
    read_table,
    session,
)

_TABLE = "gold.strongest_by_type_generation"
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
    table = _TABLE
    silver = gold.silver_pokemon(spark)
    function = strongest if callable(strongest) else None
    reused = False
    if function:
        trial = functools.partial(_made_up_leaderboards, function, spark)
        reused = judged.trials("strongest on made-up Pokémon", function, trial)
        pokemon = read_table(spark, "silver.pokemon", gold.SILVER_HINT)
        rows = gold.learner_rows(function, table, "on silver.pokemon", pokemon, top_n)
        where = f"With top_n={top_n} on silver.pokemon, your leaderboard"
        _judge_strongest(rows, silver, top_n, where)
    groups = _judge_strongest(
        gold.table_rows(None if function else strongest, table, spark), silver, top_n, table
    )
    also = "; your function is right with top_n 5 and 1 on made-up Pokémon too" if function else ""
    passed(
        f"top {top_n} of {groups} (type, generation) groups, ranked by total with ties broken by "
        f"id{also}{judged.note(reused)}"
    )


def _made_up_leaderboards(function, spark) -> None:
    """Other values of top_n than the lesson's, ties, a group smaller than 5."""
    made_up = gold.made_up_pokemon(spark)
    for n in (5, 1):
        rows = gold.learner_rows(function, _TABLE, f"with top_n={n}", made_up, n)
        where = f"With top_n={n} on made-up Pokémon, your leaderboard"
        _judge_strongest(rows, gold.made_up_pokemon_rows(), n, where)


def _leaderboard(pokemon: list, top_n: int) -> dict[tuple, list]:
    """The answer: per (primary_type, generation), its top_n Pokémon by total, ties by id."""
    board: dict[tuple, list] = {}
    for p in sorted(pokemon, key=lambda p: (-p["total"], p["id"])):
        board.setdefault((p["primary_type"], p["generation"]), []).append(p)
    return {group: members[:top_n] for group, members in board.items()}


def _judge_strongest(rows: list, pokemon: list, top_n: int, where: str) -> int:
    """The learner's leaderboard against the one `pokemon` gives; returns its number of groups."""
    for column, hint in _STRONGEST_NULL_HINTS.items():
        gold.no_nulls(rows, [column], where, hint)
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
