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


def test_a_failed_command_is_raised_with_the_last_lines_of_its_log(tmp_path):
    import sys

    import pytest

    from lakehouse_kit.commands import run_logged
    from lakehouse_kit.errors import ServiceError

    log = tmp_path / "setup.log"
    noisy = "import sys; [print(f'line {i}') for i in range(20)]; sys.exit(3)"
    with pytest.raises(ServiceError) as failed:
        run_logged([sys.executable, "-c", noisy], log, "The set-up", "Run it again.", ServiceError)
    assert failed.value.message.startswith("The set-up failed (exit 3):")
    assert "line 19" in failed.value.message and "line 7" not in failed.value.message
    assert failed.value.fix == f"Run it again. The whole output is in {log}."
    run_logged([sys.executable, "-c", "print('fine')"], log, "The set-up", "")  # no error
    assert log.read_text().rstrip().endswith("fine") and log.read_text().count("$ ") == 2
