"""The mutation operators of tests/mutation.py on small functions (no servers): each makes the
mutants it promises, and code with nothing to mutate makes none."""

from __future__ import annotations

import ast
from textwrap import dedent

import pytest
from mutation import EQUIVALENT, exercise_mutants, mutations, solution_cells


def code(text: str) -> str:
    """Source as the operators write it back (ast.unparse)."""
    return ast.unparse(ast.parse(dedent(text)))


def mutants(text: str, operator: str, dialect: str = "spark") -> list[str]:
    return [m.source for m in mutations(dedent(text), dialect) if m.operator == operator]


def test_flip_order_swaps_directions_and_makes_a_plain_key_descending():
    got = mutants(
        """
        def best(df):
            return df.orderBy(F.desc('total'), 'id', F.col('raw').asc())
        """,
        "flip-order",
    )
    assert got == [
        code(
            "def best(df):\n    return df.orderBy(F.desc('total'), F.desc('id'), F.col('raw').asc())"
        ),
        code("def best(df):\n    return df.orderBy(F.asc('total'), 'id', F.col('raw').asc())"),
        code("def best(df):\n    return df.orderBy(F.desc('total'), 'id', F.col('raw').desc())"),
    ]


def test_drop_filter_drops_a_filter_and_a_replace_where():
    got = mutants(
        """
        def write(df, batch):
            save(df.where(F.col('x') > 0), replaceWhere=f'b = {batch}')
        """,
        "drop-filter",
    )
    assert got == [
        code("def write(df, batch):\n    save(df.where(F.col('x') > 0))"),
        code("def write(df, batch):\n    save(df, replaceWhere=f'b = {batch}')"),
    ]


def test_drop_distinct():
    got = mutants("def f(df):\n    return df.distinct().dropDuplicates(['id'])", "drop-distinct")
    assert got == [
        code("def f(df):\n    return df.distinct()"),
        code("def f(df):\n    return df.dropDuplicates(['id'])"),
    ]


def test_drop_column_from_a_select_a_with_column_and_a_dict():
    got = mutants(
        """
        def f(df):
            return df.select('a', 'b').withColumn('c', F.lit(1)), {'k': 1, 'v': 2}
        """,
        "drop-column",
    )
    assert got == [
        code("def f(df):\n    return (df.select('a', 'b'), {'k': 1, 'v': 2})"),
        code("def f(df):\n    return (df.select('b').withColumn('c', F.lit(1)), {'k': 1, 'v': 2})"),
        code("def f(df):\n    return (df.select('a').withColumn('c', F.lit(1)), {'k': 1, 'v': 2})"),
        code("def f(df):\n    return (df.select('a', 'b').withColumn('c', F.lit(1)), {'v': 2})"),
        code("def f(df):\n    return (df.select('a', 'b').withColumn('c', F.lit(1)), {'k': 1})"),
    ]


def test_drop_operand_of_column_and_python_conditions():
    assert mutants("def f(a, b):\n    return a & b", "drop-operand") == [
        code("def f(a, b):\n    return a"),
        code("def f(a, b):\n    return b"),
    ]
    assert mutants("def f(a, b, c):\n    return a or b or c", "drop-operand") == [
        code("def f(a, b, c):\n    return b or c"),
        code("def f(a, b, c):\n    return a or c"),
        code("def f(a, b, c):\n    return a or b"),
    ]


@pytest.mark.parametrize(
    "before, after",
    [
        ("x == y", "x != y"),
        ("x < y", "x <= y"),
        ("x > y", "x >= y"),
        ("x not in y", "x in y"),
        ("~x", "x"),
    ],
)
def test_flip_comparison(before, after):
    got = mutants(f"def f(x, y):\n    return {before}", "flip-comparison")
    assert got == [code(f"def f(x, y):\n    return {after}")]


def test_swap_mode_and_join_type():
    text = """
        def f(df, other):
            df.join(other, 'id').join(other, 'k', 'left').write.mode('overwrite').save('t')
        """
    assert mutants(text, "swap-mode") == [
        code(dedent(text).replace("'overwrite'", "'append'")),
    ]
    assert mutants(text, "join-type") == [
        code(dedent(text).replace("'k', 'left'", "'k', 'inner'")),
        code(dedent(text).replace("'id')", "'id', 'left')")),
    ]


def test_change_constant_skips_booleans():
    got = mutants("def f(df):\n    return df.limit(0), F.lit(2.0), True", "constant")
    assert got == [
        code("def f(df):\n    return df.limit(1), F.lit(2.0), True"),
        code("def f(df):\n    return df.limit(0), F.lit(3.0), True"),
    ]


def test_ignore_argument_uses_the_default_or_the_first_value_but_never_varies_spark():
    got = mutants(
        '''
        def merge(spark, table: str, key="id"):
            """Doc."""
            spark.sql(f"MERGE ... ON t.{key} = s.{key}")
            return table
        ''',
        "ignore-argument",
    )
    assert got == [
        code(
            '''
            def merge(spark, table: str, key="id"):
                """Doc."""
                table = _first_value('merge.table', table)
                spark.sql(f"MERGE ... ON t.{key} = s.{key}")
                return table
            '''
        ),
        code(
            '''
            def merge(spark, table: str, key="id"):
                """Doc."""
                spark.sql(f"MERGE ... ON t.{'id'} = s.{'id'}")
                return table
            '''
        ),
    ]


def test_sql_in_an_f_string_is_mutated_and_keeps_its_values():
    text = """
        def newest(spark, t, n):
            return spark.sql(f"SELECT a, b FROM {t} WHERE v > {n} AND w = 1 ORDER BY a DESC")
        """
    sql = "SELECT a, b FROM {t} WHERE v > {n} AND w = 1 ORDER BY a DESC"

    def query(text: str) -> str:
        return code(f'def newest(spark, t, n):\n    return spark.sql(f"{text}")')

    assert mutants(text, "flip-order") == [query(sql.replace("a DESC", "a ASC"))]
    assert mutants(text, "drop-filter") == [query(sql.replace(" WHERE v > {n} AND w = 1", ""))]
    assert mutants(text, "drop-operand") == [
        query(sql.replace(" AND w = 1", "")),
        query(sql.replace("v > {n} AND ", "")),
    ]
    assert mutants(text, "flip-comparison") == [
        query(sql.replace("v > {n}", "v >= {n}")),
        query(sql.replace("w = 1", "w <> 1")),
    ]
    assert mutants(text, "constant") == [query(sql.replace("w = 1", "w = 2"))]
    assert mutants(text, "drop-column") == [
        query(sql.replace("a, b", "b")),
        query(sql.replace("a, b", "a")),
    ]


def test_a_condition_given_as_text_is_sql_too():
    assert mutants("def f(df):\n    return df.filter('_n = 1')", "flip-comparison") == [
        code("def f(df):\n    return df.filter('_n <> 1')")
    ]


def test_a_merge_loses_one_clause_at_a_time():
    text = """
        def up(spark, t, s):
            spark.sql(f"MERGE INTO {t} AS t USING {s} AS s ON t.id = s.id WHEN MATCHED THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *")
        """
    merge = "MERGE INTO {t} AS t USING {s} AS s ON t.id = s.id"
    assert mutants(text, "drop-clause") == [
        code(f'def up(spark, t, s):\n    spark.sql(f"{merge} WHEN NOT MATCHED THEN INSERT *")'),
        code(f'def up(spark, t, s):\n    spark.sql(f"{merge} WHEN MATCHED THEN UPDATE SET *")'),
    ]


def test_lesson_5s_query_is_mutated_in_duckdb_sql():
    text = 'def q():\n    return """SELECT a FROM t ORDER BY a"""'
    assert mutants(text, "flip-order", dialect="duckdb") == [
        code('def q():\n    return "SELECT a FROM t ORDER BY a DESC"')
    ]


@pytest.mark.parametrize(
    "text",
    [
        "def f(spark):\n    return spark",  # the session is never varied
        "def f(unused):\n    return None",
        'def f() -> int | None:\n    """Doc: 1 == 2, overwrite."""\n    return None',
        "def f():\n    return 'plain text, not SQL: 1 = 1'",
        "x = 1 if y == 2 else 3\nrows = df.filter('a = 1').orderBy('a')",  # outside a function
    ],
)
def test_code_without_anything_to_mutate_yields_no_mutant(text):
    assert mutations(text) == []


def test_every_exercise_has_mutants_with_unique_ids_and_equivalents_exist():
    made = []
    for exercise, (_, source) in solution_cells().items():
        mutants = exercise_mutants(exercise, source)
        assert mutants, f"{exercise} has no mutant"
        made += [m.id for m in mutants]
    assert len(made) == len(set(made))
    assert set(EQUIVALENT) <= set(made), sorted(set(EQUIVALENT) - set(made))
