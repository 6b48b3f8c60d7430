"""The two local services, started for real in a home of this module's own.

The session fixture (conftest) may run its own services meanwhile, even on the default ports:
ours then move to free ports, and these tests stop and start ours without touching theirs.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import threading
import uuid
from contextlib import contextmanager

import psutil
import pytest

from lakehouse_kit import runtime, services
from lakehouse_kit.errors import ServiceError
from lakehouse_kit.settings import LOCAL_S3_PORT, load_settings
from lakehouse_kit.storage import ensure_bucket, s3_client

pytestmark = pytest.mark.services


@pytest.fixture(scope="module")
def home(kit_home):
    # kit_home isolates the process state: get_spark() connects to OUR server; the sessions
    # opened here are stopped at the end, the other tests' (e.g. the session fixture's) kept.
    with kit_home("services-home") as settings:
        yield settings.home


@contextmanager
def s3_requests(settings):
    """The requests the kit's S3 client sends meanwhile (each attempt, retries included)."""
    sent: list[str] = []
    events = s3_client(settings).meta.events

    def record(request, **kwargs):
        sent.append(request.url)

    events.register("before-send.s3", record)
    try:
        yield sent
    finally:
        events.unregister("before-send.s3", record)


def pids(settings) -> dict[str, int]:
    return {s.name: s.pid for s in services.service_status(settings) if s.running}


def ports(settings) -> dict[str, int]:
    return {s.name: s.port for s in services.service_status(settings)}


def listening(pid_list) -> set[tuple[str, int]]:
    found = set()
    for pid in pid_list:
        proc = psutil.Process(pid)
        for p in [proc, *proc.children(recursive=True)]:
            found |= {
                (c.laddr.ip, c.laddr.port)
                for c in p.net_connections("inet")
                if c.status == psutil.CONN_LISTEN
            }
    return found


def kill_service(settings, name: str, sig=signal.SIGKILL) -> int:
    pid = pids(settings)[name]
    os.kill(pid, sig)
    psutil.Process(pid).wait(timeout=60)  # our child: reap it (SIGTERM is slow on a busy machine)
    assert not psutil.pid_exists(pid)
    return pid


def test_kit_session_starts_services_when_down(home, capsys):
    from lakehouse_kit.spark import get_spark

    settings = load_settings()
    assert not any(s.running for s in services.service_status(settings))
    default_taken = not services.port_is_free(LOCAL_S3_PORT)

    spark = get_spark()
    assert spark.range(5).count() == 5

    live = load_settings()
    assert set(pids(live)) == {"s3", "spark"}
    assert spark.client._builder.endpoint == live.spark_remote.removeprefix("sc://")
    s3_port = ports(live)["s3"]
    if default_taken:  # e.g. the session fixture's server: ours moved and said so
        assert s3_port != LOCAL_S3_PORT
        assert f"Port {LOCAL_S3_PORT} is taken" in capsys.readouterr().err
    else:
        assert s3_port == LOCAL_S3_PORT
    assert live.s3_endpoint == f"http://127.0.0.1:{s3_port}"


def test_start_is_idempotent(home):
    services.start_services(load_settings())
    settings = load_settings()
    before = pids(settings)
    pid_files = {n: (settings.run_dir / f"{n}.pid").read_text() for n in before}
    assert services.start_services(settings) == []  # no notes: nothing started, nothing moved
    assert pids(settings) == before
    assert {n: (settings.run_dir / f"{n}.pid").read_text() for n in before} == pid_files
    recorded = json.loads((settings.run_dir / "ports.json").read_text())
    assert {name: recorded[name] for name in ("s3", "spark")} == ports(settings)
    spark_record = json.loads((settings.run_dir / "spark.pid").read_text())
    assert spark_record["needs"] == {
        "s3": recorded["s3"]
    }  # Sail was started against this S3 server


def test_services_listen_on_loopback_only(home):
    services.start_services(load_settings())
    settings = load_settings()
    sockets = listening(pids(settings).values())
    assert sockets, "the services listen on nothing?"
    assert {ip for ip, _ in sockets} == {"127.0.0.1"}
    assert {("127.0.0.1", p) for p in ports(settings).values()} <= sockets


def test_stop_leaves_nothing_and_data_survives(home):
    services.start_services(load_settings())
    settings = load_settings()
    ensure_bucket(settings)
    key, body = f"survive/{uuid.uuid4().hex}.txt", b"still here"
    s3_client(settings).put_object(Bucket=settings.bucket, Key=key, Body=body)
    before = pids(settings)
    sockets = listening(before.values())

    assert sorted(services.stop_services(settings)) == ["s3", "spark"]
    for pid in before.values():
        assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    assert not any(s.running for s in services.service_status(settings))
    # Nothing of ours listens any more (another program may since have taken a freed port).
    ports_before = {port for _, port in sockets}
    left = [
        c
        for c in psutil.net_connections("inet")
        if c.status == psutil.CONN_LISTEN
        and c.laddr.port in ports_before
        and (c.pid is None or c.pid in before.values())
    ]
    assert left == []  # (whether the port answers says nothing: a stranger may listen there)
    assert services.stop_services(settings) == []  # twice is fine

    services.start_services(settings)
    settings = load_settings()
    assert pids(settings).keys() == {"s3", "spark"} and set(pids(settings).values()).isdisjoint(
        before.values()
    )
    got = s3_client(settings).get_object(Bucket=settings.bucket, Key=key)["Body"].read()
    assert got == body


def test_taken_port_moves_the_service(home):
    services.start_services(load_settings())
    settings = load_settings()
    ensure_bucket(settings)
    key = f"moved/{uuid.uuid4().hex}.txt"
    s3_client(settings).put_object(Bucket=settings.bucket, Key=key, Body=b"x")
    services.stop_services(settings)

    with socket.socket() as s3_squatter, socket.socket() as spark_squatter:
        for sock in (s3_squatter, spark_squatter):
            sock.bind(("127.0.0.1", 0))
            sock.listen()
        taken = {"s3": s3_squatter.getsockname()[1], "spark": spark_squatter.getsockname()[1]}
        (settings.run_dir / "ports.json").write_text(json.dumps(taken))

        notes = services.start_services(load_settings())
        live = load_settings()
        now = ports(live)
        assert now["s3"] != taken["s3"] and now["spark"] != taken["spark"]
        assert any(
            f"Port {taken['s3']} is taken" in n and f"uses {now['s3']}" in n for n in notes
        ), notes
        assert any(
            f"Port {taken['spark']} is taken" in n and f"uses {now['spark']}" in n for n in notes
        ), notes
        assert live.s3_endpoint == f"http://127.0.0.1:{now['s3']}"
        assert live.spark_remote == f"sc://127.0.0.1:{now['spark']}"
        assert services.port_answers(now["s3"]) and services.port_answers(now["spark"])
        # Same data on the new port.
        assert s3_client(live).get_object(Bucket=live.bucket, Key=key)["Body"].read() == b"x"


def test_stopped_s3_fails_fast_with_the_fix(home):
    services.start_services(load_settings())
    settings = load_settings()
    kill_service(settings, "s3", signal.SIGTERM)
    with s3_requests(settings) as sent, pytest.raises(ServiceError) as info:
        ensure_bucket(settings)
    assert 1 <= len(sent) <= 3, sent  # the request and two retries, then what to do
    assert "lakehouse up" in str(info.value)
    assert settings.s3_endpoint in info.value.message
    services.start_services(settings)  # back for the next tests
    assert ensure_bucket(load_settings()) == settings.bucket


def test_stopped_spark_fails_fast_and_get_spark_recovers(home):
    from lakehouse_kit.spark import connect, get_spark

    services.start_services(load_settings())
    settings = load_settings()
    spark = get_spark(register=False)
    assert spark.range(3).count() == 3
    old_pid = kill_service(settings, "spark")

    with pytest.raises(ServiceError) as info:  # from a probe of the port: no connection tried
        connect()
    assert "lakehouse up" in str(info.value)

    outcome: dict = {}

    def query():
        try:
            outcome["value"] = spark.range(10).count()
        except Exception as error:  # noqa: BLE001 - any error is the expected outcome
            outcome["error"] = error

    worker = threading.Thread(target=query, daemon=True)
    worker.start()
    # pyspark's default retry policy would keep it for about ten minutes; the kit's few retries
    # end it in seconds. (A guard against a hang, not a measure: the benchmark times things.)
    worker.join(timeout=120)
    assert not worker.is_alive(), "a query against a dead server hangs in retries"
    assert "error" in outcome and "value" not in outcome

    again = get_spark()  # restarts the engine and reconnects
    assert again.range(100).selectExpr("sum(id) AS s").collect()[0].s == 4950
    new_pid = pids(load_settings())["spark"]
    assert new_pid != old_pid


def test_wrong_credentials_are_named(home):
    services.start_services(load_settings())
    wrong = load_settings(s3_secret_key="nope")
    with pytest.raises(ServiceError) as info:
        ensure_bucket(wrong)
    assert "credentials" in info.value.message
    assert "LAKEHOUSE_S3_SECRET_KEY" in info.value.fix


def test_spark_follows_the_s3_server_to_a_new_port(home):
    """Sail reads the S3 endpoint at start: when S3 restarts elsewhere, Spark restarts with it."""
    settings = load_settings()
    services.start_services(settings)
    spark_before = {s.name: s.pid for s in services.service_status(settings)}["spark"]
    s3 = next(s for s in services.service_status(settings) if s.name == "s3")
    services.stop_tree(psutil.Process(s3.pid))
    with socket.socket() as blocker:  # the old S3 port is now taken by someone else
        blocker.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        blocker.bind(("127.0.0.1", s3.port))
        blocker.listen()
        notes = services.start_services(settings)
        live = {s.name: s for s in services.service_status(load_settings())}
        assert live["s3"].port != s3.port and any("S3" in n for n in notes)
        assert live["spark"].pid != spark_before
        from lakehouse_kit.spark import get_spark

        spark = get_spark(load_settings())
        spark.range(3).write.format("delta").mode("overwrite").save(
            f"s3a://{settings.bucket}/bronze/follow"
        )
        assert (
            spark.read.format("delta").load(f"s3a://{settings.bucket}/bronze/follow").count() == 3
        )


def test_services_run_with_the_memory_settings(home):
    """The memory settings (docs/benchmark.md) reach the live processes, and Sail obeys its own."""
    from lakehouse_kit.spark import get_spark

    services.start_services(load_settings())
    live = pids(load_settings())
    assert services.WEED_MEMORY.items() <= psutil.Process(live["s3"]).environ().items()
    assert services.SAIL_MEMORY.items() <= psutil.Process(live["spark"]).environ().items()
    # SQL, not DataFrame methods: these consult pyspark's global session, which an earlier test
    # may have left pointing at a stopped server.
    spark = get_spark(register=False)
    rows = spark.sql("EXPLAIN SELECT id, count(*) FROM range(1000) GROUP BY id").collect()
    plan = "\n".join(str(value) for row in rows for value in row)
    assert "AggregateExec" in plan and "RepartitionExec" not in plan  # one partition: no shuffle


def test_a_check_starts_no_server(home):
    """Servers start at the notebook's edge (`get_spark`) and in the CLI only: a check that
    finds no engine says to run `lakehouse up`, and nothing runs afterwards."""
    from lakehouse_kit.checks.core import session

    services.stop_services(load_settings())
    with runtime.isolated():  # as a new kernel: no session to reuse
        with pytest.raises(ServiceError, match="lakehouse up"):
            session(None)
    assert not any(s.running for s in services.service_status(load_settings()))
    services.start_services(load_settings())  # back for the next tests
