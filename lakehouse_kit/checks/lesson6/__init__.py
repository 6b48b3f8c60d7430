"""Lesson 6 (Delta operations), one module per job: the MERGE of batch 2 (`merge`), time travel
(`time_travel`), maintenance in the engine's SQL (`maintenance`), constraints (`constraints`)
and concurrent writers (`writers`)."""

from __future__ import annotations

from collections.abc import Callable

from lakehouse_kit.checks.lesson6.constraints import check_constraint
from lakehouse_kit.checks.lesson6.maintenance import check_maintenance_sql
from lakehouse_kit.checks.lesson6.merge import (
    SILVER_COUNT_KEYS,
    UPSERT_CASES,
    check_merge,
    check_upsert,
    silver_change,
)
from lakehouse_kit.checks.lesson6.time_travel import check_as_of, check_version_diff
from lakehouse_kit.checks.lesson6.writers import check_retry_on_conflict

LESSON = "06"

PROGRESS: dict[str, Callable[[], None]] = {"silver merge": lambda: check_merge()}

__all__ = [
    "LESSON",
    "PROGRESS",
    "SILVER_COUNT_KEYS",
    "UPSERT_CASES",
    "check_as_of",
    "check_constraint",
    "check_maintenance_sql",
    "check_merge",
    "check_retry_on_conflict",
    "check_upsert",
    "check_version_diff",
    "silver_change",
]
