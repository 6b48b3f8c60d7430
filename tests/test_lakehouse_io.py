"""Object storage, Delta tables written by Spark, read by DuckDB and delta-rs: the real stack."""

from __future__ import annotations

import uuid

import pandas as pd
import pytest

from lakehouse_kit import catalog, delta_ops, runtime, storage
from lakehouse_kit.errors import KitError
from lakehouse_kit.spark import get_spark, save_table
from lakehouse_kit.sql import sql_engine

TABLE = "bronze.kit_io_probe"
ROWS = [(1, "bulbasaur", 45), (2, "ivysaur", 60), (3, "venusaur", 80)]


@pytest.fixture(scope="module")
def probe_table(spark, lakehouse):
    """A Delta table written once through the kit (version 0)."""
    df = spark.createDataFrame(ROWS, "id long, name string, hp int")
    assert save_table(df, TABLE) == TABLE
    return TABLE


def test_s3_round_trip(lakehouse):
    assert storage.ensure_bucket(lakehouse) == lakehouse.bucket
    client = storage.s3_client(lakehouse)
    key = f"scratch/{uuid.uuid4().hex}.txt"
    client.put_object(Bucket=lakehouse.bucket, Key=key, Body=b"pika")
    listed = storage.list_objects("scratch/", lakehouse)
    assert key in set(listed["key"])
    assert list(listed.columns) == ["key", "size_kb", "modified"]
    assert client.get_object(Bucket=lakehouse.bucket, Key=key)["Body"].read() == b"pika"
    assert storage.delete_prefix("scratch/", lakehouse) >= 1
    assert storage.list_objects("scratch/", lakehouse).empty


def test_spark_table_then_duckdb_then_history(spark, lakehouse, probe_table):
    from_spark = spark.table(probe_table).orderBy("id").toPandas()
    assert list(from_spark.columns) == ["id", "name", "hp"]
    assert list(from_spark.itertuples(index=False, name=None)) == ROWS

    from_duckdb = pd.read_sql(
        f"SELECT id, name, hp FROM {probe_table} ORDER BY id", sql_engine(lakehouse)
    )
    assert list(from_duckdb.itertuples(index=False, name=None)) == ROWS

    history = delta_ops.history(probe_table, lakehouse)
    assert list(history["version"]) == sorted(history["version"], reverse=True)
    assert history["version"].iloc[-1] == 0
    assert history["operation"].notna().all() and (history["operation"] != "").all()
    assert delta_ops.file_count(probe_table, lakehouse) >= 1


def test_overwrite_with_new_schema_is_re_registered(spark, lakehouse, probe_table):
    versions_before = len(delta_ops.history(probe_table, lakehouse))
    changed = spark.createDataFrame(
        [(1, "bulbasaur", 45, "grass")], "id long, name string, hp int, type string"
    )
    save_table(changed, probe_table)
    assert spark.table(probe_table).columns == ["id", "name", "hp", "type"]
    assert [tuple(r) for r in spark.table(probe_table).collect()] == [(1, "bulbasaur", 45, "grass")]

    history = delta_ops.history(probe_table, lakehouse)
    assert len(history) == versions_before + 1
    assert history["version"].iloc[0] == versions_before  # the newest first

    # A new SQL engine sees the new schema too.
    seen = pd.read_sql(f"SELECT * FROM {probe_table}", sql_engine(lakehouse))
    assert list(seen.columns) == ["id", "name", "hp", "type"] and len(seen) == 1


def test_sql_engines_share_one_database(spark, lakehouse, probe_table):
    """The extensions are loaded once per process; each new engine's views are the tables it
    found: a new table appears, a removed one goes (not a view over missing files)."""
    first = sql_engine(lakehouse)
    assert pd.read_sql(f"SELECT count(*) AS n FROM {probe_table}", first)["n"][0] >= 1
    extra = "silver.kit_io_shared"
    save_table(spark.createDataFrame([(1,)], "id int"), extra)
    try:
        second = sql_engine(lakehouse)
        assert pd.read_sql(f"SELECT count(*) AS n FROM {extra}", second)["n"][0] == 1
    finally:
        spark.sql(f"DROP TABLE IF EXISTS {extra}")
        storage.delete_prefix("silver/kit_io_shared/", lakehouse)
    third = sql_engine(lakehouse)
    with pytest.raises(Exception, match="kit_io_shared"):
        pd.read_sql(f"SELECT count(*) AS n FROM {extra}", third)


def test_discover_and_summarize(lakehouse, probe_table):
    assert probe_table in catalog.discover_tables(lakehouse)
    # Folders that are no Delta table: files without a log, a name no table can have.
    client = storage.s3_client(lakehouse)
    not_tables = ["silver/notes_kit_io/readme.txt", "gold/kit-io-probe/_delta_log/0.json"]
    for key in not_tables:
        client.put_object(Bucket=lakehouse.bucket, Key=key, Body=b"{}")
    try:
        found = catalog.discover_tables(lakehouse)
        assert "silver.notes_kit_io" not in found and not any("kit-io" in t for t in found)
        assert catalog.table_exists(probe_table, lakehouse)
        assert not catalog.table_exists("silver.notes_kit_io", lakehouse)
        assert "notes_kit_io" in storage.list_folders("silver/", lakehouse)
    finally:
        for key in not_tables:
            client.delete_object(Bucket=lakehouse.bucket, Key=key)


def test_a_wiped_table_is_no_longer_discovered(spark, lakehouse):
    """SeaweedFS keeps a folder whose files are all deleted: a folder alone is no table."""
    table = "silver.kit_io_wiped"
    save_table(spark.range(3), table)
    assert table in catalog.discover_tables(lakehouse)
    assert storage.delete_prefix("silver/kit_io_wiped/", lakehouse) >= 2
    assert "kit_io_wiped" in storage.list_folders("silver/", lakehouse)  # the empty folder
    assert table not in catalog.discover_tables(lakehouse)
    assert not catalog.table_exists(table, lakehouse)
    summary = storage.summarize_bucket(lakehouse)
    assert list(summary.columns) == ["folder", "objects", "size_kb"]
    row = summary[summary["folder"] == "bronze/kit_io_probe"]
    assert len(row) == 1 and row["objects"].iloc[0] >= 2  # data files and the Delta log


@pytest.mark.parametrize(
    "bad", ["pokemon", "platinum.pokemon", "silver.", "silver.poke-mon", "silver.1st"]
)
def test_split_name_rejects_bad_names(bad):
    with pytest.raises(KitError) as info:
        catalog.split_name(bad)
    assert "silver.pokemon" in info.value.fix


def test_split_name_and_uri(lakehouse):
    assert catalog.split_name("gold.team_stats") == ("gold", "team_stats")
    assert (
        catalog.table_uri("gold.team_stats", lakehouse)
        == f"s3a://{lakehouse.bucket}/gold/team_stats"
    )
    assert catalog.table_uri("gold.team_stats", lakehouse, scheme="s3").startswith("s3://")


def test_fresh_session_sees_the_table_again(spark, lakehouse, probe_table):
    from pyspark.errors import AnalysisException

    # A new kernel has no cached session (the fixture's stays open for the other tests).
    with runtime.isolated():
        bare = get_spark(lakehouse, register=False)
        assert bare.session_id != spark.session_id
        with pytest.raises(AnalysisException):  # Sail's catalog is per session: none registered
            bare.table(probe_table).collect()
        bare.stop()

        fresh = get_spark(lakehouse)  # after stop(): a new session, which registers everything
        assert fresh.session_id not in {spark.session_id, bare.session_id}
        assert probe_table in catalog.register_all(fresh, lakehouse)
        assert fresh.table(probe_table).count() == spark.table(probe_table).count() > 0
    assert fresh.is_stopped and not spark.is_stopped  # the block's session closed, not ours


def test_restore_undoes_a_bad_write_and_vacuum_keeps_the_retention_rule(spark, lakehouse):
    """RESTORE makes an old version current again as a new commit; a vacuum shorter than the
    retention period is refused with the fix, and deletes only when overridden on purpose."""
    table = "bronze.kit_restore_probe"
    save_table(spark.createDataFrame(ROWS, "id long, name string, hp int"), table)
    save_table(spark.createDataFrame([(9, "missingno", 0)], "id long, name string, hp int"), table)
    delta_ops.restore(table, 0)
    assert sorted(r["id"] for r in spark.table(table).collect()) == [1, 2, 3]
    assert list(delta_ops.history(table, lakehouse)["operation"])[:1] == ["RESTORE"]

    with pytest.raises(KitError) as refused:
        delta_ops.vacuum(table, retention_hours=0)
    assert "override_retention=True" in refused.value.fix
    assert delta_ops.vacuum(table, retention_hours=0, dry_run=True, override_retention=True)
    assert delta_ops.vacuum(table, dry_run=True) == []  # nothing is a week old
