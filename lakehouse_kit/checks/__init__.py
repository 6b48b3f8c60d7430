"""Exercise checks: each passes with a short ✓ or fails with what is wrong and a hint.

They test real table contents (counts that add up, schemas, unique keys, invariants). Each
takes optional arguments so a test can hand it a wrong answer; without them it reads the
tables, which is how `lakehouse progress` runs them.

One module per lesson (`lesson1` ... `lesson7`), and one per exercise where a lesson's would
grow too large (lesson 1's `s3a` and `engine_conf`; lesson 2's `bronze_rows`, Bronze rows judged
against their landing file; lesson 3's `parse_pokemon`, `pokemon_rules` and `accounting`;
lesson 4's `leaderboard`, with what lesson 4's checks share in `gold`; lesson 5's `time_travel`
and `sql_answers`; lesson 7's `lesson7_merge`, and its type change and change feed in
`lesson7_changes`). The shared primitives are in `core`, the landing files and their manifest in
`landing`, data/README.md's rules as lesson 3's answer key in `reference` (and rows no batch
holds in `probes`), `lakehouse progress` in `progress`; the record of functions whose trials
passed, so that a check does not try the same code again, in `judged` (a code's hash in
`fingerprint`); the columns tables must have are in `lakehouse_kit.contracts`. Lessons call them all as `checks.<name>`.
"""

from lakehouse_kit.checks.accounting import check_silver, check_silver_now
from lakehouse_kit.checks.core import CheckFailed, expect, passed
from lakehouse_kit.checks.engine_conf import check_engine_conf
from lakehouse_kit.checks.landing import landing_lines, manifest
from lakehouse_kit.checks.leaderboard import check_strongest
from lakehouse_kit.checks.lesson1 import check_starters
from lakehouse_kit.checks.lesson2 import check_bronze, check_raw_lines, check_write_bronze
from lakehouse_kit.checks.lesson3 import check_deduplicate
from lakehouse_kit.checks.lesson4 import check_move_usage, check_type_matchups, check_type_summary
from lakehouse_kit.checks.lesson5 import (
    check_near_the_best_sql,
    check_sql_row_counts,
    check_strongest_per_type_sql,
)
from lakehouse_kit.checks.lesson6 import (
    SILVER_COUNT_KEYS,
    check_as_of,
    check_constraint,
    check_maintenance_sql,
    check_merge,
    check_retry_on_conflict,
    check_upsert,
    check_version_diff,
    silver_change,
)
from lakehouse_kit.checks.lesson7 import check_sandbox, check_unexpected_fields
from lakehouse_kit.checks.lesson7_changes import check_types_to_refresh, check_widen_column
from lakehouse_kit.checks.lesson7_merge import check_upsert_newer
from lakehouse_kit.checks.lesson7_rename import check_rename_column
from lakehouse_kit.checks.parse_pokemon import check_parsed_pokemon
from lakehouse_kit.checks.pokemon_rules import check_pokemon_rules
from lakehouse_kit.checks.progress import CHECKS
from lakehouse_kit.checks.reference import REAL_NAMES
from lakehouse_kit.checks.s3a import SIMPLE_CREDENTIALS, check_s3a_options
from lakehouse_kit.checks.sql_answers import check_sql_matches_spark
from lakehouse_kit.checks.time_travel import check_as_of_sql
from lakehouse_kit.contracts import BRONZE_COLUMNS, GOLD_COLUMNS, SILVER_POKEMON_COLUMNS

__all__ = [
    "BRONZE_COLUMNS",
    "CHECKS",
    "GOLD_COLUMNS",
    "REAL_NAMES",
    "SILVER_COUNT_KEYS",
    "SILVER_POKEMON_COLUMNS",
    "SIMPLE_CREDENTIALS",
    "CheckFailed",
    "check_as_of",
    "check_as_of_sql",
    "check_bronze",
    "check_constraint",
    "check_deduplicate",
    "check_engine_conf",
    "check_maintenance_sql",
    "check_merge",
    "check_move_usage",
    "check_near_the_best_sql",
    "check_parsed_pokemon",
    "check_pokemon_rules",
    "check_rename_column",
    "check_raw_lines",
    "check_retry_on_conflict",
    "check_sandbox",
    "check_s3a_options",
    "check_silver",
    "check_silver_now",
    "check_sql_matches_spark",
    "check_sql_row_counts",
    "check_starters",
    "check_strongest",
    "check_strongest_per_type_sql",
    "check_type_matchups",
    "check_type_summary",
    "check_types_to_refresh",
    "check_unexpected_fields",
    "check_upsert",
    "check_upsert_newer",
    "check_version_diff",
    "check_widen_column",
    "check_write_bronze",
    "expect",
    "landing_lines",
    "manifest",
    "passed",
    "silver_change",
]
