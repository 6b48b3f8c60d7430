"""The `stack` profile for real: SeaweedFS, PostgreSQL, the Hive Metastore, JVM Spark with S3A
and Delta, and Trino, started by the kit's supervisor: the session's shared stack (`stack_home`),
with an empty lakehouse for this module.

On a machine without Java, Maven or PostgreSQL these tests are skipped with the reason; in CI
(CI=true) `.ci/run` installs everything, and a missing part fails the run instead.
"""

from __future__ import annotations

import json
import os
import subprocess

import pandas as pd
import psutil
import pytest

from lakehouse_kit import services, system
from lakehouse_kit.contracts import produced_by
from lakehouse_kit.settings import load_settings

pytestmark = pytest.mark.stack
STACK_SERVICES = ["s3", "postgres", "metastore", "spark", "trino"]
GOLD = produced_by("04")  # the Gold tables


@pytest.fixture(scope="module")
def stack(stack_home, course):
    """The whole stack running, with an empty lakehouse; yields its live settings. The embedded
    course (`course`) is built first, so its tables are there to compare with (and its session
    fixtures do not point the kit at their home in the middle of this module)."""
    with stack_home() as settings:
        yield settings


def trino(query: str, settings) -> pd.DataFrame:
    from lakehouse_kit.sql import sql_engine

    return pd.read_sql(query, sql_engine(settings))


def test_up_leaves_a_usable_lakehouse_with_its_bucket(stack, stack_home):
    """A client that follows `lakehouse status` (Trino here, before any kit function made the
    bucket) can create a schema at once: `up` created the bucket of the servers' warehouse (the
    shared stack's own, in which no test writes tables)."""
    import boto3

    client = boto3.client(
        "s3",
        endpoint_url=stack.s3_endpoint,
        aws_access_key_id=stack.s3_access_key,
        aws_secret_access_key=stack.s3_secret_key,
        region_name=stack.s3_region,
    )
    assert stack_home.bucket in {b["Name"] for b in client.list_buckets()["Buckets"]}
    from sqlalchemy import text

    from lakehouse_kit.sql import sql_engine

    with sql_engine(stack).connect() as connection:
        connection.execute(text("CREATE SCHEMA IF NOT EXISTS delta.first_client"))
        connection.execute(text("DROP SCHEMA delta.first_client"))


def test_no_open_doors_on_a_shared_machine(stack):
    """PostgreSQL asks for a password (kept in a file only its owner reads), runs without
    root's groups, and no process shows the S3 secret on its command line (`ps` shows it to
    every user)."""
    from lakehouse_kit.postgres import DB_NAME, DB_USER, db_password
    from lakehouse_kit.supervisor import as_user

    statuses = {s.name: s for s in services.service_status(stack)}
    psql = [str(system.postgres_bin() / "psql"), "-h", "127.0.0.1"]
    psql += ["-p", str(statuses["postgres"].port), "-U", DB_USER, "-d", DB_NAME, "-tAc", "SELECT 1"]
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    for password, works in (("wrong", False), (db_password(stack), True)):
        done = subprocess.run(
            psql, env={**clean, "PGPASSWORD": password}, capture_output=True, text=True
        )
        assert (done.returncode == 0) == works, done.stderr
    password_file = stack.state_dir / "postgres.password"
    assert password_file.stat().st_mode & 0o077 == 0
    if os.geteuid() == 0:
        postgres = psutil.Process(statuses["postgres"].pid)
        assert 0 not in postgres.gids() and postgres.uids().real != 0
        assert as_user("postgres")["extra_groups"] == []
    for status in statuses.values():
        proc = psutil.Process(status.pid)
        for member in [proc, *proc.children(recursive=True)]:
            try:
                command = " ".join(member.cmdline())
            except psutil.Error:  # a child that just ended
                continue
            assert stack.s3_secret_key not in command, status.name


def test_every_service_runs_on_loopback(stack):
    statuses = services.service_status(stack)
    assert [s.name for s in statuses] == STACK_SERVICES
    assert all(s.running for s in statuses), statuses
    for status in statuses:
        proc = psutil.Process(status.pid)
        listeners = {
            c.laddr.ip.removeprefix("::ffff:")
            for p in [proc, *proc.children(recursive=True)]
            for c in p.net_connections("inet")
            if c.status == psutil.CONN_LISTEN
        }
        assert listeners == {"127.0.0.1"}, (status.name, listeners)  # (Java shows ::ffff:127.0.0.1)


def test_spark_writes_through_s3a_the_metastore_lists_trino_reads(stack):
    from lakehouse_kit.spark import get_spark, save_table
    from lakehouse_kit.storage import list_objects

    spark = get_spark(stack)
    rows = [(1, "Bulbasaur", 45), (4, "Charmander", 39), (7, "Squirtle", 44)]
    save_table(
        spark.createDataFrame(rows, "id int, name string, hp int"),
        "silver.stack_probe",
        settings=stack,
    )

    # The files are in the bucket, written by the JVM through S3A ...
    keys = list_objects("silver/stack_probe/", stack)["key"]
    assert any("_delta_log/" in k for k in keys) and any(k.endswith(".parquet") for k in keys)
    assert "s3a://" in spark.conf.get("spark.sql.warehouse.dir")
    # ... the metastore knows the table by name, and Trino reads the same rows through it.
    assert "stack_probe" in set(trino("SHOW TABLES FROM delta.silver", stack)["Table"])
    got = trino("SELECT id, name, hp FROM silver.stack_probe ORDER BY id", stack)
    assert [tuple(r) for r in got.itertuples(index=False)] == rows
    # Delta history written by Spark, read by Trino.
    history = trino('SELECT version, operation FROM delta.silver."stack_probe$history"', stack)
    assert list(history["version"]) == [0]


def test_status_json_names_every_service_and_the_sql_url(stack, capsys):
    from lakehouse_kit.cli import main

    assert main(["status", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["profile"] == "stack"
    assert [s["name"] for s in report["services"]] == STACK_SERVICES
    assert report["sql"]["url"].startswith("trino://") and report["sql"]["url"] == stack.sql_url


def test_doctor_checks_every_component(stack):
    from lakehouse_kit.doctor import run_checks

    checks = {c.name: c for c in run_checks(stack)}
    failed = {name: c.detail for name, c in checks.items() if not c.ok}
    assert not failed, failed
    for name in (
        "S3A round trip",
        "metastore",
        "Trino query",
        *[f"service {s}" for s in STACK_SERVICES],
    ):
        assert name in checks, sorted(checks)


def test_course_on_stack_matches_local(stack, lakehouse_home):
    """Every solution on the JVM stack; the Gold tables equal those of the embedded run."""
    from lakehouse_kit.course import run_course
    from lakehouse_kit.sql import sql_engine

    run = run_course()
    failed = [f"{r.lesson}: {r.error}" for r in run.lessons if not r.ok]
    assert not failed, failed
    with pytest.MonkeyPatch.context() as mp:  # the session's embedded lakehouse
        mp.setenv("LAKEHOUSE_PROFILE", "local")
        mp.setenv("LAKEHOUSE_HOME", str(lakehouse_home))
        mp.delenv("LAKEHOUSE_BUCKET")  # this module's bucket on the shared stack
        duckdb = sql_engine(load_settings())
        local = {table: pd.read_sql(f"SELECT * FROM {table}", duckdb) for table in GOLD}
    for table in GOLD:
        on_stack = trino(f"SELECT * FROM {table}", stack)
        assert len(on_stack) > 0, table
        pd.testing.assert_frame_equal(
            _normalized(on_stack), _normalized(local[table]), check_dtype=False
        )


def _sql_answers() -> list:
    """Every answer of lesson 5's SQL exercises in the catalogue: (exercise, answer, valid)."""
    from catalogue import valid, wrong
    from test_checks_gold_sql import SQL_CHECKS

    return [
        pytest.param(exercise, answer, ok, id=f"{exercise}-{'valid' if ok else 'wrong'}-{answer}")
        for exercise in SQL_CHECKS
        for ok, answers in ((True, valid(exercise)), (False, wrong(exercise)))
        for answer in answers
    ]


def test_lesson_5s_sql_exercises_pass_on_trino(stack, capsys):
    """After the course on the stack: a connection without default catalog refuses short names
    (near_the_best_sql's check runs through one); each solution passes its check with Trino as
    the engine; as_of_sql's Trino text is run there, its DuckDB text only read, and the ✓ says
    so."""
    from solution_code import solution
    from test_checks_gold_sql import SQL_CHECKS

    from lakehouse_kit.spark import get_spark
    from lakehouse_kit.sql import sql_engine, without_default_catalog

    spark, engine = get_spark(stack), sql_engine(stack)
    assert engine.dialect.name == "trino"
    with without_default_catalog(engine) as connection:  # as for a BI tool: no catalog
        assert pd.read_sql("SELECT count(*) AS n FROM delta.silver.pokemon", connection)["n"][0]
        with pytest.raises(Exception, match="Catalog must be specified"):
            pd.read_sql("SELECT count(*) AS n FROM silver.pokemon", connection)
    solved = solution("05", spark=spark)
    for exercise, check in SQL_CHECKS.items():
        check(solved[exercise], spark, engine)
    out = capsys.readouterr().out
    assert "Trino reads what Spark reads at each version" in out
    assert "Your DuckDB text was read, not run" in out


@pytest.mark.parametrize("exercise, answer, ok", _sql_answers())
def test_lesson_5s_sql_answers_are_judged_on_trino(stack, exercise, answer, ok):
    """Every valid answer of the catalogue passes on Trino; every wrong one fails there with
    the hint that names its mistake, as on DuckDB."""
    from test_checks_gold_sql import SQL_CHECKS

    from lakehouse_kit.checks import CheckFailed
    from lakehouse_kit.spark import get_spark
    from lakehouse_kit.sql import sql_engine

    check = SQL_CHECKS[exercise]
    spark, engine = get_spark(stack), sql_engine(stack)
    if ok:
        check(answer.function, spark, engine)
        return
    with pytest.raises(CheckFailed) as failure:
        check(answer.function, spark, engine)
    said = f"{failure.value.message} {failure.value.fix}"
    assert answer.hint.lower() in said.lower(), said


def _maintenance_answers() -> list:
    """Every answer of lesson 6's maintenance_sql in the catalogue: (answer, valid)."""
    import test_checks_upkeep  # noqa: F401 - registers the catalogue's answers
    from catalogue import valid, wrong

    return [
        pytest.param(answer, ok, id=f"{'valid' if ok else 'wrong'}-{answer}")
        for ok, answers in ((True, valid("maintenance_sql")), (False, wrong("maintenance_sql")))
        for answer in answers
    ]


@pytest.mark.parametrize("answer, ok", _maintenance_answers())
def test_lesson_6s_maintenance_sql_runs_on_the_jvm(stack, answer, ok, capsys):
    """On the JVM the statements are run as SQL (OPTIMIZE, VACUUM ... RETAIN, DESCRIBE
    HISTORY): every valid answer passes and says so, every wrong one fails with its hint."""
    from lakehouse_kit import checks
    from lakehouse_kit.spark import get_spark

    spark = get_spark(stack)
    if ok:
        checks.check_maintenance_sql(answer.function, spark)
        assert "run by the JVM engine" in capsys.readouterr().out
        return
    with pytest.raises(checks.CheckFailed) as failure:
        checks.check_maintenance_sql(answer.function, spark)
    said = f"{failure.value.message} {failure.value.fix}"
    assert answer.hint in said, said


# Wrong on the embedded engine only: the JVM reads the change feed this answer asks for.
SAIL_ONLY_MISTAKES = {"the_table_not_its_feed"}
# Refused by the embedded engine, the JVM's own SQL for the exercise: valid there.
VALID_ON_THE_JVM = {"alter_table_sql"}


def _lesson_7_answers() -> list:
    """Every answer of lesson 7's Delta feature exercises: (exercise, answer, valid)."""
    import test_checks_production  # noqa: F401  (registers lesson 7's catalogue)
    from catalogue import valid, wrong

    return [
        pytest.param(exercise, answer, ok, id=f"{exercise}-{'valid' if ok else 'wrong'}-{answer}")
        for exercise in ("widen_column", "rename_column", "types_to_refresh")
        for valid_here, answers in ((True, valid(exercise)), (False, wrong(exercise)))
        for answer in answers
        if answer.name not in SAIL_ONLY_MISTAKES
        for ok in [valid_here or answer.name in VALID_ON_THE_JVM]
    ]


@pytest.mark.parametrize("exercise, answer, ok", _lesson_7_answers())
def test_lesson_7s_delta_features_are_judged_on_the_jvm(stack, exercise, answer, ok):
    """Type widening, column mapping and the change data feed in the JVM's own Delta (ALTER
    COLUMN ... TYPE, RENAME COLUMN, readChangeFeed on a feed delta-rs wrote): every valid answer
    passes, every wrong one fails with the hint that names its mistake, as on the embedded
    engine; ALTER TABLE ... RENAME COLUMN, refused there, passes here."""
    from lakehouse_kit import checks
    from lakehouse_kit.spark import get_spark

    check = {
        "widen_column": checks.check_widen_column,
        "rename_column": checks.check_rename_column,
        "types_to_refresh": checks.check_types_to_refresh,
    }[exercise]
    spark = get_spark(stack)
    if ok:
        check(answer.function, spark=spark)
        return
    with pytest.raises(checks.CheckFailed) as failure:
        check(answer.function, spark=spark)
    said = f"{failure.value.message} {failure.value.fix}"
    assert answer.hint in said, said


def test_a_rename_the_embedded_route_committed_reads_on_the_jvm_and_trino(stack):
    """The embedded engine's route (delta-rs commits the new schema, physical names kept) on a
    table the JVM declared: the JVM's Delta 4 and Trino read the renamed and dropped columns,
    and the JVM writes and renames on top of that commit."""
    from lakehouse_kit import delta_ops
    from lakehouse_kit.catalog import table_uri
    from lakehouse_kit.checks.core import scratch_table
    from lakehouse_kit.spark import get_spark

    spark = get_spark(stack)
    with scratch_table(spark, "rename_by_delta_rs") as table:
        spark.sql(
            f"CREATE TABLE {table} (id INT, speed SMALLINT, height FLOAT) USING delta "
            f"TBLPROPERTIES ('delta.columnMapping.mode' = 'name') LOCATION '{table_uri(table)}'"
        )
        spark.sql(f"INSERT INTO {table} VALUES (1, 45, 0.5), (2, 60, 1.0)")
        for old, new in (("speed", "velocity"), ("height", None)):
            delta = delta_ops.delta_table(table)  # the local route, as on the embedded engine
            delta_ops._commit_schema(delta, delta_ops._altered_schema(table, delta, old, new))
        spark.sql(f"INSERT INTO {table} VALUES (3, 80)")
        spark.sql(f"ALTER TABLE {table} RENAME COLUMN velocity TO pace")
        assert spark.table(table).columns == ["id", "pace"]
        assert sorted(tuple(r) for r in spark.table(table).collect()) == [(1, 45), (2, 60), (3, 80)]
        read = trino(f"SELECT id, pace FROM {table} ORDER BY id", stack)
        assert [tuple(r) for r in read.itertuples(index=False)] == [(1, 45), (2, 60), (3, 80)]


def _normalized(frame: pd.DataFrame) -> pd.DataFrame:
    """Same columns in the same order, numbers as floats, rows sorted: engines differ in types."""
    frame = frame[sorted(frame.columns)].copy()
    for column in frame.columns:
        numbers = pd.to_numeric(frame[column], errors="coerce")
        frame[column] = (
            numbers.round(6)
            if numbers.notna().sum() == frame[column].notna().sum()
            else frame[column].astype(str)
        )
    return frame.sort_values(list(frame.columns)).reset_index(drop=True)


def test_restart_keeps_data_and_catalog_and_down_leaves_nothing(stack):
    before = {s.name: s for s in services.service_status(stack)}
    assert sorted(services.stop_services(stack)) == sorted(STACK_SERVICES)
    for status in before.values():
        assert (
            not psutil.pid_exists(status.pid)
            or psutil.Process(status.pid).status() == psutil.STATUS_ZOMBIE
        )
        assert not services.port_answers(status.port, timeout=0.2), status.name
    services.start_services(stack)
    live = load_settings()
    got = trino("SELECT count(*) AS n FROM silver.stack_probe", live)
    assert got["n"][0] == 3
    from lakehouse_kit.spark import get_spark

    assert get_spark(live).table("silver.stack_probe").count() == 3


def test_the_jvm_engine_runs_with_the_learners_configuration(stack, capsys):
    """Lesson 1's check on the JVM: the engine runs with the learner's configuration (the
    course's values: no restart), and a Delta table goes through S3A, the metastore, Spark and
    Trino. A wrong secret that reaches the engine restarts it with that secret, the round trip
    is refused at the write with the keys' hint, and the engine gets the previous one back."""
    from test_checks_engine_conf import lesson_answer
    from test_checks_s3a import solution

    from lakehouse_kit import checks, engine
    from lakehouse_kit.checks.engine_conf import _run_the_engine_with

    checks.check_engine_conf(lesson_answer, solution, stack)
    out = capsys.readouterr().out
    assert "registered in the metastore, read back by name by Spark and by Trino" in out
    assert engine.saved_template(stack) == engine.COURSE_CONF
    stale = {**solution(stack), "fs.s3a.secret.key": "last-weeks-secret"}
    with pytest.raises(checks.CheckFailed) as failure:
        _run_the_engine_with(lesson_answer, lambda s: stale, stack)
    assert "(write)" in failure.value.message and "secret.key" in failure.value.fix
    from lakehouse_kit.spark import lakehouse_round_trip

    assert lakehouse_round_trip(load_settings()) == ("", "")


@pytest.mark.parametrize("victim", ["spark", "metastore", "postgres"])
def test_a_service_killed_during_a_write_loses_no_table(stack, victim):
    """SIGKILL JVM Spark, the metastore or PostgreSQL while a large Delta write runs: after
    the next `up` the table holds exactly the last committed version (the old rows or all the
    new ones, never a part), Spark and Trino read it by name alike."""
    import signal
    import threading
    import time

    from lakehouse_kit.home import pid_file, read_json
    from lakehouse_kit.spark import get_spark, save_table

    table = f"silver.fault_{victim}"
    spark = get_spark(stack)
    save_table(spark.range(100).selectExpr("id", "'old' AS tag"), table, settings=stack)
    big = spark.range(3_000_000).selectExpr("id", "sha2(cast(id AS string), 256) AS tag")
    outcome: dict = {}

    def write():
        try:
            save_table(big, table, settings=stack)
            outcome["ok"] = True
        except Exception as error:  # noqa: BLE001 - a failure is one expected outcome
            outcome["error"] = error

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    time.sleep(2)
    victim_pid = read_json(pid_file(stack.run_dir, victim))["pid"]
    psutil.Process(victim_pid).send_signal(signal.SIGKILL)
    writer.join(timeout=300)
    assert not writer.is_alive(), f"the write hung after {victim} died"

    services.start_services(stack)
    live = load_settings()
    spark = get_spark(live)  # registers the bucket's tables again where the catalog lost one
    got = spark.table(table)
    total, old = got.count(), got.filter("tag = 'old'").count()
    assert (total, old) in {(100, 100), (3_000_000, 0)}, (total, old, outcome)
    assert trino(f"SELECT count(*) AS n FROM {table}", live)["n"][0] == total


def test_an_interrupted_catalog_set_up_is_made_again_and_the_tables_come_back(stack):
    """PostgreSQL's folder without the kit's completion mark (initdb or the database creation
    was interrupted): the next `up` makes it again; the tables, whose files are in the bucket,
    are registered again by the next session (`lakehouse repair` does it at once)."""
    from lakehouse_kit.cli import main
    from lakehouse_kit.home import MARKER
    from lakehouse_kit.postgres import postgres_data

    services.stop_services(stack)
    (postgres_data(stack) / MARKER).unlink()
    assert main(["repair"]) == 0
    live = load_settings()
    assert trino("SELECT count(*) AS n FROM silver.stack_probe", live)["n"][0] == 3


def test_plain_down_stops_the_stack_too(stack, monkeypatch, capsys):
    """`lakehouse down` without --profile, from a shell whose profile is `local`, must not
    leave 3 GB of JVMs running."""
    from lakehouse_kit.cli import main

    monkeypatch.setenv("LAKEHOUSE_PROFILE", "local")
    assert main(["down"]) == 0
    assert "Stopped (stack)" in capsys.readouterr().out
    assert not any(s.running for s in services.service_status(load_settings(profile="stack")))
