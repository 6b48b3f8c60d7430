"""The kit's process state in one place: what a Python process (a kernel, the CLI, a test run)
keeps between calls, and one `reset` that drops it all.

Each piece is a cache of something slow to make; the modules that fill them (settings, spark,
catalog, storage, quality) keep no state of their own. A leaf module: it imports nothing of
the kit, so every module may use it.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

# The variables that point a process at a home and a profile (see settings.py).
_WHERE = {"home": "LAKEHOUSE_HOME", "profile": "LAKEHOUSE_PROFILE"}


@dataclass
class State:
    # `load_settings()`'s answers, by what they were read from (environment, .env, live ports).
    settings: dict = field(default_factory=dict)
    # The Spark Connect session the kit opened per endpoint (`spark.get_spark`).
    sessions: dict = field(default_factory=dict)
    # Per session id, the schemas and tables already registered in it (`catalog.register_all`).
    registered: dict = field(default_factory=dict)
    # While lesson 6 replays a lesson, the tables found in the bucket, listed once per store
    # (`catalog.listed_once`); None otherwise.
    listing: dict | None = None
    # A boto3 client per endpoint and keys: making one loads botocore's S3 model (0.3 s).
    s3_clients: dict = field(default_factory=dict)
    # Great Expectations' in-memory context (`quality`).
    gx_context: object = None
    # The embedded SQL engine's DuckDB database per URL and S3 secret, its extensions loaded
    # (`sql.sql_engine`): loading the delta extension takes 0.45 s per database.
    duckdb: dict = field(default_factory=dict)

    def close(self) -> None:
        """Stop the Spark sessions the kit opened (their servers keep running)."""
        for session in self.sessions.values():
            with contextlib.suppress(Exception):  # a session whose server is gone is closed
                session.stop()
        self.sessions.clear()


_state = State()


def state() -> State:
    """This process's state (the one object every cache lives in)."""
    return _state


def reset(home: str | Path | None = None, profile: str | None = None) -> State:
    """Forget everything this process keeps and stop the Spark sessions the kit opened, as in a
    new kernel; with `home` or `profile`, point the process at them too (LAKEHOUSE_HOME,
    LAKEHOUSE_PROFILE). Returns the fresh state."""
    global _state
    _state.close()
    _state = State()
    _point_at(home, profile)
    return _state


@contextlib.contextmanager
def isolated(home: str | Path | None = None, profile: str | None = None) -> Iterator[State]:
    """`reset(home, profile)` for the block only: the block runs as a new kernel would, and the
    state before it comes back untouched afterwards (its sessions still open), with the home
    and profile it had. Sessions opened inside are stopped."""
    global _state
    saved, _state = _state, State()
    where = {_WHERE["home"]: home, _WHERE["profile"]: profile}
    try:
        with environment({name: str(value) for name, value in where.items() if value is not None}):
            yield _state
    finally:
        _state.close()
        _state = saved


@contextlib.contextmanager
def environment(values: dict[str, str | None], defaults_only: bool = False) -> Iterator[None]:
    """Environment variables set (a text) or unset (None) while the block runs, then put back
    as they were. With `defaults_only`, a variable the shell set keeps its value: an import or
    a call that needs one gets it without the process keeping a change it never asked for."""
    saved = {name: os.environ.get(name) for name in values}
    for name, value in values.items():
        if not (defaults_only and saved[name] is not None):
            _set(name, value)
    try:
        yield
    finally:
        for name, value in saved.items():
            _set(name, value)


def _set(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value


def _point_at(home: str | Path | None, profile: str | None) -> None:
    for name, value in (("home", home), ("profile", profile)):
        if value is not None:
            os.environ[_WHERE[name]] = str(value)
