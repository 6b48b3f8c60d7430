"""The engine's lakehouse configuration: what lesson 1 has the learner write (S3A, Delta, the
shared catalog), kept in the home, and the Spark server started with it.

The learner's answer is a function of the settings. It is kept as a *template*: the function
is called once with stand-in settings whose profile-dependent values are placeholders
(`{s3_endpoint}`, `{s3_secret_key}`, ...), so the saved file holds no secret and still fits
when a service moves to another port; every start of the engine fills the placeholders with
the live values. Until lesson 1 is done (or for `lakehouse run` and `catch_up`, which use the
solution) the engine runs with `COURSE_CONF`, the solution's answer, and says so.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable
from pathlib import Path

from lakehouse_kit.home import read_json, write_private
from lakehouse_kit.settings import Settings, aws_variables

Ports = dict[str, int]

# The settings a configuration may depend on; each becomes a placeholder in the template.
PLACEHOLDERS = ("s3_endpoint", "s3_region", "s3_access_key", "s3_secret_key", "metastore_uri")

S3A = "spark.hadoop.fs.s3a."
# Lesson 1's solution, as a template: a JVM Spark that is a lakehouse engine.
COURSE_CONF: dict[str, str] = {
    # S3A: where the bucket is, how to address it, and the keys.
    f"{S3A}endpoint": "{s3_endpoint}",
    f"{S3A}path.style.access": "true",
    f"{S3A}aws.credentials.provider": "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider",
    f"{S3A}access.key": "{s3_access_key}",
    f"{S3A}secret.key": "{s3_secret_key}",
    # Delta: its SQL (MERGE, time travel) and its catalog for `USING delta` tables.
    "spark.sql.extensions": "io.delta.sql.DeltaSparkSessionExtension",
    "spark.sql.catalog.spark_catalog": "org.apache.spark.sql.delta.catalog.DeltaCatalog",
    # The shared catalog: the Hive Metastore that Trino reads too.
    "spark.sql.catalogImplementation": "hive",
    "spark.hadoop.hive.metastore.uris": "{metastore_uri}",
}


def template_of(conf_function: Callable[[Settings], dict], settings: Settings) -> dict[str, str]:
    """The configuration `conf_function` gives, with placeholders where it used the settings."""
    stand_in = dataclasses.replace(settings, **{name: "{" + name + "}" for name in PLACEHOLDERS})
    return {str(key): str(value) for key, value in conf_function(stand_in).items()}


def fill(template: dict[str, str], settings: Settings) -> dict[str, str]:
    """A template's values for these settings (the live ports, the real keys)."""
    values = {name: getattr(settings, name) for name in PLACEHOLDERS}
    filled = {}
    for key, value in template.items():
        for name, live in values.items():
            value = value.replace("{" + name + "}", live)
        filled[key] = value
    return filled


def conf_file(settings: Settings) -> Path:
    return settings.state_dir / "engine-conf.json"


def save(template: dict[str, str], settings: Settings) -> None:
    """Keep the learner's configuration: every later start of the engine uses it."""
    write_private(conf_file(settings), json.dumps(template, indent=2, sort_keys=True))


def forget(settings: Settings) -> None:
    """Back to the course's configuration (the learner's is removed)."""
    conf_file(settings).unlink(missing_ok=True)


def saved_template(settings: Settings) -> dict[str, str] | None:
    """The learner's configuration, if lesson 1 saved one."""
    return read_json(conf_file(settings)) or None


def server_conf(settings: Settings) -> tuple[dict[str, str], str]:
    """The configuration the engine starts with, filled, and whose it is ("yours" or "the
    course's")."""
    template = saved_template(settings)
    if template is None:
        return fill(COURSE_CONF, settings), "the course's"
    return fill(template, settings), "yours"


def live_settings(settings: Settings, ports: Ports) -> Settings:
    """The settings as a service being started must see them: the endpoints of the services
    it needs at the ports they have now (the settings were read before they moved)."""
    live = {"s3_endpoint": f"http://127.0.0.1:{ports['s3']}"} if "s3" in ports else {}
    if "metastore" in ports:
        live["metastore_uri"] = f"thrift://127.0.0.1:{ports['metastore']}"
    return dataclasses.replace(settings, **live)


def signature(settings: Settings, ports: Ports) -> str:
    """The engine's lakehouse configuration, hashed: lesson 1 saving another restarts it."""
    conf, _ = server_conf(live_settings(settings, ports))
    return hashlib.sha256(json.dumps(conf, sort_keys=True).encode()).hexdigest()[:16]


def sail_environment(conf: dict[str, str], settings: Settings) -> dict[str, str]:
    """The same S3 facts in the form Sail reads them, its server's environment: Sail has its
    own S3 client (Rust's object_store), not Hadoop's S3A, and no metastore. Only the S3A part
    matters to it; the region, which Sail requires, is the settings' unless the conf names one."""
    s3a = {key.removeprefix(f"{S3A}"): value for key, value in conf.items() if key.startswith(S3A)}
    return aws_variables(
        endpoint=s3a.get("endpoint", ""),
        region=s3a.get("endpoint.region") or settings.s3_region,
        access_key=s3a.get("access.key", ""),
        secret_key=s3a.get("secret.key", ""),
    )
