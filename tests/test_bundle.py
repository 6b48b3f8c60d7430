"""`lakehouse-dev bundle`: a workshop's install without the internet.

The fast tests (no network) cover the targets: their wheel tags, their environment markers
(pip run with a target's markers, against no index), INSTALL.txt and the stack's copy refused
when incomplete. The `bundle` tests build a bundle for this machine's platform and Python
(pip's cache makes the download quick), install the kit from it into a fresh venv with
`--no-index`, run lesson 1 from that venv, and show that a copy of the stack's cache leaves
`lakehouse install` nothing to do. They take minutes: `pytest -m bundle` or `nox -s bundle`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.tags import sys_tags

from lakehouse_kit.errors import KitError
from lakehouse_kit.install import install_steps
from lakehouse_kit.parts import StackParts
from lakehouse_kit.settings import PROJECT_ROOT, load_settings
from lakehouse_kit.tools import bundle
from lakehouse_kit.tools.bundle import (
    PLATFORMS,
    PYTHONS,
    Bundle,
    Target,
    pip_command,
    targets,
    this_platform,
    this_python,
)
from lakehouse_kit.versions import STACK

tomllib = pytest.importorskip("tomllib")  # Python 3.11+
PYPROJECT = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
REQUIREMENTS = [Requirement(r) for r in PYPROJECT["project"]["dependencies"]]


def target(platform: str, python: str = "3.11") -> Target:
    return Target(PLATFORMS[platform], python)


def installs(requirement: str, on: Target) -> bool:
    marker = next(r.marker for r in REQUIREMENTS if r.name == requirement)
    return marker.evaluate(on.markers())


# ---------------------------------------------------------------- targets (fast)


def test_targets_pair_every_platform_with_every_python_once():
    chosen = targets("windows-x86_64, macos-arm64,windows-x86_64", "3.12,3.10")
    assert [(t.platform.name, t.python) for t in chosen] == [
        ("windows-x86_64", "3.12"),
        ("windows-x86_64", "3.10"),
        ("macos-arm64", "3.12"),
        ("macos-arm64", "3.10"),
    ]


@pytest.mark.parametrize(
    "platforms, pythons, named",
    [
        ("linux-arm64", "3.11", "linux-aarch64"),  # a misspelt platform: the right names
        ("", "3.11", "linux-x86_64"),
        ("linux-x86_64", "3.9", "3.13"),  # outside requires-python: the supported versions
        ("linux-x86_64", "3.14", "3.10"),
    ],
)
def test_an_unknown_platform_or_python_is_refused_with_the_choices(platforms, pythons, named):
    with pytest.raises(KitError) as refused:
        targets(platforms, pythons)
    assert named in refused.value.fix


def test_the_pythons_are_pyprojects_requires_python():
    supported = SpecifierSet(PYPROJECT["project"]["requires-python"])
    assert all(f"{v}.0" in supported for v in PYTHONS)
    assert "3.9.0" not in supported and "3.14.0" not in supported


def test_the_build_requirement_is_pyprojects():
    assert bundle.BUILD_REQUIRES == PYPROJECT["build-system"]["requires"]


def test_pip_args_name_every_tag_and_the_python():
    args = target("linux-x86_64", "3.12").pip_args()
    assert args[args.index("--python-version") + 1] == "3.12"
    assert {"manylinux_2_28_x86_64", "manylinux2014_x86_64"} <= set(args)
    assert "win_amd64" in target("windows-x86_64").pip_args()


def test_this_machines_target_installs_here():
    """The tags a bundle for this platform asks for include one this interpreter accepts."""
    here = {tag.platform for tag in sys_tags()}
    assert this_platform() in PLATFORMS
    assert here & set(PLATFORMS[this_platform()].tags)
    assert this_python() in PYTHONS


def test_the_markers_are_the_targets_own():
    host = Marker("sys_platform == 'linux'")
    assert host.evaluate(target("linux-x86_64").markers())
    assert not host.evaluate(target("windows-x86_64").markers())
    assert Marker("os_name == 'nt'").evaluate(target("windows-x86_64").markers())
    assert Marker("python_version < '3.11'").evaluate(target("macos-arm64", "3.10").markers())
    assert not Marker("python_version < '3.11'").evaluate(target("macos-arm64", "3.13").markers())


@pytest.mark.parametrize(
    "platform, sail",
    [("linux-x86_64", 1), ("macos-arm64", 1), ("windows-x86_64", 1), ("linux-aarch64", 0)],
)
def test_sail_is_bundled_where_pyproject_installs_it(platform, sail):
    assert installs("pysail", target(platform)) == bool(sail)


@pytest.mark.parametrize("platform, wanted", [("windows-x86_64", True), ("linux-x86_64", False)])
def test_pip_resolves_with_the_targets_markers(tmp_path, platform, wanted):
    """Real pip, no index: a Windows-only requirement is wanted on Windows (pip looks for it
    and finds nothing) and ignored on Linux, whatever machine runs the pass."""
    result = subprocess.run(
        pip_command(
            target(platform),
            "download",
            "--no-index",
            "--find-links",
            str(tmp_path),
            "--dest",
            str(tmp_path),
            "colorama; sys_platform == 'win32'",
        ),
        capture_output=True,
        text=True,
    )
    output = result.stdout + result.stderr
    assert ("No matching distribution found for colorama" in output) == wanted, output
    assert (result.returncode == 0) == (not wanted), output


def test_install_text_gives_the_offline_commands_and_the_stack_only_when_bundled(tmp_path):
    made = Bundle(tmp_path, built=[("pyspark-client==4.2.0", "pyspark_client-4.2.0-none-any.whl")])
    chosen = targets("linux-x86_64,windows-x86_64", "3.11")
    text = bundle.install_text(made, chosen, stack=False)
    assert 'pip install --no-index --find-links BUNDLE/wheels -e ".[dev]"' in text
    assert "linux-x86_64, windows-x86_64" in text and "pyspark-client==4.2.0" in text
    assert "LAKEHOUSE_CACHE" not in text
    with_stack = bundle.install_text(made, chosen, stack=True)
    assert "LAKEHOUSE_CACHE" in with_stack and "install --profile stack" in with_stack


def test_an_incomplete_stack_cache_is_refused_not_fetched(tmp_path):
    (tmp_path / "cache").mkdir()
    with pytest.raises(KitError) as refused:
        bundle.copy_stack(tmp_path / "cache", tmp_path / "copy")
    assert "lakehouse install --profile stack" in refused.value.fix
    assert not (tmp_path / "copy").exists()


def test_bundle_record_keeps_what_was_built_from_source(tmp_path):
    made = Bundle(tmp_path, built=[("pyspark-client==4.2.0", "pyspark_client.whl")])
    made.files["linux-x86_64"] = {"a.whl"}
    made.save()
    assert Bundle.open(tmp_path).built == made.built
    assert json.loads((tmp_path / "bundle.json").read_text())["files"] == {
        "linux-x86_64": ["a.whl"]
    }


# ---------------------------------------------------------------- a real bundle (slow)


def _stack_installed() -> Path | None:
    cache = Path(load_settings().cache_dir)
    return cache if all(step.done() for step in install_steps(StackParts(cache))) else None


@pytest.fixture(scope="module")
def built_bundle(tmp_path_factory) -> Path:
    """A bundle for this platform and Python (and the stack's cache, when installed here)."""
    out = tmp_path_factory.mktemp("bundle")
    command = [sys.executable, "-m", "lakehouse_kit.tools", "bundle", str(out)]
    command += ["--platforms", this_platform(), "--python", this_python()]
    if _stack_installed():
        command.append("--stack")
    started = time.monotonic()
    result = subprocess.run(command, capture_output=True, text=True, cwd=PROJECT_ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    print(f"\nbundle built in {time.monotonic() - started:.0f} s:\n{result.stdout}")
    return out


def _offline_env(home: Path) -> dict[str, str]:
    """A temporary home; no PYTHONPATH (the venv's own kit runs) and no extra wheel folders."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "LAKEHOUSE_"))}
    env.pop("PYTHONPATH", None)
    return {**env, "HOME": str(home), "LAKEHOUSE_HOME": str(home / "lakehouse")}


def _fresh_clone(into: Path) -> Path:
    """The repository's files as a fresh clone has them (without .git, .venv, .lakehouse)."""
    tracked = subprocess.run(
        ["git", "ls-files", "-z"], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    ).stdout.split("\0")
    for name in filter(None, tracked):
        if (PROJECT_ROOT / name).is_file():
            (into / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(PROJECT_ROOT / name, into / name)
    return into


@pytest.mark.bundle
@pytest.mark.course  # runs lesson 1 from the new venv
def test_the_bundle_installs_the_kit_without_an_index_and_runs_lesson_1(built_bundle, tmp_path):
    project = _fresh_clone(tmp_path / "project")
    home = tmp_path / "home"
    home.mkdir()
    env = _offline_env(home)
    subprocess.run([sys.executable, "-m", "venv", str(tmp_path / "venv")], check=True)
    bin_dir = tmp_path / "venv" / ("Scripts" if sys.platform == "win32" else "bin")
    wheels = str(built_bundle / "wheels")
    started = time.monotonic()
    install = subprocess.run(
        [str(bin_dir / "pip"), "install", "--no-index", "--find-links", wheels, "-e", ".[dev]"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
    )
    assert install.returncode == 0, install.stdout[-3000:] + install.stderr[-3000:]
    print(f"\noffline install: {time.monotonic() - started:.0f} s")
    try:
        run = subprocess.run(
            [str(bin_dir / "lakehouse"), "run", "--lesson", "1"],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
        assert "01_spark_and_storage" in run.stdout
    finally:
        subprocess.run([str(bin_dir / "lakehouse"), "down"], cwd=project, env=env)


@pytest.mark.bundle
def test_the_stacks_copy_leaves_lakehouse_install_nothing_to_fetch(built_bundle, tmp_path):
    if not _stack_installed():
        reason = "the stack is not installed here (`lakehouse install --profile stack`)"
        if os.environ.get("CI"):
            pytest.fail(f"CI must test the stack's bundle: {reason}")
        pytest.skip(reason)
    copy = built_bundle / "stack"
    env = {**_offline_env(tmp_path), "LAKEHOUSE_CACHE": str(copy), "PYTHONPATH": str(PROJECT_ROOT)}
    before = sorted(p.relative_to(copy) for p in copy.rglob("*"))
    install = subprocess.run(
        [sys.executable, "-m", "lakehouse_kit.cli", "install", "--profile", "stack"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    assert "Everything the stack needs is installed" in install.stdout, install.stdout
    # Every install step logs its commands (pip, Maven) there first: none ran.
    assert not (copy / "install.log").exists()
    assert sorted(p.relative_to(copy) for p in copy.rglob("*") if p.name != ".lock") == [
        p for p in before if p.name != ".lock"
    ]
    # The copied Spark environment runs on this machine, from its new place.
    spark = StackParts(copy)
    version = subprocess.run(
        [
            str(spark.spark_python),
            "-c",
            "import pyspark, sys; print(pyspark.__version__, sys.prefix)",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert version == [STACK["spark"], str(spark.spark_env)]


def test_the_command_refuses_a_misspelt_platform_before_any_download(tmp_path, capsys):
    from lakehouse_kit.tools.cli import main

    assert main(["bundle", str(tmp_path / "out"), "--platforms", "linux-arm64"]) == 2
    assert "linux-aarch64" in capsys.readouterr().out
    assert not (tmp_path / "out").exists()
