"""Lesson 3, exercise 2: parse_pokemon, judged row by row and column by column against what
data/README.md's rules make of each line (`checks.reference`), on the batch and on lines the
check makes up."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable

from lakehouse_kit.checks import judged, reference
from lakehouse_kit.checks.core import (
    columns_present,
    engine_errors,
    expect,
    passed,
    session,
)
from lakehouse_kit.checks.probes import PROBE_LINES
from lakehouse_kit.checks.reference import (
    COLUMNS,
    REAL_NAMES,
    expected_row,
    matches,
)

PARSED = [*COLUMNS, "raw", "_batch_id"]
PROBE_BATCH = 0  # the made-up lines' batch: no real one, the same whatever batch is checked
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
    in another order...), unless they passed before on the same code (`judged`). Returns the
    stored rows."""
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
    reused = judged.trials(
        "parse_pokemon on made-up lines", parse_pokemon, lambda: _check_probe_lines(parse_pokemon)
    )
    passed(
        f"batch {batch}: {len(rows)} Pokémon rows parsed, typed and tidied, every value as the "
        "rules say" + judged.note(reused, "the check's own lines")
    )
    return typed


def _check_probe_lines(parse_pokemon: Callable) -> None:
    """parse_pokemon on lines no batch needs to hold: its argument, not a table, is what it reads."""
    probes = session(None).createDataFrame(
        [(line, PROBE_BATCH, "landing/probe.jsonl", None, False) for line in PROBE_LINES],
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
