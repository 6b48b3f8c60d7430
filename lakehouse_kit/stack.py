"""The `stack` profile: the original workshop's JVM stack as local processes.

PostgreSQL holds the Hive Metastore's database; the Hive Metastore 4.0.0 is the catalog that
Spark and Trino share; a JVM Spark 4.2 Spark Connect server reads and writes the bucket through
S3A and writes Delta tables; Trino 476 queries them (catalogs `delta` and `hive`). The object
store is the same SeaweedFS server as on `local` (`services.s3_service`).

Each is a `Service` definition for the supervisor. Their configuration files are the docker
stack's (docker/spark, docker/hive/conf, docker/trino): values that differ between the two,
such as ports and endpoints, reach them as environment variables, never as edited copies.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from lakehouse_kit import engine
from lakehouse_kit.commands import run_logged
from lakehouse_kit.errors import ServiceError
from lakehouse_kit.home import write_private
from lakehouse_kit.parts import DOCKER_DIR, StackParts, stack_parts
from lakehouse_kit.postgres import DB_NAME, DB_USER, db_password, postgres_service, psql
from lakehouse_kit.settings import LOCAL_PORTS, Settings, s3_variables
from lakehouse_kit.supervisor import Ports, Service
from lakehouse_kit.system import spark_java, trino_java

PORTS = LOCAL_PORTS["stack"]
# Explicit heaps keep the stack inside a laptop's memory (figures: docs/stack.md).
METASTORE_HEAP = "512m"
SPARK_DRIVER_MEMORY = "1g"
SPARK_SERVER_CLASS = "org.apache.spark.sql.connect.service.SparkConnectServer"
# Hive 4.0 was built for Java 8; Java 17 needs these modules opened to it.
_HIVE_OPENS = [
    f"--add-opens=java.base/{p}=ALL-UNNAMED"
    for p in (
        "java.lang",
        "java.lang.reflect",
        "java.util",
        "java.util.concurrent",
        "java.net",
        "java.nio",
        "sun.nio.ch",
        "java.io",
    )
]


def stack_services(settings: Settings) -> list[Service]:
    """PostgreSQL, the metastore, Spark and Trino, in start order (after the S3 server)."""
    return [postgres_service(), metastore_service(), spark_service(), trino_service()]


def s3_environment(settings: Settings, ports: Ports) -> dict[str, str]:
    """The variables the shared config files read (${env.X} in Hadoop, ${ENV:X} in Trino)."""
    live = engine.live_settings(settings, ports)
    return {
        **s3_variables(live),
        "S3_ENDPOINT": live.s3_endpoint,
        "LAKEHOUSE_BUCKET": settings.bucket,
        "HIVE_METASTORE_URI": f"thrift://127.0.0.1:{ports.get('metastore', PORTS['metastore'])}",
    }


def _folder(settings: Settings, name: str) -> Path:
    path = settings.state_dir / name
    path.mkdir(parents=True, exist_ok=True)
    return path


# ---------------------------------------------------------------- Hive Metastore


def _metastore_env(settings: Settings, ports: Ports) -> dict[str, str]:
    return {
        **s3_environment(settings, ports),
        "METASTORE_PORT": str(ports["metastore"]),
        "METASTORE_BIND_HOST": "127.0.0.1",
        "METASTORE_DB_URL": f"jdbc:postgresql://127.0.0.1:{ports['postgres']}/{DB_NAME}",
        "METASTORE_DB_USER": DB_USER,
        "METASTORE_DB_PASSWORD": db_password(settings),
        "METASTORE_DB_POOL_SIZE": "3",
        "JAVA_HOME": str(spark_java(settings)),
        "METASTORE_HOME": str(stack_parts(settings).metastore_home),
    }


def _metastore_java(settings: Settings, main: str, *args: str) -> list[str]:
    parts, conf = stack_parts(settings), DOCKER_DIR / "hive" / "conf"
    return [
        str(spark_java(settings) / "bin" / "java"),
        f"-Xmx{METASTORE_HEAP}",
        "-XX:+UseSerialGC",
        *_HIVE_OPENS,
        "-Djava.net.preferIPv4Stack=true",
        f"-Dlog4j2.configurationFile={conf / 'log4j2.properties'}",
        "-cp",
        os.pathsep.join([str(conf), str(parts.metastore_jars / "*")]),
        main,
        *args,
    ]


def _schema_version(settings: Settings, ports: Ports) -> str:
    """The version schematool recorded as its last step ("" when it never finished)."""
    done = psql(settings, ports, DB_NAME, 'SELECT "SCHEMA_VERSION" FROM "VERSION"')
    return done.stdout.strip() if done.returncode == 0 else ""


def _init_schema(settings: Settings, ports: Ports) -> None:
    """Create the metastore's tables with its own schematool, once. A schema without its
    version row was interrupted: its database is made again (the tables' data is in the
    bucket, and sessions register them again)."""
    if _schema_version(settings, ports):
        return
    for sql in (f"DROP DATABASE IF EXISTS {DB_NAME}", f"CREATE DATABASE {DB_NAME}"):
        done = psql(settings, ports, "postgres", sql)
        if done.returncode:
            raise ServiceError(
                f"PostgreSQL refused `{sql}`: {done.stderr.strip()[:300]}",
                fix=f"Read {settings.run_dir / 'postgres.log'}; then `lakehouse --profile stack up` again.",
            )
    command = _metastore_java(
        settings,
        "org.apache.hadoop.hive.metastore.tools.schematool.MetastoreSchemaTool",
        "-dbType",
        "postgres",
        "-initSchema",
    )
    run_logged(
        command,
        settings.run_dir / "metastore-schema.log",
        "Creating the metastore's schema",
        "`lakehouse --profile stack up` again (it starts the schema afresh).",
        error=ServiceError,
        env={**os.environ, **_metastore_env(settings, ports)},
    )


def metastore_service() -> Service:
    return Service(
        name="metastore",
        label="the Hive Metastore",
        port=PORTS["metastore"],
        needs=("s3", "postgres"),
        command=lambda s, p: _metastore_java(
            s, "org.apache.hadoop.hive.metastore.HiveMetaStore", "-p", str(p["metastore"])
        ),
        env=_metastore_env,
        prepare=_init_schema,
        endpoints=lambda port: {"metastore_uri": f"thrift://127.0.0.1:{port}"},
        timeout=180,
        memory=f"heap {METASTORE_HEAP}; 330 MB peak",
    )


# ---------------------------------------------------------------- Spark


def _spark_command(settings: Settings, ports: Ports) -> list[str]:
    parts = stack_parts(settings)
    confs = {
        "spark.connect.grpc.binding.address": "127.0.0.1",
        "spark.connect.grpc.binding.port": str(ports["spark"]),
        "spark.driver.host": "127.0.0.1",
        "spark.driver.bindAddress": "127.0.0.1",
        "spark.ui.enabled": "false",
        "spark.local.dir": str(_folder(settings, "spark") / "tmp"),
        "spark.sql.warehouse.dir": f"s3a://{settings.bucket}/warehouse",
        "spark.hadoop.fs.s3a.endpoint.region": settings.s3_region,
    }
    # S3A, Delta and the metastore: lesson 1's configuration (the course's until it is done).
    lakehouse, _ = engine.server_conf(engine.live_settings(settings, ports))
    confs.update(lakehouse)
    return [
        str(parts.spark_home / "bin" / "spark-submit"),
        "--class",
        SPARK_SERVER_CLASS,
        "--name",
        "lakehouse-kit",
        "--properties-file",
        str(_spark_properties(settings, confs)),
        "--driver-memory",
        SPARK_DRIVER_MEMORY,
        # The classpath, not --jars: --jars copies every jar (the AWS SDK is 690 MB) per start.
        "--driver-class-path",
        str(parts.spark_jars / "*"),
    ]


def _spark_properties(settings: Settings, confs: dict[str, str]) -> Path:
    """The shared spark-defaults.conf with this start's values after it (later lines win), in a
    file only its owner reads: the S3 secret stays off the command line, which `ps` shows to
    every user of the machine."""
    shared = (DOCKER_DIR / "spark" / "spark-defaults.conf").read_text()
    # A properties file reads a backslash as an escape: double it.
    ours = "".join(f"{key} {value.replace(chr(92), chr(92) * 2)}\n" for key, value in confs.items())
    text = f"{shared}\n# --- This start's values (lakehouse_kit/stack.py) ---\n{ours}"
    return write_private(settings.run_dir / "spark.properties", text)


def _spark_env(settings: Settings, ports: Ports) -> dict[str, str]:
    parts: StackParts = stack_parts(settings)
    return {
        "JAVA_HOME": str(spark_java(settings)),
        "SPARK_HOME": str(parts.spark_home),
        "SPARK_LOCAL_IP": "127.0.0.1",
        # Python UDF workers run in the server's environment (pandas and pyarrow included).
        "PYSPARK_PYTHON": str(parts.spark_python),
    }


def spark_service() -> Service:
    return Service(
        name="spark",
        label="Spark (JVM)",
        port=PORTS["spark"],
        needs=("s3", "metastore"),
        command=_spark_command,
        env=_spark_env,
        signature=engine.signature,
        cwd=lambda s: _folder(s, "spark"),
        endpoints=lambda port: {"spark_remote": f"sc://127.0.0.1:{port}"},
        timeout=240,
        memory=f"driver heap {SPARK_DRIVER_MEMORY}; 1.7 GB peak over the course",
    )


# ---------------------------------------------------------------- Trino


def _trino_etc(settings: Settings, ports: Ports) -> None:
    """Trino reads etc/ below its working folder: the shared catalogs and settings."""
    etc = _folder(settings, "trino") / "etc"
    shutil.rmtree(etc, ignore_errors=True)
    shutil.copytree(DOCKER_DIR / "trino", etc, ignore=shutil.ignore_patterns("*.md", "Dockerfile"))


def _trino_command(settings: Settings, ports: Ports) -> list[str]:
    parts, etc = stack_parts(settings), _folder(settings, "trino") / "etc"
    java = trino_java(settings)
    jvm = [
        line.strip()
        for line in (etc / "jvm.config").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    node = {
        "node.environment": "lakehouse",
        "node.id": "lakehouse-kit",
        "node.data-dir": str(_folder(settings, "trino") / "data"),
        "node.bind-ip": "127.0.0.1",
        "node.internal-address": "127.0.0.1",
        "log.levels-file": str(etc / "log.properties"),
        "config": str(etc / "config.properties"),
        "plugin.dir": str(parts.trino_home / "plugin"),
    }
    return [
        str(java / "bin" / "java"),
        "-cp",
        str(parts.trino_home / "lib" / "*"),
        *jvm,
        *[f"-D{key}={value}" for key, value in node.items()],
        "io.trino.server.TrinoServer",
    ]


def _trino_ready(settings: Settings, ports: Ports) -> bool:
    """Trino answers `/v1/info`, and even `SELECT 1`, before its node has joined the cluster
    ("No nodes available to run query"): ready means a query that scans a table runs."""
    import trino

    try:
        cursor = trino.dbapi.connect(
            host="127.0.0.1", port=ports["trino"], user="lakehouse", request_timeout=10
        ).cursor()
        cursor.execute("SELECT count(*) FROM tpch.tiny.region")  # five rows, made up by Trino
        return cursor.fetchall() == [[5]]
    except (OSError, ValueError, trino.exceptions.Error, trino.exceptions.HttpError):
        return False


def trino_service() -> Service:
    return Service(
        name="trino",
        label="Trino",
        port=PORTS["trino"],
        needs=("s3", "metastore"),
        command=_trino_command,
        prepare=_trino_etc,
        env=lambda s, p: {**s3_environment(s, p), "TRINO_PORT": str(p["trino"])},
        cwd=lambda s: _folder(s, "trino"),
        ready=_trino_ready,
        timeout=300,
        endpoints=lambda port: {"sql_url": f"trino://lakehouse@127.0.0.1:{port}/delta"},
        memory="heap 1.5 GB; 810 MB peak over the course",
    )
