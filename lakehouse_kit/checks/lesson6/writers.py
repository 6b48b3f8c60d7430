"""Lesson 6, exercise 5: concurrent writers (`retry_on_conflict`).

The check makes real conflicts: its `write` reads a scratch table with delta-rs, and another
writer commits a change to the same row before `write` commits its own, as a second job would.
Delta's conflict check then refuses the stale commit (CommitFailedError), on every profile."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from lakehouse_kit.checks.core import expect, passed, scratch_table, session

SOLUTION = (
    "for attempt in range(1, attempts + 1): try: return write() / except CommitFailedError: "
    "if attempt == attempts: raise"
)
DEFAULT_ATTEMPTS = 3  # the lesson's signature: retry_on_conflict(write, attempts=3)
RUNAWAY = 8  # calls after which the check's write stops a retry loop that never ends


class Runaway(BaseException):
    """Raised by the check's write when it is called far past `attempts`. Not an Exception, so
    an `except Exception` that retries forever cannot keep the check waiting."""


@dataclass
class Job:
    """A write of `hp` to Pokémon 1 of `table`; another job commits first on the calls in
    `beaten` (True: on every call). `fails` instead makes the write itself fail (a wrong
    schema), a mistake no retry can mend."""

    table: str
    hp: int
    beaten: set[int] | bool = field(default_factory=set)
    fails: bool = False
    calls: int = 0

    def write(self) -> int:
        from lakehouse_kit.delta_ops import delta_table

        self.calls += 1
        if self.calls > RUNAWAY:
            raise Runaway
        mine = delta_table(self.table)  # this job reads the table
        if self.fails:
            _append_wrong_schema(self.table)
        if self.beaten is True or self.calls in self.beaten:
            delta_table(self.table).update(updates={"hp": "1"}, predicate="id = 1")
        mine.update(updates={"hp": str(self.hp)}, predicate="id = 1")
        return self.hp


def _append_wrong_schema(table: str) -> None:
    import pyarrow as pa
    from deltalake import write_deltalake

    from lakehouse_kit.catalog import table_uri
    from lakehouse_kit.delta_ops import storage_options
    from lakehouse_kit.settings import load_settings

    settings = load_settings()
    write_deltalake(
        table_uri(table, settings, scheme="s3"),
        pa.table({"id": ["not a number"]}),
        mode="append",
        storage_options=storage_options(settings),
    )


def check_retry_on_conflict(retry_on_conflict: Callable, spark=None) -> None:
    """retry_on_conflict(write, attempts) calls write() again after a commit conflict, at most
    `attempts` times in all, returns what it returns, and lets the last conflict and any other
    error through."""
    spark = session(spark)
    with scratch_table(spark, "writers") as table:
        _create(table)
        _once_beaten(retry_on_conflict, table)
        _other_error(retry_on_conflict, table)
        for attempts in (None, 1):  # None: the default, 3
            _always_beaten(retry_on_conflict, table, attempts)
    passed(
        "retry_on_conflict tries again after a commit conflict, at most `attempts` times, "
        "and lets the last conflict and any other error through"
    )


def _create(table: str) -> None:
    import pyarrow as pa
    from deltalake import write_deltalake

    from lakehouse_kit.catalog import table_uri
    from lakehouse_kit.delta_ops import storage_options
    from lakehouse_kit.settings import load_settings

    settings = load_settings()
    rows = pa.table({"id": [1, 4, 7], "hp": [45, 39, 44]})
    write_deltalake(
        table_uri(table, settings, scheme="s3"), rows, storage_options=storage_options(settings)
    )


def _run(
    retry_on_conflict: Callable, job: Job, attempts: int | None
) -> tuple[object, BaseException | None]:
    """What retry_on_conflict gave back and what it raised (None: nothing); `attempts` None:
    called without it."""
    given = {} if attempts is None else {"attempts": attempts}
    try:
        return retry_on_conflict(job.write, **given), None
    except Runaway as runaway:
        return None, runaway
    except Exception as error:  # noqa: BLE001 - what it raised is judged
        return None, error


def _hp(table: str) -> int:
    from lakehouse_kit.delta_ops import delta_table

    rows = delta_table(table).to_pyarrow_table().to_pylist()
    return next(row["hp"] for row in rows if row["id"] == 1)


def _once_beaten(retry_on_conflict: Callable, table: str) -> None:
    from deltalake.exceptions import CommitFailedError

    job = Job(table, hp=60, beaten={1})
    call = "retry_on_conflict(write, attempts=4), another job committing first once"
    got, error = _run(retry_on_conflict, job, 4)
    _expect_no_runaway(call, job, error)
    expect(
        not isinstance(error, CommitFailedError),
        f"{call}: the first conflict ended the write ({_first_line(error)}).",
        "Catch deltalake.exceptions.CommitFailedError and call write() again: it reads the "
        "table anew, with the other job's commit. " + SOLUTION,
    )
    expect(
        error is None,
        f"{call} raised {type(error).__name__}: {_first_line(error)}.",
        SOLUTION,
    )
    expect(
        job.calls == 2 and _hp(table) == job.hp,
        f"{call} called write() {job.calls} times; once more after the conflict is enough.",
        SOLUTION,
    )
    expect(
        got == job.hp,
        f"{call} returned {got!r}, not what write() returned ({job.hp}).",
        "Return the result of the write that committed: return write().",
    )


def _other_error(retry_on_conflict: Callable, table: str) -> None:
    job = Job(table, hp=61, fails=True)
    call = "retry_on_conflict(write, attempts=3) with a write that appends a wrong schema"
    _, error = _run(retry_on_conflict, job, 3)
    _expect_no_runaway(call, job, error)
    expect(
        job.calls == 1,
        f"{call} retried a {type(error).__name__ if error else 'failure'}: write() ran "
        f"{job.calls} times.",
        "Only a commit conflict is worth another try: catch CommitFailedError, not Exception "
        "or DeltaError; a wrong schema fails the same way every time.",
    )
    expect(
        error is not None,
        f"{call} returned as if it had written: the write's error was swallowed.",
        "Let every error other than a commit conflict through (no bare except).",
    )


def _always_beaten(retry_on_conflict: Callable, table: str, attempts: int | None) -> None:
    job = Job(table, hp=62, beaten=True)
    given = "" if attempts is None else f", attempts={attempts}"
    call = f"retry_on_conflict(write{given}), another job always committing first"
    _, error = _run(retry_on_conflict, job, attempts)
    _expect_no_runaway(call, job, error)
    want = DEFAULT_ATTEMPTS if attempts is None else attempts
    expect(
        job.calls == want,
        f"{call} called write() {job.calls} times, not {want}.",
        "`attempts` counts every call, the first one too, and is 3 unless given: "
        "def retry_on_conflict(write, attempts: int = 3). " + SOLUTION,
    )
    expect(
        error is not None,
        f"{call} returned after the last conflict without raising: the caller would believe "
        "the write was made.",
        "After the last attempt, raise the conflict: " + SOLUTION,
    )


def _expect_no_runaway(call: str, job: Job, error: BaseException | None) -> None:
    expect(
        not isinstance(error, Runaway),
        f"{call} kept calling write(): {job.calls} calls and still going.",
        "Stop after `attempts` calls: " + SOLUTION,
    )


def _first_line(error: BaseException | None) -> str:
    return (str(error).splitlines() or [""])[0][:120] if error else ""
