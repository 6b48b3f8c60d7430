"""Lesson 6 checks: wrong answers fail with a hint, right answers pass (tiny tables, real engine)."""

from __future__ import annotations

import pandas as pd
import pytest
from catalogue import alternative, fails_with_hint, mistake, valid, wrong

from lakehouse_kit import checks, delta_ops
from lakehouse_kit.checks.lesson6 import UPSERT_CASES
from lakehouse_kit.spark import save_table

UPDATES = [
    {"id": 1, "field": "stats.hp", "old": 10, "new": 20},
    {"id": 2, "field": "weight", "old": 50, "new": 65},
]
SCHEMA = "id INT, name STRING, hp INT, weight_kg DOUBLE"
BATCH_1 = [(1, "a", 10, 5.0), (2, "b", 30, 5.0)]
CHANGES = [(1, "a", 20, 5.0), (2, "b", 30, 6.5), (3, "c", 40, 1.0)]


@pytest.fixture(scope="module")
def staged(spark):
    """A tiny target (batch 1) and source (its changes) as real Delta tables."""
    save_table(spark.createDataFrame(BATCH_1, SCHEMA), "gold.merge_target")
    save_table(spark.createDataFrame(CHANGES, SCHEMA), "gold.merge_source")
    return spark


def merge(spark, matched: bool = True) -> None:
    update = "WHEN MATCHED THEN UPDATE SET * " if matched else ""
    spark.sql(
        f"MERGE INTO gold.merge_target AS t USING gold.merge_source AS s ON t.id = s.id "
        f"{update}WHEN NOT MATCHED THEN INSERT *"
    )


def check_tiny_merge(spark) -> None:
    checks.check_merge(
        tables={"pokemon": spark.table("gold.merge_target")},
        expected={"pokemon": 3},
        updates=UPDATES,
    )


def test_silver_change_converts_units():
    assert checks.silver_change({"field": "stats.special-attack", "old": 40, "new": 50}) == (
        "special_attack",
        40,
        50,
    )
    assert checks.silver_change({"field": "weight", "old": 25, "new": 22}) == (
        "weight_kg",
        2.5,
        2.2,
    )


def test_merge_done_as_append_fails(staged):
    save_table(staged.createDataFrame(BATCH_1, SCHEMA), "gold.merge_target")
    save_table(staged.table("gold.merge_source"), "gold.merge_target", mode="append")
    error = fails_with_hint(check_tiny_merge, staged)
    assert "appended" in error.message and "MERGE" in error.fix


def test_merge_without_inserts_fails(spark):
    df = spark.createDataFrame([(1, "a", 20, 5.0), (2, "b", 30, 6.5)], SCHEMA)
    error = fails_with_hint(
        checks.check_merge, tables={"pokemon": df}, expected={"pokemon": 3}, updates=UPDATES
    )
    assert "INSERT" in error.fix


def test_merge_that_skips_updates_fails(staged):
    save_table(staged.createDataFrame(BATCH_1, SCHEMA), "gold.merge_target")
    merge(staged, matched=False)
    error = fails_with_hint(check_tiny_merge, staged)
    assert "[1, 2]" in error.message and "UPDATE" in error.fix


def test_real_merge_passes_and_rerun_is_harmless(staged):
    save_table(staged.createDataFrame(BATCH_1, SCHEMA), "gold.merge_target")
    merge(staged)
    check_tiny_merge(staged)
    merge(staged)
    check_tiny_merge(staged)


def diff(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["id", "name", "field", "before", "after"])


def test_version_diff():
    right = diff([(1, "a", "hp", 10, 20), (2, "b", "weight_kg", 5.0, 6.5)])
    checks.check_version_diff(right, updates=UPDATES)
    assert (
        "VERSION AS OF" in fails_with_hint(checks.check_version_diff, diff([]), updates=UPDATES).fix
    )
    assert (
        "missing"
        in fails_with_hint(checks.check_version_diff, right.iloc[:1], updates=UPDATES).message
    )
    extra = pd.concat([right, diff([(3, "c", "hp", 1, 2)])])
    assert (
        "did not make" in fails_with_hint(checks.check_version_diff, extra, updates=UPDATES).message
    )


# ---------------------------------------------------------------- upsert on scratch tables


def test_upsert_solution_passes(spark):
    from solution_code import solution

    checks.check_upsert(solution("06", spark=spark)["upsert"], spark)


@alternative("upsert")
def merge_spelled_out_from_a_subquery(spark, target, source, key="id"):
    """The same MERGE with the columns spelled out, from a subquery, after a comment."""
    columns = spark.table(source).columns
    spark.sql(
        f"""-- upsert the batch
        MERGE INTO {target} AS t USING (SELECT * FROM {source}) AS s ON t.{key} = s.{key}
        WHEN MATCHED THEN UPDATE SET {", ".join(f"t.{c} = s.{c}" for c in columns)}
        WHEN NOT MATCHED THEN INSERT ({", ".join(columns)}) VALUES ({", ".join(f"s.{c}" for c in columns)})"""
    )


@alternative("upsert")
def merge_from_a_view(spark, target, source, key="id"):
    """The source as a DataFrame's view, the statement in lower case."""
    spark.table(source).createOrReplaceTempView("changes")
    statement = (
        f"merge into {target} t using changes s on t.{key} = s.{key} "
        "when matched then update set * when not matched then insert *"
    )
    spark.sql(statement)
    return statement


def _statement(body: str):
    def upsert(spark, target, source, key="id"):
        spark.sql(body.format(target=target, source=source, key=key))

    return upsert


MERGE = "MERGE INTO {target} t USING {source} s ON t.{key} = s.{key} "
UPDATE, INSERT = "WHEN MATCHED THEN UPDATE SET * ", "WHEN NOT MATCHED THEN INSERT *"

mistake("upsert", hint="added again", name="appended")(
    _statement("INSERT INTO {target} SELECT * FROM {source}")
)
mistake("upsert", hint="replaced the table", name="overwritten_with_the_source")(
    _statement("INSERT OVERWRITE {target} SELECT * FROM {source}")
)
mistake("upsert", hint="not updated", name="without_when_matched")(_statement(MERGE + INSERT))
mistake("upsert", hint="NOT MATCHED", name="without_when_not_matched")(_statement(MERGE + UPDATE))
mistake("upsert", hint="failed in the engine", name="a_syntax_error")(
    _statement(MERGE + UPDATE + INSERT + " WHEN")
)
mistake("upsert", hint="matched rows on name", name="matched_on_name")(
    _statement(MERGE.replace("{key}", "name") + UPDATE + INSERT)
)
mistake("upsert", hint="matched rows on id", name="key_ignored")(
    _statement(MERGE.replace("{key}", "id") + UPDATE + INSERT)
)
mistake("upsert", hint="only in part", name="updates_one_column")(
    _statement(MERGE + "WHEN MATCHED THEN UPDATE SET t.hp = s.hp " + INSERT)
)
mistake("upsert", hint="changed the source", name="source_and_target_swapped")(
    _statement(
        MERGE.replace("{target} t USING {source} s", "{source} t USING {target} s")
        + UPDATE
        + INSERT
    )
)


@mistake("upsert", hint="one atomic commit")
def deleted_then_inserted(spark, target, source, key="id"):
    """The same table after any number of runs, but two commits: readers may see the rows gone.
    (The keys are listed: the embedded engine runs no subquery in a DELETE.)"""
    keys = ", ".join(repr(r[key]) for r in spark.table(source).select(key).collect())
    spark.sql(f"DELETE FROM {target} WHERE {key} IN ({keys})")
    spark.sql(f"INSERT INTO {target} SELECT * FROM {source}")


@mistake("upsert", hint="one atomic commit")
def table_rewritten(spark, target, source, key="id"):
    """The right rows, by rewriting the whole table: the kept rows and the batch."""
    kept = spark.table(target).join(spark.table(source), key, "left_anti")
    rows = kept.unionByName(spark.table(source)).collect()
    save_table(spark.createDataFrame(rows, spark.table(target).schema), target)


@pytest.mark.parametrize("answer", valid("upsert"), ids=str)
def test_valid_upserts_pass(spark, answer):
    checks.check_upsert(answer.function, spark)


@pytest.mark.parametrize("answer", wrong("upsert"), ids=str)
def test_wrong_upserts_fail_with_their_hint(spark, answer):
    error = fails_with_hint(checks.check_upsert, answer.function, spark)
    assert answer.hint in error.message + error.fix


def test_upsert_cases_tell_every_wrong_key_apart():
    """In each scratch case, a MERGE on the key, on each decoy column, an append and doing
    nothing all leave different tables: the check can name what happened."""
    for case in UPSERT_CASES:
        outcomes = [case.merged(case.key or "id"), *(case.merged(c) for c in case.decoys)]
        outcomes += [sorted(case.target), sorted(case.target + case.source * case.runs)]
        assert len({tuple(o) for o in outcomes}) == len(outcomes), case


def test_the_lesson_merge_check_runs_upsert(staged, capsys):
    from solution_code import solution

    save_table(staged.createDataFrame(BATCH_1, SCHEMA), "gold.merge_target")
    merge(staged)
    checks.check_merge(
        staged,
        solution("06", spark=staged)["upsert"],
        tables={"pokemon": staged.table("gold.merge_target")},
        expected={"pokemon": 3},
        updates=UPDATES,
    )
    assert capsys.readouterr().out.count("✓") == 2


# ---------------------------------------------------------------- as_of


AS_OF_DEMO = "gold.as_of_demo"  # the lesson's table, in these tests


@pytest.fixture(scope="module")
def versions(spark):
    """A table with two versions: 0 holds BATCH_1, 1 holds CHANGES."""
    save_table(spark.createDataFrame(BATCH_1, SCHEMA), AS_OF_DEMO)
    save_table(spark.createDataFrame(CHANGES, SCHEMA), AS_OF_DEMO)
    return AS_OF_DEMO


def _read_version(spark, table, version):
    from lakehouse_kit.catalog import table_uri

    return spark.read.format("delta").option("versionAsOf", version).load(table_uri(table))


alternative("as_of", name="reader_on_the_path")(_read_version)
alternative("as_of", name="reader_on_the_table")(
    lambda spark, table, version: spark.read.option("versionAsOf", version).table(table)
)
alternative("as_of", name="sql_after_a_comment")(
    lambda spark, table, v: spark.sql(f"-- time travel\nSELECT * FROM {table} VERSION AS OF {v}")
)
alternative("as_of", name="sql_with_columns_named")(
    lambda spark, table, v: spark.sql(
        f"SELECT {', '.join(spark.table(table).columns)} FROM {table} VERSION AS OF {v}"
    )
)
mistake("as_of", hint="current rows", name="the_current_table")(
    lambda spark, table, version: spark.table(table)
)
mistake("as_of", hint="reads nothing by itself", name="an_option_without_a_read")(
    lambda spark, table, version: (
        spark.read.option("versionAsOf", version),
        spark.table(table),
    )[1]
)
mistake("as_of", hint="ignores its `version` argument", name="version_0_always")(
    lambda spark, table, version: spark.sql(f"SELECT * FROM {table} VERSION AS OF 0")
)
mistake("as_of", hint="whatever version", name="version_1_always")(
    lambda spark, table, version: spark.sql(f"SELECT * FROM {table} VERSION AS OF 1")
)
mistake("as_of", hint="gives the rows of version 2", name="the_version_after")(
    lambda spark, table, version: _read_version(spark, table, version + 1)
)
mistake("as_of", hint="the table you are given", name="the_lesson_table_typed_in")(
    lambda spark, table, version: spark.sql(f"SELECT * FROM {AS_OF_DEMO} VERSION AS OF {version}")
)


def test_as_of_solution_passes(spark, versions):
    from solution_code import solution

    checks.check_as_of(solution("06", spark=spark)["as_of"], spark, versions, 0)


@pytest.mark.parametrize("answer", valid("as_of"), ids=str)
def test_valid_as_of_pass(spark, versions, answer):
    checks.check_as_of(answer.function, spark, versions, 1)


@pytest.mark.parametrize("answer", wrong("as_of"), ids=str)
def test_wrong_as_of_fail_with_their_hint(spark, versions, answer):
    error = fails_with_hint(checks.check_as_of, answer.function, spark, versions, 0)
    assert answer.hint in error.message + error.fix


def test_as_of_on_the_lesson_table_reads_that_version(spark, versions):
    """The lesson's own call is judged too: the rows of that version of that table."""
    solution_as_of = _read_version

    def wrong_only_for_the_lesson_table(spark, table, version):
        return solution_as_of(spark, table, version if "_check_" in table else version + 1)

    error = fails_with_hint(checks.check_as_of, wrong_only_for_the_lesson_table, spark, versions, 0)
    assert "does not give the rows of version 0" in error.message


# ---------------------------------------------------------------- add_constraint


def test_constraint_must_be_added_once(spark):
    table = "gold.constraint_demo"
    save_table(spark.createDataFrame([(1, 45)], "id INT, hp INT"), table)
    args = dict(spark=spark, table=table, name="hp_in_range", condition="hp BETWEEN 1 AND 255")

    assert (
        "ALTER TABLE" in fails_with_hint(checks.check_constraint, **args).fix
    )  # nothing added yet

    def always_alter(spark, table, name, condition):
        spark.sql(f"ALTER TABLE {table} ADD CONSTRAINT {name} CHECK ({condition})")

    always_alter(spark, table, "hp_in_range", "hp BETWEEN 1 AND 255")
    assert (
        "delta_ops.constraints"
        in fails_with_hint(checks.check_constraint, always_alter, **args).fix
    )

    def add_once(spark, table, name, condition):
        if name not in delta_ops.constraints(table):
            always_alter(spark, table, name, condition)

    checks.check_constraint(add_once, **args)
    assert delta_ops.constraints(table) == {"hp_in_range": "hp BETWEEN 1 AND 255"}
    with pytest.raises(Exception, match="hp_in_range"):
        save_table(spark.createDataFrame([(2, 0)], "id INT, hp INT"), table, mode="append")
    assert spark.table(table).count() == 1


def _alter(spark, table, name, condition):
    spark.sql(f"ALTER TABLE {table} ADD CONSTRAINT {name} CHECK ({condition})")


@alternative("add_constraint")
def tolerant(spark, table, name, condition):
    """Try, and accept the engine's "already exists"."""
    try:
        _alter(spark, table, name, condition)
    except Exception as error:  # already there
        if name not in str(error) and "exists" not in str(error).lower():
            raise


@alternative("add_constraint")
def early_return_and_parentheses(spark, table, name, condition):
    if name in delta_ops.constraints(table):
        return
    spark.sql(f"alter table {table} add constraint {name} check (({condition}))")


mistake("add_constraint", hint="second time", name="always_altered")(_alter)
mistake("add_constraint", hint="added no constraint", name="does_nothing")(
    lambda spark, table, name, condition: None
)


@mistake("add_constraint", hint="not one named")
def the_lesson_name_typed_in(spark, table, name, condition):
    if "hp_in_range" not in delta_ops.constraints(table):
        _alter(spark, table, "hp_in_range", condition)


@mistake("add_constraint", hint="not the condition it is given")
def the_lesson_condition_typed_in(spark, table, name, condition):
    if name not in delta_ops.constraints(table):
        _alter(spark, table, name, "hp BETWEEN 1 AND 255")


@mistake("add_constraint", hint="Test for this name only")
def only_on_a_table_without_constraints(spark, table, name, condition):
    if not delta_ops.constraints(table):
        _alter(spark, table, name, condition)


@mistake("add_constraint", hint="ALTER TABLE", name="a_syntax_error")
def a_syntax_error(spark, table, name, condition):
    if name not in delta_ops.constraints(table):
        _alter(spark, table, name, f"{condition} AND")


@pytest.fixture
def constrained(spark):
    """A table that has the lesson's constraint already, as silver.pokemon has."""
    table = "gold.constraint_demo"
    save_table(spark.createDataFrame([(1, 45)], "id INT, hp INT"), table)
    if "hp_in_range" not in delta_ops.constraints(table):  # an overwrite keeps constraints
        _alter(spark, table, "hp_in_range", "hp BETWEEN 1 AND 255")
    return table


def test_add_constraint_solution_passes(spark, constrained):
    from solution_code import solution

    checks.check_constraint(solution("06", spark=spark)["add_constraint"], spark, constrained)


@pytest.mark.parametrize("answer", valid("add_constraint"), ids=str)
def test_valid_add_constraints_pass(spark, constrained, answer):
    checks.check_constraint(answer.function, spark=spark, table=constrained)


@pytest.mark.parametrize("answer", wrong("add_constraint"), ids=str)
def test_wrong_add_constraints_fail_with_their_hint(spark, constrained, answer):
    error = fails_with_hint(
        checks.check_constraint, answer.function, spark=spark, table=constrained
    )
    assert answer.hint in error.message + error.fix


# ---------------------------------------------------------------- what the embedded engine refuses


def checked_with_show_tblproperties(spark, table, name, condition):
    """Valid on the JVM: the constraints are table properties."""
    properties = {r["key"] for r in spark.sql(f"SHOW TBLPROPERTIES {table}").collect()}
    if f"delta.constraints.{name}" not in properties:
        _alter(spark, table, name, condition)


def dropped_then_added(spark, table, name, condition):
    """Valid on the JVM: idempotent without a test."""
    spark.sql(f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {name}")
    _alter(spark, table, name, condition)


@pytest.mark.parametrize(
    "answer, statement",
    [
        (checked_with_show_tblproperties, "SHOW TBLPROPERTIES"),
        (dropped_then_added, "DROP CONSTRAINT"),
    ],
)
def test_idioms_the_embedded_engine_refuses_get_the_portable_route(
    spark, constrained, answer, statement
):
    error = fails_with_hint(checks.check_constraint, answer, spark=spark, table=constrained)
    assert statement in error.message and "embedded engine" in error.message
    assert "delta_ops.constraints(table)" in error.fix and "Traceback" not in error.message


@pytest.mark.parametrize(
    "message, route",
    [
        ("invalid argument: found TBLPROPERTIES at 5:18 expected 'DATABASES'", "constraints"),
        ("invalid argument: found HISTORY at 9:16 expected 'FUNCTION'", "history"),
        ("invalid argument: found CONSTRAINT at 32:42 expected 'COLUMN'", "constraints"),
        ("invalid argument: found OPTIMIZE at 0:8 expected something else", "compact"),
        ("invalid argument: found VACUUM at 0:6 expected something else", "vacuum"),
    ],
)
def test_portable_routes_are_named_for_the_engine_s_refusals(message, route):
    from lakehouse_kit.checks.core import portable_route

    assert f"delta_ops.{route}(table)" in portable_route(ValueError(message))[1]
    assert portable_route(ValueError("[PARSE_SYNTAX_ERROR] near 'WHEN'")) is None
