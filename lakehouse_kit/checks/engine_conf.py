"""Lesson 1's second exercise: the Spark server's lakehouse configuration (S3A, Delta, the
shared catalog). The check judges every key, then restarts the engine with the learner's
configuration and proves it end to end: a Delta table written into the bucket, registered in
the catalog, read back by name by Spark and by the SQL engine (Trino on the stack)."""

from __future__ import annotations

import time
from collections.abc import Callable

from lakehouse_kit.checks.core import CheckFailed, another_profile, expect, passed
from lakehouse_kit.settings import load_settings

DELTA_EXTENSION = "io.delta.sql.DeltaSparkSessionExtension"
DELTA_CATALOG = "org.apache.spark.sql.delta.catalog.DeltaCatalog"
HADOOP = "spark.hadoop."

# The keys beyond S3A, the value each must have (a function of the settings), and the hint.
LAKEHOUSE_KEYS: dict[str, tuple[Callable, str]] = {
    "spark.sql.extensions": (
        lambda settings: DELTA_EXTENSION,
        f"Set spark.sql.extensions to {DELTA_EXTENSION}: it adds Delta's SQL (MERGE INTO, "
        "VERSION AS OF, DESCRIBE HISTORY) to the engine.",
    ),
    "spark.sql.catalog.spark_catalog": (
        lambda settings: DELTA_CATALOG,
        f"Set spark.sql.catalog.spark_catalog to {DELTA_CATALOG}: Spark's own catalog must "
        "know Delta tables for CREATE TABLE ... USING delta and spark.table(name).",
    ),
    "spark.sql.catalogImplementation": (
        lambda settings: "hive",
        'Set spark.sql.catalogImplementation to "hive": with "in-memory" the engine forgets '
        "every table when it stops, and Trino never sees them.",
    ),
    f"{HADOOP}hive.metastore.uris": (
        lambda settings: settings.metastore_uri,
        "Use settings.metastore_uri (thrift://host:port): the Hive Metastore that Spark and "
        "Trino share, read from the settings like every address.",
    ),
}
# What went wrong, by the round trip's failing step and words in the engine's message.
ROUND_TRIP_HINTS = [
    (
        "write",
        # Sail's words (403 Forbidden) and the JVM's (AccessDeniedException: the request
        # signature we calculated does not match ...).
        (
            "403",
            "Forbidden",
            "SignatureDoesNotMatch",
            "signature we calculated",
            "InvalidAccessKeyId",
            "AccessDenied",
            "Credentials",
        ),  # fmt: skip
        "The store refused the keys: check spark.hadoop.fs.s3a.access.key and .secret.key.",
    ),
    (
        "write",
        ("DeltaSparkSessionExtension", "DeltaCatalog", "Delta operation", "delta.sql"),
        f"Delta is not set up: check spark.sql.extensions ({DELTA_EXTENSION}) and "
        f"spark.sql.catalog.spark_catalog ({DELTA_CATALOG}).",
    ),
    (
        "write",
        (),
        "The engine could not reach the bucket: check spark.hadoop.fs.s3a.endpoint (scheme, "
        "host and port) and spark.hadoop.fs.s3a.path.style.access.",
    ),
    (
        "read",
        (),
        "The table was written but not found by name: check spark.sql.catalogImplementation and "
        "spark.hadoop.hive.metastore.uris.",
    ),
    (
        "sql",
        (),
        "Spark sees the table but the SQL engine does not: Trino finds tables through the "
        "metastore, so check spark.hadoop.hive.metastore.uris and spark.sql.catalogImplementation.",
    ),
    ("connect", (), "The engine did not start with this configuration: read the message above."),
]


def check_engine_conf(engine_conf: Callable, s3a_options: Callable, settings=None) -> dict:
    """Judge `engine_conf(settings, s3a_options(settings))` key by key, then start the engine
    with it (on a profile whose engine the kit runs) and prove the lakehouse works with it.
    Returns the configuration, secrets masked, for display."""
    from lakehouse_kit.spark import masked

    settings = settings or load_settings()
    conf = _judged(engine_conf, s3a_options, settings)
    _follows_the_settings(engine_conf, s3a_options, settings)
    passed("engine configuration: S3A, Delta and the shared catalog, all from the settings")
    if settings.kit_managed:
        _run_the_engine_with(engine_conf, s3a_options, settings)
    else:
        _probe_s3a(conf, settings)
    return masked(conf)


def _judged(engine_conf: Callable, s3a_options: Callable, settings) -> dict[str, str]:
    s3a = s3a_options(settings)
    conf = engine_conf(settings, dict(s3a))
    expect(
        isinstance(conf, dict) and bool(conf),
        f"engine_conf returned {type(conf).__name__}, not the settings as a dict.",
        "Return a dict: setting name -> value, as in spark-defaults.conf.",
    )
    conf = {str(k): str(v) for k, v in conf.items()}
    bare = sorted(k for k in conf if k.startswith("fs.") or k.startswith("hive."))
    expect(
        not bare,
        f"{bare} lack the spark.hadoop. prefix.",
        "A server's configuration passes Hadoop settings (S3A, the metastore's address) only "
        "when they are named spark.hadoop.<name>: e.g. spark.hadoop.fs.s3a.endpoint.",
    )
    for key, value in s3a.items():
        name = HADOOP + key.removeprefix(HADOOP)
        expect(
            name in conf,
            f"{name} (from s3a_options) is missing.",
            "Take every S3A setting of the s3a argument, each as spark.hadoop.<its name>.",
        )
        expect(
            conf[name] == str(value),
            f"{name} differs from what s3a_options gave.",
            "Take the S3A values from the s3a argument as they are.",
        )
    for key, (wanted, hint) in LAKEHOUSE_KEYS.items():
        expect(key in conf, f"{key} is missing.", hint)
        shown = conf[key]
        expect(conf[key] == wanted(settings), f"{key} is {shown!r}.", hint)
    s3a_names = {HADOOP + k.removeprefix(HADOOP) for k in s3a}
    strangers = sorted(k for k in conf if k not in s3a_names and k not in LAKEHOUSE_KEYS)
    expect(
        not strangers,
        f"{strangers} are not part of this exercise.",
        "Give the S3A settings and the four of the table, nothing else: an unknown setting "
        "can break the engine's start.",
    )
    return conf


def _follows_the_settings(engine_conf: Callable, s3a_options: Callable, settings) -> None:
    """Asked with another profile's settings (another metastore, store and keys), the
    configuration must follow them: the metastore from the settings, S3A from its argument."""
    probe = another_profile(settings)
    s3a = dict(s3a_options(probe))
    again = engine_conf(probe, dict(s3a))
    expect(
        isinstance(again, dict), "engine_conf returned no dict the second time.", "Return a dict."
    )
    key = f"{HADOOP}hive.metastore.uris"
    expect(
        again.get(key) == probe.metastore_uri,
        f"{key} is typed into the code, not read from the settings.",
        LAKEHOUSE_KEYS[key][1],
    )
    for name, value in s3a.items():
        expect(
            str(again.get(HADOOP + name.removeprefix(HADOOP))) == str(value),
            f"Called with other S3A settings, engine_conf kept {HADOOP + name.removeprefix(HADOOP)} "
            "of an earlier call: the s3a argument is ignored.",
            "Take the S3A values from the s3a argument, every time.",
        )


def _run_the_engine_with(engine_conf: Callable, s3a_options: Callable, settings) -> None:
    """Keep the configuration in the home, restart the engine with it if it runs with another,
    and prove the lakehouse works. On failure the previous configuration comes back, so the
    other notebooks keep working while the learner fixes this one."""
    from lakehouse_kit import engine, services
    from lakehouse_kit.errors import ServiceError
    from lakehouse_kit.spark import lakehouse_round_trip

    template = engine.template_of(lambda s: engine_conf(s, dict(s3a_options(s))), settings)
    before = engine.saved_template(settings)
    began = time.monotonic()
    try:
        restarted = services.configure_engine(template, settings)
        step, error = lakehouse_round_trip(load_settings(profile=settings.profile))
    except ServiceError as failure:
        restarted, step, error = True, "connect", failure.message
    if step:
        services.configure_engine(before, settings)
        hint = _round_trip_hint(step, error)
        raise CheckFailed(
            f"With your configuration the lakehouse does not work ({step}): {error}",
            fix=f"{hint} (The engine runs with the previous configuration again.)",
        )
    seconds = time.monotonic() - began
    what = "restarted with" if restarted else "already ran with the same values as"
    passed(
        f"the engine {what} your configuration ({seconds:.1f} s), kept in {engine.conf_file(settings)}"
    )
    if settings.is_local:
        names = ", ".join(engine.sail_environment(engine.server_conf(settings)[0], settings))
        passed(
            f"Sail has no S3A: it read the same S3 facts as environment variables ({names}). "
            "Delta is built into it and its catalog lives in each session, so the Delta and "
            "metastore settings are for the JVM engine only."
        )
        passed("a Delta table written into the bucket, read back by name by Spark and by DuckDB")
    else:
        passed(
            "a Delta table written through s3a://, registered in the metastore, read back by "
            "name by Spark and by Trino"
        )


def _round_trip_hint(step: str, error: str) -> str:
    for failed_step, words, hint in ROUND_TRIP_HINTS:
        if step == failed_step and (not words or any(w in error for w in words)):
            return hint
    return "Read the engine's message above."


def _probe_s3a(conf: dict[str, str], settings) -> None:
    """A server the kit does not run (docker, a cluster) keeps its own configuration: a probe
    session tries the S3A part of the learner's, and the same with a wrong secret."""
    from lakehouse_kit.spark import s3a_round_trip

    s3a = {k: v for k, v in conf.items() if k.startswith(f"{HADOOP}fs.s3a.")}
    error = s3a_round_trip(s3a, settings)
    expect(
        not error,
        f"Spark could not write through S3A with these settings: {error}",
        _round_trip_hint("write", error),
    )
    passed(f"a session with your S3A settings wrote s3a://{settings.bucket}/playground/s3a-check")
    print(
        f"note: the {settings.profile!r} profile's Spark server keeps its own configuration "
        "(the kit does not run it); on `local` and `stack` the check restarts the engine with yours."
    )
