"""Pick the Ivy-resolved jars the Spark Connect server still needs (build time only).

usage: select_jars.py IVY_JARS_DIR SPARK_JARS_DIR S3A_JARS_DIR OUT_DIR

Ivy names jars ``<group>_<artifact>-<version>.jar``. A jar is dropped when Spark (or the S3A
set baked into Spark's jars/) already provides that artifact, or when its group belongs to
Spark, Scala, Hadoop or the AWS SDK, whose versions the image pins on purpose. Dropping
duplicates keeps one version of each class on the classpath.
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

PROVIDED_GROUPS = (
    "org.apache.spark",
    "org.scala-lang",
    "org.apache.hadoop",
    "software.amazon.awssdk",
    "com.amazonaws",
)
_VERSIONED = re.compile(r"^(?P<artifact>.+?)-(?P<version>\d[^-]*(?:-[A-Za-z0-9.]+)*)\.jar$")


def artifact_of(filename: str) -> str:
    match = _VERSIONED.match(filename)
    return match.group("artifact") if match else filename.removesuffix(".jar")


def main(ivy_dir: str, spark_jars: str, s3a_jars: str, out_dir: str) -> int:
    provided = {artifact_of(p.name) for d in (spark_jars, s3a_jars) for p in Path(d).glob("*.jar")}
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    kept = 0
    for jar in sorted(Path(ivy_dir).glob("*.jar")):
        group, _, rest = jar.name.partition("_")
        if group.startswith(PROVIDED_GROUPS):
            print(f"skip (pinned by the image): {jar.name}")
        elif artifact_of(rest) in provided:
            print(f"skip (already in Spark):    {jar.name}")
        else:
            shutil.copy2(jar, out / jar.name)
            print(f"keep:                       {jar.name}")
            kept += 1
    if kept == 0:
        print("no Delta jar resolved", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:5]))
