"""Lesson 3's accounting: every Bronze row of a batch in Silver or in quarantine, never both
nor neither; in quarantine the malformed lines, the Pokémon that break data/README.md's rules
and, of each repeated id, the copies de-duplication must not keep. Judged by the rules
(`checks.reference`), so any batch is, not only those data/manifest.json describes."""

from __future__ import annotations

from collections import Counter, defaultdict

from lakehouse_kit.checks import reference
from lakehouse_kit.checks.core import expect, passed, read_table, session
from lakehouse_kit.checks.reference import defects, expected_row, known_types, verdict

DEDUP_HINT = (
    "Order the window by _batch_id descending, then put the copy whose name arrived clean first "
    "(F.get_json_object('raw', '$.name') == F.col('name'), descending), then raw."
)
DUPLICATE = "one row per id (duplicate)"  # the reason quality.quarantine_rows gives a duplicate


def check_silver(
    spark=None,
    batch: int = 1,
    suffix: str = "",
    silver_pokemon=None,
    quarantine=None,
    bronze_pokemon=None,
) -> None:
    """Bronze rows = Silver rows + quarantined rows; one row per id; the quarantine holds the
    malformed lines, the Pokémon that break data/README.md's rules (no repaired record) and,
    of each repeated id, the copies de-duplication must not keep; no dangling move."""
    from pyspark.sql import functions as F

    spark = session(spark)
    if quarantine is None:
        quarantine = read_table(spark, "silver.quarantine", "Write the quarantine with save_table.")
    held = _held(quarantine, batch)
    # A DataFrame handed in (a test's wrong answer, or a batch of its own) is checked alone.
    for name in ("pokemon",) if silver_pokemon is not None else ("types", "moves", "pokemon"):
        silver = (
            silver_pokemon
            if silver_pokemon is not None
            else read_table(spark, f"silver.{name}{suffix}", "Run the cells that write Silver.")
        )
        bronze = bronze_pokemon if bronze_pokemon is not None else spark.table(f"bronze.{name}")
        batch_rows = (silver.filter(f"_batch_id = {batch}"), bronze.filter(f"_batch_id = {batch}"))
        _account(spark, name, batch, f"silver.{name}{suffix}", *batch_rows, held[f"bronze.{name}"])
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
    passed(f"batch {batch}: every Bronze row is in Silver or in quarantine; ids are unique")


def _held(quarantine, batch: int) -> dict[str, list[tuple[str, list]]]:
    """(raw line, reasons) of each Bronze table's quarantined rows of one batch."""
    rows = quarantine.filter(f"_batch_id = {batch}").select(
        "source_table", "raw", "failed_expectations"
    )
    held = defaultdict(list)
    for r in rows.collect():
        held[r["source_table"]].append((r["raw"], list(r["failed_expectations"] or [])))
    return held


def _account(spark, name: str, batch: int, table: str, silver, bronze, held: list) -> None:
    """One table's batch: unique ids, every line accounted for, and the right ones rejected."""
    lines = bronze.select("raw", "_is_malformed").collect()
    silver_rows = silver.select("id", "name").collect()
    names, rows = {r["id"]: r["name"] for r in silver_rows}, len(silver_rows)
    expect(
        rows == len(names),
        f"{table} has {rows} rows for {len(names)} ids: duplicates got through.",
        "De-duplicate on id before writing Silver (Exercise 1).",
    )
    quarantined = Counter(raw for raw, _ in held)
    everything = Counter(r["raw"] for r in lines)
    expect(
        rows + len(held) == len(lines),
        f"{name}: {len(lines)} Bronze rows, but {rows} in Silver + {len(held)} in quarantine.",
        "Every Bronze row must land in Silver or in quarantine: union malformed, failed and duplicate rows.",
    )
    strange = quarantined - everything
    expect(
        not strange,
        f"silver.quarantine holds {sum(strange.values())} {name} lines that bronze.{name} does "
        f"not hold, e.g. {next(iter(strange), '')[:60]!r}.",
        "Quarantine the Bronze rows as they are: raw unchanged.",
    )
    malformed = Counter(r["raw"] for r in lines if r["_is_malformed"]) - quarantined
    expect(
        not malformed,
        f"{sum(malformed.values())} malformed {name} lines are in neither Silver nor quarantine.",
        "Quarantine the malformed rows too (bronze_rows(name).filter('_is_malformed')).",
    )
    kept = everything - quarantined
    duplicates = Counter(raw for raw, reasons in held if DUPLICATE in reasons)
    if name == "pokemon":
        _check_rules_applied(spark, batch, table, kept, quarantined - duplicates)
    _check_kept_copies(name, table, kept, duplicates, names)


def _check_rules_applied(spark, batch: int, table: str, kept: Counter, rejected: Counter) -> None:
    """Silver holds no line that breaks the rules; the quarantine no line they let pass."""
    types = known_types(spark, batch)
    broken = [line for line in kept if verdict(line, types) == "broken"]
    expect(
        not broken,
        f"{table} holds ids {_ids(broken)} that break the data rules "
        f"({', '.join(d.what for line in broken[:3] for d in defects(expected_row(line), types))}).",
        "Split the rows with the suite before writing Silver: the failed rows go to quarantine.",
    )
    fine = [line for line in rejected if verdict(line, types) == "fine"]
    expect(
        not fine,
        f"silver.quarantine holds Pokémon ids {_ids(fine)} that meet the data rules: records "
        "Silver must repair, not reject.",
        "Convert instead of rejecting: try_cast text numbers, tidy type names, drop unknown moves.",
    )


def _check_kept_copies(name: str, table: str, kept: Counter, duplicates: Counter, names) -> None:
    """Of each repeated id, Silver holds the copy whose name arrived clean, then the first raw."""
    copies = defaultdict(list)
    for line in (kept + duplicates).elements():
        copies[reference.json_field(line, "id")].append(line)
    wrong = []
    for key in {reference.json_field(line, "id") for line in duplicates}:
        chosen = [line for line in copies[key] if kept[line]]
        expect(
            key in names and chosen,
            f"{table} has no row for id {key}: every copy of it is in quarantine as a duplicate.",
            "Keep one copy of each id: the rows ranked first (row_number() = 1).",
        )
        best = reference.kept_copy(copies[key], names[key])
        if chosen[0] != best:
            wrong.append((key, best))
    expect(
        not wrong,
        f"For {name} ids {sorted(k for k, _ in wrong)[:10]}, {table} holds another copy than "
        f"the one that arrived clean, e.g. {wrong[0][1][:60] if wrong else ''!r}.",
        DEDUP_HINT,
    )


def _ids(lines) -> list:
    """The ids of raw lines, for a message."""
    return sorted({reference.json_field(line, "id") for line in lines}, key=str)[:10]


def check_silver_now(spark=None) -> None:
    """Silver as it stands: batch-1 accounting, or after the MERGE of lesson 6, one row for
    every id that some batch brought in a line the rules let into Silver."""
    spark = session(spark)
    pokemon = read_table(spark, "silver.pokemon", "Run lesson 3.")
    if pokemon.filter("_batch_id > 1").limit(1).count() == 0:
        return check_silver(spark)
    rows, ids = pokemon.count(), {r["id"] for r in pokemon.select("id").collect()}
    last = spark.table("bronze.pokemon").agg({"_batch_id": "max"}).first()[0]
    types = known_types(spark, last)
    bronze = spark.table("bronze.pokemon").filter("NOT _is_malformed").select("raw").collect()
    found = defaultdict(set)
    for r in bronze:
        found[verdict(r["raw"], types)].add(reference.json_field(r["raw"], "id"))
    must = found["fine"]
    expect(
        rows == len(ids) and must <= ids <= must | found["doubtful"],
        f"silver.pokemon has {rows} rows, {len(ids)} ids; the batches bring {len(must)} Pokémon "
        f"that meet the data rules{f', e.g. missing {sorted(must - ids)[:5]}' if must - ids else ''}.",
        "Re-run lesson 3, then lesson 6.",
    )
    passed("Silver holds every batch, one row per id")
