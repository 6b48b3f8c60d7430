"""The supervisor with real processes (small Python HTTP servers), no servers of the kit's."""

from __future__ import annotations

import socket
import sys

import pytest

from lakehouse_kit import supervisor
from lakehouse_kit.errors import ServiceError
from lakehouse_kit.supervisor import Service


def _http_server(name: str, **options) -> Service:
    return Service(
        name=name,
        port=supervisor.free_port(),
        command=lambda settings, ports: [sys.executable, "-m", "http.server", str(ports[name])],
        timeout=20,
        **options,
    )


@pytest.fixture
def settings(kit_home):
    with kit_home("supervisor") as settings:
        yield settings


@pytest.fixture
def taken():
    """Sockets bound by "another program"; closed after the test."""
    sockets: list[socket.socket] = []
    yield sockets
    for sock in sockets:
        sock.close()


def _take(port: int, sockets: list[socket.socket]) -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", port))
    sock.listen()
    sockets.append(sock)


def test_a_port_taken_between_choice_and_bind_is_replaced(settings, taken):
    """Ports are picked, then bound by the server: when another program binds one in between,
    the server exits with "address already in use", and the supervisor starts it once more on a
    free port (a kernel starting beside `lakehouse up` made this happen in CI)."""
    grabs = []

    def grab_the_first_time(settings, ports):  # another program wins the race, once
        if not grabs:
            grabs.append(ports["web"])
            _take(ports["web"], taken)

    service = _http_server("web", prepare=grab_the_first_time)
    plan = supervisor.start([service], settings)
    try:
        assert grabs, "the race was not staged"
        assert plan.ports["web"] != grabs[0]
        assert supervisor.port_answers(plan.ports["web"])
        assert "address already in use" in (settings.run_dir / "web.log").read_text().lower()
    finally:
        supervisor.stop([service], settings.run_dir)


def test_a_dependant_started_beside_a_moved_service_follows_it(settings, taken):
    grabs = []

    def grab_the_first_time(settings, ports):
        if not grabs:
            grabs.append(ports["store"])
            _take(ports["store"], taken)

    store = _http_server("store", prepare=grab_the_first_time)
    engine = _http_server("engine", needs=("store",), waits_for_needs=False)
    plan = supervisor.start([store, engine], settings)
    try:
        record = supervisor.home.read_json(supervisor.home.pid_file(settings.run_dir, "engine"))
        assert record["needs"] == {"store": plan.ports["store"]} != {"store": grabs[0]}
        assert all(supervisor.port_answers(plan.ports[name]) for name in ("store", "engine"))
    finally:
        supervisor.stop([store, engine], settings.run_dir)


def test_a_server_that_fails_for_another_reason_is_not_retried(settings):
    calls = []
    service = Service(
        name="broken",
        port=supervisor.free_port(),
        command=lambda s, p: calls.append(1) or [sys.executable, "-c", "raise SystemExit(3)"],
        timeout=20,
    )
    with pytest.raises(ServiceError, match="exited during start-up"):
        supervisor.start([service], settings)
    assert len(calls) == 1
