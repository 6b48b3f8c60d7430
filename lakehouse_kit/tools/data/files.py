"""Landing files as bytes: a line is a str in which a byte that is not UTF-8 is carried as a
lone surrogate (Python's "surrogateescape"), so the committed files can hold one."""

from __future__ import annotations

import json
import re
from pathlib import Path

from lakehouse_kit.textfiles import BOM


def file_format(defects: list[dict], name: str) -> tuple[bool, str]:
    """How a landing file is written: with a byte-order mark or not, and its line end."""
    kinds = {d["kind"] for d in defects if d["file"] == name}
    return "byte_order_mark" in kinds, "\r\n" if "crlf_line_endings" in kinds else "\n"


def write_lines(path: Path, lines, bom: bool = False, newline: str = "\n") -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with path.open("wb") as fh:
        fh.write(BOM.encode() if bom else b"")
        for line in lines:
            fh.write((line + newline).encode("utf-8", errors="surrogateescape"))
            n += 1
    return n


def read_lines(path: Path) -> list[str]:
    """A landing file's lines as `write_lines` was given them: no BOM or line ends, and a
    byte that is not UTF-8 kept (as a surrogate), so that copies keep every defect."""
    text = path.read_bytes().decode("utf-8", errors="surrogateescape").removeprefix(BOM)
    return re.split(r"\r\n|\n", text)[:-1] if text else []  # the file ends with a line end


def write_json(path: Path, obj: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
