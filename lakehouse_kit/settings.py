"""Settings and profiles: where the engine, the object store and the SQL engine live.

Precedence, highest first: environment variables, the live ports of the services the kit
started, the project's `.env`, profile defaults. Lesson code never holds an endpoint or a
credential: it asks `load_settings()`.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from pathlib import Path

from dotenv import dotenv_values

from lakehouse_kit import home as kit_home
from lakehouse_kit import runtime
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
        # Sail has no metastore: its catalog lives in each session.
        "metastore_uri": f"thrift://127.0.0.1:{ports['metastore']}" if "metastore" in ports else "",
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
        # The Spark server reaches the metastore by its service name, inside the stack.
        "metastore_uri": "thrift://hive-metastore:9083",
    },
    "remote": {
        "s3_endpoint": "",
        "spark_remote": "",
        "s3_access_key": "",
        "s3_secret_key": "",
        "sql_url": "",
        "metastore_uri": "",
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
    "metastore_uri": "LAKEHOUSE_METASTORE_URI",
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
    # Where the engine finds the shared catalog (thrift://host:port), as its server sees it;
    # empty on `local`, whose engine has none.
    metastore_uri: str = ""
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
        return kit_home.state_dir(self.home, self.profile)

    @property
    def run_dir(self) -> Path:
        return kit_home.run_dir(self.home, self.profile)

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
    ports of the services change (`runtime.reset()` forgets them with the rest)."""
    kit_env = tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("LAKEHOUSE_")))
    home = kit_home.resolve_home(os.environ.get("LAKEHOUSE_HOME", ""), PROJECT_ROOT)
    live_files = [
        kit_home.endpoints_file(kit_home.run_dir(home, profile)) for profile in LOCAL_PORTS
    ]
    stamps = (_mtime(PROJECT_ROOT / ".env"), *map(_mtime, live_files))
    key = (PROJECT_ROOT, kit_env, stamps, tuple(sorted(overrides.items())))
    cache = runtime.state().settings
    if key not in cache:
        if len(cache) >= 32:  # old environments and stamps: not asked for again
            cache.clear()
        cache[key] = _load(*key)
    return cache[key]


def refresh_settings() -> None:
    """Forget cached settings: the services just moved (the endpoints file's time stamp may
    not have changed within its resolution)."""
    runtime.state().settings.clear()


def _load(root: Path, kit_env: tuple, stamps: tuple, overrides: tuple) -> Settings:
    overrides = dict(overrides)
    env_file, environment = _read_env_file(root), dict(kit_env)
    sources = {**env_file, **environment}
    profile = overrides.pop("profile", None) or sources.get("LAKEHOUSE_PROFILE", "local")
    if profile not in PROFILES:
        raise KitError(
            f"Unknown profile {profile!r}.",
            fix=f"Set LAKEHOUSE_PROFILE to one of: {', '.join(PROFILES)}.",
        )
    values = {"s3_region": "us-east-1", "bucket": "lakehouse"}
    values.update(_DEFAULTS[profile])
    values["cache_dir"] = str(Path.home() / ".cache" / "lakehouse-kit")
    values.update(_named(env_file))
    # A live port wins over .env: a service moved off a taken port must not be looked for at
    # the old one (where a stranger may answer). Only the shell's environment overrides it.
    if profile in LOCAL_PORTS:
        home = kit_home.resolve_home(sources.get("LAKEHOUSE_HOME", ""), root)
        values.update(kit_home.live_endpoints(kit_home.run_dir(home, profile)))
    values.update(_named(environment))
    values.update(overrides)
    values["home"] = kit_home.resolve_home(str(values.get("home", "")), root)
    settings = Settings(profile=profile, **values)
    _require_complete(settings)
    _require_well_formed(settings)
    return settings


def _named(variables: dict[str, str]) -> dict[str, str]:
    """Settings values from variables named as in _ENV_NAMES."""
    return {field: variables[name] for field, name in _ENV_NAMES.items() if name in variables}


def _require_complete(settings: Settings) -> None:
    needed = ("spark_remote", "sql_url", "s3_endpoint", "s3_access_key", "s3_secret_key")
    missing = [_ENV_NAMES[f] for f in needed if not getattr(settings, f)]
    if missing:
        raise KitError(
            f"The {settings.profile!r} profile needs settings that are not set: {', '.join(missing)}.",
            fix="Set them in the environment or in the project's .env file (see README, 'Profiles').",
        )


# The URL settings: the schemes each accepts, and an example for the error message.
_URL_SHAPES = {
    "spark_remote": (("sc",), "sc://127.0.0.1:15002"),
    "s3_endpoint": (("http", "https"), "http://127.0.0.1:9000"),
}


def _require_well_formed(settings: Settings) -> None:
    """A URL setting with a wrong scheme, no host or a port that is no port fails here, where
    it is read, naming the variable: not later as a traceback from a client library."""
    for field, (schemes, example) in _URL_SHAPES.items():
        value = getattr(settings, field)
        problem = _url_problem(value, schemes)
        if problem:
            raise KitError(
                f"{_ENV_NAMES[field]}={value!r} is not a valid URL: {problem}.",
                fix=f"Set {_ENV_NAMES[field]} (environment or .env) to a URL such as {example}, "
                "or unset it for the profile's default.",
            )
    if "://" not in settings.sql_url:
        raise KitError(
            f"LAKEHOUSE_SQL_URL={settings.sql_url!r} is not a SQLAlchemy URL.",
            fix="Set LAKEHOUSE_SQL_URL to e.g. duckdb:///:memory: or trino://user@127.0.0.1:8080/delta.",
        )


def _url_problem(value: str, schemes: tuple[str, ...]) -> str:
    """What is wrong with a URL, or "" when nothing is."""
    from urllib.parse import urlsplit

    parts = urlsplit(value)
    if parts.scheme not in schemes:
        return f"it must start with {' or '.join(s + '://' for s in schemes)}"
    if not parts.hostname:
        return "it names no host"
    try:
        port = parts.port  # raises for a port that is not a number from 0 to 65535
    except ValueError:
        port = 0
    return "its port is not a number from 1 to 65535" if port == 0 else ""


def aws_variables(endpoint: str, region: str, access_key: str, secret_key: str) -> dict[str, str]:
    """S3 facts by the AWS_* names every client outside the JVM reads: Sail's and delta-rs'
    object_store, boto3, SeaweedFS, the stack's config files. The one spelling of them, so what
    a lesson shows is what the engine gets. A fact left empty is left out (the client's default
    applies, as it would for a setting the learner forgot)."""
    variables = {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_REGION": region,
        "AWS_ACCESS_KEY_ID": access_key,
        "AWS_SECRET_ACCESS_KEY": secret_key,
    }
    variables = {name: value for name, value in variables.items() if value}
    if endpoint.startswith("http://"):
        variables["AWS_ALLOW_HTTP"] = "true"  # object_store refuses plain HTTP unless told
    return variables


def s3_variables(settings: Settings) -> dict[str, str]:
    """The settings' S3 facts as AWS_* variables (see `aws_variables`)."""
    return aws_variables(
        settings.s3_endpoint, settings.s3_region, settings.s3_access_key, settings.s3_secret_key
    )
