"""Object storage: the bucket, the landing upload and a readable listing of what is where.

Every S3 call runs inside `s3_errors`, which turns botocore's failures into a message that
names the fix.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import boto3
from boto3.exceptions import Boto3Error
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError

from lakehouse_kit import runtime
from lakehouse_kit.errors import ServiceError
from lakehouse_kit.settings import Settings, load_settings, s3_variables

if TYPE_CHECKING:
    import pandas as pd

LANDING_PREFIX = "landing"


def s3_client(settings: Settings | None = None):
    """A boto3 client for the settings' store, made once per endpoint and keys (a lesson asks
    for one many times: bucket, catalog, catch-up, listings)."""
    variables = s3_variables(settings or load_settings())
    clients = runtime.state().s3_clients
    key = tuple(sorted(variables.items()))
    if key not in clients:
        clients[key] = _client(variables)
    return clients[key]


def _client(variables: dict[str, str]):
    return boto3.client(
        "s3",
        endpoint_url=variables.get("AWS_ENDPOINT_URL"),
        aws_access_key_id=variables.get("AWS_ACCESS_KEY_ID"),
        aws_secret_access_key=variables.get("AWS_SECRET_ACCESS_KEY"),
        region_name=variables.get("AWS_REGION"),
        # Path-style addressing: local servers and MinIO have no per-bucket DNS names.
        # Short timeouts and few retries: a stopped server must fail in seconds, not hang.
        config=Config(
            s3={"addressing_style": "path"},
            connect_timeout=2,
            read_timeout=30,
            retries={"max_attempts": 2, "mode": "standard"},
        ),
    )


def _error_code(error: Exception) -> str:
    return getattr(error, "response", {}).get("Error", {}).get("Code", "")


def explain_s3_error(error: Exception, settings: Settings) -> ServiceError:
    """Turn a botocore failure into a message that names the fix."""
    if isinstance(error, EndpointConnectionError):
        return ServiceError(
            f"The S3 server at {settings.s3_endpoint} does not answer.",
            fix="Start it with `lakehouse up` (or check LAKEHOUSE_S3_ENDPOINT).",
        )
    code = _error_code(error)
    if code in {"InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "403"}:
        return ServiceError(
            f"The S3 server refused the credentials ({code}).",
            fix="Check LAKEHOUSE_S3_ACCESS_KEY and LAKEHOUSE_S3_SECRET_KEY (or .env).",
        )
    return ServiceError(f"S3 request failed: {error}", fix="Run `lakehouse doctor`.")


@contextmanager
def s3_errors(settings: Settings) -> Iterator[None]:
    """Run S3 calls; a failure becomes a ServiceError that says what to do."""
    try:
        yield
    except (BotoCoreError, ClientError, Boto3Error) as error:
        raise explain_s3_error(error, settings) from None


def ensure_bucket(settings: Settings | None = None) -> str:
    settings = settings or load_settings()
    client = s3_client(settings)
    with s3_errors(settings):
        names = {b["Name"] for b in client.list_buckets().get("Buckets", [])}
        if settings.bucket not in names:
            client.create_bucket(Bucket=settings.bucket)
    return settings.bucket


def upload_landing(batch: int, settings: Settings | None = None) -> list[str]:
    """Copy one batch of raw files from the landing folder (data/landing unless the
    `landing_dir` setting says otherwise) to s3://<bucket>/landing/batch_NNN/."""
    settings = settings or load_settings()
    folder = settings.landing / f"batch_{batch:03d}"
    files = sorted(folder.glob("*.jsonl"))
    if not files:
        raise ServiceError(f"No landing files in {folder}.", fix="Check the batch number (1 or 2).")
    ensure_bucket(settings)
    keys = [f"{LANDING_PREFIX}/{folder.name}/{path.name}" for path in files]
    client = s3_client(settings)
    with s3_errors(settings):
        for path, key in zip(files, keys, strict=True):
            client.upload_file(str(path), settings.bucket, key)
    return keys


def object_uri(key: str, settings: Settings | None = None, scheme: str = "s3a") -> str:
    """The URI of a key in the bucket. Spark uses s3a:// (the JVM needs it, Sail accepts it);
    DuckDB and deltalake use s3://."""
    settings = settings or load_settings()
    return f"{scheme}://{settings.bucket}/{key}"


def landing_uri(batch: int, name: str, settings: Settings | None = None) -> str:
    """Where Spark reads a landing file."""
    return object_uri(f"{LANDING_PREFIX}/batch_{batch:03d}/{name}.jsonl", settings)


def list_objects(prefix: str = "", settings: Settings | None = None) -> pd.DataFrame:
    """Every object under a prefix as a table: key, size in KB, last modified."""
    settings = settings or load_settings()
    with s3_errors(settings):
        rows = [
            {"key": o["Key"], "size_kb": round(o["Size"] / 1024, 1), "modified": o["LastModified"]}
            for page in _pages(s3_client(settings), settings.bucket, prefix)
            for o in page.get("Contents", [])
        ]
    import pandas as pd  # not at the top: `lakehouse up` creates the bucket without pandas

    return pd.DataFrame(rows, columns=["key", "size_kb", "modified"])


def list_folders(prefix: str, settings: Settings | None = None) -> list[str]:
    """The names of the folders right under a prefix ('silver/' -> ['moves', 'pokemon']): one
    request per thousand folders, however many objects they hold."""
    settings = settings or load_settings()
    with s3_errors(settings):
        return [
            folder["Prefix"][len(prefix) :].rstrip("/")
            for page in _pages(s3_client(settings), settings.bucket, prefix, Delimiter="/")
            for folder in page.get("CommonPrefixes", [])
        ]


def has_objects(prefix: str, settings: Settings | None = None) -> bool:
    """Whether any object's key starts with `prefix` (one request, however many there are)."""
    settings = settings or load_settings()
    with s3_errors(settings):
        pages = _pages(s3_client(settings), settings.bucket, prefix, MaxKeys=1)
        return any(page.get("KeyCount", 0) for page in itertools.islice(pages, 1))


def _pages(client, bucket: str, prefix: str, **options) -> Iterator[dict]:
    try:
        paginator = client.get_paginator("list_objects_v2")
        yield from paginator.paginate(Bucket=bucket, Prefix=prefix, **options)
    except ClientError as error:
        if _error_code(error) != "NoSuchBucket":  # no bucket yet: nothing stored yet
            raise


def summarize_bucket(settings: Settings | None = None) -> pd.DataFrame:
    """What is where: one row per folder two levels deep (landing/batch_001, silver/pokemon)."""
    objects = list_objects("", settings)
    if objects.empty:
        import pandas as pd

        return pd.DataFrame(columns=["folder", "objects", "size_kb"])
    objects["folder"] = objects["key"].str.split("/").str[:2].str.join("/")
    summary = objects.groupby("folder").agg(objects=("key", "size"), size_kb=("size_kb", "sum"))
    return summary.reset_index()


def delete_prefix(prefix: str, settings: Settings | None = None) -> int:
    """Delete every object under a prefix; returns how many."""
    settings = settings or load_settings()
    keys = list(list_objects(prefix, settings)["key"])
    client = s3_client(settings)
    with s3_errors(settings):
        for start in range(0, len(keys), 1000):
            chunk = [{"Key": k} for k in keys[start : start + 1000]]
            client.delete_objects(Bucket=settings.bucket, Delete={"Objects": chunk})
    return len(keys)
