"""The kit's shape: what a lesson imports loads no instructor tool and changes no environment
variable; the instructor's command refuses what it does not know."""

from __future__ import annotations

import functools
import json
import os
import re
import subprocess
import sys

import pytest

from lakehouse_kit.runner import SOLUTIONS
from lakehouse_kit.tools import cli as dev_cli

ENV_SET_BY_IMPORTS_BEFORE = ("SPARK_HOME", "JUPYTER_PREFER_ENV_PATH", "GX_ANALYTICS_ENABLED")


def lesson_imports() -> list[str]:
    """Every import statement of the solutions, once."""
    found = set()
    for py in SOLUTIONS.glob("[0-9][0-9]_*.py"):
        found.update(
            re.findall(r"^(?:from \S+ import .+|import .+)$", py.read_text(encoding="utf-8"), re.M)
        )
    return sorted(found)


@functools.cache
def start_early() -> subprocess.Popen:
    """A fresh interpreter running every lesson import (6 s: Great Expectations alone takes 4):
    conftest starts it once this module's test is selected, so it runs beside the other tests."""
    script = "\n".join(
        [
            *lesson_imports(),
            "import json, os, sys",
            "print(json.dumps({'modules': sorted(sys.modules), 'env': sorted(os.environ)}))",
        ]
    )
    return subprocess.Popen(
        [sys.executable, "-c", script],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_environment(),
        cwd=SOLUTIONS,
    )


@functools.cache
def _environment() -> dict[str, str]:
    """The child's environment: this process's at its start, less what imports set before."""
    return {k: v for k, v in os.environ.items() if k not in ENV_SET_BY_IMPORTS_BEFORE}


def test_lesson_imports_load_no_tool_and_leave_the_environment_alone():
    child = start_early()
    out, err = child.communicate(timeout=120)
    assert child.returncode == 0, err[-2000:]
    loaded = json.loads(out.splitlines()[-1])
    assert "lakehouse_kit.quality" in loaded["modules"]  # the imports did run
    assert not [m for m in loaded["modules"] if m.startswith("lakehouse_kit.tools")]
    assert set(loaded["env"]) == set(_environment())


@pytest.mark.parametrize(
    "argv", [["notebook", "build"], ["notebooks", "buidl"], ["data", "scael", "2", "x"], []]
)
def test_a_mistyped_dev_command_fails_and_says_what_exists(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        dev_cli.main(argv)
    assert exit_info.value.code == 2
    error = capsys.readouterr().err
    assert (
        "invalid choice" in error
        or "arguments are required: {notebooks,data,bench,bundle}" in error
    ), error
