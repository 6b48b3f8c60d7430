"""Lesson 3 (Silver and data quality): de-duplication, parsing, the expectation suite, and the
accounting (every Bronze row in Silver or in quarantine)."""

from __future__ import annotations

import copy
import json
from collections import Counter
from collections.abc import Callable

from lakehouse_kit.checks.core import (
    columns_present,
    engine_error_types,
    engine_errors,
    expect,
    passed,
    read_table,
    rows_and_ids,
    session,
    sql_in,
)
from lakehouse_kit.checks.landing import (
    defect_lines,
    defects,
    expected_malformed,
    landing_lines,
    manifest,
)
from lakehouse_kit.contracts import columns

LESSON = "03"

# Names data/README.md lists as real: they must survive cleansing unchanged.
REAL_NAMES = {
    29: "Nidoran♀",
    32: "Nidoran♂",
    83: "Farfetch’d",
    122: "Mr. Mime",
    250: "Ho-Oh",
    439: "Mime Jr.",
    474: "Porygon-Z",
    669: "Flabébé",
    772: "Type: Null",
    785: "Tapu Koko",
}

DEDUP_HINT = (
    "Order the window by _batch_id descending, then put the copy whose name arrived clean first "
    "(F.get_json_object('raw', '$.name') == F.col('name'), descending), then raw."
)

# (id, name after parsing, raw line, batch): which copy de-duplication must keep is marked.
_DEDUP_ROWS = [
    (1, "Bulbasaur", '{"id": 1, "name": "Bulbasaur", "hp": 45}', 1),
    (1, "Bulbasaur", '{"id": 1, "name": "Bulbasaur", "hp": 50}', 2),  # keep: latest, clean
    (1, "Bulbasaur", '{"id": 1, "name": "  BULBASAUR ", "hp": 50}', 2),
    (4, "Charmander", '{"id": 4, "name": "Charmander  "}', 1),
    (4, "Charmander", '{"id": 4, "name": "Charmander"}', 1),  # keep: clean (sorts after)
    (37, "Vulpix", '{"id": 37, "name": "vulpix"}', 1),
    (37, "Vulpix", '{"id": 37, "name": "Vulpix"}', 1),  # keep: clean (sorts before)
    (7, "Squirtle", '{"id": 7, "name": "Squirtle"}', 1),  # keep either: byte-identical
    (7, "Squirtle", '{"id": 7, "name": "Squirtle"}', 1),
    (25, "Pikachu", '{"id": 25, "name": "Pikachu"}', 1),  # keep: alone
]
_DEDUP_KEEP = {1: _DEDUP_ROWS[1][2], 4: _DEDUP_ROWS[4][2], 37: _DEDUP_ROWS[6][2]}


def check_deduplicate(deduplicate: Callable, spark=None) -> None:
    """One row per id; the latest batch, and of near-duplicates the copy that needed no repair,
    whatever order the raw lines sort in; every other row returned as a duplicate."""
    spark = session(spark)
    rows = spark.createDataFrame(_DEDUP_ROWS, "id INT, name STRING, raw STRING, _batch_id INT")
    result = deduplicate(rows)
    expect(
        isinstance(result, tuple) and len(result) == 2,
        "deduplicate must return two DataFrames: the kept rows and the duplicates.",
        "End with: return kept, duplicates.",
    )
    kept, duplicates = result
    with engine_errors("deduplicate", DEDUP_HINT):
        kept_rows, duplicate_rows = kept.collect(), duplicates.collect()
    got = {r["id"]: r["raw"] for r in kept_rows}
    expect(
        len(kept_rows) == 5 and sorted(got) == [1, 4, 7, 25, 37],
        f"Kept {len(kept_rows)} rows for ids {sorted(got)}; there are 5 distinct ids.",
        "Keep exactly one row per id: F.row_number() over a window partitioned by id, keep 1 "
        "(rank() and dense_rank() keep both of two identical rows).",
    )
    expect(
        got[1] == _DEDUP_KEEP[1] or "BULBASAUR" in got[1],
        f"For id 1 you kept {got[1]!r}, from an older batch.",
        "Order the window by _batch_id descending first: the latest batch wins.",
    )
    wrong = {i: got[i] for i, raw in _DEDUP_KEEP.items() if got[i] != raw}
    expect(
        not wrong,
        f"Kept copies that needed repair: {list(wrong.values())}; the clean copies "
        f"{[_DEDUP_KEEP[i] for i in wrong]} must win.",
        DEDUP_HINT,
    )
    expect(
        set(kept.columns) == set(rows.columns),
        f"The kept rows have the columns {kept.columns}; the rows given had {rows.columns}.",
        "Drop the ranking column before returning: .drop('_rank').",
    )
    rest = Counter(r[2] for r in _DEDUP_ROWS) - Counter(got.values())
    expect(
        Counter(r["raw"] for r in duplicate_rows) == rest,
        f"Returned {len(duplicate_rows)} duplicates; the {sum(rest.values())} rows not kept are "
        "the duplicates, each once.",
        "Return the rows ranked after the first as the second value: they go to quarantine.",
    )
    passed("deduplicate keeps one row per id: the latest batch, the copy that arrived clean")


PARSE_HINT = (
    "Read doubtful fields as text and convert with try_cast (a cast of '1.3m' fails the whole "
    "job), and pick array elements with F.get(array, i) (a list may be empty)."
)
_COLUMN_HINTS = {
    "name": "Trim names and collapse inner spaces; only a name written all in one case (PIKACHU, "
    "spiritomb) changes, to F.initcap(F.lower(name)). Real names (Ho-Oh, Mr. Mime) stay as they are.",
    "height_m": "height is decimetres (7 -> 0.7) unless the text ends in 'm' ('1.3m' -> 1.3).",
    "weight_kg": "weight is hectograms (69 -> 6.9) unless the text ends in 'kg' ('230.0kg' -> 230.0).",
    "primary_type": "The type in slot 1, tidied: F.lower(F.trim(...)).",
    "secondary_type": "The type in slot 2 (null if none), tidied: F.lower(F.trim(...)).",
    "total": "total = hp + attack + defense + special_attack + special_defense + speed.",
    "moves": "The move names as listed: F.col('j.moves.move.name').",
}
_STAT_HINT = "Map each stat name to its base_stat as an int (try_cast: '47' -> 47)."
# What parse_pokemon must not leave in any row, even one dropped later: test, problem, hint.
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


def _measure(value, unit: str, per_unit: float) -> float | None:
    text = str(value).strip()
    try:
        return float(text.removesuffix(unit)) if text.endswith(unit) else float(text) / per_unit
    except ValueError:
        return None


def _expected_pokemon(line: str) -> dict:
    """What parse_pokemon must make of a line that reaches Silver (data/README.md's rules)."""
    record = json.loads(line)
    name = " ".join(record["name"].split())
    if name in (name.upper(), name.lower()):
        name = " ".join(word.capitalize() for word in name.split(" "))
    types = [
        t["type"]["name"].strip().lower() for t in sorted(record["types"], key=lambda t: t["slot"])
    ]
    stats = {s["stat"]["name"].replace("-", "_"): int(s["base_stat"]) for s in record["stats"]}
    return {
        **{k: record.get(k) for k in ("id", "generation", "base_experience", "is_legendary")},
        "name": name,
        "height_m": _measure(record["height"], "m", 10),
        "weight_kg": _measure(record["weight"], "kg", 10),
        "primary_type": types[0],
        "secondary_type": types[1] if len(types) > 1 else None,
        **stats,
        "total": sum(stats.values()),
        "moves": [m["move"]["name"] for m in record["moves"]],
    }


def _promised(line: str) -> dict:
    """The values data/README.md promises for a line; none for a line outside its rules (landing
    data other than the course's, shapes the README does not describe)."""
    try:
        return _expected_pokemon(line)
    except (AttributeError, KeyError, TypeError, ValueError, IndexError):
        return {}


def _differs(got, want) -> bool:
    if isinstance(want, float) and got is not None:
        return abs(float(got) - want) > 1e-6
    return (list(got) if isinstance(got, (list, tuple)) else got) != want


def _wrong_values(rows: list, batch: int) -> tuple[str, list[tuple]] | None:
    """The first column in which rows that reach Silver differ from data/README.md's values,
    with (id, got, expected) for each such row."""
    dropped = defect_lines("pokemon", batch, action="drop")
    wrong: dict[str, list[tuple]] = {}
    for row in rows:
        if row["raw"] not in dropped:
            for column, want in _promised(row["raw"]).items():
                if _differs(row[column], want):
                    wrong.setdefault(column, []).append((row["id"], row[column], want))
    return next(((c, wrong[c]) for c in columns("silver.pokemon") if c in wrong), None)


def check_parsed_pokemon(parse_pokemon: Callable, bronze, batch: int = 1):
    """Run parse_pokemon on the well-formed Bronze rows and store the result once (checkpoint);
    every row that reaches Silver must hold the values data/README.md promises, repaired
    records and real names included. Returns the stored rows."""
    from lakehouse_kit.spark import checkpoint

    typed = parse_pokemon(bronze)
    columns_present(typed, columns("silver.pokemon"), "parse_pokemon's result")
    with engine_errors("parse_pokemon", PARSE_HINT):
        typed = checkpoint(typed, "pokemon_typed")
        rows = typed.select(*columns("silver.pokemon"), "raw").collect()
    wellformed = len(landing_lines("pokemon", batch)) - expected_malformed("pokemon", batch)
    expect(
        len(rows) == wellformed,
        f"parse_pokemon gave {len(rows)} rows for {wellformed} well-formed lines.",
        "Parse every row you are given: one output row per input row, no filter.",
    )
    for test, problem, hint in _NAME_RULES:
        bad = sorted({r["name"] for r in rows if r["name"] is not None and test(r["name"])})
        expect(not bad, f"{len(bad)} {problem}, e.g. {bad[:3]}.", hint)
    names = {r["id"]: r["name"] for r in rows if r["id"] in REAL_NAMES}
    changed = {i: n for i, n in names.items() if n != REAL_NAMES[i]}
    expect(
        not changed,
        f"Real names changed: {changed}.",
        "Change only names written all in one case; Ho-Oh, Porygon-Z, Mr. Mime, Flabébé, "
        "Nidoran♀ and Type: Null stay as they are.",
    )
    wrong = _wrong_values(rows, batch)
    if wrong:
        column, examples = wrong
        rid, got, want = examples[0]
        expect(
            False,
            f"{column} is wrong in {len(examples)} rows, e.g. id {rid}: {got!r}, expected {want!r}.",
            _COLUMN_HINTS.get(column, _STAT_HINT if column in STATS else "Take it from the JSON."),
        )
    passed(f"{len(rows)} Pokémon rows parsed, typed and tidied; repaired records hold their values")
    return typed


STATS = ["hp", "attack", "defense", "special_attack", "special_defense", "speed"]
RULES_HINT = (
    "Expect not-null names, types and stats; stats between 1 and 255; types in the known set; "
    "names without U+FFFD (decoded)."
)


def _failing_lines(rules, typed) -> Counter:
    """The raw lines the suite sends to quarantine. An expectation the engine cannot run
    fails with its name and a hint, not with an engine traceback."""
    from lakehouse_kit.quality import describe, new_suite, split_valid

    try:
        return Counter(r["raw"] for r in split_valid(typed, rules)[1].select("raw").collect())
    except engine_error_types():
        for expectation in rules.expectations:  # find the one the engine refuses
            label = describe(expectation)
            with engine_errors(f"The expectation '{label}'", _rule_hint(label)):
                alone = new_suite("probe", [copy.deepcopy(expectation)])
                split_valid(typed, alone)[1].limit(1).collect()
        raise


def _rule_hint(label: str) -> str:
    if " matches " in label:
        return (
            "Use a regex every engine runs: no look-ahead or look-behind ((?=, (?!, (?<=); "
            "e.g. ^\\S(.*\\S)?$ for a name without outer spaces."
        )
    return "Name a column parse_pokemon makes (see the table above), with values of its type."


def check_pokemon_rules(rules, typed, batch: int = 1) -> None:
    """The suite sends exactly the rows that break the data rules to quarantine: rows missing a
    field, with an unknown type or a stat out of range; never a repaired row or a real name."""
    kinds = {type(e).__name__ for e in rules.expectations}
    failing = _failing_lines(rules, typed)
    must = defect_lines(
        "pokemon", batch, {"missing_field", "unknown_type", "stat_out_of_range", "invalid_utf8"}
    )
    may = defect_lines("pokemon", batch, {"near_duplicate", "exact_duplicate"})
    missed = must - failing
    expect(
        not missed,
        f"Rows with ids {_ids(missed)} break the data rules but pass your suite.",
        RULES_HINT,
    )
    extra = failing - must - may
    expect(
        not extra,
        f"Rows with ids {_ids(extra)} are fine after parsing but fail your suite.",
        "Check your ranges and regexes against real names such as 'Type: Null', 'Ho-Oh' and "
        "'Flabébé', and against repaired values (heights in metres, weights in kilograms).",
    )
    passed(
        f"{len(rules.expectations)} expectations of {len(kinds)} kinds quarantine exactly the "
        f"{sum(must.values())} broken rows"
    )


def _ids(lines: Counter) -> list:
    """The ids of raw lines, for a message."""
    found = []
    for line in lines:
        try:
            found.append(json.loads(line).get("id"))
        except ValueError:
            found.append(line[:30])
    return sorted(found, key=str)


def check_silver(
    spark=None, batch: int = 1, suffix: str = "", silver_pokemon=None, quarantine=None
) -> None:
    """Bronze rows = Silver rows + quarantined rows; one row per id; the quarantine holds the
    manifest's defective lines; no repaired record lost; no dangling move."""
    from pyspark.sql import functions as F

    spark = session(spark)
    if quarantine is None:
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
        quarantined = _quarantined(quarantine, name, batch)
        held = sum(quarantined.values())
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
        _check_quarantined(quarantined, name, batch)
        _check_repaired_kept(silver, name, batch, suffix)
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


def _quarantined(quarantine, name: str, batch: int) -> Counter:
    """The raw lines of one Bronze table and batch in the quarantine."""
    rows = quarantine.filter(f"_batch_id = {batch} AND source_table = 'bronze.{name}'")
    return Counter(r["raw"] for r in rows.select("raw").collect())


def _check_quarantined(held: Counter, name: str, batch: int) -> None:
    """The quarantine holds exactly the lines the manifest lists as defects to drop: of a
    near-duplicate, the copy with odd spacing or casing, not the clean one."""
    wanted = defect_lines(name, batch, action="drop")
    wrong, lost = held - wanted, wanted - held
    expect(
        not wrong and not lost,
        f"silver.quarantine holds {name} ids {_ids(wrong)} that are fine, instead of the "
        f"defective copies of ids {_ids(lost)} (data/manifest.json lists them).",
        DEDUP_HINT,
    )


def _check_repaired_kept(silver, name: str, batch: int, suffix: str) -> None:
    """Every record that needed a repair (a cast, a trim, a dropped field) is in Silver."""
    repaired = {
        d["id"]
        for d in defects(
            name, batch, {"wrong_type", "type_name_casing", "extra_field", "unknown_move"}
        )
    }
    if not repaired:
        return
    found = {r["id"] for r in silver.filter(sql_in("id", repaired)).select("id").collect()}
    expect(
        found == repaired,
        f"silver.{name}{suffix} lacks ids {sorted(repaired - found)}, records Silver must "
        "repair, not reject.",
        "Convert instead of rejecting: try_cast text numbers, tidy type names, drop unknown moves.",
    )


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
