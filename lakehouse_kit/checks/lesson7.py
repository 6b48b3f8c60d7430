"""Lesson 7 (production Delta): new source fields surfaced, and the declared and evolved
sandbox table. The MERGE exercise is in `lesson7_merge`, the change feed and the type change in
`lesson7_changes`."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable

from lakehouse_kit.checks.core import (
    columns_present,
    engine_errors,
    expect,
    passed,
    read_table,
    session,
)
from lakehouse_kit.checks.landing import manifest

LESSON = "07"
SANDBOX = "silver.pokemon_by_generation"


def extra_fields(batches) -> dict[str, int]:
    """The unexpected top-level fields the landing data carries in these batches, with counts."""
    found: dict[str, int] = {}
    for defect in manifest()["defects"]:
        batch = int(defect["file"].split("/")[0].removeprefix("batch_"))
        if defect["kind"] == "extra_field" and defect["file"].endswith("pokemon.jsonl"):
            if batch in batches:
                field = re.search(r"field '([^']+)'", defect["detail"]).group(1)
                found[field] = found.get(field, 0) + 1
    return found


# What lesson 3 parses: the lesson's `expected` for bronze.pokemon.
POKEMON_FIELDS = [
    "id", "name", "generation", "height", "weight", "base_experience", "is_legendary", "types",
    "stats", "moves",
]  # fmt: skip
# unexpected_fields is also run on these Bronze lines, with another `expected`: (raw, batch,
# flagged malformed). A field may sit on lines of two batches, nested, or on a flagged line.
SCRATCH_EXPECTED = ["id", "name", "types"]
SCRATCH_LINES = [
    ('{"id": 1, "name": "a", "types": [], "shiny": true}', 1, False),
    ('{"id": 2, "name": "b", "shiny": false, "nickname": "Bee"}', 1, False),
    ('{"id": 3, "name": "c", "types": ["fire"], "stats": {"shiny": 1}}', 2, False),
    ('{"id": 4, "name": "d", "shiny": true, "weight": 5, "stats": {}}', 2, False),
    ('{"id": 5, "name": "e", "ghost": 1}', 2, True),  # flagged: not a well-formed line
    ('{"id": 6, "name": ', 2, True),
]
FIELDS_HINT = (
    "Explode F.json_object_keys('raw') of the well-formed lines, keep the names not in "
    "`expected`, and count the lines per name: columns field, lines."
)


def unexpected_counts(lines, expected, malformed_too: bool = False) -> dict[str, int]:
    """The answer key: for each field name not in `expected`, how many lines carry it. `lines`
    are (field names or None, flagged malformed) pairs; flagged lines count only if told."""
    return dict(
        Counter(
            name
            for names, malformed in lines
            if malformed_too or not malformed
            for name in names or ()
            if name not in expected
        )
    )


def _as_counts(found) -> list[tuple[str, int | None]]:
    """The learner's answer as (field, lines or None) pairs: a DataFrame (Spark or pandas) with
    a `field` column and a count, a dict, or a list of names (counts missing)."""
    if hasattr(found, "toPandas"):
        found = found.toPandas()
    if hasattr(found, "columns"):  # pandas
        names = "field" if "field" in found.columns else found.columns[0]
        numbers = [c for c in found.columns if c != names and str(found[c].dtype).startswith("int")]
        return [
            (str(row[names]), int(row[numbers[0]]) if numbers else None)
            for _, row in found.iterrows()
        ]
    if isinstance(found, dict):
        return [(str(k), int(v) if isinstance(v, int) else None) for k, v in found.items()]
    return [(str(name), None) for name in found]


def check_unexpected_fields(
    found,
    spark=None,
    unexpected_fields: Callable | None = None,
    bronze=None,
    expected: list[str] = POKEMON_FIELDS,
) -> None:
    """The answer for bronze.pokemon (`found`), then unexpected_fields run on Bronze lines the
    batch does not hold, with another `expected`: every field not in `expected`, once, with the
    number of well-formed lines that carry it."""
    from pyspark.sql import functions as F

    spark = session(spark)
    if bronze is None:
        bronze = read_table(spark, "bronze.pokemon", "Run lesson 2 to build Bronze.")
    # Judged first: a learner's temporary view, reused by the run below, is read lazily.
    rows = bronze.select(F.json_object_keys("raw").alias("keys"), "_is_malformed").collect()
    lines = [(row["keys"], row["_is_malformed"]) for row in rows]
    _judge_fields("The answer for bronze.pokemon", _as_counts(found), lines, expected)
    if unexpected_fields is not None:
        _check_on_scratch_lines(unexpected_fields, spark)
    want = unexpected_counts(lines, expected)
    passed(f"surfaced {', '.join(f'{f} ({n} lines)' for f, n in want.items()) or 'nothing'}")


def _check_on_scratch_lines(unexpected_fields: Callable, spark) -> None:
    import datetime

    rows = [
        (raw, batch, f"batch_{batch:03d}/pokemon.jsonl", datetime.datetime(2026, 1, batch), bad)
        for raw, batch, bad in SCRATCH_LINES
    ]
    bronze = spark.createDataFrame(
        rows,
        "raw STRING, _batch_id INT, _source_file STRING, _ingested_at TIMESTAMP, "
        "_is_malformed BOOLEAN",
    )
    call = f"unexpected_fields(bronze, {SCRATCH_EXPECTED})"
    with engine_errors(call, FIELDS_HINT):
        got = _as_counts(unexpected_fields(bronze, SCRATCH_EXPECTED))
    lines = [(_object_keys(raw), bad) for raw, _, bad in SCRATCH_LINES]
    _judge_fields(call, got, lines, SCRATCH_EXPECTED)


def _object_keys(raw: str) -> list[str] | None:
    """A line's top-level field names, as F.json_object_keys gives them (None: not an object)."""
    try:
        found = json.loads(raw)
    except ValueError:
        return None
    return list(found) if isinstance(found, dict) else None


def _judge_fields(what: str, got: list[tuple[str, int | None]], lines, expected) -> None:
    """Name the mistake: `got` (field, lines) against the answer key of `lines` (field names,
    flagged malformed) for `expected`."""
    want = unexpected_counts(lines, expected)
    names = {field for field, _ in got}
    ignored = unexpected_counts(lines, POKEMON_FIELDS)
    expect(
        expected == POKEMON_FIELDS or names != set(ignored) or names == set(want),
        f"{what} lists {sorted(names)}: it ignores its `expected` argument.",
        "Keep the names not in the `expected` you are given: ~F.col('field').isin(expected).",
    )
    flagged = unexpected_counts(lines, expected, malformed_too=True)
    expect(
        names != set(flagged) or names == set(want),
        f"{what} lists {sorted(names)}, with fields of lines flagged _is_malformed.",
        "Look at the well-formed lines only: filter(~F.col('_is_malformed')) first.",
    )
    expect(
        not names or not names <= set(expected),
        f"{what} lists {sorted(names)}: fields `expected` names, not those it does not.",
        "Keep the names NOT in `expected`: ~F.col('field').isin(expected).",
    )
    missing = sorted(set(want) - names)
    expect(
        not missing,
        f"{what} does not list {missing}, which {sum(want[f] for f in missing)} lines carry.",
        FIELDS_HINT,
    )
    extra = sorted(names - set(want))
    expect(
        not extra,
        f"{what} lists {extra} as unexpected, but `expected` names them or no well-formed line "
        "has them.",
        "Keep only the field names NOT in `expected`: ~F.col('field').isin(expected).",
    )
    listed = [field for field, _ in got]
    twice = sorted({field for field in listed if listed.count(field) > 1})
    expect(
        not twice,
        f"{what} lists {twice} more than once.",
        "One row per field: group the exploded names by field only, and count.",
    )
    expect(
        all(count is not None for _, count in got),
        f"{what} lists the names without the number of lines that carry each.",
        "Count them: .groupBy('field').agg(F.count('*').alias('lines')).",
    )
    wrong = {field: n for field, n in got if n != want[field]}
    expect(
        not wrong,
        f"{what} counts {wrong}; the lines that carry each are {want}.",
        "Count one row per (line, field): group the exploded names by field and count.",
    )


def check_sandbox(spark=None, table: str = SANDBOX) -> None:
    """The sandbox: partitioned by generation, every Pokémon once, the new column evolved in
    and filled for every nicknamed Pokémon."""
    from lakehouse_kit.delta_ops import delta_table

    spark = session(spark)
    df = read_table(spark, table, "Run the cells of lesson 7 from the top.")
    columns_present(df, ["id", "generation", "nickname"], table)
    partitions = delta_table(table).metadata().partition_columns
    expect(
        list(partitions) == ["generation"],
        f"{table} is partitioned by {list(partitions) or 'nothing'}.",
        "Declare it with PARTITIONED BY (generation) in CREATE OR REPLACE TABLE.",
    )
    rows, ids = df.count(), df.select("id").distinct().count()
    expect(
        rows == ids,
        f"{table} has {rows} rows for {ids} ids.",
        "Re-run the lesson from the top.",
    )
    want = extra_fields({1, 2})
    nicknamed = df.filter("nickname IS NOT NULL").count()
    expect(
        nicknamed == sum(want.values()),
        f"{nicknamed} Pokémon have a nickname; the landing data gives {sum(want.values())}.",
        "Append with mergeSchema, then MERGE the nicknames into the earlier rows.",
    )
    passed(f"{table}: {ids} Pokémon by generation, {nicknamed} with a nickname")


PROGRESS: dict[str, Callable[[], None]] = {"schema evolution": lambda: check_sandbox()}
