"""One supervisor for every background service the kit runs on this machine.

A service is a *definition* (`Service`): how to build its command and environment from the
settings and the ports chosen so far, which port it listens on, which services it needs,
how to tell it is ready. The supervisor starts definitions in order, moves a service whose
port is taken to a free one (and says so), waits until each answers, stops exactly the
processes it started, and reports their state. Process control is psutil's, so it works the
same on Linux, macOS and Windows.

Everything lives in one run folder (its files are spelled in `home.py`): `<name>.pid` (pid,
start time, the ports it was started with), `<name>.log`, `ports.json` (the live port of each
service) and `endpoints.json` (the settings values that follow from those ports, which
`load_settings()` reads). Callers hold the home's lock around `start` and `stop`.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import psutil

from lakehouse_kit import home
from lakehouse_kit.errors import ServiceError

if TYPE_CHECKING:
    from lakehouse_kit.settings import Settings

Ports = dict[str, int]


@dataclass(frozen=True)
class Service:
    """How to run one background service. Builders get the settings and the live ports."""

    name: str
    port: int  # preferred port; a taken one is replaced by a free one
    command: Callable[[Settings, Ports], list[str]]
    env: Callable[[Settings, Ports], dict[str, str]] = lambda settings, ports: {}
    needs: tuple[str, ...] = ()  # services it talks to: started first, restarted if they move
    # False for a server that connects only when a query comes: it starts beside what it needs
    # (their ports are known) instead of waiting until they answer.
    waits_for_needs: bool = True
    endpoints: Callable[[int], dict[str, str]] = lambda port: {}  # settings values it serves
    prepare: Callable[[Settings, Ports], None] | None = None  # one-off set-up before a start
    ready: Callable[[Settings, Ports], bool] | None = None  # beyond "its port answers"
    # What its configuration is (e.g. a hash of it): a running service started with another
    # one is restarted, as one whose needed services moved is.
    signature: Callable[[Settings, Ports], str] = lambda settings, ports: ""
    timeout: float = 30
    cwd: Callable[[Settings], Path] | None = None
    user: str | None = None  # POSIX user to run as (PostgreSQL refuses to run as root)
    memory: str = ""  # what it is expected to need, for status and docs
    label: str = ""  # how messages name it ("the S3 server")

    @property
    def title(self) -> str:
        return self.label or self.name


@dataclass
class ServiceStatus:
    name: str
    pid: int | None
    running: bool
    port: int | None
    log: str
    memory: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


# ---------------------------------------------------------------- ports


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_answers(port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout):
            return True
    except OSError:
        return False


def _choose_port(preferred: int, service: Service, notes: list[str]) -> int:
    if port_is_free(preferred):
        return preferred
    port = free_port()
    notes.append(
        f"Port {preferred} is taken by another process; {service.title} uses {port} instead."
    )
    return port


# ---------------------------------------------------------------- the run folder


def _write_state(run_dir: Path, services: list[Service], ports: Ports) -> None:
    endpoints = {
        k: v for s in services if s.name in ports for k, v in s.endpoints(ports[s.name]).items()
    }
    home.write_state(run_dir, ports, endpoints)


def live_process(run_dir: Path, name: str) -> psutil.Process | None:
    """The process started for `name`, if it still runs (a reused pid does not count)."""
    record = home.read_json(home.pid_file(run_dir, name))
    try:
        proc = psutil.Process(record["pid"])
        if (
            abs(proc.create_time() - record["created"]) < 1
            and proc.status() != psutil.STATUS_ZOMBIE
        ):
            return proc
    except (KeyError, psutil.Error):
        pass
    return None


def _outdated(service: Service, settings: Settings, ports: Ports) -> bool:
    """Whether a running service was started with other needed ports or another configuration
    than it would get now."""
    record = home.read_json(home.pid_file(settings.run_dir, service.name))
    needs = {name: ports.get(name) for name in service.needs}
    return needs != record.get("needs", {}) or service.signature(settings, ports) != record.get(
        "signature", ""
    )


# ---------------------------------------------------------------- process control


def as_user(user: str | None) -> dict:
    """Popen options to run as `user` with that user's own group and no other: a child of root
    must not keep root's groups."""
    if not user or sys.platform == "win32":
        return {}
    import pwd

    entry = pwd.getpwnam(user)
    return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}


def _spawn(service: Service, settings: Settings, ports: Ports) -> psutil.Process:
    run_dir = settings.run_dir
    command = service.command(settings, ports)
    env = {**os.environ, **service.env(settings, ports)}
    options: dict = {"cwd": service.cwd(settings) if service.cwd else None}
    if sys.platform == "win32":
        options["creationflags"] = subprocess.CREATE_NEW_PROCESS_GROUP
    else:
        options["start_new_session"] = True  # outlives the kernel or shell that started it
        options.update(as_user(service.user))
    with open(home.log_file(run_dir, service.name), "ab") as log:
        popen = subprocess.Popen(
            command,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            **options,
        )
    proc = psutil.Process(popen.pid)
    needs = {name: ports[name] for name in service.needs}
    record = {
        "pid": popen.pid,
        "created": proc.create_time(),
        "cmd": command[:3],
        "needs": needs,
        "signature": service.signature(settings, ports),
    }
    home.pid_file(run_dir, service.name).write_text(json.dumps(record))
    return proc


def stop_tree(proc: psutil.Process, timeout: float = 15) -> None:
    """Stop a process and all its descendants: politely, then forcibly."""
    try:
        tree = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return
    for member in tree:
        try:
            member.terminate()
        except psutil.Error:
            pass
    _, alive = psutil.wait_procs(tree, timeout=timeout)
    for member in alive:
        try:
            member.kill()
        except psutil.Error:
            pass
    psutil.wait_procs(alive, timeout=5)


def _listens_on(proc: psutil.Process, port: int) -> bool:
    try:
        return any(
            c.status == psutil.CONN_LISTEN and c.laddr.port == port
            for p in [proc, *proc.children(recursive=True)]
            for c in p.net_connections("inet")
        )
    except psutil.Error:
        return False


def wait_until_ready(
    service: Service, settings: Settings, ports: Ports, proc: psutil.Process
) -> None:
    log = home.log_file(settings.run_dir, service.name)
    port, deadline = ports[service.name], time.monotonic() + service.timeout
    while time.monotonic() < deadline:
        if not proc.is_running() or proc.status() == psutil.STATUS_ZOMBIE:
            raise ServiceError(
                f"{service.title} exited during start-up. Last log lines:\n{home.tail(log)}",
                fix=f"Read {log}; then run `lakehouse doctor`.",
            )
        # Our process must own the listener: another program may have taken the port between
        # the free-port check and the bind, and then our server exits while theirs answers.
        if (
            port_answers(port)
            and _listens_on(proc, port)
            and (service.ready is None or service.ready(settings, ports))
        ):
            return
        time.sleep(0.05)
    raise ServiceError(
        f"{service.title} did not answer on 127.0.0.1:{port} within {service.timeout:.0f} s.",
        fix=f"Read {log}, then `lakehouse down` and `lakehouse up`.",
    )


def _lost_port_race(log: Path, since: int) -> bool:
    """Whether the service's log, since it was spawned, says a port it was given was taken."""
    try:
        with open(log, "rb") as lines:
            lines.seek(since)
            return b"address already in use" in lines.read().lower()
    except OSError:
        return False


# ---------------------------------------------------------------- the supervisor


@dataclass
class StartPlan:
    """What `start` decided: ports per service, which it started, notes for the user."""

    ports: Ports = field(default_factory=dict)
    started: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def start(
    services: list[Service],
    settings: Settings,
    on_ready: Callable[[str, float], None] = lambda name, seconds: None,
) -> StartPlan:
    """Start every service that is not running, in order; wait until all answer.

    A service waits for the services it needs before it starts, so independent ones start
    side by side. One whose needed services moved to other ports, or whose configuration
    changed (`Service.signature`), is restarted. `on_ready`
    hears of each service that came up, with the seconds since `start` began."""
    run_dir = settings.run_dir
    run_dir.mkdir(parents=True, exist_ok=True)
    plan = StartPlan(ports=home.read_ports(run_dir))
    by_name = {s.name: s for s in services}
    began = time.monotonic()

    def launch(service: Service) -> None:
        plan.ports[service.name] = _choose_port(
            plan.ports.get(service.name, service.port), service, plan.notes
        )
        if service.prepare:
            service.prepare(settings, plan.ports)
        log = home.log_file(run_dir, service.name)
        log_start[service.name] = log.stat().st_size if log.exists() else 0
        pending[service.name] = _spawn(service, settings, plan.ports)

    def wait(name: str) -> None:
        try:
            wait_until_ready(by_name[name], settings, plan.ports, pending[name])
        except ServiceError:
            if not _lost_port_race(home.log_file(run_dir, name), log_start[name]):
                raise
            # Ports are picked, then bound: another program took one in between. Once more.
            relaunch(by_name[name])
            wait_until_ready(by_name[name], settings, plan.ports, pending[name])
        pending.pop(name)
        on_ready(name, time.monotonic() - began)

    def relaunch(service: Service) -> None:
        before = plan.ports[service.name]
        launch(service)
        if plan.ports[service.name] != before:  # dependants started beside it use the old port
            for other in [s for s in services if s.name in pending and service.name in s.needs]:
                stop_tree(pending[other.name])
                launch(other)

    pending: dict[str, psutil.Process] = {}
    log_start: dict[str, int] = {}
    for service in services:
        for needed in service.needs:
            if needed in pending and service.waits_for_needs:
                wait(needed)
        proc = live_process(run_dir, service.name)
        if proc is not None and _outdated(service, settings, plan.ports):
            stop_tree(proc)
            proc = None
        if proc is None:
            launch(service)
            plan.started.append(service.name)
    try:
        for name in list(pending):
            wait(name)
    finally:
        _write_state(run_dir, services, plan.ports)
    return plan


def stop(services: list[Service], run_dir: Path) -> list[str]:
    """Stop the processes the supervisor started (and nothing else), dependants first."""
    stopped = []
    for service in reversed(services):
        proc = live_process(run_dir, service.name)
        if proc is not None:
            stop_tree(proc)
            stopped.append(service.name)
        home.pid_file(run_dir, service.name).unlink(missing_ok=True)
    return stopped


def status(services: list[Service], run_dir: Path) -> list[ServiceStatus]:
    ports = home.read_ports(run_dir)
    report = []
    for service in services:
        proc = live_process(run_dir, service.name)
        report.append(
            ServiceStatus(
                service.name,
                proc.pid if proc else None,
                proc is not None,
                ports.get(service.name),
                str(home.log_file(run_dir, service.name)),
                service.memory,
            )
        )
    return report
