"""Lesson 3's checks: the solution and every valid alternative pass; every wrong answer in the
catalogue fails with the hint that names its mistake, never with an engine traceback. The
checks grade by data/README.md's rules (checks.reference), so a batch the manifest does not
describe is judged right too."""

from __future__ import annotations

import functools
import json

import pytest
from catalogue import alternative, fails_with_hint, mistake, valid, wrong
from pyspark.sql import Window
from pyspark.sql import functions as F
from solution_code import solution

from lakehouse_kit import checks
from lakehouse_kit.checks import CheckFailed
from lakehouse_kit.checks.landing import file_lines
from lakehouse_kit.checks.reference import STATS, TYPE_NAMES, known_types
from lakehouse_kit.quality import gxe, new_suite, quarantine_rows, split_valid
from lakehouse_kit.spark import checkpoint


def names_the_mistake(failure: CheckFailed, words: str) -> bool:
    return words in f"{failure.message} {failure.fix}"


@functools.cache
def sol() -> dict:
    """The solution's definitions (its functions need no session to be built)."""
    return solution("03", batch=1)


@pytest.fixture(scope="module")
def lesson3(spark):
    return solution("03", spark=spark, batch=1)


# ---------------------------------------------------------------- Exercise 1: deduplicate


def _ranked(*order, rank=F.row_number, key_column=None):
    """A de-duplication by a window ordered by `order`."""

    def deduplicate(rows, key="id"):
        window = Window.partitionBy(key_column or key).orderBy(*order)
        ranked = rows.withColumn("_r", rank().over(window))
        return ranked.filter("_r = 1").drop("_r"), ranked.filter("_r > 1").drop("_r")

    return deduplicate


ARRIVED_CLEAN = F.get_json_object("raw", "$.name") == F.col("name")
LATEST = F.desc("_batch_id")


@alternative("deduplicate")
def sql_flag_ascending(rows, key="id"):
    """The same rule in SQL: a flag from from_json, 0 for the clean copy, ascending."""
    dirty = "CASE WHEN from_json(raw, 'name STRING').name = name THEN 0 ELSE 1 END"
    ranked = rows.withColumn(
        "n", F.expr(f"row_number() OVER (PARTITION BY {key} ORDER BY _batch_id DESC, {dirty}, raw)")
    )
    return ranked.where("n = 1").drop("n"), ranked.where("n <> 1").drop("n")


@alternative("deduplicate")
def set_based(rows, key="id"):
    """No window: per key the smallest (newest batch, clean, raw) by min over a struct; the
    duplicates are the rows less the kept ones, copies counted (exceptAll)."""
    dirty = (F.get_json_object("raw", "$.name") != F.col("name")).cast("int")
    rank = F.struct(-F.col("_batch_id"), dirty, F.col("raw"), F.struct(*rows.columns).alias("row"))
    kept = rows.groupBy(key).agg(F.min(rank).alias("best")).select("best.row.*")
    return kept, rows.exceptAll(kept)


alternative("deduplicate", name="dirty_flag_ascending")(
    _ranked(LATEST, F.get_json_object("raw", "$.name") != F.col("name"), "raw")
)
alternative("deduplicate", name="clean_flag_as_int")(
    _ranked(LATEST, F.desc(ARRIVED_CLEAN.cast("int")), F.asc("raw"))
)

mistake("deduplicate", hint="descending", name="oldest_batch_kept")(_ranked("_batch_id", "raw"))
mistake("deduplicate", hint="arrived clean", name="raw_order_only")(_ranked(LATEST, "raw"))
mistake("deduplicate", hint="arrived clean", name="raw_descending")(_ranked(LATEST, F.desc("raw")))
mistake("deduplicate", hint="arrived clean", name="shortest_raw_first")(
    _ranked(LATEST, F.length("raw"), "raw")
)
mistake("deduplicate", hint="arrived clean", name="clean_copy_last")(
    _ranked(LATEST, ARRIVED_CLEAN, "raw")
)
mistake("deduplicate", hint="arrived clean", name="trimmed_name_counts_as_clean")(
    _ranked(LATEST, F.desc(F.trim(F.get_json_object("raw", "$.name")) == F.col("name")), "raw")
)
mistake("deduplicate", hint="rank()", name="rank_keeps_identical_rows")(
    _ranked(LATEST, F.desc(ARRIVED_CLEAN), "raw", rank=F.rank)
)
mistake("deduplicate", hint="key argument", name="partitions_by_id_not_key")(
    _ranked(LATEST, F.desc(ARRIVED_CLEAN), "raw", key_column="id")
)


@mistake("deduplicate", hint="row_number")
def keeps_every_row(rows, key="id"):
    return rows, rows.limit(0)


@mistake("deduplicate", hint="quarantine")
def no_duplicates_returned(rows, key="id"):
    return _ranked(LATEST, F.desc(ARRIVED_CLEAN), "raw")(rows, key)[0], rows.limit(0)


@mistake("deduplicate", hint="drop")
def keeps_its_rank_column(rows, key="id"):
    ranked = rows.withColumn(
        "_rank", F.row_number().over(Window.partitionBy(key).orderBy(LATEST, F.desc(ARRIVED_CLEAN)))
    )
    return ranked.filter("_rank = 1"), ranked.filter("_rank > 1").drop("_rank")


@mistake("deduplicate", hint="(kept, duplicates)")
def kept_and_duplicates_swapped(rows, key="id"):
    kept, duplicates = _ranked(LATEST, F.desc(ARRIVED_CLEAN), "raw")(rows, key)
    return duplicates, kept


def test_the_solution_deduplicates(spark, lesson3, capsys):
    checks.check_deduplicate(lesson3["deduplicate"], spark=spark)
    assert "✓" in capsys.readouterr().out


@pytest.mark.parametrize("answer", valid("deduplicate"), ids=str)
def test_valid_deduplication_passes(spark, answer):
    checks.check_deduplicate(answer.function, spark=spark)


@pytest.mark.parametrize("answer", wrong("deduplicate"), ids=str)
def test_wrong_deduplication_fails_with_its_hint(spark, answer):
    failure = fails_with_hint(checks.check_deduplicate, answer.function, spark=spark)
    assert names_the_mistake(failure, answer.hint), failure


# ---------------------------------------------------------------- Exercise 2: parse_pokemon


@pytest.fixture(scope="module")
def wellformed(spark, course):
    return spark.table("bronze.pokemon").filter("_batch_id = 1 AND NOT _is_malformed")


def _parsed(bronze):
    return bronze.select(F.from_json("raw", sol()["POKEMON_JSON"]).alias("j"), "raw", "_batch_id")


def _replacing(**columns):
    """The solution's parse with some columns computed otherwise (from `j`, the parsed JSON)."""

    def parse(bronze):
        typed = sol()["parse_pokemon"](bronze).withColumn(
            "j", F.from_json("raw", sol()["POKEMON_JSON"])
        )
        for name, column in columns.items():
            typed = typed.withColumn(name, column)
        return typed.drop("j")

    return parse


@alternative("parse_pokemon")
def flatten_with_lambdas(bronze):
    """Types and stats picked with lambdas instead of sorting and a map, columns reordered."""
    measure = sol()["measure"]

    def stat(name):
        found = F.filter("j.stats", lambda s: s["stat"]["name"] == name)
        return F.get(found, 0)["base_stat"].try_cast("int")

    def slot(n):
        return F.get(F.filter("j.types", lambda t: t.slot == n), 0)["type"]["name"]

    name = F.regexp_replace(F.trim("j.name"), r"\s+", " ")
    plain = (F.upper(name) == name) | (F.lower(name) == name)
    stats = {s: stat(s.replace("_", "-")) for s in STATS}
    return _parsed(bronze).select(
        "raw",
        "_batch_id",
        F.col("j.moves.move.name").alias("moves"),
        *[column.alias(n) for n, column in stats.items()],
        sum(stats.values()).alias("total"),
        F.lower(F.trim(slot(2))).alias("secondary_type"),
        F.lower(F.trim(slot(1))).alias("primary_type"),
        F.col("j.is_legendary").alias("is_legendary"),
        F.col("j.base_experience").alias("base_experience"),
        measure(F.col("j.weight"), "kg", 10).alias("weight_kg"),
        measure(F.col("j.height"), "m", 10).alias("height_m"),
        F.col("j.generation").alias("generation"),
        F.when(plain, F.initcap(F.lower(name))).otherwise(name).alias("name"),
        F.col("j.id").alias("id"),
    )


@alternative("parse_pokemon")
def parse_in_sql(bronze):
    """In SQL expressions: units cut off with substring, try_element_at, spaces collapsed by ' +'."""

    def size(field, unit, per):
        text, cut = f"trim(j.{field})", len(unit)
        return (
            f"CASE WHEN {text} LIKE '%{unit}' "
            f"THEN try_cast(substring({text}, 1, length({text}) - {cut}) AS DOUBLE) "
            f"ELSE try_cast({text} AS DOUBLE) / {per} END"
        )

    stats = "map_from_arrays(j.stats.stat.name, try_cast(j.stats.base_stat AS ARRAY<INT>))"
    slot = "lower(trim(try_element_at(array_sort(j.types), {}).type.name))"
    name = "regexp_replace(trim(j.name), ' +', ' ')"
    return _parsed(bronze).selectExpr(
        "j.id AS id",
        f"CASE WHEN {name} IN (upper({name}), lower({name})) THEN initcap(lower({name})) "
        f"ELSE {name} END AS name",
        "j.generation AS generation",
        f"{size('height', 'm', 10)} AS height_m",
        f"{size('weight', 'kg', 10)} AS weight_kg",
        "j.base_experience AS base_experience",
        "j.is_legendary AS is_legendary",
        f"{slot.format(1)} AS primary_type",
        f"{slot.format(2)} AS secondary_type",
        *[f"{stats}['{s.replace('_', '-')}'] AS {s}" for s in STATS],
        " + ".join(f"{stats}['{s.replace('_', '-')}']" for s in STATS) + " AS total",
        "j.moves.move.name AS moves",
        "raw",
        "_batch_id",
    )


def _stat_at(i):
    return F.get("j.stats", i)["base_stat"].try_cast("int")


def _text(field):
    return F.trim(F.col(f"j.{field}"))


PARSE_MISTAKES = {
    # name: (hint words, columns computed otherwise)
    "height_left_in_decimetres": ("decimetres", {"height_m": _text("height").try_cast("double")}),
    "height_unit_ignored": ("ends in 'm'", {"height_m": _text("height").try_cast("double") / 10}),
    "weight_left_in_hectograms": ("hectograms", {"weight_kg": _text("weight").try_cast("double")}),
    "types_not_tidied": (
        "tidied",
        {"primary_type": F.get(F.array_sort("j.types"), 0)["type"]["name"]},
    ),
    "types_in_listed_order": (
        "slot order",
        {"primary_type": F.lower(F.trim(F.get("j.types", 0)["type"]["name"]))},
    ),
    "secondary_repeats_primary": (
        "slot 2",
        {
            "secondary_type": F.lower(
                F.trim(F.get(F.array_sort("j.types"), F.size("j.types") - 1)["type"]["name"])
            )
        },
    ),
    "stats_by_position": ("whatever the order", {s: _stat_at(i) for i, s in enumerate(STATS)}),
    "total_without_speed": ("total = hp", {"total": sum(F.col(s) for s in STATS[:5])}),
    "moves_sorted": ("as listed", {"moves": F.array_sort("j.moves.move.name")}),
    "moves_deduplicated": ("as listed", {"moves": F.array_distinct("j.moves.move.name")}),
    "every_name_title_cased": ("Ho-Oh", {"name": F.initcap("name")}),
    "names_in_capitals": ("one case", {"name": F.upper("name")}),
    "names_untrimmed": ("Trim", {"name": F.concat(F.col("name"), F.lit(" "))}),
    "legendary_flag_negated": ("is_legendary", {"is_legendary": ~F.col("is_legendary")}),
    "generation_from_the_wrong_field": ("generation", {"generation": F.col("j.base_experience")}),
}
for _name, (_hint, _columns) in PARSE_MISTAKES.items():
    mistake("parse_pokemon", hint=_hint, name=_name)(_replacing(**_columns))


@mistake("parse_pokemon", hint="try_cast")
def base_stat_read_as_int(bronze):
    """'47' in an INT field: one engine nulls the field, another the whole record."""
    schema = sol()["POKEMON_JSON"].replace("base_stat: STRING", "base_stat: INT")
    typed = sol()["parse_pokemon"](bronze).withColumn("j", F.from_json("raw", schema))
    stats = F.map_from_arrays(F.col("j.stats.stat.name"), F.col("j.stats.base_stat"))
    for stat in STATS:
        typed = typed.withColumn(stat, stats[stat.replace("_", "-")])
    return typed.drop("j")


@mistake("parse_pokemon", hint="one output row per input row")
def drops_rows_without_stats(bronze):
    return sol()["parse_pokemon"](bronze).filter(F.col("hp").isNotNull())


@mistake("parse_pokemon", hint="one output row per input row")
def reads_the_table_not_its_argument(bronze):
    return sol()["parse_pokemon"](
        bronze.sparkSession.table("bronze.pokemon").filter("_batch_id = 1 AND NOT _is_malformed")
    )


def test_the_solution_parses_and_returns_the_rows(wellformed, lesson3):
    typed = checks.check_parsed_pokemon(lesson3["parse_pokemon"], wellformed, 1)
    assert typed.filter("id = 832").first()["height_m"] == pytest.approx(1.3)


@pytest.mark.parametrize("answer", valid("parse_pokemon"), ids=str)
def test_valid_parsing_passes(wellformed, answer):
    checks.check_parsed_pokemon(answer.function, wellformed, 1)


@pytest.mark.parametrize("answer", wrong("parse_pokemon"), ids=str)
def test_wrong_parsing_fails_with_its_hint(wellformed, answer):
    failure = fails_with_hint(checks.check_parsed_pokemon, answer.function, wellformed, 1)
    assert names_the_mistake(failure, answer.hint), failure


def test_a_cast_that_fails_in_the_engine_gives_a_hint(wellformed, lesson3):
    def strict(bronze):  # cast, not try_cast: '1.3m' is no number
        return lesson3["parse_pokemon"](bronze).withColumn(
            "height_m",
            F.from_json("raw", "height STRING")["height"].cast("double") / 10,
        )

    try:
        failure = fails_with_hint(checks.check_parsed_pokemon, strict, wellformed, 1)
    except AssertionError:  # pragma: no cover - an engine whose cast yields null
        return
    assert "try_cast" in failure.fix or "decimetres" in failure.fix


# ---------------------------------------------------------------- Exercise 3: pokemon_rules


def _suite(*expectations):
    return new_suite("catalogue", list(expectations))


def _not_null(*columns):
    return [gxe.ExpectColumnValuesToNotBeNull(column=c) for c in columns]


def _between(columns, low, high):
    return [
        gxe.ExpectColumnValuesToBeBetween(column=c, min_value=low, max_value=high) for c in columns
    ]


def _types(type_names):
    return [
        gxe.ExpectColumnValuesToBeInSet(column=c, value_set=type_names)
        for c in ("primary_type", "secondary_type")
    ]


def _decoded():
    return gxe.ExpectColumnValuesToNotMatchRegex(column="name", regex="\ufffd")


def _complete(type_names, *, stats_low=1, sizes_low=0.1, size_not_null=True, extra=()):
    """A suite that states every rule; the mistakes below each change one thing in it."""
    return _suite(
        *_not_null("id", "name", "primary_type", *STATS),
        *(_not_null("height_m", "weight_kg") if size_not_null else []),
        _decoded(),
        *_types(type_names),
        *_between(STATS, stats_low, 255),
        *_between(["generation"], 1, 9),
        *_between(["height_m"], sizes_low, 30),
        *_between(["weight_kg"], sizes_low, 1000),
        *extra,
    )


@alternative("pokemon_rules")
def another_complete_suite(type_names):
    """Other kinds for the same rules: generation in a set, sizes only bounded below, decoded
    as a regex that must match, no rule on spaces in names."""
    return _suite(
        *_not_null("id", "name", "primary_type", "height_m", "weight_kg", *STATS),
        gxe.ExpectColumnValuesToMatchRegex(column="name", regex="^[^\ufffd]*$"),
        *_types(type_names),
        gxe.ExpectColumnValuesToBeInSet(column="generation", value_set=list(range(1, 10))),
        *_between(STATS, 1, 255),
        *_between(["height_m", "weight_kg"], 0.01, None),
    )


@alternative("pokemon_rules")
def generous_size_bounds(type_names):
    return _complete(type_names, sizes_low=0.05, extra=_between(["height_m"], None, 100))


@mistake("pokemon_rules", hint="break the data rules")
def thin_suite(type_names):
    return _suite(*_not_null("id"))


@mistake("pokemon_rules", hint="between 1 and 255")
def fitted_to_this_batch(type_names):
    """Only the defects batch 1 holds: speed and defense ranges, hp not null, nothing on
    height, weight or generation."""
    return _suite(
        *_not_null("id", "name", "primary_type", "hp"),
        _decoded(),
        *_types(type_names),
        *_between(["speed", "defense"], 1, 255),
    )


@mistake("pokemon_rules", hint="between 1 and 255")
def stats_from_zero(type_names):
    return _complete(type_names, stats_low=0)


@mistake("pokemon_rules", hint="not null")
def ranges_without_not_null(type_names):
    return _suite(
        *_not_null("id", "name", "primary_type", "height_m", "weight_kg"),
        _decoded(),
        *_types(type_names),
        *_between(STATS, 1, 255),
        *_between(["generation"], 1, 9),
        *_between(["height_m", "weight_kg"], 0.1, 1000),
    )


@mistake("pokemon_rules", hint="generation between 1 and 9")
def generation_unchecked(type_names):
    return _suite(*[e for e in _complete(type_names).expectations if e.column != "generation"])


@mistake("pokemon_rules", hint="height_m and weight_kg not null")
def sizes_may_be_missing(type_names):
    return _complete(type_names, size_not_null=False)


@mistake("pokemon_rules", hint="U+FFFD")
def not_decoded(type_names):
    return _suite(
        *[e for e in _complete(type_names).expectations if "NotMatch" not in type(e).__name__]
    )


@mistake("pokemon_rules", hint="type_names argument")
def a_type_list_of_its_own(type_names):
    return _complete(list(TYPE_NAMES))


@mistake("pokemon_rules", hint="Real names keep their spelling")
def ascii_names_only(type_names):
    return _complete(
        type_names,
        extra=[gxe.ExpectColumnValuesToMatchRegex(column="name", regex=r"^[A-Za-z .:-]+$")],
    )


@mistake("pokemon_rules", hint="base_experience may be null")
def base_experience_required(type_names):
    return _complete(type_names, extra=_not_null("base_experience"))


@mistake("pokemon_rules", hint="no secondary_type")
def secondary_type_required(type_names):
    return _complete(type_names, extra=_not_null("secondary_type"))


@mistake("pokemon_rules", hint="unique")
def unique_ids(type_names):
    return _complete(type_names, extra=[gxe.ExpectColumnValuesToBeUnique(column="id")])


@mistake("pokemon_rules", hint="in metres")
def heights_in_decimetres(type_names):
    return _complete(type_names, extra=_between(["height_m"], 1, 200))


@pytest.fixture(scope="module")
def typed(wellformed, lesson3):
    """The parsed rows of batch 1, stored apart from the check's own (which tests overwrite)."""
    return checkpoint(lesson3["parse_pokemon"](wellformed), "pokemon_typed_tests")


def test_the_solution_suite_passes(typed, lesson3, capsys):
    checks.check_pokemon_rules(lesson3["pokemon_rules"], typed)
    assert "✓" in capsys.readouterr().out


def test_a_suite_made_already_is_judged_too(spark, typed, lesson3):
    checks.check_pokemon_rules(lesson3["pokemon_rules"](known_types(spark, 1)), typed)
    failure = fails_with_hint(checks.check_pokemon_rules, fitted_to_this_batch(TYPE_NAMES), typed)
    assert "made up" in failure.message


@pytest.mark.parametrize("answer", valid("pokemon_rules"), ids=str)
def test_valid_suites_pass(typed, answer):
    checks.check_pokemon_rules(answer.function, typed)


@pytest.mark.parametrize("answer", wrong("pokemon_rules"), ids=str)
def test_wrong_suites_fail_with_their_hint(typed, answer):
    failure = fails_with_hint(checks.check_pokemon_rules, answer.function, typed)
    assert names_the_mistake(failure, answer.hint), failure


@pytest.mark.parametrize(
    "expectation, words",
    [
        ({"column": "name", "regex": r"^(?!\s).*(?<!\s)$"}, "look-ahead"),  # Sail: no look-around
        ({"column": "hit_points"}, "column"),
    ],
)
def test_an_expectation_the_engine_cannot_run_gets_a_hint(typed, lesson3, expectation, words):
    kind = (
        gxe.ExpectColumnValuesToMatchRegex
        if "regex" in expectation
        else gxe.ExpectColumnValuesToNotBeNull
    )

    def rules(type_names):
        return _complete(type_names, extra=[kind(**expectation)])

    try:
        checks.check_pokemon_rules(rules, typed)
    except CheckFailed as failure:
        assert words in failure.fix
    else:  # a JVM engine runs look-around: then the valid rule simply passes
        assert "regex" in expectation


# ---------------------------------------------------------------- the accounting


@pytest.fixture(scope="module")
def silver_1(spark, course):
    """silver.pokemon as lesson 3 left it (the course went on to merge batch 2 into it)."""
    from lakehouse_kit import delta_ops

    history = delta_ops.history("silver.pokemon")
    load = int(history[history["operation"].isin({"WRITE", "CREATE TABLE"})]["version"].max())
    return spark.sql(f"SELECT * FROM silver.pokemon VERSION AS OF {load}")


def test_silver_as_lesson_3_left_it_passes(spark, silver_1, capsys):
    checks.check_silver(spark, silver_pokemon=silver_1)
    assert "✓" in capsys.readouterr().out


def test_silver_without_deduplication_fails_with_the_hint(spark, silver_1):
    with_duplicates = silver_1.unionByName(silver_1.filter("id < 10"))
    failure = fails_with_hint(checks.check_silver, spark, silver_pokemon=with_duplicates)
    assert "duplicates" in failure.message and "De-duplicate" in failure.fix


def test_silver_that_loses_rows_fails(spark, silver_1):
    fewer = silver_1.filter("id > 5")
    failure = fails_with_hint(checks.check_silver, spark, silver_pokemon=fewer)
    assert "quarantine" in failure.fix


def test_a_quarantine_holding_the_clean_pikachu_fails(spark, silver_1):
    """Ordering by raw alone keeps "  PIKACHU " and quarantines the clean line: the counts
    still add up, the quarantined line is the wrong one."""
    lines = file_lines("pokemon", 1)
    odd = lines[26]  # manifest: line 27 is the near-duplicate of id 25
    clean = next(line for line in lines if line.startswith('{"id": 25, "name": "Pikachu"'))
    assert '"  PIKACHU "' in odd
    quarantine = spark.table("silver.quarantine").withColumn(
        "raw", F.when(F.col("raw") == odd, F.lit(clean)).otherwise(F.col("raw"))
    )
    failure = fails_with_hint(
        checks.check_silver, spark, silver_pokemon=silver_1, quarantine=quarantine
    )
    assert "25" in failure.message and "arrived clean" in failure.fix


def test_silver_that_rejects_a_repaired_record_fails(spark, silver_1):
    """Id 832 ("height": "1.3m") rejected: the rows add up, but a fine record is quarantined."""
    raw = spark.table("bronze.pokemon").filter("raw LIKE '{\"id\": 832,%'").first()["raw"]
    quarantine = _with_rejected(spark, spark.table("silver.quarantine"), 832, raw, 1)
    failure = fails_with_hint(
        checks.check_silver,
        spark,
        silver_pokemon=silver_1.filter("id != 832"),
        quarantine=quarantine,
    )
    assert "832" in failure.message and "repair, not reject" in failure.message


def _with_rejected(spark, quarantine, id, raw, batch):
    """The quarantine and one more row, rejected by a rule."""
    row = [("bronze.pokemon", id, raw, ["height_m not null"], batch)]
    schema = (
        "source_table STRING, id INT, raw STRING, failed_expectations ARRAY<STRING>, _batch_id INT"
    )
    columns = ["source_table", "id", "raw", "failed_expectations", "_batch_id"]
    return quarantine.select(*columns).unionByName(spark.createDataFrame(row, schema))


# ---------------------------------------------------------------- a batch of the learner's own


def _record(id, name, **fields):
    record = {
        "id": id,
        "name": name,
        "generation": 9,
        "height": 12,
        "weight": 300,
        "base_experience": None,
        "is_legendary": False,
        "types": [{"slot": 1, "type": {"name": "water"}}],
        "stats": [{"stat": {"name": s.replace("_", "-")}, "base_stat": 70} for s in STATS],
        "moves": [{"move": {"name": "tackle"}}, {"move": {"name": "growl"}}],
        **fields,
    }
    return json.dumps(record, ensure_ascii=False)


def _stat(name, value):
    return [
        {"stat": {"name": s.replace("_", "-")}, "base_stat": value if s == name else 70}
        for s in STATS
    ]


# Lines the manifest does not describe: a near-duplicate whose dirty copy is shorter and sorts
# first, a string id, defects batch 1 and 2 lack, a repaired record, a broken line.
OWN_BATCH = [
    _record(7001, "Novamon", moves=[{"move": {"name": m}} for m in ("tackle", "growl", "surf")]),
    _record(7001, "NOVAMON"),
    _record("7002", "Stringmon"),
    _record(7003, "Farmon", generation=12),
    _record(7004, "Flatmon", height=0),
    _record(7005, "Zeromon", stats=_stat("hp", 0)),
    _record(7006, "Bigmon", stats=_stat("attack", 300)),
    _record(
        7007, "Fixmon", height="1.1m", weight="12kg", types=[{"slot": 1, "type": {"name": " Fire"}}]
    ),
    _record(7008, "Oddmon", types=[{"slot": 1, "type": {"name": "stellar"}}]),
    '{"id": 7009, "name": "Cutmon", "generation": 9, "heigh',
]


@pytest.fixture(scope="module")
def own_batch(spark, course):
    """Batch 3 as Bronze rows, read by the learner's own pipeline (kept in memory)."""
    source = "landing/batch_003/pokemon.jsonl"
    rows = [(line, 3, source, None, line.endswith("heigh")) for line in OWN_BATCH]
    schema = "raw STRING, _batch_id INT, _source_file STRING, _ingested_at TIMESTAMP, "
    return spark.createDataFrame(rows, schema + "_is_malformed BOOLEAN")


def test_a_batch_the_manifest_does_not_describe_is_judged_by_the_rules(spark, own_batch, lesson3):
    typed = checks.check_parsed_pokemon(
        lesson3["parse_pokemon"], own_batch.filter("NOT _is_malformed"), 3
    )
    checks.check_pokemon_rules(lesson3["pokemon_rules"], typed, 3)
    valid_rows, failed = split_valid(typed, lesson3["pokemon_rules"](known_types(spark, 3)))
    kept, duplicates = lesson3["deduplicate"](valid_rows)
    silver = lesson3["drop_unknown_moves"](kept).drop("raw")
    quarantine = checkpoint(
        quarantine_rows("bronze.pokemon", own_batch.filter("_is_malformed"), failed, duplicates),
        "own_batch_quarantine",
    )
    held = {r["raw"] for r in quarantine.collect()}
    assert held == {OWN_BATCH[i] for i in (1, 2, 3, 4, 5, 6, 8, 9)}
    accounting = {"batch": 3, "suffix": "_changes", "bronze_pokemon": own_batch}
    checks.check_silver(spark, silver_pokemon=silver, quarantine=quarantine, **accounting)
    # The same accounting rejects the copy that sorts first, and a repaired record rejected.
    dirty, clean = F.lit(OWN_BATCH[1]), F.lit(OWN_BATCH[0])
    swapped = quarantine.withColumn(
        "raw", F.when(F.col("raw") == dirty, clean).otherwise(F.col("raw"))
    )
    failure = fails_with_hint(
        checks.check_silver, spark, silver_pokemon=silver, quarantine=swapped, **accounting
    )
    assert "7001" in failure.message and "arrived clean" in failure.fix
    rejected = _with_rejected(spark, quarantine, 7007, OWN_BATCH[7], 3)
    failure = fails_with_hint(
        checks.check_silver,
        spark,
        silver_pokemon=silver.filter("id <> 7007"),
        quarantine=rejected,
        **accounting,
    )
    assert "7007" in failure.message and "repair, not reject" in failure.message
