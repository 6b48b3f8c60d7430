"""What a line of a landing file is (`textfiles.split_lines`): no server needed."""

from __future__ import annotations

import subprocess
import sys

import pytest

from lakehouse_kit.textfiles import arrow_line_splitter, line_splitter, split_lines

CASES = [
    (b'{"a": 1}\n{"b": 2}\n', ['{"a": 1}', '{"b": 2}']),
    (b'{"a": 1}\r\n\r\n{"b": 2}\r\n', ['{"a": 1}', "", '{"b": 2}']),  # blank lines stay
    (b"one\rtwo", ["one", "two"]),  # an old Mac line end; no final line end
    (b"\xef\xbb\xbfone\n\xef\xbb\xbftwo\n", ["one", "\ufefftwo"]),  # a BOM starts a file only
    (b"Tapu\xa0Koko\nFlab\xc3\xa9b\xc3\xa9\n", ["Tapu\ufffdKoko", "Flabébé"]),
    (b"", []),
    (b"\n", [""]),
    (b"a\r\nb\r\n\xef\xbb\xbf\r\r\n", ["a", "b", "\ufeff", ""]),
    ("Flabébé\r\nPokémon\r\n".encode() * 3, ["Flabébé", "Pokémon"] * 3),
]


@pytest.mark.parametrize(("content", "lines"), CASES)
def test_split_lines(content, lines):
    assert split_lines(content) == lines


@pytest.mark.parametrize("chunk_bytes", [1, 2, 3, 5, 7])
@pytest.mark.parametrize(("content", "lines"), CASES)
def test_any_chunk_size_gives_the_same_lines(content, lines, chunk_bytes):
    """The engine decodes a file in chunks: a chunk may end inside a line, between \\r and \\n,
    inside a BOM or inside a character of several bytes."""
    chunks = list(line_splitter(chunk_bytes)(content))
    assert [line for chunk in chunks for line in chunk] == lines


def test_the_arrow_splitter_gives_a_batch_per_chunk_of_every_file():
    import pyarrow as pa

    files = pa.record_batch(
        [pa.array([b"a\nb\nc\n", b"", b"\xef\xbb\xbfd\r\ne"], pa.binary())], ["content"]
    )
    batches = list(arrow_line_splitter(chunk_bytes=4)([files]))
    assert [batch.column("value").to_pylist() for batch in batches] == [
        ["a", "b"],
        ["c"],
        ["d"],
        ["e"],
    ]


def test_the_splitter_travels_by_value():
    """Spark ships the function to the engine's Python workers, which need not have the kit."""
    from pyspark import cloudpickle

    no_kit = "import pickle, sys; sys.modules['lakehouse_kit'] = None; "  # importing it fails
    read = "import pyarrow as pa; f = pickle.load(sys.stdin.buffer); "
    files = "pa.record_batch([pa.array([b'a\\r\\nb'])], ['content'])"
    lines = f"print([v for b in f([{files}]) for v in b.column(0).to_pylist()])"
    run = subprocess.run(
        [sys.executable, "-c", no_kit + read + lines],
        input=cloudpickle.dumps(arrow_line_splitter()),
        capture_output=True,
        check=False,
    )
    assert run.stdout.decode().strip() == "['a', 'b']", run.stderr.decode()
