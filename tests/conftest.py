"""Shared fixtures: a real embedded lakehouse (SeaweedFS + Sail) in a throw-away folder."""

from __future__ import annotations

import atexit
import os
import warnings

import pytest

from lakehouse_kit import services
from lakehouse_kit.settings import load_settings


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
