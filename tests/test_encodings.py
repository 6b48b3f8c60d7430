"""Landing files as real exporters write them, on both engines (issue #9).

The committed batch 1 holds a Windows export (types.jsonl: a UTF-8 byte-order mark and \\r\\n
line ends) and a Pokémon line with a Latin-1 byte that is not UTF-8. On Sail (`local`, the
session's built course) and on JVM Spark (`stack`), lessons 02 and 03 run on the committed
data; then every line is in Bronze as Python reads it (`split_lines`), no valid record is
lost or called malformed, and the undecodable line is quarantined for its encoding, and for
nothing else.
"""

from __future__ import annotations

import json

import pytest
from pyspark.sql import functions as F

from lakehouse_kit import course
from lakehouse_kit.settings import load_settings
from lakehouse_kit.storage import landing_uri
from lakehouse_kit.textfiles import BOM, REPLACEMENT, read_lines, split_lines

pytestmark = [pytest.mark.services, pytest.mark.course]

MANIFEST = json.loads((load_settings().data_dir / "manifest.json").read_text(encoding="utf-8"))
ENCODING_KINDS = {"byte_order_mark", "crlf_line_endings", "invalid_utf8"}
DEFECTS = {d["kind"]: d for d in MANIFEST["defects"] if d["kind"] in ENCODING_KINDS}
FILES = sorted({d["file"] for d in DEFECTS.values()})  # 'batch_001/types.jsonl', ...
REASON = "name has no U+FFFD (a byte that was not UTF-8)"


def name_of(file: str) -> str:
    return file.split("/")[1].removesuffix(".jsonl")


@pytest.fixture(scope="module", params=["local", pytest.param("stack", marks=pytest.mark.stack)])
def engine(request, stack_home):
    """Lessons 02 and 03 (batch 1) run on one engine: on `local` those of the session's built
    course (which goes on with batch 2 and the later lessons), on `stack` alone in an empty
    lakehouse of the session's shared stack. `pokemon_ids`: how many Pokémon Silver then
    holds."""
    if request.param == "local":
        built = request.getfixturevalue("course")
        yield {
            "spark": request.getfixturevalue("spark"),
            "runs": [run for run in built.lessons if run.lesson[:2] in ("02", "03")],
            "landing": load_settings().landing,
            "pokemon_ids": MANIFEST["expected"]["after_batch_002"]["pokemon_ids"],
        }
        return
    with stack_home() as settings:
        runs = [course.run_lesson(n, {"batch": 1}) for n in ("02", "03")]  # in the home's runs/
        from lakehouse_kit.spark import get_spark

        yield {
            "spark": get_spark(),
            "runs": runs,
            "landing": settings.landing,
            "pokemon_ids": MANIFEST["expected"]["batch_001"]["pokemon_ids"],
        }


def test_the_lessons_run_on_files_as_exporters_write_them(engine):
    for run in engine["runs"]:
        assert run.ok, f"lesson {run.lesson} failed in {run.error} (see {run.output})"


def test_the_engine_reads_the_lines_python_reads(engine):
    assert set(DEFECTS) == ENCODING_KINDS and len(FILES) == 2
    read = {}
    for file in FILES:
        batch = int(file[len("batch_") : len("batch_001")])
        uri = landing_uri(batch, name_of(file))
        read[file] = [r["value"] for r in read_lines(engine["spark"], uri).collect()]
        expected = split_lines((engine["landing"] / file).read_bytes())
        assert sorted(read[file]) == sorted(expected), file
        assert not [line for line in read[file] if "\r" in line or BOM in line], file
    bad = DEFECTS["invalid_utf8"]
    garbled = [line for line in read[bad["file"]] if REPLACEMENT in line]
    assert len(garbled) == 1 and json.loads(garbled[0])["id"] == bad["id"]


def test_a_bom_or_crlf_makes_no_valid_line_look_malformed(engine):
    spark = engine["spark"]
    types = spark.table("bronze.types").filter("_batch_id = 1")
    assert types.count() == MANIFEST["files"]["batch_001/types.jsonl"]["lines"]
    assert types.filter("_is_malformed").count() == 0
    first = types.filter(F.col("raw").startswith('{"id": 1,')).collect()
    assert len(first) == 1 and json.loads(first[0]["raw"])["name"] == "normal"
    for table in ("bronze.types", "bronze.pokemon", "silver.quarantine"):
        stray = spark.table(table).filter(F.col("raw").contains("\r") | F.col("raw").contains(BOM))
        assert stray.count() == 0, table
    names = {r["name"] for r in spark.table("silver.types").collect()}
    assert len(names) == 18 and "normal" in names


def test_the_undecodable_line_is_quarantined_for_its_encoding_alone(engine):
    spark, bad = engine["spark"], DEFECTS["invalid_utf8"]
    pokemon = spark.table("bronze.pokemon").filter("_batch_id = 1")
    malformed = sum(
        d["kind"] == "malformed_json" for d in MANIFEST["defects"] if d["file"] == bad["file"]
    )
    assert pokemon.filter("_is_malformed").count() == malformed  # not called broken JSON
    held = (
        spark.table("silver.quarantine")
        .filter(F.col("raw").contains(REPLACEMENT))
        .select("source_table", "id", "failed_expectations")
        .collect()
    )
    assert [(r["source_table"], r["id"], list(r["failed_expectations"])) for r in held] == [
        ("bronze.pokemon", bad["id"], [REASON])
    ]
    silver = spark.table("silver.pokemon")
    (kept,) = silver.filter(F.col("id") == bad["id"]).collect()  # its good line reached Silver
    assert REPLACEMENT not in kept["name"] and " " in kept["name"]
    assert silver.count() == engine["pokemon_ids"]
    assert silver.filter(F.col("name").contains(REPLACEMENT)).count() == 0
