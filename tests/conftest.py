"""Shared fixtures: a real embedded lakehouse (SeaweedFS + Sail) in a throw-away folder.

Tests that start servers are marked `services`, those that execute notebooks `course`, so that
`pytest -m "not services and not course and not stack and not bench and not bundle"` runs the
fast, server-free tests only. A test that uses one of the fixtures below is marked here; a
module whose own fixtures or tests start servers marks itself. A test without any of those
markers that starts the kit's servers (`services.start_services`, which `ensure_services`,
`get_spark` and `lakehouse up` go through) or executes a notebook (`course.run_lesson`) fails
when it does (`_servers_need_a_marker`).

Homes: `kit_home` is the one way a test gets a lakehouse home of its own (marked as the kit's,
its profile set, the environment restored afterwards, whatever ran in it stopped). A test that
needs a running JVM stack, not one of its own, uses the session's: `stack_home`. The stack's
tests run last, one stack at a time (`pytest_collection_modifyitems_jvm_last`).
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import time
import urllib.request
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from lakehouse_kit import course as kit_course
from lakehouse_kit import engine, home, runner, runtime, services
from lakehouse_kit.settings import Settings, load_settings

# The markers a test gets from using a fixture (directly or through another fixture).
FIXTURE_MARKERS = {
    "lakehouse_home": ("services",),
    "lakehouse": ("services",),
    "spark": ("services",),
    "built_course": ("services", "course"),
    "course": ("services", "course"),
    "jupyterlab": ("services",),
}
SLOW_MARKERS = ("services", "course", "stack", "bench", "bundle")
# Settings that belong to one home's running services: a new home starts without them.
HOME_VARIABLES = (
    "LAKEHOUSE_S3_ENDPOINT",
    "LAKEHOUSE_SPARK_REMOTE",
    "LAKEHOUSE_SQL_URL",
    "LAKEHOUSE_METASTORE_URI",
    "LAKEHOUSE_S3_ACCESS_KEY",
    "LAKEHOUSE_S3_SECRET_KEY",
    "LAKEHOUSE_BUCKET",
    "LAKEHOUSE_LANDING_DIR",
)


@pytest.hookimpl(tryfirst=True)  # before -m deselects by marker
def pytest_collection_modifyitems(config, items):
    for item in items:
        used = set(getattr(item, "fixturenames", ()))
        for name, markers in FIXTURE_MARKERS.items():
            if name in used:
                for marker in markers:
                    item.add_marker(marker)


@pytest.hookimpl(trylast=True, specname="pytest_collection_modifyitems")
def pytest_collection_modifyitems_jvm_last(items):
    """The JVM stack's tests run last (after pytest grouped the items by their fixtures'
    parameters), one stack at a time: first those that run servers of their own, then the users
    of the session's shared stack (`stack_home`), which runs from its first user to the end of
    the session instead of beside every other test. The order within each group is kept."""

    def group(item) -> int:
        if not item.get_closest_marker("stack"):
            return 0
        return 2 if "stack_home" in getattr(item, "fixturenames", ()) else 1

    items.sort(key=group)  # a stable sort


def pytest_collection_finish(session):
    """A test module may define `start_early()`, which starts the slow subprocess its test
    waits for: called as soon as one of its tests is selected, it runs beside the others."""
    for module in {item.module for item in session.items if hasattr(item, "module")}:
        if hasattr(module, "start_early"):
            module.start_early()


@pytest.fixture(autouse=True)
def _servers_need_a_marker(request, monkeypatch):
    """A test not marked for servers fails where it would start them or run a notebook."""
    if any(request.node.get_closest_marker(m) for m in SLOW_MARKERS):
        return

    def refuse(*args, **kwargs):
        pytest.fail(
            f"{request.node.nodeid} starts servers or runs a notebook but is not marked "
            "services or course (pytest.mark.services / pytest.mark.course)",
            pytrace=False,
        )

    monkeypatch.setattr(services, "start_services", refuse)
    monkeypatch.setattr(kit_course, "run_lesson", refuse)  # `require`, what a notebook calls
    monkeypatch.setattr(runner, "run_lesson", refuse)
    monkeypatch.setattr(runner, "shared_kernel", refuse)


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


def require_stack(what: str = "the stack tests") -> None:
    """Skip when the JVM stack is not installed here, but fail in CI, which must run `what`."""
    from lakehouse_kit.install import stack_unavailable

    reason = stack_unavailable(load_settings(profile="stack"))
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run {what}: {reason}")
        pytest.skip(reason)


@pytest.fixture(scope="session")
def kit_home(tmp_path_factory):
    """Make homes: `with kit_home("name", profile="local", start=False, LAKEHOUSE_X=value) as
    settings:` points the kit at a new marked folder with `profile` (the variables of another
    home's services unset, the given ones set), starts its services with `start`, and on exit
    stops whatever runs there (a `stack` home's catalog, kept outside it, is removed too) and
    restores the environment. Usable from fixtures of any scope."""

    @contextmanager
    def make(name: str = "home", profile: str = "local", *, start: bool = False, **variables):
        folder = home.claim(tmp_path_factory.mktemp(name))
        with _pointed_at(folder, profile, **variables):
            try:
                if start:
                    services.start_services(load_settings())
                yield load_settings()
            finally:
                _clear_home(load_settings())

    return make


@contextmanager
def _pointed_at(folder: Path, profile: str, **variables):
    """The kit pointed at a home for the block: the variables of another home's services unset,
    the given ones set, and, as in a new kernel, no session or client of another home's servers
    reused (the sessions opened in the block are stopped on the way out)."""
    with pytest.MonkeyPatch.context() as mp:
        for variable in HOME_VARIABLES:
            mp.delenv(variable, raising=False)
        mp.setenv("LAKEHOUSE_HOME", str(folder))
        mp.setenv("LAKEHOUSE_PROFILE", profile)
        for variable, value in variables.items():
            mp.setenv(variable, str(value))
        with runtime.isolated(home=folder, profile=profile):
            yield


def _clear_home(settings: Settings) -> None:
    services.stop_services(settings)
    if settings.profile == "stack":  # its catalog lives outside the temporary home
        for folder in services.data_folders(settings):
            shutil.rmtree(folder, ignore_errors=True)


class SharedStack:
    """The session's one JVM stack, in a home of its own (see `stack_home`)."""

    def __init__(self, make_folder):
        self._make_folder = make_folder
        self.home: Path | None = None
        self.bucket = ""  # the bucket `up` made: the servers' warehouse, no block's tables
        self.blocks = 0

    @contextmanager
    def __call__(self, *, running: bool = True, **variables):
        require_stack()
        if running:
            self._empty_lakehouse()
        else:
            self._stopped()
        self.blocks += 1
        bucket = f"{self.bucket}-{self.blocks}"
        with _pointed_at(self.home, "stack", LAKEHOUSE_BUCKET=bucket, **variables):
            yield load_settings()

    def _empty_lakehouse(self) -> None:
        """The stack running (started at the first block, and again after a block stopped a
        service), with the course's engine configuration and no schema but `default`."""
        from lakehouse_kit.spark import connect

        with _pointed_at(self._home(), "stack"):
            settings = load_settings()
            self.bucket = settings.bucket
            engine.forget(settings)  # a Spark server started with another one is restarted
            services.start_services(settings)
            spark = connect(load_settings(), register=False)
            for (schema,) in spark.sql("SHOW DATABASES").collect():
                if schema != "default":
                    spark.sql(f"DROP SCHEMA {schema} CASCADE")

    def _stopped(self) -> None:
        with _pointed_at(self._home(), "stack"):
            self.bucket = load_settings().bucket
            services.stop_services()

    def _home(self) -> Path:
        if self.home is None:
            self.home = home.claim(self._make_folder())
        return self.home

    def stop(self) -> None:
        if self.home is not None:
            with _pointed_at(self.home, "stack"):
                _clear_home(load_settings())


@pytest.fixture(scope="session")
def stack_home(tmp_path_factory):
    """The JVM stack, started once per session (a start takes a minute or more) and shared by
    every test that needs a running one rather than servers of its own: `with stack_home(
    LAKEHOUSE_X=value) as settings:` points the kit at it as `kit_home` does, with an empty
    lakehouse: the metastore without the schemas of earlier blocks, and a bucket no earlier
    block used, so no table is written where another one was (the JVM engine's Delta caches
    would not see that it was emptied). Started at the first block, which skips without the
    stack (fails in CI); the session's end stops it. A block may stop services: the next one
    starts them again. `stack_home(running=False)`: the stack stopped instead (for a test of
    `up`), its lakehouse as the last block left it."""
    stack = SharedStack(lambda: tmp_path_factory.mktemp("stack"))
    yield stack
    stack.stop()


@pytest.fixture(scope="session")
def lakehouse_home(kit_home):
    """The test session's home, shared by `lakehouse`, `spark` and `course`."""
    with kit_home("lakehouse") as settings:
        yield settings.home


@pytest.fixture(scope="session")
def lakehouse(lakehouse_home):
    """Running services; yields the live settings."""
    services.start_services(load_settings())
    return load_settings()


@pytest.fixture(scope="session")
def spark(lakehouse):
    from lakehouse_kit.spark import get_spark

    return get_spark()


@dataclass(frozen=True)
class BuiltCourse:
    """The course as the session built it: the run, and each table's Delta version right
    after it (what a test that changes tables later can compare with, e.g. idempotence)."""

    run: object  # course.CourseRun
    versions: dict[str, int]


@pytest.fixture(scope="session")
def built_course(lakehouse):
    """Every solution executed once, in order, on the session's lakehouse: the only full
    build of the course on `local` in a test run."""
    from lakehouse_kit.catalog import discover_tables
    from lakehouse_kit.delta_ops import delta_table

    run = kit_course.run_course(summarize=True)
    failed = [f"{r.lesson}: {r.error}" for r in run.lessons if not r.ok]
    assert not failed, failed
    versions = {table: int(delta_table(table).version()) for table in discover_tables()}
    return BuiltCourse(run, versions)


@pytest.fixture(scope="session")
def course(built_course):
    """The course built once (see `built_course`): its `CourseRun`."""
    return built_course.run


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
