"""Fault tolerance of the embedded lakehouse: real servers killed with SIGKILL at bad moments.

Each test has its own LAKEHOUSE_HOME and its own SeaweedFS + Sail processes, so killing them
never touches the session's lakehouse (or anybody else's).
"""

from __future__ import annotations

import json
import signal
import subprocess
import threading
import time

import psutil
import pytest
from pyspark.errors import PySparkException
from pyspark.sql import functions as F
from test_services import s3_requests

from lakehouse_kit import delta_ops, services, storage
from lakehouse_kit.errors import ServiceError
from lakehouse_kit.settings import load_settings
from lakehouse_kit.spark import connect, current_spark, get_spark, save_table

pytestmark = pytest.mark.services


@pytest.fixture
def home(kit_home):
    """A fresh lakehouse with running services; everything it started is stopped afterwards."""
    with kit_home("faults", start=True) as settings:
        yield settings


def pid_record(settings, name: str) -> dict:
    return json.loads((settings.run_dir / f"{name}.pid").read_text())


def kill_service(settings, name: str) -> int:
    """SIGKILL the process in the service's pid file (no clean shutdown) and reap it."""
    pid = pid_record(settings, name)["pid"]
    proc = psutil.Process(pid)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)  # reaps it when it is our child: no zombie is left for the kit to see
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    return pid


def rows(df) -> list[tuple]:
    return sorted(tuple(r) for r in df.collect())


def running(settings) -> dict[str, bool]:
    return {s.name: s.running for s in services.service_status(settings)}


def test_s3_killed_during_a_delta_write_keeps_the_last_committed_version(home):
    table = "bronze.fault_write"
    spark = get_spark()
    save_table(spark.range(1000).select("id", F.lit("v0").alias("tag")), table)
    save_table(spark.range(500, 2000).select("id", F.lit("v1").alias("tag")), table)
    committed = rows(spark.table(table))
    assert len(committed) == 1500 and {t for _, t in committed} == {"v1"}

    # A few million rows take seconds to write: the kill lands while data files go out.
    big = spark.range(3_000_000).select("id", F.sha2(F.col("id").cast("string"), 256).alias("tag"))
    outcome: dict = {}

    def write():
        try:
            save_table(big, table)
            outcome["ok"] = True
        except Exception as error:  # noqa: BLE001 - any failure is the expected outcome
            outcome["error"] = error

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    time.sleep(0.3)
    assert writer.is_alive(), "the big write finished before the kill: make it bigger"
    kill_service(home, "s3")
    writer.join(timeout=240)
    assert not writer.is_alive(), "the write hung after the S3 server died"
    assert "error" in outcome and "ok" not in outcome, "a write to a dead S3 server succeeded"

    # The next kit call says what to do at once instead of retrying: a probe of the port for
    # Spark, a request and two retries for S3 (botocore's default would try five times).
    with pytest.raises(ServiceError, match="lakehouse up"):
        connect()
    with s3_requests(home) as sent, pytest.raises(ServiceError, match="lakehouse up"):
        storage.ensure_bucket()
    assert 1 <= len(sent) <= 3, sent
    assert running(load_settings()) == {"s3": False, "spark": True}

    services.start_services()
    spark = get_spark()
    # Exactly version 1: nothing of the interrupted write is visible.
    assert rows(spark.table(table)) == committed
    history = delta_ops.history(table)
    assert list(history["version"]) == [1, 0]
    delta = delta_ops.delta_table(table)
    assert delta.version() == 1
    assert delta.to_pyarrow_table().num_rows == 1500
    log = storage.list_objects(f"{table.replace('.', '/')}/_delta_log/")["key"]
    assert not log.str.contains("00000000000000000002").any(), list(log)

    # And the table takes the next write normally.
    save_table(spark.range(7).select("id", F.lit("v2").alias("tag")), table)
    assert rows(spark.table(table)) == [(i, "v2") for i in range(7)]
    assert delta_ops.delta_table(table).version() == 2


def test_spark_killed_under_an_open_session_is_restarted_by_get_spark(home):
    table = "bronze.fault_spark"
    spark = get_spark()
    save_table(spark.range(10).select("id", (F.col("id") * 3).alias("triple")), table)
    before = rows(spark.table(table))
    assert current_spark() is spark  # what checks use
    old_pid = kill_service(home, "spark")

    with pytest.raises(PySparkException):  # the open session really lost its server
        spark.range(1).collect()
    assert running(home) == {"s3": True, "spark": False}
    assert current_spark() is None  # a check then asks get_spark for a new session

    spark = get_spark()
    assert pid_record(load_settings(), "spark")["pid"] != old_pid
    assert running(load_settings()) == {"s3": True, "spark": True}
    # The new server's catalog is empty; get_spark registered the table again.
    assert spark.catalog.tableExists(table)
    assert rows(spark.table(table)) == before
    assert spark.sql(f"SELECT sum(triple) AS s FROM {table}").collect()[0]["s"] == 135


def test_machine_restart_with_stale_pid_files(home):
    table = "silver.fault_restart"
    spark = get_spark()
    save_table(
        spark.range(100).select("id", F.concat(F.lit("p"), F.col("id")).alias("name")), table
    )
    before = rows(spark.table(table))
    old = {name: pid_record(home, name) for name in ("s3", "spark")}

    # The "power cut": both die at once and their pid files stay behind.
    for name in ("spark", "s3"):
        kill_service(home, name)
    # After a reboot the old pid may belong to an unrelated process: make it so for S3.
    stranger = subprocess.Popen(["sleep", "300"])
    try:
        stale = dict(old["s3"], pid=stranger.pid)
        (home.run_dir / "s3.pid").write_text(json.dumps(stale))
        assert (home.run_dir / "spark.pid").exists()
        assert running(home) == {"s3": False, "spark": False}

        services.start_services()
        settings = load_settings()
        new = {name: pid_record(settings, name) for name in ("s3", "spark")}
        assert new["s3"]["pid"] not in (old["s3"]["pid"], stranger.pid)
        assert new["spark"]["pid"] != old["spark"]["pid"]
        assert running(settings) == {"s3": True, "spark": True}
        for name in ("s3", "spark"):
            assert psutil.Process(new[name]["pid"]).is_running()
        assert stranger.poll() is None, "the kit killed a process it did not start"

        spark = get_spark()
        assert rows(spark.table(table)) == before
        assert delta_ops.delta_table(table).version() == 0
    finally:
        stranger.kill()
        stranger.wait()
