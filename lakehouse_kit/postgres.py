"""PostgreSQL, the `stack` profile's database for the Hive Metastore: its data folder (as
root, where PostgreSQL's own user can reach it), its password, its cluster made once, and psql.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import shutil
import subprocess
from pathlib import Path

from lakehouse_kit.commands import run_logged
from lakehouse_kit.errors import ServiceError
from lakehouse_kit.home import is_marked, mark, write_private
from lakehouse_kit.settings import LOCAL_PORTS, Settings
from lakehouse_kit.supervisor import Ports, Service, as_user
from lakehouse_kit.system import postgres_bin

DB_USER = "lakehouse"
DB_NAME = "metastore"


def _as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def postgres_data(settings: Settings) -> Path:
    """PostgreSQL's data folder. It refuses to run as root, so as root it runs as the `postgres`
    user, with its data where that user can reach it (the home may sit in a private folder)."""
    if not _as_root():
        return settings.state_dir / "postgres"
    key = hashlib.sha1(str(settings.state_dir.resolve()).encode()).hexdigest()[:12]
    return Path("/var/lib/lakehouse-kit/postgres") / key


def _postgres_user() -> str | None:
    return "postgres" if _as_root() else None


def db_password(settings: Settings) -> str:
    """The metastore database's password: random per home, in a file only its owner reads
    (PostgreSQL asks for it: any local account could otherwise connect and run commands as
    the server's user)."""
    path = settings.state_dir / "postgres.password"
    if not path.exists():
        write_private(path, secrets.token_urlsafe(24))
    return path.read_text().strip()


def _init_postgres(settings: Settings, ports: Ports) -> None:
    """A database cluster for the metastore, password-protected. The kit's marker is written
    last: a folder without it is a set-up that was interrupted (or predates passwords), and is
    made again; the tables themselves are in the bucket, and every session registers them."""
    data = postgres_data(settings)
    if is_marked(data):
        return
    shutil.rmtree(data, ignore_errors=True)
    data.mkdir(parents=True)
    user = _postgres_user()
    if user:
        shutil.chown(data, user, user)
    binaries, password = postgres_bin(), settings.state_dir / "postgres.password"
    db_password(settings)
    with _readable_copy(password, data.parent, user) as pwfile:
        initdb = [str(binaries / "initdb"), "-D", str(data), "-U", DB_USER, "-E", "UTF8"]
        initdb += ["--auth=scram-sha-256", f"--pwfile={pwfile}", "--no-sync"]
        _run_as(user, initdb, "", "PostgreSQL's initdb", settings)
    # Single-user mode creates the database without starting a server.
    single = [str(binaries / "postgres"), "--single", "-D", str(data), "postgres"]
    creating = "creating the metastore's database"
    _run_as(user, single, f"CREATE DATABASE {DB_NAME};\n", creating, settings)
    mark(data)


@contextlib.contextmanager
def _readable_copy(secret: Path, folder: Path, user: str | None):
    """The secret in a file `user` alone can read, removed afterwards: initdb runs as
    PostgreSQL's user, who cannot read the home's own copy."""
    copy = write_private(folder / f".pwfile-{os.getpid()}", secret.read_text().strip() + "\n")
    if user:
        shutil.chown(copy, user, user)
    try:
        yield copy
    finally:
        copy.unlink(missing_ok=True)


def _run_as(user: str | None, command: list[str], stdin: str, what: str, settings) -> None:
    run_logged(
        command,
        settings.run_dir / "postgres-setup.log",
        what,
        "`lakehouse --profile stack up` makes an interrupted set-up again; see docs/stack.md.",
        error=ServiceError,
        stdin=stdin,
        **as_user(user),
    )


def postgres_service() -> Service:
    def command(settings: Settings, ports: Ports) -> list[str]:
        data = postgres_data(settings)
        return [
            str(postgres_bin() / "postgres"),
            "-D",
            str(data),
            "-p",
            str(ports["postgres"]),
            # TCP only: a Unix socket path inside a deep home can exceed its 107-byte limit.
            "-c",
            "unix_socket_directories=",
            "-c",
            "listen_addresses=127.0.0.1",
            "-c",
            "fsync=off",
            "-c",
            "shared_buffers=32MB",
            "-c",
            "max_connections=40",
        ]

    return Service(
        name="postgres",
        label="PostgreSQL",
        port=LOCAL_PORTS["stack"]["postgres"],
        command=command,
        prepare=_init_postgres,
        user=_postgres_user(),
        timeout=60,
        memory="about 65 MB",
    )


def psql(settings: Settings, ports: Ports, database: str, sql: str):
    """Run one statement as the metastore's user; the finished process (its output, its code)."""
    command = [str(postgres_bin() / "psql"), "-h", "127.0.0.1", "-p", str(ports["postgres"])]
    command += ["-U", DB_USER, "-d", database, "-v", "ON_ERROR_STOP=1", "-tAc", sql]
    env = {**os.environ, "PGPASSWORD": db_password(settings)}
    return subprocess.run(command, capture_output=True, text=True, env=env, check=False)
