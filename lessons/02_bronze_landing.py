# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lesson 2 — Bronze: land the raw data as it arrived
#
# **What you will build:** the raw Pokémon files uploaded to the bucket's landing area, and
# three Bronze Delta tables (`bronze.pokemon`, `bronze.moves`, `bronze.types`) holding every
# raw line with its ingestion metadata: batch id, source file and load time.
#
# **Why:** Bronze is the lakehouse's receipt. It keeps each record *exactly* as it arrived —
# malformed lines included — so that every later layer can be rebuilt, and every record that
# does not make it to Silver can be traced back to the line it came from. Nothing is dropped
# silently: a broken line is kept and flagged, not lost.

# %% tags=["parameters"]
batch = 1  # which landing batch to ingest (lesson 6 ingests batch 2 with this same notebook)

# %%
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from lakehouse_kit import checks
from lakehouse_kit.spark import get_spark, save_table
from lakehouse_kit.storage import landing_uri, summarize_bucket, upload_landing
from lakehouse_kit.textfiles import read_lines

spark = get_spark()

# %% [markdown]
# ## Land the files
#
# In production a tool such as an API exporter drops files into a *landing* prefix. Here the
# kit uploads the committed files of one batch from `data/landing/`.

# %%
upload_landing(batch)


# %% [markdown]
# ## Exercise 1 — read raw lines with ingestion metadata
#
# Why not `spark.read.json`? A JSON reader *interprets* every line, and Bronze must not do
# that yet. Left to infer a schema, it widens a field that holds numbers in most lines and
# text in a few (`"height": "1.3m"`) to a **string** column for every line, so the schema
# depends on what a batch happens to contain. Given a schema, it turns a value that does not
# fit into null (JVM Spark) or fails the whole read (the embedded engine); a broken line
# lands in a `_corrupt_record` column or, again, fails the read. So read each line as text
# with `read_lines(spark, uri)` (one row per line, column `value`) and add:
#
# | column | meaning |
# |---|---|
# | `raw` | the line itself (rename `value`) |
# | `_batch_id` | the batch number |
# | `_source_file` | the file's URI (Sail has no `input_file_name()`: we know the URI anyway) |
# | `_ingested_at` | when we loaded it: `F.current_timestamp()` |
# | `_is_malformed` | `True` when the line is not one JSON object: `~one_json_object("raw")` |
#
# Drop blank lines only (a line of spaces is blank too): they are not records.
#
# Why not `spark.read.text`? Files arrive as their exporters wrote them: batch 1's type
# chart came from a Windows tool (a byte-order mark before the first line, `\r\n` line ends),
# and one Pokémon line holds a Latin-1 byte that is not UTF-8. Engines read these differently
# (Sail keeps the mark, so line 1 looks broken, and refuses the whole file over one bad byte);
# `read_lines` reads them alike on every engine: no mark, no line ends, and a bad byte becomes
# U+FFFD (�), so the line is kept and Silver can tell why it is wrong.
#
# Why not just `F.json_object_keys("raw").isNull()`? It is null when a line does not start
# with a JSON object, but it stops reading at the object's end: `{"id": 1}{"id": 2}` (two
# records, the line end lost) or `{"id": 1} oops` would pass, then parse to nulls.
# `one_json_object`, below, also makes sure nothing but white space follows: wrapped in
# brackets, the line must be an array of one value, and of two with `,0` added. Text after
# the object breaks one count or the other (each alone is fooled by a `]` in it; not both).

# %%
def one_json_object(line: str):
    """True when the column `line` holds one JSON object and nothing else (white space aside)."""
    def values(text):  # how many JSON values `[text]` holds: null when it is no JSON array
        return F.json_array_length(F.concat(F.lit("["), text, F.lit("]")))

    return (
        F.json_object_keys(line).isNotNull()  # it starts with an object,
        & values(F.col(line)).eqNullSafe(1)  # and what follows it is white space only
        & values(F.concat(line, F.lit(",0"))).eqNullSafe(2)
    )


# %% tags=["solution"]
def read_raw(spark, name: str, batch: int) -> DataFrame:
    """Read one landing file as raw lines plus ingestion metadata columns."""
    raise NotImplementedError("TODO: Read one landing file as raw lines plus ingestion metadata columns")


# %%
raw_pokemon = read_raw(spark, "pokemon", batch)
checks.check_raw_lines(raw_pokemon, "pokemon", batch, read_raw=read_raw)  # also tries a file of its own
raw_pokemon.filter("_is_malformed").select("raw").show(truncate=80)


# %% [markdown]
# ## Exercise 2 — write Bronze so that re-running is safe
#
# Run a pipeline twice and you must get the same tables, not twice the rows. Delta's
# `replaceWhere` makes an overwrite replace only the rows that match a condition: write each
# batch with `mode="overwrite"` and `replaceWhere=f"_batch_id = {batch}"`, and other batches
# stay untouched. Partitioning by `_batch_id` keeps each batch in its own folder, so the
# replace rewrites only that folder.
#
# `save_table(df, "bronze.x", mode=..., partition_by=[...], **writer_options)` from the kit
# writes to the table's place in the bucket and registers the name in the catalog.

# %% tags=["solution"]
def write_bronze(raw: DataFrame, table: str, batch: int) -> str:
    """Write one batch to a Bronze table, replacing that batch if it is already there."""
    raise NotImplementedError("TODO: Write one batch to a Bronze table, replacing that batch if it is already there")


# %%
for name in ("pokemon", "moves", "types"):
    write_bronze(read_raw(spark, name, batch), f"bronze.{name}", batch)
checks.check_bronze(spark, write_bronze, batches=(batch,))  # also tries write_bronze twice on a scratch table

# %% [markdown]
# ## What landed
#
# Every line is there — including the broken ones, flagged for the Silver lesson to report.

# %% tags=["show"]
spark.sql("""
    SELECT 'pokemon' AS table_name, _batch_id, count(*) AS lines, sum(CAST(_is_malformed AS INT)) AS malformed
    FROM bronze.pokemon GROUP BY _batch_id
    UNION ALL
    SELECT 'moves', _batch_id, count(*), sum(CAST(_is_malformed AS INT)) FROM bronze.moves GROUP BY _batch_id
    UNION ALL
    SELECT 'types', _batch_id, count(*), sum(CAST(_is_malformed AS INT)) FROM bronze.types GROUP BY _batch_id
    ORDER BY table_name, _batch_id
""").toPandas()

# %% tags=["show"]
summarize_bucket()

# %% [markdown]
# ## Recap
#
# - Bronze = raw lines + where and when they came from, kept as they arrived: no loss. (The
#   malformed flag looks at each line's JSON, but nothing parsed is stored.)
# - `replaceWhere` on the batch column makes ingestion idempotent.
# - Next lesson: parse, type, clean and **validate** these lines into Silver.
