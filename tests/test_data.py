"""The committed landing data: reproducible, and its manifest tells the truth about it."""

import json
from collections import defaultdict
from pathlib import Path

import pytest

from lakehouse_kit.checks.reference import (
    REAL_NAMES,
    TYPE_NAMES,
    expected_row,
    kept_copy,
    verdict,
)
from lakehouse_kit.textfiles import split_lines
from lakehouse_kit.tools.data.build import build_landing
from lakehouse_kit.tools.data.scale import generate

DATA = Path(__file__).resolve().parent.parent / "data"
LANDING = DATA / "landing"
KINDS = {
    "malformed_json",
    "exact_duplicate",
    "near_duplicate",
    "missing_field",
    "wrong_type",
    "type_name_casing",
    "stat_out_of_range",
    "unknown_type",
    "unknown_move",
    "extra_field",
    "invalid_utf8",
    "byte_order_mark",
    "crlf_line_endings",
}


@pytest.fixture(scope="module")
def manifest() -> dict:
    return json.loads((DATA / "manifest.json").read_text(encoding="utf-8"))


def lines_of(rel: str) -> list[str]:
    """A file's lines as an engine reads them (no BOM or line ends, U+FFFD for a bad byte)."""
    return split_lines((LANDING / rel).read_bytes())


def records(rel: str) -> list[dict]:
    out = []
    for line in lines_of(rel):
        try:
            out.append(json.loads(line))
        except ValueError:
            pass
    return out


def landing_files(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_committed_files_are_reproducible(tmp_path):
    build_landing(tmp_path)
    assert landing_files(tmp_path / "landing") == landing_files(LANDING)
    assert (tmp_path / "manifest.json").read_bytes() == (DATA / "manifest.json").read_bytes()


def test_manifest_matches_files(manifest):
    malformed = {
        (d["file"], d["line"]) for d in manifest["defects"] if d["kind"] == "malformed_json"
    }
    assert set(manifest["files"]) == {
        p.relative_to(LANDING).as_posix() for p in LANDING.rglob("*.jsonl")
    }
    for rel, info in manifest["files"].items():
        lines = lines_of(rel)
        assert len(lines) == info["lines"]
        parsed = 0
        for n, line in enumerate(lines, start=1):
            if (rel, n) in malformed:
                with pytest.raises(ValueError):
                    json.loads(line)
            else:
                json.loads(line)
                parsed += 1
        assert parsed == info["valid_json_lines"]
        drops = sum(1 for d in manifest["defects"] if d["file"] == rel and d["action"] == "drop")
        assert info["expected_clean_records"] == len(lines) - drops
    for d in manifest["defects"]:
        assert 1 <= d["line"] <= manifest["files"][d["file"]]["lines"]
        if d["id"] is not None and d["kind"] != "malformed_json":
            assert json.loads(lines_of(d["file"])[d["line"] - 1])["id"] == d["id"]


def test_every_defect_kind_present(manifest):
    kinds = {d["kind"] for d in manifest["defects"]}
    assert kinds == KINDS
    assert manifest["defect_counts"] == {
        k: sum(d["kind"] == k for d in manifest["defects"]) for k in sorted(KINDS)
    }
    total = sum(info["lines"] for info in manifest["files"].values())
    assert 0.01 <= len(manifest["defects"]) / total <= 0.03


def test_drop_defects_leave_a_good_line_per_id(manifest):
    """Dropping every 'drop' line still leaves exactly the expected ids."""
    for batch, entity, key in [
        ("batch_001", "pokemon", "pokemon_ids"),
        ("batch_001", "moves", "move_ids"),
    ]:
        rel = f"{batch}/{entity}.jsonl"
        drop = {
            d["line"] for d in manifest["defects"] if d["file"] == rel and d["action"] == "drop"
        }
        kept = [json.loads(x) for n, x in enumerate(lines_of(rel), 1) if n not in drop]
        ids = [r["id"] for r in kept]
        assert len(ids) == len(set(ids)) == manifest["expected"][batch][key]


def test_real_names_land_once_clean_and_untouched(manifest):
    """The checks' REAL_NAMES are the data's: each lands once, spelled so, with no defect."""
    lines = lines_of("batch_001/pokemon.jsonl")
    for dex_id, name in REAL_NAMES.items():
        found = [line for line in lines if line.startswith(f'{{"id": {dex_id},')]
        assert [json.loads(line)["name"] for line in found] == [name], dex_id
    assert not {d["id"] for d in manifest["defects"]} & set(REAL_NAMES)
    assert "Flabébé".encode() in (LANDING / "batch_001/pokemon.jsonl").read_bytes()


def test_record_shapes():
    mon = records("batch_001/pokemon.jsonl")[0]
    assert list(mon) == [
        "id",
        "name",
        "generation",
        "height",
        "weight",
        "base_experience",
        "is_legendary",
        "types",
        "stats",
        "moves",
    ]
    assert [s["stat"]["name"] for s in mon["stats"]] == [
        "hp",
        "attack",
        "defense",
        "special-attack",
        "special-defense",
        "speed",
    ]
    assert all(len(r.get("moves", [])) <= 13 for r in records("batch_001/pokemon.jsonl"))
    move = records("batch_001/moves.jsonl")[0]
    assert list(move) == [
        "id",
        "name",
        "type",
        "power",
        "accuracy",
        "pp",
        "damage_class",
        "generation",
    ]
    types = records("batch_001/types.jsonl")
    assert [t["id"] for t in types] == list(range(1, 19))


def test_batch_two_has_updates_and_new_ids(manifest):
    b2 = manifest["batch_002"]
    assert len(b2["updates"]) >= 15 and b2["new_pokemon_ids"] and b2["new_move_ids"]
    assert len(b2["type_updates"]) == 1
    b1_ids = {r["id"] for r in records("batch_001/pokemon.jsonl")}
    b2_recs = {r["id"]: r for r in records("batch_002/pokemon.jsonl")}
    assert not b1_ids & set(b2["new_pokemon_ids"])
    assert set(b2["new_pokemon_ids"]) <= set(b2_recs)
    for upd in b2["updates"]:
        rec = b2_recs[upd["id"]]
        if upd["field"].startswith("stats."):
            got = {s["stat"]["name"]: s["base_stat"] for s in rec["stats"]}[upd["field"][6:]]
        else:
            got = rec[upd["field"]]
        assert got == upd["new"] != upd["old"]
    after = manifest["expected"]["after_batch_002"]["pokemon_ids"]
    assert after == len(b1_ids) + len(b2["new_pokemon_ids"])


def test_generate_is_deterministic_and_scales(tmp_path, manifest):
    a, b = tmp_path / "a", tmp_path / "b"
    counts = generate(3, a)
    generate(3, b)
    assert landing_files(a) == landing_files(b)
    for rel, info in manifest["files"].items():
        factor = 1 if rel.endswith("types.jsonl") else 3
        assert counts[rel] == info["lines"] * factor
    types = (a / "landing/batch_001/types.jsonl").read_bytes()
    assert [json.loads(x)["id"] for x in split_lines(types)] == list(range(1, 19))
    assert types == (LANDING / "batch_001/types.jsonl").read_bytes()  # BOM and CRLF kept
    pokemon = (a / "landing/batch_001/pokemon.jsonl").read_bytes()
    assert pokemon.replace(b"\xc2\xa0", b"").count(b"\xa0") == 3  # the bad byte in every copy


def defect(manifest: dict, kind: str) -> dict:
    (found,) = [d for d in manifest["defects"] if d["kind"] == kind]
    return found


def test_a_windows_export_has_a_bom_and_crlf_line_ends(manifest):
    bom, crlf = defect(manifest, "byte_order_mark"), defect(manifest, "crlf_line_endings")
    assert bom["file"] == crlf["file"]
    data = (LANDING / bom["file"]).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf{")
    assert data.count(b"\r\n") == data.count(b"\n") == manifest["files"][bom["file"]]["lines"]
    assert json.loads(lines_of(bom["file"])[0])["id"] == bom["id"]  # read, line 1 is a record
    files = [p.read_bytes() for p in LANDING.rglob("*.jsonl")]
    assert sum(b"\r" in x for x in files) == sum(x.startswith(b"\xef\xbb\xbf") for x in files) == 1


def test_one_line_holds_a_latin1_byte_that_is_not_utf8(manifest):
    bad = defect(manifest, "invalid_utf8")
    raw = (LANDING / bad["file"]).read_bytes().split(b"\n")[bad["line"] - 1]
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert b"\xa0" in raw and b"\xc2\xa0" not in raw  # Latin-1's no-break space, not UTF-8's
    garbled = json.loads(lines_of(bad["file"])[bad["line"] - 1])  # still JSON once decoded
    assert garbled["id"] == bad["id"] and "\ufffd" in garbled["name"]
    # A good line of the same record exists (the action is drop): its name has a plain space.
    names = {r["name"] for r in records(bad["file"]) if r["id"] == bad["id"]}
    assert names == {garbled["name"], garbled["name"].replace("\ufffd", " ")}
    undecodable = [
        p.relative_to(LANDING).as_posix()
        for p in LANDING.rglob("*.jsonl")
        if "\ufffd" in p.read_bytes().decode("utf-8", errors="replace")
    ]
    assert undecodable == [bad["file"]]


@pytest.mark.parametrize("batch", ["batch_001", "batch_002"])
def test_the_manifest_and_the_reference_rules_agree(manifest, batch):
    """The checks grade by data/README.md's rules (checks.reference), the manifest tests the
    data: both name the same lines, those the rules reject and the copies de-duplication drops."""
    rel = f"{batch}/pokemon.jsonl"
    lines = lines_of(rel)

    def listed(kinds: set, action: str | None = None) -> set[int]:
        return {
            d["line"]
            for d in manifest["defects"]
            if d["file"] == rel and (d["kind"] in kinds or d["action"] == action)
        }

    verdicts = {n: verdict(line, TYPE_NAMES) for n, line in enumerate(lines, start=1)}
    rejected = {"missing_field", "unknown_type", "stat_out_of_range", "invalid_utf8"}
    assert {n for n, v in verdicts.items() if v == "broken"} == listed(rejected)
    assert {n for n, v in verdicts.items() if v == "doubtful"} == listed({"malformed_json"})
    assert all(verdicts[n] == "fine" for n in listed(set(), action="repair"))
    copies = defaultdict(list)
    for n, v in verdicts.items():
        if v == "fine":
            copies[json.loads(lines[n - 1])["id"]].append(lines[n - 1])
    dropped = set()
    for same_id in copies.values():
        kept = kept_copy(same_id, expected_row(same_id[0])["name"])
        dropped |= {n for n, line in enumerate(lines, start=1) if line in same_id} - {
            lines.index(kept) + 1
        }
    assert dropped == listed({"near_duplicate", "exact_duplicate"})
