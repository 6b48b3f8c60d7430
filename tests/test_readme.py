"""The README never lies: CI runs exactly the set-up and test commands it shows."""

from __future__ import annotations

import re

from lakehouse_kit.settings import PROJECT_ROOT

README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
CI = (PROJECT_ROOT / ".ci" / "run").read_text(encoding="utf-8")


def _shell_blocks(text: str) -> list[str]:
    return re.findall(r"```sh\n(.*?)```", text, flags=re.S)


def test_quickstart_commands_are_what_ci_runs_verbatim():
    quickstart = README.split("## Quickstart", 1)[1].split("###", 1)[0]
    setup_and_run, test = [block.strip() for block in _shell_blocks(quickstart)]
    install = setup_and_run.split(" && .venv/bin/lakehouse run")[0]
    assert setup_and_run.endswith("lakehouse run")
    assert install in CI
    ci_lines = CI.splitlines()
    assert test.splitlines()[-1] == ".venv/bin/python -m pytest"
    for line in test.splitlines():  # the stack's install, then the test command, as CI runs them
        assert line in ci_lines, line


def test_every_cli_command_in_the_readme_exists():
    from lakehouse_kit.cli import build_parser

    commands = set(build_parser()._subparsers._group_actions[0].choices)
    documented = set(re.findall(r"^\| `lakehouse (\w+)", README, flags=re.M))
    assert documented == commands


def test_every_nox_session_in_the_readme_exists():
    noxfile = (PROJECT_ROOT / "noxfile.py").read_text(encoding="utf-8")
    sessions = set(re.findall(r"@nox.session\(.*\)\ndef (\w+)", noxfile))
    documented = set(re.findall(r"nox -s (\w+)", README))
    assert documented <= sessions, documented - sessions


def test_a_pytest_marker_choice_in_the_readme_keeps_the_default_exclusions():
    """A `-m` of one's own replaces addopts' `-m`: every README command that gives one must
    leave out what the default leaves out (else `-m "not stack"` runs the benchmark)."""
    pyproject = (PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8")
    default = re.search(r"^addopts = .*-m '([^']*)'", pyproject, flags=re.M)  # 3.10: no tomllib
    left_out = set(re.findall(r"not (\w+)", default[1]))
    choices = re.findall(r"pytest[^`\n]* -m \"([^\"]*)\"", README)
    assert left_out and choices
    for choice in choices:
        assert left_out <= set(re.findall(r"not (\w+)", choice)), choice


def test_the_layout_names_every_module_of_the_kit():
    """README's layout is where a newcomer looks first: every module of lakehouse_kit and of its
    tools is named there (the checks' modules are listed in checks/__init__.py's docstring)."""
    layout = README.split("## Layout", 1)[1]
    kit = PROJECT_ROOT / "lakehouse_kit"
    names = [p.name for p in [*kit.glob("*.py"), *(kit / "tools").glob("*.py")]]
    names += [f"{p.name}/" for p in (kit / "tools").iterdir() if (p / "__init__.py").exists()]
    missing = [n for n in names if n not in ("__init__.py", "__main__.py") and n not in layout]
    assert not missing, f"README's layout does not name: {sorted(missing)}"


def test_nbmake_runs_apart_from_the_default_suite():
    """The notebooks through nbmake are a CI step and a nox session of their own (the default
    `pytest` already runs them with papermill), as the README says."""
    noxfile = (PROJECT_ROOT / "noxfile.py").read_text(encoding="utf-8")
    pyproject = (PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8")
    steps = [line for line in CI.splitlines() if "--nbmake" in line]
    assert len(steps) == 1 and steps[0].endswith(" solutions/"), steps
    assert '"--nbmake"' in noxfile and "nox -s nbmake" in README
    assert "--nbmake" not in pyproject and not any(
        "--nbmake" in test.read_text(encoding="utf-8")
        for test in (PROJECT_ROOT / "tests").glob("test_*.py")
        if test.name != "test_readme.py"
    )
