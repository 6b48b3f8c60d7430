"""Lesson 3, exercise 3: pokemon_rules, the expectation suite, judged on the batch and on rows
the check makes up (`checks.reference`'s probes): every row the rules reject must fail it, every
row they accept must pass."""

from __future__ import annotations

import copy
import functools

from lakehouse_kit.checks import judged, probes
from lakehouse_kit.checks.core import (
    engine_error_types,
    engine_errors,
    expect,
    passed,
    session,
)
from lakehouse_kit.checks.reference import (
    COLUMNS,
    STATS,
    defects,
    doubtful,
    known_types,
)

GRASS = "grass"  # the type left out of type_names to see that the suite uses its argument
_EXTRA_HINTS = {
    "name": "Real names keep their spelling: 'Type: Null', 'Ho-Oh', 'Flabébé', 'Nidoran♀', "
    "'Farfetch’d' and 'Mr. Mime' must pass your rules on names.",
    "height_m": "After parsing, heights are in metres: real ones run from 0.1 m (Joltik) to 20 m "
    "(Eternatus).",
    "weight_kg": "After parsing, weights are in kilograms: real ones run from 0.1 kg (Gastly) to "
    "999.9 kg (Cosmoem).",
    "base_experience": "base_experience may be null: Generation 9 has none (data/README.md); the "
    "rules ask nothing of it.",
    "secondary_type": "A Pokémon with one type has no secondary_type: expect it in type_names, "
    "not not-null.",
    "id": "Exercise 1 keeps one copy of a repeated id; an expectation that ids are unique sends "
    "every copy to quarantine, and the Pokémon is lost.",
    "generation": "Generations run from 1 to 9, both included.",
    **dict.fromkeys(STATS, "Stats run from 1 to 255, both included."),
}


def check_pokemon_rules(rules, typed, batch: int = 1) -> None:
    """The suite sends to quarantine exactly the rows that break data/README.md's rules, of
    this batch and of rows the check makes up (hp 0, attack 256, generation 12, height 0, an
    unknown type, a null name...); never a repaired row or a real name. `rules` is the
    function pokemon_rules (then it is also given type_names without one type, which must
    count) or a suite it made. The function's trials on made-up rows are not run again on
    code that passed them before with the same type names (`judged`)."""
    type_names = known_types(session(None), batch)
    suite = rules(type_names) if callable(rules) else rules
    missed, extra = _judge(suite, typed, type_names)
    ids = sorted({row["id"] for row, _ in missed}, key=str)[:10]
    _report_missed(missed, f"Rows with ids {ids}")
    _report_extra(extra, made_up=False)
    reused = False
    if callable(rules):
        trial = functools.partial(_try_made_up_rows, rules, suite, type_names)
        reused = judged.trials("pokemon_rules on made-up rows", rules, trial, types=type_names)
    else:
        _judge_made_up_rows(suite, _probe_frame(), type_names)
    kinds = {type(e).__name__ for e in suite.expectations}
    passed(
        f"{len(suite.expectations)} expectations of {len(kinds)} kinds quarantine exactly the "
        f"rows that break the data rules, in batch {batch} and in rows the check made up"
        + judged.note(reused, "the made-up rows")
    )


def _try_made_up_rows(rules, suite, type_names: list[str]) -> None:
    """The suite on the made-up rows, then the function given fewer type names."""
    probes = _probe_frame()
    _judge_made_up_rows(suite, probes, type_names)
    fewer = [t for t in type_names if t != GRASS]
    missed, extra = _judge(rules(fewer), probes, fewer)
    expect(
        not missed and not extra,
        f"Given type_names without '{GRASS}', your suite still lets rows of type {GRASS} pass.",
        "Use the type_names argument: ExpectColumnValuesToBeInSet(column=..., "
        "value_set=type_names), not a list of your own.",
    )


def _judge_made_up_rows(suite, probes, type_names: list[str]) -> None:
    missed, extra = _judge(suite, probes, type_names)
    _report_missed(missed, "Rows the check made up (no batch needs to hold them)")
    _report_extra(extra, made_up=True)


def _probe_frame():
    """The rows the check makes up, typed as parse_pokemon types them."""
    schema = (
        "id INT, name STRING, generation INT, height_m DOUBLE, weight_kg DOUBLE, "
        "base_experience INT, is_legendary BOOLEAN, primary_type STRING, secondary_type STRING, "
        + ", ".join(f"{s} INT" for s in STATS)
        + ", total INT, moves ARRAY<STRING>, raw STRING, _batch_id INT"
    )
    rows = [(*(row[c] for c in COLUMNS), label, 0) for label, row in probes.probe_rows()]
    return session(None).createDataFrame(rows, schema)


def _judge(suite, frame, type_names) -> tuple[list, list]:
    """Rows the suite lets pass though they break the rules, with their defects; rows it fails
    though the rules let them pass, with the expectations they fail."""
    missed, extra = [], []
    for row in _verdicts(suite, frame):
        found, failed = defects(row, type_names), row["failed_expectations"]
        if found and not failed:
            missed.append((row, found))
        elif failed and not found and not doubtful(row):
            extra.append((row, failed))
    return missed, extra


def _verdicts(suite, frame) -> list[dict]:
    """Every row with the expectations it fails (none: it passes). An expectation the engine
    cannot run fails with its name and a hint, not with an engine traceback."""
    from pyspark.sql import functions as F

    from lakehouse_kit.quality import describe, new_suite, split_valid

    valid, failed = split_valid(frame, suite)
    passing = valid.withColumn("failed_expectations", F.array().cast("array<string>"))
    judged = passing.unionByName(failed).select(*COLUMNS, "raw", "failed_expectations")
    try:
        return [r.asDict() for r in judged.collect()]
    except engine_error_types():
        for expectation in suite.expectations:  # find the one the engine refuses
            label = describe(expectation)
            with engine_errors(f"The expectation '{label}'", _rule_hint(label)):
                alone = new_suite("probe", [copy.deepcopy(expectation)])
                split_valid(frame, alone)[1].limit(1).collect()
        raise


def _rule_hint(label: str) -> str:
    if " matches " in label:
        return (
            "Use a regex every engine runs: no look-ahead or look-behind ((?=, (?!, (?<=); "
            "e.g. ^\\S(.*\\S)?$ for a name without outer spaces."
        )
    return "Name a column parse_pokemon makes (see the table above), with values of its type."


def _report_missed(missed: list, rows: str) -> None:
    """Rows that pass though they break the rules: what is wrong with them, and each rule."""
    whats = list(dict.fromkeys(d.what for _, found in missed for d in found))
    rules = list(dict.fromkeys(d.rule for _, found in missed for d in found))
    expect(
        not missed,
        f"{rows} break the data rules but pass your suite: {', '.join(whats[:8])}.",
        "Expect " + "; ".join(rules) + ".",
    )


def _report_extra(extra: list, made_up: bool) -> None:
    """Rows that fail though the rules let them pass: which, and the expectation to fix."""
    if not extra:
        return
    examples = [
        f"a row with {row['raw']}" if made_up else f"id {row['id']} {row['name']!r}"
        for row, _ in extra[:3]
    ]
    failing = extra[0][1][0]
    expect(
        False,
        f"{len(extra)} rows {'the check made up ' if made_up else ''}meet the data rules but "
        f"fail your suite's '{failing}': {'; '.join(examples)}.",
        _EXTRA_HINTS.get(
            failing.split(" ")[0],
            "Rows that meet data/README.md's rules must pass: check that expectation.",
        ),
    )
