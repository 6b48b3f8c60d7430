"""Defects put in the landing files on purpose (the Silver lesson cleanses them).

Each one is logged in the manifest with an ``action``:
  * ``drop``   - an extra line; a good line for the same id exists in the same file, so
                 dropping it loses nothing (malformed JSON, duplicates, unusable copies).
  * ``repair`` - the only line for its id; Silver must fix it (cast, trim, drop the field
                 or the dangling move reference) or the id goes missing.
  * ``read``   - how a file was written, not what a record says (a byte-order mark, Windows
                 line ends): the reader must undo it, or a good record looks broken.
"""

from __future__ import annotations

import copy
import random

from lakehouse_kit.checks.reference import REAL_NAMES
from lakehouse_kit.tools.data.source import dumps

# Ids no defect is put on: the real names the checks hold (REAL_NAMES) must survive cleansing.
# Ho-Oh, Porygon-Z and Tapu Koko joined that list after the data was made and are clean as
# it is: protecting them here would move every defect (the victims are drawn from what is left),
# so they are left out; tests/test_data.py keeps every REAL_NAMES record clean.
PROTECTED_IDS = set(REAL_NAMES) - {250, 474, 785}
# The type chart comes from a Windows tool: a UTF-8 byte-order mark and \r\n line ends.
WINDOWS_EXPORT = "batch_001/types.jsonl"
# A Latin-1 no-break space is the single byte 0xA0, which is not UTF-8 (UTF-8 writes C2 A0);
# "surrogateescape" carries that byte in a str as the lone surrogate U+DCA0.
LATIN1_NBSP = "\udca0"


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

    def beside(self, rng: random.Random, record: dict, text: str, kind: str, detail: str) -> None:
        """An extra line made from `record`, landing a little after it."""
        self.extra(rng, text, kind, record["id"], detail, near=record["id"])

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


def set_stat(rec: dict, name: str, value) -> None:
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


def _trailing_comma(land: Landing, rng: random.Random, r: dict) -> None:
    land.beside(
        rng, r, dumps(r)[:-1] + ",}", "malformed_json", "trailing comma before closing brace"
    )


def _has_type(t: str):
    return lambda r: any(x["type"]["name"] == t for x in r["types"])


def pokemon_defects(land: Landing, rng: random.Random, used: set[int], heavy: bool) -> None:
    """Defects in a pokemon file; ``heavy`` (batch 1) gets the full mix."""

    def pick(want=None):
        return _victim(rng, land, used, want)

    # -- drop: malformed JSON -----------------------------------------------------------
    r = pick()
    text = dumps(r)
    land.beside(
        rng,
        r,
        text[: len(text) * 3 // 5],
        "malformed_json",
        "record truncated mid-line",
    )
    if heavy:
        r = pick()
        _trailing_comma(land, rng, r)
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
        land.beside(rng, r, dumps(r), "exact_duplicate", "byte-identical copy")
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
            land.beside(
                rng,
                r,
                _variant(r, lambda d, f=field: d.pop(f)),
                "missing_field",
                f"no {field!r}",
            )
        r = pick()
        land.beside(
            rng,
            r,
            _variant(r, lambda d: d.update(types=[])),
            "missing_field",
            "'types' is []",
        )
        for stat, value in (("defense", -5), ("speed", 999)):
            r = pick()
            land.beside(
                rng,
                r,
                _variant(r, lambda d, s=stat, v=value: set_stat(d, s, v)),
                "stat_out_of_range",
                f"{stat} base_stat {value}",
            )
    for bad in ("shadow", "cosmic") if heavy else ("cosmic",):
        r = pick()
        land.beside(
            rng,
            r,
            _variant(r, lambda d, b=bad: d["types"][0]["type"].update(name=b)),
            "unknown_type",
            f"type {bad!r}",
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
            lambda d: set_stat(d, "hp", str(hp)),
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
    land.beside(rng, r, dumps(r), "exact_duplicate", "byte-identical copy")
    if not heavy:
        return
    r = pick()
    _trailing_comma(land, rng, r)
    r = pick()
    name = r["name"].title()
    land.beside(
        rng,
        r,
        _variant(r, lambda d, n=name: d.update(name=n)),
        "near_duplicate",
        f"same id, name {name!r}",
    )
    r = pick()
    land.beside(
        rng,
        r,
        _variant(r, lambda d: d.pop("type")),
        "missing_field",
        "no 'type'",
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
