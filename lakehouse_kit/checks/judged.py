"""The record of judged functions: a check's trials of a learner's function (a write tried on
scratch tables, rows the check made up) are not run again on code they already passed.

Lesson 6 replays lessons 2-4 for batch 2, check cells included: without the record every
check there would re-try functions that passed in their own lesson, which costs seconds. Only
the trials are skipped; what a check reads of the tables the replay wrote is judged as ever.

The record is a file in the home's run folder, so it outlives a kernel (in JupyterLab lesson 6
runs in another kernel than lesson 2) and is not shared with another home. A verdict's key is
the trial's name, the arguments that change the trial, the function's fingerprint (its code
and the learner's helpers it calls, `fingerprint`), the kit's code and the packages' versions,
and where it ran (profile, engine, store). When unsure, a function is judged anew: one it
cannot fingerprint, a record that cannot be read. A failed trial is never recorded.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from lakehouse_kit.checks.fingerprint import environment, fingerprint

RECORD = "judged.json"
KEEP = 500  # verdicts kept, the newest: a learner trying answer after answer adds one per pass
REUSED = "shown before for this same code, not tried again"


def trials(trial: str, function: Callable, run: Callable[[], object], **matters) -> bool:
    """Run `run()`, the check's trials of `function`, unless they passed before on the same
    code; record them when they pass. `trial` names them, `matters` are the values that change
    what they try. Returns True when an earlier verdict was reused (nothing was run)."""
    path, key = _path(), _key(trial, function, matters)
    if path is None or key is None:
        run()
        return False
    if key in _read(path):
        return True
    run()  # a failure raises: nothing is recorded
    _record(path, key, trial, getattr(function, "__name__", "?"))
    return False


def note(reused: bool, what: str = "") -> str:
    """What a ✓ line adds when the trials were not run again: `what` names them."""
    if not reused:
        return ""
    return f" ({what}: {REUSED})" if what else f" ({REUSED})"


def _key(trial: str, function: Callable, matters: dict) -> str | None:
    from lakehouse_kit.settings import load_settings

    code = fingerprint(function)
    if code is None:
        return None
    settings = load_settings()
    where = (settings.profile, settings.spark_remote, settings.s3_endpoint, settings.bucket)
    text = repr((trial, sorted(matters.items()), code, environment(), where))
    return hashlib.sha256(text.encode()).hexdigest()


def _path() -> Path | None:
    """The record in the home's run folder; none in a folder the kit has not claimed (a check
    run against services of another's, e.g. `docker`, keeps no record and judges every time)."""
    from lakehouse_kit.home import is_marked
    from lakehouse_kit.settings import load_settings

    settings = load_settings()
    return settings.run_dir / RECORD if is_marked(settings.home) else None


def _read(path: Path) -> dict:
    """The verdicts; none when the record is missing or unreadable (all are judged anew)."""
    try:
        verdicts = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    if not isinstance(verdicts, dict):
        return {}
    return {key: value for key, value in verdicts.items() if isinstance(value, dict)}


def _record(path: Path, key: str, trial: str, function: str) -> None:
    """Add a verdict: the record is read afresh and replaced whole (a reader never sees half a
    file; of two kernels writing at once one verdict may be lost, and judged again). A home
    that cannot be written keeps no record."""
    verdicts = _read(path)
    verdicts[key] = {"trial": trial, "function": function, "at": time.time()}
    newest = sorted(verdicts.items(), key=lambda item: item[1].get("at", 0))[-KEEP:]
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)  # the services make it; a test may not
        _replace(path, json.dumps(dict(newest), indent=1))


def _replace(path: Path, text: str) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w") as out:
            out.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
