"""The catalogue of answers for every exercise: valid alternatives the check must accept, and
plausible wrong answers (mistakes a learner would make from the lesson's own words) it must
reject with a hint that names the mistake.

A test module registers its answers with the decorators below and parametrizes a test over
`valid(exercise)` or `wrong(exercise)`; `pytest_terminal_summary` in conftest prints how many
of each every exercise has, so a thin catalogue shows.

    @mistake("deduplicate", hint="descending")
    def oldest_batch_kept(rows, key="id"):
        ...

    @pytest.mark.parametrize("answer", wrong("deduplicate"), ids=str)
    def test_wrong_deduplication_fails(spark, answer):
        failure = fails_with_hint(checks.check_deduplicate, answer.function, spark=spark)
        assert answer.hint in failure.fix + failure.message
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from lakehouse_kit.checks import CheckFailed

# Every exercise of the course (the solution-tagged functions), in the course's order.
EXERCISES = (
    "s3a_options",
    "engine_conf",
    "write_starters",
    "read_raw",
    "write_bronze",
    "deduplicate",
    "parse_pokemon",
    "pokemon_rules",
    "type_matchups",
    "strongest_by_type_generation",
    "move_usage",
    "strongest_per_type_sql",
    "near_the_best_sql",
    "as_of_sql",
    "upsert",
    "as_of",
    "maintenance_sql",
    "add_constraint",
    "retry_on_conflict",
    "unexpected_fields",
    "widen_column",
    "rename_column",
    "upsert_newer",
    "types_to_refresh",
)


@dataclass(frozen=True)
class Answer:
    exercise: str
    name: str
    function: Callable
    hint: str = ""  # words the check's hint (or message) must contain: the mistake, named

    def __str__(self) -> str:
        return self.name


@dataclass
class Entry:
    valid: list[Answer] = field(default_factory=list)
    wrong: list[Answer] = field(default_factory=list)


CATALOGUE: dict[str, Entry] = {exercise: Entry() for exercise in EXERCISES}


def _register(kind: str, exercise: str, hint: str = "", name: str | None = None):
    if exercise not in CATALOGUE:
        raise KeyError(f"{exercise!r} is not an exercise: {EXERCISES}")

    def register(function: Callable) -> Callable:
        answer = Answer(exercise, name or function.__name__, function, hint)
        answers = getattr(CATALOGUE[exercise], kind)
        if all(a.name != answer.name for a in answers):  # a module imported twice
            answers.append(answer)
        return function

    return register


def alternative(exercise: str, name: str | None = None):
    """Register a valid answer that is not the solution's: the check must accept it."""
    return _register("valid", exercise, name=name)


def mistake(exercise: str, hint: str, name: str | None = None):
    """Register a wrong answer: the check must reject it, its hint or message containing `hint`."""
    if not hint:
        raise ValueError("a mistake needs the words its hint must contain")
    return _register("wrong", exercise, hint, name)


def fails_with_hint(check, *args, **kwargs) -> CheckFailed:
    """The check's failure on a wrong answer: it must fail, and say how to fix it."""
    with pytest.raises(CheckFailed) as failure:
        check(*args, **kwargs)
    assert failure.value.fix, "a failing check must say how to fix it"
    return failure.value


def valid(exercise: str) -> list[Answer]:
    return list(CATALOGUE[exercise].valid)


def wrong(exercise: str) -> list[Answer]:
    return list(CATALOGUE[exercise].wrong)


def sizes() -> list[tuple[str, int, int]]:
    """(exercise, valid alternatives, wrong answers) for every exercise."""
    return [(e, len(CATALOGUE[e].valid), len(CATALOGUE[e].wrong)) for e in EXERCISES]
