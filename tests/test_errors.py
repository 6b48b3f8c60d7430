"""The error helpers every report shares."""

from __future__ import annotations

from lakehouse_kit.errors import KitError, first_line


def test_first_line_of_an_engine_error_is_its_first_line_cut_short():
    error = RuntimeError("  [TABLE_NOT_FOUND] silver.pokemon\nJVM stacktrace:\n  at ...")
    assert first_line(error) == "[TABLE_NOT_FOUND] silver.pokemon"
    assert first_line(RuntimeError("x" * 500), limit=120) == "x" * 120


def test_first_line_of_a_wordless_error_names_its_type_and_drops_colours():
    assert first_line(ValueError()) == "ValueError"
    assert first_line("") == ""
    assert first_line("\x1b[31mboom\x1b[0m\nmore") == "boom"
    assert first_line(KitError("No bucket.", fix="Run `lakehouse up`.")) == "No bucket."
