"""Mutation testing of the exercise checks: how many plausible wrong answers does each catch?

Each exercise's solution cell (tagged `solution` in solutions/NN_*.py) is parsed, and one small
change at a time is made to its functions' syntax tree (OPERATORS): an order's direction
flipped, a filter, a condition, a column or a `distinct` dropped, "overwrite" for "append", a
left join for an inner one, a number n -> n + 1, a comparison flipped, an argument ignored; the
same on SQL text (a statement, or a condition given to filter or replaceWhere), parsed with
sqlglot, plus a MERGE clause dropped. An ignored argument is replaced by its default or, without
one, by the value of the function's first call (a learner who typed in the lesson's value): only
a check that calls the function with other arguments catches it. Each mutant is compiled into
the solution's namespace and judged by tests/judges.py, which calls the lesson's check as the
lesson's check cell does.

A mutant is *caught* when the check raises CheckFailed; *crashed* when it raises anything else
(counted apart, and not as caught: a traceback is not a hint; the report says whether it came
from the check or from the answer before any check ran); *equivalent* when EQUIVALENT says why
no input the exercise allows could tell it from the solution; *survived* otherwise.
score = caught / (made - equivalent).

Run it (a few minutes; the table and every survivor are printed at the end):

    python -m pytest tests/test_mutation.py -q
"""

from __future__ import annotations

import ast
import contextlib
import copy
import difflib
import io
import os
import re
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import sqlglot
from catalogue import EXERCISES
from sqlglot import exp

SOLUTIONS = Path(__file__).resolve().parent.parent / "solutions"
# The SQL dialect of the text each exercise hands to an engine: Spark's, but lesson 5's queries
# run on the SQL engine (DuckDB here). Trino's keeps a bound parameter as :margin (DuckDB's
# would write $margin, which SQLAlchemy does not bind).
SQL_DIALECTS = {
    "strongest_per_type_sql": "duckdb",
    "near_the_best_sql": "trino",
    "as_of_sql": "duckdb",
}
GOAL_TOTAL, GOAL_EACH = 0.90, 0.75

# Mutants that no input the exercise allows can tell from the solution: id -> why.
EQUIVALENT: dict[str, str] = {
    "retry_on_conflict:constant:1->2 in attempts + 1": (
        "the loop raises at attempt == attempts, so a range one longer never reaches its last "
        "value: write() is still called at most `attempts` times"
    ),
    "types_to_refresh:drop-distinct:feed.select(types).distinct": (
        "the solution collects the types into a set: distinct() before it only spares rows "
        "on the wire, the set is the same"
    ),
    "measure:ignore-argument:per_unit is always the first one given": (
        "parse_pokemon calls measure with per_unit 10 for height and for weight: keeping the "
        "first value changes nothing parse_pokemon can return"
    ),
    "pokemon_rules:constant:30->31 in max_value= of gxe.ExpectColumnValuesToBeBetween(column='height_m', min_value=0.1, max_va…": (
        "data/README.md's rules set no upper bound on height: 30 m is the solution's own "
        "plausibility guard, and any bound above every real Pokémon's height is as right"
    ),
    "pokemon_rules:constant:1000->1001 in max_value= of gxe.ExpectColumnValuesToBeBetween(column='weight_kg', min_value=0.1, max_v…": (
        "data/README.md's rules set no upper bound on weight: 1,000 kg is the solution's own "
        "plausibility guard, and any bound above every real Pokémon's weight is as right"
    ),
    "strongest_per_type_sql:flip-order:sql ORDER BY total DESC": (
        "the exercise asks for one row per primary type, in no order: the final ORDER BY only "
        "sorts what is shown"
    ),
    "near_the_best_sql:join-type:sql inner->left join delta.gold.type_summary AS t": (
        "gold.type_summary summarises the same Pokémon, so every primary type has its row; a "
        "Pokémon without one would get a null max_total, which the WHERE drops"
    ),
    "strongest_per_type_sql:flip-order:sql ORDER BY primary_type": (
        "the exercise asks for one row per primary type, in no order: the final ORDER BY only "
        "sorts what is shown"
    ),
}


# ------------------------------------------------------------------ the mutation operators


@dataclass(frozen=True)
class Site:
    """A node of a solution cell's syntax tree, with what an operator needs to know about it."""

    node: ast.AST
    parent: ast.AST | None
    call: ast.Call | None  # the innermost call the node is part of: a label's context
    function: str | None  # the function the node is in
    sql: bool  # a string the code hands to a SQL parser


@dataclass(frozen=True)
class Change:
    operator: str
    label: str  # what changes at the site, short: part of the mutant's id
    node: ast.AST  # the node that replaces the site's
    shown: str = ""  # the change, when the code's own difference would not show it (SQL)


@dataclass(frozen=True)
class Mutation:
    function: str
    operator: str
    label: str
    tree: ast.Module
    shown: str = ""

    @property
    def source(self) -> str:
        return ast.unparse(self.tree)


def _text(node: ast.AST | exp.Expression, limit: int = 70) -> str:
    """A node as one short line of code."""
    text = node.sql() if isinstance(node, exp.Expression) else ast.unparse(node)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _method(node: ast.AST) -> str | None:
    """`name` when the node is a method call `x.name(...)` on something that is not a module."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        receiver = node.func.value
        if not (isinstance(receiver, ast.Name) and receiver.id in ("F", "functions")):
            return node.func.attr
    return None


def _direction(node: ast.AST) -> str | None:
    """'asc' or 'desc' for F.asc(x), F.desc(x), x.asc() and x.desc()."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        if node.func.attr in ("asc", "desc"):
            return node.func.attr
    return None


def flip_order(site: Site) -> list[Change]:
    """F.desc <-> F.asc, .desc() <-> .asc(); an ordering key without a direction, descending."""
    node = site.node
    direction = _direction(node)
    if direction:
        flipped = copy.deepcopy(node)
        flipped.func.attr = {"asc": "desc", "desc": "asc"}[direction]
        return [Change("flip-order", _text(node), flipped)]
    if _method(node) not in ("orderBy", "sort"):
        return []
    changes = []
    for i, key in enumerate(node.args):
        if _direction(key) or isinstance(key, ast.Starred):
            continue
        flipped = copy.deepcopy(node)
        flipped.args[i] = (
            ast.Call(ast.Attribute(ast.Name("F", ast.Load()), "desc", ast.Load()), [key], [])
            if isinstance(key, ast.Constant)
            else ast.Call(ast.Attribute(copy.deepcopy(key), "desc", ast.Load()), [], [])
        )
        changes.append(Change("flip-order", f"{_text(key)} descending", flipped))
    return changes


def drop_filter(site: Site) -> list[Change]:
    """x.filter(c) / x.where(c) -> x; a Delta write without its replaceWhere."""
    node = site.node
    if _method(node) in ("filter", "where"):
        call = f".{node.func.attr}({', '.join(_text(a, 50) for a in node.args)})"
        return [Change("drop-filter", call, node.func.value)]
    if isinstance(node, ast.Call):
        for i, keyword in enumerate(node.keywords):
            if keyword.arg == "replaceWhere":
                dropped = copy.deepcopy(node)
                del dropped.keywords[i]
                return [Change("drop-filter", f"replaceWhere={_text(keyword.value)}", dropped)]
    return []


def drop_distinct(site: Site) -> list[Change]:
    """x.distinct() / x.dropDuplicates(...) -> x."""
    node = site.node
    if _method(node) in ("distinct", "dropDuplicates", "drop_duplicates"):
        label = f"{_text(node.func.value, 40)}.{node.func.attr}"
        return [Change("drop-distinct", label, node.func.value)]
    return []


def drop_column(site: Site) -> list[Change]:
    """One column less: an argument of a select, a withColumn, an entry of a dict."""
    node = site.node
    if _method(node) == "select" and len(node.args) > 1:
        changes = []
        for i, column in enumerate(node.args):
            fewer = copy.deepcopy(node)
            del fewer.args[i]
            changes.append(Change("drop-column", f"select without {_text(column)}", fewer))
        return changes
    if _method(node) == "withColumn" and node.args:
        return [Change("drop-column", f"withColumn {_text(node.args[0])}", node.func.value)]
    if isinstance(node, ast.Dict) and len(node.keys) > 1 and None not in node.keys:
        changes = []
        for i, key in enumerate(node.keys):
            fewer = copy.deepcopy(node)
            del fewer.keys[i], fewer.values[i]
            changes.append(Change("drop-column", f"dict without {_text(key)}", fewer))
        return changes
    return []


def drop_operand(site: Site) -> list[Change]:
    """a & b, a | b, a and b, a or b: one operand only."""
    node = site.node
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.BitAnd, ast.BitOr)):
        return [
            Change("drop-operand", f"drop {_text(node.right)}", node.left),
            Change("drop-operand", f"drop {_text(node.left)}", node.right),
        ]
    if isinstance(node, ast.BoolOp):
        changes = []
        for i, operand in enumerate(node.values):
            rest = node.values[:i] + node.values[i + 1 :]
            kept = rest[0] if len(rest) == 1 else ast.BoolOp(node.op, rest)
            changes.append(Change("drop-operand", f"drop {_text(operand)}", kept))
        return changes
    return []


FLIPPED = {
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
}


def flip_comparison(site: Site) -> list[Change]:
    """== <-> !=, < -> <=, > -> >=, in <-> not in; a negation dropped (~c -> c, not c -> c)."""
    node = site.node
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.Invert, ast.Not)):
        return [Change("flip-comparison", _text(node), node.operand)]
    if not isinstance(node, ast.Compare):
        return []
    changes = []
    for i, op in enumerate(node.ops):
        flipped = copy.deepcopy(node)
        flipped.ops[i] = FLIPPED[type(op)]()
        changes.append(Change("flip-comparison", _text(node), flipped))
    return changes


def swap_mode(site: Site) -> list[Change]:
    """A write's mode: "overwrite" <-> "append"."""
    node = site.node
    other = {"overwrite": "append", "append": "overwrite"}
    if isinstance(node, ast.Constant) and node.value in other and not site.sql:
        label = f"{node.value!r} in {_text(site.call or node, 50)}"
        return [Change("swap-mode", label, ast.Constant(other[node.value]))]
    return []


JOINS = {"inner": "left", "left": "inner", "left_outer": "inner", "leftouter": "inner"}


def join_type(site: Site) -> list[Change]:
    """An inner join for a left one and back (a join without a type is inner)."""
    node = site.node
    if _method(node) != "join" or not node.args:
        return []
    changed = copy.deepcopy(node)
    keyword = next((k for k in changed.keywords if k.arg == "how"), None)
    how = keyword.value if keyword else (changed.args[2] if len(changed.args) > 2 else None)
    if how is None:
        if len(changed.args) < 2:  # a join without a condition: a cross join
            return []
        changed.args.append(ast.Constant("left"))
        return [Change("join-type", f"inner->left join {_text(node.args[0], 40)}", changed)]
    if not (isinstance(how, ast.Constant) and how.value in JOINS):
        return []
    label = f"{how.value}->{JOINS[how.value]} join {_text(node.args[0], 40)}"
    how.value = JOINS[how.value]
    return [Change("join-type", label, changed)]


def change_constant(site: Site) -> list[Change]:
    """A number n -> n + 1 (so 0 -> 1)."""
    node = site.node
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        new = node.value + 1
        label = f"{node.value}->{new} in {_context(site)}"
        return [Change("constant", label, ast.Constant(new))]
    return []


def _context(site: Site) -> str:
    """Where a constant is, short: its container, or its keyword in the call."""
    if isinstance(site.parent, ast.keyword) and site.call is not None:
        return f"{site.parent.arg}= of {_text(site.call, 75)}"
    if len(_text(site.parent)) <= 40 or site.call is None:
        return _text(site.parent, 40)
    return _text(site.call, 60)


class _Replace(ast.NodeTransformer):
    def __init__(self, name: str, by: ast.expr):
        self.name, self.by = name, by

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if node.id == self.name and isinstance(node.ctx, ast.Load):
            return copy.deepcopy(self.by)
        return node


def ignore_argument(site: Site) -> list[Change]:
    """Every use of a parameter replaced by its default; a parameter without one keeps the first
    value it was given (what a learner who typed in the lesson's value gets): `_first_value`,
    which the runner puts in the namespace. The Spark session is one per kernel: not varied."""
    node = site.node
    if not isinstance(node, ast.FunctionDef):
        return []
    params = node.args.posonlyargs + node.args.args
    defaults = [None] * (len(params) - len(node.args.defaults)) + node.args.defaults
    pairs = list(zip(params, defaults, strict=True)) + list(
        zip(node.args.kwonlyargs, node.args.kw_defaults, strict=True)
    )
    changes = []
    for param, default in pairs:
        name = param.arg
        used = any(isinstance(n, ast.Name) and n.id == name for s in node.body for n in ast.walk(s))
        if name in ("spark", "self") or not used:
            continue
        changed = copy.deepcopy(node)
        if default is not None:
            changed.body = [_Replace(name, default).visit(s) for s in changed.body]
            label = f"{name} is always {_text(default, 30)}"
        else:
            first = ast.parse(f"{name} = _first_value({node.name + '.' + name!r}, {name})").body[0]
            docstring = ast.get_docstring(node) is not None
            changed.body.insert(1 if docstring else 0, first)
            label = f"{name} is always the first one given"
        changes.append(Change("ignore-argument", label, changed))
    return changes


# SQL text: a statement, or a condition handed to filter/where/expr/replaceWhere.
SQL_START = re.compile(r"\s*(SELECT|WITH|MERGE|INSERT|UPDATE|DELETE|ALTER|CREATE)\b", re.I)
SQL_ARGUMENT_OF = ("filter", "where", "expr", "selectExpr", "sql")
SQL_KEYWORDS = ("replaceWhere",)
PLACEHOLDER = re.compile(r"__p(\d+)__")
SQL_COMPARISONS = {
    exp.EQ: exp.NEQ,
    exp.NEQ: exp.EQ,
    exp.LT: exp.LTE,
    exp.LTE: exp.LT,
    exp.GT: exp.GTE,
    exp.GTE: exp.GT,
}


def _template(node: ast.AST) -> tuple[str, list[ast.FormattedValue]]:
    """A string's text, each {value} of an f-string as an identifier __pN__ (sqlglot parses it)."""
    if isinstance(node, ast.Constant):
        return node.value, []
    parts, values = [], []
    for part in node.values:
        if isinstance(part, ast.FormattedValue):
            parts.append(f"__p{len(values)}__")
            values.append(part)
        else:
            parts.append(part.value)
    return "".join(parts), values


def _string(text: str, values: list[ast.FormattedValue]) -> ast.expr:
    """The inverse of _template: the __pN__ in a SQL text back to the f-string's {values}."""
    pieces = PLACEHOLDER.split(text)
    if len(pieces) == 1:
        return ast.Constant(text)
    parts = []
    for i, piece in enumerate(pieces):
        if i % 2:
            parts.append(copy.deepcopy(values[int(piece)]))
        elif piece:
            parts.append(ast.Constant(piece))
    return ast.JoinedStr(parts)


Edit = Callable[[exp.Expression], "exp.Expression | None"]


def _pop(node: exp.Expression) -> None:
    node.pop()


def _join(join: exp.Join, side: str | None) -> None:
    join.set("side", side)
    join.set("kind", None)


def _flip(ordered: exp.Ordered, dialect: str) -> None:
    """ASC for DESC and back, with the dialect's default place for nulls: as a learner types it."""
    desc = not ordered.args.get("desc")
    nulls = sqlglot.Dialect.get_or_raise(dialect).NULL_ORDERING
    first = {"nulls_are_small": not desc, "nulls_are_large": desc}.get(nulls, False)
    ordered.set("desc", desc)
    ordered.set("nulls_first", first)


def _sql_edits(node: exp.Expression, dialect: str) -> Iterator[tuple[str, str, Edit]]:
    """(operator, label, edit) for each mutation of one SQL node. An edit changes a copy of the
    node in place, or returns the node that replaces it."""
    if isinstance(node, exp.Ordered):
        where = "window " if node.find_ancestor(exp.Window) else ""
        label = f"{where}ORDER BY {node.sql(dialect)}"
        yield "flip-order", label, lambda t: _flip(t, dialect)
    elif isinstance(node, exp.Where):
        yield "drop-filter", node.sql(dialect), _pop
    elif isinstance(node, exp.When) and node.args.get("condition"):
        label = f"AND {node.args['condition'].sql(dialect)}"
        yield "drop-filter", label, lambda t: t.set("condition", None)
    elif isinstance(node, (exp.And, exp.Or)):
        yield "drop-operand", f"drop {node.expression.sql(dialect)}", lambda t: t.this
        yield "drop-operand", f"drop {node.this.sql(dialect)}", lambda t: t.expression
    elif isinstance(node, exp.Literal) and not node.is_string:
        new = float(node.this) + 1 if "." in node.this else int(node.this) + 1
        context = (node.parent or node).sql(dialect)
        yield "constant", f"{node.this}->{new} in {context}", lambda t: exp.Literal.number(new)
    elif type(node) in SQL_COMPARISONS:
        flipped = SQL_COMPARISONS[type(node)]
        yield (
            "flip-comparison",
            node.sql(dialect),
            lambda t: flipped(this=t.this, expression=t.expression),
        )
    elif isinstance(node, exp.Not):
        yield "flip-comparison", node.sql(dialect), lambda t: t.this
    elif isinstance(node, exp.Join):
        inner = not node.side and node.kind in (None, "", "INNER")
        if inner or node.side == "LEFT":
            label = f"{'inner->left' if inner else 'left->inner'} join {node.this.sql(dialect)}"
            yield "join-type", label, lambda t: _join(t, "LEFT" if inner else None)
    elif isinstance(node, exp.Select):
        if node.args.get("distinct"):
            yield "drop-distinct", "SELECT DISTINCT", lambda t: t.set("distinct", None)
        cte = node.find_ancestor(exp.CTE)
        select = f"select of {cte.alias}" if cte else "select"
        if len(node.expressions) > 1:
            for i, column in enumerate(node.expressions):
                label = f"{select} without {column.sql(dialect)}"
                yield "drop-column", label, lambda t, i=i: _pop(t.expressions[i])
    elif isinstance(node, exp.Whens) and len(node.expressions) > 1:
        for i, clause in enumerate(node.expressions):
            yield "drop-clause", clause.sql(dialect), lambda t, i=i: _pop(t.expressions[i])


def sql_text(site: Site, dialect: str = "spark") -> list[Change]:
    """The mutations above on SQL text (a statement or a condition), written back as a string."""
    if not site.sql:
        return []
    text, values = _template(site.node)
    try:
        tree = sqlglot.parse_one(text, read=dialect)
    except sqlglot.errors.SqlglotError:
        return []
    changes = []
    for index, node in enumerate(tree.walk()):
        for operator, label, edit in _sql_edits(node, dialect):
            mutated = tree.copy()
            target = list(mutated.walk())[index]
            replacement = edit(target)
            if isinstance(replacement, exp.Expression) and target is mutated:
                mutated = replacement
            elif isinstance(replacement, exp.Expression):
                target.replace(replacement)
            shown = _trimmed(*(_shown(t.sql(dialect=dialect), values) for t in (tree, mutated)))
            text = _string(mutated.sql(dialect=dialect), values)
            changes.append(Change(operator, f"sql {_shown(label, values)}", text, f"SQL: {shown}"))
    return changes


def _shown(text: str, values: list[ast.FormattedValue]) -> str:
    """SQL text with its __pN__ shown as the f-string's {value}."""
    return PLACEHOLDER.sub(lambda m: f"{{{_text(values[int(m[1])].value)}}}", text)


OPERATORS: tuple[Callable[..., list[Change]], ...] = (
    flip_order,
    drop_filter,
    drop_distinct,
    drop_column,
    drop_operand,
    flip_comparison,
    swap_mode,
    join_type,
    change_constant,
    ignore_argument,
)


def _is_sql(node: ast.AST, parent: ast.AST | None) -> bool:
    if not (
        isinstance(node, ast.JoinedStr)
        or isinstance(node, ast.Constant)
        and isinstance(node.value, str)
    ):
        return False
    if isinstance(parent, ast.Expr):  # a docstring
        return False
    if isinstance(parent, ast.Call) and node in parent.args:
        called = (
            parent.func.attr
            if isinstance(parent.func, ast.Attribute)
            else getattr(parent.func, "id", "")
        )
        if called in SQL_ARGUMENT_OF:
            return True
    if isinstance(parent, ast.keyword) and parent.arg in SQL_KEYWORDS:
        return True
    return bool(SQL_START.match(_template(node)[0]))


def _sites(tree: ast.AST) -> Iterator[tuple[Site, ast.AST, str, int | None]]:
    """Every node in a fixed order (depth first), with the parent field that holds it.
    Annotations are not code that runs, and an f-string's parts are one SQL text: not entered."""

    def visit(node, parent, name, index, call, function):
        yield Site(node, parent, call, function, _is_sql(node, parent)), parent, name, index
        if isinstance(node, ast.FunctionDef):
            function = node.name
        if isinstance(node, ast.Call):
            call = node
        if isinstance(node, ast.JoinedStr):
            return
        for field_name, value in ast.iter_fields(node):
            if field_name in ("annotation", "returns"):
                continue
            children = list(enumerate(value)) if isinstance(value, list) else [(None, value)]
            for index, child in children:
                if isinstance(child, ast.AST):
                    yield from visit(child, node, field_name, index, call, function)

    yield from visit(tree, None, "", None, None, None)


def _replaced(tree: ast.Module, position: int, node: ast.AST) -> ast.Module:
    """A copy of the tree with its position-th node (in _sites' order) replaced."""
    mutated = copy.deepcopy(tree)
    _, parent, name, index = list(_sites(mutated))[position]
    if index is None:
        setattr(parent, name, copy.deepcopy(node))
    else:
        getattr(parent, name)[index] = copy.deepcopy(node)
    return ast.fix_missing_locations(mutated)


def mutations(source: str, dialect: str = "spark") -> list[Mutation]:
    """Every mutant of the functions in `source`: one change each, none that leaves the code as
    it was, none twice."""
    tree = ast.parse(source)
    original = ast.unparse(tree)
    found: dict[str, Mutation] = {}
    for position, (site, *_) in enumerate(_sites(tree)):
        if site.function is None and not isinstance(site.node, ast.FunctionDef):
            continue
        changes = [c for operator in OPERATORS for c in operator(site)] + sql_text(site, dialect)
        for change in changes:
            mutated = _replaced(tree, position, change.node)
            function = site.function or site.node.name
            mutant = Mutation(function, change.operator, change.label, mutated, change.shown)
            if mutant.source != original:
                found.setdefault(mutant.source, mutant)
    return list(found.values())


# ------------------------------------------------------------------ the exercises' mutants


@dataclass(frozen=True)
class Mutant:
    exercise: str
    id: str  # function:operator:label, stable while the solution does not change there
    description: str
    tree: ast.Module


def solution_cells() -> dict[str, tuple[str, str]]:
    """exercise -> (lesson, source of the solution cell that defines it)."""
    import jupytext

    found = {}
    for path in sorted(SOLUTIONS.glob("[0-9][0-9]_*.py")):
        for cell in jupytext.read(path).cells:
            if cell.cell_type == "code" and "solution" in cell.metadata.get("tags", []):
                names = {
                    n.name for n in ast.parse(cell.source).body if isinstance(n, ast.FunctionDef)
                }
                found.update({e: (path.name[:2], cell.source) for e in EXERCISES if e in names})
    return found


def exercise_mutants(exercise: str, source: str) -> list[Mutant]:
    """The mutants of an exercise's solution cell, each with an id and the code it changes."""
    mutants, seen = [], {}
    original = ast.unparse(ast.parse(source))
    for mutation in mutations(source, SQL_DIALECTS.get(exercise, "spark")):
        key = f"{mutation.function}:{mutation.operator}:{mutation.label}"
        seen[key] = seen.get(key, 0) + 1
        mutant_id = key if seen[key] == 1 else f"{key} #{seen[key]}"
        if mutation.operator == "ignore-argument":
            name, _, value = mutation.label.partition(" is always ")
            value = "the value of its first call" if value == "the first one given" else value
            description = f"{mutation.function} ignores `{name}`: it is always {value}"
        else:
            description = mutation.shown or _difference(original, mutation.source)
        mutants.append(Mutant(exercise, mutant_id, description, mutation.tree))
    return mutants


def _difference(before: str, after: str) -> str:
    """The first change between two sources, short: `…old…  ->  …new…`."""
    old, new = before.splitlines(), after.splitlines()
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old, b=new).get_opcodes():
        if tag != "equal":
            return _trimmed(" ".join(old[i1:i2]), " ".join(new[j1:j2]))
    return ""


def _trimmed(a: str, b: str, context: int = 25) -> str:
    """Two versions of a line, cut to what differs and a little around it."""
    a, b = " ".join(a.split()), " ".join(b.split())
    prefix = len(os.path.commonprefix([a, b]))
    suffix = len(os.path.commonprefix([a[prefix:][::-1], b[prefix:][::-1]]))
    start = max(prefix - context, 0)

    def cut(text: str) -> str:
        end = min(len(text) - suffix + context, len(text))
        return ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")

    return f"{cut(a)}  ->  {cut(b)}"


# ------------------------------------------------------------------ running and reporting


@dataclass
class Outcome:
    exercise: str
    id: str
    description: str
    status: str  # caught, crashed or survived
    detail: str = ""  # the check's message, or the error's first line
    equivalent: str = ""  # why, when EQUIVALENT lists the mutant


@dataclass
class Report:
    outcomes: list[Outcome] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)  # per exercise
    baseline: dict[str, str] = field(default_factory=dict)  # exercise -> failure of the solution

    def rows(self) -> list[tuple[str, int, int, int, int, int, float | None]]:
        """(exercise, made, caught, crashed, equivalent, survived, score) per exercise and total."""
        rows = []
        exercises = [e for e in EXERCISES if e in self.seconds]
        for exercise in [*exercises, "total"]:
            mine = [o for o in self.outcomes if exercise in ("total", o.exercise)]
            live = [o for o in mine if not o.equivalent]
            caught = sum(o.status == "caught" for o in live)
            crashed = sum(o.status == "crashed" for o in live)
            survived = sum(o.status == "survived" for o in live)
            score = caught / len(live) if live else None
            rows.append(
                (exercise, len(mine), caught, crashed, len(mine) - len(live), survived, score)
            )
        return rows

    def survivors(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "survived" and not o.equivalent]

    def crashed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "crashed" and not o.equivalent]

    def lines(self) -> list[str]:
        """The table, the survivors and the crashes, for the terminal."""
        lines = [
            f"{'exercise':<30} {'made':>5} {'caught':>6} {'crashed':>7} {'equiv':>5} {'survived':>8} {'score':>6} {'s':>5}"
        ]
        for exercise, made, caught, crashed, equivalent, survived, score in self.rows():
            shown = f"{score:.0%}" if score is not None else "-"
            seconds = self.seconds.get(exercise, sum(self.seconds.values()))
            lines.append(
                f"{exercise:<30} {made:>5} {caught:>6} {crashed:>7} {equivalent:>5} {survived:>8} {shown:>6} {seconds:>5.0f}"
            )
        lines.append(
            f"goal: {GOAL_TOTAL:.0%} of the non-equivalent mutants caught in total, no exercise below {GOAL_EACH:.0%}"
        )
        for title, outcomes in (
            ("survivors (the check passes them)", self.survivors()),
            ("crashed (a traceback, not a hint)", self.crashed()),
        ):
            if outcomes:
                lines.append(f"{title}:")
                for o in outcomes:
                    lines += [f"  {o.exercise}  {o.id}", f"      {o.description}"]
                    lines += [f"      {o.detail}"] if o.detail else []
        return lines


class _FirstValues:
    """`_first_value` in a mutant's namespace: each parameter keeps the first value it is given."""

    def __init__(self):
        self.values: dict[str, object] = {}

    def __call__(self, name: str, value):
        return self.values.setdefault(name, value)


def judged(
    judge: Callable, namespace: dict, spark, mutant: Mutant | None = None
) -> tuple[str, str]:
    """(status, detail) of running the judge on the namespace, with the mutant compiled in."""
    from lakehouse_kit.checks import CheckFailed

    namespace = dict(namespace, _first_value=_FirstValues())
    if mutant is not None:
        exec(compile(mutant.tree, f"<mutant {mutant.id}>", "exec"), namespace)
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # the checks' ✓ lines
            judge(namespace, spark)
    except CheckFailed as failure:
        return "caught", failure.message
    except Exception as error:  # a traceback instead of a hint
        first = (str(error).strip().splitlines() or [""])[0][:120]
        return "crashed", f"{type(error).__name__} {_raised_where(error)}: {first}"
    return "survived", ""


def _raised_where(error: BaseException) -> str:
    """Whether an error escaped from a check, or from the answer before any check ran."""
    frames = traceback.extract_tb(error.__traceback__)
    inside = any("lakehouse_kit/checks/" in f.filename.replace("\\", "/") for f in frames)
    return "in the check" if inside else "in the answer, before the check"


def run(spark, exercises=EXERCISES, progress: Callable[[str], None] = lambda line: None) -> Report:
    """Every mutant of the exercises, judged; the solution itself first (it must pass)."""
    from judges import JUDGES, lesson_namespace

    cells, namespaces, report = solution_cells(), {}, Report()
    for exercise in exercises:
        start = time.perf_counter()
        lesson, source = cells[exercise]
        lesson_of_judge, judge = JUDGES[exercise]
        assert lesson == lesson_of_judge, f"{exercise}: the judge is for lesson {lesson_of_judge}"
        if lesson not in namespaces:
            namespaces[lesson] = lesson_namespace(lesson, spark)
        status, detail = judged(judge, namespaces[lesson], spark)
        if status != "survived":
            report.baseline[exercise] = detail
        else:
            for mutant in exercise_mutants(exercise, source):
                status, detail = judged(judge, namespaces[lesson], spark, mutant)
                reason = EQUIVALENT.get(mutant.id, "")
                report.outcomes.append(
                    Outcome(exercise, mutant.id, mutant.description, status, detail, reason)
                )
            judged(judge, namespaces[lesson], spark)  # leave what the solution's check leaves
        report.seconds[exercise] = time.perf_counter() - start
        progress(f"{exercise}: {report.seconds[exercise]:.0f} s")
    return report


# The report of this process's run, for conftest's terminal summary.
REPORTS: list[Report] = []
