"""Settings and profiles: where the engine, the object store and the SQL engine live.

Precedence, highest first: environment variables, the project's `.env`, profile defaults.
Lesson code never holds an endpoint or a credential: it asks `load_settings()`.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from dotenv import dotenv_values

from lakehouse_kit.errors import KitError

PROJECT_ROOT = Path(os.environ.get("LAKEHOUSE_PROJECT", Path(__file__).resolve().parent.parent))
PROFILES = ("local", "docker", "remote")

# Local defaults only work on 127.0.0.1: the kit binds its servers there and nowhere else.
LOCAL_ACCESS_KEY = "lakehouse"
LOCAL_SECRET_KEY = "lakehouse-local-only"
LOCAL_S3_PORT = 19000
LOCAL_SPARK_PORT = 15102

_DEFAULTS = {
    "local": {
        "s3_endpoint": f"http://127.0.0.1:{LOCAL_S3_PORT}",
        "spark_remote": f"sc://127.0.0.1:{LOCAL_SPARK_PORT}",
        "s3_access_key": LOCAL_ACCESS_KEY,
        "s3_secret_key": LOCAL_SECRET_KEY,
        "sql_url": "duckdb:///:memory:",
    },
    # The docker stack publishes its ports on 127.0.0.1 (docker-compose.yml); inside the
    # stack, the jupyter service overrides these with service names.
    "docker": {
        "s3_endpoint": "http://127.0.0.1:9000",
        "spark_remote": "sc://127.0.0.1:15002",
        "s3_access_key": "lakehouse",
        "s3_secret_key": "lakehouse-secret",
        "sql_url": "trino://trino@127.0.0.1:8080/delta",
    },
    "remote": {
        "s3_endpoint": "",
        "spark_remote": "",
        "s3_access_key": "",
        "s3_secret_key": "",
        "sql_url": "",
    },
}

_ENV_NAMES = {
    "s3_endpoint": "LAKEHOUSE_S3_ENDPOINT",
    "s3_region": "LAKEHOUSE_S3_REGION",
    "s3_access_key": "LAKEHOUSE_S3_ACCESS_KEY",
    "s3_secret_key": "LAKEHOUSE_S3_SECRET_KEY",
    "bucket": "LAKEHOUSE_BUCKET",
    "spark_remote": "LAKEHOUSE_SPARK_REMOTE",
    "sql_url": "LAKEHOUSE_SQL_URL",
    "table_format": "LAKEHOUSE_TABLE_FORMAT",
    "home": "LAKEHOUSE_HOME",
    "warehouse": "LAKEHOUSE_WAREHOUSE",
}


@dataclass(frozen=True)
class Settings:
    profile: str
    home: Path  # git-ignored folder for the local services' data, pids and logs
    s3_endpoint: str
    s3_region: str
    s3_access_key: str
    s3_secret_key: str
    bucket: str
    spark_remote: str
    sql_url: str
    table_format: str
    # Where the medallion tables and the landing files live: the bucket (default
    # s3a://<bucket>), or a local folder / file:// URI (the JVM Spark baseline has no S3A jars).
    warehouse: str = ""

    @property
    def local_warehouse(self) -> Path | None:
        """The warehouse folder when the warehouse is local, else None (it is the bucket)."""
        if self.warehouse.startswith("file://"):
            return Path(self.warehouse.removeprefix("file://"))
        if self.warehouse and "://" not in self.warehouse:
            return Path(self.warehouse).resolve()
        return None

    @property
    def data_dir(self) -> Path:
        return PROJECT_ROOT / "data"

    @property
    def run_dir(self) -> Path:
        return self.home / "run"

    @property
    def is_local(self) -> bool:
        return self.profile == "local"

    def public(self) -> dict:
        """The settings as JSON-ready values (for `lakehouse status --json`)."""
        values = asdict(self)
        values["home"] = str(self.home)
        return values


def _read_env_file(root: Path) -> dict[str, str]:
    path = root / ".env"
    return {k: v for k, v in dotenv_values(path).items() if v is not None} if path.exists() else {}


def _live_local_endpoints(home: Path) -> dict[str, str]:
    """Endpoints of the running local services: a taken port moves them (see services.py)."""
    ports_file = home / "run" / "ports.json"
    if not ports_file.exists():
        return {}
    ports = json.loads(ports_file.read_text())
    live = {}
    if "s3" in ports:
        live["s3_endpoint"] = f"http://127.0.0.1:{ports['s3']}"
    if "spark" in ports:
        live["spark_remote"] = f"sc://127.0.0.1:{ports['spark']}"
    return live


def load_settings(**overrides: str) -> Settings:
    """Read the active profile's settings (environment > .env > defaults)."""
    sources = {**_read_env_file(PROJECT_ROOT), **os.environ}
    profile = overrides.pop("profile", None) or sources.get("LAKEHOUSE_PROFILE", "local")
    if profile not in PROFILES:
        raise KitError(
            f"Unknown profile {profile!r}.",
            fix=f"Set LAKEHOUSE_PROFILE to one of: {', '.join(PROFILES)}.",
        )
    values = {"s3_region": "us-east-1", "bucket": "lakehouse", "table_format": "delta"}
    values.update(_DEFAULTS[profile])
    values["home"] = str(PROJECT_ROOT / ".lakehouse")
    home = Path(sources.get("LAKEHOUSE_HOME", values["home"]))
    if profile == "local":
        values.update(_live_local_endpoints(home))
    for field, env_name in _ENV_NAMES.items():
        if env_name in sources:
            values[field] = sources[env_name]
    values.update(overrides)
    values.setdefault("warehouse", f"s3a://{values['bucket']}")
    settings = Settings(profile=profile, **{**values, "home": Path(values["home"])})
    _require_complete(settings)
    return settings


def _require_complete(settings: Settings) -> None:
    needed = ("spark_remote", "sql_url")
    if settings.local_warehouse is None:  # a local warehouse needs no object store
        needed += ("s3_endpoint", "s3_access_key", "s3_secret_key")
    missing = [_ENV_NAMES[f] for f in needed if not getattr(settings, f)]
    if missing:
        raise KitError(
            f"The {settings.profile!r} profile needs settings that are not set: {', '.join(missing)}.",
            fix="Set them in the environment or in the project's .env file (see README, 'Profiles').",
        )
