"""Hostile landing data through the real lessons 02 (Bronze) and 03 (Silver).

A copy of batch 1 gains blank lines, lines that are not one JSON object (text after an object
included), a record with unexpected nested fields and a record whose every field has the wrong
type; batch 3 is three empty files. The lessons must not crash, and every line must be
accounted for: each non-blank line is in Bronze, each Bronze row is in Silver or in quarantine.
Alike on Sail (`local`) and on JVM Spark (`stack`, marked so).

The lessons and their checks read the landing folder of the `landing_dir` setting
(LAKEHOUSE_LANDING_DIR) and the manifest.json beside it: the test writes one
that lists the hostile lines as defects, so those checks judge the hostile data too; the
assertions below do the accounting independently.
"""

from __future__ import annotations

import functools
import json
import shutil
from pathlib import Path

import pytest
from pyspark.sql import functions as F

from lakehouse_kit import course
from lakehouse_kit.checks.landing import is_json_object
from lakehouse_kit.settings import load_settings
from lakehouse_kit.textfiles import cut_long_lines, read_lines, split_lines

pytestmark = [pytest.mark.services, pytest.mark.course]

DATA = Path(__file__).resolve().parent.parent / "data"
TABLES = ("pokemon", "moves", "types")

BLANK_LINES = ["", "", "   ", "\t", " \t  ", ""]
GARBAGE = "\x00\x01\x02PK\x03\x04\x14\x00 \u00ff\u00fe\x7f garbage \x1b[0m{{{ \x00"
CSV_ROW = "25,Pikachu,electric,4,60,112,35,55,40,50,50,90"
JSON_ARRAY = '[{"id": 26, "name": "Raichu"}]'
TWO_OBJECTS = '{"id": 27, "name": "Sandshrew"}{"id": 28, "name": "Sandslash"}'  # a lost line end
TRAILING_TEXT = '{"id": 29, "name": "Nidoran"} -- checked by hand'
ARRAY_END = '{"id": 30, "name": "Nidorina"}]'  # the last line of an array export
NOT_OBJECTS = [GARBAGE, CSV_ROW, JSON_ARRAY, TWO_OBJECTS, TRAILING_TEXT, ARRAY_END]
EXTRA_ID = 9001
EXTRA_FIELDS = (
    json.dumps(
        {
            "id": EXTRA_ID,
            "name": "Extramon",
            "generation": 1,
            "height": 4,
            "weight": 60,
            "base_experience": 112,
            "is_legendary": False,
            "types": [
                {
                    "slot": 1,
                    "type": {"name": "electric", "url": "https://example/type/13"},
                    "meta": {"origin": {"game": "red", "tags": ["a", {"deep": [1, 2, 3]}]}},
                }
            ],
            "stats": [
                {"stat": {"name": s, "url": "x"}, "base_stat": 50, "effort": {"ev": 0, "iv": [31]}}
                for s in ("hp", "attack", "defense", "special-attack", "special-defense", "speed")
            ],
            "moves": [{"move": {"name": "thunder-shock"}, "version_group_details": [{"level": 1}]}],
            "sprites": {"front": {"default": None, "shiny": {"animated": True}}},
            "cries": [[["nested", "lists"]]],
            "nickname": "Sparky",
        },
        ensure_ascii=False,
    )
    + " \t"
)  # white space after the object: still one object
WRONG_TYPES = json.dumps(
    {
        "id": "twenty-five",
        "name": ["Pika", "chu"],
        "generation": "first",
        "height": [4],
        "weight": {"kg": 6},
        "base_experience": "high",
        "is_legendary": "nope",
        "types": "electric",
        "stats": {"hp": "thirty-five"},
        "moves": 42,
    }
)


def non_blank(path: Path) -> list[str]:
    return [line for line in split_lines(path.read_bytes()) if line.strip()]


def build_project(root: Path) -> Path:
    """A project folder whose data/ holds the hostile landing batches and their manifest."""
    landing = root / "data" / "landing"
    shutil.copytree(DATA / "landing" / "batch_001", landing / "batch_001")
    pokemon = landing / "batch_001" / "pokemon.jsonl"
    lines = pokemon.read_bytes().split(b"\n")[:-1]  # the file ends with \n; it is not all UTF-8
    middle = len(lines) // 2
    added = [
        *BLANK_LINES,
        GARBAGE,
        EXTRA_FIELDS,
        *BLANK_LINES,
        CSV_ROW,
        WRONG_TYPES,
        JSON_ARRAY,
        TWO_OBJECTS,
        TRAILING_TEXT,
        ARRAY_END,
    ]
    lines = lines[:middle] + [line.encode() for line in added] + lines[middle:]
    pokemon.write_bytes(b"\n".join(lines) + b"\n")
    (landing / "batch_003").mkdir()
    for name in TABLES:
        (landing / "batch_003" / f"{name}.jsonl").write_bytes(b"")

    manifest = json.loads((DATA / "manifest.json").read_text(encoding="utf-8"))
    file = "batch_001/pokemon.jsonl"
    # The original defects after the insertion point moved down by len(added) lines.
    for defect in manifest["defects"]:
        if defect["file"] == file and defect["line"] > middle:
            defect["line"] += len(added)
    # The checks take the manifest as the truth about every line: list what each hostile line is.
    kinds = {**dict.fromkeys(NOT_OBJECTS, "malformed_json"), WRONG_TYPES: "missing_field"}
    for offset, line in enumerate(added, start=middle + 1):
        if line in kinds:
            manifest["defects"].append(
                {
                    "file": file,
                    "line": offset,
                    "kind": kinds[line],
                    "id": None,
                    "detail": "hostile test line (every field of the wrong type: all missing once parsed)"
                    if line == WRONG_TYPES
                    else "hostile test line",
                    "action": "drop",
                }
            )
    manifest["files"][file]["lines"] = len(lines)
    manifest["expected"]["batch_001"]["pokemon_ids"] += 1  # the extra-fields record is valid
    for name in TABLES:
        manifest["files"][f"batch_003/{name}.jsonl"] = {
            "lines": 0,
            "valid_json_lines": 0,
            "expected_clean_records": 0,
        }
    (root / "data" / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return landing


@pytest.fixture(scope="module", params=["local", pytest.param("stack", marks=pytest.mark.stack)])
def hostile(request, tmp_path_factory, kit_home, stack_home):
    """Lessons 02 and 03 run on the hostile batch 1 in an empty lakehouse, on one engine: a
    home of its own on `local`, the session's shared stack on `stack`."""
    root = tmp_path_factory.mktemp(f"hostile-{request.param}")
    landing = build_project(root / "project")
    lakehouse = (
        stack_home
        if request.param == "stack"
        else functools.partial(kit_home, "hostile-home", "local", start=True)
    )
    # The kernels inherit the landing folder's setting.
    with lakehouse(LAKEHOUSE_LANDING_DIR=landing):
        runs = {
            "02": course.run_lesson("02", {"batch": 1}, output_dir=root),
            "03": course.run_lesson("03", {"batch": 1}, output_dir=root),
        }
        from lakehouse_kit.spark import get_spark

        yield {"landing": landing, "runs": runs, "spark": get_spark(), "root": root}


def raw_lines(spark, table: str, batch: int) -> list[str]:
    return sorted(
        r["raw"] for r in spark.table(table).filter(f"_batch_id = {batch}").select("raw").collect()
    )


def quarantined(spark, name: str, batch: int = 1):
    return spark.table("silver.quarantine").filter(
        f"_batch_id = {batch} AND source_table = 'bronze.{name}'"
    )


def test_lessons_complete_on_hostile_input(hostile):
    for lesson, run in hostile["runs"].items():
        assert run.ok, f"lesson {lesson} failed in {run.error} (see {run.output})"


def test_every_non_blank_line_is_in_bronze(hostile):
    spark = hostile["spark"]
    for name in TABLES:
        expected = sorted(non_blank(hostile["landing"] / "batch_001" / f"{name}.jsonl"))
        assert raw_lines(spark, f"bronze.{name}", 1) == expected, name
    flagged = {r["raw"] for r in spark.table("bronze.pokemon").filter("_is_malformed").collect()}
    assert set(NOT_OBJECTS) <= flagged
    assert not {EXTRA_FIELDS, WRONG_TYPES} & flagged  # valid JSON objects: parsed in Silver


def test_every_bronze_row_is_in_silver_or_quarantine(hostile):
    spark = hostile["spark"]
    for name in TABLES:
        bronze = spark.table(f"bronze.{name}").filter("_batch_id = 1").count()
        silver = spark.table(f"silver.{name}").filter("_batch_id = 1").count()
        held = quarantined(spark, name).count()
        assert silver + held == bronze, (
            f"{name}: {bronze} Bronze rows, {silver} Silver + {held} quarantined"
        )
    ids = spark.table("silver.pokemon").groupBy("id").count().filter("count > 1").count()
    assert ids == 0


def test_lines_that_are_not_json_objects_are_quarantined_as_such(hostile):
    held = {
        r["raw"]: list(r["failed_expectations"])
        for r in quarantined(hostile["spark"], "pokemon").collect()
    }
    for line in NOT_OBJECTS:
        assert held.get(line) == ["valid JSON object"], repr(line)


# Lines around the rule "one JSON object and nothing else", each with what it is.
RULE_CASES = {
    '{"id": 1}': True,
    '  {"id": 1} \t ': True,  # white space around the object
    '{"a": {"b": [1, {"c": "]["}]}, "d": "x,0]"}': True,  # nested, brackets inside strings
    "{}": True,
    '{"id": 1}{"id": 2}': False,
    '{"id": 1} {"id": 2}': False,
    '{"id": 1} garbage': False,
    '{"id": 1}]': False,
    '{"id": 1},{"id": 2}]': False,
    '{"id": 1},0] x': False,
    '{"id": 1}, 5': False,
    '{"id": 1}\u00a0': False,  # a no-break space is no JSON white space
    '[{"id": 1}]': False,
    "[1]": False,
    '"x"': False,
    "42": False,
    "null": False,
    '{"id": 1': False,
}


def test_the_lessons_rule_is_one_json_object_and_nothing_else(hostile):
    """Lesson 2's one_json_object on the engine agrees with the checks' rule (Python)."""
    from solution_code import solution

    spark = hostile["spark"]
    rule = solution("02", spark=spark)["one_json_object"]
    lines = spark.createDataFrame([(line,) for line in RULE_CASES], "raw STRING")
    got = {r["raw"]: r["ok"] for r in lines.select("raw", rule("raw").alias("ok")).collect()}
    assert got == RULE_CASES
    assert {line: is_json_object(line) for line in RULE_CASES} == RULE_CASES


def test_a_line_over_the_limit_is_cut_alike(hostile):
    """A line longer than the limit is its start and a note, on the engine as in Python (a
    small limit here; the kit's is MAX_LINE_CHARS), whether read or cut in a column."""
    from lakehouse_kit.storage import LANDING_PREFIX, landing_uri, s3_client

    settings, spark = load_settings(), hostile["spark"]
    content = b'{"id": 1}\n{"id": 2, "a": "' + "\u00e9".encode() * 3000 + b'"}\r\n{"id": 3}\n'
    key = f"{LANDING_PREFIX}/batch_096/long.jsonl"
    s3_client(settings).put_object(Bucket=settings.bucket, Key=key, Body=content)
    expected = split_lines(content, max_line_chars=1000)
    assert "cut: a line of 3,018 characters; a line may have 1,000]" in expected[1]
    read = read_lines(spark, landing_uri(96, "long"), max_line_chars=1000)
    assert [row["value"] for row in read.collect()] == expected
    whole = spark.createDataFrame([(line,) for line in split_lines(content)], "value STRING")
    cut = whole.select(cut_long_lines(F.col("value"), 1000).alias("value"))
    assert [row["value"] for row in cut.collect()] == expected


def test_extra_fields_record_is_in_silver_or_quarantine_never_missing(hostile):
    spark = hostile["spark"]
    in_silver = spark.table("silver.pokemon").filter(f"id = {EXTRA_ID}").collect()
    held = quarantined(spark, "pokemon").filter(f"id = {EXTRA_ID}").collect()
    assert len(in_silver) + len(held) == 1
    # It is otherwise a valid record: the extra fields are ignored and it enters Silver.
    assert len(in_silver) == 1, [r["failed_expectations"] for r in held]
    row = in_silver[0]
    assert (row["name"], row["primary_type"], row["hp"], row["total"]) == (
        "Extramon",
        "electric",
        50,
        300,
    )
    assert list(row["moves"]) == ["thunder-shock"]


def test_record_with_every_field_of_the_wrong_type_is_quarantined(hostile):
    spark = hostile["spark"]
    held = quarantined(spark, "pokemon").filter(F.col("raw") == WRONG_TYPES).collect()
    assert len(held) == 1
    assert "id not null" in held[0]["failed_expectations"]
    assert spark.table("silver.pokemon").filter("name = 'Pika' OR id IS NULL").count() == 0


def test_a_batch_of_empty_files_ingests_nothing_and_leaves_batch_1_alone(hostile):
    spark = hostile["spark"]
    before = {name: raw_lines(spark, f"bronze.{name}", 1) for name in TABLES}
    output = hostile["root"] / "batch3"
    output.mkdir()
    run = course.run_lesson("02", {"batch": 3}, output_dir=output)
    assert run.ok, f"lesson 02 on empty files failed in {run.error} (see {run.output})"
    for name in TABLES:
        table = spark.table(f"bronze.{name}")
        assert table.filter("_batch_id = 3").count() == 0, name
        assert raw_lines(spark, f"bronze.{name}", 1) == before[name], name
        assert {r["_batch_id"] for r in table.select("_batch_id").distinct().collect()} == {1}
