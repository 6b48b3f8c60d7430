# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lesson 1 — Spark and object storage
#
# **What you will build:** the configuration that makes Spark a lakehouse engine — how it
# reaches the object store (S3A), how it reads and writes Delta tables, and where it keeps the
# shared catalog — then the engine restarted with *your* configuration, and a first file
# written by Spark into the lake and listed by an S3 client.
#
# **Why:** a lakehouse separates *storage* (cheap, durable object storage speaking the S3 API)
# from *compute* (an engine such as Spark that you can start, stop and scale on its own). The
# engine knows nothing about the bucket, the table format or the catalog until it is told;
# every later lesson runs on the engine you configure here.
#
# This notebook is a **Spark Connect** client: the engine runs in another process (embedded
# Sail on your laptop, a JVM Spark server on the `stack` profile or in Docker, or a cluster),
# and the same code works on all of them. The kit picks the engine from your *profile*, never
# from lesson code.

# %% tags=["parameters"]
playground = "playground/starters"  # where the first exercise writes, inside the bucket

# %%
from lakehouse_kit import checks
from lakehouse_kit.services import ensure_services
from lakehouse_kit.spark import get_spark
from lakehouse_kit.storage import list_objects, s3_client, summarize_bucket

settings = ensure_services()  # starts the local services if they are down
print(f"profile {settings.profile!r}: Spark at {settings.spark_remote}, S3 at {settings.s3_endpoint}")


# %% [markdown]
# ## Exercise 1 — tell Spark how to reach the bucket (S3A)
#
# Spark on the JVM reads and writes object storage through **S3A**, Hadoop's S3 connector. It
# knows nothing about your bucket until it is told, in settings named `fs.s3a.*` (in a
# server's `spark-defaults.conf` the same names carry the prefix `spark.hadoop.`):
#
# | setting | why |
# |---|---|
# | `fs.s3a.endpoint` | which server: AWS by default, here the lake's own S3 server |
# | `fs.s3a.path.style.access` | `"true"`: address a bucket as `http://host/bucket`; local stores and MinIO have no per-bucket host names |
# | `fs.s3a.aws.credentials.provider` | where the keys come from: `org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider` reads the two settings below |
# | `fs.s3a.access.key`, `fs.s3a.secret.key` | the credentials |
#
# Write `s3a_options(settings)` returning these five as a dict of strings. Take every value
# that depends on where you run from `settings` (`settings.s3_endpoint`,
# `settings.s3_access_key`, `settings.s3_secret_key`), never as a typed-in literal: the same
# notebook must work on every profile, and a secret must not live in a notebook.

# %% tags=["solution"]
def s3a_options(settings) -> dict[str, str]:
    """The S3A settings (fs.s3a.*) that let Spark on the JVM reach the lake's bucket."""
    raise NotImplementedError("TODO: The S3A settings (fs.s3a.*) that let Spark on the JVM reach the lake's bucket")


# %%
checks.check_s3a_options(s3a_options)


# %% [markdown]
# ## Exercise 2 — the engine's lakehouse configuration
#
# S3A alone makes Spark a reader of files. Two more facts make it a *lakehouse* engine, and a
# server takes all three from its configuration (`spark-defaults.conf`), where Hadoop settings
# such as S3A's carry the prefix `spark.hadoop.`:
#
# | setting | value | why |
# |---|---|---|
# | `spark.hadoop.fs.s3a.*` | your five S3A settings | Hadoop reads only `spark.hadoop.`-prefixed settings from a server's configuration |
# | `spark.sql.extensions` | `io.delta.sql.DeltaSparkSessionExtension` | Delta's SQL: `MERGE INTO`, `VERSION AS OF`, `DESCRIBE HISTORY` |
# | `spark.sql.catalog.spark_catalog` | `org.apache.spark.sql.delta.catalog.DeltaCatalog` | Spark's catalog knows Delta tables (`CREATE TABLE ... USING delta`) |
# | `spark.sql.catalogImplementation` | `hive` | tables live in a Hive Metastore, not in the engine's memory |
# | `spark.hadoop.hive.metastore.uris` | `settings.metastore_uri` | which metastore: the one Trino reads too, so both see the same tables |
#
# Write `engine_conf(settings, s3a)` returning all of them as a dict of strings, the S3A ones
# taken from the `s3a` argument (what your `s3a_options` returns).
#
# The check judges every setting, then **restarts the engine with your configuration** (the
# kit keeps it in its home, so every later `lakehouse up` uses it too) and proves the lakehouse
# works: a Delta table written into the bucket, registered in the catalog, read back by name by
# Spark and by the SQL engine. A wrong value fails with what broke; the engine then goes back to
# the configuration it had, so you can fix yours and run the check again.
#
# On the JVM stack (`stack`) the restart takes about half a minute. The embedded engine, Sail,
# restarts in a fraction of a second: it has no S3A (its S3 client is Rust's `object_store`),
# so the kit hands it the same facts as environment variables (`AWS_ENDPOINT_URL`,
# `AWS_ACCESS_KEY_ID`, ...); Delta is built into Sail and its catalog lives in each session,
# so the Delta and metastore settings matter to the JVM engine only (on `local`,
# `settings.metastore_uri` is empty).

# %% tags=["solution"]
def engine_conf(settings, s3a: dict[str, str]) -> dict[str, str]:
    """The Spark server's lakehouse configuration: S3A, Delta and the shared catalog."""
    raise NotImplementedError("TODO: The Spark server's lakehouse configuration: S3A, Delta and the shared catalog")


# %%
checks.check_engine_conf(engine_conf, s3a_options)

# %% [markdown]
# The engine now runs with your configuration. Connect to it: `get_spark()` opens a Spark
# Connect session (and, on `local`, registers the bucket's tables in it).

# %%
spark = get_spark()
spark.range(5).selectExpr("sum(id) AS answer").collect()


# %% [markdown]
# ## Exercise 3 — write and read a first object through Spark
#
# Create a DataFrame with the three Kanto starters — (1, Bulbasaur, grass), (4, Charmander,
# fire), (7, Squirtle, water) — with columns `id`, `name`, `primary_type`. Write it as JSON to
# `uri` with mode `"overwrite"` (so running the cell twice is harmless), then read it back from
# the bucket and return what you read.

# %% tags=["solution"]
def write_starters(spark, uri: str):
    """Write the three Kanto starters as JSON to `uri` and return the DataFrame read back."""
    raise NotImplementedError("TODO: Write the three Kanto starters as JSON to `uri` and return the DataFrame read back")


# %%
uri = f"s3a://{settings.bucket}/{playground}"
starters = write_starters(spark, uri)
starters.orderBy("id").show()
checks.check_starters(starters, prefix=playground, write_starters=write_starters)  # also tries another uri

# %% [markdown]
# ## What Spark really wrote
#
# A "file" written by Spark is a *folder* of part files, one per task that wrote data. Any S3
# client sees them; here is the bucket through `boto3`, the AWS SDK for Python.

# %%
list_objects(playground)

# %% [markdown]
# The same listing with the raw client, the way any other tool would see it:

# %%
response = s3_client().list_objects_v2(Bucket=settings.bucket, Prefix=playground)
[obj["Key"] for obj in response.get("Contents", [])]

# %% [markdown]
# ## Recap
#
# - The notebook holds no endpoint and no secret: `load_settings()` and `get_spark()` do.
# - A JVM Spark engine reaches S3 through S3A (`fs.s3a.*`), reads and writes Delta with its
#   extension and catalog, and shares tables with Trino through the Hive Metastore; Sail takes
#   the S3 facts from its environment and has Delta built in.
# - Spark writes folders of part files; an S3 client sees plain objects.
# - Next lesson: raw Pokémon data lands in the bucket and becomes the **Bronze** layer.
#
# A bird's-eye view of the bucket so far:

# %%
summarize_bucket()
