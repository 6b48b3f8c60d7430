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
# Sail on your laptop, a JVM Spark server in Docker, or a cluster), and the same code works on
# all three. The kit picks the engine from your *profile*, never from lesson code.

# %% tags=["parameters"]
playground = "playground/starters"  # where the first exercise writes, inside the bucket

# %%
from lakehouse_kit import checks
from lakehouse_kit.settings import load_settings
from lakehouse_kit.spark import get_spark, s3_configuration
from lakehouse_kit.storage import list_objects, s3_client, summarize_bucket

settings = load_settings()
spark = get_spark()  # starts the local services if they are down
print(f"profile {settings.profile!r}: Spark at {settings.spark_remote}, S3 at {settings.s3_endpoint}")
spark.range(5).selectExpr("sum(id) AS answer").collect()

# %% [markdown]
# ## How the engine reaches the bucket
#
# Spark on the JVM talks to S3 through the **S3A** connector, configured with
# `spark.hadoop.fs.s3a.*` settings (endpoint, path-style access, credentials). On the docker
# stack those are baked into the server's `spark-defaults.conf`. The embedded engine, Sail,
# reads the equivalent `AWS_*` variables from its own environment; the kit sets them when it
# starts the server. Either way the notebook never holds a credential.

# %%
s3_configuration(spark)


# %% [markdown]
# ## Exercise 1 — write and read a first object through Spark
#
# Create a DataFrame with the three Kanto starters — (1, Bulbasaur, grass), (4, Charmander,
# fire), (7, Squirtle, water) — with columns `id`, `name`, `primary_type`. Write it as JSON to
# `uri` with mode `"overwrite"` (so running the cell twice is harmless), then read it back from
# the bucket and return what you read.

# %% tags=["solution"]
def write_starters(spark, uri: str):
    """Write the three Kanto starters as JSON to `uri` and return the DataFrame read back."""
    starters = spark.createDataFrame(
        [(1, "Bulbasaur", "grass"), (4, "Charmander", "fire"), (7, "Squirtle", "water")],
        "id INT, name STRING, primary_type STRING",
    )
    starters.write.mode("overwrite").json(uri)
    return spark.read.schema(starters.schema).json(uri)


# %%
uri = f"s3a://{settings.bucket}/{playground}"
starters = write_starters(spark, uri)
starters.orderBy("id").show()
checks.check_starters(starters, prefix=playground)

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
# - Spark writes folders of part files; an S3 client sees plain objects.
# - Next lesson: raw Pokémon data lands in the bucket and becomes the **Bronze** layer.
#
# A bird's-eye view of the bucket so far:

# %%
summarize_bucket()
