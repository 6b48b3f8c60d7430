"""Exercise checks: each passes with a short ✓ or fails with what is wrong and a hint.

They test real table contents (counts that add up, schemas, unique keys, invariants). Each
takes optional arguments so a test can hand it a wrong answer; without them it reads the
tables, which is how `lakehouse progress` runs them.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
from collections.abc import Callable
from pathlib import Path

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


def _landing_dir() -> Path:
    """The landing folder the checks compare with: the `landing_dir` setting."""
    return load_settings().landing


def _read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def manifest() -> dict:
    """The landing data's manifest. A generated copy's manifest has counts only: its defects and
    expected counts are the course data's, repeated for every copy with shifted ids."""
    found = _read_json(_landing_dir().parent / "manifest.json")
    if "scale" not in found:
        return found
    course = _read_json(load_settings().data_dir / "manifest.json")
    expect(course["seed"] == found["seed"], "The generated data used another seed than data/.",
           "Generate benchmark data with the default seed.")  # fmt: skip
    scale, stride = found["scale"], found["id_stride"]
    copies = lambda d: range(1 if d["file"].endswith("types.jsonl") else scale)  # noqa: E731
    found["defects"] = [{**d, "id": d["id"] + k * stride if isinstance(d["id"], int) else d["id"]}
                        for d in course["defects"] for k in copies(d)]  # fmt: skip
    found["expected"] = {"batch_001": {"pokemon_ids": course["expected"]["batch_001"]["pokemon_ids"] * scale}}
    return found


def landing_lines(name: str, batch: int) -> list[str]:
    """The non-blank lines of a landing file (of the landing folder in the settings)."""
    path = _landing_dir() / f"batch_{batch:03d}" / f"{name}.jsonl"
    # Split like Spark's text reader (\n, \r\n, \r), not like str.splitlines (which also splits
    # on form feeds and unicode separators); bad bytes decode to U+FFFD as they do in Spark.
    text = path.read_bytes().decode("utf-8", errors="replace")
    return [line for line in re.split(r"\r\n|\r|\n", text) if line.strip()]


# ---------------------------------------------------------------- lesson 1


SIMPLE_CREDENTIALS = "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider"


def _s3a_wanted(settings) -> dict[str, tuple[str, str]]:
    """Each S3A setting the lesson asks for: the right value and the hint when it is not."""
    return {
        "fs.s3a.endpoint": (settings.s3_endpoint,
                            "Use settings.s3_endpoint: the object store's URL (scheme, host and port)."),
        "fs.s3a.path.style.access": ("true", 'Set it to "true": local stores and MinIO serve a bucket as '
                                     "http://host/bucket, not as a host name of its own."),
        "fs.s3a.aws.credentials.provider": (SIMPLE_CREDENTIALS, f"Use {SIMPLE_CREDENTIALS}: it takes the "
                                            "access and secret key from the two settings below."),
        "fs.s3a.access.key": (settings.s3_access_key, "Use settings.s3_access_key."),
        "fs.s3a.secret.key": (settings.s3_secret_key, "Use settings.s3_secret_key."),
    }  # fmt: skip


def check_s3a_options(s3a_options: Callable, settings=None) -> dict[str, str]:
    """The learner's S3A settings: every one present, right, and read from the settings (a value
    typed into the code fails when the settings change). Returns them by their Hadoop names."""
    import dataclasses

    from lakehouse_kit.spark import hadoop_keys

    settings = settings or load_settings()
    options = s3a_options(settings)
    expect(isinstance(options, dict) and bool(options), "s3a_options returned no settings.",
           "Return a dict: setting name -> value, e.g. {'fs.s3a.endpoint': settings.s3_endpoint, ...}.")  # fmt: skip
    options = hadoop_keys(options)
    strangers = [key for key in options if not key.startswith("fs.s3a.")]
    expect(not strangers, f"{strangers} are not S3A settings.",
           "S3A settings are named fs.s3a.* (spark.hadoop.fs.s3a.* in a server's spark-defaults.conf).")  # fmt: skip
    for key, (value, hint) in _s3a_wanted(settings).items():
        expect(key in options, f"{key} is missing.", hint)
        shown = "****" if "secret" in key else options[key]
        same = options[key].strip().lower() == value.lower() if key.endswith("access") else options[key].strip() == value
        expect(same, f"{key} is {shown!r}.", hint)
    if "fs.s3a.endpoint.region" in options:
        expect(options["fs.s3a.endpoint.region"] == settings.s3_region, "fs.s3a.endpoint.region is not the store's region.",
               "Use settings.s3_region (or leave the region out).")  # fmt: skip
    probe = dataclasses.replace(settings, s3_endpoint="http://s3.example.test:9999", s3_region="eu-probe-1",
                                s3_access_key="probe-key", s3_secret_key="probe-secret")  # fmt: skip
    again = hadoop_keys(s3a_options(probe))
    for key, field in (("fs.s3a.endpoint", "s3_endpoint"), ("fs.s3a.access.key", "s3_access_key"),
                       ("fs.s3a.secret.key", "s3_secret_key"), ("fs.s3a.endpoint.region", "s3_region")):  # fmt: skip
        if key in options:
            expect(again.get(key) == getattr(probe, field), f"{key} is typed into the code, not read from the settings.",
                   f"Use settings.{field}: the same notebook then works on every profile, and no secret is written in it.")  # fmt: skip
    passed("S3A settings: endpoint, path-style access and credentials, all from the settings")
    return options


def check_s3a_engine(options: dict[str, str], settings=None):
    """On a JVM engine, a session with only these S3A settings must write and read the bucket,
    and the same with a wrong secret must be refused: the engine really uses them. Sail reads
    the same settings as environment variables, shown instead. Returns a table to display."""
    from lakehouse_kit.spark import masked, s3a_round_trip, sail_equivalent

    settings = settings or load_settings()
    if settings.is_local:
        equivalent = sail_equivalent(options)
        passed("Sail (the embedded engine) has no S3A: the kit starts it with the same settings as "
               f"environment variables: {', '.join(equivalent)}")  # fmt: skip
        return masked(equivalent)
    error = s3a_round_trip(options, settings)
    hint = ("The store refused the keys: check fs.s3a.access.key and fs.s3a.secret.key."
            if "403" in error or "Forbidden" in error or "Credentials" in error
            else "Check fs.s3a.endpoint (scheme, host and port) and fs.s3a.path.style.access.")  # fmt: skip
    expect(not error, f"Spark could not write through S3A with these settings: {error}", hint)
    passed(f"Spark wrote and read s3a://{settings.bucket}/playground/s3a-check with your settings")
    refused = s3a_round_trip({**options, "fs.s3a.secret.key": "not-the-secret"}, settings)
    if refused:
        passed(f"the same with a wrong secret key is refused: {refused[:100]}")
    else:  # a cluster whose server configuration wins over a session's: nothing the learner did
        print("note: this engine ignores S3A settings from a session; its own configuration wins.")
    return masked(options)


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
        names = {r["id"]: r["name"] for r in typed.filter(_sql_in("id", REAL_NAMES)).collect()}
        expect(names == REAL_NAMES, f"Real names changed: {names}.",
               "Only change names written in capitals; keep Mr. Mime, Flabébé, Nidoran♀, Type: Null as they are.")  # fmt: skip
    file = f"batch_{batch:03d}/pokemon.jsonl"
    wellformed = len(landing_lines("pokemon", batch)) - len(_defects(file, {"malformed_json"}))
    expect(typed.count() == wellformed, f"parse_pokemon gave {typed.count()} rows for {wellformed} well-formed lines.",
           "Parse every row you are given: one output row per input row, no filter.")  # fmt: skip
    passed(f"{typed.count()} Pokémon rows parsed, typed and tidied")


def _sql_in(column: str, values) -> str:
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
    """Bronze rows = Silver rows + quarantined rows; one row per id; no dangling move."""
    from pyspark.sql import functions as F

    spark = _spark(spark)
    quarantine = _table(spark, "silver.quarantine", "Write the quarantine with save_table.")
    # A DataFrame handed in (a test's wrong answer) is checked alone.
    for name in ("pokemon",) if silver_pokemon is not None else ("types", "moves", "pokemon"):
        silver = silver_pokemon if silver_pokemon is not None else _table(
            spark, f"silver.{name}{suffix}", "Run the cells that write Silver.")
        silver = silver.filter(f"_batch_id = {batch}")
        bronze = spark.table(f"bronze.{name}").filter(f"_batch_id = {batch}").count()
        held = quarantine.filter(f"_batch_id = {batch} AND source_table = 'bronze.{name}'").count()
        rows, ids = silver.count(), silver.select("id").distinct().count()
        expect(rows == ids, f"silver.{name}{suffix} has {rows} rows for {ids} ids: duplicates got through.",
               "De-duplicate on id before writing Silver (Exercise 1).")  # fmt: skip
        expect(rows + held == bronze, f"{name}: {bronze} Bronze rows, but {rows} in Silver + {held} in quarantine.",
               "Every Bronze row must land in Silver or in quarantine: union malformed, failed and duplicate rows.")  # fmt: skip
    known = spark.table("silver.moves").select("name").unionByName(
        spark.table(f"silver.moves{suffix}").select("name"))
    dangling = silver.select(F.explode("moves").alias("name")).join(known, "name", "left_anti").count()
    expect(dangling == 0, f"silver.pokemon{suffix} still lists {dangling} moves the moves table does not know.",
           "Drop references to unknown moves (a left_semi join with the known move names).")  # fmt: skip
    if batch == 1 and not suffix:
        expected = manifest()["expected"]["batch_001"]["pokemon_ids"]
        expect(rows == expected, f"silver.pokemon has {rows} Pokémon; the clean data has {expected}.",
               "Compare your quarantine with data/README.md's list of defects.")  # fmt: skip
    passed(f"batch {batch}: every Bronze row is in Silver or in quarantine; ids are unique")


def check_silver_now(spark=None) -> None:
    """Silver as it stands: batch-1 accounting, or after the MERGE of lesson 6, the merged counts."""
    spark = _spark(spark)
    pokemon = _table(spark, "silver.pokemon", "Run lesson 3.")
    if pokemon.filter("_batch_id > 1").limit(1).count() == 0:
        return check_silver(spark)
    rows, ids = pokemon.count(), pokemon.select("id").distinct().count()
    expected = manifest()["expected"]["after_batch_002"]["pokemon_ids"]
    expect(rows == ids == expected, f"silver.pokemon has {rows} rows, {ids} ids; expected {expected} after the MERGE.",
           "Re-run lesson 3, then lesson 6.")  # fmt: skip
    passed("Silver holds both batches, one row per id")


# ---------------------------------------------------------------- lesson 4

GOLD_COLUMNS = {
    "gold.type_matchups": ["attacking_type", "defending_type", "multiplier"],
    "gold.strongest_by_type_generation": ["primary_type", "generation", "name", "total", "rank"],
    "gold.move_usage": ["move", "type", "damage_class", "power", "learned_by"],
    "gold.type_summary": ["type", "pokemon_count", "avg_total", "max_total", "legendary_count"],
}  # fmt: skip


def _gold(df, table: str, spark):
    """The learner's DataFrame if given, else the Gold table; with its columns checked."""
    if df is None:
        df = _table(spark, table, f"Run the cell that writes {table} with save_table.")
    _columns_present(df, GOLD_COLUMNS[table], table)
    return df


def _silver_pokemon(spark) -> list:
    hint = "Run lesson 3 (or course.catch_up(lesson=4)) to build Silver."
    columns = ["id", "name", "primary_type", "secondary_type", "generation", "total", "is_legendary", "moves"]
    return _table(spark, "silver.pokemon", hint).select(*columns).collect()


def check_type_matchups(matchups=None, spark=None) -> None:
    """324 pairs, each once, with multipliers that agree with silver.types."""
    spark = _spark(spark)
    matchups = _gold(matchups, "gold.type_matchups", spark)
    rows = matchups.collect()
    chart = {(r["attacking_type"], r["defending_type"]): float(r["multiplier"]) for r in rows}
    expect(len(rows) == 324 and len(chart) == 324,
           f"The matchup table has {len(rows)} rows for {len(chart)} distinct pairs; 18 types make 324 pairs.",
           "Cross-join the type names with themselves (every pair once), then left-join the relations.")  # fmt: skip
    odd = sorted(set(chart.values()) - {0.0, 0.5, 1.0, 2.0})
    expect(not odd, f"Multipliers {odd} are not damage multipliers.", "Use 2.0, 0.5, 0.0 and 1.0 only.")
    for (attack, defend), want, hint in [
        (("fire", "grass"), 2.0, "double_damage_to means a multiplier of 2.0."),
        (("fire", "water"), 0.5, "half_damage_to means a multiplier of 0.5."),
        (("normal", "ghost"), 0.0, "no_damage_to is an immunity: 0.0, not the default 1.0. Explode it too."),
        (("normal", "normal"), 1.0, "Pairs no relation mentions get 1.0: F.coalesce('multiplier', F.lit(1.0))."),
    ]:  # fmt: skip
        got = chart.get((attack, defend))
        expect(got == want, f"{attack} -> {defend} has multiplier {got}; it should be {want}.", hint)
    wanted = {}
    for t in _table(spark, "silver.types", "Run lesson 3 to build Silver.").collect():
        for column, multiplier in (("double_damage_to", 2.0), ("half_damage_to", 0.5), ("no_damage_to", 0.0)):
            wanted.update({(t["name"], d): multiplier for d in t[column] or []})
    wrong = sorted(pair for pair, m in chart.items() if wanted.get(pair, 1.0) != m)
    expect(not wrong, f"{len(wrong)} pairs disagree with silver.types, e.g. {wrong[:3]}.",
           "Take the multiplier from the relation that names the pair; 1.0 only where none does.")  # fmt: skip
    immune = sum(1 for m in chart.values() if m == 0.0)
    passed(f"324 matchups: {sum(m == 2.0 for m in chart.values())} super effective, {immune} immunities")


def check_strongest(strongest=None, top_n: int = 3, spark=None) -> None:
    """At most top_n rows per (type, generation), ranked 1.. by total, ties by id."""
    spark = _spark(spark)
    strongest = _gold(strongest, "gold.strongest_by_type_generation", spark)
    groups: dict[tuple, list] = {}
    for r in strongest.collect():
        groups.setdefault((r["primary_type"], r["generation"]), []).append(r)
    big = sorted(g for g, rows in groups.items() if len(rows) > top_n)
    expect(not big, f"{len(big)} groups have more than {top_n} rows, e.g. {big[:2]}.",
           f"Keep rank <= top_n ({top_n}) in each (primary_type, generation) group.")  # fmt: skip
    for group, rows in groups.items():
        ranks = sorted(r["rank"] for r in rows)
        expect(ranks == list(range(1, len(rows) + 1)), f"{group} has ranks {ranks}; expected 1 to {len(rows)}.",
               "Number the rows with F.row_number() (F.rank() repeats a rank on ties), per group.")  # fmt: skip
        totals = [r["total"] for r in sorted(rows, key=lambda r: r["rank"])]
        expect(totals == sorted(totals, reverse=True), f"{group}: totals by rank are {totals}, not descending.",
               "Order the window by total descending: F.desc('total').")  # fmt: skip
    expected: dict[tuple, list] = {}
    for p in sorted(_silver_pokemon(spark), key=lambda p: (-p["total"], p["id"])):
        expected.setdefault((p["primary_type"], p["generation"]), []).append(p["name"])
    missing = sorted(set(expected) - set(groups), key=str)
    expect(not missing, f"{len(missing)} (type, generation) groups are missing, e.g. {missing[:2]}.",
           "Partition by primary_type and generation, and keep every group.")  # fmt: skip
    for group, names in expected.items():
        got = [r["name"] for r in sorted(groups[group], key=lambda r: r["rank"])]
        expect(got == names[:top_n], f"{group}: your top {top_n} is {got}; it should be {names[:top_n]}.",
               "Order by total descending, then by id ascending, so ties always come out the same way.")  # fmt: skip
    passed(f"top {top_n} of {len(groups)} (type, generation) groups, ranked by total with ties broken by id")


def check_move_usage(usage=None, spark=None) -> None:
    """One row per Silver move; learned_by counts the Pokémon whose moves array holds it."""
    spark = _spark(spark)
    usage = _gold(usage, "gold.move_usage", spark)
    rows = usage.collect()
    counts = {r["move"]: r["learned_by"] for r in rows}
    n_moves = _table(spark, "silver.moves", "Run lesson 3 to build Silver.").count()
    expect(len(rows) == len(counts) == n_moves,
           f"move_usage has {len(rows)} rows for {len(counts)} moves; silver.moves has {n_moves}.",
           "Start from silver.moves and left-join the counts: one row per move, 0 for a move nobody learns.")  # fmt: skip
    expect(all(c is not None for c in counts.values()), "Some moves have learned_by = null.",
           "A move nobody learns has learned_by 0: F.coalesce('learned_by', F.lit(0)).")  # fmt: skip
    expected: dict[str, int] = {}
    for p in _silver_pokemon(spark):
        for move in set(p["moves"] or []):
            expected[move] = expected.get(move, 0) + 1
    pairs = sum(expected.values())
    expect(sum(counts.values()) == pairs, f"learned_by adds up to {sum(counts.values())}; "
           f"Silver Pokémon hold {pairs} (Pokémon, move) pairs.",
           "Explode the moves arrays (one row per Pokémon and move), count per move, then join.")  # fmt: skip
    wrong = sorted(m for m, c in counts.items() if c != expected.get(m, 0))
    expect(not wrong, f"learned_by is wrong for {len(wrong)} moves, e.g. {wrong[:3]}.",
           "Join the counts to the moves on the move name.")  # fmt: skip
    top = max(counts, key=lambda m: (counts[m], m))
    passed(f"{len(rows)} moves, {pairs} (Pokémon, move) pairs; most learned: {top} ({counts[top]})")


def check_type_summary(summary=None, spark=None) -> None:
    """Per type: Pokémon counted under both their types; counts, averages, maxima match Silver."""
    spark = _spark(spark)
    summary = _gold(summary, "gold.type_summary", spark)
    got = {r["type"]: r for r in summary.collect()}
    expected: dict[str, list] = {}
    for p in _silver_pokemon(spark):
        for t in {p["primary_type"], p["secondary_type"]} - {None}:
            expected.setdefault(t, []).append(p)
    expect(set(got) == set(expected), f"type_summary has types {sorted(got, key=str)}; Silver has {sorted(expected)}.",
           "One row per type name, counting each Pokémon under its primary and its secondary type.")  # fmt: skip
    for t, members in expected.items():
        row = got[t]
        expect(row["pokemon_count"] == len(members), f"{t}: pokemon_count {row['pokemon_count']}, expected {len(members)}.",
               "Count a dual-type Pokémon under both types: explode an array of its two type names.")  # fmt: skip
        legendary = sum(1 for p in members if p["is_legendary"])
        expect(row["legendary_count"] == legendary, f"{t}: legendary_count {row['legendary_count']}, expected {legendary}.",
               "Sum is_legendary cast to int.")  # fmt: skip
        expect(row["max_total"] == max(p["total"] for p in members), f"{t}: max_total is wrong.", "Use F.max('total').")
        average = sum(p["total"] for p in members) / len(members)
        expect(row["avg_total"] is not None and abs(float(row["avg_total"]) - average) < 0.1,
               f"{t}: avg_total {row['avg_total']}, expected {average:.1f}.", "Use F.avg('total').")  # fmt: skip
    passed(f"{len(got)} types summarized; dual-type Pokémon count under both types")


# ---------------------------------------------------------------- lesson 5


def _sql_engine(engine):
    from lakehouse_kit.sql import sql_engine

    return engine or sql_engine()


def _read_sql(query: str, engine):
    """Run a learner's query; a failure becomes a CheckFailed with the engine's first line."""
    import pandas as pd
    import sqlalchemy as sa

    try:
        return pd.read_sql(sa.text(query), engine)
    except Exception as failure:  # the driver's own error types differ per engine
        first = str(failure).strip().splitlines()[0][:300] if str(failure).strip() else type(failure).__name__
        raise CheckFailed(f"The SQL engine rejected the query: {first}",
                          fix="Use standard SQL (WITH, ROW_NUMBER() OVER, CAST) and names such as silver.pokemon."
                          ) from failure  # fmt: skip


def _rows(frame, columns: list[str]) -> list[tuple]:
    """Comparable rows of a pandas DataFrame: sorted, nulls as None, floats rounded."""
    import math

    def cell(value):
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return None
        if hasattr(value, "item"):  # numpy scalars
            value = value.item()
        return round(value, 6) if isinstance(value, float) else value

    return sorted((tuple(cell(v) for v in row) for row in frame[columns].itertuples(index=False)), key=repr)


def check_sql_matches_spark(sql_result, spark_result, what: str = "the query") -> None:
    """The same rows (any order) from the SQL engine (pandas) and from Spark (Spark or pandas)."""
    import pandas as pd

    # isinstance, not hasattr: a Spark DataFrame answers any attribute name with a Column.
    spark_frame = spark_result if isinstance(spark_result, pd.DataFrame) else spark_result.toPandas()
    sql_frame = sql_result.rename(columns=str.lower)
    columns = list(spark_frame.columns)
    missing = [c for c in columns if c not in sql_frame.columns]
    expect(not missing, f"The SQL result of {what} lacks the columns {missing} (it has {list(sql_frame.columns)}).",
           f"Select exactly these columns, named so: {columns}.")  # fmt: skip
    sql_rows, spark_rows = _rows(sql_frame, columns), _rows(spark_frame, columns)
    expect(len(sql_rows) == len(spark_rows), f"SQL returned {len(sql_rows)} rows for {what}; Spark {len(spark_rows)}.",
           "Check your WHERE and GROUP BY: the answer has one row per group.")  # fmt: skip
    differ = [(a, b) for a, b in zip(sql_rows, spark_rows, strict=True) if a != b]
    expect(not differ, f"{len(differ)} rows of {what} differ, e.g. SQL {differ[0][0] if differ else ''} "
           f"vs Spark {differ[0][1] if differ else ''}.",
           "Compare your ordering and tie-breaker (ORDER BY total DESC, id) with the exercise.")  # fmt: skip
    passed(f"SQL and Spark agree on {what}: {len(sql_rows)} rows")


def check_strongest_per_type_sql(query: str, engine=None, spark=None) -> None:
    """The learner's SQL gives, per primary type, the Pokémon with the highest total (ties: smaller id)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    expect(isinstance(query, str) and query.strip().upper().startswith(("SELECT", "WITH")),
           "strongest_per_type_sql must return the query text, starting with SELECT or WITH.",
           "Return a string such as '''WITH ranked AS (...) SELECT ...'''.")  # fmt: skip
    spark = _spark(spark)
    answer = _read_sql(query, _sql_engine(engine))
    best = Window.partitionBy("primary_type").orderBy(F.desc("total"), "id")
    expected = (_table(spark, "silver.pokemon", "Run lesson 3 to build Silver.")
                .withColumn("_rank", F.row_number().over(best)).filter("_rank = 1")
                .select("primary_type", "name", "total"))  # fmt: skip
    check_sql_matches_spark(answer, expected, "the strongest Pokémon per primary type")


def check_sql_row_counts(sql_counts: dict | None = None, engine=None, spark=None) -> None:
    """Every Gold table has as many rows through the SQL engine as through Spark."""
    from lakehouse_kit.course import PRODUCES

    spark = _spark(spark)
    tables = PRODUCES["04"]
    if sql_counts is None:
        sql_counts = {t: int(_read_sql(f"SELECT count(*) AS n FROM {t}", _sql_engine(engine))["n"].iloc[0])
                      for t in tables}  # fmt: skip
    for table in tables:
        spark_count = _table(spark, table, "Run lesson 4 to build Gold.").count()
        expect(sql_counts.get(table) == spark_count,
               f"{table}: {sql_counts.get(table)} rows through SQL, {spark_count} through Spark.",
               "Make a new engine with sql_engine() after the tables are (re)written: the embedded engine "
               "lists the tables when it is made.")  # fmt: skip
    passed(f"SQL and Spark count the same rows in all {len(tables)} Gold tables")


# ---------------------------------------------------------------- lesson 6

SILVER_COUNT_KEYS = {"pokemon": "pokemon_ids", "moves": "move_ids", "types": "type_ids"}


def silver_change(update: dict) -> tuple[str, float, float]:
    """Where a batch-2 correction lands in silver.pokemon: (column, before, after), in Silver units."""
    field, old, new = update["field"], update["old"], update["new"]
    if field.startswith("stats."):
        return field.removeprefix("stats.").replace("-", "_"), old, new
    return {"weight": "weight_kg", "height": "height_m"}[field], old / 10, new / 10


def check_merge(spark=None, tables: dict | None = None, expected: dict | None = None,
                updates: list[dict] | None = None) -> None:  # fmt: skip
    """After the MERGE: one row per id, the expected counts, every correction applied."""
    if tables is None:
        spark = _spark(spark)
        tables = {name: _table(spark, f"silver.{name}", "Run lesson 3 with batch=2, then the MERGE cell.")
                  for name in SILVER_COUNT_KEYS}  # fmt: skip
    if expected is None:
        counts = manifest()["expected"]["after_batch_002"]
        expected = {name: counts[key] for name, key in SILVER_COUNT_KEYS.items()}
    for name, df in tables.items():
        rows, ids = df.count(), df.select("id").distinct().count()
        expect(rows == ids, f"silver.{name} has {rows} rows for {ids} ids: the batch was appended, not merged.",
               "Match on the key: MERGE INTO target t USING source s ON t.id = s.id WHEN MATCHED THEN UPDATE "
               "SET * ... (re-run lesson 3 with batch=1 to reset Silver).")  # fmt: skip
        expect(ids == expected[name], f"silver.{name} has {ids} ids; after batch 2 it should have {expected[name]}.",
               "Insert the new ids too: WHEN NOT MATCHED THEN INSERT *.")  # fmt: skip
    if "pokemon" in tables:
        updates = manifest()["batch_002"]["updates"] if updates is None else updates
        rows = {r["id"]: r for r in tables["pokemon"].filter(_sql_in("id", [u["id"] for u in updates])).collect()}
        stale = []
        for update in updates:
            column, _, new = silver_change(update)
            row = rows.get(update["id"])
            if row is None or row[column] is None or abs(row[column] - new) > 1e-6:
                stale.append(update["id"])
        expect(not stale, f"Pokémon {stale} do not carry their batch-2 values.",
               "Replace the rows whose key matches: WHEN MATCHED THEN UPDATE SET *.")  # fmt: skip
    passed(f"merged: {', '.join(f'{n} {c}' for n, c in expected.items() if n in tables)} ids, "
           "one row each, corrections applied")  # fmt: skip


def check_version_diff(diff, updates: list[dict] | None = None) -> None:
    """The before/after table of the corrected Pokémon shows exactly the batch-2 corrections."""
    _columns_present(diff, ["id", "field", "before", "after"], "The diff")
    updates = manifest()["batch_002"]["updates"] if updates is None else updates
    want = {(u["id"], *(round(float(v), 3) if i else v for i, v in enumerate(silver_change(u)))) for u in updates}
    expect(len(diff) > 0, "The diff is empty: the 'before' table is the same as the current one.",
           "as_of must read the old version: SELECT * FROM table VERSION AS OF version.")  # fmt: skip
    got = {(int(r.id), r.field, round(float(r.before), 3), round(float(r.after), 3)) for r in diff.itertuples()}
    missing, extra = sorted(want - got), sorted(got - want)
    expect(not missing, f"{len(missing)} corrections are missing from the diff, e.g. {missing[:2]}.",
           "Compare the version before the MERGE (before_version) with the current table.")  # fmt: skip
    expect(not extra, f"The diff shows changes batch 2 did not make, e.g. {extra[:2]}.",
           "Read exactly `before_version`, the last load before any MERGE.")  # fmt: skip
    passed(f"time travel shows the {len(want)} corrections of batch 2, before and after")


def check_constraint(add_constraint: Callable | None = None, spark=None, table: str = "silver.pokemon",
                     name: str = "hp_in_range", condition: str = "hp BETWEEN 1 AND 255") -> None:  # fmt: skip
    """The table has the constraint, and adding it again is harmless (re-runs must work)."""
    from lakehouse_kit.delta_ops import constraints

    spark = _spark(spark)
    if add_constraint is not None:
        try:
            add_constraint(spark, table, name, condition)
        except Exception as error:  # a second ALTER TABLE ... ADD CONSTRAINT fails
            expect(False, f"Adding {name} a second time failed: {str(error).splitlines()[0][:120]}",
                   "Add the constraint only when its name is not in delta_ops.constraints(table).")  # fmt: skip
    present = constraints(table)
    expect(name in present, f"{table} has no constraint {name} (it has {sorted(present) or 'none'}).",
           f"spark.sql(\"ALTER TABLE {table} ADD CONSTRAINT {name} CHECK ({condition})\").")  # fmt: skip
    passed(f"{table} enforces {name}: {present[name]}")


# ---------------------------------------------------------------- progress

def _starters_in_the_bucket() -> None:
    settings = load_settings()
    uri = f"s3a://{settings.bucket}/playground/starters"
    check_starters(_spark(None).read.schema("id INT, name STRING, primary_type STRING").json(uri))


CHECKS: dict[str, tuple[str, Callable[[], None]]] = {
    "first object": ("01", _starters_in_the_bucket),
    "bronze tables": ("02", lambda: check_bronze()),
    "silver accounting": ("03", lambda: check_silver_now()),
    "gold type matchups": ("04", lambda: check_type_matchups()),
    "gold leaderboard": ("04", lambda: check_strongest()),
    "gold move usage": ("04", lambda: check_move_usage()),
    "gold type summary": ("04", lambda: check_type_summary()),
    "sql sees gold": ("05", lambda: check_sql_row_counts()),
    "silver merge": ("06", lambda: check_merge()),
}


def show_progress(console) -> int:
    from rich.table import Table

    table = Table("lesson", "exercise", "state", "hint", title="Your progress")
    passing = 0
    for name, (lesson, check) in CHECKS.items():
        try:
            with contextlib.redirect_stdout(io.StringIO()):  # the table says it; no ✓ lines
                check()
            state, hint = "[green]passes[/]", ""
            passing += 1
        except KitError as failure:
            state, hint = "[red]not yet[/]", failure.fix or failure.message
        except Exception as failure:  # e.g. reading a folder the exercise has not written yet
            state, hint = "[red]not yet[/]", (str(failure).splitlines() or [""])[0][:120]
        table.add_row(lesson, name, state, hint)
    console.print(table)
    console.print(f"{passing} of {len(CHECKS)} exercises pass.")
    return 0
