"""The kit's home on disk: where it is, the marker that says the kit made it, the run folder's
files (pids, ports, endpoints, logs) and the lock that serialises the commands using it.

A leaf module (the standard library and `errors` only): settings, the supervisor and the CLI
all import it, and it imports none of them, so the run folder's format is spelled here once.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from lakehouse_kit.errors import KitError

# A file the kit writes into every folder it creates and may later delete: `reset` removes
# nothing that does not carry it.
MARKER = ".lakehouse-kit"
_MARKER_TEXT = "Made by Lakehouse Kit: `lakehouse reset` may delete this folder's contents.\n"
LOCK = ".lock"
# Files a home written by an earlier version of the kit holds (before the marker existed).
_KIT_RUN_FILES = ("ports.json", "endpoints.json")


# ---------------------------------------------------------------- where the home is


def resolve_home(value: str, project_root: Path) -> Path:
    """The home as an absolute path. Empty means the default, `.lakehouse` at the project top;
    a relative path is taken from the project top, so a kernel started in lessons/ and the
    command run at the top find the same home (and the same servers)."""
    if not value.strip():
        return project_root / ".lakehouse"
    path = Path(value).expanduser()
    return path if path.is_absolute() else (project_root / path).resolve()


def state_dir(home: Path, profile: str) -> Path:
    """`stack` keeps its services apart from `local`'s, so both can share one home."""
    return home / "stack" if profile == "stack" else home


def run_dir(home: Path, profile: str) -> Path:
    return state_dir(home, profile) / "run"


# ---------------------------------------------------------------- the marker


def is_marked(folder: Path) -> bool:
    return (folder / MARKER).is_file()


def claim(folder: Path) -> Path:
    """Create `folder` for the kit, or take one the kit made before; refuse a folder of someone
    else's (it holds files and no marker), so nothing of theirs is ever used or deleted."""
    if folder.is_dir() and not is_marked(folder) and _holds_files(folder):
        if not _written_by_an_earlier_kit(folder):
            raise KitError(
                f"{folder} holds files the kit did not make, so the kit will not use it.",
                fix="Point LAKEHOUSE_HOME at a new or empty folder (or unset it for .lakehouse).",
            )
        for made_then in (p for p in folder.iterdir() if p.is_dir()):  # s3/, run/, stack/
            mark(made_then)
    folder.mkdir(parents=True, exist_ok=True)
    return mark(folder)


def mark(folder: Path) -> Path:
    """Say in `folder` that the kit made it (it may delete its contents later)."""
    if not is_marked(folder):
        (folder / MARKER).write_text(_MARKER_TEXT)
    return folder


def _holds_files(folder: Path) -> bool:
    """Anything but the lock, which the kit takes before it claims the folder."""
    return any(entry.name != LOCK for entry in folder.iterdir())


def _written_by_an_earlier_kit(folder: Path) -> bool:
    """A home from before the marker existed: it holds the kit's run files."""
    return any((folder / "run" / name).is_file() for name in _KIT_RUN_FILES)


def removable(folder: Path, home: Path) -> bool:
    """Whether `reset` may delete `folder`: it carries the kit's marker and, when it lies
    inside the home, the home does too (PostgreSQL's folder may live outside, under /var/lib)."""
    try:
        folder.resolve().relative_to(home.resolve())
    except ValueError:
        return is_marked(folder)
    return is_marked(home) and is_marked(folder)


# ---------------------------------------------------------------- the run folder's files


def log_file(run: Path, name: str) -> Path:
    return run / f"{name}.log"


def pid_file(run: Path, name: str) -> Path:
    return run / f"{name}.pid"


def read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def read_ports(run: Path) -> dict[str, int]:
    return read_json(run / "ports.json")


def endpoints_file(run: Path) -> Path:
    return run / "endpoints.json"


def live_endpoints(run: Path) -> dict[str, str]:
    """Settings values of the running services (their ports may have moved)."""
    return read_json(endpoints_file(run))


def write_state(run: Path, ports: dict[str, int], endpoints: dict[str, str]) -> None:
    (run / "ports.json").write_text(json.dumps(ports))
    endpoints_file(run).write_text(json.dumps(endpoints))


def write_private(path: Path, text: str) -> Path:
    """Write a file only its owner can read (secrets, settings holding one), replacing it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as out:
        out.write(text)
    return path


def tail(path: Path, lines: int = 8) -> str:
    """The last lines of a log, for an error message."""
    if not path.exists():
        return "(no log)"
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


# ---------------------------------------------------------------- the lock


# Locks this process holds, by file: re-entrant, so `reset` can hold the home's lock while it
# stops the services (which take it too). The count guards the OS lock; the RLock, threads.
_held: dict[Path, list] = {}
_held_guard = threading.Lock()


@contextlib.contextmanager
def locked(
    path: Path,
    what: str,
    on_wait: Callable[[str], None] = lambda message: None,
    timeout: float = 900,
) -> Iterator[None]:
    """Hold the lock file `path` while the block runs: one process at a time (and one thread).
    A second caller hears `on_wait` (who holds it) and waits, up to `timeout` seconds."""
    path = path.resolve()
    with _held_guard:
        entry = _held.setdefault(path, [threading.RLock(), 0, None])
    with entry[0]:
        if entry[1] == 0:
            entry[2] = _acquire(path, what, on_wait, timeout)
        entry[1] += 1
        try:
            yield
        finally:
            entry[1] -= 1
            if entry[1] == 0:
                _release(entry[2])
                entry[2] = None


def _acquire(path: Path, what: str, on_wait: Callable[[str], None], timeout: float):
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a+")  # noqa: SIM115 - held until _release
    deadline = time.monotonic() + timeout
    told = False
    while not _try_lock(handle):
        if not told:
            on_wait(f"Waiting for {_holder(path)} to finish ({path.parent}) ...")
            told = True
        if time.monotonic() > deadline:
            handle.close()
            raise KitError(
                f"{_holder(path)} has held {path} for over {timeout:.0f} s.",
                fix="Wait for it to finish, or stop it (its pid is in that file).",
            )
        time.sleep(0.1)
    handle.seek(0)
    handle.truncate()
    handle.write(json.dumps({"pid": os.getpid(), "what": what}))
    handle.flush()
    return handle


def _holder(path: Path) -> str:
    holder = read_json(path)
    return f"{holder.get('what', 'another lakehouse command')} (pid {holder.get('pid', '?')})"


if sys.platform == "win32":
    import msvcrt

    def _try_lock(handle) -> bool:
        handle.seek(0)
        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False

    def _release(handle) -> None:
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
        handle.close()

else:
    import fcntl

    def _try_lock(handle) -> bool:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except OSError:
            return False

    def _release(handle) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
        handle.close()


def home_lock(home: Path, what: str, on_wait: Callable[[str], None] = lambda m: None):
    """The home's lock: `up`, `down`, `reset` and a notebook's start of the services take it."""
    return locked(home / LOCK, what, on_wait)


def cache_lock(cache: Path, what: str, on_wait: Callable[[str], None] = lambda m: None):
    """The install cache's lock: two installs never share a download or a half-built part."""
    return locked(cache / LOCK, what, on_wait)
