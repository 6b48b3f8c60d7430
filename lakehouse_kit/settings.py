"""Settings and profiles: where the engine, the object store and the SQL engine live.

Precedence, highest first: environment variables, the project's `.env`, profile defaults.
Lesson code never holds an endpoint or a credential: it asks `load_settings()`.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

from dotenv import dotenv_values

from lakehouse_kit.errors import KitError

PROJECT_ROOT = Path(os.environ.get("LAKEHOUSE_PROJECT", Path(__file__).resolve().parent.parent))
PROFILES = ("local", "stack", "docker", "remote")

# Local defaults only work on 127.0.0.1: the kit binds its servers there and nowhere else.
LOCAL_ACCESS_KEY = "lakehouse"
LOCAL_SECRET_KEY = "lakehouse-local-only"
# Preferred ports of the kit-managed services (a taken one is replaced by a free one). The two
# profiles differ, so `local` and `stack` can run side by side.
LOCAL_PORTS = {
    "local": {"s3": 19000, "spark": 15102},
    "stack": {"s3": 19200, "postgres": 15432, "metastore": 19083, "spark": 15202, "trino": 18080},
}
LOCAL_S3_PORT = LOCAL_PORTS["local"]["s3"]
LOCAL_SPARK_PORT = LOCAL_PORTS["local"]["spark"]


def _local_defaults(profile: str) -> dict[str, str]:
    ports = LOCAL_PORTS[profile]
    sql_url = (
        "duckdb:///:memory:"
        if profile == "local"
        else f"trino://lakehouse@127.0.0.1:{ports['trino']}/delta"
    )
    return {
        "s3_endpoint": f"http://127.0.0.1:{ports['s3']}",
        "spark_remote": f"sc://127.0.0.1:{ports['spark']}",
        "s3_access_key": LOCAL_ACCESS_KEY,
        "s3_secret_key": LOCAL_SECRET_KEY,
        "sql_url": sql_url,
    }


_DEFAULTS = {
    "local": _local_defaults("local"),
    # The seed's JVM stack as local processes: SeaweedFS, PostgreSQL, Hive Metastore, JVM
    # Spark Connect (S3A, Delta) and Trino (see stack.py).
    "stack": _local_defaults("stack"),
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
    "home": "LAKEHOUSE_HOME",
    "landing_dir": "LAKEHOUSE_LANDING_DIR",
    "cache_dir": "LAKEHOUSE_CACHE",
    "java_home": "LAKEHOUSE_JAVA_HOME",
    "trino_java_home": "LAKEHOUSE_TRINO_JAVA_HOME",
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
    # The raw files the course lands: batch_NNN/ folders, manifest.json beside them.
    landing_dir: str = ""
    # What `stack` installs once (Spark distribution, jars, Trino), shared by every home.
    cache_dir: str = ""
    # JDKs for `stack` (empty: found in JAVA_HOME, /usr/lib/jvm or on PATH): Spark and the
    # metastore run on Java 17-21, Trino 476 needs 24 or newer.
    java_home: str = ""
    trino_java_home: str = ""

    @property
    def data_dir(self) -> Path:
        return PROJECT_ROOT / "data"

    @property
    def landing(self) -> Path:
        return Path(self.landing_dir) if self.landing_dir else self.data_dir / "landing"

    @property
    def state_dir(self) -> Path:
        """Where this profile's services keep data, pids and logs."""
        return state_dir(self.home, self.profile)

    @property
    def run_dir(self) -> Path:
        return self.state_dir / "run"

    @property
    def is_local(self) -> bool:
        """The embedded engine (Sail): no JVM, no metastore."""
        return self.profile == "local"

    @property
    def kit_managed(self) -> bool:
        """The kit runs this profile's services on this machine (`lakehouse up`)."""
        return self.profile in LOCAL_PORTS

    def public(self) -> dict:
        """The settings as JSON-ready values (for `lakehouse status --json`)."""
        values = asdict(self)
        values["home"] = str(self.home)
        return values


def state_dir(home: Path, profile: str) -> Path:
    """`stack` keeps its services apart from `local`'s, so both can share one home."""
    return home / "stack" if profile == "stack" else home


def _read_env_file(root: Path) -> dict[str, str]:
    path = root / ".env"
    return {k: v for k, v in dotenv_values(path).items() if v is not None} if path.exists() else {}


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def load_settings(**overrides: str) -> Settings:
    """The active profile's settings (environment > live service ports > .env > defaults).

    Cached: read again only when the kit's environment variables, the .env file or the live
    ports of the services change (`refresh_settings()` forgets everything)."""
    kit_env = tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("LAKEHOUSE_")))
    home = os.environ.get("LAKEHOUSE_HOME", "")
    home = Path(home or PROJECT_ROOT / ".lakehouse")
    live_files = [state_dir(home, profile) / "run" / "endpoints.json" for profile in LOCAL_PORTS]
    stamps = (_mtime(PROJECT_ROOT / ".env"), *map(_mtime, live_files))
    return _load(PROJECT_ROOT, kit_env, stamps, tuple(sorted(overrides.items())))


def refresh_settings() -> None:
    """Forget cached settings (after the services moved)."""
    _load.cache_clear()


@lru_cache(maxsize=32)
def _load(root: Path, kit_env: tuple, stamps: tuple, overrides: tuple) -> Settings:
    from lakehouse_kit.supervisor import live_endpoints

    overrides = dict(overrides)
    sources = {**_read_env_file(root), **dict(kit_env)}
    profile = overrides.pop("profile", None) or sources.get("LAKEHOUSE_PROFILE", "local")
    if profile not in PROFILES:
        raise KitError(
            f"Unknown profile {profile!r}.",
            fix=f"Set LAKEHOUSE_PROFILE to one of: {', '.join(PROFILES)}.",
        )
    values = {"s3_region": "us-east-1", "bucket": "lakehouse"}
    values.update(_DEFAULTS[profile])
    values["home"] = str(root / ".lakehouse")
    values["cache_dir"] = str(Path.home() / ".cache" / "lakehouse-kit")
    home = Path(sources.get("LAKEHOUSE_HOME", values["home"]))
    if profile in LOCAL_PORTS:
        values.update(live_endpoints(state_dir(home, profile) / "run"))
    for field, env_name in _ENV_NAMES.items():
        if env_name in sources:
            values[field] = sources[env_name]
    values.update(overrides)
    settings = Settings(profile=profile, **{**values, "home": Path(values["home"])})
    _require_complete(settings)
    return settings


def _require_complete(settings: Settings) -> None:
    needed = ("spark_remote", "sql_url", "s3_endpoint", "s3_access_key", "s3_secret_key")
    missing = [_ENV_NAMES[f] for f in needed if not getattr(settings, f)]
    if missing:
        raise KitError(
            f"The {settings.profile!r} profile needs settings that are not set: {', '.join(missing)}.",
            fix="Set them in the environment or in the project's .env file (see README, 'Profiles').",
        )


@contextlib.contextmanager
def environment_default(name: str, value: str):
    """Set an environment variable the shell left unset, only while the block runs: an import or
    a call that needs it gets it without the process keeping a change it never asked for."""
    if name in os.environ:
        yield
        return
    os.environ[name] = value
    try:
        yield
    finally:
        os.environ.pop(name, None)
