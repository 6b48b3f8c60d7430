"""Lesson 1's S3A exercise: every correct way to write the settings passes, each wrong one fails
with its hint. Pure checks on settings: no server."""

from __future__ import annotations

import pytest

from lakehouse_kit import checks
from lakehouse_kit.checks import CheckFailed
from lakehouse_kit.settings import load_settings

PROVIDER = "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider"


def solution(settings) -> dict[str, str]:
    return {
        "fs.s3a.endpoint": settings.s3_endpoint,
        "fs.s3a.path.style.access": "true",
        "fs.s3a.aws.credentials.provider": PROVIDER,
        "fs.s3a.access.key": settings.s3_access_key,
        "fs.s3a.secret.key": settings.s3_secret_key,
    }


def server_style(settings) -> dict[str, str]:
    """As in spark-defaults.conf: spark.hadoop. prefix, other order, a region, True in capitals."""
    return {
        "spark.hadoop.fs.s3a.secret.key": settings.s3_secret_key,
        "spark.hadoop.fs.s3a.access.key": settings.s3_access_key,
        "spark.hadoop.fs.s3a.endpoint.region": settings.s3_region,
        "spark.hadoop.fs.s3a.aws.credentials.provider": PROVIDER,
        "spark.hadoop.fs.s3a.path.style.access": "True",
        "spark.hadoop.fs.s3a.endpoint": settings.s3_endpoint,
    }


def fails(func, *words: str) -> CheckFailed:
    with pytest.raises(CheckFailed) as failure:
        checks.check_s3a_options(func, load_settings(profile="local"))
    text = f"{failure.value.message} {failure.value.fix}"
    assert failure.value.fix and all(word in text for word in words), text
    return failure.value


def typed_values(settings) -> dict:
    """A Python True and an endpoint with a trailing slash: Spark's conf takes both."""
    return {**solution(settings), "fs.s3a.path.style.access": True,
            "fs.s3a.endpoint": settings.s3_endpoint + "/"}  # fmt: skip


def host_and_port(settings) -> dict[str, str]:
    """The endpoint without its scheme, SSL switched off by its own setting."""
    return {
        **solution(settings),
        "fs.s3a.endpoint": settings.s3_endpoint.split("://", 1)[1],
        "fs.s3a.connection.ssl.enabled": "false",
    }


@pytest.mark.parametrize("answer", [solution, server_style, typed_values, host_and_port])
def test_correct_answers_pass(answer, capsys):
    options = checks.check_s3a_options(answer, load_settings(profile="local"))
    endpoint = load_settings(profile="local").s3_endpoint
    assert endpoint.endswith(
        options["fs.s3a.endpoint"].rstrip("/")
    )  # as written, by its Hadoop name
    assert all(key.startswith("fs.s3a.") for key in options)  # Hadoop names, whatever was written
    assert "✓" in capsys.readouterr().out


def test_a_typed_in_endpoint_fails_even_when_it_is_right_today():
    endpoint = load_settings(profile="local").s3_endpoint
    fails(
        lambda s: {**solution(s), "fs.s3a.endpoint": endpoint},
        "typed into the code",
        "settings.s3_endpoint",
    )


def test_a_typed_in_secret_fails():
    secret = load_settings(profile="local").s3_secret_key
    failure = fails(
        lambda s: {**solution(s), "fs.s3a.secret.key": secret}, "settings.s3_secret_key"
    )
    assert secret not in failure.message  # never echo a secret


def test_virtual_host_addressing_fails_with_the_reason():
    fails(
        lambda s: {**solution(s), "fs.s3a.path.style.access": "false"},
        "path.style",
        "http://host/bucket",
    )


def test_missing_credentials_provider_fails():
    options = lambda s: {k: v for k, v in solution(s).items() if "provider" not in k}  # noqa: E731
    fails(options, "credentials.provider is missing", PROVIDER)


def test_wrong_endpoint_fails():
    fails(
        lambda s: {**solution(s), "fs.s3a.endpoint": "http://localhost:9000"},
        "settings.s3_endpoint",
    )


def test_an_endpoint_without_scheme_is_https_unless_ssl_is_off():
    fails(
        lambda s: {**solution(s), "fs.s3a.endpoint": s.s3_endpoint.split("://", 1)[1]},
        "settings.s3_endpoint",
    )


def test_a_non_s3a_setting_fails():
    fails(lambda s: {**solution(s), "aws.secret": "x"}, "not S3A settings", "fs.s3a.")


def test_nothing_returned_fails():
    fails(lambda s: None, "returned no settings")


def test_sail_equivalent_names_the_environment():
    from lakehouse_kit.spark import sail_equivalent

    env = sail_equivalent(solution(load_settings(profile="local")))
    assert set(env) == {
        "AWS_ENDPOINT",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_ALLOW_HTTP",
    }
