"""Keep, of the jars Maven resolved from docker/spark/pom.xml, those Spark does not ship.

usage: python select_jars.py RESOLVED_JARS_DIR SPARK_JARS_DIR

`mvn dependency:copy-dependencies` on docker/spark/pom.xml brings Delta and S3A with all they
depend on, including other versions of jars Spark ships (Scala, Parquet, Hadoop's client...).
Spark's own win, so the class path holds one version of each class: every resolved jar whose
artifact Spark ships is deleted. One resolution for both stacks: `lakehouse install`
(lakehouse_kit/install.py) runs the same Maven goal and this script for the native stack,
docker/spark/Dockerfile for the image. Standard library only: it runs in the image's build.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

_VERSIONED = re.compile(r"^(?P<artifact>.+?)-(?P<version>\d[^-]*(?:-[A-Za-z0-9.]+)*)\.jar$")


def artifact_of(filename: str) -> str:
    """`delta-spark_4.2_2.13-4.4.0.jar` -> `delta-spark_4.2_2.13`."""
    match = _VERSIONED.match(filename)
    return match.group("artifact") if match else filename.removesuffix(".jar")


def version_of(filename: str) -> str:
    match = _VERSIONED.match(filename)
    return match.group("version") if match else ""


def planned(resolved: list[str], shipped: list[str]) -> list[str]:
    """The resolved jar names whose artifact is not among Spark's jars (in any version)."""
    spark_has = {artifact_of(name) for name in shipped}
    return sorted(name for name in resolved if artifact_of(name) not in spark_has)


def hadoop_mismatch(kept: list[str], shipped: list[str]) -> str:
    """Why S3A would fail at run time ('' when it would not): hadoop-aws must be the Hadoop
    release Spark ships as hadoop-client-api."""
    versions = {artifact_of(n): version_of(n) for n in [*kept, *shipped]}
    aws, spark = versions.get("hadoop-aws"), versions.get("hadoop-client-api")
    if aws != spark:
        return f"hadoop-aws {aws} does not match Spark's Hadoop (hadoop-client-api {spark})"
    return ""


def main(resolved_dir: str, spark_jars: str) -> int:
    resolved = sorted(Path(resolved_dir).glob("*.jar"))
    shipped = [jar.name for jar in Path(spark_jars).glob("*.jar")]
    if not shipped:
        print(f"no Spark jars in {spark_jars}", file=sys.stderr)
        return 1
    keep = set(planned([jar.name for jar in resolved], shipped))
    for jar in resolved:
        print(("keep:             " if jar.name in keep else "Spark has it:     ") + jar.name)
        if jar.name not in keep:
            jar.unlink()
    problem = hadoop_mismatch(sorted(keep), shipped)
    if problem:
        print(problem + ": change hadoop.version in docker/spark/pom.xml", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
