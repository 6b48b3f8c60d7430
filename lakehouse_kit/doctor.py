"""`lakehouse doctor`: check every part of the stack in order and name the fix for each failure.

The settings first (a value that is not valid: its variable and a valid example), then what
the profile needs installed (`lakehouse install --profile X`), then whether this home's
servers run (`lakehouse up`), and only then the round trips: a home whose servers are stopped
is not probed on its default ports, where another home's servers may answer.
"""

from __future__ import annotations

import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from lakehouse_kit import services
from lakehouse_kit.errors import KitError, first_line
from lakehouse_kit.settings import LOCAL_PORTS, Settings, load_settings


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""


def _python(settings: Settings) -> Check:
    ok = sys.version_info >= (3, 10)
    return Check("python", ok, sys.version.split()[0], "Use Python 3.10 to 3.13.")


def _settings(overrides: dict[str, str]) -> tuple[Settings | None, Check]:
    """The settings, or the one that is not valid with its fix (the variable, an example)."""
    try:
        settings = load_settings(**overrides)
    except KitError as error:
        return None, Check("settings", False, error.message, error.fix)
    return settings, Check("settings", True, f"profile {settings.profile}, home {settings.home}")


def _install(settings: Settings) -> Check:
    """What this profile's servers need on this machine: the kit's own programs on `local`;
    Java, PostgreSQL and the parts `lakehouse install` fetches on `stack`."""
    from lakehouse_kit import install

    if settings.profile != "stack":
        programs = [services.executable(name) for name in ("weed", "sail")]
        return Check("install", True, ", ".join(programs))
    missing = [step.name for step in install.missing_steps(settings)]
    if missing:
        return Check(
            "install",
            False,
            f"not installed yet: {'; '.join(missing)}",
            f"Run `lakehouse install --profile {settings.profile}` (once; it needs the network).",
        )
    reason = install.system_unavailable(settings)  # Java or PostgreSQL, with its fix
    detail = "Java or PostgreSQL is missing" if reason else f"in {settings.cache_dir}"
    return Check("install", not reason, detail, reason)


def _ports(settings: Settings) -> Check:
    ours = {s.port for s in services.service_status(settings) if s.running}
    taken = [
        p
        for p in LOCAL_PORTS[settings.profile].values()
        if p not in ours and not services.port_is_free(p)
    ]
    detail = f"ports {taken} are used by other programs" if taken else "default ports available"
    # Not fatal: the kit moves to a free port and says which.
    return Check("ports", True, detail + ("; the kit will pick free ones" if taken else ""))


def _services(settings: Settings) -> list[Check]:
    return [
        Check(
            f"service {s.name}",
            s.running,
            f"pid {s.pid}, port {s.port}" if s.running else "stopped",
            "Run `lakehouse up` (logs: " + s.log + ")",
        )
        for s in services.service_status(settings)
    ]


def _s3_round_trip(settings: Settings) -> Check:
    from lakehouse_kit.storage import ensure_bucket, s3_client, s3_errors

    key = f"_doctor/{uuid.uuid4().hex}.txt"
    client = s3_client(settings)
    ensure_bucket(settings)
    with s3_errors(settings):
        client.put_object(Bucket=settings.bucket, Key=key, Body=b"ping")
        body = client.get_object(Bucket=settings.bucket, Key=key)["Body"].read()
        client.delete_object(Bucket=settings.bucket, Key=key)
    return Check(
        "S3 round trip",
        body == b"ping",
        f"put/get/delete on {settings.s3_endpoint}",
        "The S3 server stored something else than it was given: see its log.",
    )


def _spark_round_trip(settings: Settings) -> Check:
    from lakehouse_kit.spark import connect

    start = time.perf_counter()
    total = connect(settings, register=False).range(100).selectExpr("sum(id) AS s").collect()[0].s
    seconds = time.perf_counter() - start
    return Check(
        "Spark round trip",
        total == 4950,
        f"sum over 100 rows in {seconds:.2f} s",
        "The engine answered wrongly: restart it with `lakehouse down && lakehouse up`.",
    )


def _sql_round_trip(settings: Settings) -> Check:
    import pandas as pd

    from lakehouse_kit.sql import sql_engine

    value = pd.read_sql("SELECT 41 + 1 AS answer", sql_engine(settings)).iloc[0, 0]
    return Check(
        "SQL round trip",
        value == 42,
        f"{settings.sql_url} answered {value}",
        "Check LAKEHOUSE_SQL_URL.",
    )


def _s3a_round_trip(settings: Settings) -> Check:
    """The JVM engine writes and reads the bucket through S3A with the server's own settings."""
    from lakehouse_kit.spark import s3a_round_trip
    from lakehouse_kit.storage import delete_prefix

    key = f"_doctor/{uuid.uuid4().hex}"
    error = s3a_round_trip({}, settings, key)
    delete_prefix(key + "/", settings)
    return Check(
        "S3A round trip",
        not error,
        error or f"Spark wrote and read s3a://{settings.bucket}/_doctor/…",
        "Check the spark.hadoop.fs.s3a.* settings of the Spark server (see its log).",
    )


def _metastore(settings: Settings) -> Check:
    from lakehouse_kit.spark import connect

    spark = connect(settings, register=False)
    schemas = sorted(row[0] for row in spark.sql("SHOW DATABASES").collect())
    return Check(
        "metastore",
        "default" in schemas,
        f"Spark lists {len(schemas)} schemas: {', '.join(schemas)}",
        "Start the metastore (`lakehouse up`); its log is in the run folder.",
    )


def _trino_query(settings: Settings) -> Check:
    import pandas as pd

    from lakehouse_kit.sql import sql_engine

    catalogs = set(pd.read_sql("SHOW CATALOGS", sql_engine(settings))["Catalog"])
    ok = {"delta", "hive"} <= catalogs
    return Check(
        "Trino query",
        ok,
        f"{settings.sql_url} has catalogs {', '.join(sorted(catalogs))}",
        "Trino needs the delta and hive catalogs: check docker/trino/catalog/.",
    )


def _guarded(name: str, func: Callable[[Settings], Check], settings: Settings) -> Check:
    try:
        return func(settings)
    except Exception as error:  # doctor reports every failure instead of stopping at one
        fix = getattr(error, "fix", "") or (
            "Run `lakehouse up`, then `lakehouse doctor` again."
            if settings.kit_managed
            else f"Check that the {settings.profile} profile's servers run and answer "
            "(docker: docker compose up -d), then `lakehouse doctor` again."
        )
        message = getattr(error, "message", None) or f"{type(error).__name__}: {error}"
        return Check(name, False, first_line(message, limit=200), fix)


def diagnose(**overrides: str) -> Iterator[Check]:
    """Every check of `lakehouse doctor`, the settings first: with a setting that is not
    valid, nothing else can be tried."""
    settings, check = _settings(overrides)
    yield check
    if settings is not None:
        yield from run_checks(settings)


def run_checks(settings: Settings) -> Iterator[Check]:
    yield _python(settings)
    if settings.kit_managed:
        installed = _guarded("install", _install, settings)
        yield installed
        if not installed.ok:
            return
        yield _ports(settings)
        running = list(_services(settings))
        yield from running
        if not all(check.ok for check in running):
            return  # the default ports may answer for another home: a round trip proves nothing
    yield _guarded("S3 round trip", _s3_round_trip, settings)
    yield _guarded("Spark round trip", _spark_round_trip, settings)
    if settings.is_local:
        yield _guarded("SQL round trip", _sql_round_trip, settings)
        return
    # A JVM engine with a metastore and Trino: the stack, docker or a remote cluster.
    yield _guarded("S3A round trip", _s3a_round_trip, settings)
    yield _guarded("metastore", _metastore, settings)
    if settings.sql_url.startswith("trino"):
        yield _guarded("Trino query", _trino_query, settings)
    else:
        yield _guarded("SQL round trip", _sql_round_trip, settings)
