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

from collections.abc import Iterator

from lakehouse_kit.settings import Settings, load_settings

REPLACEMENT = "\ufffd"  # what a byte that is not UTF-8 becomes
BOM = "\ufeff"
CHUNK_BYTES = 1 << 20  # how much of a file the engine decodes at a time
# The longest line kept whole (16 Mi characters; a record of this course is under 10 k): a
# longer one, e.g. a whole export on one line, is cut and quarantined instead of held in memory.
MAX_LINE_CHARS = 1 << 24


def line_splitter(chunk_bytes: int = CHUNK_BYTES, max_line_chars: int = MAX_LINE_CHARS):
    """The function `split_chunks`. Made by a factory so that Spark ships it to the engine by
    value: the engine's Python workers need not have this kit installed."""

    def split_chunks(content) -> Iterator[list[str]]:
        """A file's lines, a list for each `chunk_bytes` of its bytes (bytes or any buffer):
        split at \\n, \\r\\n or \\r, without the line ends and a BOM at the start; each byte
        that is not UTF-8 replaced by U+FFFD; blank lines kept. A chunk at a time, so a large
        file never sits in memory as one string and one list; a line that spans chunks is
        joined once, at its end (linear time however long it is), and one longer than
        `max_line_chars` is cut to its start and a note saying so (it is no JSON any more, so
        it goes to quarantine, named, instead of filling the memory)."""
        import codecs
        import re

        line_ends = re.compile(r"\r\n|\r|\n")
        data = memoryview(content)
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        pending: list[str] = []  # the pieces of the line not ended yet
        pending_chars, held, at_start = 0, "", True

        def cut(pieces: list[str], length: int) -> str:
            """What stands for a line too long to keep: its start and a note naming the limit."""
            start = "".join(pieces)[:200]
            return f"{start}… [cut: a line of {length:,} characters; a line may have {max_line_chars:,}]"

        def end_line(piece: str) -> str:
            nonlocal pending, pending_chars
            pieces, length = [*pending, piece], pending_chars + len(piece)
            pending, pending_chars = [], 0
            return "".join(pieces) if length <= max_line_chars else cut(pieces, length)

        def split(text: str) -> list[str]:
            """The lines `text` ends; what follows the last line end waits in `pending`."""
            nonlocal pending_chars
            *ended, rest = line_ends.split(text)
            lines = [end_line(piece) for piece in ended]
            if pending_chars <= max_line_chars:  # past the limit only the count is kept
                pending.append(rest)
            pending_chars += len(rest)
            return lines

        for offset in range(0, len(data), chunk_bytes):
            text = decoder.decode(data[offset : offset + chunk_bytes])
            if at_start and text:
                text, at_start = text.removeprefix("\ufeff"), False
            text = held + text
            held = "\r" if text.endswith("\r") else ""  # the next chunk may start with its \n
            yield split(text[: len(text) - len(held)])
        lines = split(held + decoder.decode(b"", final=True))
        if pending_chars:  # a last line without a line end
            lines.append(end_line(""))
        yield lines

    return split_chunks


def split_lines(content: bytes, max_line_chars: int = MAX_LINE_CHARS) -> list[str]:
    """A file's lines, as every engine reads them through `read_lines`."""
    return [
        line for chunk in line_splitter(max_line_chars=max_line_chars)(content) for line in chunk
    ]


def arrow_line_splitter(chunk_bytes: int = CHUNK_BYTES, max_line_chars: int = MAX_LINE_CHARS):
    """For `mapInArrow`: batches of files (their bytes in the first column) in, a batch of
    lines (column `value`) per chunk out."""
    split_chunks = line_splitter(chunk_bytes, max_line_chars)

    def lines(batches):
        import pyarrow as pa

        for batch in batches:
            for content in batch.column(0):
                for chunk in split_chunks(content.as_buffer()):  # the bytes, not a copy
                    if chunk:
                        yield pa.record_batch([pa.array(chunk, pa.string())], names=["value"])

    return lines


def read_lines(
    spark, uri: str, settings: Settings | None = None, max_line_chars: int = MAX_LINE_CHARS
):
    """One row per line of the text file at `uri` (column `value`, blank lines included), the
    lines `split_lines` gives for the file's bytes, whatever the engine."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import StringType, StructField, StructType

    settings = settings or load_settings()
    if not settings.is_local:
        # JVM Spark's reader ends lines and drops the BOM as split_lines does; a bad byte it
        # keeps, and make_valid_utf8 replaces it. A line too long is cut as split_lines cuts it,
        # but only once read: the JVM holds each line whole (README, troubleshooting).
        lines = spark.read.text(uri).select(F.make_valid_utf8("value").alias("value"))
        return lines.select(cut_long_lines(F.col("value"), max_line_chars).alias("value"))
    # Sail's text reader refuses the whole file on one bad byte, and it has no lossy decode:
    # read the bytes and split them in Python, a chunk at a time (a whole file's lines at once
    # cost ~600 MB at scale 100). binaryFile gives a file as one row (Sail 0.7 repeats that
    # row once per split of a large file: limit(1), since uri is one file).
    # A type object, not "value string": the client sends a DDL string to its *active*
    # session's server to parse, which need not be `spark`'s (and may be gone).
    schema = StructType([StructField("value", StringType())])
    files = spark.read.format("binaryFile").load(uri).limit(1).select("content")
    return files.mapInArrow(arrow_line_splitter(max_line_chars=max_line_chars), schema)


def cut_long_lines(value, max_line_chars: int = MAX_LINE_CHARS):
    """A column of lines with each line longer than `max_line_chars` cut as `line_splitter`
    cuts it: its first 200 characters and the same note."""
    from pyspark.sql import functions as F

    length = F.length(value)
    note = F.concat(
        F.substring(value, 1, 200),
        F.lit("… [cut: a line of "),
        F.format_number(length, 0),  # 12,345 as in Python's f"{n:,}"
        F.lit(f" characters; a line may have {max_line_chars:,}]"),
    )
    return F.when(length > max_line_chars, note).otherwise(value)
