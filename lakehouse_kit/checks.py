"""Exercise checks: each passes with a short ✓ or fails with what is wrong and a hint.

They test real table contents (counts that add up, schemas, unique keys, invariants). Each
takes optional arguments so a test can hand it a wrong answer; without them it reads the
tables, which is how `lakehouse progress` runs them.
"""

from __future__ import annotations

import json
from collections.abc import Callable

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


def manifest() -> dict:
    return json.loads((load_settings().data_dir / "manifest.json").read_text(encoding="utf-8"))


def landing_lines(name: str, batch: int) -> list[str]:
    """The non-blank lines of a landing file, as committed under data/."""
    path = load_settings().data_dir / "landing" / f"batch_{batch:03d}" / f"{name}.jsonl"
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


# ---------------------------------------------------------------- lesson 1


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


# ---------------------------------------------------------------- progress

CHECKS: dict[str, tuple[str, Callable[[], None]]] = {
    "bronze tables": ("02", lambda: check_bronze()),
}


def register(name: str, lesson: str):
    """Add a table-based check to `lakehouse progress`."""
    def wrap(func):
        CHECKS[name] = (lesson, func)
        return func
    return wrap


def show_progress(console) -> int:
    from rich.table import Table

    table = Table("lesson", "exercise", "state", "hint", title="Your progress")
    passing = 0
    for name, (lesson, check) in CHECKS.items():
        try:
            check()
            state, hint = "[green]passes[/]", ""
            passing += 1
        except KitError as failure:
            state, hint = "[red]not yet[/]", failure.fix or failure.message
        table.add_row(lesson, name, state, hint)
    console.print(table)
    console.print(f"{passing} of {len(CHECKS)} exercises pass.")
    return 0
