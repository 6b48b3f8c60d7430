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


def test_a_long_line_costs_linear_time():
    """A line spanning many chunks is joined once, at its end: 32 MB on one line took 3.2 s
    when every chunk re-joined the unfinished line (quadratic). Counted, not timed: 2 MB in
    8 KiB chunks (256 of them) make two lines, so two joins."""
    content = b'{"id": 1, "name": "' + b"x" * (2 << 20) + b'"}\nnext\n'
    joins = 0

    def count_joins(frame, event, function):
        nonlocal joins
        joins += event == "c_call" and function.__name__ == "join"

    split = line_splitter(1 << 13)
    sys.setprofile(count_joins)
    try:
        lines = [line for chunk in split(content) for line in chunk]
    finally:
        sys.setprofile(None)
    assert [len(line) for line in lines] == [len(content) - 6, 4]
    assert len(content) >> 13 == 256 and joins == len(lines), joins


def test_a_line_over_the_limit_is_cut_and_says_so():
    """A whole export on one line must not fill the memory: past the limit only its length is
    counted, and the line becomes its start and a note (no JSON: it is quarantined, named)."""
    content = b'{"id": 1}\n' + b'{"id": 2, "a": "' + b"y" * 5000 + b'"}\r\n{"id": 3}'
    for chunk_bytes in (7, 64, 1 << 20):
        lines = [line for chunk in line_splitter(chunk_bytes, 1000)(content) for line in chunk]
        assert lines[0] == '{"id": 1}' and lines[2] == '{"id": 3}'
        assert lines[1].startswith('{"id": 2, "a": "yyy') and len(lines[1]) < 400
        assert "cut: a line of 5,018 characters; a line may have 1,000" in lines[1]
