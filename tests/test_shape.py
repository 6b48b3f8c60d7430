"""The kit's shape: what a lesson imports loads no instructor tool and changes no environment
variable; the instructor's command refuses what it does not know."""

from __future__ import annotations

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


def test_lesson_imports_load_no_tool_and_leave_the_environment_alone():
    script = "\n".join(
        [
            *lesson_imports(),
            "import json, os, sys",
            "print(json.dumps({'modules': sorted(sys.modules), 'env': sorted(os.environ)}))",
        ]
    )
    env = {k: v for k, v in os.environ.items() if k not in ENV_SET_BY_IMPORTS_BEFORE}
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=env,
        cwd=SOLUTIONS,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    loaded = json.loads(result.stdout.splitlines()[-1])
    assert "lakehouse_kit.quality" in loaded["modules"]  # the imports did run
    assert not [m for m in loaded["modules"] if m.startswith("lakehouse_kit.tools")]
    assert set(loaded["env"]) == set(env)


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
