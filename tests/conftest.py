"""Shared fixtures: a real embedded lakehouse (SeaweedFS + Sail) in a throw-away folder.

Tests that start servers are marked `services`, those that execute notebooks `course`, so that
`pytest -m "not services and not course and not stack"` runs the fast, server-free tests only.
A test that uses one of the fixtures below is marked here; a module whose own fixtures or
tests start servers marks itself, and collection fails for a test that calls the kit's
server or notebook runners without a marker.
"""

from __future__ import annotations

import atexit
import inspect
import os
import warnings

import pytest

from lakehouse_kit import services
from lakehouse_kit.settings import load_settings

# The markers a test gets from using a fixture (directly or through another fixture).
FIXTURE_MARKERS = {
    "lakehouse_home": ("services",),
    "lakehouse": ("services",),
    "spark": ("services",),
    "course": ("services", "course"),
}
# Calls that start the servers or execute notebooks: a test or fixture making them needs a marker.
SERVER_CALLS = (
    "start_services(",
    "ensure_services(",
    "run_lesson(",
    "run_lessons(",
    "run_course(",
    "require(",
)
SLOW_MARKERS = ("services", "course", "stack", "bench")


@pytest.hookimpl(tryfirst=True)  # before -m deselects by marker
def pytest_collection_modifyitems(config, items):
    unmarked = []
    for item in items:
        used = set(getattr(item, "fixturenames", ()))
        for name, markers in FIXTURE_MARKERS.items():
            if name in used:
                for marker in markers:
                    item.add_marker(marker)
        if not any(item.get_closest_marker(m) for m in SLOW_MARKERS) and _calls_servers(item):
            unmarked.append(item.nodeid)
    if unmarked:
        raise pytest.UsageError(
            f"These tests start servers or run notebooks but are not marked "
            f"services or course: {unmarked}"
        )


def _calls_servers(item) -> bool:
    """Whether the test function, or a fixture it uses, calls one of SERVER_CALLS."""
    info = getattr(item, "_fixtureinfo", None)
    fixtures = [d.func for defs in (info.name2fixturedefs.values() if info else ()) for d in defs]
    return any(
        call in _source(func)
        for func in (getattr(item, "function", None), *fixtures)
        for call in SERVER_CALLS
    )


def _source(func) -> str:
    try:
        return inspect.getsource(func) if func is not None else ""
    except (OSError, TypeError):  # builtin fixtures without Python source
        return ""


def pytest_unconfigure(config):
    # At interpreter exit pyspark releases sessions whose servers the fault tests killed on
    # purpose; its "RETRIES_EXCEEDED" warning would otherwise follow pytest's summary line.
    # Registered last, this runs first among the exit handlers, before pyspark's own.
    atexit.register(warnings.filterwarnings, "ignore", message=".*RETRIES_EXCEEDED.*")


@pytest.fixture(scope="session")
def lakehouse_home(tmp_path_factory):
    """Point the kit at a fresh home for the whole test session; stop its services at the end."""
    home = tmp_path_factory.mktemp("lakehouse")
    previous = {k: os.environ.get(k) for k in ("LAKEHOUSE_HOME", "LAKEHOUSE_PROFILE")}
    os.environ["LAKEHOUSE_HOME"] = str(home)
    os.environ["LAKEHOUSE_PROFILE"] = "local"
    yield home
    services.stop_services(load_settings())
    for key, value in previous.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="session")
def lakehouse(lakehouse_home):
    """Running services; yields the live settings."""
    services.start_services(load_settings())
    return load_settings()


@pytest.fixture(scope="session")
def spark(lakehouse):
    from lakehouse_kit.spark import get_spark

    return get_spark()


@pytest.fixture(scope="session")
def course(lakehouse):
    """Every solution executed once, in order, on the session's lakehouse."""
    from lakehouse_kit.course import run_course

    run = run_course()
    failed = [f"{r.lesson}: {r.error}" for r in run.lessons if not r.ok]
    assert not failed, failed
    return run
