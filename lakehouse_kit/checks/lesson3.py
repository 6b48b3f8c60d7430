"""Lesson 3 (Silver and data quality): exercise 1's check (de-duplication) and the lesson's
progress check. Parsing is judged in `parse_pokemon`, the expectation suite in `pokemon_rules`,
the accounting (every Bronze row in Silver or in quarantine) in `accounting`.

The answer key is data/README.md's rules (`checks.reference`), applied to every row whatever
its batch, and to rows the checks make up that no batch needs to hold."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from lakehouse_kit.checks import judged
from lakehouse_kit.checks.accounting import DEDUP_HINT, check_silver_now
from lakehouse_kit.checks.core import (
    engine_errors,
    expect,
    passed,
    session,
)

LESSON = "03"

# ------------------------------------------------------------------ Exercise 1: deduplicate

KEY_HINT = "Partition the window by the key argument, Window.partitionBy(key), not by 'id'."
DEDUP_SCHEMA = "id INT, name STRING, raw STRING, _batch_id INT"
# (id, name after parsing, raw line, batch): which copy de-duplication must keep is marked. The
# dirty copies are longer and shorter, sort before and after the clean one: no order of raw
# alone, nor of its length, picks the clean copy every time.
_DEDUP_ROWS = [
    (1, "Bulbasaur", '{"id": 1, "name": "Bulbasaur", "hp": 45}', 1),
    (1, "Bulbasaur", '{"id": 1, "name": "Bulbasaur", "hp": 50}', 2),  # keep: latest, clean
    (1, "Bulbasaur", '{"id": 1, "name": "  BULBASAUR ", "hp": 50}', 2),
    (4, "Charmander", '{"id": 4, "name": "Charmander  "}', 1),
    (4, "Charmander", '{"id": 4, "name": "Charmander"}', 1),  # keep: clean (sorts after)
    (9, "Blastoise", '{"id": 9, "name": "Blastoise", "hp": 79}', 1),  # keep: clean (longer)
    (9, "Blastoise", '{"id": 9, "name": "BLASTOISE"}', 1),  # shorter, and sorts first
    (37, "Vulpix", '{"id": 37, "name": "vulpix"}', 1),
    (37, "Vulpix", '{"id": 37, "name": "Vulpix"}', 1),  # keep: clean (sorts before)
    (7, "Squirtle", '{"id": 7, "name": "Squirtle"}', 1),  # keep either: byte-identical
    (7, "Squirtle", '{"id": 7, "name": "Squirtle"}', 1),
    (150, "Mewtwo", '{"id": 150, "name": "Mewtwo", "hp": 106}', 1),
    (150, "Mewtwo", '{"id": 150, "name": "Mewtwo", "hp": 100}', 1),  # keep: both clean, first raw
    (25, "Pikachu", '{"id": 25, "name": "Pikachu"}', 1),  # keep: alone
]
_DEDUP_KEEP = {row[0]: row for row in (_DEDUP_ROWS[i] for i in (1, 4, 5, 8, 12))}


def check_deduplicate(deduplicate: Callable, spark=None) -> None:
    """One row per key: the latest batch, and of near-duplicates the copy that needed no repair,
    whatever order or length the raw lines have; every other row returned as a duplicate. The
    key is an argument: the same rows keyed by another column give the same choice. Not tried
    again on code that passed before (`judged`)."""
    reused = judged.trials(
        "deduplicate on made-up rows", deduplicate, lambda: _try_deduplicate(deduplicate, spark)
    )
    passed(
        "deduplicate keeps one row per id: the latest batch, the copy that arrived clean"
        + judged.note(reused)
    )


def _try_deduplicate(deduplicate: Callable, spark) -> None:
    spark = session(spark)
    rows = spark.createDataFrame(_DEDUP_ROWS, DEDUP_SCHEMA)
    kept, duplicates = _deduplicated(deduplicate, rows, {}, DEDUP_HINT)
    ids = sorted({r[0] for r in _DEDUP_ROWS})
    got = {r["id"]: tuple(r[c] for c in rows.columns) for r in kept}
    expect(
        len(kept) == len(ids) and sorted(got) == ids,
        f"Kept {len(kept)} rows for ids {sorted(got)}; there are {len(ids)} distinct ids.",
        "Keep exactly one row per id: F.row_number() over a window partitioned by id, keep 1 "
        "(rank() and dense_rank() keep both of two identical rows), and return (kept, duplicates).",
    )
    expect(
        got[1][3] == 2,
        f"For id 1 you kept {got[1][2]!r}, from an older batch.",
        "Order the window by _batch_id descending first: the latest batch wins.",
    )
    wrong = {i: got[i][2] for i, row in _DEDUP_KEEP.items() if got[i] != row}
    expect(
        not wrong,
        f"Kept copies that needed repair: {list(wrong.values())}; the clean copies "
        f"{[_DEDUP_KEEP[i][2] for i in wrong]} must win.",
        DEDUP_HINT,
    )
    rest = Counter(_DEDUP_ROWS) - Counter(got.values())
    expect(
        Counter(tuple(r[c] for c in rows.columns) for r in duplicates) == rest,
        f"Returned {len(duplicates)} duplicates; the {sum(rest.values())} rows not kept are "
        "the duplicates, each once and unchanged.",
        "Return the rows ranked after the first as the second value: they go to quarantine.",
    )
    keyed = rows.withColumnRenamed("id", "dex_no")
    kept_by_key, _ = _deduplicated(deduplicate, keyed, {"key": "dex_no"}, KEY_HINT)
    expect(
        sorted(r["raw"] for r in kept_by_key) == sorted(row[2] for row in got.values()),
        f"deduplicate(rows, key='dex_no') kept {len(kept_by_key)} other rows than "
        "deduplicate(rows) on the same rows keyed by id.",
        KEY_HINT,
    )


def _deduplicated(deduplicate: Callable, rows, arguments: dict, hint: str) -> tuple[list, list]:
    """The kept rows and the duplicates, collected; the learner's mistakes as failures."""
    call = f"deduplicate(rows{''.join(f', {k}={v!r}' for k, v in arguments.items())})"
    result = deduplicate(rows, **arguments)
    expect(
        isinstance(result, tuple) and len(result) == 2,
        f"{call} must return two DataFrames: the kept rows and the duplicates.",
        "End with: return kept, duplicates.",
    )
    with engine_errors(call, hint):  # even a schema is asked of the engine
        columns = [frame.columns for frame in result]
        collected = tuple(frame.collect() for frame in result)
    for what, found in zip(("kept rows", "duplicates"), columns, strict=True):
        expect(
            set(found) == set(rows.columns),
            f"The {what} have the columns {found}; the rows given had {rows.columns}.",
            "Drop the ranking column before returning: .drop('_rank').",
        )
    return collected


PROGRESS: dict[str, Callable[[], None]] = {"silver accounting": lambda: check_silver_now()}
