"""Rows no batch needs to hold, for lesson 3's checks: landing lines parse_pokemon must read
right whatever the batch, and typed rows (fine ones and rows with one defect each) the
expectation suite must judge as data/README.md's rules do (`checks.reference`)."""

from __future__ import annotations

import json

from lakehouse_kit.checks.reference import REAL_NAMES, SIZES, STATS, TYPE_NAMES, defects

# Lines parse_pokemon must read right whatever the batch: types out of slot order, stats in
# another order and as text, names in one case with odd spaces, sizes with and without units,
# a single type, no base_experience, moves in the order listed (one repeated), and a string id.
_STATS_TEXT = [
    {"stat": {"name": "speed"}, "base_stat": "110"},
    {"stat": {"name": "hp"}, "base_stat": 60},
    {"stat": {"name": "special-defense"}, "base_stat": "75"},
    {"stat": {"name": "attack"}, "base_stat": 81},
    {"stat": {"name": "defense"}, "base_stat": "55"},
    {"stat": {"name": "special-attack"}, "base_stat": 91},
]
_PROBES = [
    {"id": 9001, "name": "  MR.   MIME ", "height": "2.5m", "weight": 545,
     "types": [{"slot": 2, "type": {"name": "Fairy "}}, {"slot": 1, "type": {"name": " PSYCHIC"}}]},
    {"id": 9002, "name": "Tapu   Fini", "height": "13", "weight": "21.2kg", "stats": _STATS_TEXT,
     "types": [{"slot": 1, "type": {"name": "Water"}}, {"slot": 2, "type": {"name": "fairy"}}]},
    {"id": 9003, "name": "porygon2", "generation": 9, "base_experience": None, "is_legendary": True,
     "height": 6, "weight": "32.5kg", "moves": ["zap-cannon", "agility", "tackle", "agility"]},
    {"id": 9004, "name": "Ho-Oh", "height": "3.8m", "weight": "199.0kg",
     "types": [{"slot": 1, "type": {"name": "FIRE"}}, {"slot": 2, "type": {"name": "flying"}}]},
    {"id": "9005", "name": "Stringid"},
]  # fmt: skip
_PROBE_BASE = {
    "generation": 2,
    "height": 10,
    "weight": 100,
    "base_experience": 100,
    "is_legendary": False,
    "types": [{"slot": 1, "type": {"name": "normal"}}],
    "stats": [
        {"stat": {"name": s.replace("_", "-")}, "base_stat": 50 + i} for i, s in enumerate(STATS)
    ],
    "moves": ["tackle", "growl"],
}


def _probe_line(fields: dict) -> str:
    record = {**_PROBE_BASE, **fields}
    record["moves"] = [{"move": {"name": m}} for m in record["moves"]]
    return json.dumps(record, ensure_ascii=False)


PROBE_LINES = [_probe_line(p) for p in _PROBES]

_BULBASAUR = {
    "id": 1, "name": "Bulbasaur", "generation": 1, "height_m": 0.7, "weight_kg": 6.9,
    "base_experience": 64, "is_legendary": False, "primary_type": "grass",
    "secondary_type": "poison", "hp": 45, "attack": 49, "defense": 49, "special_attack": 65,
    "special_defense": 65, "speed": 45, "total": 318, "moves": ["tackle", "vine-whip"],
}  # fmt: skip
_FINE = [
    ("a Bulbasaur", {}),
    *[(f"name {n!r}", {"name": n}) for n in REAL_NAMES.values()],
    ("every stat 1", {**dict.fromkeys(STATS, 1), "total": 6}),
    ("every stat 255", {**dict.fromkeys(STATS, 255), "total": 1530}),
    ("Generation 9, no base_experience", {"generation": 9, "base_experience": None}),
    ("height 0.1 m, weight 0.1 kg", {"height_m": 0.1, "weight_kg": 0.1}),
    ("height 20 m, weight 999.9 kg", {"height_m": 20.0, "weight_kg": 999.9}),
    ("one type", {"secondary_type": None}),
    ("types fire and grass", {"primary_type": "fire", "secondary_type": "grass"}),
    ("a legendary", {"is_legendary": True}),
    ("no moves", {"moves": []}),
]
_BROKEN = [
    {"id": None},
    {"name": None},
    {"name": "Tapu\ufffdLele"},
    {"primary_type": None, "secondary_type": None},
    {"primary_type": "cosmic"},
    {"secondary_type": "shadow"},
    *[{stat: value} for stat in STATS for value in (None, 0, 256)],
    *[{"generation": g} for g in (0, 10, 12)],
    *[{size: value} for size in SIZES for value in (None, 0.0)],
]


def probe_rows() -> list[tuple[str, dict]]:
    """Typed rows, each labelled: fine ones (real names, the ends of every range) and rows with
    one defect each, of every kind the rules name (hp 0, attack 256, generation 12, height 0...).
    Ids are unique; the row without an id has none."""
    rows = [(label, {**_BULBASAUR, **changes}) for label, changes in _FINE]
    rows += [("", {**_BULBASAUR, **changes}) for changes in _BROKEN]
    for n, (_, row) in enumerate(rows, start=1):
        row["id"] = n if row["id"] is not None else None
    return [
        (label or ", ".join(d.what for d in defects(row, TYPE_NAMES)), row) for label, row in rows
    ]
