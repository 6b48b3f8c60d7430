"""One judge per exercise: the lesson's check, called as the lesson's check cell calls it, on the
functions of a namespace (a solution's definitions, or a mutant's: tests/mutation.py).

`judge(namespace, spark)` returns when the check passes and raises what the check raises.
Where a check cell first writes a lesson table with the learner's function (Bronze, Gold) and
the check then reads it, the judge hands the check the DataFrame, or lets the check try the
function on its scratch tables: a mutant never writes to the lesson's own tables, which the
other judges read. The names a check cell takes from earlier cells (the notebook's parameters,
the parsed rows, the SQL engine, a version) are in the namespace: `lesson_namespace`.
When a lesson's check cell changes, its judge changes with it.
"""

from __future__ import annotations

from collections.abc import Callable

from solution_code import solution

from lakehouse_kit import checks

Judge = Callable[[dict, object], None]
JUDGES: dict[str, tuple[str, Judge]] = {}  # exercise -> (lesson, judge)

# The notebooks' parameters (lesson 1 writes to a folder of its own, not the lesson's).
PARAMETERS = {
    "01": {"playground": "playground/mutation-starters"},
    "02": {"batch": 1},
    "03": {"batch": 1},
    "04": {"top_n": 3},
}


def _typed_pokemon(namespace, spark):
    """The parsed rows lesson 3's rules are checked on, stored apart from the checkpoint that
    check_parsed_pokemon rewrites for every parse_pokemon mutant."""
    from lakehouse_kit.spark import checkpoint

    parsed = namespace["parse_pokemon"](namespace["wellformed"]("pokemon"))
    return checkpoint(parsed, "mutation_pokemon_typed")


def _sql_engine(namespace, spark):
    from lakehouse_kit.sql import sql_engine

    return sql_engine()


def _before_version(namespace, spark):
    return namespace["last_load"]("silver.pokemon")


# Names the check cells use that earlier cells of the lesson make, made once per lesson.
INPUTS: dict[str, dict[str, Callable]] = {
    "03": {"typed_pokemon": _typed_pokemon},
    "05": {"engine": _sql_engine},
    "06": {"before_version": _before_version},
}


def lesson_namespace(lesson: str, spark) -> dict:
    """A solution's definitions and what its check cells use from the cells before them."""
    from lakehouse_kit.settings import load_settings

    namespace = solution(lesson, spark=spark, settings=load_settings())
    namespace.update(PARAMETERS.get(lesson, {}))  # after the notebook's own parameter cell
    for name, make in INPUTS.get(lesson, {}).items():
        namespace[name] = make(namespace, spark)
    return namespace


def judge(exercise: str, lesson: str) -> Callable[[Judge], Judge]:
    def register(function: Judge) -> Judge:
        JUDGES[exercise] = (lesson, function)
        return function

    return register


# ------------------------------------------------------------------ lesson 1


@judge("s3a_options", "01")
def _s3a_options(ns, spark):
    checks.check_s3a_options(ns["s3a_options"])


@judge("engine_conf", "01")
def _engine_conf(ns, spark):
    # A configuration that passes the check's judging has the solution's values: the engine
    # keeps running (no restart), so the test session's Spark session survives.
    checks.check_engine_conf(ns["engine_conf"], ns["s3a_options"])


@judge("write_starters", "01")
def _write_starters(ns, spark):
    from lakehouse_kit.storage import delete_prefix

    playground = ns["playground"]
    delete_prefix(playground + "/")  # the learner's first run: nothing there yet
    uri = f"s3a://{ns['settings'].bucket}/{playground}"
    starters = ns["write_starters"](spark, uri)
    checks.check_starters(starters, prefix=playground, write_starters=ns["write_starters"])


# ------------------------------------------------------------------ lesson 2


@judge("read_raw", "02")
def _read_raw(ns, spark):
    raw_pokemon = ns["read_raw"](spark, "pokemon", ns["batch"])
    checks.check_raw_lines(raw_pokemon, "pokemon", ns["batch"], read_raw=ns["read_raw"])


@judge("write_bronze", "02")
def _write_bronze(ns, spark):
    # The cell writes the three Bronze tables first; here they hold the solution's rows.
    checks.check_bronze(spark, ns["write_bronze"], batches=(ns["batch"],))


# ------------------------------------------------------------------ lesson 3


@judge("deduplicate", "03")
def _deduplicate(ns, spark):
    checks.check_deduplicate(ns["deduplicate"])


@judge("parse_pokemon", "03")
def _parse_pokemon(ns, spark):
    checks.check_parsed_pokemon(ns["parse_pokemon"], ns["wellformed"]("pokemon"), ns["batch"])


@judge("pokemon_rules", "03")
def _pokemon_rules(ns, spark):
    checks.check_pokemon_rules(ns["pokemon_rules"], ns["typed_pokemon"], ns["batch"])


# ------------------------------------------------------------------ lesson 4 (the cells save
# the DataFrame as the Gold table, which the check reads: the judge hands it over instead)


@judge("type_matchups", "04")
def _type_matchups(ns, spark):
    checks.check_type_matchups(ns["type_matchups"], spark=spark)


@judge("strongest_by_type_generation", "04")
def _strongest(ns, spark):
    checks.check_strongest(ns["strongest_by_type_generation"], top_n=ns["top_n"], spark=spark)


@judge("move_usage", "04")
def _move_usage(ns, spark):
    checks.check_move_usage(ns["move_usage"], spark=spark)


# ------------------------------------------------------------------ lesson 5


@judge("strongest_per_type_sql", "05")
def _strongest_per_type_sql(ns, spark):
    checks.check_strongest_per_type_sql(
        ns["strongest_per_type_sql"](), engine=ns["engine"], spark=spark
    )


@judge("near_the_best_sql", "05")
def _near_the_best_sql(ns, spark):
    checks.check_near_the_best_sql(ns["near_the_best_sql"](), engine=ns["engine"], spark=spark)


@judge("as_of_sql", "05")
def _as_of_sql(ns, spark):
    checks.check_as_of_sql(ns["as_of_sql"], engine=ns["engine"], spark=spark)


# ------------------------------------------------------------------ lesson 6


@judge("upsert", "06")
def _upsert(ns, spark):
    # The cell merges the staged batch into Silver first; the check tries upsert on scratch
    # tables, then reads Silver, which holds the solution's MERGE.
    checks.check_merge(spark, ns["upsert"])


@judge("as_of", "06")
def _as_of(ns, spark):
    checks.check_as_of(ns["as_of"], spark, "silver.pokemon", ns["before_version"])


@judge("maintenance_sql", "06")
def _maintenance_sql(ns, spark):
    checks.check_maintenance_sql(ns["maintenance_sql"], spark)


@judge("add_constraint", "06")
def _add_constraint(ns, spark):
    # The cell adds hp_in_range to silver.pokemon first (the solution did); the check tries
    # add_constraint twice on a scratch table.
    checks.check_constraint(ns["add_constraint"], spark)


@judge("retry_on_conflict", "06")
def _retry_on_conflict(ns, spark):
    checks.check_retry_on_conflict(ns["retry_on_conflict"], spark)


# ------------------------------------------------------------------ lesson 7


@judge("unexpected_fields", "07")
def _unexpected_fields(ns, spark):
    surprises = ns["unexpected_fields"](spark.table("bronze.pokemon"), ns["POKEMON_FIELDS"])
    checks.check_unexpected_fields(
        surprises, spark=spark, unexpected_fields=ns["unexpected_fields"]
    )


@judge("upsert_newer", "07")
def _upsert_newer(ns, spark):
    checks.check_upsert_newer(ns["upsert_newer"], spark=spark)


@judge("widen_column", "07")
def _widen_column(ns, spark):
    checks.check_widen_column(ns["widen_column"], spark=spark)


@judge("rename_column", "07")
def _rename_column(ns, spark):
    checks.check_rename_column(ns["rename_column"], spark=spark)


@judge("types_to_refresh", "07")
def _types_to_refresh(ns, spark):
    checks.check_types_to_refresh(ns["types_to_refresh"], spark=spark)
