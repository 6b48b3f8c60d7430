"""Lesson 1 (Spark and storage): the first objects written to the bucket (the starters); the
learner's S3A settings are judged in `s3a`, the engine configuration built on them in
`engine_conf`."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from lakehouse_kit.checks.core import (
    CheckFailed,
    columns_present,
    engine_errors,
    expect,
    passed,
    session,
)
from lakehouse_kit.settings import load_settings

LESSON = "01"

STARTERS = [(1, "Bulbasaur", "grass"), (4, "Charmander", "fire"), (7, "Squirtle", "water")]
STARTERS_HINT = (
    "Write the three Kanto starters once each: (1, Bulbasaur, grass), (4, Charmander, fire), "
    "(7, Squirtle, water), in columns id (a number), name and primary_type."
)
OVERWRITE_HINT = (
    "Write with df.write.mode('overwrite').json(uri): it replaces whatever the folder held, so "
    "running the cell twice is harmless."
)
# What the check puts where it tries write_starters: a file an earlier run might have left.
EARLIER_RUN = {"id": 25, "name": "Pikachu", "primary_type": "electric"}


def check_starters(
    starters=None,
    prefix: str = "playground/starters",
    spark=None,
    write_starters: Callable | None = None,
) -> None:
    """What write_starters returned was read back from the bucket and holds the three starters,
    and the folder under `prefix` holds them as JSON. Given the function, the check also has it
    write to another uri, where an earlier run left a file: overwritten, not appended to."""
    from lakehouse_kit.storage import object_uri

    read_back = _starters(starters, object_uri(prefix))
    expect(
        len(read_back) == len(set(read_back)),
        f"Read back {len(read_back)} rows: the starters more than once.",
        "The write appended to an earlier run's files. " + OVERWRITE_HINT,
    )
    expect(_are_starters(read_back), f"Read back {_shown(read_back)}.", STARTERS_HINT)
    records = _json_records(prefix)
    expect(_are_starters(records), f"The JSON files hold {_shown(records)}.", STARTERS_HINT)
    if write_starters is not None:
        _writes_where_told(write_starters, session(spark))
    passed(f"3 starters written to and read back from {prefix}/")


def _starters(starters, uri: str) -> list[tuple]:
    """The (id, name, primary_type) rows of what write_starters returned, which must have been
    read from files under `uri`."""
    expect(
        starters is not None,
        "write_starters returned nothing.",
        "Return the DataFrame you read back from the bucket.",
    )
    expect(
        hasattr(starters, "inputFiles"),
        f"write_starters returned a {_kind(starters)}, not a Spark DataFrame.",
        "Return spark.read.json(uri): the DataFrame read back from the bucket.",
    )
    with engine_errors("reading the starters back", "Read them back with spark.read.json(uri)."):
        columns_present(starters, ["id", "name", "primary_type"], "The starters DataFrame")
        files = starters.inputFiles()
        rows = starters.select("id", "name", "primary_type").collect()
    expect(
        any(_within(file, uri) for file in files),
        f"write_starters returned a DataFrame that was not read from {uri}"
        + (f" but from {files[0]}." if files else ": the one it made, not the one read back."),
        "Write to and read back from `uri`, the argument (not the notebook's own uri): "
        "return spark.read.json(uri).",
    )
    return [tuple(row) for row in rows]


def _kind(value) -> str:
    """What a value is, with its package: 'pandas DataFrame', 'list'."""
    package = type(value).__module__.split(".")[0]
    return f"{'' if package == 'builtins' else package + ' '}{type(value).__name__}"


def _are_starters(rows: list[tuple]) -> bool:
    return Counter(rows) == Counter(STARTERS)


def _shown(rows: list[tuple]) -> str:
    return ", ".join(map(str, sorted(rows, key=str)))


def _within(file: str, uri: str) -> bool:
    """Whether a file is under a folder URI, whatever the scheme (s3a://, s3://)."""
    return file.split("://", 1)[-1].startswith(uri.split("://", 1)[-1].rstrip("/") + "/")


def _json_records(prefix: str) -> list[tuple]:
    """The (id, name, primary_type) records of the data files under a folder, which must be
    JSON Lines (Spark's own _SUCCESS and hidden files aside)."""
    import gzip
    import json

    from lakehouse_kit.storage import list_objects

    keys = [
        key
        for key in list_objects(prefix + "/")["key"]
        if not any(part.startswith(("_", ".")) for part in key[len(prefix) + 1 :].split("/"))
    ]
    expect(bool(keys), f"No file under {prefix}/.", OVERWRITE_HINT)
    records = []
    for key in keys:
        content = _object(key)
        if content.startswith(b"\x1f\x8b"):  # gzip: JSON compressed is still JSON
            content = gzip.decompress(content)
        expect(
            not content.startswith(b"PAR1"),
            f"{key} is a Parquet file, not JSON.",
            "Write JSON, not Parquet or a table: " + OVERWRITE_HINT,
        )
        try:
            lines = [json.loads(line) for line in content.decode("utf-8").splitlines() if line]
            records += [(r.get("id"), r.get("name"), r.get("primary_type")) for r in lines]
        except (ValueError, AttributeError):
            raise CheckFailed(
                f"{key} is not JSON Lines (one JSON object per line).",
                fix="Write JSON, not CSV or text: " + OVERWRITE_HINT,
            ) from None
    return records


def _writes_where_told(write_starters: Callable, spark) -> None:
    """write_starters(spark, uri) on another uri, where an earlier run left a file: the folder
    then holds the three starters alone, and they are what the function returns."""
    import json

    from lakehouse_kit.storage import delete_prefix, object_uri

    prefix = "playground/_check_starters"
    uri = object_uri(prefix)
    earlier = (EARLIER_RUN["id"], EARLIER_RUN["name"], EARLIER_RUN["primary_type"])
    delete_prefix(prefix + "/")
    _object(f"{prefix}/part-00000-earlier-run.json", json.dumps(EARLIER_RUN).encode() + b"\n")
    call = f"write_starters(spark, {uri!r})"
    try:
        with engine_errors(f"{call}, on a folder an earlier run wrote,", OVERWRITE_HINT):
            read_back = _starters(write_starters(spark, uri), uri)
        records = _json_records(prefix)
        expect(
            records != [earlier],
            f"{call} left the folder as an earlier run did: it wrote nothing there.",
            "Write to `uri`, the argument, with mode('overwrite') (mode('ignore') writes nothing "
            "when the folder exists).",
        )
        expect(
            earlier not in records,
            f"{call} kept the file an earlier run left there: the write appended.",
            OVERWRITE_HINT,
        )
        expect(_are_starters(records), f"{call} wrote {_shown(records)}.", STARTERS_HINT)
        expect(_are_starters(read_back), f"{call} returned {_shown(read_back)}.", STARTERS_HINT)
    finally:
        delete_prefix(prefix + "/")


def _object(key: str, content: bytes | None = None) -> bytes:
    """An object's bytes in the bucket; given `content`, the object is written first."""
    from lakehouse_kit.storage import s3_client, s3_errors

    settings = load_settings()
    client = s3_client(settings)
    with s3_errors(settings):
        if content is not None:
            client.put_object(Bucket=settings.bucket, Key=key, Body=content)
        return client.get_object(Bucket=settings.bucket, Key=key)["Body"].read()


def _starters_in_the_bucket() -> None:
    settings = load_settings()
    uri = f"s3a://{settings.bucket}/playground/starters"
    check_starters(session(None).read.schema("id INT, name STRING, primary_type STRING").json(uri))


# What `lakehouse progress` runs for this lesson: exercise -> check of the learner's tables.
PROGRESS: dict[str, Callable[[], None]] = {"first object": _starters_in_the_bucket}
