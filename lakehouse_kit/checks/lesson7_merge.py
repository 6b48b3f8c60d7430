"""Lesson 7's MERGE exercise: an upsert that keeps the newest row per key, judged on scratch
tables with the lesson's key and version and with another pair."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from lakehouse_kit.checks.core import engine_errors, expect, passed, scratch_table, session

DUPLICATES_HINT = (
    "Two source rows for one key make MERGE fail: keep one row per key first "
    "(row_number() over a window by key, newest version first)."
)


@dataclass(frozen=True)
class NewerCase:
    """A scratch target and a source DataFrame for upsert_newer, called with `key` and `version`
    (None: the lesson's call, without them). Each row's `value` names it. `decoys` are the
    columns a learner might match on, or compare, instead: (key, version)."""

    schema: str
    target: list[tuple]
    source: list[tuple]
    key: str | None = None
    version: str | None = None
    decoys: tuple[str, str] | None = None

    @property
    def columns(self) -> list[str]:
        return [column.split()[0] for column in self.schema.split(", ")]

    @property
    def names(self) -> tuple[str, str]:
        return self.key or "id", self.version or "_batch_id"

    @property
    def call(self) -> str:
        given = "" if self.key is None else f", key={self.key!r}, version={self.version!r}"
        return f"upsert_newer(spark, target, source{given})"

    def allowed(self, key: str, version: str) -> dict:
        """Per key, the rows the table may hold after the upsert: the newest source row (any
        of a tie) when newer than the target's, else the target's."""
        at, v = self.columns.index(key), self.columns.index(version)
        newest: dict = {}
        for row in self.source:
            best = newest.get(row[at], [])
            if not best or row[v] > best[0][v]:
                newest[row[at]] = [row]
            elif row[v] == best[0][v]:
                best.append(row)
        allowed = {k: set(rows) for k, rows in newest.items()}
        for row in self.target:
            best = newest.get(row[at])
            if best is None or best[0][v] <= row[v]:
                allowed[row[at]] = {row}
        return allowed

    def outcome(self, key: str, version: str) -> list[tuple] | None:
        """The one table a MERGE on `key`, comparing `version`, leaves (None: ties allow more)."""
        allowed = self.allowed(key, version).values()
        return (
            sorted(next(iter(rows)) for rows in allowed)
            if all(len(r) == 1 for r in allowed)
            else None
        )


NEWER_CASES = (
    NewerCase(  # the lesson's call: key id, version _batch_id
        "id INT, value STRING, _batch_id INT",
        target=[(1, "current", 2), (2, "old", 1), (4, "same", 2)],
        source=[
            (1, "stale", 1),  # older than the target's row: must not win
            (2, "freshest", 3),  # two rows for key 2: the newest wins
            (2, "fresh", 2),
            (3, "newer", 2),  # a new key delivered twice: inserted once, the newer row
            (3, "first", 1),
            (4, "same again", 2),  # only as new as the target's: the target's stays
            (5, "tie a", 2),  # a new key twice in one delivery, as new: one of them
            (5, "tie b", 2),
        ],
    ),
    NewerCase(  # another key and version; `id` and `_batch_id` tell another story
        "code STRING, id INT, value STRING, seq INT, _batch_id INT",
        target=[
            ("k1", 1, "t1 current", 5, 1),
            ("k2", 2, "t2 old", 1, 9),
            ("k4", 4, "t4 kept", 3, 1),
        ],
        source=[
            ("k1", 11, "s1 stale", 3, 7),
            ("k2", 13, "s2 newest", 4, 2),
            ("k2", 12, "s2 older", 2, 8),
            ("k3", 14, "s3 middle", 2, 4),  # first of its key: neither oldest nor newest
            ("k3", 15, "s3 oldest", 1, 6),
            ("k3", 16, "s3 newest", 6, 3),
        ],
        key="code",
        version="seq",
        decoys=("id", "_batch_id"),
    ),
)


def check_upsert_newer(upsert_newer: Callable, spark=None) -> None:
    """On scratch tables, with the lesson's defaults and with another key and version: the
    newest source row per key wins, stale rows are skipped, new keys inserted once."""
    spark = session(spark)
    for number, case in enumerate(NEWER_CASES):
        _judge_newer(case, _try_newer(upsert_newer, spark, case, number))
    passed(
        "stale rows skipped, the newest duplicate kept, new keys inserted once "
        "(with the defaults, and with another key and version)"
    )


def _try_newer(upsert_newer: Callable, spark, case: NewerCase, number: int) -> list[tuple]:
    from lakehouse_kit.spark import save_table

    given = {} if case.key is None else {"key": case.key, "version": case.version}
    source = spark.createDataFrame(case.source, case.schema)
    # Another table name in every case: a target typed into the code writes to a table that is gone.
    with scratch_table(spark, f"upsert_target_{number}") as target:
        save_table(spark.createDataFrame(case.target, case.schema), target)
        # The engine refuses two source rows matching one target row; its message varies.
        with engine_errors(f"The MERGE of {case.call}", DUPLICATES_HINT):
            upsert_newer(spark, target, source, **given)
            return sorted(tuple(r) for r in spark.table(target).select(*case.columns).collect())


def _judge_newer(case: NewerCase, rows: list[tuple]) -> None:
    key, version = case.names
    allowed = case.allowed(key, version)
    at, v = case.columns.index(key), case.columns.index(version)
    if sorted(row[at] for row in rows) == sorted(allowed) and all(
        row in allowed[row[at]] for row in rows
    ):
        return
    if case.decoys:
        decoy_key, decoy_version = case.decoys
        expect(
            rows != case.outcome(decoy_key, version),
            f"{case.call} matched rows on {decoy_key}, not on the key it is given ({key}).",
            f"Use `key` for the window and the MERGE: ON t.{{key}} = s.{{key}} (here {key}).",
        )
        expect(
            rows != case.outcome(key, decoy_version),
            f"{case.call} took {decoy_version} as the version, not the column it is given "
            f"({version}).",
            "Order the window by `version` and compare it: s.{version} > t.{version}.",
        )
    _judge_keys(case, rows, allowed, at, v)
    _judge_rows(case, rows, allowed, at, v)
    expect(
        False,
        f"{case.call} left {rows}.",
        "Keep the newest source row per key, update only older target rows, insert new keys.",
    )


def _judge_keys(case: NewerCase, rows: list[tuple], allowed: dict, at: int, v: int) -> None:
    key, version = case.names
    keys = [row[at] for row in rows]
    twice = sorted({k for k in keys if keys.count(k) > 1})
    beside = [k for k in twice if any(row in case.target for row in rows if row[at] == k)]
    expect(
        not beside,
        f"After {case.call} keys {beside} hold a source row beside the target's: the MERGE "
        "matched nothing on them.",
        f"Match on `key`: ON t.{{key}} = s.{{key}} (here {key}).",
    )
    tied = [k for k in twice if len({row[v] for row in rows if row[at] == k}) == 1]
    expect(
        not tied,
        f"After {case.call} keys {tied} are in the table twice: source rows with the same "
        f"{version} were all kept.",
        "Keep exactly one row per key, even when versions tie: row_number(), not rank() or a "
        "join on the highest version.",
    )
    expect(
        not twice,
        f"After {case.call} keys {twice} are in the table more than once: duplicate source rows "
        "were inserted.",
        "De-duplicate the source before the MERGE: keep the newest row per key.",
    )
    target_keys = {row[at] for row in case.target}
    missing = sorted(set(allowed) - set(keys))
    expect(
        not set(missing) & target_keys,
        f"{case.call} removed {sorted(set(missing) & target_keys)} from the target.",
        "Only merge: rows the source does not mention stay as they are.",
    )
    expect(
        not missing,
        f"{case.call} did not insert the new keys {missing}.",
        "Insert new keys: WHEN NOT MATCHED THEN INSERT *, from the de-duplicated source.",
    )


def _judge_rows(case: NewerCase, rows: list[tuple], allowed: dict, at: int, v: int) -> None:
    key, version = case.names
    condition = f"WHEN MATCHED AND s.{version} > t.{version} THEN UPDATE SET *"
    targets = {row[at]: row for row in case.target}
    for row in rows:
        k, sources = row[at], [s for s in case.source if s[at] == row[at]]
        if row in allowed.get(k, ()):
            continue
        old = targets.get(k)
        expect(
            old is None or row not in sources or row[v] >= old[v],
            f"Key {k!r} holds {row}: an older source row overwrote a newer one ({old}).",
            f"Update only when the source row is newer: {condition}.",
        )
        expect(
            old is None or row not in sources or row[v] != old[v],
            f"Key {k!r} holds {row}, a source row only as new as the target's ({old}).",
            f"Update only when the source row is newer (>, not >=): {condition}.",
        )
        expect(
            row != old,
            f"Key {k!r} keeps {old}, though the source has a newer row.",
            f"Update when the source row is newer: {condition}.",
        )
        expect(
            len(sources) < 2 or row[v] != min(s[v] for s in sources),
            f"Key {k!r} holds {row}, the oldest of its source rows, not the newest.",
            f"Order the window by {version} descending: F.col(version).desc().",
        )
        expect(
            row not in sources,
            f"Key {k!r} holds {row}, one of its source rows but not the newest.",
            "Keep the row with the highest version: row_number() over a window by key, ordered "
            "by version descending, then _n = 1 (dropDuplicates keeps any row).",
        )
