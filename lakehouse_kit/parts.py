"""Where each part of the `stack` profile lives once installed: the layout of the cache folder
(named by the versions in `versions.py`), read by the installer and by the stack that runs them."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from lakehouse_kit.settings import PROJECT_ROOT, Settings
from lakehouse_kit.versions import STACK

DOCKER_DIR = PROJECT_ROOT / "docker"
# Trino plugins the stack uses; the other 60-odd only slow its start.
TRINO_PLUGINS = ("delta-lake", "hive", "tpch")


@dataclass(frozen=True)
class StackParts:
    """Where each installed part lives inside the cache folder."""

    root: Path

    @property
    def spark_env(self) -> Path:
        return self.root / f"spark-{STACK['spark']}-env"

    @property
    def spark_python(self) -> Path:
        return self.spark_env / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")

    @property
    def spark_home(self) -> Path:
        found = sorted(self.spark_env.glob("lib/python3*/site-packages/pyspark"))
        return found[0] if found else self.spark_env / "pyspark-not-installed"

    @property
    def spark_jars(self) -> Path:
        return self.root / f"spark-jars-{STACK['spark']}-delta-{STACK['delta']}"

    @property
    def metastore_jars(self) -> Path:
        return self.root / f"metastore-{STACK['hive']}-jars"

    @property
    def metastore_home(self) -> Path:
        """The metastore's binary distribution: its schema scripts for schematool."""
        return self.root / f"apache-hive-metastore-{STACK['hive']}-bin"

    @property
    def maven_repo(self) -> Path:
        """Maven's download folder during an install (removed afterwards)."""
        return self.root / "m2"

    @property
    def trino_home(self) -> Path:
        return self.root / f"trino-server-{STACK['trino']}"


def stack_parts(settings: Settings) -> StackParts:
    return StackParts(Path(settings.cache_dir))
