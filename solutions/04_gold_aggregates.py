# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lesson 4 — Gold: tables shaped for the questions people ask
#
# **What you will build:** four Gold tables computed from Silver —
# `gold.type_matchups` (the 18 × 18 damage chart), `gold.strongest_by_type_generation` (a
# leaderboard), `gold.move_usage` (how many Pokémon learn each move) and `gold.type_summary`
# (one row of figures per type) — and two charts drawn from them.
#
# **Why:** Silver is tidy but general: answering "which fire Pokémon of generation 3 is the
# strongest?" from it takes a window function, a filter and some care about ties. Gold does
# that work *once*, in one place, with one definition everyone shares, so a dashboard, an
# analyst's SQL and a notebook all get the same answer. Gold is **derived**: it is rebuilt
# from Silver by overwriting, so re-running the notebook never duplicates anything.

# %% tags=["parameters"]
top_n = 3  # how many Pokémon per (type, generation) the leaderboard keeps

# %%
import matplotlib.pyplot as plt
from matplotlib.colors import BoundaryNorm, ListedColormap
from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F

from lakehouse_kit import checks, course
from lakehouse_kit.spark import get_spark, save_table

spark = get_spark()
course.catch_up(lesson=4)  # builds Bronze and Silver from the solutions if they are missing

pokemon = spark.table("silver.pokemon")
moves = spark.table("silver.moves")
types = spark.table("silver.types")


# %% [markdown]
# ## A worked example: one row per type
#
# A dual-type Pokémon such as Charizard (fire/flying) belongs to *both* types, so it counts
# once under each. Put its one or two type names in an array and `explode` it: one row per
# (Pokémon, type), then an ordinary `groupBy`. `array_compact` drops the null second type of
# single-type Pokémon, so they are counted once, not once under `null`.

# %%
def type_summary(pokemon: DataFrame) -> DataFrame:
    both_types = F.explode(F.array_compact(F.array("primary_type", "secondary_type"))).alias("type")
    return (
        pokemon.select(both_types, "total", "is_legendary")
        .groupBy("type")
        .agg(
            F.count("*").alias("pokemon_count"),
            F.round(F.avg("total"), 1).alias("avg_total"),
            F.max("total").alias("max_total"),
            F.sum(F.col("is_legendary").cast("int")).alias("legendary_count"),
        )
    )


save_table(type_summary(pokemon), "gold.type_summary")
checks.check_type_summary(spark=spark)
spark.table("gold.type_summary").orderBy(F.desc("avg_total")).limit(5).toPandas()


# %% [markdown]
# ## Exercise 1 — the type matchup chart
#
# `silver.types` says, for each *attacking* type, which defending types take double damage,
# half damage or none at all. A chart people can look up needs all 18 × 18 = 324 pairs, each
# with its multiplier: 2.0, 0.5, 0.0 — and 1.0 for every pair no list mentions.
#
# 1. For each of the three relation columns, `F.explode` it into (`attacking_type`,
#    `defending_type`, `multiplier`) rows and union the three.
# 2. Build every pair: the type names `crossJoin`ed with themselves.
# 3. Left-join the relations onto the pairs and fill the gaps with 1.0 (`F.coalesce`).
#
# Why not a lambda over the arrays (`F.filter`, `F.transform`)? Not for speed: `explode`
# is not "pushed down" anywhere, it simply runs after the scan. The reason is an engine limit:
# on the embedded engine (Sail 0.7), a filter on a lambda's result over a table fails with
# `No field named ...`. `explode` plus joins is plain relational work every engine runs.

# %% tags=["solution"]
def type_matchups(types: DataFrame) -> DataFrame:
    """Every (attacking_type, defending_type) pair with its damage multiplier (1.0 by default)."""
    multipliers = {"double_damage_to": 2.0, "half_damage_to": 0.5, "no_damage_to": 0.0}
    relations = [
        types.select(F.col("name").alias("attacking_type"), F.explode(column).alias("defending_type"),
                     F.lit(multiplier).alias("multiplier"))
        for column, multiplier in multipliers.items()
    ]  # fmt: skip
    known = relations[0].unionByName(relations[1]).unionByName(relations[2])
    names = types.select("name")
    pairs = names.withColumnRenamed("name", "attacking_type").crossJoin(
        names.withColumnRenamed("name", "defending_type"))
    return pairs.join(known, ["attacking_type", "defending_type"], "left").select(
        "attacking_type", "defending_type", F.coalesce("multiplier", F.lit(1.0)).alias("multiplier"))


# %%
save_table(type_matchups(types), "gold.type_matchups")
checks.check_type_matchups(type_matchups, spark=spark)  # also tries it on made-up types

# %% [markdown]
# The whole chart at a glance: rows attack, columns defend. The order follows the type ids,
# the order the games list them in.

# %% tags=["show"]
order = [row["name"] for row in types.orderBy("id").select("name").collect()]
chart = (spark.table("gold.type_matchups").toPandas()
         .pivot(index="attacking_type", columns="defending_type", values="multiplier")
         .loc[order, order])  # fmt: skip
fig, ax = plt.subplots(figsize=(7, 6))
colors = ListedColormap(["black", "tab:red", "whitesmoke", "tab:green"])  # 0, ½, 1, 2
image = ax.imshow(chart.to_numpy(), cmap=colors, norm=BoundaryNorm([-0.25, 0.25, 0.75, 1.5, 2.5], 4))
ax.set_xticks(range(len(order)), order, rotation=90)
ax.set_yticks(range(len(order)), order)
ax.set_xlabel("defending type")
ax.set_ylabel("attacking type")
ax.set_title("Damage multiplier (gold.type_matchups)")
fig.colorbar(image, ax=ax, ticks=[0, 0.5, 1, 2], shrink=0.6, label="multiplier")
plt.show()


# %% [markdown]
# ## Exercise 2 — a leaderboard per type and generation
#
# Keep the `top_n` strongest Pokémon (highest `total`) of every (`primary_type`,
# `generation`) group, numbered `rank` 1, 2, 3 … Two Pokémon with the same total must not
# share a rank or swap places between runs: break ties by `id`, the smaller first.
#
# Columns: `primary_type`, `generation`, `name`, `total`, `rank`.
#
# Hint: `F.row_number()` over a `Window` partitioned by the group and ordered by total
# (descending), then id. `F.rank()` would give tied Pokémon the same rank.

# %% tags=["solution"]
def strongest_by_type_generation(pokemon: DataFrame, top_n: int) -> DataFrame:
    """The top_n Pokémon by total in each (primary_type, generation), ranked 1..top_n."""
    best_first = Window.partitionBy("primary_type", "generation").orderBy(F.desc("total"), "id")
    return (
        pokemon.withColumn("rank", F.row_number().over(best_first))
        .filter(F.col("rank") <= top_n)
        .select("primary_type", "generation", "name", "total", "rank")
    )


# %%
save_table(strongest_by_type_generation(pokemon, top_n), "gold.strongest_by_type_generation")
checks.check_strongest(strongest_by_type_generation, top_n=top_n, spark=spark)  # also top_n 5 and 1
spark.table("gold.strongest_by_type_generation").filter("primary_type = 'dragon'").orderBy(
    "generation", "rank").toPandas()


# %% [markdown]
# ## Exercise 3 — which moves do Pokémon actually learn?
#
# Each Silver Pokémon carries an array of the moves it can learn. Count, for every move in
# `silver.moves`, how many Pokémon hold it, and keep the move's `type`, `damage_class` and
# `power` next to the count. Columns: `move`, `type`, `damage_class`, `power`, `learned_by`.
#
# `explode` the arrays into one row per (Pokémon, move), count per move, then join to the
# moves. Start from `silver.moves` with a *left* join: a move nobody learns is an answer too
# (`learned_by` = 0), not a missing row.

# %% tags=["solution"]
def move_usage(pokemon: DataFrame, moves: DataFrame) -> DataFrame:
    """Every move with its type, damage class, power and the number of Pokémon that learn it."""
    learned = pokemon.select(F.explode("moves").alias("move")).groupBy("move").agg(
        F.count("*").alias("learned_by"))
    return (
        moves.select(F.col("name").alias("move"), "type", "damage_class", "power")
        .join(learned, "move", "left")
        .withColumn("learned_by", F.coalesce("learned_by", F.lit(0)))
    )


# %%
save_table(move_usage(pokemon, moves), "gold.move_usage")
checks.check_move_usage(move_usage, spark=spark)  # also tries it on made-up moves
spark.table("gold.move_usage").orderBy(F.desc("learned_by"), "move").limit(5).toPandas()

# %% [markdown]
# ## Which types are strongest on average?
#
# The kind of chart Gold exists for: one small table, already aggregated, drawn in one line.
# Legendary Pokémon pull a type's average up — the `legendary_count` column tells you where.

# %% tags=["show"]
summary = spark.table("gold.type_summary").orderBy("avg_total").toPandas()
ax = summary.plot.barh(x="type", y="avg_total", legend=False, figsize=(7, 5),
                       title="Average base-stat total per type (dual types count twice)")
ax.set_xlabel("average total")
ax.set_ylabel("type")
plt.show()

# %% [markdown]
# ## Recap
#
# - Gold tables answer questions; each is rebuilt from Silver by overwriting, so it is
#   always consistent with Silver and re-runs are harmless.
# - `explode` + `groupBy`/`join` does most Gold work: dual types, move lists, relation arrays.
# - A leaderboard needs a *deterministic* order: `row_number()` with a tie-breaker.
# - Next lesson: the same tables through **SQL**, from an engine that is not Spark.
