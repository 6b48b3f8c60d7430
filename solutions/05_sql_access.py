# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lesson 5 — SQL access: the same tables, another engine
#
# **What you will build:** SQL queries over the Gold and Silver tables, run by an engine that
# is *not* Spark, through SQLAlchemy and `pandas.read_sql` — one that names its catalog, one
# that reads an older version — and proof that both engines see the same data.
#
# **Why:** most people who use a lakehouse never write PySpark: analysts, dashboards and BI
# tools speak SQL. Because the tables are open Delta files in object storage, any engine that
# reads Delta can query them in place — no export, no copy, no second truth. Spark writes the
# lake; a SQL engine reads it.

# %% tags=["parameters"]
type_of_interest = "dragon"  # the type the parameterized query looks at
margin = 20  # how far below the best of its type a Pokémon may be, in exercise 2

# %%
import matplotlib.pyplot as plt
import pandas as pd
import sqlalchemy as sa
from IPython.display import display

from lakehouse_kit import checks, course
from lakehouse_kit.catalog import table_uri
from lakehouse_kit.spark import get_spark
from lakehouse_kit.sql import on_trino, sql_dialect, sql_engine

spark = get_spark()
course.catch_up(lesson=5)  # builds Bronze, Silver and Gold from the solutions if they are missing
engine = sql_engine()  # made after the tables exist: the embedded engine lists them when it is made
sql_dialect()

# %% [markdown]
# ## Which engine answers?
#
# `sql_engine()` returns a SQLAlchemy engine for your profile; lesson code is the same on both.
#
# - **Embedded (`duckdb`)**: DuckDB runs *inside this Python process*. The kit creates one
#   view per table (`silver.pokemon` reads the Delta table's files in the bucket with
#   `delta_scan`), in a database it names `delta`, like Trino's catalog. Nothing to run,
#   nothing to administer — and nobody else can see it.
# - **The JVM stack (`trino`, profiles `stack` and `docker`)**: Trino is a *server* — a distributed SQL engine many users and
#   tools (Superset, dbt, a JDBC client) connect to at once. Its `delta` **catalog** reads the
#   same Delta tables; it finds them in the **Hive Metastore**, the shared table catalog the
#   Spark server registers every table in. One lake, one catalog, many engines: Spark writes,
#   Trino serves SQL, and each can be scaled or replaced on its own. Trino can also join
#   across catalogs (a Postgres database next to the lake) in one query.
#
# Names are written `layer.table`; the engine's default catalog, `delta` on both, completes
# them to `delta.silver.pokemon`. Stick to standard SQL — `WITH`, window functions, `CASE`,
# `CAST` — and the same text runs on both engines.

# %%
by_strength = pd.read_sql("""SELECT type, pokemon_count, avg_total, max_total, legendary_count
FROM gold.type_summary
ORDER BY avg_total DESC
""", engine)
by_strength.head()

# %% [markdown]
# ## Values go in as parameters, never into the text
#
# A query that depends on a value — a type picked in a dashboard — must not paste the value
# into the SQL string (that is how SQL injection happens, and it breaks on a stray quote).
# `sa.text` marks `:name` placeholders and the driver sends the value separately.

# %%
of_type = sa.text("""SELECT name, generation, primary_type, secondary_type, total
FROM silver.pokemon
WHERE primary_type = :kind OR secondary_type = :kind
ORDER BY total DESC, id
""")
pd.read_sql(of_type, engine, params={"kind": type_of_interest}).head(8)


# %% [markdown]
# ## Exercise 1 — the strongest Pokémon of each primary type, in SQL
#
# Write a query over `silver.pokemon` that returns one row per `primary_type` — the Pokémon
# with the highest `total`, ties broken by the smaller `id` — with the columns
# `primary_type`, `name`, `total`. Return the query text; the check runs it on the SQL engine
# and compares the answer with the same one computed by Spark, twice: over `silver.pokemon`,
# then over a copy whose ids are negated, so ties break the way your query says, not by luck.
#
# Hint: a `WITH` clause numbering the rows with
# `ROW_NUMBER() OVER (PARTITION BY ... ORDER BY ...)`, then keep number 1. Standard SQL only:
# the same text must run on DuckDB and on Trino.

# %% tags=["solution"]
def strongest_per_type_sql() -> str:
    """A query for the strongest Pokémon of each primary type: primary_type, name, total."""
    return """WITH ranked AS (
    SELECT primary_type, name, total,
           ROW_NUMBER() OVER (PARTITION BY primary_type ORDER BY total DESC, id) AS strength_rank
    FROM silver.pokemon
)
SELECT primary_type, name, total
FROM ranked
WHERE strength_rank = 1
ORDER BY total DESC, primary_type
"""


# %%
checks.check_strongest_per_type_sql(strongest_per_type_sql(), engine=engine, spark=spark)
pd.read_sql(strongest_per_type_sql(), engine).head(6)

# %% [markdown]
# ## Do both engines see the same lake?
#
# Two engines over one set of files should never disagree. A cheap guard, worth running after
# every pipeline: count every Gold table through SQL and through Spark.

# %%
checks.check_sql_row_counts(engine=engine, spark=spark)

# %% [markdown]
# ## What a SQL server adds: catalogs over one metastore
#
# On the stack, Trino does not know your tables by itself. It asks the **Hive Metastore** —
# the same catalog Spark registered every table in — where `silver.pokemon` lives and in which
# format. A Trino **catalog** is one connection to a data source: here `delta` (the Delta Lake
# connector) and `hive` (plain files: CSV, Parquet, ...) read the *same* metastore and the same
# bucket; `system` describes Trino itself and `tpch` generates benchmark data. A production
# Trino adds catalogs for Postgres, Kafka or another lake, and one query can join them.
# DuckDB calls its catalogs *databases*; the kit's views are in one named `delta`.

# %%
if on_trino(engine):
    display(pd.read_sql("SHOW CATALOGS", engine))
    display(pd.read_sql("SHOW SCHEMAS FROM delta", engine))
else:
    display(pd.read_sql("SHOW DATABASES", engine))

# %% [markdown]
# On Trino the `hive` catalog sees every table of the metastore too. When a query reaches a
# Delta table through it, Trino hands the query to the `delta` catalog
# (`hive.delta-lake-catalog-name` in `docker/trino/catalog/hive.properties`), so both names
# give the same rows:

# %%
if on_trino(engine, "one table under two catalogs"):
    display(pd.read_sql("""SELECT (SELECT count(*) FROM delta.silver.pokemon) AS via_delta,
       (SELECT count(*) FROM hive.silver.pokemon) AS via_hive""", engine))


# %% [markdown]
# ## Exercise 2 — name the catalog, join Silver with Gold
#
# `sql_engine()` completes `silver.pokemon` to `delta.silver.pokemon`. A dashboard or a BI tool
# connected to the *server*, not to one of its catalogs, gets no such help: it must write
# every table's full name, `catalog.schema.table`. The same names run on DuckDB here.
#
# Write a query for the Pokémon at most `:margin` points below the best total of their
# primary type, with the columns `name`, `primary_type`, `total`, `max_total`. The best total
# of each type is Gold's: `max_total` in `delta.gold.type_summary` (its `type` is the
# Pokémon's `primary_type`). `:margin` is a parameter, bound like `:kind` above. The check
# runs your query through a connection without a default catalog, for two margins (0 keeps
# the Pokémon level with the best of their type), and compares with the same join by Spark.

# %% tags=["solution"]
def near_the_best_sql() -> str:
    """A query, with each table's catalog named: the Pokémon within :margin of their type's best."""
    return """SELECT p.name, p.primary_type, p.total, t.max_total
FROM delta.silver.pokemon AS p
JOIN delta.gold.type_summary AS t ON t.type = p.primary_type
WHERE t.max_total - p.total <= :margin
"""


# %%
checks.check_near_the_best_sql(near_the_best_sql(), engine=engine, spark=spark)
near = pd.read_sql(sa.text(near_the_best_sql()), engine, params={"margin": margin})
near.sort_values(["primary_type", "total"], ascending=[True, False]).head(8)

# %% [markdown]
# ## A table's history and its older versions, in SQL
#
# Every Delta write adds a version to the table's log. Trino exposes the log as a hidden
# `$history` table (the name in double quotes: `silver."pokemon$history"`). DuckDB's `delta`
# extension (1.5.5) has no history: lesson 6 reads it with delta-rs on every profile. Your
# tables have one version each so far; lesson 6 adds more.

# %%
if on_trino(engine, "the table's versions, from its hidden $history table"):
    display(pd.read_sql('SELECT version, timestamp, operation FROM silver."pokemon$history" ORDER BY version', engine))


# %% [markdown]
# ## Exercise 3 — time travel, in each engine's words
#
# An analyst with only SQL can read a table as it was at an older version — the time travel
# lesson 6 does with Spark. It is not standard SQL, so each engine writes it its own way:
#
# - **Trino** reads a table by name at a version: `... FROM silver.pokemon FOR VERSION AS OF 3`.
# - **DuckDB**: the kit's views always read the latest version; the `delta` extension reads an
#   older one from the table's files, `delta_scan('<address>', version => 3)`. The address is
#   `table_uri(table, scheme="s3")` (DuckDB reads `s3://`, not Hadoop's `s3a://`).
#
# Write `as_of_sql(table, version, dialect)`: the query for every column of `table` as it was
# at `version`, in the words of `dialect` (`"trino"` or `"duckdb"`). The check runs the text
# for this profile's engine on a table of its own with three versions, and on
# `silver.pokemon`, and compares with what Spark reads at those versions. The other engine's
# text cannot run here: the check reads it and says so.

# %% tags=["solution"]
def as_of_sql(table: str, version: int, dialect: str) -> str:
    """A query for the rows of `table` at `version`, in Trino's or DuckDB's SQL."""
    if dialect == "trino":
        return f"SELECT * FROM {table} FOR VERSION AS OF {version}"
    return f"SELECT * FROM delta_scan('{table_uri(table, scheme='s3')}', version => {version})"


# %%
checks.check_as_of_sql(as_of_sql, engine=engine, spark=spark)
pd.read_sql(as_of_sql("silver.pokemon", 0, sql_dialect()), engine).head(3)

# %% [markdown]
# ## A chart straight from SQL
#
# Gold tables are small and already aggregated, so a query plus one plot call is a dashboard
# tile. The most widely learned moves, with their damage class:

# %%
popular = pd.read_sql("""SELECT move, damage_class, learned_by
FROM gold.move_usage
ORDER BY learned_by DESC, move
LIMIT 10
""", engine)
colors = popular["damage_class"].map({"physical": "tab:red", "special": "tab:blue", "status": "tab:gray"})
ax = popular.iloc[::-1].plot.barh(x="move", y="learned_by", color=colors.iloc[::-1], legend=False,
                                  figsize=(7, 4), title="The 10 most learned moves (red physical, "
                                  "blue special, grey status)")  # fmt: skip
ax.set_xlabel("Pokémon that learn it")
ax.set_ylabel("move")
plt.show()

# %% [markdown]
# ## Recap
#
# - `sql_engine()` + `pandas.read_sql` give SQL over the lake on every profile; embedded
#   DuckDB in-process, Trino as a shared server reading the Hive Metastore's catalog.
# - A Trino catalog is one data source; `delta` and `hive` share one metastore. A client
#   without a default catalog writes `delta.silver.pokemon`, on both engines.
# - A Delta table's history and older versions are a query away, in each engine's own words:
#   `FOR VERSION AS OF` on Trino, `delta_scan(..., version => n)` on DuckDB.
# - Portable, standard SQL runs on both; values travel as bound parameters.
# - Two engines, one set of Delta files: their answers must match, and a check proves it.
# - Next lesson: new data arrives — incremental loads with MERGE, and time travel.
