"""`lakehouse doctor` under real faults, run as a subprocess against homes of its own: each
failure comes with the fix that matches it, never a traceback, and the exit status is 1."""

from __future__ import annotations

import os
import signal

import psutil
import pytest
from test_cli import lakehouse

pytestmark = pytest.mark.services  # `lakehouse up` starts the servers


def doctor(home, *args: str, **env: str) -> str:
    """doctor's output; it must fail, without a traceback."""
    result = lakehouse(home, *args, "doctor", timeout=180, **env)
    text = result.stdout + result.stderr
    assert result.returncode == 1, text
    assert "Traceback" not in text and "✗" in text, text
    return text


@pytest.fixture
def running_home(tmp_path):
    """A home whose servers run (`lakehouse up`); stopped at the end."""
    home = tmp_path / "home"
    up = lakehouse(home, "up")
    assert up.returncode == 0, up.stdout + up.stderr
    yield home
    lakehouse(home, "down")


@pytest.mark.parametrize(
    ("variable", "value", "example"),
    [
        ("LAKEHOUSE_S3_ENDPOINT", "garbage", "http://127.0.0.1:9000"),
        ("LAKEHOUSE_S3_ENDPOINT", "http://127.0.0.1:99999", "http://127.0.0.1:9000"),
        ("LAKEHOUSE_SPARK_REMOTE", "sc://127.0.0.1:abc", "sc://127.0.0.1:15002"),
        ("LAKEHOUSE_SQL_URL", "not a url", "duckdb:///:memory:"),
        ("LAKEHOUSE_PROFILE", "nope", "local, stack"),
    ],
)
def test_a_setting_that_is_not_valid_is_named_with_a_valid_example(
    tmp_path, variable, value, example
):
    text = doctor(tmp_path / "home", **{variable: value})
    assert "✗ settings" in text and variable in text and example in text, text
    assert "lakehouse up" not in text, text  # starting the servers would not help


def test_a_home_whose_servers_are_stopped_is_told_to_start_them(tmp_path):
    """Never started: `lakehouse up`, and no round trip, which would reach whatever answers on
    the default ports (another home's servers)."""
    text = doctor(tmp_path / "home")
    assert "✗ service s3: stopped" in text and "✗ service spark: stopped" in text, text
    assert "Fix: Run `lakehouse up`" in text, text
    assert "round trip" not in text, text


def test_an_s3_server_that_died_is_told_to_start_again(running_home):
    s3 = next(p for p in psutil.process_iter(["cmdline"]) if _serves(p, running_home, "weed"))
    os.kill(s3.pid, signal.SIGKILL)
    s3.wait(timeout=10)
    text = doctor(running_home)
    assert "✗ service s3: stopped" in text and "Fix: Run `lakehouse up`" in text, text
    assert "✓ service spark" in text and "round trip" not in text, text


def test_refused_credentials_name_the_variables(running_home):
    for variable, value in (
        ("LAKEHOUSE_S3_SECRET_KEY", "not-the-secret"),
        ("LAKEHOUSE_S3_ACCESS_KEY", "nobody"),
    ):
        text = doctor(running_home, **{variable: value})
        assert "✗ S3 round trip: The S3 server refused the credentials" in text, text
        assert variable in text.split("✗ S3 round trip", 1)[1].splitlines()[1], text
        assert "lakehouse up" not in text, text


def test_a_stack_not_installed_is_told_to_install_it(tmp_path):
    """An empty cache folder: `lakehouse install --profile stack`, and nothing is started."""
    cache = tmp_path / "cache"
    text = doctor(tmp_path / "home", "--profile", "stack", LAKEHOUSE_CACHE=str(cache))
    assert "✗ install: not installed yet" in text, text
    assert "Fix: Run `lakehouse install --profile stack`" in text, text
    assert "service" not in text and "round trip" not in text, text


def _serves(process: psutil.Process, home, program: str) -> bool:
    """Whether a process is `program` serving this home (its data folder is inside it)."""
    command = process.info["cmdline"] or []
    return bool(command) and command[0].endswith(program) and str(home) in " ".join(command)
