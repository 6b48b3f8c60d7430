"""The answer key of lesson 3's checks: data/README.md's rules for a Pokémon, written once.

`expected_row` is what parse_pokemon must make of a raw line; `defects` says how a typed row
breaks the data rules, `doubtful` when the rules leave a row to the learner's suite. The
checks judge every row by these, whichever batch it came from (lesson 6's batch 2, a learner's
own); data/manifest.json only tests the data (tests/test_data.py). `checks.probes` holds
what no batch needs to: the checks also judge the exercises on it.

Where the engines part ways (a string where the schema says INT, `initcap('HO-OH')`, what
counts as a space), the key accepts either: `OneOf(a, b)` lists the right values, `ANY` is any.
"""

from __future__ import annotations

import functools
import json
import re
from typing import NamedTuple

from lakehouse_kit.contracts import columns

COLUMNS = columns("silver.pokemon")
STATS = ["hp", "attack", "defense", "special_attack", "special_defense", "speed"]
STAT_RANGE = (1, 255)
GENERATIONS = (1, 9)
# Sizes a suite must let through: the real extremes, Joltik 0.1 m to Eternatus 20 m and
# Gastly 0.1 kg to Cosmoem 999.9 kg. Above 0 but outside them, the rules leave it to the suite.
SIZES = {"height_m": (0.1, 20.0), "weight_kg": (0.1, 999.9)}
TYPE_NAMES = (
    "normal", "fire", "water", "electric", "grass", "ice", "fighting", "poison", "ground",
    "flying", "psychic", "bug", "rock", "ghost", "dragon", "dark", "steel", "fairy",
)  # fmt: skip
# Names data/README.md lists as real: they must survive cleansing unchanged. The data generator
# puts no defect on them (`tools.data.defects.PROTECTED_IDS`).
REAL_NAMES = {
    29: "Nidoran♀",
    32: "Nidoran♂",
    83: "Farfetch’d",
    122: "Mr. Mime",
    250: "Ho-Oh",
    439: "Mime Jr.",
    474: "Porygon-Z",
    669: "Flabébé",
    772: "Type: Null",
    785: "Tapu Koko",
    865: "Sirfetch’d",
    866: "Mr. Rime",
}


class OneOf(tuple):
    """The values an engine may rightly give; none listed: any value is right."""


ANY = OneOf()


def unknown(value) -> bool:
    return isinstance(value, OneOf) and not value


def matches(got, want) -> bool:
    """Whether a value parse_pokemon gave is the expected one (floats to a millionth)."""
    if isinstance(want, OneOf):
        return not want or any(matches(got, w) for w in want)
    if isinstance(want, float):
        return isinstance(got, (int, float)) and abs(got - want) <= 1e-6 * max(1.0, abs(want))
    return (list(got) if isinstance(got, (list, tuple)) else got) == want


# ------------------------------------------------------------------ the reference parse

INT32 = range(-(2**31), 2**31)
NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
NOT_A_SPACE_SPACE = re.compile(r"[^\S ]")  # tabs, no-break spaces: engines trim them apart


@functools.lru_cache(maxsize=8192)  # several checks judge the same lines; nobody changes it
def expected_row(line: str) -> dict:
    """What parse_pokemon must make of a raw line (the lesson's table of columns). A field the
    explicit schema cannot read as written (`"id": "7002"` for an INT) leaves the engine to
    choose: one engine nulls that field, another the whole record; so the row is any."""
    record = _record(line)
    if record is None or not _fits_schema(record):
        return dict.fromkeys(COLUMNS, ANY)
    primary, secondary = _types(record.get("types"))
    stats = _stats(record.get("stats"))
    return {
        "id": record.get("id"),
        "name": _name(record.get("name")),
        "generation": record.get("generation"),
        "height_m": measure(record.get("height"), "m", 10),
        "weight_kg": measure(record.get("weight"), "kg", 10),
        "base_experience": record.get("base_experience"),
        "is_legendary": record.get("is_legendary"),
        "primary_type": primary,
        "secondary_type": secondary,
        **stats,
        "total": _total(stats.values()),
        "moves": _moves(record.get("moves")),
    }


def json_field(line: str, field: str):
    """A field of a raw line as JSON reads it; None for a line that is no JSON object."""
    record = _record(line)
    return None if record is None else record.get(field)


@functools.lru_cache(maxsize=8192)  # the checks read a line's fields more than once
def _record(line: str) -> dict | None:
    """The JSON object of a line (a key given twice: the last, as JVM Spark reads it); None for
    anything else."""
    try:
        record = json.loads(line)
    except (ValueError, TypeError):
        return None
    return record if isinstance(record, dict) else None


def _fits_schema(record: dict) -> bool:
    """Every field the schema types (INT, BOOLEAN, arrays of structs) holds null or that type."""

    def integer(v):
        return v is None or (type(v) is int and v in INT32)

    def struct(v, field=None, check=lambda v: True):
        return v is None or (isinstance(v, dict) and (field is None or check(v.get(field))))

    def array(v, element):
        return v is None or (isinstance(v, list) and all(element(e) for e in v))

    return (
        all(integer(record.get(f)) for f in ("id", "generation", "base_experience"))
        and (record.get("is_legendary") is None or isinstance(record["is_legendary"], bool))
        and array(record.get("types"), lambda t: struct(t, "slot", integer) and struct(t, "type", struct))
        and array(record.get("stats"), lambda s: struct(s, "stat", struct))
        and array(record.get("moves"), lambda m: struct(m, "move", struct))
    )  # fmt: skip


def _name(value):
    """Trimmed, inner spaces collapsed; written all in one case, each word capitalised (by
    spaces on one engine, after any non-letter on another: 'HO-OH' -> 'Ho-oh' or 'Ho-Oh')."""
    if value is None:
        return None
    if not isinstance(value, str) or NOT_A_SPACE_SPACE.search(value):
        return ANY
    name = " ".join(word for word in value.split(" ") if word)
    if name not in (name.upper(), name.lower()):
        return name
    lower = name.lower()
    by_spaces = " ".join(word[:1].upper() + word[1:] for word in lower.split(" "))
    by_letters = "".join(
        c.upper() if i == 0 or not lower[i - 1].isalnum() else c for i, c in enumerate(lower)
    )
    return by_spaces if by_spaces == by_letters else OneOf((by_spaces, by_letters))


def measure(value, unit: str, per_unit: float):
    """A size in `unit` when its text ends with it, else a count of 1/per_unit units."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value / per_unit
    if not isinstance(value, str):
        return ANY
    text = value.strip(" ")
    if text.endswith(unit):
        return _number(text.removesuffix(unit))
    number = _number(text)
    return number / per_unit if isinstance(number, float) else number


def _number(text: str):
    """A text's number as try_cast reads it: null for no number; any where casts differ."""
    if NUMBER.fullmatch(text):
        return float(text)
    if not re.search(r"\d", text) or re.search(r"[A-Za-z]", text):
        return None if text.strip().lower().lstrip("+-") not in {"nan", "inf", "infinity"} else ANY
    return ANY  # ' 1.3', '1,3': engines trim and parse apart


def _tidy(value):
    if value is None:
        return None
    if not isinstance(value, str) or NOT_A_SPACE_SPACE.search(value):
        return ANY
    return value.strip(" ").lower()


def _types(value) -> tuple:
    """The tidied type names in slot 1 and 2; any for a list not slotted [1] or [1, 2]."""
    if not value:
        return None, None
    if any(t is None or t.get("slot") is None for t in value):
        return ANY, ANY
    ordered = sorted(value, key=lambda t: t["slot"])
    if [t["slot"] for t in ordered] not in ([1], [1, 2]):
        return ANY, ANY
    names = [_tidy((t.get("type") or {}).get("name")) for t in ordered]
    return names[0], (names[1] if len(names) > 1 else None)


def _stats(value) -> dict:
    """Each stat's base_stat as an int (try_cast: '47' -> 47, 'n/a' -> null)."""
    if value is None:
        return dict.fromkeys(STATS)
    named = [((s or {}).get("stat") or {}).get("name") for s in value]
    if any(not isinstance(n, str) for n in named) or len(set(named)) < len(named):
        return dict.fromkeys(STATS, ANY)  # a map with a null or repeated key fails on an engine
    found = {
        n.replace("-", "_"): _integer(s.get("base_stat")) for n, s in zip(named, value, strict=True)
    }
    return {stat: found.get(stat) for stat in STATS}


def _integer(value):
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int) or (isinstance(value, str) and re.fullmatch(r"[+-]?\d+", value)):
        return int(value) if int(value) in INT32 else ANY
    if isinstance(value, str) and not re.search(r"\d", value):
        return None
    return ANY  # 47.5, ' 47': engines cast apart


def _total(stats):
    stats = list(stats)
    if any(unknown(s) for s in stats):
        return ANY
    return None if None in stats else sum(stats)


def _moves(value):
    if value is None:
        return None
    names = [((m or {}).get("move") or {}).get("name") for m in value]
    return names if all(n is None or isinstance(n, str) for n in names) else ANY


# ------------------------------------------------------------------ the reference rules


class Defect(NamedTuple):
    column: str
    what: str  # e.g. "speed 999"
    rule: str  # the rule it breaks, as a hint: what the suite must expect


NOT_NULL = "ExpectColumnValuesToNotBeNull: a null passes every other expectation"


def _rules(type_names) -> dict[str, str]:
    low, high = STAT_RANGE
    return {
        "id": f"id not null ({NOT_NULL})",
        "name": f"name not null ({NOT_NULL})",
        "decoded": "names without U+FFFD: decoded('name')",
        "primary_type": f"primary_type not null and in type_names ({len(type_names)} names)",
        "secondary_type": "secondary_type in type_names (a null passes: one type is fine)",
        "stat null": f"every stat not null ({NOT_NULL})",
        "stat range": f"every stat (hp, attack, defense, special_attack, special_defense, "
        f"speed) between {low} and {high}",
        "generation": "generation between {} and {}".format(*GENERATIONS),
        "size": f"height_m and weight_kg not null and above 0 ({NOT_NULL})",
    }


def _show(value) -> str:
    return "null" if value is None else f"{value:g}" if isinstance(value, float) else repr(value)


def _outside(value, low, high) -> bool:
    return isinstance(value, (int, float)) and not low <= value <= high


def defects(row: dict, type_names) -> list[Defect]:
    """How a typed row breaks data/README.md's rules (none: it may enter Silver). Values the
    key leaves open (`ANY`) are not judged."""
    rules, found = _rules(type_names), []
    value = {c: (row[c][0] if isinstance(row[c], OneOf) and row[c] else row[c]) for c in COLUMNS}

    def add(column, what, rule):
        if not unknown(value[column]):
            found.append(Defect(column, what, rules[rule]))

    if value["id"] is None:
        add("id", "id null", "id")
    if value["name"] is None:
        add("name", "name null", "name")
    elif isinstance(value["name"], str) and "\ufffd" in value["name"]:
        add("name", f"name {value['name']!r} (U+FFFD)", "decoded")
    primary, secondary = value["primary_type"], value["secondary_type"]
    if primary is None or (not unknown(primary) and primary not in type_names):
        add("primary_type", f"primary_type {_show(primary)}", "primary_type")
    if secondary is not None and not unknown(secondary) and secondary not in type_names:
        add("secondary_type", f"secondary_type {_show(secondary)}", "secondary_type")
    for stat in STATS:
        if value[stat] is None:
            add(stat, f"{stat} null", "stat null")
        elif _outside(value[stat], *STAT_RANGE):
            add(stat, f"{stat} {_show(value[stat])}", "stat range")
    if _outside(value["generation"], *GENERATIONS):
        add("generation", f"generation {_show(value['generation'])}", "generation")
    for size in SIZES:
        if value[size] is None or (isinstance(value[size], (int, float)) and value[size] <= 0):
            add(size, f"{size} {_show(value[size])}", "size")
    return found


def doubtful(row: dict) -> bool:
    """The rules leave the row to the suite: a value the key leaves open, a size above 0 but
    outside the real ones, no generation or legendary flag, odd spaces in a name, a negative
    base_experience."""
    if any(unknown(row[c]) for c in COLUMNS):
        return True
    name, experience = row["name"], row["base_experience"]
    sizes = [(row[c], low, high) for c, (low, high) in SIZES.items()]
    return (
        row["generation"] is None
        or row["is_legendary"] is None
        or any(_outside(v, low, high) for v, low, high in sizes)
        or (isinstance(name, str) and name != " ".join(name.split()))
        or _outside(experience, 0, float("inf"))
    )


def verdict(line: str, type_names) -> str:
    """'broken', 'fine' or 'doubtful': what the rules say of a line once parsed."""
    row = expected_row(line)
    if defects(row, type_names):
        return "broken"
    return "doubtful" if doubtful(row) else "fine"


def kept_copy(copies: list[str], name: str) -> str:
    """Of one batch's lines for one id, the one de-duplication keeps: the copy whose name
    arrived as the tidy `name` (clean), then the first by raw."""
    return min(copies, key=lambda line: (json_field(line, "name") != name, line))


def known_types(spark, batch: int) -> list[str]:
    """The type names the lesson knows: silver.types (and a later batch's staged changes), or
    data/README.md's 18 before Silver has types."""
    tables = ["silver.types"] + (["silver.types_changes"] if batch > 1 else [])
    found = [t for t in tables if spark.catalog.tableExists(t)]
    if not found:
        return list(TYPE_NAMES)
    names = {r["name"] for t in found for r in spark.table(t).select("name").collect()}
    return sorted(n for n in names if n is not None)
