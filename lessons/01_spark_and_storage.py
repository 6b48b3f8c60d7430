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
# **What you will build:** a working connection from this notebook to the Spark engine and to
# the object store, and a first file written by Spark into the lake and listed by an S3 client.
#
# **Why:** a lakehouse separates *storage* (cheap, durable object storage speaking the S3 API)
# from *compute* (an engine such as Spark that you can start, stop and scale on its own). Every
# later lesson reads and writes the same bucket through the same engine, so we make sure both
# answer before building anything.
#
# This notebook is a **Spark Connect** client: the engine runs in another process (embedded
# Sail on your laptop, a JVM Spark server on the `stack` profile or in Docker, or a cluster),
# and the same code works on all of them. The kit picks the engine from your *profile*, never
# from lesson code.

# %% tags=["parameters"]
playground = "playground/starters"  # where the first exercise writes, inside the bucket

# %%
from lakehouse_kit import checks
from lakehouse_kit.settings import load_settings
from lakehouse_kit.spark import get_spark
from lakehouse_kit.storage import list_objects, s3_client, summarize_bucket

settings = load_settings()
spark = get_spark()  # starts the local services if they are down
print(f"profile {settings.profile!r}: Spark at {settings.spark_remote}, S3 at {settings.s3_endpoint}")
spark.range(5).selectExpr("sum(id) AS answer").collect()


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
options = checks.check_s3a_options(s3a_options)

# %% [markdown]
# ## Does the engine really use them?
#
# On the JVM stack (`stack` and `docker` profiles) the check opens a Spark session of its
# own, gives it *only* your settings, and writes and reads a probe in the bucket; then it
# tries again with a wrong secret key, which the store must refuse. (A session's S3A settings
# need `fs.s3a.impl.disable.cache=true` beside them: Hadoop keeps one connection per bucket,
# made with whichever settings came first. The kit's own sessions use the server's settings.)
#
# The embedded engine, Sail, has no S3A: the kit starts it with the same facts as environment
# variables (`AWS_ENDPOINT`, `AWS_ACCESS_KEY_ID`, ...), and the check shows that mapping.

# %%
checks.check_s3a_engine(options)


# %% [markdown]
# ## Exercise 2 — write and read a first object through Spark
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
# - A JVM Spark engine reaches S3 through S3A, configured with `fs.s3a.*` settings; Sail takes
#   the same facts from its environment.
# - Spark writes folders of part files; an S3 client sees plain objects.
# - Next lesson: raw Pokémon data lands in the bucket and becomes the **Bronze** layer.
#
# A bird's-eye view of the bucket so far:

# %%
summarize_bucket()
