"""What the `stack` profile takes from the system, not from the registries: a JDK for each of its
parts and PostgreSQL's server programs, found or named with the fix."""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
from functools import cache
from pathlib import Path

from lakehouse_kit.errors import KitError
from lakehouse_kit.settings import Settings
from lakehouse_kit.versions import STACK

# The JDKs the stack's parts run on (oldest, newest major version; 99: no upper bound): Spark 4.2
# and the Hive Metastore (its Hadoop 3.3.6 fails on Java 23+: "getSubject is not supported") on
# 17 to 21, Trino 476 on 24 or newer.
SPARK_JAVA = (17, 21)
TRINO_JAVA = (24, 99)


def java_version(home: Path) -> int:
    """The major version of a JDK folder (0 when it is none)."""
    release = home / "release"
    if not release.exists():
        return 0
    match = re.search(r'JAVA_VERSION="(\d+)', release.read_text(errors="replace"))
    return int(match.group(1)) if match else 0


def _jdk_candidates() -> list[Path]:
    found = [Path(os.environ["JAVA_HOME"])] if os.environ.get("JAVA_HOME") else []
    for pattern in (
        "/usr/lib/jvm/*",
        "/Library/Java/JavaVirtualMachines/*/Contents/Home",
        "C:/Program Files/*/jdk-*",
    ):
        found += sorted(Path(p) for p in glob.glob(pattern))
    java = shutil.which("java")
    if java:
        found.append(Path(java).resolve().parent.parent)
    return found


def find_java(minimum: int, maximum: int = 99, configured: str = "", purpose: str = "") -> Path:
    """A JDK whose major version is within [minimum, maximum]: the configured one, else the
    first found (JAVA_HOME, /usr/lib/jvm, the java on PATH)."""
    if configured:
        candidates = [Path(configured)]
    else:
        candidates = _jdk_candidates()
    for home in candidates:
        if minimum <= java_version(home) <= maximum and (home / "bin" / "java").exists():
            return home
    wanted = f"{minimum}" + (f" to {maximum}" if maximum < 99 else " or newer")
    raise KitError(
        f"{purpose} needs Java {wanted}; none was found.",
        fix=f"Install a JDK {wanted} (e.g. Temurin), or set its folder in the setting that names it.",
    )


def spark_java(settings: Settings) -> Path:
    """The JDK that runs Spark and the Hive Metastore."""
    return find_java(*SPARK_JAVA, settings.java_home, "Spark and the Hive Metastore")


def trino_java(settings: Settings) -> Path:
    """The JDK that runs Trino."""
    return find_java(*TRINO_JAVA, settings.trino_java_home, f"Trino {STACK['trino']}")


@cache  # asked by every PostgreSQL step; `pg_config` is a process of its own
def postgres_bin() -> Path:
    """The folder of PostgreSQL's server programs (initdb, postgres)."""
    candidates = []
    if shutil.which("pg_config"):
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True)
        candidates.append(Path(out.stdout.strip()))
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    if shutil.which("initdb"):
        candidates.append(Path(shutil.which("initdb")).resolve().parent)
    for folder in candidates:
        if (folder / "initdb").exists() and (folder / "postgres").exists():
            return folder
    raise KitError(
        "The stack's catalog needs a PostgreSQL server; none is installed.",
        fix="Install it: apt-get install postgresql (Debian/Ubuntu), brew install postgresql@16 (macOS).",
    )
