"""Exercise checks: each passes with a short ✓ or fails with what is wrong and a hint.

They test real table contents (counts that add up, schemas, unique keys, invariants). Each
takes optional arguments so a test can hand it a wrong answer; without them it reads the
tables, which is how `lakehouse progress` runs them.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from lakehouse_kit.errors import KitError
from lakehouse_kit.settings import load_settings


class CheckFailed(KitError):
    """An exercise is not done yet; the fix is the hint."""


def expect(condition: bool, problem: str, hint: str) -> None:
    if not condition:
        raise CheckFailed(problem, fix=hint)


def passed(what: str) -> None:
    print(f"✓ {what}")


def _spark(spark):
    from lakehouse_kit.spark import get_spark

    return spark or get_spark()


def _table(spark, name: str, hint: str):
    spark = _spark(spark)
    expect(spark.catalog.tableExists(name), f"There is no table {name} yet.", hint)
    return spark.table(name)


def _columns_present(df, columns: list[str], where: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    expect(not missing, f"{where} lacks the columns {missing}.",
           f"{where} needs exactly these columns: {columns}.")  # fmt: skip


def manifest() -> dict:
    return json.loads((load_settings().data_dir / "manifest.json").read_text(encoding="utf-8"))


def landing_lines(name: str, batch: int) -> list[str]:
    """The non-blank lines of a landing file, as committed under data/."""
    path = load_settings().data_dir / "landing" / f"batch_{batch:03d}" / f"{name}.jsonl"
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


# ---------------------------------------------------------------- lesson 1


def check_starters(starters=None, prefix: str = "playground/starters", spark=None) -> None:
    from lakehouse_kit.storage import list_objects

    expect(starters is not None, "write_starters returned nothing.",
           "Return the DataFrame you read back from the bucket.")  # fmt: skip
    _columns_present(starters, ["id", "name", "primary_type"], "The starters DataFrame")
    names = sorted(row["name"] for row in starters.collect())
    expect(names == ["Bulbasaur", "Charmander", "Squirtle"], f"Read back {names}.",
           "Write the three Kanto starters: Bulbasaur, Charmander and Squirtle, once each "
           "(mode 'overwrite' makes re-running safe).")  # fmt: skip
    objects = list_objects(prefix)
    expect(objects["key"].str.endswith(".json").any(), f"No JSON file under {prefix}/.",
           "Write with df.write.mode('overwrite').json(uri).")  # fmt: skip
    passed(f"3 starters written to and read back from {prefix}/")


# ---------------------------------------------------------------- lesson 2

BRONZE_COLUMNS = ["raw", "_batch_id", "_source_file", "_ingested_at", "_is_malformed"]


def check_raw_lines(raw, name: str, batch: int) -> None:
    _columns_present(raw, BRONZE_COLUMNS, f"read_raw('{name}')")
    expected = len(landing_lines(name, batch))
    got = raw.count()
    expect(got == expected, f"read_raw('{name}', {batch}) gave {got} rows; the file has {expected} non-blank lines.",
           "Read the file with spark.read.text (one row per line) and drop only blank lines.")  # fmt: skip
    malformed = _expected_malformed(name, batch)
    flagged = raw.filter("_is_malformed").count()
    expect(flagged == malformed, f"{flagged} rows flagged _is_malformed; the file has {malformed} broken JSON lines.",
           "Flag a line as malformed when it is not a JSON object: F.json_object_keys('raw').isNull().")  # fmt: skip
    passed(f"{name}: {got} raw lines, {flagged} malformed kept and flagged")


def _expected_malformed(name: str, batch: int) -> int:
    file = f"batch_{batch:03d}/{name}.jsonl"
    return sum(1 for d in manifest()["defects"] if d["file"] == file and d["kind"] == "malformed_json")


def check_bronze(spark=None, batches: tuple[int, ...] = (1,)) -> None:
    """Every non-blank landing line is in Bronze exactly once per batch (re-runs do not append)."""
    for name in ("pokemon", "moves", "types"):
        bronze = _table(spark, f"bronze.{name}", "Run the cell that calls write_bronze for every table.")
        _columns_present(bronze, BRONZE_COLUMNS, f"bronze.{name}")
        counts = {r["_batch_id"]: r["count"] for r in bronze.groupBy("_batch_id").count().collect()}
        for batch in batches:
            expected = len(landing_lines(name, batch))
            got = counts.get(batch, 0)
            expect(got == expected, f"bronze.{name} holds {got} rows of batch {batch}; the landing file has {expected} lines.",
                   "Write each batch with mode('overwrite') and replaceWhere on _batch_id, so a re-run replaces "
                   "the batch instead of appending it twice.")  # fmt: skip
    passed(f"Bronze holds every landing line of batch(es) {list(batches)} exactly once")


# ---------------------------------------------------------------- lesson 3

SILVER_POKEMON_COLUMNS = ["id", "name", "generation", "height_m", "weight_kg", "base_experience",
                          "is_legendary", "primary_type", "secondary_type", "hp", "attack", "defense",
                          "special_attack", "special_defense", "speed", "total", "moves"]  # fmt: skip
REAL_NAMES = {29: "Nidoran♀", 122: "Mr. Mime", 669: "Flabébé", 772: "Type: Null"}


def _defects(file: str, kinds: set[str]) -> list[dict]:
    return [d for d in manifest()["defects"] if d["file"] == file and d["kind"] in kinds]


def check_deduplicate(deduplicate: Callable, spark=None) -> None:
    spark = _spark(spark)
    rows = spark.createDataFrame(
        [(1, "b", 1), (1, "a", 1), (2, "x", 1), (1, "c", 2), (3, "y", 1), (3, "y", 1)],
        "id INT, raw STRING, _batch_id INT",
    )
    kept, duplicates = deduplicate(rows)
    got = {r["id"]: r["raw"] for r in kept.collect()}
    expect(kept.count() == 3 and sorted(got) == [1, 2, 3], f"Kept ids {sorted(got)} from 3 distinct ids.",
           "Keep exactly one row per id: row_number() over a window partitioned by id, keep rank 1.")  # fmt: skip
    expect(got[1] == "c", f"For id 1 you kept {got[1]!r}; the row from the latest batch is 'c'.",
           "Order the window by _batch_id descending first, then by raw.")  # fmt: skip
    expect(duplicates.count() == 3, f"Returned {duplicates.count()} duplicates; 3 rows were not kept.",
           "Return the rows with rank > 1 as the second value: they go to quarantine.")  # fmt: skip
    passed("deduplicate keeps one row per id, the latest batch first")


def check_parsed_pokemon(typed, batch: int = 1) -> None:
    _columns_present(typed, SILVER_POKEMON_COLUMNS, "parse_pokemon's result")
    file = f"batch_{batch:03d}/pokemon.jsonl"
    wellformed = len(landing_lines("pokemon", batch)) - len(_defects(file, {"malformed_json"}))
    expect(typed.count() == wellformed, f"parse_pokemon gave {typed.count()} rows for {wellformed} well-formed lines.",
           "Parse every row you are given: one output row per input row, no filter.")  # fmt: skip
    bad_types = typed.filter("primary_type != lower(trim(primary_type))").count()
    expect(bad_types == 0, f"{bad_types} rows have type names with capitals or spaces.",
           "Tidy type names: F.lower(F.trim(...)).")  # fmt: skip
    wrong_total = typed.filter("total != hp + attack + defense + special_attack + special_defense + speed").count()
    expect(wrong_total == 0, f"{wrong_total} rows have a total that is not the sum of their six stats.",
           "total = hp + attack + defense + special_attack + special_defense + speed.")  # fmt: skip
    tall = typed.filter("height_m > 30 OR weight_kg > 1000").count()
    expect(tall == 0, f"{tall} rows are taller than 30 m or heavier than 1000 kg: a unit was missed.",
           "height is in decimetres unless the text ends in 'm'; weight in hectograms unless it ends in 'kg'.")  # fmt: skip
    shouting = typed.filter("name = upper(name) AND name != lower(name) AND length(name) > 3").count()
    expect(shouting == 0, f"{shouting} names are still in capitals.",
           "Turn an all-capitals name into title case: F.initcap(F.lower(name)).")  # fmt: skip
    spaced = typed.filter("name != trim(name)").count()
    expect(spaced == 0, f"{spaced} names keep leading or trailing spaces.", "Trim names: F.trim(...).")
    if batch == 1:
        names = {r["id"]: r["name"] for r in typed.filter(F_in("id", REAL_NAMES)).collect()}
        expect(names == REAL_NAMES, f"Real names changed: {names}.",
               "Only change names written in capitals; keep Mr. Mime, Flabébé, Nidoran♀, Type: Null as they are.")  # fmt: skip
    passed(f"{typed.count()} Pokémon rows parsed, typed and tidied")


def F_in(column: str, values) -> str:
    return f"{column} IN ({', '.join(str(v) for v in values)})"


def check_pokemon_rules(rules, typed, batch: int = 1) -> None:
    from lakehouse_kit.quality import split_valid

    kinds = {type(e).__name__ for e in rules.expectations}
    expect(len(rules.expectations) >= 6 and len(kinds) >= 3,
           f"The suite has {len(rules.expectations)} expectations of {len(kinds)} kinds.",
           "Use at least six expectations of at least three kinds.")  # fmt: skip
    valid, failed = split_valid(typed, rules)
    file = f"batch_{batch:03d}/pokemon.jsonl"
    must_fail = {d["id"] for d in _defects(file, {"missing_field", "unknown_type", "stat_out_of_range"})}
    failed_ids = {r["id"] for r in failed.select("id").collect()}
    missed = sorted(must_fail - failed_ids)
    expect(not missed, f"Rows with ids {missed} break the data rules but pass your suite.",
           "Expect not-null names, types and stats; stats between 1 and 255; types in the known set.")  # fmt: skip
    repaired = {d["id"] for d in _defects(file, {"wrong_type", "type_name_casing", "extra_field", "unknown_move"})}
    wrongly = sorted((repaired | set(REAL_NAMES)) & failed_ids - must_fail)
    expect(not wrongly, f"Rows with ids {wrongly} are fine after parsing but fail your suite.",
           "Check your ranges and regexes against real names such as 'Type: Null' and 'Flabébé'.")  # fmt: skip
    passed(f"{len(rules.expectations)} expectations of {len(kinds)} kinds; {len(failed_ids)} rows fail them")


def check_silver(spark=None, batch: int = 1, suffix: str = "", silver_pokemon=None) -> None:
    """Bronze rows = Silver rows + quarantined rows; one row per id; the names survived."""
    spark = _spark(spark)
    quarantine = _table(spark, "silver.quarantine", "Write the quarantine with save_table.")
    for name in ("types", "moves", "pokemon"):
        silver = silver_pokemon if (name == "pokemon" and silver_pokemon is not None) else _table(
            spark, f"silver.{name}{suffix}", "Run the cells that write Silver.")
        silver = silver.filter(f"_batch_id = {batch}")
        bronze = spark.table(f"bronze.{name}").filter(f"_batch_id = {batch}").count()
        held = quarantine.filter(f"_batch_id = {batch} AND source_table = 'bronze.{name}'").count()
        rows, ids = silver.count(), silver.select("id").distinct().count()
        expect(rows == ids, f"silver.{name}{suffix} has {rows} rows for {ids} ids: duplicates got through.",
               "De-duplicate on id before writing Silver (Exercise 1).")  # fmt: skip
        expect(rows + held == bronze, f"{name}: {bronze} Bronze rows, but {rows} in Silver + {held} in quarantine.",
               "Every Bronze row must land in Silver or in quarantine: union malformed, failed and duplicate rows.")  # fmt: skip
    if batch == 1 and not suffix:
        expected = manifest()["expected"]["batch_001"]["pokemon_ids"]
        expect(rows == expected, f"silver.pokemon has {rows} Pokémon; the clean data has {expected}.",
               "Compare your quarantine with data/README.md's list of defects.")  # fmt: skip
    passed(f"batch {batch}: every Bronze row is in Silver or in quarantine; ids are unique")


# ---------------------------------------------------------------- lesson 4


# ---------------------------------------------------------------- lesson 5


# ---------------------------------------------------------------- lesson 6


# ---------------------------------------------------------------- progress

CHECKS: dict[str, tuple[str, Callable[[], None]]] = {
    "bronze tables": ("02", lambda: check_bronze()),
    "silver accounting": ("03", lambda: check_silver()),
}


def register(name: str, lesson: str):
    """Add a table-based check to `lakehouse progress`."""
    def wrap(func):
        CHECKS[name] = (lesson, func)
        return func
    return wrap


def show_progress(console) -> int:
    from rich.table import Table

    table = Table("lesson", "exercise", "state", "hint", title="Your progress")
    passing = 0
    for name, (lesson, check) in CHECKS.items():
        try:
            check()
            state, hint = "[green]passes[/]", ""
            passing += 1
        except KitError as failure:
            state, hint = "[red]not yet[/]", failure.fix or failure.message
        table.add_row(lesson, name, state, hint)
    console.print(table)
    console.print(f"{passing} of {len(CHECKS)} exercises pass.")
    return 0
