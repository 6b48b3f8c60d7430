"""Bronze rows judged against the landing file they came from (lesson 2's read and write,
and the Bronze tables): every non-blank line once, unchanged, flagged by the lessons' rule (one
JSON object and nothing else), with its batch, source file and load time."""

from __future__ import annotations

import hashlib
from collections import Counter

from lakehouse_kit.checks.core import CheckFailed, columns_present, engine_errors, expect
from lakehouse_kit.checks.landing import is_json_object, text_after_object
from lakehouse_kit.contracts import BRONZE_COLUMNS

READ_HINT = (
    "Read landing_uri(batch, name) with read_lines(spark, uri) (one row per line) and drop "
    "only blank lines."
)
KEEP_HINT = (
    "Keep each line exactly as read_lines gives it: no trim, no change of case, no parsing, no "
    "de-duplication. Bronze is the record of what arrived."
)
FLAG_HINT = (
    "Flag a line as malformed when it is not one JSON object and nothing else: "
    "~one_json_object('raw')."
)
TRAILING_HINT = (
    "F.json_object_keys('raw') stops reading at the object's end, so a line with text after the "
    "object (two records on one line, a note) passes. " + FLAG_HINT
)
NUMBERS = {"tinyint", "smallint", "int", "bigint"}


def bronze_rows(df, what: str, hint: str, lines: list[str], fresh: bool = False) -> list[dict]:
    """The Bronze columns of every row, once the types are right, `_in_time` telling whether
    _ingested_at is set (`fresh`: and now, with a day's leeway, as the DataFrame is being read,
    not stored). A line of the file (`lines`) travels as its md5 digest, not its text: a large
    file's text need not cross the wire again."""
    expect(
        hasattr(df, "selectExpr"),
        f"{what} gave {'nothing' if df is None else 'a ' + type(df).__name__}, not a DataFrame.",
        "Return the DataFrame of the lines with their metadata columns.",
    )
    with engine_errors(what, hint):
        columns_present(df, BRONZE_COLUMNS, what)
        types = dict(df.dtypes)
    expect(
        types["_ingested_at"].startswith("timestamp"),
        f"{what}: _ingested_at is a {types['_ingested_at']}, not a timestamp.",
        "Add the time of loading as a timestamp: F.current_timestamp(), not a string.",
    )
    expect(
        types["_is_malformed"] == "boolean",
        f"{what}: _is_malformed is a {types['_is_malformed']}, not a boolean.",
        FLAG_HINT,
    )
    expect(
        types["_batch_id"] in NUMBERS,
        f"{what}: _batch_id is a {types['_batch_id']}, not a whole number.",
        "Add the batch number, the argument, as a number: F.lit(batch).",
    )
    now = (
        "_ingested_at BETWEEN current_timestamp() - INTERVAL 1 DAY "
        "AND current_timestamp() + INTERVAL 1 HOUR"  # a client clock a little ahead
        if fresh
        else "_ingested_at IS NOT NULL"
    )
    known = {hashlib.md5(line.encode()).hexdigest(): line for line in lines}
    columns = ["_batch_id", "_source_file", "_is_malformed", f"{now} AS _in_time"]
    with engine_errors(what, hint):
        rows = [row.asDict() for row in df.selectExpr("md5(raw) AS raw", *columns).collect()]
        if not all(row["raw"] in known for row in rows):  # a line the file lacks: its text
            return [row.asDict() for row in df.selectExpr("raw", *columns).collect()]
    return [{**row, "raw": known[row["raw"]]} for row in rows]


def judge_lines(
    rows: list, what: str, lines: list[str], uri: str, batch: int, twice: str = READ_HINT
) -> None:
    """Rows of one landing file against the file: its non-blank `lines`, each unchanged and
    once, flagged when it is not a JSON object, with the file's batch and URI."""
    judge_raw(Counter(r["raw"] for r in rows), Counter(lines), what, uri, twice)
    batches = sorted({r["_batch_id"] for r in rows}, key=str)
    expect(
        batches in ([], [batch]),  # an empty file has no rows, and no batch
        f"{what}: _batch_id holds {batches}; every row of {uri} belongs to batch {batch}.",
        "Add the batch number, the argument: F.lit(batch).",
    )
    file = uri.split("://", 1)[1].split("/", 1)[1]  # landing/batch_NNN/name.jsonl
    sources = sorted(
        {r["_source_file"] for r in rows if not str(r["_source_file"]).endswith(file)}, key=str
    )
    expect(
        not sources,
        f"{what}: _source_file holds {sources[:2]}, not the file read, {uri}.",
        "Add the URI you read as a constant: F.lit(uri).",
    )
    expect(
        all(r["_in_time"] for r in rows),
        f"{what}: some rows have no _ingested_at, or not the time they were loaded.",
        "Add the time of loading: F.current_timestamp().",
    )
    flags = Counter((r["raw"], r["_is_malformed"]) for r in rows)
    wanted = Counter((line, not is_json_object(line)) for line in lines)
    if flags == wanted:
        return
    broken = sum(flag for _, flag in wanted.elements())
    expect(
        any(flag for _, flag in flags) or not broken,
        f"{what}: no line is flagged _is_malformed, yet {_lines(broken)} of {len(lines)} "
        "are not JSON objects.",
        FLAG_HINT,
    )
    expect(
        flags != Counter((line, not flag) for line, flag in wanted.elements()),
        f"{what}: _is_malformed is the wrong way round: True for the JSON objects.",
        FLAG_HINT,
    )
    # A line json_object_keys alone lets through is named last: it has a hint of its own.
    line, flag = sorted(flags - wanted, key=lambda f: (text_after_object(f[0]), str(f)))[0]
    trailing = flag is False and text_after_object(line)
    raise CheckFailed(
        f"{what}: {line[:60]!r} "
        + (
            "has text after the object, yet _is_malformed is False"
            if trailing
            else "is not a JSON object, yet _is_malformed is False"
            if flag is False
            else "is a JSON object, yet it is flagged _is_malformed"
            if flag
            else "has no _is_malformed"
        )
        + f" ({_lines(broken)} of {len(lines)} are not one JSON object each).",
        fix=TRAILING_HINT if trailing else FLAG_HINT,
    )


def _lines(count: int, noun: str = "line") -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def judge_raw(got: Counter, lines: Counter, what: str, uri: str, twice: str = READ_HINT) -> None:
    """The `raw` column against the file's non-blank lines: what went missing or changed is
    named (nothing read, another file read, blank lines kept, lines twice, broken lines or
    repeats dropped, lines trimmed or re-cased). `twice`: the hint when every line is there,
    some more than once."""
    if got == lines:
        return
    missing, extra = lines - got, got - lines
    expect(
        bool(got),
        f"{what} has no rows, yet {uri} has {_lines(sum(lines.values()))}: did it read "
        "another file?",
        READ_HINT,
    )
    for change, name in (
        (str.strip, "trimmed"),
        (str.lower, "lower-cased"),
        (str.upper, "upper-cased"),
    ):
        expect(
            not missing or Counter(map(change, missing.elements())) != extra,
            f"{what} {name} the lines: {_lines(sum(extra.values()))} not as in the file.",
            KEEP_HINT,
        )
    expect(bool(got & lines), f"{what} holds none of the lines of {uri}.", READ_HINT)
    expect(
        missing or not extra or not all(line in lines for line in extra),
        f"{what} holds {_lines(sum(extra.values()))} more than once.",
        twice,
    )
    expect(
        not extra or any(line.strip() for line in extra),
        f"{what} kept {_lines(sum(extra.values()), 'blank line')}.",
        "Drop the blank lines (a line of spaces is blank too): they are not records.",
    )
    if missing and not extra:
        expect(
            any(is_json_object(line) for line in missing),
            f"{what} dropped the {_lines(sum(missing.values()))} that are not JSON objects.",
            "Keep them, flagged _is_malformed: Bronze keeps every line that arrived.",
        )
        expect(
            not all(line in got for line in missing),
            f"{what} kept a line that came twice only once.",
            "De-duplication is Silver's job (lesson 3): Bronze keeps every line. " + KEEP_HINT,
        )
    problem = (
        f"{_lines(sum(missing.values()))} of the file not in raw exactly as in the file"
        if missing
        else f"{_lines(sum(extra.values()))} that the file does not have"
    )
    example = next(iter(missing or extra))
    raise CheckFailed(f"{what}: {problem} (e.g. {example[:60]!r}).", fix=f"{KEEP_HINT} {READ_HINT}")
