"""The services each profile runs on this machine, as definitions for the supervisor.

`local`: a SeaweedFS S3 server and a Sail Spark Connect server. `stack`: SeaweedFS,
PostgreSQL, the Hive Metastore, a JVM Spark Connect server and Trino (see `stack.py`). All
bind 127.0.0.1 and keep their data, pids and logs under `settings.home`. `docker` and
`remote` run no local service.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from lakehouse_kit import engine, home, supervisor
from lakehouse_kit.errors import ServiceError
from lakehouse_kit.settings import (
    LOCAL_PORTS,
    Settings,
    load_settings,
    refresh_settings,
    s3_variables,
)
from lakehouse_kit.supervisor import (  # noqa: F401 - the kit's port helpers live here too
    Ports,
    Service,
    ServiceStatus,
    free_port,
    port_answers,
    port_is_free,
    stop_tree,
)

# SeaweedFS `weed mini` opens a dozen ports; pin every one so nothing falls back to a default
# such as 8888 (JupyterLab's) or 8080.
_WEED_PORT_FLAGS = (
    "master.port",
    "master.port.grpc",
    "volume.port",
    "volume.port.grpc",
    "filer.port",
    "filer.port.grpc",
    "s3.port.grpc",
    "s3.port.iceberg",
    "s3.port.lance",
    "admin.port",
    "admin.port.grpc",
)

# Memory settings, each measured with `lakehouse-dev bench --scales 100` (docs/benchmark.md).
WEED_MEMORY = {
    # Go's GC lets the heap double (700 MB after Bronze); not lower: ~200 MB is reserved at start.
    "GOMEMLIMIT": "384MiB",
}
SAIL_MEMORY = {
    # One partition per plan node instead of one per core: ~200 MB less and less CPU.
    "SAIL_EXECUTION__DEFAULT_PARALLELISM": "1",
    # Sail's allocator (mimalloc) returns freed pages after 1 ms, not 10: ~120 MB less.
    "MIMALLOC_PURGE_DELAY": "1",
}


def executable(name: str) -> str:
    """A program installed with the kit (beside this Python), else on PATH."""
    beside_python = Path(sys.executable).parent / name
    found = str(beside_python) if beside_python.exists() else shutil.which(name)
    if not found:
        raise ServiceError(
            f"The `{name}` program is not installed in this environment.",
            fix="Install the kit with its dependencies: pip install -e '.[dev]'",
        )
    return found


def s3_service(settings: Settings) -> Service:
    """SeaweedFS's S3 server, the object store of `local` and `stack`."""

    def command(settings: Settings, ports: Ports) -> list[str]:
        data = home.claim(settings.state_dir / "s3")
        flags = [f"-{flag}={free_port()}" for flag in _WEED_PORT_FLAGS]
        return [
            executable("weed"),
            "mini",
            f"-dir={data}",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            f"-s3.port={ports['s3']}",
            "-admin.ui=false",
            "-webdav=false",
            *flags,
        ]

    return Service(
        name="s3",
        label="the S3 server",
        port=LOCAL_PORTS[settings.profile]["s3"],
        command=command,
        # SeaweedFS takes the keys it accepts from the AWS_* variables.
        env=lambda s, p: {**s3_variables(engine.live_settings(s, p)), **WEED_MEMORY},
        endpoints=lambda port: {"s3_endpoint": f"http://127.0.0.1:{port}"},
        memory="~300 MB at scale 100",
    )


def sail_service(settings: Settings) -> Service:
    """Sail, the embedded Spark Connect engine; it reads S3 settings from its environment,
    taken from the engine configuration lesson 1 writes (the course's until then)."""

    def env(settings: Settings, ports: Ports) -> dict[str, str]:
        live = engine.live_settings(settings, ports)
        conf, _ = engine.server_conf(live)
        return {
            **engine.sail_environment(conf, live),
            # Workshop kernels sit idle for long stretches; Sail's default drops them after 900 s.
            "SAIL_SPARK__SESSION_TIMEOUT_SECS": "86400",
            "RUST_LOG": os.environ.get("LAKEHOUSE_SAIL_LOG", "warn"),
            **SAIL_MEMORY,
        }

    return Service(
        name="spark",
        label="Spark",
        port=LOCAL_PORTS["local"]["spark"],
        needs=("s3",),
        waits_for_needs=False,  # Sail opens S3 connections per query: both start at once
        command=lambda s, p: [
            executable("sail"),
            "spark",
            "server",
            "--ip",
            "127.0.0.1",
            "--port",
            str(p["spark"]),
        ],
        env=env,
        signature=engine.signature,
        endpoints=lambda port: {"spark_remote": f"sc://127.0.0.1:{port}"},
        memory="~600 MB at scale 100",
    )


def definitions(settings: Settings) -> list[Service]:
    """The services of the settings' profile, in start order."""
    if settings.profile == "local":
        return [s3_service(settings), sail_service(settings)]
    if settings.profile == "stack":
        from lakehouse_kit.stack import stack_services

        return [s3_service(settings), *stack_services(settings)]
    raise ServiceError(
        f"The {settings.profile!r} profile has no kit-managed services.",
        fix="Use `docker compose up -d` for the docker profile (see README).",
    )


def _tell(message: str) -> None:
    print(message, file=sys.stderr)  # a note, not a result: stdout may be a report (`--json`)


def _home_lock(settings: Settings, what: str, on_wait=_tell):
    """One command at a time starts, stops or wipes a home's services (both profiles')."""
    return home.home_lock(settings.home, what, on_wait)


def start_services(
    settings: Settings | None = None, on_ready=lambda name, seconds: None, on_wait=_tell
) -> list[str]:
    """Start whichever service of the profile is not running; wait until all answer
    (`on_ready(name, seconds)` hears of each) and leave the bucket created, so any client that
    follows `lakehouse status` finds a usable lakehouse. A second caller waits for the first
    (`on_wait` hears of it), then finds the services up. Returns notes (ports that moved)."""
    settings = settings or load_settings()
    with _home_lock(settings, f"`lakehouse up` ({settings.profile})", on_wait):
        home.claim(settings.home)
        home.claim(settings.state_dir)
        plan = supervisor.start(definitions(settings), settings, on_ready)
        refresh_settings()
        if plan.started:
            from lakehouse_kit.storage import ensure_bucket

            ensure_bucket(load_settings(profile=settings.profile))
        if "spark" in plan.started and engine.saved_template(settings) is None:
            plan.notes.append(
                "Spark runs with the course's lakehouse configuration (S3A, Delta, the "
                "metastore): lesson 1 has not saved yours yet."
            )
    return plan.notes


def stop_services(settings: Settings | None = None) -> list[str]:
    """Stop the processes the kit started (and nothing else). Returns the names stopped."""
    settings = settings or load_settings()
    if not settings.kit_managed:
        return []
    with _home_lock(settings, f"`lakehouse down` ({settings.profile})"):
        return supervisor.stop(definitions(settings), settings.run_dir)


def stop_every_profile(settings: Settings | None = None) -> dict[str, list[str]]:
    """Stop whatever the kit runs from this home, on every profile: `lakehouse down` after
    `lakehouse --profile stack up` must not leave the JVMs behind. Returns names by profile."""
    settings = settings or load_settings()
    stopped = {}
    for profile in LOCAL_PORTS:
        names = stop_services(load_settings(profile=profile, home=str(settings.home)))
        if names:
            stopped[profile] = names
    return stopped


def service_status(settings: Settings | None = None) -> list[ServiceStatus]:
    settings = settings or load_settings()
    if not settings.kit_managed:
        return []
    return supervisor.status(definitions(settings), settings.run_dir)


def data_folders(settings: Settings) -> list[Path]:
    """What `lakehouse reset` wipes: the stored tables and, on `stack`, the catalog."""
    if settings.profile == "stack":
        from lakehouse_kit.postgres import postgres_data

        return [settings.state_dir / "s3", postgres_data(settings)]
    return [settings.state_dir / "s3"]


def wipe(settings: Settings) -> tuple[list[Path], list[str]]:
    """Stop the profile's services and delete its data folders: only folders the kit made
    (they carry its marker), inside a home it made. Returns what was wiped, and what was not
    with why (a folder of someone else's, or a file the system would not let go)."""
    wiped, refused = [], []
    with _home_lock(settings, f"`lakehouse reset` ({settings.profile})"):
        stop_services(settings)
        for folder in data_folders(settings):
            if not folder.exists():
                continue
            if not home.removable(folder, settings.home):
                refused.append(f"{folder}: not made by the kit (no {home.MARKER} file), kept")
                continue
            problem = _remove(folder)
            if problem:
                refused.append(problem)
            else:
                wiped.append(folder)
    return wiped, refused


def _remove(folder: Path) -> str:
    """Delete a folder; returns "" or the first thing the system would not let go."""
    errors = []
    shutil.rmtree(folder, onerror=lambda _f, path, exc: errors.append(f"{path}: {exc[1]}"))
    return errors[0] if errors else ""


def service_processes(settings: Settings) -> dict:
    """The running process of each of the profile's services, by name (for memory sampling)."""
    found = {
        s.name: supervisor.live_process(settings.run_dir, s.name) for s in definitions(settings)
    }
    return {name: proc for name, proc in found.items() if proc}


def configure_engine(template: dict[str, str] | None, settings: Settings | None = None) -> bool:
    """Keep `template` as the engine's lakehouse configuration (None: back to the course's) and
    restart the engine if it runs with another one. Returns whether it was restarted."""
    settings = settings or load_settings()
    with _home_lock(settings, f"configuring the {settings.profile!r} engine"):
        before = engine.saved_template(settings)
        if template is None:
            engine.forget(settings)
        else:
            engine.save(template, settings)
        if not settings.kit_managed or before == template:
            return False
        running = {s.name: s.running for s in service_status(settings)}
        plan = supervisor.start(definitions(settings), settings)
        refresh_settings()
        return running.get("spark", False) and "spark" in plan.started


def ensure_services(settings: Settings | None = None) -> Settings:
    """Start the profile's services if any is down; return settings with the live endpoints."""
    settings = settings or load_settings()
    if settings.kit_managed and not all(s.running for s in service_status(settings)):
        for note in start_services(settings):
            _tell(note)
        settings = load_settings(profile=settings.profile)
    return settings
