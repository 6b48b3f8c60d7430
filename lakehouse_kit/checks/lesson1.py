"""Lesson 1 (Spark and storage): the learner's S3A settings, the engine using them, and the
first objects written to the bucket."""

from __future__ import annotations

from collections.abc import Callable

from lakehouse_kit.checks.core import columns_present, expect, passed, session
from lakehouse_kit.settings import load_settings

LESSON = "01"

SIMPLE_CREDENTIALS = "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider"


def _s3a_wanted(settings) -> dict[str, tuple[str, str]]:
    """Each S3A setting the lesson asks for: the right value and the hint when it is not."""
    return {
        "fs.s3a.endpoint": (
            settings.s3_endpoint,
            "Use settings.s3_endpoint: the object store's URL (scheme, host and port).",
        ),
        "fs.s3a.path.style.access": (
            "true",
            'Set it to "true": local stores and MinIO serve a bucket as '
            "http://host/bucket, not as a host name of its own.",
        ),
        "fs.s3a.aws.credentials.provider": (
            SIMPLE_CREDENTIALS,
            f"Use {SIMPLE_CREDENTIALS}: it takes the "
            "access and secret key from the two settings below.",
        ),
        "fs.s3a.access.key": (settings.s3_access_key, "Use settings.s3_access_key."),
        "fs.s3a.secret.key": (settings.s3_secret_key, "Use settings.s3_secret_key."),
    }


def _same(options: dict[str, str], key: str, value: str) -> bool:
    """Whether an S3A setting means `value`: booleans in any case; an endpoint with a trailing
    slash, or without its scheme when fs.s3a.connection.ssl.enabled says which one, is the same."""
    given = options.get(key, "").strip()
    if key.endswith("access"):
        return given.lower() == value.lower()
    if key == "fs.s3a.endpoint":
        if "://" not in given:
            ssl = options.get("fs.s3a.connection.ssl.enabled", "true").strip().lower()
            given = f"{'http' if ssl == 'false' else 'https'}://{given}"
        return given.rstrip("/") == value.rstrip("/")
    return given == value


def check_s3a_options(s3a_options: Callable, settings=None) -> dict[str, str]:
    """The learner's S3A settings: every one present, right, and read from the settings (a value
    typed into the code fails when the settings change). Returns them by their Hadoop names."""
    import dataclasses

    from lakehouse_kit.spark import hadoop_keys

    settings = settings or load_settings()
    options = s3a_options(settings)
    expect(
        isinstance(options, dict) and bool(options),
        "s3a_options returned no settings.",
        "Return a dict: setting name -> value, e.g. {'fs.s3a.endpoint': settings.s3_endpoint, ...}.",
    )
    options = hadoop_keys(options)
    strangers = [key for key in options if not key.startswith("fs.s3a.")]
    expect(
        not strangers,
        f"{strangers} are not S3A settings.",
        "S3A settings are named fs.s3a.* (spark.hadoop.fs.s3a.* in a server's spark-defaults.conf).",
    )
    for key, (value, hint) in _s3a_wanted(settings).items():
        expect(key in options, f"{key} is missing.", hint)
        shown = "****" if "secret" in key else options[key]
        expect(_same(options, key, value), f"{key} is {shown!r}.", hint)
    if "fs.s3a.endpoint.region" in options:
        expect(
            options["fs.s3a.endpoint.region"] == settings.s3_region,
            "fs.s3a.endpoint.region is not the store's region.",
            "Use settings.s3_region (or leave the region out).",
        )
    probe = dataclasses.replace(
        settings,
        s3_endpoint="http://s3.example.test:9999",
        s3_region="eu-probe-1",
        s3_access_key="probe-key",
        s3_secret_key="probe-secret",
    )
    again = hadoop_keys(s3a_options(probe))
    for key, field in (
        ("fs.s3a.endpoint", "s3_endpoint"),
        ("fs.s3a.access.key", "s3_access_key"),
        ("fs.s3a.secret.key", "s3_secret_key"),
        ("fs.s3a.endpoint.region", "s3_region"),
    ):
        if key in options:
            expect(
                _same(again, key, getattr(probe, field)),
                f"{key} is typed into the code, not read from the settings.",
                f"Use settings.{field}: the same notebook then works on every profile, and no secret is written in it.",
            )
    passed("S3A settings: endpoint, path-style access and credentials, all from the settings")
    return options


def check_s3a_engine(options: dict[str, str], settings=None):
    """On a JVM engine, a session with only these S3A settings must write and read the bucket,
    and the same with a wrong secret must be refused: the engine really uses them. Sail reads
    the same settings as environment variables, shown instead. Returns a table to display."""
    from lakehouse_kit.spark import masked, s3a_round_trip, sail_equivalent

    settings = settings or load_settings()
    if settings.is_local:
        equivalent = sail_equivalent(options)
        passed(
            "Sail (the embedded engine) has no S3A: the kit starts it with the same settings as "
            f"environment variables: {', '.join(equivalent)}"
        )
        return masked(equivalent)
    error = s3a_round_trip(options, settings)
    hint = (
        "The store refused the keys: check fs.s3a.access.key and fs.s3a.secret.key."
        if "403" in error or "Forbidden" in error or "Credentials" in error
        else "Check fs.s3a.endpoint (scheme, host and port) and fs.s3a.path.style.access."
    )
    expect(not error, f"Spark could not write through S3A with these settings: {error}", hint)
    passed(f"Spark wrote and read s3a://{settings.bucket}/playground/s3a-check with your settings")
    refused = s3a_round_trip({**options, "fs.s3a.secret.key": "not-the-secret"}, settings)
    if refused:
        passed(f"the same with a wrong secret key is refused: {refused[:100]}")
    else:  # a cluster whose server configuration wins over a session's: nothing the learner did
        print("note: this engine ignores S3A settings from a session; its own configuration wins.")
    return masked(options)


def check_starters(starters=None, prefix: str = "playground/starters", spark=None) -> None:
    from lakehouse_kit.storage import list_objects

    expect(
        starters is not None,
        "write_starters returned nothing.",
        "Return the DataFrame you read back from the bucket.",
    )
    columns_present(starters, ["id", "name", "primary_type"], "The starters DataFrame")
    names = sorted(row["name"] for row in starters.collect())
    expect(
        names == ["Bulbasaur", "Charmander", "Squirtle"],
        f"Read back {names}.",
        "Write the three Kanto starters: Bulbasaur, Charmander and Squirtle, once each "
        "(mode 'overwrite' makes re-running safe).",
    )
    objects = list_objects(prefix)
    expect(
        objects["key"].str.endswith(".json").any(),
        f"No JSON file under {prefix}/.",
        "Write with df.write.mode('overwrite').json(uri).",
    )
    passed(f"3 starters written to and read back from {prefix}/")


def _starters_in_the_bucket() -> None:
    settings = load_settings()
    uri = f"s3a://{settings.bucket}/playground/starters"
    check_starters(session(None).read.schema("id INT, name STRING, primary_type STRING").json(uri))


# What `lakehouse progress` runs for this lesson: exercise -> check of the learner's tables.
PROGRESS: dict[str, Callable[[], None]] = {"first object": _starters_in_the_bucket}
