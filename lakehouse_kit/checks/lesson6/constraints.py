"""Lesson 6, exercise 4: a CHECK constraint, added once (`add_constraint`)."""

from __future__ import annotations

from collections.abc import Callable

from lakehouse_kit.checks.core import (
    engine_errors,
    expect,
    passed,
    scratch_table,
    session,
)


def check_constraint(
    add_constraint: Callable | None = None,
    spark=None,
    table: str = "silver.pokemon",
    name: str = "hp_in_range",
    condition: str = "hp BETWEEN 1 AND 255",
) -> None:
    """add_constraint, run twice on a scratch table with another name and condition, adds that
    constraint once; the table has the lesson's constraint."""
    from lakehouse_kit.delta_ops import constraints

    spark = session(spark)
    if add_constraint is not None:
        _check_add_constraint(add_constraint, spark)
    present = constraints(table)
    expect(
        name in present,
        f"{table} has no constraint {name} (it has {sorted(present) or 'none'}).",
        f'spark.sql("ALTER TABLE {table} ADD CONSTRAINT {name} CHECK ({condition})").',
    )
    passed(f"{table} enforces {name}: {present[name]}")


# add_constraint on a scratch table: a constraint, the same again (a re-run must change
# nothing), then another while the table has one (only the name given decides).
CONSTRAINT_CALLS = (
    ("weight_positive", "weight_kg > 0"),
    ("weight_positive", "weight_kg > 0"),
    ("hp_known", "hp IS NOT NULL"),
)
ALTER = "spark.sql(f'ALTER TABLE {table} ADD CONSTRAINT {name} CHECK ({condition})')"


def _check_add_constraint(add_constraint: Callable, spark) -> None:
    from lakehouse_kit.delta_ops import constraints
    from lakehouse_kit.spark import save_table

    with scratch_table(spark, "constraint") as table:
        rows = spark.createDataFrame([(1, 45, 6.9)], "id INT, hp INT, weight_kg DOUBLE")
        save_table(rows, table)
        added: dict[str, str] = {}
        for name, condition in CONSTRAINT_CALLS:
            call = f"add_constraint(spark, table, {name!r}, {condition!r})"
            again = name in added
            with engine_errors(
                f"{call} a second time" if again else call,
                "Add the constraint only when its name is not in delta_ops.constraints(table)."
                if again
                else f"Run {ALTER}.",
            ):
                add_constraint(spark, table, name, condition)
            added[name] = condition
            _judge_constraints(call, constraints(table), added, name)
    with scratch_table(spark, "constraint_b") as other:  # another table: `table` decides
        save_table(rows, other)
        name, condition = CONSTRAINT_CALLS[0]
        call = f"add_constraint(spark, another_table, {name!r}, {condition!r})"
        with engine_errors(call, f"Run {ALTER}."):
            add_constraint(spark, other, name, condition)
        expect(
            name in constraints(other),
            f"{call} added nothing to that table.",
            "Use the `table` you are given: " + ALTER + ".",
        )
    passed("add_constraint adds the constraint it is given, once, beside the table's others")


def _judge_constraints(call: str, present: dict, added: dict, name: str) -> None:
    new = sorted(set(present) - set(added))
    expect(
        name in present or not new,
        f"{call} added the constraint {new}, not one named {name!r}.",
        "Use the `name` you are given: " + ALTER + ".",
    )
    others = sorted(set(added) - {name})
    expect(
        name in present,
        f"{call} added no constraint"
        + (f" to a table that already has {others}." if others else "."),
        "Test for this name only: add it when `name` is not in delta_ops.constraints(table)."
        if others
        else f"Run {ALTER}.",
    )
    expect(
        _condition(present[name]) == _condition(added[name]),
        f"{call} made {name} check {present[name]!r}, not the condition it is given.",
        "Use the `condition` you are given: " + ALTER + ".",
    )
    lost = sorted(set(added) - set(present))
    expect(not lost, f"{call} removed the constraints {lost}.", "Only add: " + ALTER + ".")


def _condition(text: str) -> str:
    """A condition as compared: case, spaces and outer parentheses do not matter."""
    text = "".join(text.lower().split())
    while text.startswith("(") and _closing(text) == len(text) - 1:
        text = text[1:-1]
    return text


def _closing(text: str) -> int:
    """Where the parenthesis that opens `text` closes."""
    depth = 0
    for at, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0:
            return at
    return -1
