"""Running a set-up command to its end (an installer step, initdb, a schema tool): its output
kept in a log, and a failure raised with the log's last lines and a fix."""

from __future__ import annotations

import subprocess
from pathlib import Path

from lakehouse_kit.errors import KitError
from lakehouse_kit.home import tail


def run_logged(
    command: list[str],
    log: Path,
    what: str,
    fix: str,
    error: type[KitError] = KitError,
    stdin: str | None = None,
    **options,
) -> None:
    """Run `command` with its output appended to `log` (after the command line); when it fails,
    raise `error` saying `what` failed, with the log's last lines, and `fix`. `options` go to
    subprocess (cwd, env, user...)."""
    with open(log, "a") as out:
        out.write(f"\n$ {' '.join(command)}\n")
        out.flush()
        code = subprocess.run(
            command, input=stdin, text=True, stdout=out, stderr=subprocess.STDOUT, **options
        ).returncode
    if code:
        raise error(
            f"{what} failed (exit {code}):\n{tail(log, 12)}",
            fix=f"{fix} The whole output is in {log}.",
        )
