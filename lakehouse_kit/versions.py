"""The one version matrix of the JVM stack: the native `stack` profile (lakehouse_kit/stack.py,
installed by lakehouse_kit/install.py) and the docker stack (docker-compose.yml, docker/**).

Every pin of the stack lives here once; ``tests/test_docker_stack.py`` checks that the
compose image tags, the Dockerfile ``FROM`` lines and ``ARG`` defaults, the Maven poms under
docker/ and the kit's own ``pyspark-client`` pin all agree with it. Change a version here first, then in the file
the test names.
"""

from __future__ import annotations

STACK: dict[str, str] = {
    # --- Spark engine (docker/spark/Dockerfile, docker/spark/pom.xml) ----------------
    # The notebook kernel is a thin Spark Connect client; its version must equal the server's.
    "pyspark_client": "4.2.0",
    # JVM Spark that runs the Spark Connect server (full pyspark wheel, jars included).
    "spark": "4.2.0",
    # Delta 4.4.x is the first line that supports Spark 4.2. Delta 4.x artifacts are Scala 2.13
    # only. 4.4.1 is on PyPI but Maven Central serves delta-spark_4.2_2.13 only up to 4.4.0.
    "delta": "4.4.0",
    "scala": "2.13",
    # hadoop-aws must equal the Hadoop inside Spark: Spark 4.2 ships hadoop-client-api 3.5.0.
    "hadoop_aws": "3.5.0",
    # software.amazon.awssdk:bundle version of hadoop-project 3.5.0 (HADOOP-19654); an older
    # bundle fails S3A start-up with NoSuchFieldError: CRC64_NVME.
    "aws_sdk_v2": "2.35.4",
    # hadoop-aws 3.5.0 has a compile dependency on the Analytics Accelerator Library.
    "analyticsaccelerator_s3": "1.3.1",
    # Java 17 is the oldest JDK Spark 4 runs on; Debian bookworm packages it for amd64+arm64.
    "java": "17",
    # One Python for the notebook kernel AND the Spark server: Spark Connect runs Python
    # UDFs in server-side workers and refuses a different minor version than the client's.
    "python": "3.11.14",
    "python_image": "python:3.11.14-slim-bookworm",
    # --- Catalog (docker/hive/Dockerfile, docker/hive/pom.xml) -------------------------
    # Hive Metastore 4.0.1+ removed the get_table thrift call that Spark's built-in Hive 2.3
    # client uses ("Invalid method name: 'get_table'"); 4.0.0 is the newest that works.
    "hive": "4.0.0",
    "hive_image": "apache/hive:4.0.0",
    # Hadoop inside apache/hive:4.0.0 is 3.3.6 (AWS SDK v1): its own S3A pair, not Spark's.
    "hive_hadoop": "3.3.6",
    "hive_aws_sdk_v1": "1.12.367",
    # Postgres JDBC driver for the metastore (scram-sha-256 auth needs >= 42.2).
    "postgres_jdbc": "42.7.4",
    "postgres": "16.10",
    "postgres_image": "postgres:16.10-alpine",
    # Small pinned image used only to download jars with curl at build time.
    "alpine_image": "alpine:3.20.3",
    # --- Object storage -----------------------------------------------------------------
    # MinIO CE is source-only since 2025-10 and Docker Hub deleted minio/minio and minio/mc
    # on 2026-09-11/12; the same multi-arch release tags are still served by quay.io.
    # RELEASE.2025-09-07T16-13-09Z is the last published community server image.
    "minio": "RELEASE.2025-09-07T16-13-09Z",
    "minio_image": "quay.io/minio/minio:RELEASE.2025-09-07T16-13-09Z",
    "mc": "RELEASE.2025-08-13T08-35-41Z",
    "mc_image": "quay.io/minio/mc:RELEASE.2025-08-13T08-35-41Z",
    # --- SQL engine ---------------------------------------------------------------------
    # Trino 476 is the newest release on Maven Central (477+ are published elsewhere), so the
    # native stack and the image run the same one. It needs Java 24+. Native S3 is enabled
    # with fs.native-s3.enabled (481 renamed it fs.s3.enabled).
    "trino": "476",
    "trino_image": "trinodb/trino:476",
}


def delta_spark_artifact(stack: dict[str, str] = STACK) -> str:
    """Maven artifact id of delta-spark for the pinned Spark: ``delta-spark_4.2_2.13``."""
    major_minor = ".".join(stack["spark"].split(".")[:2])
    return f"delta-spark_{major_minor}_{stack['scala']}"
