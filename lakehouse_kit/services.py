"""The embedded profile's two background services: a SeaweedFS S3 server and a Sail Spark
Connect server, both bound to 127.0.0.1, with data, pid and log files under `settings.home`.

`start_services` is idempotent and waits until both answer; `stop_services` stops exactly the
processes whose pid files the kit wrote. A taken port moves the service to a free one and the
new port is recorded in `run/ports.json`, which `load_settings()` reads.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

from lakehouse_kit.errors import ServiceError
from lakehouse_kit.settings import LOCAL_S3_PORT, LOCAL_SPARK_PORT, Settings, load_settings

READY_TIMEOUT_S = 30
# SeaweedFS `weed mini` opens a dozen ports; pin every one so nothing falls back to a default
# such as 8888 (JupyterLab's) or 8080.
_WEED_PORT_FLAGS = (
    "master.port", "master.port.grpc", "volume.port", "volume.port.grpc",
    "filer.port", "filer.port.grpc", "s3.port.grpc", "s3.port.iceberg", "s3.port.lance",
    "admin.port", "admin.port.grpc",
)  # fmt: skip


@dataclass
class ServiceStatus:
    name: str
    pid: int | None
    running: bool
    port: int | None
    log: str

    def as_dict(self) -> dict:
        return {"name": self.name, "pid": self.pid, "running": self.running,
                "port": self.port, "log": self.log}  # fmt: skip


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


def _choose_port(preferred: int, service: str, notes: list[str]) -> int:
    if port_is_free(preferred):
        return preferred
    port = free_port()
    notes.append(f"Port {preferred} is taken by another process; {service} uses {port} instead.")
    return port


# ---------------------------------------------------------------- pid files


def _pid_file(settings: Settings, name: str) -> Path:
    return settings.run_dir / f"{name}.pid"


def log_file(settings: Settings, name: str) -> Path:
    return settings.run_dir / f"{name}.log"


def _read_ports(settings: Settings) -> dict[str, int]:
    path = settings.run_dir / "ports.json"
    return json.loads(path.read_text()) if path.exists() else {}


def _write_ports(settings: Settings, ports: dict[str, int]) -> None:
    (settings.run_dir / "ports.json").write_text(json.dumps(ports))


def _live_process(settings: Settings, name: str) -> psutil.Process | None:
    """The process the kit started for `name`, if it still runs (a reused pid does not count)."""
    path = _pid_file(settings, name)
    if not path.exists():
        return None
    record = json.loads(path.read_text())
    try:
        proc = psutil.Process(record["pid"])
        if abs(proc.create_time() - record["created"]) < 1 and proc.status() != "zombie":
            return proc
    except psutil.Error:
        pass
    return None


def _spawn(settings: Settings, name: str, cmd: list[str], env: dict[str, str]) -> psutil.Process:
    settings.run_dir.mkdir(parents=True, exist_ok=True)
    with open(log_file(settings, name), "ab") as log:
        # A new session: the service outlives the notebook kernel or shell that started it.
        popen = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT,
                                 stdin=subprocess.DEVNULL, start_new_session=True)  # fmt: skip
    proc = psutil.Process(popen.pid)
    record = {"pid": popen.pid, "created": proc.create_time(), "cmd": cmd[:3]}
    _pid_file(settings, name).write_text(json.dumps(record))
    return proc


# ---------------------------------------------------------------- the two services


def _executable(name: str) -> str:
    beside_python = Path(sys.executable).parent / name
    found = str(beside_python) if beside_python.exists() else shutil.which(name)
    if not found:
        raise ServiceError(
            f"The `{name}` program is not installed in this environment.",
            fix="Install the kit with its dependencies: pip install -e '.[dev]'",
        )
    return found


def _start_s3(settings: Settings, port: int) -> psutil.Process:
    data = settings.home / "s3"
    data.mkdir(parents=True, exist_ok=True)
    flags = [f"-{flag}={free_port()}" for flag in _WEED_PORT_FLAGS]
    cmd = [_executable("weed"), "mini", f"-dir={data}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
           f"-s3.port={port}", "-admin.ui=false", "-webdav=false", *flags]  # fmt: skip
    env = dict(os.environ, AWS_ACCESS_KEY_ID=settings.s3_access_key,
               AWS_SECRET_ACCESS_KEY=settings.s3_secret_key)  # fmt: skip
    return _spawn(settings, "s3", cmd, env)


def _start_spark(settings: Settings, port: int, s3_port: int) -> psutil.Process:
    cmd = [_executable("sail"), "spark", "server", "--ip", "127.0.0.1", "--port", str(port)]
    env = dict(
        os.environ,
        # Sail reads S3 settings from its own process environment, not from Spark confs.
        AWS_ACCESS_KEY_ID=settings.s3_access_key,
        AWS_SECRET_ACCESS_KEY=settings.s3_secret_key,
        AWS_REGION=settings.s3_region,
        AWS_ENDPOINT=f"http://127.0.0.1:{s3_port}",
        AWS_ALLOW_HTTP="true",
        # Workshop kernels sit idle for long stretches; Sail's default drops them after 900 s.
        SAIL_SPARK__SESSION_TIMEOUT_SECS="86400",
        RUST_LOG=os.environ.get("LAKEHOUSE_SAIL_LOG", "warn"),
    )
    return _spawn(settings, "spark", cmd, env)


def _wait_until_ready(settings: Settings, name: str, proc: psutil.Process, port: int) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if not proc.is_running() or proc.status() == "zombie":
            tail = _tail(log_file(settings, name))
            raise ServiceError(
                f"The {name} service exited during start-up. Last log lines:\n{tail}",
                fix=f"Read {log_file(settings, name)}; then run `lakehouse doctor`.",
            )
        # Our process must own the listener: another program may have taken the port between
        # the free-port check and the bind, and then our server exits while theirs answers.
        if port_answers(port) and _listens_on(proc, port):
            return
        time.sleep(0.05)
    raise ServiceError(
        f"The {name} service did not answer on 127.0.0.1:{port} within {READY_TIMEOUT_S} s.",
        fix=f"Read {log_file(settings, name)}, then `lakehouse down` and `lakehouse up`.",
    )


def _listens_on(proc: psutil.Process, port: int) -> bool:
    try:
        return any(c.status == psutil.CONN_LISTEN and c.laddr.port == port
                   for p in [proc, *proc.children(recursive=True)]
                   for c in p.net_connections("inet"))  # fmt: skip
    except psutil.Error:
        return False


def _tail(path: Path, lines: int = 8) -> str:
    if not path.exists():
        return "(no log)"
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def start_services(settings: Settings | None = None) -> list[str]:
    """Start whichever local service is not running; wait until both answer. Returns notes."""
    settings = settings or load_settings()
    if not settings.is_local:
        raise ServiceError(
            f"The {settings.profile!r} profile has no kit-managed services.",
            fix="Use `docker compose up -d` for the docker profile (see README).",
        )
    settings.run_dir.mkdir(parents=True, exist_ok=True)
    ports, notes = _read_ports(settings), []
    s3 = _live_process(settings, "s3")
    if s3 is None:
        ports["s3"] = _choose_port(ports.get("s3", LOCAL_S3_PORT), "the S3 server", notes)
        s3 = _start_s3(settings, ports["s3"])
        _wait_until_ready(settings, "s3", s3, ports["s3"])
    spark = _live_process(settings, "spark")
    if spark is not None and ports.get("spark_s3") != ports["s3"]:
        # Sail read the S3 endpoint from its environment at start: it must follow the S3 server.
        stop_process_group(spark)
        spark = None
    if spark is None:
        ports["spark"] = _choose_port(ports.get("spark", LOCAL_SPARK_PORT), "Spark", notes)
        spark = _start_spark(settings, ports["spark"], ports["s3"])
        ports["spark_s3"] = ports["s3"]
        _wait_until_ready(settings, "spark", spark, ports["spark"])
    _write_ports(settings, ports)
    return notes


def stop_services(settings: Settings | None = None) -> list[str]:
    """Stop the processes the kit started (and nothing else). Returns the names stopped."""
    settings = settings or load_settings()
    stopped = []
    for name in ("spark", "s3"):
        proc = _live_process(settings, name)
        if proc is not None:
            stop_process_group(proc)
            stopped.append(name)
        _pid_file(settings, name).unlink(missing_ok=True)
    return stopped


def stop_process_group(proc: psutil.Process) -> None:
    """Stop a server started in its own session: the whole process group, forcibly if need be."""
    for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
        try:
            os.killpg(proc.pid, sig)
            proc.wait(timeout=wait)
            return
        except (ProcessLookupError, psutil.NoSuchProcess):
            return
        except psutil.TimeoutExpired:
            continue


def service_status(settings: Settings | None = None) -> list[ServiceStatus]:
    settings = settings or load_settings()
    ports = _read_ports(settings)
    statuses = []
    for name in ("s3", "spark"):
        proc = _live_process(settings, name)
        statuses.append(ServiceStatus(name, proc.pid if proc else None, proc is not None,
                                      ports.get(name), str(log_file(settings, name))))  # fmt: skip
    return statuses


def ensure_services(settings: Settings | None = None) -> Settings:
    """Start the local services if they are down; return settings with the live endpoints."""
    settings = settings or load_settings()
    if settings.is_local and not all(s.running for s in service_status(settings)):
        for note in start_services(settings):
            print(note)
        settings = load_settings(profile=settings.profile)
    return settings

