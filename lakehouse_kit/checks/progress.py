"""`lakehouse progress`: every lesson's progress checks run on the learner's tables.

`progress()` runs them and says which pass, as data; the `lakehouse` command draws the table.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable
from dataclasses import dataclass

from lakehouse_kit.checks import lesson1, lesson2, lesson3, lesson4, lesson5, lesson6, lesson7
from lakehouse_kit.errors import KitError, first_line

# exercise -> (lesson, check), in the course's order.
CHECKS: dict[str, tuple[str, Callable[[], None]]] = {
    name: (module.LESSON, check)
    for module in (lesson1, lesson2, lesson3, lesson4, lesson5, lesson6, lesson7)
    for name, check in module.PROGRESS.items()
}


@dataclass
class Progress:
    lesson: str
    exercise: str
    passes: bool
    hint: str = ""


def progress() -> list[Progress]:
    """Run every progress check quietly; a failure's hint says what to do next."""
    found = []
    for name, (lesson, check) in CHECKS.items():
        try:
            with contextlib.redirect_stdout(io.StringIO()):  # the table says it; no ✓ lines
                check()
            found.append(Progress(lesson, name, True))
        except KitError as failure:
            found.append(Progress(lesson, name, False, failure.fix or failure.message))
        except Exception as failure:  # e.g. reading a folder the exercise has not written yet
            found.append(Progress(lesson, name, False, first_line(failure, limit=120)))
    return found
