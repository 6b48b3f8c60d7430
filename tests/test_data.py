"""The committed landing data: reproducible, and its manifest tells the truth about it."""

import json
from pathlib import Path

import pytest

from lakehouse_kit.tools.datagen import build_landing, generate

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
}


@pytest.fixture(scope="module")
def manifest() -> dict:
    return json.loads((DATA / "manifest.json").read_text(encoding="utf-8"))


def lines_of(rel: str) -> list[str]:
    return (LANDING / rel).read_text(encoding="utf-8").splitlines()


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


def test_unicode_names_survive():
    names = {r.get("name") for r in records("batch_001/pokemon.jsonl")}
    assert {"Flabébé", "Nidoran♀", "Nidoran♂", "Mr. Mime", "Type: Null"} <= names
    assert "Flabébé" in (LANDING / "batch_001/pokemon.jsonl").read_text(encoding="utf-8")


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
    ids = [
        r["id"]
        for r in (
            json.loads(x) for x in (a / "landing/batch_001/types.jsonl").read_text().splitlines()
        )
    ]
    assert ids == list(range(1, 19))
