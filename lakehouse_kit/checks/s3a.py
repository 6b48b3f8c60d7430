"""Lesson 1's S3A settings: the five the lesson names, each judged for what it must hold, and
every value that depends on the profile read from the settings."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable

from lakehouse_kit.checks.core import CheckFailed, another_profile, expect, passed
from lakehouse_kit.settings import load_settings

SIMPLE_CREDENTIALS = "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider"
S3A_FILESYSTEM = "org.apache.hadoop.fs.s3a.S3AFileSystem"
REQUIRED = (
    "fs.s3a.endpoint",
    "fs.s3a.path.style.access",
    "fs.s3a.aws.credentials.provider",
    "fs.s3a.access.key",
    "fs.s3a.secret.key",
)
# Where a setting that depends on the profile comes from: a value that does not follow a
# change of these settings was typed into the code.
FROM_SETTINGS = {
    "fs.s3a.endpoint": "settings.s3_endpoint",
    "fs.s3a.access.key": "settings.s3_access_key",
    "fs.s3a.secret.key": "settings.s3_secret_key",
    "fs.s3a.endpoint.region": "settings.s3_region",
    "fs.s3a.connection.ssl.enabled": "the scheme of settings.s3_endpoint",
}
# Providers a tutorial may show, and why each fails here.
WRONG_PROVIDERS = {
    "Anonymous": "sends no keys at all, and the store refuses anonymous requests",
    "Temporary": "expects a session token (fs.s3a.session.token), which this store does not issue",
    "Environment": "reads the AWS_* environment variables, not the two key settings",
    "IAMInstance": "asks a cloud machine's metadata service, which a laptop does not have",
}
DURATION = re.compile(r"\d+(ns|us|ms|s|m|h|d)?")


def _boolean(value: str) -> bool | None:
    """A Hadoop boolean: true or false in any case, else None."""
    return {"true": True, "false": False}.get(value.strip().lower())


def _secure(endpoint: str) -> bool:
    return endpoint.strip().lower().startswith("https://")


def _endpoint(value: str, options: dict[str, str], settings) -> str:
    given = value.strip().rstrip("/")
    if "://" not in given:  # S3A adds the scheme fs.s3a.connection.ssl.enabled says (https)
        ssl = _boolean(options.get("fs.s3a.connection.ssl.enabled", "true"))
        given = f"{'https' if ssl else 'http'}://{given}"
    wanted = settings.s3_endpoint.rstrip("/")
    if given == wanted:
        return ""
    if given.startswith("sc://") or value.strip() == settings.spark_remote:
        return "That is Spark's address (settings.spark_remote): use settings.s3_endpoint."
    if given == f"{wanted}/{settings.bucket}":
        return "The endpoint is the server alone: with path-style access S3A adds the bucket."
    return "Use settings.s3_endpoint: the object store's URL (scheme, host and port)."


def _path_style(value: str, options, settings) -> str:
    return (
        ""
        if _boolean(value)
        else 'Set it to "true": local stores and MinIO serve a bucket as http://host/bucket, '
        "not as a host name of its own."
    )


def _provider(value: str, options, settings) -> str:
    if value.strip() == SIMPLE_CREDENTIALS:
        return ""
    why = next((why for name, why in WRONG_PROVIDERS.items() if name in value), "")
    return (
        f"{value.strip().rsplit('.', 1)[-1]} {why}. " if why else ""
    ) + f"Use {SIMPLE_CREDENTIALS}: it takes the access and secret key from the two settings below."


def _key(field: str, other: str):
    def judge(value: str, options, settings) -> str:
        if value == getattr(settings, field):
            return ""
        if value == getattr(settings, other):
            return "The access key and the secret key are swapped."
        return f"Use settings.{field}."

    return judge


def _region(value: str, options, settings) -> str:
    return (
        "" if value == settings.s3_region else "Use settings.s3_region (or leave the region out)."
    )


def _ssl(value: str, options, settings) -> str:
    scheme = "https" if _secure(settings.s3_endpoint) else "http"
    if _boolean(value) == (scheme == "https"):
        return ""
    return (
        f"It must agree with the endpoint's scheme ({scheme}://): "
        f'"{str(scheme == "https").lower()}", or leave it out.'
    )


def _is(kind: str, valid: Callable[[str], bool]):
    def judge(value: str, options, settings) -> str:
        return "" if valid(value.strip()) else f"It takes {kind} (or leave it out)."

    return judge


# Every S3A setting the check accepts, with how its value is judged: (value, all the options,
# settings) -> what is wrong with it, or "". The lesson's five, then a few that tutorials add
# and that do no harm when right; any other key is refused, as a wrong one breaks a session.
JUDGES: dict[str, Callable[[str, dict, object], str]] = {
    "fs.s3a.connection.ssl.enabled": _ssl,  # before the endpoint, whose scheme it may give
    "fs.s3a.endpoint": _endpoint,
    "fs.s3a.path.style.access": _path_style,
    "fs.s3a.aws.credentials.provider": _provider,
    "fs.s3a.access.key": _key("s3_access_key", "s3_secret_key"),
    "fs.s3a.secret.key": _key("s3_secret_key", "s3_access_key"),
    "fs.s3a.endpoint.region": _region,
    "fs.s3a.impl": _is(S3A_FILESYSTEM, lambda v: v == S3A_FILESYSTEM),
    "fs.s3a.impl.disable.cache": _is('"true" or "false"', lambda v: _boolean(v) is not None),
    "fs.s3a.fast.upload": _is('"true" or "false"', lambda v: _boolean(v) is not None),
    "fs.s3a.connection.maximum": _is(
        "a positive whole number", lambda v: v.isdigit() and int(v) > 0
    ),
    "fs.s3a.attempts.maximum": _is("a positive whole number", lambda v: v.isdigit() and int(v) > 0),
    "fs.s3a.retry.limit": _is("a whole number", str.isdigit),
    "fs.s3a.retry.interval": _is("a duration such as 500ms", DURATION.fullmatch),
    "fs.s3a.connection.timeout": _is("a duration such as 200s", DURATION.fullmatch),
    "fs.s3a.connection.establish.timeout": _is("a duration such as 30s", DURATION.fullmatch),
}


def _problems(options: dict[str, str], settings) -> dict[str, str]:
    """What is wrong with each accepted setting given (key -> hint), for these settings."""
    return {
        key: hint
        for key, judge in JUDGES.items()
        if key in options and (hint := judge(options[key], options, settings))
    }


def _known_keys(given: dict) -> dict[str, str]:
    """The settings by their Hadoop names, each given once and known to the check."""
    from lakehouse_kit.spark import hadoop_keys

    shape = (
        "Return a dict: setting name -> value, e.g. {'fs.s3a.endpoint': settings.s3_endpoint, ...}."
    )
    expect(bool(given), "s3a_options returned no settings.", shape)
    expect(
        isinstance(given, dict),
        f"s3a_options returned a {type(given).__name__}, not a dict.",
        shape,
    )
    options = hadoop_keys(given)
    twice = sorted(
        k
        for k in given
        if k.startswith("spark.hadoop.") and k.removeprefix("spark.hadoop.") in given
    )
    expect(
        not twice,
        f"{twice} are given twice, with and without spark.hadoop.",
        "Give each setting once.",
    )
    strangers = [key for key in options if not key.startswith("fs.s3a.")]
    expect(
        not strangers,
        f"{strangers} are not S3A settings.",
        "S3A settings are named fs.s3a.* (spark.hadoop.fs.s3a.* in a server's spark-defaults.conf).",
    )
    for key in options:
        near = difflib.get_close_matches(key, JUDGES, n=1, cutoff=0.9)
        expect(
            key in JUDGES,
            f"{key} is not a setting this exercise uses.",
            f"Did you mean {near[0]}?"
            if near
            else "Give the five settings of the table: an unknown S3A setting can break a real "
            f"session. Also accepted, when right: {', '.join(k for k in JUDGES if k not in REQUIRED)}.",
        )
    return options


def check_s3a_options(s3a_options: Callable, settings=None) -> dict[str, str]:
    """The learner's S3A settings: the five the lesson names, each right, no setting the check
    does not know, and every value that depends on the profile read from the settings (asked
    again with other settings, it follows them). Returns them by their Hadoop names."""
    settings = settings or load_settings()
    options = _known_keys(s3a_options(settings))
    for key in REQUIRED:
        expect(key in options, f"{key} is missing.", JUDGES[key]("", options, settings))
    for key, hint in _problems(options, settings).items():
        secret = "secret" in key or options[key] == settings.s3_secret_key
        shown = "****" if secret else options[key]
        raise CheckFailed(f"{key} is {shown!r}.", fix=hint)
    _follows_the_settings(s3a_options, options, settings)
    passed("S3A settings: endpoint, path-style access and credentials, all from the settings")
    return options


def _follows_the_settings(s3a_options: Callable, options: dict[str, str], settings) -> None:
    """Asked with another profile's settings (an https endpoint, other keys and region), every
    setting must still be right: a value typed into the code is right on one profile only."""
    probe = another_profile(settings)
    again = _known_keys(s3a_options(probe))
    problems = _problems(again, probe)
    for key in (k for k in JUDGES if k in problems or (k in options and k not in again)):
        if key in FROM_SETTINGS:
            raise CheckFailed(
                f"{key} is typed into the code, not read from the settings.",
                fix=f"Use {FROM_SETTINGS[key]}: the same notebook then works on every profile, "
                "and no secret is written in it.",
            )
        raise CheckFailed(
            f"{key} is not right for another profile's settings.",
            fix=problems.get(key, f"Return {key} whatever the settings."),
        )
