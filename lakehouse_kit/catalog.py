"""The medallion catalog: layer names, where each table lives, and registering tables.

Tables live at a path convention, s3a://<bucket>/<layer>/<table>. Sail's catalog is in memory
and per session, so every session re-registers what it finds in the bucket; on the JVM stack
(`stack`, `docker`) the same statements land in the Hive Metastore, where Trino sees them.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

from lakehouse_kit import runtime
from lakehouse_kit.errors import KitError
from lakehouse_kit.settings import Settings, load_settings
from lakehouse_kit.storage import has_objects, list_folders, object_uri

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

LAYERS = ("bronze", "silver", "gold")


def split_name(table: str) -> tuple[str, str]:
    layer, _, name = table.partition(".")
    if layer not in LAYERS or not name.isidentifier():
        raise KitError(
            f"{table!r} is not a medallion table name.",
            fix=f"Use '<layer>.<name>' with a layer in {LAYERS}, e.g. 'silver.pokemon'.",
        )
    return layer, name


def table_uri(table: str, settings: Settings | None = None, scheme: str = "s3a") -> str:
    """Where a table's files live (see `storage.object_uri` for the schemes)."""
    layer, name = split_name(table)
    return object_uri(f"{layer}/{name}", settings, scheme)


def checkpoint_uri(name: str, settings: Settings | None = None) -> str:
    """A scratch place for intermediate results, outside the medallion layers."""
    return object_uri(f"_checkpoints/{name}", settings)


DELTA_LOG = "/_delta_log/"  # a key part only a table's files have


def discover_tables(settings: Settings | None = None) -> list[str]:
    """Every table in the warehouse, found by its folder and Delta log: a request per layer and
    per folder, not a listing of every file (every notebook asks, and files pile up). Inside
    `listed_once`, the first answer."""
    settings = settings or load_settings()
    listing, store = runtime.state().listing, (settings.s3_endpoint, settings.bucket)
    if listing is not None and store in listing:
        return list(listing[store])
    tables = _list_tables(settings)
    if listing is not None:
        listing[store] = tables
    return tables


def _list_tables(settings: Settings) -> list[str]:
    from concurrent.futures import ThreadPoolExecutor

    # The requests go out together: SeaweedFS keeps a deleted table's empty folder for a while
    # (the checks' scratch tables: 20-35 folders by lesson 5), and each asks a round trip.
    with ThreadPoolExecutor(max_workers=8) as pool:
        folders = pool.map(lambda layer: list_folders(f"{layer}/", settings), LAYERS)
        names = [
            f"{layer}.{name}"
            for layer, names in zip(LAYERS, folders, strict=True)
            for name in names
            if name.isidentifier()
        ]
        found = pool.map(lambda table: table_exists(table, settings), names)
        return sorted(name for name, exists in zip(names, found, strict=True) if exists)


@contextlib.contextmanager
def listed_once() -> Iterator[None]:
    """List the bucket's tables once while the block runs: a replayed notebook's `get_spark`
    and `catch_up` each ask (about 20 requests), though the replay's kernel has its tables
    registered and caught up already. The tables the block writes with `save_table` register
    themselves; `course.require`, which builds tables in another kernel, calls
    `forget_listing` so the next question lists afresh. Not kept any longer than the block:
    a table deleted later (its folder stays on SeaweedFS) must not be found."""
    state = runtime.state()
    saved, state.listing = state.listing, {}
    try:
        yield
    finally:
        state.listing = saved


def forget_listing() -> None:
    """Tables were made outside this process: the next `discover_tables` lists the bucket."""
    if runtime.state().listing:
        runtime.state().listing.clear()


def table_exists(table: str, settings: Settings | None = None) -> bool:
    """Whether the table's files are in the bucket (whatever the session's catalog says)."""
    layer, name = split_name(table)
    return has_objects(f"{layer}/{name}{DELTA_LOG}", settings)


def _create_table(spark: SparkSession, table: str, settings: Settings) -> None:
    spark.sql(
        f"CREATE TABLE IF NOT EXISTS {table} USING delta LOCATION '{table_uri(table, settings)}'"
    )


def register_table(spark: SparkSession, table: str, settings: Settings | None = None) -> None:
    settings = settings or load_settings()
    spark.sql(f"CREATE SCHEMA IF NOT EXISTS {split_name(table)[0]}")
    _create_table(spark, table, settings)


def register_all(spark: SparkSession, settings: Settings | None = None) -> list[str]:
    """Create the medallion schemas and register every table found in the bucket."""
    settings = settings or load_settings()
    # What this session has registered: a table is registered by its location, so once is
    # enough; every notebook of a course run asks again, and each statement is a round trip.
    done = runtime.state().registered.setdefault(spark.session_id, set())
    if done and not spark.catalog.databaseExists(LAYERS[0]):
        done.clear()  # a restarted server took the session id over with an empty catalog
    for layer in LAYERS:
        if layer not in done:
            spark.sql(f"CREATE SCHEMA IF NOT EXISTS {layer}")
            done.add(layer)
    tables = discover_tables(settings)
    for table in tables:
        if table not in done:
            _create_table(spark, table, settings)
            done.add(table)
    return tables
