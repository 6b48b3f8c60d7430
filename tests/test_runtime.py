"""The kit's process state: one object holds every cache, one reset drops them all."""

from __future__ import annotations

import os

import pytest

from lakehouse_kit import runtime
from lakehouse_kit.settings import load_settings
from lakehouse_kit.storage import s3_client


@pytest.fixture
def where(monkeypatch, tmp_path):
    """The home and profile variables, put back after the test."""
    monkeypatch.setenv("LAKEHOUSE_HOME", str(tmp_path / "before"))
    monkeypatch.setenv("LAKEHOUSE_PROFILE", "local")
    return tmp_path


def test_reset_drops_every_cache_and_points_the_process_at_a_home(where):
    with runtime.isolated():  # the other tests' sessions (e.g. the session fixture's) stay open
        before = load_settings()
        s3_client(before)
        filled = runtime.state()
        assert filled.settings and filled.s3_clients

        fresh = runtime.reset(home=where / "after", profile="stack")
        assert fresh is runtime.state() is not filled
        assert not (fresh.settings or fresh.sessions or fresh.registered or fresh.s3_clients)
        assert fresh.gx_context is None
        after = load_settings()
        assert (after.home, after.profile) == (where / "after", "stack")
        assert s3_client(after) is not s3_client(before)  # another store, another client


def test_a_client_is_made_once_per_store_and_keys(where):
    settings = load_settings()
    assert s3_client(settings) is s3_client(load_settings())
    assert s3_client(settings) is not s3_client(load_settings(profile="stack"))


def test_isolated_gives_the_block_a_new_process_state_and_puts_the_old_one_back(where):
    outer = runtime.state()
    load_settings()
    with runtime.isolated(home=where / "inner", profile="stack") as inner:
        assert runtime.state() is inner is not outer
        assert load_settings().profile == "stack"
        assert os.environ["LAKEHOUSE_HOME"] == str(where / "inner")
    assert runtime.state() is outer and outer.settings
    assert os.environ["LAKEHOUSE_HOME"] == str(where / "before")
    assert load_settings().profile == "local"


def test_environment_sets_and_unsets_for_the_block_only(monkeypatch):
    monkeypatch.setenv("KIT_PROBE_SET", "shell")
    monkeypatch.delenv("KIT_PROBE_UNSET", raising=False)
    with runtime.environment({"KIT_PROBE_SET": None, "KIT_PROBE_UNSET": "block"}):
        assert "KIT_PROBE_SET" not in os.environ and os.environ["KIT_PROBE_UNSET"] == "block"
    assert os.environ["KIT_PROBE_SET"] == "shell" and "KIT_PROBE_UNSET" not in os.environ
    with runtime.environment({"KIT_PROBE_SET": "x", "KIT_PROBE_UNSET": "y"}, defaults_only=True):
        assert (os.environ["KIT_PROBE_SET"], os.environ["KIT_PROBE_UNSET"]) == ("shell", "y")
    assert "KIT_PROBE_UNSET" not in os.environ
