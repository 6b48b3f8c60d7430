"""Static checks of the docker stack (docker-compose.yml + docker/**).

No Docker engine runs on the build machines, so the stack has to be right by construction:
these tests parse every file of it and hold it to lakehouse_kit/versions.py. Fast, offline.
"""

from __future__ import annotations

import ast
import io
import re
import shlex
import shutil
import subprocess
import sys
import tokenize
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

try:  # Python 3.11+
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    tomllib = None

from docker_files import (
    COMPOSE_FILE,
    DOCKER_DIR,
    ROOT,
    container_env,
    interpolate,
    mounted_files,
    select_jars,
)
from docker_files import compose as _compose
from docker_files import environment as _env
from docker_files import service as _service

from lakehouse_kit.versions import STACK, delta_spark_artifact

ENV_EXAMPLE = DOCKER_DIR / ".env.example"
SPARK_DOCKERFILE = DOCKER_DIR / "spark" / "Dockerfile"
SPARK_POM = DOCKER_DIR / "spark" / "pom.xml"
HIVE_POM = DOCKER_DIR / "hive" / "pom.xml"
POM = {"m": "http://maven.apache.org/POM/4.0.0"}
SQL_LESSON = ROOT / "solutions" / "05_sql_access.py"

SERVICES = ("minio", "minio-init", "postgres", "hive-metastore", "spark", "trino", "jupyter")
ONE_SHOT = {"minio-init"}
LONG_RUNNING = tuple(s for s in SERVICES if s not in ONE_SHOT)
DOCKERFILES = sorted(DOCKER_DIR.rglob("Dockerfile"))

# Images the stack pulls, from the version matrix (compose `image:` and Dockerfile FROM).
PULLED_IMAGES = {
    STACK["minio_image"],
    STACK["mc_image"],
    STACK["postgres_image"],
    STACK["trino_image"],
    STACK["hive_image"],
    STACK["python_image"],
    STACK["alpine_image"],
}

# Property names of the Trino 476 docs: Delta Lake connector, Hive connector, metastore,
# and "S3 file system support" (docs/src/main/sphinx/object-storage/file-system-s3.md).
TRINO_COMMON_PROPERTIES = {
    "connector.name",
    "hive.metastore",
    "hive.metastore.uri",
    "hive.metastore.username",
    "hive.metastore.thrift.client.connect-timeout",
    "hive.metastore.thrift.client.read-timeout",
    "hive.metastore-cache-ttl",
    "fs.native-s3.enabled",
    "fs.hadoop.enabled",
    "fs.cache.enabled",
    "s3.endpoint",
    "s3.region",
    "s3.path-style-access",
    "s3.aws-access-key",
    "s3.aws-secret-key",
    "s3.cross-region-access",
    "s3.storage-class",
    "s3.signer-type",
    "s3.canned-acl",
    "s3.sse.type",
    "s3.sse.kms-key-id",
    "s3.sse.customer-key",
    "s3.streaming.part-size",
    "s3.requester-pays",
    "s3.max-connections",
    "s3.connection-ttl",
    "s3.connection-max-idle-time",
    "s3.socket-connect-timeout",
    "s3.socket-timeout",
    "s3.tcp-keep-alive",
    "s3.http-proxy",
    "s3.retry-mode",
    "s3.max-error-retries",
    "s3.application-id",
    "s3.sts.endpoint",
    "s3.sts.region",
    "s3.iam-role",
    "s3.role-session-name",
    "s3.external-id",
    "s3.auth-type",
    "parquet.writer.block-size",
    "parquet.writer.page-size",
}
TRINO_ALLOWED = {
    "delta_lake": TRINO_COMMON_PROPERTIES
    | {
        "delta.register-table-procedure.enabled",
        "delta.enable-non-concurrent-writes",
        "delta.hive-catalog-name",
        "delta.metadata.cache-ttl",
        "delta.vacuum.min-retention",
        "delta.unique-table-location",
        "delta.default-checkpoint-writing-interval",
        "delta.target-max-file-size",
        "delta.compression-codec",
        "delta.extended-statistics.enabled",
        "delta.projection-pushdown-enabled",
        "delta.query-partition-filter-required",
        "delta.load-metadata-from-checksum-file",
    },
    "hive": TRINO_COMMON_PROPERTIES
    | {
        "hive.delta-lake-catalog-name",
        "hive.iceberg-catalog-name",
        "hive.non-managed-table-writes-enabled",
        "hive.storage-format",
        "hive.compression-codec",
        "hive.recursive-directories",
        "hive.hive-views.enabled",
        "hive.max-partitions-per-scan",
    },
}
TRINO_REQUIRED = {
    "delta_lake": {
        "hive.metastore.uri",
        "delta.register-table-procedure.enabled",
        "delta.enable-non-concurrent-writes",
        "fs.native-s3.enabled",
        "s3.endpoint",
        "s3.region",
        "s3.path-style-access",
        "s3.aws-access-key",
        "s3.aws-secret-key",
    },
    "hive": {
        "hive.metastore.uri",
        "fs.native-s3.enabled",
        "s3.endpoint",
        "s3.region",
        "s3.path-style-access",
        "s3.aws-access-key",
        "s3.aws-secret-key",
    },
}
TRINO_CATALOGS = {"delta.properties": "delta_lake", "hive.properties": "hive"}

# Dockerfile ARG defaults that must equal the version matrix.
DOCKERFILE_ARGS = {
    "spark/Dockerfile": {
        "SPARK_VERSION": STACK["spark"],
        "JAVA_VERSION": STACK["java"],
    },
    "hive/Dockerfile": {
        "HIVE_HADOOP_VERSION": STACK["hive_hadoop"],
        "HIVE_AWS_SDK_V1_VERSION": STACK["hive_aws_sdk_v1"],
        "POSTGRES_JDBC_VERSION": STACK["postgres_jdbc"],
    },
}

JUPYTER_ENV = {
    "LAKEHOUSE_PROFILE": "docker",
    "LAKEHOUSE_SPARK_REMOTE": "sc://spark:15002",
    "LAKEHOUSE_S3_ENDPOINT": "http://minio:9000",
    "LAKEHOUSE_S3_REGION": "${LAKEHOUSE_S3_REGION:-us-east-1}",
    "LAKEHOUSE_S3_ACCESS_KEY": None,
    "LAKEHOUSE_S3_SECRET_KEY": None,
    "LAKEHOUSE_BUCKET": "${LAKEHOUSE_BUCKET:-lakehouse}",
    "LAKEHOUSE_SQL_URL": "trino://trino@trino:8080/delta",
}

SECRET_NAME = re.compile(r"(PASSWORD|SECRET|ACCESS_KEY|TOKEN)", re.IGNORECASE)
DEFAULTED_VAR = re.compile(r"\$\{(?P<name>[A-Z0-9_]+):-(?P<default>[^}]*)\}")
# How each config file reads the environment: Trino's ${ENV:X} (no default), Hadoop's ${env.X}
# and ${env.X:-default} (Hive), a shell's ${X:?} (set, or the script stops).
TRINO_ENV_REF = re.compile(r"\$\{ENV:(?P<name>\w+)\}")
HADOOP_ENV_REF = re.compile(r"\$\{env\.(?P<name>\w+)(?P<default>:?-[^}]*)?\}")
SHELL_REQUIRED_REF = re.compile(r"\$\{(?P<name>\w+):\?[^}]*\}")


# --------------------------------------------------------------------------- helpers


def _dockerfile_lines(path: Path) -> list[str]:
    """Logical lines: comments dropped, backslash continuations joined."""
    lines, current = [], ""
    for raw in path.read_text().splitlines():
        stripped = raw.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        lines.append(current + stripped)
        current = ""
    if current:
        lines.append(current)
    return lines


def _from_images(path: Path) -> list[str]:
    """Images named by FROM, without references to earlier build stages."""
    stages: set[str] = set()
    images = []
    for line in _dockerfile_lines(path):
        parts = line.split()
        if parts[0].upper() != "FROM":
            continue
        args = [p for p in parts[1:] if not p.startswith("--")]
        image = args[0]
        if len(args) >= 3 and args[1].upper() == "AS":
            stages.add(args[2].lower())
        if image.lower() not in stages:
            images.append(image)
    return images


def _arg_defaults(path: Path) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for line in _dockerfile_lines(path):
        match = re.match(r"ARG\s+([A-Za-z_][A-Za-z0-9_]*)=(\S+)$", line)
        if match:
            found.setdefault(match.group(1), []).append(match.group(2).strip("\"'"))
    return found


def _properties(path: Path) -> dict[str, str]:
    props = {}
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", "!")):
            continue
        key, sep, value = line.partition("=")
        assert sep, f"{path.name}: not a key=value line: {raw!r}"
        assert key.strip() not in props, f"{path.name}: {key.strip()} set twice"
        props[key.strip()] = value.strip()
    return props


def _spark_defaults() -> dict[str, str]:
    conf = {}
    for raw in (DOCKER_DIR / "spark" / "spark-defaults.conf").read_text().splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition(" ")
            conf[key] = value.strip()
    return conf


def _image_tag(image: str) -> str | None:
    name = image.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    return last.split(":", 1)[1] if ":" in last else None


# --------------------------------------------------------------------------- compose


def test_compose_parses_and_has_every_service():
    compose = _compose()
    assert isinstance(compose, dict)
    assert set(SERVICES) <= set(compose["services"]), "missing services"


@pytest.mark.parametrize("name", SERVICES)
def test_service_image_is_pinned(name):
    service = _service(name)
    image = service.get("image")
    assert image, f"{name}: give every service an image name (built ones get a local tag)"
    tag = _image_tag(image)
    assert tag, f"{name}: image {image!r} has no tag"
    assert tag != "latest", f"{name}: image {image!r} uses latest"
    if "build" not in service:
        assert image in PULLED_IMAGES, f"{name}: {image} is not in lakehouse_kit/versions.py"
        assert not image.startswith(("minio/", "docker.io/minio/")), (
            "minio/minio and minio/mc are gone from Docker Hub: use quay.io/minio/*"
        )


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_dockerfile_from_lines_are_pinned(dockerfile):
    images = _from_images(dockerfile)
    assert images, f"{dockerfile}: no FROM line"
    for image in images:
        assert "$" not in image, f"{dockerfile}: FROM {image} must be a literal pinned tag"
        tag = _image_tag(image)
        assert tag and tag != "latest", f"{dockerfile}: FROM {image} is not pinned"
        assert image in PULLED_IMAGES, f"{dockerfile}: FROM {image} not in versions.py"


def test_compose_images_match_version_matrix():
    services = _compose()["services"]
    assert services["minio"]["image"] == STACK["minio_image"]
    assert services["minio-init"]["image"] == STACK["mc_image"]
    assert services["postgres"]["image"] == STACK["postgres_image"]
    assert services["trino"]["image"] == STACK["trino_image"]
    assert STACK["minio_image"].endswith(":" + STACK["minio"])
    assert STACK["mc_image"].endswith(":" + STACK["mc"])
    assert STACK["trino_image"] == f"trinodb/trino:{STACK['trino']}"
    assert STACK["postgres_image"].startswith(f"postgres:{STACK['postgres']}-")
    assert STACK["hive_image"] == f"apache/hive:{STACK['hive']}"
    assert STACK["python_image"].startswith(f"python:{STACK['python']}-")


@pytest.mark.parametrize("name", SERVICES)
def test_published_ports_bind_localhost(name):
    for port in _service(name).get("ports") or []:
        text = port if isinstance(port, str) else f"{port.get('host_ip', '')}:{port}"
        assert text.startswith("127.0.0.1:"), f"{name}: port {port!r} is not bound to 127.0.0.1"


@pytest.mark.parametrize("name", LONG_RUNNING)
def test_long_running_services_have_healthchecks(name):
    check = _service(name).get("healthcheck")
    assert check and check.get("test"), f"{name}: no healthcheck"
    assert not check.get("disable"), f"{name}: healthcheck disabled"


# The image's own check, /usr/lib/trino/bin/health-check (trinodb/trino 476,
# core/docker/bin/health-check), takes the port from /etc/trino/config.properties with grep and
# cut: as text, without Trino's ${ENV:X} substitution. The same logic, on the file given:
IMAGE_HEALTH_CHECK = "/usr/lib/trino/bin/health-check"
IMAGE_HEALTH_CHECK_URL = (
    'port="$(grep "^http-server.http.port=" "$1" | cut -d= -f2)"; '
    'printf "http://localhost:%s/v1/info" "$port"'
)
# A stand-in for curl: notes each URL it is given, answers a query's first request with a
# nextUri (as Trino does) and the next with $TRINO_ANSWER; fails to connect when that is empty.
CURL_STAND_IN = """#!/bin/sh
[ -n "$TRINO_ANSWER" ] || exit 7
for arg in "$@"; do case "$arg" in http*) url="$arg"; echo "$arg" >> "$ASKED" ;; esac; done
case "$url" in
  */v1/statement) printf '%s' '{"nextUri":"http://localhost:8080/v1/statement/queued/q/1"}' ;;
  *) printf '%s' "$TRINO_ANSWER" ;;
esac
"""
FINISHED = '{"id":"q","data":[[5]],"stats":{"state":"FINISHED"}}'
NO_NODES = (
    '{"id":"q","error":{"message":"No nodes available to run query"},"stats":{"state":"FAILED"}}'
)


def _run_trino_health_check(tmp_path: Path, answer: str) -> tuple[int, list[str]]:
    """Run the trino service's health check as its container would, with a stand-in curl that
    answers `answer`; returns its exit code and the URLs it asked. The image's own script is run
    as its logic on the mounted config (its curl could not even be given that URL)."""
    test = _service("trino")["healthcheck"]["test"]
    mounted = mounted_files("trino")
    if IMAGE_HEALTH_CHECK in test:
        config = mounted["/etc/trino/config.properties"]
        done = subprocess.run(
            ["bash", "-c", IMAGE_HEALTH_CHECK_URL, "health-check", str(config)],
            capture_output=True,
            text=True,
            check=True,
        )
        return -1, [done.stdout]
    # Files of the container are the ones mounted from this repository.
    command = [str(mounted.get(word, word)) for word in test[1:]]
    if test[0] == "CMD-SHELL":
        command = ["sh", "-c", interpolate(test[1])]
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    (bin_dir / "curl").write_text(CURL_STAND_IN)
    (bin_dir / "curl").chmod(0o755)
    asked = tmp_path / "asked"
    asked.unlink(missing_ok=True)
    env = {
        **container_env("trino"),
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "ASKED": str(asked),
        "TRINO_ANSWER": answer,
    }
    done = subprocess.run(command, env=env, capture_output=True, check=False)
    return done.returncode, asked.read_text().split() if asked.exists() else []


def test_trino_health_check_asks_the_port_trino_serves(tmp_path):
    # Trino serves on config.properties' port, after its ${ENV:X} substitution.
    config = _properties(mounted_files("trino")["/etc/trino/config.properties"])
    env = container_env("trino")
    serves = TRINO_ENV_REF.sub(lambda m: env[m.group("name")], config["http-server.http.port"])
    published = {port.rsplit(":", 1)[1] for port in _service("trino")["ports"]}
    assert published == {serves}, f"trino listens on {serves}, compose publishes {published}"
    code, urls = _run_trino_health_check(tmp_path, FINISHED)
    assert urls and urls[0].startswith(f"http://localhost:{serves}/"), (
        f"Trino's health check asks {urls[:1]} but Trino serves on port {serves}: it never "
        "becomes healthy, and jupyter waits for it"
    )
    assert code == 0, "the health check fails on a Trino that runs queries"
    code, _ = _run_trino_health_check(tmp_path, NO_NODES)
    assert code != 0, "the health check passes while Trino cannot run a query"
    code, _ = _run_trino_health_check(tmp_path, "")
    assert code != 0, "the health check passes when Trino does not answer"


def test_trino_health_check_queries_a_mounted_catalog():
    script = mounted_files("trino")["/opt/lakehouse/health-check.sh"].read_text()
    catalog = re.search(r"FROM (\w+)\.", script).group(1)
    assert f"/etc/trino/catalog/{catalog}.properties" in mounted_files("trino")


@pytest.mark.parametrize("name", SERVICES)
def test_depends_on_waits_for_health_or_completion(name):
    depends = _service(name).get("depends_on") or {}
    assert isinstance(depends, dict), f"{name}: depends_on must use the long form with conditions"
    for dep, spec in depends.items():
        assert dep in SERVICES, f"{name}: depends on unknown service {dep}"
        want = "service_completed_successfully" if dep in ONE_SHOT else "service_healthy"
        assert spec.get("condition") == want, f"{name} -> {dep}: condition must be {want}"


def test_start_order():
    def deps(name):
        return set(_service(name).get("depends_on") or {})

    assert deps("minio-init") == {"minio"}
    assert {"postgres", "minio-init"} <= deps("hive-metastore")
    assert "hive-metastore" in deps("spark") and "hive-metastore" in deps("trino")
    assert {"spark", "trino"} <= deps("jupyter")


@pytest.mark.parametrize("name", SERVICES)
def test_memory_is_limited(name):
    service = _service(name)
    limit = service.get("mem_limit") or (
        service.get("deploy", {}).get("resources", {}).get("limits", {}).get("memory")
    )
    assert limit, f"{name}: set mem_limit (docs/docker.md lists the figures)"


# --------------------------------------------------------------------------- memory

DOCS = ROOT / "docs" / "docker.md"
README = ROOT / "README.md"


def _mib(limit: str) -> int:
    """A compose memory size (512m, 3g, 2560m) in MiB."""
    number, unit = re.fullmatch(r"(\d+)([mg])", str(limit).lower()).groups()
    return int(number) * (1024 if unit == "g" else 1)


def memory_limits() -> dict[str, int]:
    """Each service's mem_limit in MiB: the one source of the memory figures."""
    return {name: _mib(spec["mem_limit"]) for name, spec in _compose()["services"].items()}


def memory_label(mib: int) -> str:
    return f"{mib / 1024:g} GiB" if mib >= 1024 and mib % 512 == 0 else f"{mib:,} MiB"


def memory_total() -> str:
    """The sentence every document quotes: the long-running services' limits together."""
    total = sum(mib for name, mib in memory_limits().items() if name not in ONE_SHOT)
    return f"limits add up to {total:,} MiB ({total / 1024:.2f} GiB)"


@pytest.mark.parametrize("path", [COMPOSE_FILE, DOCS, README], ids=lambda p: p.name)
def test_memory_total_is_quoted_from_the_compose_file(path):
    text = " ".join(path.read_text().replace("#", " ").split())
    assert memory_total() in text, f"{path.name} does not say the {memory_total()}"
    totals = set(re.findall(r"add up to (?:about )?([\d.,]+ ?[A-Za-z]+)", text))
    assert len(totals) == 1, f"{path.name} gives other totals: {totals}"


def test_docs_give_each_service_its_memory_limit():
    rows = {
        m["name"]: m["limit"].strip()
        for m in re.finditer(
            r"^\| `(?P<name>[\w-]+)` \|.*\|(?P<limit>[^|]+)\|$", DOCS.read_text(), re.M
        )
        if m["name"] in SERVICES
    }
    want = {name: memory_label(mib) for name, mib in memory_limits().items()}
    assert rows == want


def test_docs_give_the_password_fix_the_metastore_prints():
    script = (DOCKER_DIR / "hive" / "start-metastore.sh").read_text()
    printed = [
        line.strip() for line in script.splitlines() if "docker compose exec postgres" in line
    ]
    assert len(printed) == 1, "start-metastore.sh prints one fix for a refused password"
    command = printed[0].replace("\\$", "$")  # as the heredoc prints it
    assert "ALTER USER" in command and command in DOCS.read_text()


def test_jvm_heaps_fit_their_memory_limits():
    limits = memory_limits()
    jvm = (DOCKER_DIR / "trino" / "jvm.config").read_text()
    trino_heap = _mib(re.search(r"^-Xmx(\d+[MG])$", jvm, re.M).group(1))
    spark_heap = _mib(container_env("spark")["SPARK_DRIVER_MEMORY"])
    metastore_heap = 1024  # apache/hive:4.0.0's entrypoint starts the metastore with -Xmx1G
    for name, heap in (
        ("trino", trino_heap),
        ("spark", spark_heap),
        ("hive-metastore", metastore_heap),
    ):
        assert heap + 256 <= limits[name], (
            f"{name}: heap {heap} MiB leaves no room in {limits[name]} MiB"
        )


@pytest.mark.parametrize("name", LONG_RUNNING)
def test_long_running_services_restart(name):
    assert _service(name).get("restart") in {"unless-stopped", "always", "on-failure"}


def test_volumes_are_named_and_declared():
    compose = _compose()
    declared = set(compose.get("volumes") or {})
    used = set()
    for name, service in compose["services"].items():
        for volume in service.get("volumes") or []:
            source = volume.split(":", 1)[0] if isinstance(volume, str) else volume.get("source")
            if source.startswith((".", "/")):
                assert (ROOT / source).exists(), f"{name}: bind source {source} missing"
            else:
                used.add(source)
    assert used, "no named volume: MinIO and Postgres data must survive `down`"
    assert used <= declared, f"undeclared named volumes: {used - declared}"
    assert {"minio-data", "postgres-data"} <= declared


def test_credentials_come_from_env_with_defaults():
    example = ENV_EXAMPLE.read_text()
    example_vars = set(re.findall(r"^([A-Z0-9_]+)=", example, re.MULTILINE))
    text = COMPOSE_FILE.read_text()
    for match in DEFAULTED_VAR.finditer(text):
        assert match.group("name") in example_vars, (
            f"${{{match.group('name')}}} is not documented in docker/.env.example"
        )
    for name, service in _compose()["services"].items():
        for key, value in _env(service).items():
            if SECRET_NAME.search(key):
                assert DEFAULTED_VAR.fullmatch(value) or value.startswith("${"), (
                    f"{name}: {key} must come from ${{VAR:-default}}, not a literal"
                )


def test_minio_init_creates_the_bucket():
    service = _service("minio-init")
    script = " ".join(service.get("command") or [])
    assert "mc mb" in script and "LAKEHOUSE_BUCKET" in script
    assert "--ignore-existing" in script, "re-running the stack must not fail on the bucket"
    assert _env(service)["LAKEHOUSE_BUCKET"] == "${LAKEHOUSE_BUCKET:-lakehouse}"
    assert "9001" in " ".join(_service("minio")["command"]), "MinIO console on 9001"


# The files each container takes its settings from, as this repository holds them.
CONTAINER_SETTINGS = {
    "trino": lambda: sorted(mounted_files("trino").values()),
    "hive-metastore": lambda: [
        *sorted((DOCKER_DIR / "hive" / "conf").glob("*.xml")),
        DOCKER_DIR / "hive" / "start-metastore.sh",
    ],
    "spark": lambda: [
        DOCKER_DIR / "spark" / "spark-defaults.conf",
        DOCKER_DIR / "spark" / "start-connect.sh",
    ],
}


def _env_references(path: Path) -> list[tuple[str, bool]]:
    """(variable, has a default) for every environment variable a config file reads."""
    if path.suffix == ".xml":
        values = [p.findtext("value") or "" for p in ET.parse(path).getroot().iter("property")]
        return [(m["name"], bool(m["default"])) for v in values for m in HADOOP_ENV_REF.finditer(v)]
    lines = [line for line in path.read_text().splitlines() if not line.lstrip().startswith("#")]
    body = "\n".join(lines)
    found = [(m["name"], False) for m in TRINO_ENV_REF.finditer(body)]
    if path.suffix == ".sh":
        found += [(m["name"], False) for m in SHELL_REQUIRED_REF.finditer(body)]
    return found


def _image_env(name: str) -> set[str]:
    """Variables a built image sets itself (Dockerfile ENV)."""
    build = _service(name).get("build")
    if not build:
        return set()
    dockerfile = ROOT / build["context"] / build.get("dockerfile", "Dockerfile")
    lines = [line for line in _dockerfile_lines(dockerfile) if line.startswith("ENV ")]
    return {m for line in lines for m in re.findall(r"(\w+)=", line)}


@pytest.mark.parametrize("name", sorted(CONTAINER_SETTINGS))
def test_every_setting_a_container_reads_is_set(name):
    env = set(container_env(name)) | _image_env(name)
    unset = {
        f"{path.relative_to(ROOT)}: {var}"
        for path in CONTAINER_SETTINGS[name]()
        for var, has_default in _env_references(path)
        if not has_default and var not in env
    }
    assert not unset, f"{name}: compose sets none of these and they have no default: {unset}"
    assert any(_env_references(p) for p in CONTAINER_SETTINGS[name]()), "nothing read?"


def _run_start_metastore(
    tmp_path: Path, env: dict[str, str]
) -> tuple[subprocess.CompletedProcess, bool]:
    """start-metastore.sh with a stand-in schematool that only notes it was asked; returns
    the run and whether the script went on to ask it."""
    home = tmp_path / "hive"
    (home / "bin").mkdir(parents=True, exist_ok=True)
    (home / "conf").mkdir(exist_ok=True)
    asked = tmp_path / "schematool-asked"
    asked.unlink(missing_ok=True)
    (home / "bin" / "schematool").write_text(f"#!/bin/sh\ntouch {asked}\n")
    (home / "bin" / "schematool").chmod(0o755)
    env = {
        "PATH": "/usr/bin:/bin",
        "HIVE_HOME": str(home),
        "HIVE_CUSTOM_CONF_DIR": str(DOCKER_DIR / "hive" / "conf"),
        "HIVE_ENTRYPOINT": "true",
        **env,
    }
    script = DOCKER_DIR / "hive" / "start-metastore.sh"
    done = subprocess.run(["bash", str(script)], env=env, capture_output=True, text=True)
    return done, asked.exists()


def test_start_metastore_names_each_setting_compose_did_not_set(tmp_path):
    env = container_env("hive-metastore")
    done, asked = _run_start_metastore(tmp_path, env)
    assert done.returncode == 0 and asked, done.stderr
    # SERVICE_OPTS holds JVM options only: the connection comes from METASTORE_DB_*.
    done, asked = _run_start_metastore(
        tmp_path, {k: v for k, v in env.items() if k != "SERVICE_OPTS"}
    )
    assert done.returncode == 0 and asked, done.stderr
    # Without its config files the metastore would use an embedded Derby database.
    done, asked = _run_start_metastore(tmp_path, {**env, "HIVE_CUSTOM_CONF_DIR": str(tmp_path)})
    assert done.returncode == 1 and not asked and "HIVE_CUSTOM_CONF_DIR" in done.stderr
    for name in ("METASTORE_DB_PASSWORD", "S3_ENDPOINT", "LAKEHOUSE_BUCKET"):
        done, asked = _run_start_metastore(tmp_path, {k: v for k, v in env.items() if k != name})
        assert done.returncode == 1 and not asked, f"starts without {name}"
        assert name in done.stderr and "docker-compose.yml" in done.stderr, done.stderr


def test_metastore_environment():
    env = _env(_service("hive-metastore"))
    assert env["SERVICE_NAME"] == "metastore"
    assert env["DB_DRIVER"] == "postgres"
    assert env["METASTORE_DB_URL"] == "jdbc:postgresql://postgres:5432/metastore"
    assert "METASTORE_DB_PASSWORD" in env
    # No password on a command line (it would show in `ps`): metastore-site.xml reads the env.
    assert "Password" not in env["SERVICE_OPTS"]
    site = (DOCKER_DIR / "hive" / "conf" / "metastore-site.xml").read_text()
    for key, var in (
        ("URL", "METASTORE_DB_URL"),
        ("UserName", "METASTORE_DB_USER"),
        ("Password", "METASTORE_DB_PASSWORD"),
    ):
        assert re.search(
            rf"javax.jdo.option.Connection{key}</name>\s*<value>\$\{{env.{var}\}}", site
        ), key
    assert "9083" in str(_service("hive-metastore")["healthcheck"]["test"])


def test_jupyter_environment():
    env = _env(_service("jupyter"))
    for key, value in JUPYTER_ENV.items():
        assert key in env, f"jupyter: {key} missing"
        if value is not None:
            assert env[key] == value, f"jupyter: {key}={env[key]!r}, want {value!r}"
    assert env["JUPYTER_TOKEN"].startswith("${JUPYTER_TOKEN:?"), "no well-known default token"
    dockerfile = (DOCKER_DIR / "jupyter" / "Dockerfile").read_text()
    assert '"--ServerApp.allow_remote_access=False"' in dockerfile, "the Host check stays on"
    assert any(v.endswith(":/workspace") for v in _service("jupyter")["volumes"])


# --------------------------------------------------------------------------- versions


@pytest.mark.parametrize("relpath", sorted(DOCKERFILE_ARGS))
def test_dockerfile_args_match_version_matrix(relpath):
    found = _arg_defaults(DOCKER_DIR / relpath)
    for arg, want in DOCKERFILE_ARGS[relpath].items():
        assert arg in found, f"{relpath}: ARG {arg} missing"
        assert set(found[arg]) == {want}, f"{relpath}: ARG {arg}={found[arg]}, versions.py: {want}"


def test_hive_is_4_0_0():
    # 4.0.1+ breaks Spark's Hive client: "Invalid method name: 'get_table'".
    assert STACK["hive"] == "4.0.0"
    assert _from_images(DOCKER_DIR / "hive" / "Dockerfile")[-1] == "apache/hive:4.0.0"


def _pom_dependencies(path: Path) -> dict[str, str]:
    """groupId:artifactId -> version of a pom's dependencies, its ${properties} resolved."""
    root = ET.parse(path).getroot()
    props = {el.tag.split("}")[1]: el.text for el in root.find("m:properties", POM)}
    found = {}
    for dep in root.findall("m:dependencies/m:dependency", POM):
        group, artifact, version = (
            dep.findtext(f"m:{k}", namespaces=POM) for k in ("groupId", "artifactId", "version")
        )
        found[f"{group}:{artifact}"] = re.sub(
            r"\$\{([^}]+)\}", lambda m: props[m.group(1)], version
        )
    return found


def test_spark_pom_matches_version_matrix():
    assert delta_spark_artifact() == "delta-spark_4.2_2.13"
    assert _pom_dependencies(SPARK_POM) == {
        f"io.delta:{delta_spark_artifact()}": STACK["delta"],
        "org.apache.hadoop:hadoop-aws": STACK["hadoop_aws"],
        "software.amazon.awssdk:bundle": STACK["aws_sdk_v2"],
        "software.amazon.s3.analyticsaccelerator:analyticsaccelerator-s3": STACK[
            "analyticsaccelerator_s3"
        ],
    }


def test_hive_pom_matches_version_matrix():
    deps = _pom_dependencies(HIVE_POM)
    assert deps["org.apache.hive:hive-standalone-metastore-server"] == STACK["hive"]
    for hadoop in ("hadoop-common", "hadoop-aws", "hadoop-hdfs-client"):
        assert deps[f"org.apache.hadoop:{hadoop}"] == STACK["hive_hadoop"], hadoop
    assert deps["com.amazonaws:aws-java-sdk-s3"] == STACK["hive_aws_sdk_v1"]
    assert deps["org.postgresql:postgresql"] == STACK["postgres_jdbc"]


def test_spark_hadoop_pins_agree():
    # Spark 4.2 carries hadoop-client-api 3.5.0; hadoop-aws must be the same release.
    assert (STACK["spark"], STACK["hadoop_aws"]) == ("4.2.0", "3.5.0")
    assert STACK["pyspark_client"] == STACK["spark"]


def test_kit_pins_the_same_pyspark_client():
    pyproject = ROOT / "pyproject.toml"
    if not pyproject.exists():
        pytest.skip("no pyproject.toml yet")
    if tomllib is None:
        pytest.skip("tomllib needs Python 3.11+")
    data = tomllib.loads(pyproject.read_text())
    deps = list(data["project"].get("dependencies", []))
    for extra in data["project"].get("optional-dependencies", {}).values():
        deps += extra
    pins = [d for d in deps if re.match(r"pyspark-client\s*==", d)]
    assert pins, "pyproject.toml does not pin pyspark-client"
    for pin in pins:
        assert pin.split("==", 1)[1].split(";")[0].strip() == STACK["pyspark_client"]


# --------------------------------------------------------------------------- configs


@pytest.mark.parametrize("filename", sorted(TRINO_CATALOGS))
def test_trino_catalog_properties(filename):
    connector = TRINO_CATALOGS[filename]
    props = _properties(DOCKER_DIR / "trino" / "catalog" / filename)
    assert props.get("connector.name") == connector
    legacy = [k for k in props if k.startswith("hive.s3.")]
    assert not legacy, f"{filename}: legacy hive.s3.* properties were removed: {legacy}"
    assert "fs.s3.enabled" not in props, (
        "Trino 476 knows only fs.native-s3.enabled (481 renamed it)"
    )
    unknown = set(props) - TRINO_ALLOWED[connector]
    assert not unknown, f"{filename}: not a Trino {STACK['trino']} property: {sorted(unknown)}"
    missing = TRINO_REQUIRED[connector] - set(props)
    assert not missing, f"{filename}: missing {sorted(missing)}"
    # The same file serves the native stack: the metastore's address comes from the environment.
    assert props["hive.metastore.uri"] == "${ENV:HIVE_METASTORE_URI}"
    assert _env(_service("trino"))["HIVE_METASTORE_URI"] == "thrift://hive-metastore:9083"
    assert props["fs.native-s3.enabled"] == "true" and props["s3.path-style-access"] == "true"
    for key in ("s3.aws-access-key", "s3.aws-secret-key"):
        assert props[key].startswith("${ENV:"), f"{filename}: {key} must come from the env"


def test_trino_mounts_both_catalogs():
    mounts = " ".join(_service("trino")["volumes"])
    for filename in TRINO_CATALOGS:
        assert f"/etc/trino/catalog/{filename}" in mounts


def test_spark_defaults_leave_the_lakehouse_configuration_to_lesson_1():
    """The shared file holds tuning only: what makes Spark a lakehouse engine (S3A's address,
    style and keys, Delta, the metastore) is lesson 1's exercise on the native stack, and the
    course's answer in the image's start script, equal to lakehouse_kit/engine.py's."""
    from lakehouse_kit.engine import COURSE_CONF

    conf = _spark_defaults()
    assert not set(COURSE_CONF) & set(conf), set(COURSE_CONF) & set(conf)
    assert conf["spark.connect.grpc.binding.port"] == "15002"
    assert not any("secret.key" in k or "access.key" in k for k in conf), "no keys on disk"
    start = (DOCKER_DIR / "spark" / "start-connect.sh").read_text()
    assert "org.apache.spark.sql.connect.service.SparkConnectServer" in start
    assert "exec " in start, "the server must run in the foreground"
    block = start.split("<<PROPERTIES_END", 1)[1].split("\nPROPERTIES_END", 1)[0]
    written = dict(
        line.split(" ", 1) for line in block.splitlines() if line and not line.startswith("#")
    )
    assert written["spark.sql.warehouse.dir"] == "s3a://${LAKEHOUSE_BUCKET}/warehouse"
    placeholders = {
        "{s3_endpoint}": "${S3_ENDPOINT}",
        "{s3_access_key}": "${AWS_ACCESS_KEY_ID}",
        "{s3_secret_key}": "${AWS_SECRET_ACCESS_KEY}",
        "{metastore_uri}": "${HIVE_METASTORE_URI:-thrift://hive-metastore:9083}",
    }
    for key, value in COURSE_CONF.items():
        assert written.get(key) == placeholders.get(value, value), key
    command = start.split("exec ", 1)[1]
    assert "--conf" not in command and "--properties-file" in command, "no setting on ps"


@pytest.mark.parametrize("relpath", ["hive/conf/core-site.xml", "hive/conf/metastore-site.xml"])
def test_hadoop_xml_parses(relpath):
    root = ET.parse(DOCKER_DIR / relpath).getroot()
    props = {p.findtext("name"): p.findtext("value") for p in root.iter("property")}
    assert props, relpath
    if relpath.endswith("core-site.xml"):
        assert props["fs.s3a.path.style.access"] == "true"
        assert props["fs.s3a.endpoint"] == "${env.S3_ENDPOINT}"
        assert props["fs.s3a.access.key"].startswith("${env.")


@pytest.mark.parametrize("relpath", ["hive/start-metastore.sh", "spark/start-connect.sh"])
def test_shell_scripts_parse(relpath):
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("no bash")
    result = subprocess.run(
        [bash, "-n", str(DOCKER_DIR / relpath)], check=False, capture_output=True
    )
    assert result.returncode == 0, result.stderr.decode()


# --------------------------------------------------------------------------- Spark's jars


def _image_jar_steps() -> dict[str, list[str]]:
    """The Spark image's jar steps: its Maven command, its select_jars.py command, the COPY of
    their result into the server stage, and the start script's class path."""
    lines = _dockerfile_lines(SPARK_DOCKERFILE)
    runs = [line for line in lines if line.startswith("RUN ") and re.search(r"\bmvn\b", line)]
    assert runs, "docker/spark/Dockerfile does not resolve its jars with Maven from pom.xml"
    steps = [shlex.split(part) for part in runs[0].removeprefix("RUN ").split("&&")]
    copy = [line.split()[1:] for line in lines if line.startswith("COPY --from=jars ")]
    return {
        "mvn": next(step for step in steps if step[0] == "mvn"),
        "select": next(step for step in steps if any("select_jars.py" in a for a in step)),
        "copy": copy[0][1:] if copy else [],
    }


def _maven_goal(command: list[str]) -> tuple[list[str], str, str]:
    """What a Maven command resolves: goals and options (not where files go), pom, output."""
    options = dict(arg[2:].split("=", 1) for arg in command if arg.startswith("-D"))
    pom = command[command.index("-f") + 1]
    goal = [
        arg
        for arg in command[1:]
        if not arg.startswith(("-B", "-q", "-C", "-Dmaven.repo.local", "-DoutputDirectory"))
        and arg not in ("-f", pom)
    ]
    return goal, pom, options["outputDirectory"]


def _native_jar_steps(parts, monkeypatch) -> list[list[str]]:
    """The commands `lakehouse install` runs to make the native stack's Spark jars in `parts`
    (recorded, not run)."""
    from lakehouse_kit import install

    ran: list[list[str]] = []
    monkeypatch.setattr(install, "_run", lambda command, *args, **kwargs: ran.append(command))
    monkeypatch.setattr(install, "_mark", lambda folder, **facts: None)
    monkeypatch.setattr(install.shutil, "which", lambda name: name)
    install._spark_jars(parts, parts.root / "install.log")
    return ran


def test_spark_image_resolves_its_jars_as_the_native_install(tmp_path, monkeypatch):
    from lakehouse_kit.parts import StackParts

    parts = StackParts(tmp_path)
    image = _image_jar_steps()
    native_mvn, native_select = _native_jar_steps(parts, monkeypatch)
    goal, pom, out = _maven_goal(image["mvn"])
    native_goal, native_pom, native_out = _maven_goal(native_mvn)
    assert goal == native_goal, "the image's Maven goal differs from `lakehouse install`'s"
    assert Path(native_pom) == SPARK_POM and pom == "pom.xml"
    assert re.search(r"^COPY pom\.xml\b", SPARK_DOCKERFILE.read_text(), re.M), "COPY pom.xml"
    # The same filter, on Maven's output, against the jars of the same pyspark.
    assert Path(native_select[1]) == DOCKER_DIR / "spark" / "select_jars.py"
    assert native_select[2:] == [native_out, str(parts.spark_home / "jars")]
    assert image["select"][:2] == ["python", "select_jars.py"]
    assert image["select"][2:] == [out, "${SPARK_HOME}/jars"]
    assert re.search(
        r'pip install "pyspark\[connect\]==\$\{SPARK_VERSION\}"', SPARK_DOCKERFILE.read_text()
    )
    # And on the class path, as stack.py puts the native ones.
    assert image["copy"] and image["copy"][0].rstrip("/") == out
    start = (DOCKER_DIR / "spark" / "start-connect.sh").read_text()
    target = image["copy"][1].rstrip("/")
    assert f'LAKEHOUSE_JARS="${{LAKEHOUSE_JARS:-{target}}}"' in start
    assert '--driver-class-path "${LAKEHOUSE_JARS}/*"' in start


def test_select_jars_keeps_what_spark_does_not_ship():
    module = select_jars()
    shipped = [
        "jackson-databind-2.21.2.jar",
        "hadoop-client-api-3.5.0.jar",
        "scala-library-2.13.17.jar",
    ]
    resolved = [
        "delta-spark_4.2_2.13-4.4.0.jar",
        "jackson-databind-2.13.5.jar",  # another version of a jar Spark ships: Spark's wins
        "scala-library-2.13.16.jar",
        "hadoop-aws-3.5.0.jar",
        "wildfly-openssl-2.2.5.Final.jar",
    ]
    kept = module.planned(resolved, shipped)
    assert kept == [
        "delta-spark_4.2_2.13-4.4.0.jar",
        "hadoop-aws-3.5.0.jar",
        "wildfly-openssl-2.2.5.Final.jar",
    ]
    assert module.hadoop_mismatch(kept, shipped) == ""
    assert "3.4.1" in module.hadoop_mismatch(["hadoop-aws-3.4.1.jar"], shipped)


def test_select_jars_deletes_the_dropped_jars(tmp_path):
    resolved, spark = tmp_path / "resolved", tmp_path / "spark"
    for folder, names in (
        (resolved, ["delta-storage-4.4.0.jar", "jackson-core-2.13.5.jar", "hadoop-aws-3.5.0.jar"]),
        (spark, ["jackson-core-2.21.2.jar", "hadoop-client-api-3.5.0.jar"]),
    ):
        folder.mkdir()
        for name in names:
            (folder / name).write_bytes(b"")
    script = DOCKER_DIR / "spark" / "select_jars.py"
    done = subprocess.run(
        [sys.executable, str(script), str(resolved), str(spark)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in resolved.iterdir()) == [
        "delta-storage-4.4.0.jar",
        "hadoop-aws-3.5.0.jar",
    ]
    (resolved / "hadoop-aws-3.5.0.jar").rename(resolved / "hadoop-aws-3.4.1.jar")
    done = subprocess.run(
        [sys.executable, str(script), str(resolved), str(spark)], capture_output=True, text=True
    )
    assert done.returncode == 1 and "hadoop-aws 3.4.1" in done.stderr


# --------------------------------------------------------------------------- SQL lesson


def _triple_quoted_sql(source: str) -> list[tuple[int, str]]:
    found = []
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type != tokenize.STRING:
            continue
        prefix = re.match(r"^[A-Za-z]*", tok.string).group(0)
        body = tok.string[len(prefix) :]
        if not body.startswith(('"""', "'''")):
            continue
        if "f" in prefix.lower():
            # f-string: replace each {expression} by a plain identifier.
            inner = body[3:-3].replace("{{", "\0").replace("}}", "\1")
            inner = re.sub(r"\{[^{}]*\}", "placeholder", inner)
            text = inner.replace("\0", "{").replace("\1", "}")
        else:
            text = ast.literal_eval(prefix.replace("f", "").replace("F", "") + body)
        if isinstance(text, str) and re.match(r"\s*(SELECT|WITH)\b", text, re.IGNORECASE):
            found.append((tok.start[0], text))
    return found


def test_sql_lesson_parses_in_trino_dialect():
    if not SQL_LESSON.exists():
        pytest.skip(f"{SQL_LESSON.relative_to(ROOT)} does not exist yet")
    sqlglot = pytest.importorskip("sqlglot")
    queries = _triple_quoted_sql(SQL_LESSON.read_text())
    failures = []
    for line, sql in queries:
        try:
            sqlglot.parse_one(sql, read="trino")
        except Exception as exc:  # noqa: BLE001 - report every failing query at once
            failures.append(f"line {line}: {exc}")
    assert not failures, "queries that Trino's dialect does not parse:\n" + "\n".join(failures)
