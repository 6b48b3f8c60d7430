"""Two `lakehouse --profile stack up` at once in one home (a notebook's get_spark() while
`lakehouse run` starts): the second waits for the first, then finds the stack up; neither
fails, and one set of servers runs. In the session's shared stack (`stack_home`), stopped
first; it is left running. The `local` twin is in test_cli.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import psutil
import pytest

pytestmark = [pytest.mark.stack, pytest.mark.services]

JVM_SERVICES = 3  # the metastore, Spark and Trino


def _environment(home) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LAKEHOUSE_")}
    return {**env, "LAKEHOUSE_HOME": str(home), "LAKEHOUSE_PROFILE": "stack", "COLUMNS": "200"}


def _serving(home, name: str) -> list[int]:
    """The pids of processes called `name` started for this home (they inherit its setting)."""
    found = []
    for process in psutil.process_iter(["name"]):
        try:
            if process.info["name"] == name and process.environ().get("LAKEHOUSE_HOME") == str(
                home
            ):
                found.append(process.pid)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return found


def test_two_stack_ups_at_once_both_succeed_with_one_set_of_servers(stack_home):
    with stack_home(running=False) as settings:
        home = settings.home
        env = _environment(home)
        command = [sys.executable, "-m", "lakehouse_kit.cli", "up"]
        ups = [
            subprocess.Popen(
                command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
            )
            for _ in range(2)
        ]
        results = [(up.wait(timeout=900), *up.communicate()) for up in ups]
        assert [code for code, _, _ in results] == [0, 0], results
        assert any("Waiting for `lakehouse up` (stack)" in err for _, _, err in results), results
        status = subprocess.run(
            [*command[:-1], "status", "--json"], env=env, capture_output=True, text=True
        )
        report = json.loads(status.stdout)
        assert report["services"] and all(s["running"] for s in report["services"]), report
        pids = [s["pid"] for s in report["services"]]
        assert len(set(pids)) == len(pids), report
        assert len(_serving(home, "java")) == JVM_SERVICES
        assert len(_serving(home, "weed")) == 1
