"""The Spark session for the active profile: a Spark Connect client, never a JVM in the kernel."""

from __future__ import annotations

import contextlib
import os
import sys
import threading

from lakehouse_kit import catalog, runtime
from lakehouse_kit.errors import ServiceError, first_line
from lakehouse_kit.settings import Settings, load_settings
from lakehouse_kit.storage import ensure_bucket
from lakehouse_kit.supervisor import port_answers


def get_spark(settings: Settings | None = None, register: bool = True):
    """The notebook's way in: start the profile's local services if any is down (a fresh
    machine, a `lakehouse down`), then `connect`. Only notebooks, the course runner and the
    CLI start servers; code inside the kit calls `connect`, which starts nothing."""
    from lakehouse_kit.services import ensure_services

    return connect(ensure_services(settings or load_settings()), register)


def connect(settings: Settings | None = None, register: bool = True):
    """A Spark Connect session on the profile's running engine, with the bronze/silver/gold
    schemas and every table of the bucket registered, so `spark.table("silver.pokemon")` works
    in any notebook. Raises a ServiceError that names `lakehouse up` when no engine answers."""
    settings = settings or load_settings()
    _require_reachable(settings)
    ensure_bucket(settings)
    spark = runtime.state().sessions.get(settings.spark_remote)
    if spark is None or spark.is_stopped or not _answers(spark):
        # None yet, or the server behind the cached one was restarted: connect afresh.
        spark = _connect(settings)
    if register:
        catalog.register_all(spark, settings)
    return spark


def current_spark(settings: Settings | None = None):
    """The session this process already has for the profile's endpoint, its tables registered
    as they are (no listing of the bucket), or None: for code that runs right after a lesson's
    own cells, e.g. checks. None too when its server was restarted since."""
    spark = runtime.state().sessions.get((settings or load_settings()).spark_remote)
    return spark if spark is not None and not spark.is_stopped and _answers(spark) else None


def import_connect_client() -> None:
    """Import pyspark's Spark Connect client (GX imports it too). On that import pyspark-client
    looks for a Spark distribution in SPARK_HOME and exits the process when there is none, though
    a Connect client never uses one: any existing folder will do, for the import only."""
    if "pyspark.sql.connect" in sys.modules:
        return
    folder = os.path.dirname(os.path.abspath(__file__))
    with runtime.environment({"SPARK_HOME": folder}, defaults_only=True):
        import pyspark.sql.connect  # noqa: F401


def _connect(settings: Settings):
    import_connect_client()
    from pyspark.sql import SparkSession
    from pyspark.sql.connect.client.retries import DefaultPolicy

    # One session per endpoint (runtime.state().sessions): `getOrCreate()` hands back the
    # active session whatever its endpoint, so after the services moved (another home, a port
    # taken) it would keep talking to the old server.
    spark = SparkSession.builder.remote(settings.spark_remote).create()
    runtime.state().sessions[settings.spark_remote] = spark
    # The default policy retries for minutes when the server is gone; a learner should get
    # the error (and its fix) in seconds.
    spark.client.set_retry_policies([DefaultPolicy(max_retries=3, max_backoff=2000)])
    return spark


def _warm_python_worker(remote: str) -> None:
    """Have Sail start its Python worker now, in the background: the first Python function a
    server runs (lesson 2's `read_lines`, a mapInArrow) waits 0.3-0.8 s for it, the next ones
    do not, in any session. A session of its own: the lesson's session answers meanwhile. Not
    when a session is made: it would slow the first result after `lakehouse up`."""
    from pyspark.sql import SparkSession
    from pyspark.sql.connect.client.retries import DefaultPolicy
    from pyspark.sql.types import LongType, StructField, StructType

    schema = StructType([StructField("id", LongType())])  # no DDL text for a server to parse

    def same(batches):  # defined here: pickled by value, nothing to import in the worker
        yield from batches

    def run():
        with contextlib.suppress(Exception):  # a check may restart the server meanwhile
            spark = SparkSession.builder.remote(remote).create()
            # Few retries, as for the lesson's session: a pyspark thread releasing the query
            # would otherwise retry for minutes against a stopped server and hold the exit.
            spark.client.set_retry_policies([DefaultPolicy(max_retries=3, max_backoff=2000)])
            try:
                spark.range(1).mapInArrow(same, schema).collect()
            finally:
                spark.stop()

    threading.Thread(target=run, daemon=True, name="kit-warm-python-worker").start()


def _answers(spark) -> bool:
    """Whether a cached session's server still knows it (a new session needs no probe)."""
    try:
        spark.range(1).collect()
        return True
    except Exception:
        spark.stop()
        return False


def _require_reachable(settings: Settings) -> None:
    host_port = settings.spark_remote.removeprefix("sc://").split("/")[0].split(";")[0]
    host, _, port = host_port.partition(":")
    if host in {"127.0.0.1", "localhost"} and not port_answers(int(port or 15002), timeout=2):
        fix = (
            "Run `lakehouse up`."
            if settings.kit_managed
            else "Start the stack: docker compose up -d"
        )
        raise ServiceError(f"No Spark Connect server answers at {settings.spark_remote}.", fix=fix)


def save_table(
    df,
    table: str,
    mode: str = "overwrite",
    partition_by: list[str] | None = None,
    settings: Settings | None = None,
    **options: str,
) -> str:
    """Write a DataFrame as a medallion table at its conventional location and register it.

    Returns the table name so a cell can end with it. `options` are writer options such as
    overwriteSchema="true" or mergeSchema="true".
    """
    settings = settings or load_settings()
    writer = df.write.format("delta").mode(mode)
    if partition_by:
        writer = writer.partitionBy(*partition_by)
    if "replaceWhere" in options and not catalog.table_exists(table, settings):
        # Sail refuses replaceWhere on a table that does not exist yet; a plain overwrite of a
        # new table is the same thing.
        del options["replaceWhere"]
    if mode == "overwrite" and "replaceWhere" not in options:
        # A full overwrite may change the schema; replacing one slice (replaceWhere) may not.
        options.setdefault("overwriteSchema", "true")
    for key, value in options.items():
        writer = writer.option(key, value)
    writer.save(catalog.table_uri(table, settings))
    spark = df.sparkSession
    # Re-register so the session's catalog carries the table's current schema.
    spark.sql(f"DROP TABLE IF EXISTS {table}")
    catalog.register_table(spark, table, settings)
    return table


S3A_PREFIX = "fs.s3a."
# A session that brings its own S3A settings needs a FileSystem of its own (Hadoop caches one per
# bucket, made with whichever settings came first), and should fail fast when they are wrong.
_S3A_SESSION = {
    "fs.s3a.impl.disable.cache": "true",
    "fs.s3a.attempts.maximum": "1",
    "fs.s3a.retry.limit": "1",
    "fs.s3a.retry.interval": "200ms",
}


def hadoop_keys(options: dict[str, str]) -> dict[str, str]:
    """S3A settings by their Hadoop names: `spark.hadoop.fs.s3a.x` (server config) -> `fs.s3a.x`
    (what a session sets)."""
    return {key.removeprefix("spark.hadoop."): str(value) for key, value in options.items()}


def s3a_round_trip(
    options: dict[str, str], settings: Settings | None = None, key: str = "playground/s3a-check"
) -> str:
    """Write and read a probe at `key` through S3A in a Spark session of its own that uses only
    these settings (none: the server's own). Returns '' when it worked, else the engine's error
    (first line).

    Only a JVM Spark engine (stack, docker) reads S3A settings; Sail ignores them."""
    import_connect_client()
    from pyspark.sql import SparkSession

    settings = settings or load_settings()
    session = SparkSession.builder.remote(settings.spark_remote).create()
    try:
        for key, value in {**hadoop_keys(options), **_S3A_SESSION}.items():
            session.conf.set(key, value)
        uri = f"s3a://{settings.bucket}/{key}"
        session.range(3).write.mode("overwrite").parquet(uri)
        rows = session.read.parquet(uri).count()
        return "" if rows == 3 else f"read back {rows} rows instead of 3"
    except Exception as error:  # the engine's own words are the lesson here
        return first_line(error)
    finally:
        session.stop()


ENGINE_PROBE = "bronze.lesson1_engine_check"


def lakehouse_round_trip(settings: Settings | None = None) -> tuple[str, str]:
    """Prove the engine is a lakehouse engine with its current configuration: a Delta table
    written into the bucket (through S3A on the JVM), registered in the catalog (the metastore
    on the stack), read back by name by Spark, then by name by the SQL engine (Trino on the
    stack). Returns ("", "") when all worked, else the step that failed and the engine's words."""
    import pandas as pd

    settings = settings or load_settings()
    # The SQL step's imports (SQLAlchemy, 0.2-0.3 s) and DuckDB's extensions (0.45 s) load in
    # a thread while Spark writes and reads; the SQL step waits for them if it must.
    threading.Thread(target=_prepare_sql, args=(settings,), daemon=True).start()
    step, spark = "connect", None
    try:
        spark = connect(settings, register=False)
        if settings.is_local:  # lesson 2, next, runs the first Python function
            _warm_python_worker(settings.spark_remote)
        step = "write"
        save_table(
            spark.range(3).selectExpr("id", "'probe' AS tag"), ENGINE_PROBE, settings=settings
        )
        step = "read"
        rows = spark.table(ENGINE_PROBE).count()
        if rows != 3:
            return step, f"read back {rows} rows instead of 3"
        step = "sql"
        from lakehouse_kit.sql import sql_engine

        counted = pd.read_sql(f"SELECT count(*) AS n FROM {ENGINE_PROBE}", sql_engine(settings))
        return ("", "") if int(counted["n"][0]) == 3 else (step, f"{counted['n'][0]} rows")
    except Exception as error:  # the engine's own words are the lesson here
        return step, first_line(error)
    finally:
        _drop_probe(spark, settings)


def _prepare_sql(settings: Settings) -> None:
    with contextlib.suppress(Exception):  # the SQL step itself reports what fails here
        from lakehouse_kit.sql import prepare

        prepare(settings)


def _drop_probe(spark, settings: Settings) -> None:
    from lakehouse_kit.storage import delete_prefix

    try:
        if spark is not None:
            spark.sql(f"DROP TABLE IF EXISTS {ENGINE_PROBE}")
        delete_prefix(ENGINE_PROBE.replace(".", "/", 1) + "/", settings)
    except Exception:  # noqa: BLE001 - best effort: a broken engine is what the caller reports
        pass


def masked(options: dict[str, str]):
    """Settings as a two-column table with secrets hidden, for display."""
    import pandas as pd

    shown = {k: ("****" if "secret" in k.lower() else v) for k, v in options.items()}
    return pd.DataFrame({"setting": list(shown), "value": list(shown.values())})


def checkpoint(df, name: str, settings: Settings | None = None):
    """Write a DataFrame once and read it back, so later actions start from stored rows.

    A Spark Connect engine re-runs a DataFrame's whole plan on every action (and Sail repeats
    an expression such as `from_json` for every column that uses it). Checkpoint a result that
    many actions reuse: parsed rows that are validated, split and checked."""
    settings = settings or load_settings()
    uri = catalog.checkpoint_uri(name, settings)
    df.write.format("delta").mode("overwrite").option("overwriteSchema", "true").save(uri)
    return df.sparkSession.read.format("delta").load(uri)
