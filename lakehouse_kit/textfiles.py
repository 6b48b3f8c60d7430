"""Landing files as lines of text, the same on every engine and in Python.

Exporters write a UTF-8 byte-order mark (BOM) before the first line, Windows line ends (\\r\\n)
or a stray byte in another encoding (a Latin-1 é is one byte, 0xE9, which is not UTF-8). The
engines' text readers differ on exactly these (measured with Sail 0.7.2 and Spark 4.2):

| | Sail | JVM Spark |
|---|---|---|
| BOM | kept at the start of line 1 (the line is then no JSON) | dropped |
| \\r\\n, \\r | line ends | line ends |
| a byte that is not UTF-8 | the whole read fails | kept as is: the string is not UTF-8 |

`split_lines` says what a line is; `read_lines` gives a Spark DataFrame of the same lines on
either engine. A byte that is not UTF-8 becomes U+FFFD, the replacement character: the line is
kept (Bronze loses nothing), and Silver can see that its text is not what was sent.
"""

from __future__ import annotations

from lakehouse_kit.settings import Settings, load_settings

REPLACEMENT = "\ufffd"  # what a byte that is not UTF-8 becomes
BOM = "\ufeff"


def line_splitter():
    """The function `split_lines`. Made by a factory so that Spark ships it to the engine by
    value: the engine's Python workers need not have this kit installed."""

    def split_lines(content: bytes) -> list[str]:
        """A file's lines: split at \\n, \\r\\n or \\r, without the line ends and a BOM at the
        start; each byte that is not UTF-8 replaced by U+FFFD; blank lines kept."""
        import re

        text = content.decode("utf-8", errors="replace").removeprefix("\ufeff")
        lines = re.split(r"\r\n|\r|\n", text)
        return lines[:-1] if lines[-1] == "" else lines  # a final line end ends a line

    return split_lines


split_lines = line_splitter()


def read_lines(spark, uri: str, settings: Settings | None = None):
    """One row per line of the text file at `uri` (column `value`, blank lines included), the
    lines `split_lines` gives for the file's bytes, whatever the engine."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import ArrayType, StringType

    settings = settings or load_settings()
    if not settings.is_local:
        # JVM Spark's reader ends lines and drops the BOM as split_lines does; a bad byte it
        # keeps, and make_valid_utf8 replaces it.
        return spark.read.text(uri).select(F.make_valid_utf8("value").alias("value"))
    # Sail's text reader refuses the whole file on one bad byte, and it has no lossy decode:
    # read the bytes and split them in Python. binaryFile gives a file as one row (Sail 0.7
    # repeats that row once per split of a large file: limit(1), since uri is one file).
    # A type object, not "array<string>": the client sends a DDL string to its *active* session's
    # server to parse, which need not be `spark`'s (and may be gone).
    lines = F.udf(line_splitter(), ArrayType(StringType()), useArrow=True)
    files = spark.read.format("binaryFile").load(uri).limit(1)
    return files.select(F.explode(lines("content")).alias("value"))
