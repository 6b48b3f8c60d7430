"""Settings: environment > .env > profile defaults, profiles, and the live ports of local services."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lakehouse_kit import runtime
from lakehouse_kit import settings as settings_module
from lakehouse_kit.errors import KitError
from lakehouse_kit.settings import LOCAL_S3_PORT, LOCAL_SPARK_PORT, load_settings

ALL_ENV = (
    "LAKEHOUSE_PROFILE",
    "LAKEHOUSE_HOME",
    "LAKEHOUSE_S3_ENDPOINT",
    "LAKEHOUSE_S3_REGION",
    "LAKEHOUSE_S3_ACCESS_KEY",
    "LAKEHOUSE_S3_SECRET_KEY",
    "LAKEHOUSE_BUCKET",
    "LAKEHOUSE_SPARK_REMOTE",
    "LAKEHOUSE_SQL_URL",
)


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    """A project root of our own (no .env yet) and an environment without LAKEHOUSE_*."""
    root = tmp_path / "project"
    root.mkdir()
    monkeypatch.setattr(settings_module, "PROJECT_ROOT", root)
    for name in ALL_ENV:
        monkeypatch.delenv(name, raising=False)
    return root


def write_env(root: Path, **values: str) -> None:
    (root / ".env").write_text("".join(f"{k}={v}\n" for k, v in values.items()))


def test_profile_defaults_without_env_or_dotenv(project):
    s = load_settings()
    assert s.profile == "local" and s.is_local
    assert s.s3_endpoint == f"http://127.0.0.1:{LOCAL_S3_PORT}"
    assert s.spark_remote == f"sc://127.0.0.1:{LOCAL_SPARK_PORT}"
    assert (s.bucket, s.s3_region) == ("lakehouse", "us-east-1")
    assert s.home == project / ".lakehouse"


def test_env_beats_dotenv_beats_defaults(project, monkeypatch):
    write_env(project, LAKEHOUSE_BUCKET="from-dotenv", LAKEHOUSE_S3_REGION="eu-dotenv-1")
    monkeypatch.setenv("LAKEHOUSE_BUCKET", "from-env")
    s = load_settings()
    assert s.bucket == "from-env"  # environment wins over .env
    assert s.s3_region == "eu-dotenv-1"  # .env wins over the default
    assert s.s3_access_key == "lakehouse"  # untouched: profile default
    # Explicit keyword overrides beat everything.
    assert load_settings(bucket="kw").bucket == "kw"


def test_profile_chosen_in_dotenv_and_overridden_by_env(project, monkeypatch):
    write_env(project, LAKEHOUSE_PROFILE="docker")
    assert load_settings().profile == "docker"
    monkeypatch.setenv("LAKEHOUSE_PROFILE", "local")
    assert load_settings().profile == "local"


def test_unknown_profile_names_the_fix(project, monkeypatch):
    monkeypatch.setenv("LAKEHOUSE_PROFILE", "cloudy")
    with pytest.raises(KitError) as info:
        load_settings()
    assert "cloudy" in info.value.message
    assert "LAKEHOUSE_PROFILE" in info.value.fix
    for profile in ("local", "docker", "remote"):
        assert profile in info.value.fix


def test_remote_profile_lists_every_missing_setting(project, monkeypatch):
    monkeypatch.setenv("LAKEHOUSE_PROFILE", "remote")
    with pytest.raises(KitError) as info:
        load_settings()
    missing = {
        "LAKEHOUSE_S3_ENDPOINT",
        "LAKEHOUSE_SPARK_REMOTE",
        "LAKEHOUSE_SQL_URL",
        "LAKEHOUSE_S3_ACCESS_KEY",
        "LAKEHOUSE_S3_SECRET_KEY",
    }
    for name in missing:
        assert name in info.value.message
    assert ".env" in info.value.fix

    # Some from the environment, some from .env: only the rest are still reported.
    monkeypatch.setenv("LAKEHOUSE_S3_ENDPOINT", "https://s3.example.org")
    write_env(project, LAKEHOUSE_SPARK_REMOTE="sc://spark.example.org:15002")
    with pytest.raises(KitError) as info:
        load_settings()
    assert "LAKEHOUSE_S3_ENDPOINT" not in info.value.message
    assert "LAKEHOUSE_SPARK_REMOTE" not in info.value.message
    assert "LAKEHOUSE_SQL_URL" in info.value.message

    for name, value in [
        ("LAKEHOUSE_SQL_URL", "trino://u@trino.example.org:443/delta"),
        ("LAKEHOUSE_S3_ACCESS_KEY", "ak"),
        ("LAKEHOUSE_S3_SECRET_KEY", "sk"),
    ]:
        monkeypatch.setenv(name, value)
    s = load_settings()
    assert (s.profile, s.s3_endpoint, s.spark_remote) == (
        "remote",
        "https://s3.example.org",
        "sc://spark.example.org:15002",
    )
    assert not s.is_local


def test_docker_profile_defaults_ignore_local_ports(project, monkeypatch):
    home = project / "home"
    (home / "run").mkdir(parents=True)
    (home / "run" / "ports.json").write_text(json.dumps({"s3": 23456, "spark": 34567}))
    monkeypatch.setenv("LAKEHOUSE_HOME", str(home))
    monkeypatch.setenv("LAKEHOUSE_PROFILE", "docker")
    s = load_settings()
    assert s.s3_endpoint == "http://127.0.0.1:9000"
    assert s.spark_remote == "sc://127.0.0.1:15002"
    assert s.sql_url.startswith("trino://")
    assert (s.s3_access_key, s.s3_secret_key) == ("lakehouse", "lakehouse-secret")
    assert not s.is_local


def test_live_ports_override_local_defaults(project, monkeypatch):
    home = project / "home"
    (home / "run").mkdir(parents=True)
    (home / "run" / "endpoints.json").write_text(
        json.dumps(
            {"s3_endpoint": "http://127.0.0.1:23456", "spark_remote": "sc://127.0.0.1:34567"}
        )
    )
    write_env(project, LAKEHOUSE_HOME=str(home))  # the home may come from .env as well
    s = load_settings()
    assert s.home == home and s.run_dir == home / "run"
    assert s.s3_endpoint == "http://127.0.0.1:23456"
    assert s.spark_remote == "sc://127.0.0.1:34567"
    # An explicit environment endpoint still wins over the recorded port.
    monkeypatch.setenv("LAKEHOUSE_S3_ENDPOINT", "http://127.0.0.1:1")
    s = load_settings()
    assert s.s3_endpoint == "http://127.0.0.1:1"
    assert s.spark_remote == "sc://127.0.0.1:34567"


def test_public_is_json_ready(project):
    public = load_settings().public()
    assert json.loads(json.dumps(public))["home"] == str(project / ".lakehouse")


def test_a_live_port_beats_dotenv(project, monkeypatch):
    """.env names the usual port; the service moved off it (taken): clients follow the move,
    never the stranger now answering at the old port. Only the shell's environment wins."""
    home = project / ".lakehouse"
    (home / "run").mkdir(parents=True)
    (home / "run" / "endpoints.json").write_text(
        json.dumps({"s3_endpoint": "http://127.0.0.1:23456"})
    )
    write_env(project, LAKEHOUSE_S3_ENDPOINT="http://127.0.0.1:19000")
    assert load_settings().s3_endpoint == "http://127.0.0.1:23456"
    monkeypatch.setenv("LAKEHOUSE_S3_ENDPOINT", "http://127.0.0.1:1")
    assert load_settings().s3_endpoint == "http://127.0.0.1:1"


@pytest.mark.parametrize("value", ["", "  "])
def test_an_empty_home_is_the_default_one(project, monkeypatch, value):
    """LAKEHOUSE_HOME="" once meant the current folder: `reset` then wiped a user's `s3/`."""
    monkeypatch.setenv("LAKEHOUSE_HOME", value)
    assert load_settings().home == project / ".lakehouse"


def test_a_relative_home_is_taken_from_the_project_top(project, monkeypatch, tmp_path):
    """A kernel started in lessons/ and the command at the top must find the same servers."""
    monkeypatch.setenv("LAKEHOUSE_HOME", "my-home")
    monkeypatch.chdir(tmp_path)
    first = load_settings().home
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    with runtime.isolated():  # as a new kernel (the session fixture's Spark session stays open)
        assert load_settings().home == first == project / "my-home"
    assert first.is_absolute()


@pytest.mark.parametrize(
    "variable, value, words",
    [
        ("LAKEHOUSE_S3_ENDPOINT", "garbage", "must start with http:// or https://"),
        ("LAKEHOUSE_S3_ENDPOINT", "http://", "names no host"),
        ("LAKEHOUSE_SPARK_REMOTE", "sc://127.0.0.1:abc", "port is not a number"),
        ("LAKEHOUSE_SPARK_REMOTE", "sc://127.0.0.1:99999", "port is not a number"),
        ("LAKEHOUSE_SPARK_REMOTE", "127.0.0.1:15002", "must start with sc://"),
        ("LAKEHOUSE_SQL_URL", "duckdb", "not a SQLAlchemy URL"),
    ],
)
def test_a_malformed_url_setting_is_named_with_its_fix(
    project, monkeypatch, variable, value, words
):
    monkeypatch.setenv(variable, value)
    with pytest.raises(KitError) as error:
        load_settings()
    assert variable in error.value.message and words in error.value.message
    assert variable in error.value.fix


def test_a_missing_manifest_or_landing_file_is_named_with_its_fix(project, monkeypatch, tmp_path):
    from lakehouse_kit.checks.landing import file_lines, read_manifest

    landing = tmp_path / "landing"
    (landing / "batch_001").mkdir(parents=True)
    monkeypatch.setenv("LAKEHOUSE_LANDING_DIR", str(landing))
    with pytest.raises(KitError) as missing:
        read_manifest()
    assert "manifest" in missing.value.message and "LAKEHOUSE_LANDING_DIR" in missing.value.fix
    (tmp_path / "manifest.json").write_text("{not json")
    with pytest.raises(KitError) as broken:
        read_manifest()
    assert "not valid JSON" in broken.value.message
    with pytest.raises(KitError) as no_file:
        file_lines("pokemon", 1)
    assert "pokemon.jsonl" in no_file.value.message and "batch number" in no_file.value.fix
