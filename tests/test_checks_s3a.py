"""Lesson 1's exercises: every correct way to write them passes, each wrong one fails with a
hint that names it. `s3a_options` is judged on settings alone (no server); `write_starters`
writes to the bucket, as the lesson's cell does."""

from __future__ import annotations

import pandas as pd
import pytest
from catalogue import alternative, mistake, valid, wrong
from pyspark.sql import Row
from solution_code import solution as solution_of

from lakehouse_kit import checks
from lakehouse_kit.checks import CheckFailed
from lakehouse_kit.settings import load_settings

PROVIDER = "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider"


def solution(settings) -> dict[str, str]:
    """The lesson's answer (test_stack hands it to the JVM engine)."""
    return {
        "fs.s3a.endpoint": settings.s3_endpoint,
        "fs.s3a.path.style.access": "true",
        "fs.s3a.aws.credentials.provider": PROVIDER,
        "fs.s3a.access.key": settings.s3_access_key,
        "fs.s3a.secret.key": settings.s3_secret_key,
    }


def fails(func, *words: str) -> CheckFailed:
    with pytest.raises(CheckFailed) as failure:
        checks.check_s3a_options(func, load_settings(profile="local"))
    text = f"{failure.value.message} {failure.value.fix}"
    assert failure.value.fix and all(word in text for word in words), text
    return failure.value


# ---------------------------------------------------------------- s3a_options: valid


@alternative("s3a_options")
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


@alternative("s3a_options")
def typed_values(settings) -> dict:
    """A Python True and an endpoint with a trailing slash: Spark's conf takes both."""
    return {**solution(settings), "fs.s3a.path.style.access": True,
            "fs.s3a.endpoint": settings.s3_endpoint + "/"}  # fmt: skip


@alternative("s3a_options")
def host_and_port(settings) -> dict[str, str]:
    """The endpoint without its scheme, SSL said by its own setting, from the scheme."""
    scheme, host = settings.s3_endpoint.split("://", 1)
    return {
        **solution(settings),
        "fs.s3a.endpoint": host,
        "fs.s3a.connection.ssl.enabled": str(scheme == "https").lower(),
    }


@alternative("s3a_options")
def with_harmless_extras(settings) -> dict[str, str]:
    """Settings tutorials add, each right: the file system class, SSL agreeing with the
    scheme, a region, the cache switch and retry limits the lesson mentions."""
    return {
        **solution(settings),
        "fs.s3a.impl": "org.apache.hadoop.fs.s3a.S3AFileSystem",
        "fs.s3a.connection.ssl.enabled": "true" if settings.s3_endpoint.startswith("https") else "false",
        "fs.s3a.endpoint.region": settings.s3_region,
        "fs.s3a.impl.disable.cache": "true",
        "fs.s3a.attempts.maximum": "1",
        "fs.s3a.retry.interval": "200ms",
        "fs.s3a.connection.maximum": "50",
    }  # fmt: skip


@alternative("s3a_options")
def built_in_a_loop(settings) -> dict[str, str]:
    names = {"endpoint": "s3_endpoint", "access.key": "s3_access_key",
             "secret.key": "s3_secret_key"}  # fmt: skip
    options = {f"fs.s3a.{key}": getattr(settings, field) for key, field in names.items()}
    options["fs.s3a.path.style.access"] = str(True).lower()
    options["fs.s3a.aws.credentials.provider"] = PROVIDER
    return options


# ---------------------------------------------------------------- s3a_options: wrong


@mistake("s3a_options", hint="typed into the code")
def typed_endpoint(settings):
    return {**solution(settings), "fs.s3a.endpoint": load_settings(profile="local").s3_endpoint}


@mistake("s3a_options", hint="settings.s3_secret_key")
def typed_secret(settings):
    return {**solution(settings), "fs.s3a.secret.key": load_settings(profile="local").s3_secret_key}


@mistake("s3a_options", hint="settings.s3_region")
def typed_region(settings):
    return {**solution(settings), "fs.s3a.endpoint.region": "us-east-1"}


@mistake("s3a_options", hint="the scheme of settings.s3_endpoint")
def typed_ssl_switch(settings):
    """SSL off, typed in: right for the local http:// store only."""
    return {**solution(settings), "fs.s3a.connection.ssl.enabled": "false"}


@mistake("s3a_options", hint="agree with the endpoint's scheme")
def ssl_on_for_an_http_store(settings):
    return {**solution(settings), "fs.s3a.connection.ssl.enabled": "true"}


@mistake("s3a_options", hint="http://host/bucket")
def virtual_host_addressing(settings):
    return {**solution(settings), "fs.s3a.path.style.access": "false"}


@mistake("s3a_options", hint="credentials.provider is missing")
def no_provider(settings):
    return {k: v for k, v in solution(settings).items() if "provider" not in k}


@mistake("s3a_options", hint="sends no keys")
def anonymous_provider(settings):
    return {**solution(settings), "fs.s3a.aws.credentials.provider":
            "org.apache.hadoop.fs.s3a.AnonymousAWSCredentialsProvider"}  # fmt: skip


@mistake("s3a_options", hint="session token")
def temporary_provider(settings):
    return {**solution(settings), "fs.s3a.aws.credentials.provider":
            "org.apache.hadoop.fs.s3a.TemporaryAWSCredentialsProvider"}  # fmt: skip


@mistake("s3a_options", hint="environment variables")
def environment_provider(settings):
    return {**solution(settings), "fs.s3a.aws.credentials.provider":
            "com.amazonaws.auth.EnvironmentVariableCredentialsProvider"}  # fmt: skip


@mistake("s3a_options", hint="swapped")
def swapped_keys(settings):
    return {**solution(settings), "fs.s3a.access.key": settings.s3_secret_key,
            "fs.s3a.secret.key": settings.s3_access_key}  # fmt: skip


@mistake("s3a_options", hint="settings.s3_endpoint")
def another_store(settings):
    return {**solution(settings), "fs.s3a.endpoint": "http://localhost:9000"}


@mistake("s3a_options", hint="settings.spark_remote")
def spark_address_as_endpoint(settings):
    return {**solution(settings), "fs.s3a.endpoint": settings.spark_remote}


@mistake("s3a_options", hint="the server alone")
def bucket_in_the_endpoint(settings):
    return {**solution(settings), "fs.s3a.endpoint": f"{settings.s3_endpoint}/{settings.bucket}"}


@mistake("s3a_options", hint="settings.s3_endpoint")
def endpoint_without_scheme(settings):
    """Without a scheme S3A uses https unless SSL is switched off: the store speaks http."""
    return {**solution(settings), "fs.s3a.endpoint": settings.s3_endpoint.split("://", 1)[1]}


@mistake("s3a_options", hint="not S3A settings")
def not_an_s3a_setting(settings):
    return {**solution(settings), "aws.secret": "x"}


@mistake("s3a_options", hint="spark.hadoop.fs.s3a")
def half_a_prefix(settings):
    return {f"spark.{key}": value for key, value in solution(settings).items()}


@mistake("s3a_options", hint="Did you mean fs.s3a.path.style.access")
def misspelt_setting(settings):
    options = solution(settings)
    return {**options, "fs.s3a.path.style.acess": options.pop("fs.s3a.path.style.access")}


@mistake("s3a_options", hint="unknown S3A setting can break a real session")
def encryption_the_store_lacks(settings):
    return {**solution(settings), "fs.s3a.encryption.algorithm": "SSE-KMS"}


@mistake("s3a_options", hint="S3AFileSystem")
def old_file_system_class(settings):
    return {**solution(settings), "fs.s3a.impl": "org.apache.hadoop.fs.s3.S3FileSystem"}


@mistake("s3a_options", hint="positive whole number")
def no_connections(settings):
    return {**solution(settings), "fs.s3a.connection.maximum": "0"}


@mistake("s3a_options", hint="given twice")
def given_twice(settings):
    return {**solution(settings), "spark.hadoop.fs.s3a.endpoint": "http://localhost:9000"}


@mistake("s3a_options", hint="returned no settings")
def nothing_returned(settings):
    return None


@mistake("s3a_options", hint="returned a list, not a dict")
def pairs_not_a_dict(settings):
    return list(solution(settings).items())


def test_the_lessons_answer_passes(capsys):
    settings = load_settings(profile="local")
    answer = solution_of("01", settings=settings)["s3a_options"]
    options = checks.check_s3a_options(answer, settings)
    assert options == solution(settings)
    assert "✓" in capsys.readouterr().out


@pytest.mark.parametrize("answer", valid("s3a_options"), ids=str)
def test_correct_answers_pass(answer, capsys):
    settings = load_settings(profile="local")
    options = checks.check_s3a_options(answer.function, settings)
    host = options["fs.s3a.endpoint"].split("://")[-1].rstrip("/")
    assert settings.s3_endpoint.endswith(host)  # as written, by its Hadoop name
    assert all(key.startswith("fs.s3a.") for key in options)  # Hadoop names, whatever was written
    assert "✓" in capsys.readouterr().out


@pytest.mark.parametrize("answer", wrong("s3a_options"), ids=str)
def test_wrong_answers_fail_with_their_hint(answer):
    fails(answer.function, answer.hint)


def test_a_secret_is_never_echoed():
    for answer in (typed_secret, swapped_keys):
        failure = fails(answer)
        assert load_settings(profile="local").s3_secret_key not in failure.message


def test_every_accepted_setting_is_judged():
    """Each setting the check accepts refuses a value that is wrong for it."""
    from lakehouse_kit.checks.s3a import JUDGES

    settings = load_settings(profile="local")
    for key, judge in JUDGES.items():
        assert judge("not-a-value", solution(settings), settings), key


# ---------------------------------------------------------------- write_starters

PLAYGROUND = "playground/starters"  # the lesson's parameter
STARTERS = [(1, "Bulbasaur", "grass"), (4, "Charmander", "fire"), (7, "Squirtle", "water")]
SCHEMA = "id INT, name STRING, primary_type STRING"


def run_starters_cell(spark, write_starters, first_run: bool = True) -> None:
    """Lesson 1's cell: write_starters(spark, uri), then the check as the cell calls it. A
    first run finds nothing under the playground."""
    from lakehouse_kit.storage import delete_prefix, object_uri

    if first_run:
        delete_prefix(PLAYGROUND + "/")
    starters = write_starters(spark, object_uri(PLAYGROUND))
    checks.check_starters(starters, prefix=PLAYGROUND, write_starters=write_starters)


@alternative("write_starters")
def inferred_schema(spark, uri):
    """Read back without a schema: the columns come sorted, id as a long."""
    spark.createDataFrame(STARTERS, SCHEMA).write.mode("overwrite").json(uri)
    return spark.read.json(uri)


@alternative("write_starters")
def one_file_through_format(spark, uri):
    rows = [Row(id=i, name=n, primary_type=t) for i, n, t in STARTERS]
    spark.createDataFrame(rows).coalesce(1).write.format("json").mode("overwrite").save(uri)
    return spark.read.format("json").schema(SCHEMA).load(uri)


@alternative("write_starters")
def from_pandas(spark, uri):
    frame = pd.DataFrame(STARTERS, columns=["id", "name", "primary_type"])
    spark.createDataFrame(frame).write.json(uri, mode="overwrite")
    return spark.read.json(uri).select("id", "name", "primary_type")


@alternative("write_starters")
def from_sql_values(spark, uri):
    spark.sql(
        "SELECT * FROM VALUES (1, 'Bulbasaur', 'grass'), (4, 'Charmander', 'fire'), "
        "(7, 'Squirtle', 'water') AS starters(id, name, primary_type)"
    ).write.mode("overwrite").json(uri)
    return spark.read.schema(SCHEMA).json(uri)


def _written(spark, uri, rows=STARTERS, schema=SCHEMA, mode="overwrite"):
    spark.createDataFrame(rows, schema).write.mode(mode).json(uri)
    return spark.read.schema(schema).json(uri)


@mistake("write_starters", hint="appended")
def appends(spark, uri):
    return _written(spark, uri, mode="append")


@mistake("write_starters", hint="mode('ignore')")
def ignores_what_is_there(spark, uri):
    return _written(spark, uri, mode="ignore")


@mistake("write_starters", hint="mode('overwrite')")
def no_mode(spark, uri):
    """The default mode refuses a folder that exists: the second run fails."""
    spark.createDataFrame(STARTERS, SCHEMA).write.json(uri)
    return spark.read.schema(SCHEMA).json(uri)


@mistake("write_starters", hint="Parquet")
def parquet(spark, uri):
    spark.createDataFrame(STARTERS, SCHEMA).write.mode("overwrite").parquet(uri)
    return spark.read.parquet(uri)


@mistake("write_starters", hint="not JSON Lines")
def csv(spark, uri):
    spark.createDataFrame(STARTERS, SCHEMA).write.mode("overwrite").csv(uri, header=True)
    return spark.read.csv(uri, header=True, schema=SCHEMA)


@mistake("write_starters", hint="the argument")
def the_notebooks_uri(spark, uri):
    """The notebook's global `uri` instead of the argument: right only for that uri."""
    from lakehouse_kit.storage import object_uri

    return _written(spark, object_uri(PLAYGROUND))


@mistake("write_starters", hint="not the one read back")
def not_read_back(spark, uri):
    starters = spark.createDataFrame(STARTERS, SCHEMA)
    starters.write.mode("overwrite").json(uri)
    return starters


@mistake("write_starters", hint="returned nothing")
def returns_nothing(spark, uri):
    _written(spark, uri)


@mistake("write_starters", hint="returned a pandas DataFrame, not a Spark DataFrame")
def returns_pandas(spark, uri):
    return _written(spark, uri).toPandas()


@mistake("write_starters", hint="(4, Charmander, fire)")
def charmander_is_water(spark, uri):
    return _written(spark, uri, [*STARTERS[:1], (4, "Charmander", "water"), *STARTERS[2:]])


@mistake("write_starters", hint="three Kanto starters")
def squirtle_missing(spark, uri):
    return _written(spark, uri, STARTERS[:2])


@mistake("write_starters", hint="id (a number)")
def ids_as_text(spark, uri):
    rows = [(str(i), n, t) for i, n, t in STARTERS]
    return _written(spark, uri, rows, "id STRING, name STRING, primary_type STRING")


@mistake("write_starters", hint="primary_type")
def column_named_type(spark, uri):
    return _written(spark, uri, schema="id INT, name STRING, type STRING")


def test_the_lessons_write_starters_passes_twice(spark, capsys):
    answer = solution_of("01", spark=spark, settings=load_settings())["write_starters"]
    run_starters_cell(spark, answer)
    run_starters_cell(spark, answer, first_run=False)  # running the cell twice is harmless
    assert capsys.readouterr().out.count("✓") == 2


@pytest.mark.parametrize("answer", valid("write_starters"), ids=str)
def test_other_ways_to_write_the_starters_pass(spark, answer):
    run_starters_cell(spark, answer.function)
    run_starters_cell(spark, answer.function, first_run=False)


@pytest.mark.parametrize("answer", wrong("write_starters"), ids=str)
def test_wrong_starters_fail_with_their_hint(spark, answer):
    with pytest.raises(CheckFailed) as failure:
        run_starters_cell(spark, answer.function)
    assert answer.hint in f"{failure.value.message} {failure.value.fix}"


def test_the_check_leaves_no_file_behind(spark):
    from lakehouse_kit.storage import has_objects

    with pytest.raises(CheckFailed):
        run_starters_cell(spark, appends)
    assert not has_objects("playground/_check_starters/")
