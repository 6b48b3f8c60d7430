"""Lesson 6's upkeep exercises: maintenance in the JVM engine's SQL, judged on the embedded engine
by reading each statement and doing it with delta_ops (and on the JVM, in test_stack.py, as SQL)."""

from __future__ import annotations

import pytest
from catalogue import alternative, fails_with_hint, mistake, valid, wrong

from lakehouse_kit import checks
from lakehouse_kit.checks.lesson6.maintenance import read_statement

# ---------------------------------------------------------------- maintenance_sql


def _sql(optimize: str, vacuum: str, history: str):
    """An answer from three templates over {table} and {hours} / {days}."""

    def maintenance_sql(table, retention_days):
        values = {"table": table, "days": retention_days, "hours": retention_days * 24}
        return [t.format(**values) for t in (optimize, vacuum, history)]

    return maintenance_sql


OPTIMIZE, HISTORY = "OPTIMIZE {table}", "DESCRIBE HISTORY {table}"
VACUUM = "VACUUM {table} RETAIN {hours} HOURS"

alternative("maintenance_sql", name="lower_case_with_semicolons")(
    _sql("optimize {table};", "vacuum {table} retain {hours} hours;", "describe history {table};")
)


@alternative("maintenance_sql")
def backticks_and_a_limit(table, retention_days):
    quoted = ".".join(f"`{part}`" for part in table.split("."))
    hours = retention_days * 24
    return [
        f"OPTIMIZE {quoted}",
        f"VACUUM {quoted} RETAIN {hours} HOURS",
        f"DESC HISTORY {table} LIMIT 10",
    ]


alternative("maintenance_sql", name="comments_and_line_breaks")(
    _sql("-- compact\nOPTIMIZE\n  {table}", "VACUUM {table}\n  RETAIN {hours} HOURS", HISTORY)
)


@alternative("maintenance_sql")
def a_tuple_with_hours_from_a_timedelta(table, retention_days):
    from datetime import timedelta

    hours = int(timedelta(days=retention_days).total_seconds() // 3600)
    return (
        f"OPTIMIZE {table}",
        f"VACUUM {table} RETAIN {hours} HOURS",
        f"DESCRIBE HISTORY {table}",
    )


@alternative("maintenance_sql")
def the_table_by_its_location(table, retention_days):
    from lakehouse_kit.catalog import table_uri

    where = f"delta.`{table_uri(table)}`"
    return [
        f"OPTIMIZE {where}",
        f"VACUUM {where} RETAIN {retention_days * 24} HOURS",
        HISTORY.format(table=table),
    ]


mistake("maintenance_sql", hint="days given as hours", name="days_as_hours")(
    _sql(OPTIMIZE, "VACUUM {table} RETAIN {days} HOURS", HISTORY)
)
mistake("maintenance_sql", hint="RETAIN 0 HOURS is refused without the override", name="retain_0")(
    _sql(OPTIMIZE, "VACUUM {table} RETAIN 0 HOURS", HISTORY)
)
mistake("maintenance_sql", hint="DESCRIBE DETAIL", name="detail_not_history")(
    _sql(OPTIMIZE, VACUUM, "DESCRIBE DETAIL {table}")
)
mistake("maintenance_sql", hint="not the table it is given", name="the_lesson_table_typed_in")(
    _sql("OPTIMIZE silver.pokemon", VACUUM, HISTORY)
)
mistake("maintenance_sql", hint="VACUUM without RETAIN", name="retention_left_out")(
    _sql(OPTIMIZE, "VACUUM {table}", HISTORY)
)
mistake("maintenance_sql", hint="are not the 10 days", name="seven_days_typed_in")(
    _sql(OPTIMIZE, "VACUUM {table} RETAIN 168 HOURS", HISTORY)
)
mistake("maintenance_sql", hint="DRY RUN only lists", name="a_dry_run")(
    _sql(OPTIMIZE, VACUUM + " DRY RUN", HISTORY)
)
mistake("maintenance_sql", hint="Compact first", name="vacuum_before_optimize")(
    _sql(VACUUM, OPTIMIZE, HISTORY)
)
mistake("maintenance_sql", hint="Read the history last", name="history_first")(
    _sql(HISTORY, OPTIMIZE, VACUUM)
)
mistake("maintenance_sql", hint="Trino's SQL", name="trino_s_optimize")(
    _sql("ALTER TABLE {table} EXECUTE optimize", VACUUM, HISTORY)
)
mistake("maintenance_sql", hint="not OPTIMIZE, VACUUM or DESCRIBE HISTORY", name="delta_ops_calls")(
    _sql("delta_ops.compact('{table}')", VACUUM, HISTORY)
)
mistake("maintenance_sql", hint="0 DESCRIBE HISTORY statements", name="history_left_out")(
    lambda table, retention_days: [
        f"OPTIMIZE {table}",
        f"VACUUM {table} RETAIN {retention_days * 24} HOURS",
    ]
)
mistake("maintenance_sql", hint="not a list of statements", name="one_string")(
    lambda table, retention_days: (
        f"OPTIMIZE {table}; VACUUM {table} RETAIN {retention_days * 24} HOURS"
    )
)


def test_maintenance_sql_solution_passes(spark, capsys):
    from solution_code import solution

    checks.check_maintenance_sql(solution("06", spark=spark)["maintenance_sql"], spark)
    assert "done with delta_ops by the embedded engine" in capsys.readouterr().out


@pytest.mark.parametrize("answer", valid("maintenance_sql"), ids=str)
def test_valid_maintenance_sql_pass(spark, answer):
    checks.check_maintenance_sql(answer.function, spark)


@pytest.mark.parametrize("answer", wrong("maintenance_sql"), ids=str)
def test_wrong_maintenance_sql_fail_with_their_hint(spark, answer):
    error = fails_with_hint(checks.check_maintenance_sql, answer.function, spark)
    assert answer.hint in error.message + error.fix


mistake("maintenance_sql", hint="not the table it is given", name="one_pair_of_backticks")(
    _sql("OPTIMIZE `{table}`", VACUUM, HISTORY)  # one name with a dot in it, for the engine
)


def test_the_statements_are_read_whatever_their_spelling():
    assert read_statement("vacuum `silver`.`t` FULL retain 240 hours dry run;").hours == 240
    assert read_statement("DESC HISTORY silver.t LIMIT 2").limit == 2
    assert read_statement("OPTIMIZE TABLE silver.t").kind is None  # not Delta's grammar
    assert read_statement("VACUUM silver.t RETAIN 7 DAYS").kind is None  # hours only
    assert read_statement("VACUUM silver.t RETAIN 168 HOUR").kind is None  # HOURS, as Delta says


# ---------------------------------------------------------------- retry_on_conflict


@alternative("retry_on_conflict")
def a_while_loop_with_a_counter(write, attempts=3):
    from deltalake.exceptions import CommitFailedError

    tried = 0
    while True:
        tried += 1
        try:
            return write()
        except CommitFailedError:
            if tried >= attempts:
                raise


@alternative("retry_on_conflict")
def recursion_with_a_backoff(write, attempts=3):
    import time

    from deltalake.exceptions import CommitFailedError

    try:
        return write()
    except CommitFailedError:
        if attempts <= 1:
            raise
        time.sleep(0.01)
        return recursion_with_a_backoff(write, attempts - 1)


@alternative("retry_on_conflict")
def delta_errors_sorted_and_the_last_wrapped(write, attempts=3):
    from deltalake.exceptions import CommitFailedError, DeltaError

    for attempt in range(attempts):
        try:
            return write()
        except DeltaError as error:
            if not isinstance(error, CommitFailedError):
                raise
            if attempt == attempts - 1:
                raise RuntimeError(f"gave up after {attempts} conflicts") from error


mistake("retry_on_conflict", hint="the first conflict ended the write", name="no_retry")(
    lambda write, attempts=3: write()
)


@mistake("retry_on_conflict", hint="Only a commit conflict is worth another try")
def every_error_retried(write, attempts=3):
    for attempt in range(attempts):
        try:
            return write()
        except Exception:
            if attempt == attempts - 1:
                raise


@mistake("retry_on_conflict", hint="not Exception or DeltaError")
def every_delta_error_retried(write, attempts=3):
    from deltalake.exceptions import DeltaError

    for attempt in range(attempts):
        try:
            return write()
        except DeltaError:
            if attempt == attempts - 1:
                raise


@mistake("retry_on_conflict", hint="called write() 3 times, not 1")
def three_tries_typed_in(write, attempts=3):
    from deltalake.exceptions import CommitFailedError

    for attempt in range(3):
        try:
            return write()
        except CommitFailedError:
            if attempt == 2:
                raise


@mistake("retry_on_conflict", hint="and is 3 unless given", name="another_default")
def four_attempts_by_default(write, attempts=4):
    from deltalake.exceptions import CommitFailedError

    for attempt in range(1, attempts + 1):
        try:
            return write()
        except CommitFailedError:
            if attempt == attempts:
                raise


@mistake("retry_on_conflict", hint="the first one too")
def attempts_retries_after_the_first(write, attempts=3):
    from deltalake.exceptions import CommitFailedError

    for _ in range(attempts):
        try:
            return write()
        except CommitFailedError:
            pass
    return write()


@mistake("retry_on_conflict", hint="without raising")
def the_last_conflict_swallowed(write, attempts=3):
    from deltalake.exceptions import CommitFailedError

    for _ in range(attempts):
        try:
            return write()
        except CommitFailedError:
            continue
    return None


@mistake("retry_on_conflict", hint="kept calling write()")
def retried_until_it_works(write, attempts=3):
    from deltalake.exceptions import CommitFailedError

    while True:
        try:
            return write()
        except CommitFailedError:
            continue


@mistake("retry_on_conflict", hint="swallowed")
def every_error_swallowed(write, attempts=3):
    from deltalake.exceptions import CommitFailedError

    for _ in range(attempts):
        try:
            return write()
        except CommitFailedError:
            continue
        except Exception:
            return None
    raise CommitFailedError("gave up")


@mistake("retry_on_conflict", hint="not what write() returned")
def the_result_dropped(write, attempts=3):
    from deltalake.exceptions import CommitFailedError

    for attempt in range(attempts):
        try:
            write()
            return None
        except CommitFailedError:
            if attempt == attempts - 1:
                raise


def test_retry_on_conflict_solution_passes(spark):
    from solution_code import solution

    checks.check_retry_on_conflict(solution("06", spark=spark)["retry_on_conflict"], spark)


@pytest.mark.parametrize("answer", valid("retry_on_conflict"), ids=str)
def test_valid_retries_pass(spark, answer):
    checks.check_retry_on_conflict(answer.function, spark)


@pytest.mark.parametrize("answer", wrong("retry_on_conflict"), ids=str)
def test_wrong_retries_fail_with_their_hint(spark, answer):
    error = fails_with_hint(checks.check_retry_on_conflict, answer.function, spark)
    assert answer.hint in error.message + error.fix
