"""SQL access through SQLAlchemy, the same on every profile: `pandas.read_sql(query, engine)`.

Embedded: DuckDB with the delta and httpfs extensions loaded from their installed wheels
(no downloads), one view per medallion table so names match Spark's (`silver.pokemon`), in a
database named `delta` like Trino's catalog, so full names match too (`delta.silver.pokemon`).
Stack, docker and remote: Trino's delta_lake catalog, where Spark registered the same names.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import sqlalchemy as sa

from lakehouse_kit import catalog, runtime
from lakehouse_kit.catalog import LAYERS
from lakehouse_kit.errors import KitError
from lakehouse_kit.settings import Settings, load_settings

CATALOG = "delta"  # Trino's catalog of the Delta tables; DuckDB's database of the views
# One loading at a time: a database being made in the background (`prepare`, called in a
# thread by lesson 1's round trip) is waited for, not made twice.
_LOADING = threading.Lock()


def sql_engine(settings: Settings | None = None) -> sa.Engine:
    """A SQLAlchemy engine over the lakehouse for the active profile. Its names complete to the
    `delta` catalog: `silver.pokemon` is `delta.silver.pokemon`."""
    settings = settings or load_settings()
    if settings.sql_url.startswith("duckdb"):
        return _duckdb_engine(settings)
    if settings.sql_url.startswith("trino"):
        return sa.create_engine(settings.sql_url)
    raise KitError(
        f"Unsupported SQL URL {settings.sql_url!r}.",
        fix="Set LAKEHOUSE_SQL_URL to duckdb:///:memory: or trino://user@host:port/catalog.",
    )


def _extension_file(module_name: str) -> str:
    module = __import__(module_name)
    found = sorted(Path(module.__file__).parent.glob("extensions/*/*.duckdb_extension"))
    if not found:
        raise KitError(
            f"No DuckDB extension inside {module_name}.",
            fix="pip install the pinned duckdb-extension-* wheels (pyproject.toml).",
        )
    return str(found[-1])


def _duckdb_engine(settings: Settings) -> sa.Engine:
    # The catalog is read once, when the engine is made: make a new engine to see new tables.
    from duckdb_engine import ConnectionWrapper

    tables = catalog.discover_tables(settings)
    database = _duckdb_database(settings)
    engine = sa.create_engine(
        settings.sql_url, creator=lambda: ConnectionWrapper(database.cursor())
    )

    @sa.event.listens_for(engine, "connect")
    def _prepare(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        # The views are the database's, shared by every engine of this process: the newest
        # engine's tables replace them, and a view whose table is gone goes too.
        cursor.execute(
            "SELECT schema_name || '.' || view_name FROM duckdb_views() "
            f"WHERE database_name = '{CATALOG}' AND NOT internal"
        )
        for (gone,) in cursor.fetchall():
            if gone not in tables:
                cursor.execute(f"DROP VIEW {CATALOG}.{gone}")
        for table in tables:
            uri = catalog.table_uri(table, settings, scheme="s3")
            cursor.execute(
                f"CREATE OR REPLACE VIEW {CATALOG}.{table} AS SELECT * FROM delta_scan('{uri}')"
            )
        cursor.execute(f"USE {CATALOG}")
        cursor.close()

    return engine


def _duckdb_database(settings: Settings):
    """This process's DuckDB database for the settings' URL and S3 keys, made once: loading the
    delta extension takes 0.45 s per database, and lessons 1 and 5 (and each check that makes
    an engine) share a kernel. Each engine connects with a cursor of its own."""
    secret = _duckdb_secret(settings)
    databases = runtime.state().duckdb
    key = (settings.sql_url, secret)
    with _LOADING:
        if key not in databases:
            databases[key] = _new_duckdb_database(settings, secret)
    return databases[key]


def _new_duckdb_database(settings: Settings, secret: str):
    import duckdb

    database = duckdb.connect(
        sa.make_url(settings.sql_url).database or ":memory:",
        config={"autoinstall_known_extensions": False, "autoload_known_extensions": False},
    )
    for module in ("duckdb_extension_httpfs", "duckdb_extension_delta"):
        database.execute(f"LOAD '{_extension_file(module)}'")
    database.execute(secret)
    database.execute(f"ATTACH IF NOT EXISTS ':memory:' AS {CATALOG}")
    for layer in LAYERS:
        database.execute(f"CREATE SCHEMA IF NOT EXISTS {CATALOG}.{layer}")
    return database


def prepare(settings: Settings | None = None) -> None:
    """Make the embedded engine's database now (its extensions take 0.45 s to load) and import
    its SQLAlchemy dialect: the next `sql_engine()` finds both ready, or waits for them.
    Nothing to do for a SQL server (Trino)."""
    settings = settings or load_settings()
    if settings.sql_url.startswith("duckdb"):
        import duckdb_engine  # noqa: F401 - what sa.create_engine imports for a duckdb URL

        _duckdb_database(settings)


@contextlib.contextmanager
def without_default_catalog(engine: sa.Engine) -> Iterator[sa.Connection]:
    """A connection to `engine`'s SQL engine whose names complete to no catalog, as for a client
    connected to the server rather than to one of its catalogs: queries must write
    `delta.silver.pokemon`. DuckDB: the engine's own connection, in its empty default database
    for the while; Trino: a connection without a catalog."""
    if engine.dialect.name != "duckdb":
        # Not the URL without its catalog: the trino driver then picks `system`.
        bare = sa.create_engine(engine.url, connect_args={"catalog": None})
        try:
            with bare.connect() as connection:
                yield connection
        finally:
            bare.dispose()
        return
    with engine.connect() as connection:
        default = connection.exec_driver_sql(
            "SELECT database_name FROM duckdb_databases() WHERE NOT internal "
            f"AND database_name <> '{CATALOG}' ORDER BY database_oid LIMIT 1"
        ).scalar_one()
        connection.exec_driver_sql(f'USE "{default}"')
        try:
            yield connection
        finally:
            connection.rollback()  # a failed query leaves DuckDB's transaction aborted
            connection.exec_driver_sql(f"USE {CATALOG}")


def _duckdb_secret(settings: Settings) -> str:
    endpoint = urlparse(settings.s3_endpoint)
    use_ssl = "true" if endpoint.scheme == "https" else "false"
    return (
        "CREATE OR REPLACE SECRET lakehouse (TYPE s3, "
        f"KEY_ID '{settings.s3_access_key}', SECRET '{settings.s3_secret_key}', "
        f"REGION '{settings.s3_region}', ENDPOINT '{endpoint.netloc}', "
        f"URL_STYLE 'path', USE_SSL {use_ssl})"
    )


def sql_dialect(settings: Settings | None = None) -> str:
    """'duckdb' or 'trino': which engine answers `sql_engine()` on this profile."""
    settings = settings or load_settings()
    return settings.sql_url.split(":", 1)[0]


def on_trino(engine: sa.Engine, shows: str = "") -> bool:
    """Whether `engine` is Trino. When it is not, say plainly what the cell would show there,
    so a lesson cell that needs a SQL server explains itself on the embedded profile."""
    if engine.dialect.name == "trino":
        return True
    if shows:
        print(
            f"Needs Trino (profile `stack` or `docker`): {shows}. "
            f"This profile's SQL engine is {engine.dialect.name}."
        )
    return False
