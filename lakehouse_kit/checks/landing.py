"""The landing data the checks compare with: its files and its manifest.

The one reader of both, for the course data (data/) and for generated benchmark copies
(`tools.data.scale.generate`), whose manifest has counts only: their defects and expected counts
are the course data's, repeated for every copy with shifted ids (`scale_defects`, here so that
the checks a lesson runs need no instructor tooling).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from lakehouse_kit.checks.core import expect
from lakehouse_kit.errors import KitError
from lakehouse_kit.settings import load_settings
from lakehouse_kit.textfiles import split_lines

COPY_ID_STRIDE = 100_000  # copy k of a generated file shifts every id by k * COPY_ID_STRIDE


def landing_dir() -> Path:
    """The landing folder the checks compare with: the `landing_dir` setting."""
    return load_settings().landing


def manifest_path(landing: Path | None = None) -> Path:
    """Where a landing folder's manifest is: manifest.json beside it."""
    return (landing or landing_dir()).parent / "manifest.json"


def read_manifest(landing: Path | None = None) -> dict:
    """A landing folder's manifest as written (a generated copy's has counts only)."""
    return _read_json(manifest_path(landing))


def _read_json(path: Path) -> dict:
    """A manifest; a missing or broken one is named with its fix, not a traceback."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise KitError(
            f"There is no manifest at {path}.",
            fix="The landing data comes with its manifest.json beside the landing folder: "
            "check LAKEHOUSE_LANDING_DIR, or restore data/ from git (git checkout -- data).",
        ) from None
    except ValueError as error:
        raise KitError(
            f"{path} is not valid JSON ({error}).",
            fix="Restore it (git checkout -- data/manifest.json) or regenerate the data.",
        ) from None


def manifest(landing: Path | None = None) -> dict:
    """The landing data's manifest. A generated copy's manifest has counts only: its defects and
    expected counts are the course data's, repeated for every copy with shifted ids."""
    found = read_manifest(landing)
    if "scale" not in found:
        return found
    course = _read_json(load_settings().data_dir / "manifest.json")
    expect(
        course["seed"] == found["seed"],
        "The generated data used another seed than data/.",
        "Generate benchmark data with the default seed.",
    )
    scale = found["scale"]
    lines = {file: f["lines"] for file, f in course["files"].items()}
    found["defects"] = scale_defects(course["defects"], scale, found["id_stride"], lines)
    found["expected"] = {
        "batch_001": {"pokemon_ids": course["expected"]["batch_001"]["pokemon_ids"] * scale}
    }
    return found


def copies(file: str, scale: int) -> int:
    """How many copies of a landing file ('batch_001/pokemon.jsonl') a scaled copy holds: types
    are a fixed 18-row dimension, everything else is repeated `scale` times."""
    return 1 if file.endswith("types.jsonl") else scale


def scale_defects(
    defects: list[dict],
    scale: int,
    stride: int = COPY_ID_STRIDE,
    lines: dict[str, int] | None = None,
) -> list[dict]:
    """The defects of a scaled copy: each course defect once per copy of its file, with the
    copy's id (copy k shifts ids by k * stride, as `tools.data.scale` does) and, given the course
    files' line counts, its line (copy k follows k whole copies of the file)."""
    return [
        {
            **d,
            "id": d["id"] + k * stride if isinstance(d["id"], int) else d["id"],
            "line": d["line"] + k * lines[d["file"]] if lines else d["line"],
        }
        for d in defects
        for k in range(copies(d["file"], scale))
    ]


def batch2_updates() -> list[dict]:
    """The corrections batch 2 makes to batch-1 Pokémon (field, old and new value per id)."""
    return manifest()["batch_002"]["updates"]


def landing_file(name: str, batch: int) -> str:
    """A landing file's name as the manifest lists it: 'batch_001/pokemon.jsonl'."""
    return f"batch_{batch:03d}/{name}.jsonl"


def file_lines(name: str, batch: int) -> list[str]:
    """Every line of a landing file, blank ones included: the manifest's line n is item n - 1."""
    path = landing_dir() / landing_file(name, batch)
    if not path.exists():
        raise KitError(
            f"There is no landing file {path}.",
            fix="Check the batch number and LAKEHOUSE_LANDING_DIR (data/landing unless set).",
        )
    # The lines an engine reads (textfiles.read_lines): not str.splitlines, which also splits
    # on form feeds and unicode separators.
    return split_lines(path.read_bytes())


def landing_lines(name: str, batch: int) -> list[str]:
    """The non-blank lines of a landing file (of the landing folder in the settings)."""
    return [line for line in file_lines(name, batch) if line.strip()]


def is_json_object(line: str) -> bool:
    """The lessons' rule for a well-formed landing line: one JSON object and nothing else
    (lesson 2's one_json_object). White space around it is fine; text after it (a second
    record, a comment) is not, and NaN or Infinity are no JSON."""
    end = _object_end(line)
    return end is not None and not line[end:].strip(JSON_SPACE)


def text_after_object(line: str) -> bool:
    """Whether a line starts with a JSON object and has more than white space after it: what
    json_object_keys alone calls well-formed, as it stops reading at the object's end."""
    end = _object_end(line)
    return end is not None and bool(line[end:].strip(JSON_SPACE))


JSON_SPACE = " \t\r\n"  # JSON's white space, on both engines' parsers (not \f, not U+00A0)


def _object_end(line: str) -> int | None:
    """Where the JSON object that starts the line (after white space) ends; None: no object."""
    start = len(line) - len(line.lstrip(JSON_SPACE))
    try:
        value, end = _STRICT_JSON.raw_decode(line, start)
    except ValueError:
        return None
    return end if isinstance(value, dict) else None


def _no_constant(name: str):
    raise ValueError(f"{name} is not JSON")


_STRICT_JSON = json.JSONDecoder(parse_constant=_no_constant)


def defect_lines(
    name: str, batch: int, kinds: set[str] | None = None, action: str | None = None
) -> Counter:
    """The manifest's defect lines of one landing file, as text (a Counter: a line may come
    twice), optionally only of some kinds or of one action ('drop' or 'repair')."""
    lines = file_lines(name, batch)
    file = landing_file(name, batch)
    return Counter(
        lines[d["line"] - 1]
        for d in manifest()["defects"]
        if d["file"] == file
        and (kinds is None or d["kind"] in kinds)
        and (action is None or d["action"] == action)
    )


def landing_rows(landing: Path | None = None, batch: int = 1) -> int:
    """Lines in one batch's landing files, from the manifest: the rows the pipeline ingests."""
    prefix = f"batch_{batch:03d}/"
    return sum(
        f["lines"] for name, f in read_manifest(landing)["files"].items() if name.startswith(prefix)
    )


def defects(name: str, batch: int, kinds: set[str]) -> list[dict]:
    """The manifest's defects of these kinds in one landing file."""
    file = landing_file(name, batch)
    return [d for d in manifest()["defects"] if d["file"] == file and d["kind"] in kinds]


def expected_malformed(name: str, batch: int) -> int:
    """How many lines of a landing file are broken JSON."""
    return len(defects(name, batch, {"malformed_json"}))
