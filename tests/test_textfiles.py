"""What a line of a landing file is (`textfiles.split_lines`): no server needed."""

from __future__ import annotations

import subprocess
import sys

import pytest

from lakehouse_kit.textfiles import split_lines


@pytest.mark.parametrize(
    ("content", "lines"),
    [
        (b'{"a": 1}\n{"b": 2}\n', ['{"a": 1}', '{"b": 2}']),
        (b'{"a": 1}\r\n\r\n{"b": 2}\r\n', ['{"a": 1}', "", '{"b": 2}']),  # blank lines stay
        (b"one\rtwo", ["one", "two"]),  # an old Mac line end; no final line end
        (b"\xef\xbb\xbfone\n\xef\xbb\xbftwo\n", ["one", "\ufefftwo"]),  # a BOM starts a file only
        (b"Tapu\xa0Koko\nFlab\xc3\xa9b\xc3\xa9\n", ["Tapu\ufffdKoko", "Flabébé"]),
        (b"", []),
        (b"\n", [""]),
    ],
)
def test_split_lines(content, lines):
    assert split_lines(content) == lines


def test_split_lines_travels_by_value():
    """Spark ships the function to the engine's Python workers, which need not have the kit."""
    from pyspark import cloudpickle

    no_kit = "import pickle, sys; sys.modules['lakehouse_kit'] = None; "  # importing it fails
    run = subprocess.run(
        [sys.executable, "-c", no_kit + "print(pickle.load(sys.stdin.buffer)(b'a\\r\\nb'))"],
        input=cloudpickle.dumps(split_lines),
        capture_output=True,
        check=False,
    )
    assert run.stdout.decode().strip() == "['a', 'b']", run.stderr.decode()
