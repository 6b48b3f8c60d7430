"""Lesson 1's `engine_conf`: the server's lakehouse configuration. Every correct way passes
(and leaves the engine running: its values are the course's), each wrong one fails with a hint
that names it before the engine is touched; a wrong value that reaches the engine is refused
by the round trip, and the engine goes back to the configuration it had."""

from __future__ import annotations

import pytest
from catalogue import alternative, mistake, valid, wrong
from test_checks_s3a import solution as s3a_solution
from test_engine import course_answer

from lakehouse_kit import checks, engine
from lakehouse_kit.checks import CheckFailed
from lakehouse_kit.settings import load_settings

DELTA_EXTENSION = "io.delta.sql.DeltaSparkSessionExtension"
DELTA_CATALOG = "org.apache.spark.sql.delta.catalog.DeltaCatalog"


def lesson_answer(settings, s3a):
    """The lesson's answer, as the solution writes it."""
    conf = {f"spark.hadoop.{key}": value for key, value in s3a.items()}
    conf["spark.sql.extensions"] = DELTA_EXTENSION
    conf["spark.sql.catalog.spark_catalog"] = DELTA_CATALOG
    conf["spark.sql.catalogImplementation"] = "hive"
    conf["spark.hadoop.hive.metastore.uris"] = settings.metastore_uri
    return conf


# ---------------------------------------------------------------- valid


@alternative("engine_conf")
def one_literal(settings, s3a):
    """One dict literal, the Delta part first."""
    return {
        "spark.sql.catalog.spark_catalog": DELTA_CATALOG,
        "spark.sql.extensions": DELTA_EXTENSION,
        "spark.hadoop.hive.metastore.uris": settings.metastore_uri,
        "spark.sql.catalogImplementation": "hive",
        **{"spark.hadoop." + k: v for k, v in s3a.items()},
    }


@alternative("engine_conf")
def s3a_already_prefixed(settings, s3a):
    """S3A names given with the prefix already are kept as they are."""
    prefixed = {
        k if k.startswith("spark.hadoop.") else f"spark.hadoop.{k}": v for k, v in s3a.items()
    }
    return {**lesson_answer(settings, {}), **prefixed}


# ---------------------------------------------------------------- wrong


@mistake("engine_conf", hint="lack the spark.hadoop. prefix")
def s3a_without_prefix(settings, s3a):
    return {**lesson_answer(settings, {}), **s3a}


@mistake("engine_conf", hint="spark.sql.extensions is missing")
def no_delta_extension(settings, s3a):
    conf = lesson_answer(settings, s3a)
    del conf["spark.sql.extensions"]
    return conf


@mistake("engine_conf", hint="Spark's own catalog must know Delta tables")
def delta_catalog_under_its_own_name(settings, s3a):
    """The Delta catalog registered as a second catalog, `delta`, not as spark_catalog."""
    conf = lesson_answer(settings, s3a)
    conf["spark.sql.catalog.delta"] = conf.pop("spark.sql.catalog.spark_catalog")
    return conf


@mistake("engine_conf", hint='with "in-memory" the engine forgets')
def in_memory_catalog(settings, s3a):
    return {**lesson_answer(settings, s3a), "spark.sql.catalogImplementation": "in-memory"}


@mistake("engine_conf", hint="read from the settings")
def metastore_typed_in(settings, s3a):
    return {
        **lesson_answer(settings, s3a),
        "spark.hadoop.hive.metastore.uris": settings.metastore_uri or "thrift://127.0.0.1:9083",
    }


@mistake("engine_conf", hint="Use settings.metastore_uri")
def spark_address_as_metastore(settings, s3a):
    return {
        **lesson_answer(settings, s3a),
        "spark.hadoop.hive.metastore.uris": settings.spark_remote,
    }


@mistake("engine_conf", hint="is missing")
def s3a_argument_ignored(settings, s3a):
    """Only the Delta and catalog part: the S3A settings of the argument left out."""
    return lesson_answer(settings, {})


@mistake("engine_conf", hint="Take the S3A values from the s3a argument")
def endpoint_rewritten(settings, s3a):
    conf = lesson_answer(settings, s3a)
    conf["spark.hadoop.fs.s3a.endpoint"] = "http://localhost:9000"
    return conf


@mistake("engine_conf", hint="not part of this exercise")
def extra_setting(settings, s3a):
    return {**lesson_answer(settings, s3a), "spark.sql.warehouse.dir": "/tmp/warehouse"}


@mistake("engine_conf", hint="not the settings as a dict")
def a_list_of_pairs(settings, s3a):
    return list(lesson_answer(settings, s3a).items())


# ---------------------------------------------------------------- tests


def test_the_lessons_answer_is_the_course_configuration():
    settings = load_settings(profile="stack")
    template = engine.template_of(lambda s: lesson_answer(s, s3a_solution(s)), settings)
    assert template == engine.template_of(course_answer, settings) == engine.COURSE_CONF


@pytest.mark.parametrize(
    "answer", [lesson_answer, *(a.function for a in valid("engine_conf"))], ids=lambda f: f.__name__
)
def test_correct_configurations_pass_and_run_the_engine(spark, answer, capsys):
    checks.check_engine_conf(answer, s3a_solution)
    out = capsys.readouterr().out
    assert "your configuration" in out and "read back by name" in out
    assert spark.range(3).count() == 3  # the same values: the engine was not restarted


@pytest.mark.parametrize("answer", wrong("engine_conf"), ids=str)
def test_wrong_configurations_fail_with_their_hint_before_the_engine(spark, answer):
    before = engine.saved_template(load_settings())
    with pytest.raises(CheckFailed) as failure:
        checks.check_engine_conf(answer.function, s3a_solution)
    text = f"{failure.value.message} {failure.value.fix}"
    assert answer.hint in text, text
    assert engine.saved_template(load_settings()) == before  # nothing saved, nothing restarted


@pytest.mark.services
def test_a_wrong_value_that_reaches_the_engine_is_refused_and_undone(kit_home):
    """A secret that is not the store's (another profile's settings, say) gets past the
    judging: the engine restarts with it, the round trip fails at the write with the keys'
    hint, and the engine runs with the previous configuration again."""
    with kit_home("engine-conf", start=True) as settings:
        stale = {**s3a_solution(settings), "fs.s3a.secret.key": "last-weeks-secret"}
        with pytest.raises(CheckFailed) as failure:
            checks.engine_conf._run_the_engine_with(lesson_answer, lambda s: stale, settings)
        assert "(write)" in failure.value.message and "secret.key" in failure.value.fix
        assert "previous configuration" in failure.value.fix
        assert engine.saved_template(load_settings()) is None
        from lakehouse_kit.spark import lakehouse_round_trip

        assert lakehouse_round_trip(load_settings()) == ("", "")
