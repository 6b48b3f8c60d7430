"""The docker stack's own scripts and settings, run natively: what CI proves without Docker.

No Docker engine runs on the build machines, so the images are never built here. What can run
without one runs here, with the environment docker-compose.yml gives each container (its host
names mapped to native services): the Spark image's jar plan against the native install's jars,
the metastore's settings as Hadoop resolves them, docker/hive/start-metastore.sh against the
native stack's PostgreSQL (with password authentication, as the postgres image has it) and S3,
docker/spark/start-connect.sh with the native jars, and Trino's health check against a native
Trino that reads what they wrote. The image programs the metastore script calls (apache/hive's
/entrypoint.sh and schematool) are stand-ins made from the native install's jars. Each server
starts when a test needs it; all stop at the end of the module.
"""

from __future__ import annotations

import dataclasses
import os
import shlex
import subprocess
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import require_stack
from docker_files import (
    DOCKER_DIR,
    container_env,
    interpolate,
    mounted_files,
    select_jars,
    service,
)

from lakehouse_kit import home, install, postgres, services, stack, supervisor, system
from lakehouse_kit.parts import stack_parts
from lakehouse_kit.settings import Settings, load_settings
from lakehouse_kit.storage import ensure_bucket
from lakehouse_kit.supervisor import Service

pytestmark = pytest.mark.stack

HIVE_CONF = DOCKER_DIR / "hive" / "conf"
START_METASTORE = DOCKER_DIR / "hive" / "start-metastore.sh"
START_SPARK = DOCKER_DIR / "spark" / "start-connect.sh"
PROBE = "docker_probe"  # the schema the Spark test writes and the later tests read


@pytest.fixture(scope="module")
def installed():
    """The native install (Spark, the metastore's jars, Trino), or why there is none."""
    settings = load_settings(profile="stack")
    require_stack("the native docker tests")
    return stack_parts(settings)


# ------------------------------------------------------------------ one resolution of jars


def test_spark_image_plans_the_jars_the_native_stack_runs(installed):
    # What Maven resolved for docker/spark/pom.xml at install time (tests stay offline), which
    # the image's build stage resolves from the same pom.
    resolved = (installed.spark_jars / install.RESOLVED).read_text().split()
    # The image's filter (tests/test_docker_stack.py: its steps are install's) on the jars of
    # the same pyspark release.
    shipped = [jar.name for jar in (installed.spark_home / "jars").glob("*.jar")]
    image = select_jars().planned(resolved, shipped)
    native = sorted(jar.name for jar in installed.spark_jars.glob("*.jar"))
    assert image == native, f"only in the image: {set(image) - set(native)}; only natively: " + str(
        set(native) - set(image)
    )
    assert any(name.startswith("delta-spark_") for name in image)


# ------------------------------------------------------------------ the metastore's settings

SHOW_SETTINGS = """
import org.apache.hadoop.hive.metastore.conf.MetastoreConf;

public class ShowSettings {
    public static void main(String[] names) {
        var conf = MetastoreConf.newMetastoreConf();
        for (String name : names) System.out.println("setting " + name + "=" + conf.get(name));
    }
}
"""


def test_metastore_settings_resolve_in_the_compose_environment(installed, tmp_path):
    """Hadoop resolves every ${env.X} and ${env.X:-default} of the shared files with the
    container's environment; the defaults run only in docker (the native stack sets them)."""
    names = [
        prop.findtext("name")
        for path in sorted(HIVE_CONF.glob("*.xml"))
        for prop in ET.parse(path).getroot().iter("property")
    ]
    (tmp_path / "ShowSettings.java").write_text(SHOW_SETTINGS)
    java = system.spark_java(load_settings(profile="stack")) / "bin" / "java"
    classpath = os.pathsep.join([str(HIVE_CONF), str(installed.metastore_jars / "*")])
    done = subprocess.run(
        [str(java), "-cp", classpath, str(tmp_path / "ShowSettings.java"), *names],
        env={**container_env("hive-metastore"), "PATH": os.environ["PATH"]},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    lines = [line.removeprefix("setting ") for line in done.stdout.splitlines()]
    values = dict(line.split("=", 1) for line in lines if "=" in line)
    assert set(values) == set(names)
    assert not {n: v for n, v in values.items() if "${" in v}, "unresolved settings"
    assert values["metastore.thrift.bind.host"] == "0.0.0.0"  # compose publishes 127.0.0.1 only
    assert values["datanucleus.connectionPool.maxPoolSize"] == "10"
    assert values["metastore.thrift.port"] == "9083"
    assert values["javax.jdo.option.ConnectionURL"] == "jdbc:postgresql://postgres:5432/metastore"
    assert values["fs.s3a.endpoint"] == "http://minio:9000"
    assert values["metastore.warehouse.dir"] == "s3a://lakehouse/warehouse"


# ------------------------------------------------------------------ the native services


@dataclasses.dataclass
class Native:
    """The native services this module started, in a home of its own."""

    settings: Settings
    started: list[Service] = dataclasses.field(default_factory=list)

    @property
    def ports(self) -> dict[str, int]:
        return home.read_ports(self.settings.run_dir)

    def start(self, *definitions: Service) -> None:
        supervisor.start(list(definitions), self.settings)
        self.started += [d for d in definitions if d not in self.started]

    def stop(self, name: str) -> None:
        supervisor.stop([d for d in self.started if d.name == name], self.settings.run_dir)

    def container_env(self, name: str) -> dict[str, str]:
        """A container's environment from compose, its host names mapped to native services."""
        hosts = {
            "postgres:5432": f"127.0.0.1:{self.ports['postgres']}",
            "minio:9000": f"127.0.0.1:{self.ports['s3']}",
            "hive-metastore:9083": f"127.0.0.1:{self.ports.get('metastore', 0)}",
        }
        env = container_env(name)
        for host, native in hosts.items():
            env = {key: value.replace(host, native) for key, value in env.items()}
        return env

    def psql(self, sql: str, user: str = postgres.DB_USER, password: str = "") -> str:
        """As `user`, with its password (the kit's own user's, from the home, by default)."""
        command = [str(system.postgres_bin() / "psql"), "-h", "127.0.0.1", "-p"]
        command += [str(self.ports["postgres"]), "-U", user, "-d", "metastore", "-tAc", sql]
        done = subprocess.run(
            command,
            env={**os.environ, "PGPASSWORD": password or postgres.db_password(self.settings)},
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout.strip()


@pytest.fixture(scope="module")
def native(installed, kit_home):
    """SeaweedFS for MinIO, with compose's keys and the bucket minio-init makes, and the native
    stack's PostgreSQL set up as the postgres image sets itself up: compose's user and password,
    password authentication over TCP."""
    minio, postgres_env = container_env("minio"), container_env("postgres")
    keys = {
        "LAKEHOUSE_S3_ACCESS_KEY": minio["MINIO_ROOT_USER"],
        "LAKEHOUSE_S3_SECRET_KEY": minio["MINIO_ROOT_PASSWORD"],
    }
    with kit_home("docker-natively", "stack", **keys) as settings:
        running = Native(settings)
        try:
            running.start(services.s3_service(settings), postgres.postgres_service())
            ensure_bucket(load_settings())
            user, password = postgres_env["POSTGRES_USER"], postgres_env["POSTGRES_PASSWORD"]
            running.psql(f"CREATE ROLE {user} LOGIN SUPERUSER PASSWORD '{password}'")
            hba = postgres.postgres_data(settings) / "pg_hba.conf"
            hba.write_text(f"host all {user} 127.0.0.1/32 scram-sha-256\n" + hba.read_text())
            running.psql("SELECT pg_reload_conf()")
            yield running
        finally:  # (kit_home removes the catalog)
            supervisor.stop(running.started, settings.run_dir)


def hive_image_stand_ins(folder: Path, settings: Settings) -> dict[str, str]:
    """What start-metastore.sh calls in apache/hive:4.0.0, made from the native install:
    HIVE_HOME with bin/schematool and conf/, and an entrypoint that, as the image's does for
    SERVICE_NAME=metastore, initialises or upgrades the schema unless IS_RESUME=true, then runs
    the metastore with -Xmx1G. Returns the variables that point the script at them."""
    parts = stack_parts(settings)
    java = [str(system.spark_java(settings) / "bin" / "java"), *stack._HIVE_OPENS]
    java += [f"-Dlog4j2.configurationFile={HIVE_CONF / 'log4j2.properties'}"]
    classpath = f'-cp "$HIVE_HOME/conf:{parts.metastore_jars}/*"'
    (folder / "conf").mkdir(parents=True, exist_ok=True)
    (folder / "bin").mkdir(exist_ok=True)
    schematool = "org.apache.hadoop.hive.metastore.tools.schematool.MetastoreSchemaTool"
    programs = {
        folder / "bin" / "schematool": (
            f'exec {shlex.join(java)} $HADOOP_CLIENT_OPTS {classpath} {schematool} "$@"'
        ),
        folder / "entrypoint.sh": (
            'if [ "${IS_RESUME:-false}" != true ]; then\n'
            '  "$HIVE_HOME/bin/schematool" -dbType "$DB_DRIVER" -initOrUpgradeSchema'
            ' || { echo "Schema initialization failed!"; exit 1; }\n'
            "fi\n"
            f"exec {shlex.join(java)} $HADOOP_CLIENT_OPTS -Xmx1G {classpath}"
            ' org.apache.hadoop.hive.metastore.HiveMetaStore -p "$METASTORE_PORT"'
        ),
    }
    for path, body in programs.items():
        path.write_text(f"#!/bin/bash\n{body}\n")
        path.chmod(0o755)
    return {
        "HIVE_HOME": str(folder),
        "HIVE_ENTRYPOINT": str(folder / "entrypoint.sh"),
        "HIVE_CUSTOM_CONF_DIR": str(HIVE_CONF),  # the image: ENV, and COPY conf/ there
        # Where MetastoreSchemaTool finds the schema scripts (the image: under HIVE_HOME).
        "METASTORE_HOME": str(parts.metastore_home),
    }


def metastore_environment(native: Native, image: dict[str, str], port: int) -> dict[str, str]:
    """The hive-metastore container's environment, natively. Two differences: the port the
    supervisor chose (the image's entrypoint exports METASTORE_PORT=9083), and the bind
    address, 127.0.0.1 (the container binds 0.0.0.0, which compose publishes on 127.0.0.1 only;
    the test above checks that default resolves)."""
    env = {**native.container_env("hive-metastore"), **image}
    return {**env, "METASTORE_PORT": str(port), "METASTORE_BIND_HOST": "127.0.0.1"}


def metastore_by_script(native: Native, image: dict[str, str], **overrides: str) -> Service:
    return Service(
        name="metastore",
        label="the metastore (docker/hive/start-metastore.sh)",
        port=stack.PORTS["metastore"],
        needs=("s3", "postgres"),
        command=lambda s, p: ["bash", str(START_METASTORE)],
        env=lambda s, p: {**metastore_environment(native, image, p["metastore"]), **overrides},
        cwd=lambda s: Path(image["HIVE_HOME"]),
        timeout=600,
    )


@pytest.fixture(scope="module")
def hive_image(native, tmp_path_factory):
    return hive_image_stand_ins(tmp_path_factory.mktemp("hive-image"), native.settings)


@pytest.fixture(scope="module")
def metastore(native, hive_image):
    """The metastore as start-metastore.sh starts it on an empty database; yields its log."""
    native.start(metastore_by_script(native, hive_image))
    return home.log_file(native.settings.run_dir, "metastore")


def test_start_metastore_initialises_an_empty_catalog(native, metastore):
    log = metastore.read_text(errors="replace")
    assert "No usable metastore schema yet: the entrypoint will initialise it." in log
    postgres = container_env("postgres")
    version = native.psql(
        'SELECT "SCHEMA_VERSION" FROM "VERSION"',
        postgres["POSTGRES_USER"],
        postgres["POSTGRES_PASSWORD"],
    )
    assert version == "4.0.0"


# ------------------------------------------------------------------ Spark, as its image runs


def spark_by_script(native: Native, folder: Path) -> Service:
    """start-connect.sh with the spark container's environment, natively: the native install's
    Spark and jars (the image's plan, test above) and, as extra arguments, the native ports
    and loopback addresses instead of the compose network's."""
    settings, parts = native.settings, stack_parts(native.settings)

    def command(s: Settings, ports) -> list[str]:
        confs = {
            "spark.hadoop.hive.metastore.uris": f"thrift://127.0.0.1:{ports['metastore']}",
            "spark.connect.grpc.binding.address": "127.0.0.1",
            "spark.connect.grpc.binding.port": str(ports["spark"]),
            "spark.driver.host": "127.0.0.1",
            "spark.driver.bindAddress": "127.0.0.1",
            "spark.ui.enabled": "false",
            "spark.local.dir": str(folder / "tmp"),
        }
        return [
            "bash",
            str(START_SPARK),
            *[a for k, v in confs.items() for a in ("--conf", f"{k}={v}")],
        ]

    return Service(
        name="spark",
        label="Spark (docker/spark/start-connect.sh)",
        port=stack.PORTS["spark"],
        needs=("s3", "metastore"),
        command=command,
        env=lambda s, p: {
            **native.container_env("spark"),
            "SPARK_HOME": str(parts.spark_home),
            "SPARK_CONF_DIR": str(DOCKER_DIR / "spark"),  # the image copies it to SPARK_HOME/conf
            "LAKEHOUSE_JARS": str(parts.spark_jars),
            "JAVA_HOME": str(system.spark_java(settings)),
            "PYSPARK_PYTHON": str(parts.spark_python),
            "SPARK_LOCAL_IP": "127.0.0.1",
        },
        cwd=lambda s: folder,
        timeout=600,
    )


ROWS = [(1, "Bulbasaur"), (4, "Charmander")]


@pytest.fixture(scope="module")
def spark_wrote(native, metastore, tmp_path_factory):
    """Spark started by start-connect.sh writes a Delta table through S3A into the metastore,
    then stops; yields what it read back and DESCRIBE DETAIL's format and location."""
    from pyspark.sql import SparkSession

    native.start(spark_by_script(native, tmp_path_factory.mktemp("spark")))
    try:
        # create(), not getOrCreate(): that hands back the process's default session (the
        # embedded engine of the other tests) whatever the remote.
        spark = SparkSession.builder.remote(f"sc://127.0.0.1:{native.ports['spark']}").create()
        bucket = container_env("spark")["LAKEHOUSE_BUCKET"]
        spark.sql(f"CREATE SCHEMA IF NOT EXISTS {PROBE}")
        (
            spark.createDataFrame(ROWS, "id int, name string")
            .write.format("delta")
            .mode("overwrite")
            .option("path", f"s3a://{bucket}/{PROBE}/pokemon")
            .saveAsTable(f"{PROBE}.pokemon")
        )
        read = [tuple(r) for r in spark.table(f"{PROBE}.pokemon").orderBy("id").collect()]
        detail = spark.sql(f"DESCRIBE DETAIL {PROBE}.pokemon").collect()[0]
        spark.stop()
        return read, (detail.format, detail.location)
    finally:
        native.stop("spark")


def test_start_connect_writes_delta_through_s3a_into_the_metastore(spark_wrote):
    read, (kind, location) = spark_wrote
    bucket = container_env("spark")["LAKEHOUSE_BUCKET"]
    assert read == ROWS
    assert (kind, location) == ("delta", f"s3a://{bucket}/{PROBE}/pokemon")


# ------------------------------------------------------------------ Trino's health check


def trino_health_check(port: int) -> int:
    """Compose's health check of the trino service, its mounted files taken from this
    repository, with TRINO_PORT = `port`."""
    check, mounted = service("trino")["healthcheck"]["test"], mounted_files("trino")
    command = [str(mounted.get(word, word)) for word in check[1:]]
    if check[0] == "CMD-SHELL":
        command = ["sh", "-c", interpolate(check[1])]
    env = {**os.environ, **container_env("trino"), "TRINO_PORT": str(port)}
    return subprocess.run(command, env=env, capture_output=True, timeout=120).returncode


def test_trino_health_check_passes_once_trino_serves_the_tables(native, metastore, spark_wrote):
    import trino

    definition = stack.trino_service()
    native_env = definition.env
    native.start(
        dataclasses.replace(
            definition,
            needs=("s3",),
            ready=None,  # the health check says when it is ready
            env=lambda s, p: {
                **native_env(s, p),
                "HIVE_METASTORE_URI": f"thrift://127.0.0.1:{p['metastore']}",
            },
        )
    )
    port = native.ports["trino"]
    try:
        deadline = time.monotonic() + 600
        while trino_health_check(port) != 0:
            assert time.monotonic() < deadline, "Trino never became healthy"
            time.sleep(2)
        # Healthy means a query runs at once (/v1/info alone said so seconds too early).
        cursor = trino.dbapi.connect(host="127.0.0.1", port=port, user="lakehouse").cursor()
        cursor.execute("SELECT count(*) FROM tpch.tiny.region")
        assert cursor.fetchall() == [[5]], "healthy, but Trino cannot run a query yet"
        cursor.execute(f"SELECT id, name FROM delta.{PROBE}.pokemon ORDER BY id")
        assert [tuple(row) for row in cursor.fetchall()] == ROWS
    finally:
        native.stop("trino")
    assert trino_health_check(port) != 0, "healthy without a Trino"


# ------------------------------------------------------------------ a changed password


def printed_fix(stderr: str) -> str:
    """The shell command start-metastore.sh prints to run inside the postgres container."""
    line = next(line for line in stderr.splitlines() if "docker compose exec postgres" in line)
    words = shlex.split(line)
    assert words[:4] == ["docker", "compose", "exec", "postgres"] and words[4:6] == ["sh", "-c"]
    return words[6]


def test_changed_password_stops_with_a_fix_that_keeps_the_catalog(
    native, metastore, hive_image, spark_wrote
):
    postgres = container_env("postgres")
    user, created_with, changed = (
        postgres["POSTGRES_USER"],
        postgres["POSTGRES_PASSWORD"],
        "changed-in-.env",
    )
    native.stop("metastore")
    # METASTORE_DB_PASSWORD changed in .env: compose gives it to both containers, but the
    # database keeps the password it was created with.
    env = metastore_environment(native, hive_image, native.ports["metastore"])
    done = subprocess.run(
        ["bash", str(START_METASTORE)],
        cwd=hive_image["HIVE_HOME"],
        env={**os.environ, **env, "METASTORE_DB_PASSWORD": changed},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 1, done.stdout[-2000:]
    assert "initialise" not in done.stdout, "it tried to create the schema again"
    assert "ALTER USER" in done.stderr and f'refused user "{user}"' in done.stderr
    # The printed fix, run as in the postgres container (whose local socket needs no password;
    # here TCP does, with the old one), then the metastore starts with the new password.
    fix = printed_fix(done.stderr)
    as_in_container = {"POSTGRES_USER": user, "POSTGRES_PASSWORD": changed}
    subprocess.run(
        ["sh", "-c", fix],
        env={
            **os.environ,
            **as_in_container,
            "PGHOST": "127.0.0.1",
            "PGPORT": str(native.ports["postgres"]),
            "PGPASSWORD": created_with,
        },
        check=True,
        capture_output=True,
    )
    native.start(metastore_by_script(native, hive_image, METASTORE_DB_PASSWORD=changed))
    log = home.log_file(native.settings.run_dir, "metastore").read_text(errors="replace")
    assert log.count("Metastore schema already present") == 1
    assert PROBE in native.psql('SELECT "NAME" FROM "DBS"', user, changed).split()
