"""What the `stack` profile needs on this machine, fetched once into the cache folder.

`lakehouse install` (or the first `lakehouse up` on `stack`) resolves everything from the
package registries: the Spark distribution (the full `pyspark` wheel, with delta-spark, pandas
and pyarrow for Python workers) into its own environment, because it conflicts with the
kernel's `pyspark-client`; the jars Spark needs for S3A and Delta, the Hive Metastore's
classpath and its schema scripts, and Trino, from Maven Central. After that the stack runs
offline. Java and PostgreSQL come from the system: `system` finds them or names the fix; where
each part lands is `parts`.

The Maven coordinates live in `docker/spark/pom.xml` and `docker/hive/pom.xml`, which the
docker images build from too; versions in `versions.py`.
"""

from __future__ import annotations

import json
import shutil
import sys
import tarfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from lakehouse_kit.commands import run_logged
from lakehouse_kit.errors import KitError
from lakehouse_kit.home import cache_lock
from lakehouse_kit.parts import DOCKER_DIR, TRINO_PLUGINS, StackParts, stack_parts
from lakehouse_kit.settings import Settings
from lakehouse_kit.system import postgres_bin, spark_java, trino_java
from lakehouse_kit.versions import STACK


@dataclass(frozen=True)
class Step:
    name: str
    done: Callable[[], bool]
    run: Callable[[Path], None]  # gets a log file for the tools' output


def install_steps(parts: StackParts) -> list[Step]:
    return [
        Step(
            "Spark distribution (pyspark, delta-spark) in its own environment",
            lambda: (parts.spark_home / "bin" / "spark-submit").exists(),
            lambda log: _spark_env(parts, log),
        ),
        Step(
            "Spark's S3A and Delta jars (Maven Central)",
            lambda: _marked(parts.spark_jars) and (parts.spark_jars / RESOLVED).exists(),
            lambda log: _spark_jars(parts, log),
        ),
        Step(
            "Hive Metastore jars and schema scripts (Maven Central)",
            lambda: _marked(parts.metastore_jars) and parts.metastore_home.exists(),
            lambda log: _metastore(parts, log),
        ),
        Step(
            "Trino server (Maven Central)",
            lambda: _marked(parts.trino_home),
            lambda log: _trino(parts, log),
        ),
    ]


def missing_steps(settings: Settings) -> list[Step]:
    return [step for step in install_steps(stack_parts(settings)) if not step.done()]


def install(
    settings: Settings,
    todo: list[Step],
    on_step: Callable[[int, int, str], None] = lambda i, n, s: None,
) -> list[str]:
    """Run these install steps (`missing_steps`); `on_step(index, total, name)` reports
    progress. Returns the names of the steps it ran."""
    parts = stack_parts(settings)
    parts.root.mkdir(parents=True, exist_ok=True)
    # Two installs at once would share downloads and clear each other's environment: the
    # second waits, then runs only what the first left undone.
    with cache_lock(
        parts.root, "`lakehouse install`", lambda message: print(message, file=sys.stderr)
    ):
        todo = [step for step in todo if not step.done()]
        try:
            for index, step in enumerate(todo):
                on_step(index, len(todo), step.name)
                step.run(parts.root / "install.log")
        finally:
            # Maven's own copies of the downloads (1.5 GB: Trino's archive, the AWS SDK) are
            # not needed once the parts are unpacked.
            shutil.rmtree(parts.maven_repo, ignore_errors=True)
    on_step(len(todo), len(todo), "done")
    return [step.name for step in todo]


# ---------------------------------------------------------------- steps


def _marked(folder: Path) -> bool:
    return (folder / ".complete").exists()


def _mark(folder: Path, **facts) -> None:
    (folder / ".complete").write_text(json.dumps(facts))


def _run(command: list[str], log: Path, what: str, fix: str, cwd: Path | None = None) -> None:
    run_logged(command, log, f"Installing {what}", fix, cwd=cwd)


# Everything else in the Spark environment, pinned exactly (what `pip freeze` listed there on
# 2026-12-07): an install next month gets the same packages. Python UDFs run with them.
SPARK_ENV_PINS = [
    "pandas==2.3.3",
    "pyarrow==26.0.1",
    "numpy==2.4.6; python_version >= '3.11'",
    "numpy==2.2.6; python_version < '3.11'",  # numpy 2.3+ needs Python 3.11
    "py4j==0.10.9.9",
    "python-dateutil==4.0.0",
    "pytz==2026.6",
    "tzdata==2026.6",
    "importlib_metadata==8.7.1",
    "zipp==4.1.2",
]


def _spark_env(parts: StackParts, log: Path) -> None:
    _run(
        [sys.executable, "-m", "venv", "--clear", str(parts.spark_env)],
        log,
        "the Spark environment",
        "Check that Python's venv module is installed (apt-get install python3-venv).",
    )
    packages = [f"pyspark=={STACK['spark']}", f"delta-spark=={STACK['delta']}", *SPARK_ENV_PINS]
    _run(
        [str(parts.spark_python), "-m", "pip", "install", "--quiet", *packages],
        log,
        "the Spark distribution",
        "Check that PyPI can be reached, then run `lakehouse install` again.",
    )


def _maven(parts: StackParts, args: list[str], log: Path, what: str) -> None:
    """Run Maven with its download folder inside the cache (removed after the install)."""
    mvn = shutil.which("mvn")
    if not mvn:
        raise KitError(
            f"Maven is needed once, to fetch {what}.",
            fix="Install Maven (Debian/Ubuntu: apt-get install maven; macOS: brew install maven).",
        )
    _run(
        # -C (--strict-checksums): a download whose checksum does not match fails (the default warns).
        [mvn, "-B", "-q", "-C", f"-Dmaven.repo.local={parts.maven_repo}", *args],
        log,
        what,
        "Check that Maven Central can be reached (and ~/.m2/settings.xml), then run `lakehouse install` again.",
    )


def _copy_dependencies(parts: StackParts, pom: Path, out: Path, log: Path, what: str) -> None:
    shutil.rmtree(out, ignore_errors=True)
    _maven(
        parts,
        [
            "-f",
            str(pom),
            "dependency:copy-dependencies",
            "-DincludeScope=runtime",
            f"-DoutputDirectory={out}",
        ],
        log,
        what,
    )


def _fetch_archive(parts: StackParts, artifact: str, log: Path, what: str, only: str = "") -> Path:
    """Download a tar.gz from Maven Central and unpack it (only the members under `only`, a
    path inside its top folder, when given) into the cache; returns the unpacked folder."""
    into = parts.root
    download = into / "_download"
    _maven(
        parts,
        ["dependency:copy", f"-Dartifact={artifact}", f"-DoutputDirectory={download}"],
        log,
        what,
    )
    archive = next(download.glob("*.tar.gz"))
    with tarfile.open(archive) as tar:
        top = tar.getnames()[0].split("/")[0]
        members = [m for m in tar.getmembers() if m.name.startswith(f"{top}/{only}")]
        shutil.rmtree(into / top, ignore_errors=True)
        safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
        tar.extractall(into, members=members, **safe)
    shutil.rmtree(download)
    return into / top


RESOLVED = ".resolved"  # the jar names Maven resolved for docker/spark/pom.xml


def _spark_jars(parts: StackParts, log: Path) -> None:
    out = parts.spark_jars
    what = "Spark's S3A and Delta jars"
    _copy_dependencies(parts, DOCKER_DIR / "spark" / "pom.xml", out, log, what)
    # What Maven resolved, before the filter: the Spark image resolves the same pom, and a
    # test compares its plan with this list (offline: tests never call Maven Central).
    out.mkdir(parents=True, exist_ok=True)
    (out / RESOLVED).write_text("".join(f"{jar.name}\n" for jar in sorted(out.glob("*.jar"))))
    # One version of every class, Spark's own first: the script the Spark image runs too.
    select = [sys.executable, str(DOCKER_DIR / "spark" / "select_jars.py")]
    fix = "docker/spark/pom.xml does not fit this Spark: the lines above say how."
    _run([*select, str(out), str(parts.spark_home / "jars")], log, what, fix)
    _mark(out, spark=STACK["spark"], delta=STACK["delta"])


def _metastore(parts: StackParts, log: Path) -> None:
    _copy_dependencies(
        parts,
        DOCKER_DIR / "hive" / "pom.xml",
        parts.metastore_jars,
        log,
        "the Hive Metastore's jars",
    )
    _fetch_archive(
        parts,
        f"org.apache.hive:hive-standalone-metastore-server:{STACK['hive']}:tar.gz:bin",
        log,
        "the Hive Metastore's schema scripts",
        only="scripts/metastore/upgrade/postgres",
    )
    _mark(parts.metastore_jars, hive=STACK["hive"])


def _trino(parts: StackParts, log: Path) -> None:
    home = _fetch_archive(parts, f"io.trino:trino-server:{STACK['trino']}:tar.gz", log, "Trino")
    for plugin in (home / "plugin").iterdir():
        if plugin.name not in TRINO_PLUGINS:
            shutil.rmtree(plugin)
    _mark(home, trino=STACK["trino"])


def system_unavailable(settings: Settings) -> str:
    """Why the system's Java or PostgreSQL cannot serve the stack ('' when they can), with the
    fix: what `lakehouse install` does not fetch."""
    try:
        spark_java(settings)
        trino_java(settings)
        postgres_bin()
    except KitError as error:
        return f"{error.message} {error.fix}"
    return ""


def stack_unavailable(settings: Settings) -> str:
    """Why the stack cannot run on this machine ('' when it can): a missing JDK, PostgreSQL
    or installed part, with the fix."""
    reason = system_unavailable(settings)
    if reason:
        return reason
    missing = missing_steps(settings)
    if missing:
        names = "; ".join(step.name for step in missing)
        return f"Not installed yet: {names}. Run `lakehouse install --profile stack`."
    return ""
