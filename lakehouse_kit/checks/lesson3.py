"""Lesson 3 (Silver and data quality): the exercises' checks (de-duplication, parsing, the
expectation suite); the accounting (every Bronze row in Silver or in quarantine) is in
`checks.accounting`.

The answer key is data/README.md's rules (`checks.reference`), applied to every row whatever
its batch, and to rows the checks make up that no batch needs to hold."""

from __future__ import annotations

import copy
from collections import Counter, defaultdict
from collections.abc import Callable

from lakehouse_kit.checks import reference
from lakehouse_kit.checks.accounting import DEDUP_HINT, check_silver, check_silver_now
from lakehouse_kit.checks.core import (
    columns_present,
    engine_error_types,
    engine_errors,
    expect,
    passed,
    session,
)
from lakehouse_kit.checks.reference import (
    COLUMNS,
    REAL_NAMES,
    STATS,
    defects,
    doubtful,
    expected_row,
    known_types,
    matches,
)

LESSON = "03"
__all__ = [  # the accounting's checks too: lessons call them all as checks.<name>
    "REAL_NAMES",
    "check_deduplicate",
    "check_parsed_pokemon",
    "check_pokemon_rules",
    "check_silver",
    "check_silver_now",
    "known_types",
]

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
    key is an argument: the same rows keyed by another column give the same choice."""
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
    passed("deduplicate keeps one row per id: the latest batch, the copy that arrived clean")


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


# ------------------------------------------------------------------ Exercise 2: parse_pokemon

PARSED = [*COLUMNS, "raw", "_batch_id"]
PARSE_HINT = (
    "Read doubtful fields as text and convert with try_cast (a cast of '1.3m' fails the whole "
    "job), and pick array elements with F.get(array, i) (a list may be empty)."
)
# Per column: the JSON field it comes from (shown next to a wrong value) and the hint.
_COLUMN_HINTS = {
    "id": ("id", "Take id straight from the JSON: F.col('j.id')."),
    "name": (
        "name",
        "Trim names and collapse inner spaces; only a name written all in one case (PIKACHU, "
        "spiritomb) changes, to F.initcap(F.lower(name)). Real names (Ho-Oh, Mr. Mime) stay as "
        "they are.",
    ),
    "generation": ("generation", "Take generation straight from the JSON: F.col('j.generation')."),
    "height_m": (
        "height",
        "height is decimetres (7 -> 0.7) unless the text ends in 'm' ('1.3m' -> 1.3): "
        "measure(F.col('j.height'), 'm', 10).",
    ),
    "weight_kg": (
        "weight",
        "weight is hectograms (69 -> 6.9) unless the text ends in 'kg' ('230.0kg' -> 230.0): "
        "measure(F.col('j.weight'), 'kg', 10).",
    ),
    "base_experience": ("base_experience", "Take base_experience straight from the JSON."),
    "is_legendary": ("is_legendary", "Take is_legendary straight from the JSON."),
    "primary_type": (
        "types",
        "The type in slot 1, tidied: tidy(F.get(F.array_sort('j.types'), 0)['type']['name']); "
        "the list is not always in slot order.",
    ),
    "secondary_type": (
        "types",
        "The type in slot 2 (null if none), tidied: tidy(F.get(F.array_sort('j.types'), 1)...); "
        "the list is not always in slot order.",
    ),
    "total": ("stats", "total = hp + attack + defense + special_attack + special_defense + speed."),
    "moves": ("moves", "The move names as listed, in their order: F.col('j.moves.move.name')."),
}
_STAT_HINT = (
    "stats",
    "Map each stat name to its base_stat as an int (try_cast: '47' -> 47), whatever the order "
    "of the list: F.map_from_arrays(names, values)[name].",
)
# What parse_pokemon must not leave in any row: test, problem, hint.
_NAME_RULES = [
    (
        lambda n: n != n.strip() or "  " in n,
        "names keep leading, trailing or doubled spaces",
        "Trim names and collapse inner spaces: F.regexp_replace(F.trim(name), r'\\s+', ' ').",
    ),
    (
        lambda n: n.upper() != n.lower() and n in (n.upper(), n.lower()),
        "names are written all in capitals or all in lower case",
        "A name written all in one case becomes title case: F.initcap(F.lower(name)).",
    ),
]


def check_parsed_pokemon(parse_pokemon: Callable, bronze, batch: int = 1):
    """Run parse_pokemon on the well-formed Bronze rows of a batch and store the result once
    (checkpoint); every row must hold what data/README.md's rules make of its line, every
    column judged. Then the same on lines the check makes up (types out of slot order, stats
    in another order...). Returns the stored rows."""
    from lakehouse_kit.spark import checkpoint

    with engine_errors("parse_pokemon", PARSE_HINT):
        typed = parse_pokemon(bronze)
        columns_present(typed, PARSED, "parse_pokemon's result")
        typed = checkpoint(typed, "pokemon_typed")
        rows = typed.select(*PARSED).collect()
        given = bronze.select("raw", "_batch_id").collect()
    _same_lines(rows, given, "")
    names = [(r, expected_row(r["raw"])["name"]) for r in rows]  # the name the rules make
    for test, problem, hint in _NAME_RULES:
        found = {r["name"] for r, want in names if isinstance(want, str) and r["name"] != want}
        bad = sorted(n for n in found if isinstance(n, str) and test(n))
        expect(not bad, f"{len(bad)} {problem}, e.g. {bad[:3]}.", hint)
    real = set(REAL_NAMES.values())
    changed = {r["id"]: r["name"] for r, want in names if want in real and r["name"] != want}
    expect(
        not changed,
        f"Real names changed: {changed}.",
        "Change only names written all in one case; Ho-Oh, Porygon-Z, Mr. Mime, Flabébé, "
        "Nidoran♀ and Type: Null stay as they are.",
    )
    _same_values(rows, "")
    _check_probe_lines(parse_pokemon, bronze, batch)
    passed(
        f"batch {batch}: {len(rows)} Pokémon rows parsed, typed and tidied, every value as the rules say"
    )
    return typed


def _check_probe_lines(parse_pokemon: Callable, bronze, batch: int) -> None:
    """parse_pokemon on lines no batch needs to hold: its argument, not a table, is what it reads."""
    probes = session(None).createDataFrame(
        [(line, batch, "landing/probe.jsonl", None, False) for line in reference.PROBE_LINES],
        "raw STRING, _batch_id INT, _source_file STRING, _ingested_at TIMESTAMP, "
        "_is_malformed BOOLEAN",
    )
    with engine_errors("parse_pokemon on lines the check made up", PARSE_HINT):
        rows = parse_pokemon(probes).select(*PARSED).collect()
    where = "On lines the check made up (no batch needs to hold them): "
    _same_lines(rows, probes.select("raw", "_batch_id").collect(), where)
    _same_values(rows, where)


def _same_lines(rows: list, given: list, where: str) -> None:
    lines = Counter((r["raw"], r["_batch_id"]) for r in given)
    got = Counter((r["raw"], r["_batch_id"]) for r in rows)
    expect(
        len(rows) == len(given),
        f"{where}parse_pokemon gave {len(rows)} rows for {len(given)} well-formed lines.",
        "Parse every row you are given: one output row per input row, no filter.",
    )
    expect(
        got == lines,
        f"{where}{sum((lines - got).values())} rows lost their raw line or _batch_id.",
        "Carry raw and _batch_id along unchanged: they serve quarantine and lineage.",
    )


def _same_values(rows: list, where: str) -> None:
    """Every column of every row against the reference parse of its raw line."""
    wrong: dict[str, list[tuple]] = defaultdict(list)
    for row in rows:
        want = expected_row(row["raw"])
        for column in COLUMNS:
            if not matches(row[column], want[column]):
                wrong[column].append((row, want[column]))
    column = next((c for c in COLUMNS if c in wrong), None)
    if column is None:
        return
    (row, want), count = wrong[column][0], len(wrong[column])
    field, hint = _COLUMN_HINTS.get(column, _STAT_HINT)
    detail = f"the line's {field}: {str(reference.json_field(row['raw'], field))[:90]}"
    if all(row[c] is None for c in COLUMNS):  # on an engine, a field of the wrong type does that
        detail, hint = "every column is null: the record did not parse", PARSE_HINT
    expect(
        False,
        f"{where}{column} is wrong in {count} row{'s' * (count > 1)}, e.g. id {row['id']}: "
        f"{row[column]!r}, expected {_expected(want)} ({detail}).",
        hint,
    )


def _expected(want) -> str:
    return " or ".join(map(repr, want)) if isinstance(want, tuple) else repr(want)


# ------------------------------------------------------------------ Exercise 3: pokemon_rules

GRASS = "grass"  # the type left out of type_names to see that the suite uses its argument
_EXTRA_HINTS = {
    "name": "Real names keep their spelling: 'Type: Null', 'Ho-Oh', 'Flabébé', 'Nidoran♀', "
    "'Farfetch’d' and 'Mr. Mime' must pass your rules on names.",
    "height_m": "After parsing, heights are in metres: real ones run from 0.1 m (Joltik) to 20 m "
    "(Eternatus).",
    "weight_kg": "After parsing, weights are in kilograms: real ones run from 0.1 kg (Gastly) to "
    "999.9 kg (Cosmoem).",
    "base_experience": "base_experience may be null: Generation 9 has none (data/README.md); the "
    "rules ask nothing of it.",
    "secondary_type": "A Pokémon with one type has no secondary_type: expect it in type_names, "
    "not not-null.",
    "id": "Exercise 1 keeps one copy of a repeated id; an expectation that ids are unique sends "
    "every copy to quarantine, and the Pokémon is lost.",
    "generation": "Generations run from 1 to 9, both included.",
    **dict.fromkeys(STATS, "Stats run from 1 to 255, both included."),
}


def check_pokemon_rules(rules, typed, batch: int = 1) -> None:
    """The suite sends to quarantine exactly the rows that break data/README.md's rules, of
    this batch and of rows the check makes up (hp 0, attack 256, generation 12, height 0, an
    unknown type, a null name...); never a repaired row or a real name. `rules` is the
    function pokemon_rules (then it is also given type_names without one type, which must
    count) or a suite it made."""
    type_names = known_types(session(None), batch)
    suite = rules(type_names) if callable(rules) else rules
    missed, extra = _judge(suite, typed, type_names)
    ids = sorted({row["id"] for row, _ in missed}, key=str)[:10]
    _report_missed(missed, f"Rows with ids {ids}")
    _report_extra(extra, made_up=False)
    probes = _probe_frame()
    missed, extra = _judge(suite, probes, type_names)
    _report_missed(missed, "Rows the check made up (no batch needs to hold them)")
    _report_extra(extra, made_up=True)
    if callable(rules):
        fewer = [t for t in type_names if t != GRASS]
        missed, extra = _judge(rules(fewer), probes, fewer)
        expect(
            not missed and not extra,
            f"Given type_names without '{GRASS}', your suite still lets rows of type {GRASS} pass.",
            "Use the type_names argument: ExpectColumnValuesToBeInSet(column=..., "
            "value_set=type_names), not a list of your own.",
        )
    kinds = {type(e).__name__ for e in suite.expectations}
    passed(
        f"{len(suite.expectations)} expectations of {len(kinds)} kinds quarantine exactly the "
        f"rows that break the data rules, in batch {batch} and in rows the check made up"
    )


def _probe_frame():
    """The rows the check makes up, typed as parse_pokemon types them."""
    schema = (
        "id INT, name STRING, generation INT, height_m DOUBLE, weight_kg DOUBLE, "
        "base_experience INT, is_legendary BOOLEAN, primary_type STRING, secondary_type STRING, "
        + ", ".join(f"{s} INT" for s in STATS)
        + ", total INT, moves ARRAY<STRING>, raw STRING, _batch_id INT"
    )
    rows = [(*(row[c] for c in COLUMNS), label, 0) for label, row in reference.probe_rows()]
    return session(None).createDataFrame(rows, schema)


def _judge(suite, frame, type_names) -> tuple[list, list]:
    """Rows the suite lets pass though they break the rules, with their defects; rows it fails
    though the rules let them pass, with the expectations they fail."""
    missed, extra = [], []
    for row in _verdicts(suite, frame):
        found, failed = defects(row, type_names), row["failed_expectations"]
        if found and not failed:
            missed.append((row, found))
        elif failed and not found and not doubtful(row):
            extra.append((row, failed))
    return missed, extra


def _verdicts(suite, frame) -> list[dict]:
    """Every row with the expectations it fails (none: it passes). An expectation the engine
    cannot run fails with its name and a hint, not with an engine traceback."""
    from pyspark.sql import functions as F

    from lakehouse_kit.quality import describe, new_suite, split_valid

    valid, failed = split_valid(frame, suite)
    passing = valid.withColumn("failed_expectations", F.array().cast("array<string>"))
    judged = passing.unionByName(failed).select(*COLUMNS, "raw", "failed_expectations")
    try:
        return [r.asDict() for r in judged.collect()]
    except engine_error_types():
        for expectation in suite.expectations:  # find the one the engine refuses
            label = describe(expectation)
            with engine_errors(f"The expectation '{label}'", _rule_hint(label)):
                alone = new_suite("probe", [copy.deepcopy(expectation)])
                split_valid(frame, alone)[1].limit(1).collect()
        raise


def _rule_hint(label: str) -> str:
    if " matches " in label:
        return (
            "Use a regex every engine runs: no look-ahead or look-behind ((?=, (?!, (?<=); "
            "e.g. ^\\S(.*\\S)?$ for a name without outer spaces."
        )
    return "Name a column parse_pokemon makes (see the table above), with values of its type."


def _report_missed(missed: list, rows: str) -> None:
    """Rows that pass though they break the rules: what is wrong with them, and each rule."""
    whats = list(dict.fromkeys(d.what for _, found in missed for d in found))
    rules = list(dict.fromkeys(d.rule for _, found in missed for d in found))
    expect(
        not missed,
        f"{rows} break the data rules but pass your suite: {', '.join(whats[:8])}.",
        "Expect " + "; ".join(rules) + ".",
    )


def _report_extra(extra: list, made_up: bool) -> None:
    """Rows that fail though the rules let them pass: which, and the expectation to fix."""
    if not extra:
        return
    examples = [
        f"a row with {row['raw']}" if made_up else f"id {row['id']} {row['name']!r}"
        for row, _ in extra[:3]
    ]
    failing = extra[0][1][0]
    expect(
        False,
        f"{len(extra)} rows {'the check made up ' if made_up else ''}meet the data rules but "
        f"fail your suite's '{failing}': {'; '.join(examples)}.",
        _EXTRA_HINTS.get(
            failing.split(" ")[0],
            "Rows that meet data/README.md's rules must pass: check that expectation.",
        ),
    )


PROGRESS: dict[str, Callable[[], None]] = {"silver accounting": lambda: check_silver_now()}
