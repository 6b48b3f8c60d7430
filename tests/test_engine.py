"""The engine's lakehouse configuration (lesson 1's answer): kept as a template in the home,
filled with live values at every start, and the engine restarted when it changes."""

from __future__ import annotations

import json

import pytest

from lakehouse_kit import engine, services
from lakehouse_kit.settings import load_settings
from lakehouse_kit.spark import lakehouse_round_trip


def course_answer(settings) -> dict[str, str]:
    """Lesson 1's solution, as a learner writes it."""
    return {
        "spark.hadoop.fs.s3a.endpoint": settings.s3_endpoint,
        "spark.hadoop.fs.s3a.path.style.access": "true",
        "spark.hadoop.fs.s3a.aws.credentials.provider": "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider",
        "spark.hadoop.fs.s3a.access.key": settings.s3_access_key,
        "spark.hadoop.fs.s3a.secret.key": settings.s3_secret_key,
        "spark.sql.extensions": "io.delta.sql.DeltaSparkSessionExtension",
        "spark.sql.catalog.spark_catalog": "org.apache.spark.sql.delta.catalog.DeltaCatalog",
        "spark.sql.catalogImplementation": "hive",
        "spark.hadoop.hive.metastore.uris": settings.metastore_uri,
    }


def test_a_template_keeps_no_secret_and_fills_with_live_values():
    settings = load_settings(profile="stack")
    template = engine.template_of(course_answer, settings)
    assert template == engine.COURSE_CONF
    assert settings.s3_secret_key not in json.dumps(template)
    live = engine.live_settings(settings, {"s3": 4242, "metastore": 4343})
    filled = engine.fill(template, live)
    assert filled["spark.hadoop.fs.s3a.endpoint"] == "http://127.0.0.1:4242"
    assert filled["spark.hadoop.hive.metastore.uris"] == "thrift://127.0.0.1:4343"
    assert filled["spark.hadoop.fs.s3a.secret.key"] == settings.s3_secret_key


def test_sail_reads_the_same_facts_from_its_environment():
    settings = load_settings(profile="local")
    env = engine.sail_environment(engine.fill(engine.COURSE_CONF, settings), settings)
    assert env == {
        "AWS_ENDPOINT_URL": settings.s3_endpoint,
        "AWS_REGION": settings.s3_region,
        "AWS_ACCESS_KEY_ID": settings.s3_access_key,
        "AWS_SECRET_ACCESS_KEY": settings.s3_secret_key,
        "AWS_ALLOW_HTTP": "true",
    }


@pytest.mark.services
def test_the_engine_runs_with_the_saved_configuration_and_refuses_a_wrong_one(kit_home):
    """A wrong secret or endpoint saved as lesson 1's answer restarts Sail with it, and the
    lakehouse round trip fails at the write; back to the course's, it works again."""
    with kit_home("engine", start=True) as settings:
        assert lakehouse_round_trip(settings) == ("", "")
        assert engine.server_conf(settings)[1] == "the course's"
        for key, wrong, words in (
            ("spark.hadoop.fs.s3a.secret.key", "not-the-secret", "403"),
            ("spark.hadoop.fs.s3a.endpoint", "http://127.0.0.1:1", "refused"),
        ):
            template = {**engine.template_of(course_answer, settings), key: wrong}
            assert services.configure_engine(template, settings) is True
            assert engine.server_conf(load_settings())[1] == "yours"
            step, error = lakehouse_round_trip(load_settings())
            assert step == "write" and words in error, (step, error)
        assert services.configure_engine(None, settings) is True
        assert lakehouse_round_trip(load_settings()) == ("", "")
        assert services.configure_engine(None, settings) is False  # nothing changed
