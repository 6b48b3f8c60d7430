"""Shared fixtures: a real embedded lakehouse (SeaweedFS + Sail) in a throw-away folder.

Tests that start servers are marked `services`, those that execute notebooks `course`, so that
`pytest -m "not services and not course and not stack and not bench"` runs the fast, server-free tests only.
A test that uses one of the fixtures below is marked here; a module whose own fixtures or
tests start servers marks itself, and collection fails for a test that calls the kit's
server or notebook runners without a marker.
"""

from __future__ import annotations

import atexit
import inspect
import os
import subprocess
import sys
import time
import urllib.request
import warnings
from dataclasses import dataclass
from pathlib import Path

import pytest

from lakehouse_kit import services
from lakehouse_kit.settings import load_settings

# The markers a test gets from using a fixture (directly or through another fixture).
FIXTURE_MARKERS = {
    "lakehouse_home": ("services",),
    "lakehouse": ("services",),
    "spark": ("services",),
    "course": ("services", "course"),
    "jupyterlab": ("services",),
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


def pytest_terminal_summary(terminalreporter):
    """The catalogue of answers per exercise (tests/catalogue.py): a thin one shows here; and
    the mutation score of the checks, when this run measured it."""
    from catalogue import sizes

    _mutation_summary(terminalreporter)
    rows = sizes()
    if not any(v or w for _, v, w in rows):
        return
    write = terminalreporter.write_line
    terminalreporter.section("catalogue of answers per exercise")
    write(f"{'exercise':<30} {'valid alternatives':>18} {'wrong answers':>14}")
    for exercise, valid, wrong in rows:
        write(f"{exercise:<30} {valid:>18} {wrong:>14}")
    write(f"{'total':<30} {sum(r[1] for r in rows):>18} {sum(r[2] for r in rows):>14}")


def _mutation_summary(terminalreporter) -> None:
    """The mutation score of the checks (tests/mutation.py), when this run measured it."""
    mutation = sys.modules.get("mutation")
    for report in mutation.REPORTS if mutation else ():
        terminalreporter.section("mutation score of the checks")
        for line in report.lines():
            terminalreporter.write_line(line)


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

    run = run_course(summarize=True)
    failed = [f"{r.lesson}: {r.error}" for r in run.lessons if not r.ok]
    assert not failed, failed
    return run


@dataclass(frozen=True)
class Lab:
    """A running JupyterLab server."""

    url: str  # http://127.0.0.1:PORT
    token: str

    def page(self, path: str) -> str:
        """The URL of `path` (e.g. "/api/status"), with the token."""
        return f"{self.url}{path}?token={self.token}"


@pytest.fixture(scope="module")
def jupyterlab(tmp_path_factory):
    """Start real JupyterLab servers on 127.0.0.1, as `jupyter lab ROOT_DIR` would:
    `jupyterlab(root_dir, *options, env={...})` returns a `Lab`. Kernels inherit this process's
    environment (the test home of `lakehouse_home`, if used) and `env`. Stopped at the end of
    the module."""
    servers = []

    def start(root_dir: Path, *options: str, env: dict | None = None) -> Lab:
        port = services.free_port()
        lab = Lab(f"http://127.0.0.1:{port}", "test-token")
        command = [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--allow-root"]
        command += ["--ip=127.0.0.1", f"--port={port}", f"--IdentityProvider.token={lab.token}"]
        command += [f"--ServerApp.root_dir={root_dir}", *options]
        runtime = tmp_path_factory.mktemp("jupyter-runtime")
        servers.append(
            subprocess.Popen(
                command,
                env={**os.environ, "JUPYTER_RUNTIME_DIR": str(runtime)}
                | {name: str(value) for name, value in (env or {}).items()},
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        _wait_for(lab.page("/api/status"), seconds=60)
        return lab

    yield start
    for server in servers:
        server.terminate()
        server.wait(timeout=20)


def _wait_for(url: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"JupyterLab did not answer within {seconds:.0f} s")
