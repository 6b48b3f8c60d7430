"""The record of judged functions (checks/judged.py): a check does not try again a function that
passed its trials with the same code, and re-judges whenever the behaviour could have changed
(its code, a helper it calls, a value it reads), a function that failed, and in another home.
The record survives writers racing for it. Real checks on real services where they judge;
the record's own rules with a trial of plain Python."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import textwrap
import time

import pytest
from pyspark.sql import Window
from pyspark.sql import functions as F
from solution_code import solution

from lakehouse_kit import checks
from lakehouse_kit.checks import CheckFailed, judged
from lakehouse_kit.checks.fingerprint import fingerprint


@contextlib.contextmanager
def calls_of(function):
    """Count the calls of `function` (by its code object) while the block runs, without
    wrapping it: a wrapper would be another function, with a fingerprint of its own."""
    count = [0]

    def profile(frame, event, arg):
        if event == "call" and frame.f_code is function.__code__:
            count[0] += 1

    previous = sys.getprofile()
    sys.setprofile(profile)
    try:
        yield count
    finally:
        sys.setprofile(previous)


def define(source: str, **names) -> dict:
    """A namespace holding the functions of `source`, compiled as a notebook cell is."""
    namespace = {"__name__": "learner", **names}
    exec(compile(textwrap.dedent(source), "<cell>", "exec", dont_inherit=True), namespace)
    return namespace


# ---------------------------------------------------------------- fingerprints, no services

ANSWER = """
    LIMIT = 3

    def helper(x):
        return x * 2

    def answer(rows):
        return [helper(r) for r in rows][:LIMIT]
"""


def test_the_same_code_anywhere_has_one_fingerprint():
    """A cell compiled in lesson 2's kernel and in lesson 6's replay: other file, other lines."""
    here = define(ANSWER)
    there = define("\n\n\n" + ANSWER)
    there_too = {"__name__": "replay_02"}
    exec(compile(textwrap.dedent(ANSWER), "<02 cell 7>", "exec", dont_inherit=True), there_too)
    assert fingerprint(here["answer"]) == fingerprint(there["answer"])
    assert fingerprint(here["answer"]) == fingerprint(there_too["answer"])


def test_a_fingerprint_is_the_same_in_every_kernel():
    """Another process hashes text another way (PYTHONHASHSEED): a set of names in the code
    must not make its fingerprint differ, or lesson 6's kernel would judge everything again."""
    source = "def kind(x):\n    return x in {'fire', 'water', 'grass'}\n"
    program = (
        "import textwrap\n"
        "from lakehouse_kit.checks.fingerprint import fingerprint\n"
        f"namespace = {{}}\nexec({source!r}, namespace)\n"
        "print(fingerprint(namespace['kind']))\n"
    )
    found = {
        subprocess.run(
            [sys.executable, "-c", program],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        for seed in ("1", "2", "3")
    }
    assert len(found) == 1 and None not in found and "None" not in found


@pytest.mark.parametrize(
    "change",
    [
        ("return x * 2", "return x * 3"),  # a helper it calls
        ("[:LIMIT]", "[:LIMIT + 1]"),  # its own code
        ("LIMIT = 3", "LIMIT = 4"),  # a value it reads
        ("def answer(rows):", "def answer(rows, n=1):"),  # a default
    ],
    ids=["helper", "code", "global value", "default"],
)
def test_any_change_that_could_change_behaviour_changes_the_fingerprint(change):
    changed = define(ANSWER.replace(*change))
    assert fingerprint(changed["answer"]) != fingerprint(define(ANSWER)["answer"])


def test_a_function_reading_what_cannot_be_described_has_no_fingerprint():
    """A DataFrame, an object of the learner's: when unsure, judge again."""
    reads_an_object = define(ANSWER.replace("LIMIT = 3", "LIMIT = object()"))
    assert fingerprint(reads_an_object["answer"]) is None
    closure = define("def outer():\n    state = object()\n    return lambda: state\n")
    assert fingerprint(closure["outer"]()) is None


def test_libraries_and_the_kit_are_known_by_name():
    namespace = define("def ranked(rows):\n    return rows.withColumn('n', F.lit(1))\n", F=F)
    assert fingerprint(namespace["ranked"]) is not None
    assert fingerprint(Window.partitionBy) is not None


# ---------------------------------------------------------------- the record, no services


def counted_trial(runs: list, fails: bool = False):
    def run():
        runs.append(1)
        if fails:
            raise CheckFailed("wrong", fix="fix it")

    return run


def test_a_passed_trial_is_not_run_again_and_a_changed_helper_is(kit_home):
    with kit_home("record"):
        runs: list = []
        first = define(ANSWER)
        assert not judged.trials("t", first["answer"], counted_trial(runs))
        assert judged.trials("t", define(ANSWER)["answer"], counted_trial(runs))  # same code
        assert len(runs) == 1
        helper_changed = define(ANSWER.replace("return x * 2", "return x + 2"))
        assert not judged.trials("t", helper_changed["answer"], counted_trial(runs))
        assert not judged.trials("t", first["answer"], counted_trial(runs), types=["fire"])
        assert not judged.trials("another trial", first["answer"], counted_trial(runs))
        assert len(runs) == 4


def test_a_failing_trial_is_never_recorded(kit_home):
    with kit_home("failing"):
        runs: list = []
        wrong = define(ANSWER)["answer"]
        for _ in range(3):
            with pytest.raises(CheckFailed):
                judged.trials("t", wrong, counted_trial(runs, fails=True))
        assert len(runs) == 3
        assert judged._read(judged._path()) == {}


def test_another_home_does_not_share_verdicts(kit_home):
    answer, runs = define(ANSWER)["answer"], []
    with kit_home("one"):
        judged.trials("t", answer, counted_trial(runs))
    with kit_home("two"):
        assert not judged.trials("t", answer, counted_trial(runs))
    assert len(runs) == 2


def test_an_unreadable_record_judges_again(kit_home):
    with kit_home("broken") as settings:
        answer, runs = define(ANSWER)["answer"], []
        judged.trials("t", answer, counted_trial(runs))
        (settings.run_dir / judged.RECORD).write_text('{"half a fi')
        assert not judged.trials("t", answer, counted_trial(runs))
        assert judged.trials("t", answer, counted_trial(runs))  # written whole again
        assert len(runs) == 2


WRITER = """
import sys
from lakehouse_kit.checks import judged

def answer(rows):
    return rows

for n in range(40):
    judged.trials(f"writer {sys.argv[1]} trial {n}", answer, lambda: None)
"""


def test_writers_racing_for_the_record_never_leave_it_broken(kit_home, tmp_path):
    """Four processes record verdicts at once: the record is always whole JSON (replaced, never
    written in place); a verdict may be lost to a race, which only means judging again."""
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    with kit_home("racing") as settings:
        record = settings.run_dir / judged.RECORD
        settings.run_dir.mkdir(parents=True, exist_ok=True)
        writers = [subprocess.Popen([sys.executable, str(script), str(i)]) for i in range(4)]
        reads = 0
        while any(w.poll() is None for w in writers):
            with contextlib.suppress(FileNotFoundError):
                json.loads(record.read_text())  # never half a file
                reads += 1
            time.sleep(0.001)
        assert all(w.wait() == 0 for w in writers)
        verdicts = json.loads(record.read_text())
        assert verdicts and all(v["trial"].startswith("writer") for v in verdicts.values())
        assert not [p for p in settings.run_dir.iterdir() if p.name.startswith(".judged")]


# ---------------------------------------------------------------- real checks, real services

DEDUPLICATE = """
    def newest_first(key):
        clean = F.get_json_object("raw", "$.name") == F.col("name")
        return Window.partitionBy(key).orderBy(F.col("_batch_id").desc(), clean.desc(), "raw")

    def deduplicate(rows, key="id"):
        ranked = rows.withColumn("_rank", F.row_number().over(newest_first(key)))
        return ranked.filter("_rank = 1").drop("_rank"), ranked.filter("_rank > 1").drop("_rank")
"""


@pytest.fixture
def record(spark, monkeypatch):
    """A record of this test's own in the session's home."""
    monkeypatch.setattr(judged, "RECORD", f"judged-{time.monotonic_ns()}.json")


def test_a_check_does_not_try_a_passed_function_again(spark, record, capsys):
    """check_deduplicate calls deduplicate twice (by id, by another key); on the same code,
    again in a new namespace as lesson 6's replay has it, not at all, and says so."""
    for namespace, expected_calls in ((define(DEDUPLICATE, F=F, Window=Window), 2),
                                      (define(DEDUPLICATE, F=F, Window=Window), 0)):  # fmt: skip
        with calls_of(namespace["deduplicate"]) as calls:
            checks.check_deduplicate(namespace["deduplicate"], spark)
        assert calls[0] == expected_calls
    lines = capsys.readouterr().out.splitlines()
    assert judged.REUSED not in lines[0] and judged.REUSED in lines[1]


def test_a_changed_helper_is_judged_again_and_caught(spark, record):
    """The function passed; its helper then changes to keep the oldest batch: judged again."""
    namespace = define(DEDUPLICATE, F=F, Window=Window)
    checks.check_deduplicate(namespace["deduplicate"], spark)
    exec(compile(textwrap.dedent(DEDUPLICATE).replace(".desc(), clean", ".asc(), clean"),
                 "<cell>", "exec", dont_inherit=True), namespace)  # fmt: skip
    with calls_of(namespace["deduplicate"]) as calls, pytest.raises(CheckFailed) as failure:
        checks.check_deduplicate(namespace["deduplicate"], spark)
    assert calls[0] >= 1 and "descending" in failure.value.fix


def test_a_failing_function_is_tried_every_time(spark, record):
    """write_bronze appending instead of replacing its batch: four writes, at every check."""
    lesson2 = solution("02")
    appends = define(
        """
        def write_bronze(raw, table, batch):
            return save_table(raw, table, mode="append", partition_by=["_batch_id"])
        """,
        save_table=lesson2["save_table"],
    )["write_bronze"]
    for _ in range(2):
        with calls_of(appends) as calls, pytest.raises(CheckFailed):
            checks.check_write_bronze(appends, spark)
        assert calls[0] == 4


def test_the_lessons_write_bronze_is_tried_once(spark, record):
    write_bronze = solution("02")["write_bronze"]
    for expected_calls in (4, 0):
        with calls_of(write_bronze) as calls:
            checks.check_write_bronze(write_bronze, spark)
        assert calls[0] == expected_calls
