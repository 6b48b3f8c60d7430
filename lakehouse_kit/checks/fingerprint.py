"""What a learner's function does, as one hash: its code and everything it reaches that could
change its behaviour, for `judged` to tell whether a check already tried this very code.

A function is described by its bytecode and constants (not its file name or line numbers: a
cell compiled by the kernel in lesson 2 and by lesson 6's replay is the same code), its
default values and closure, and every global name its code reads: the learner's own helpers
are described the same way, recursively; plain values (numbers, text, lists of them) by their
value; modules, functions and classes of the standard library, the installed packages and the
kit by their name (a new version of those changes `environment()`, not the function). Anything
else a function reads (a DataFrame, an object of the learner's class, a module of the
learner's) has no stable description: the function gets no fingerprint, and is judged anew.
"""

from __future__ import annotations

import functools
import hashlib
import sys
import sysconfig
import types
from pathlib import Path

import lakehouse_kit


class Unknown(Exception):
    """A value whose behaviour cannot be told from a description: judge the function anew."""


def fingerprint(function) -> str | None:
    """A hash of what `function` does, or None when something it reads cannot be described."""
    try:
        described = _describe(function, set())
    except (Unknown, RecursionError):
        return None
    return hashlib.sha256(repr(described).encode()).hexdigest()


@functools.cache
def environment() -> str:
    """The kit's code (every module: a check and what it calls) and the installed packages'
    versions: an update of either judges every function anew. The versions are read from the
    packages' `*.dist-info` folder names (importlib.metadata reads files: 0.15 s)."""
    digest = hashlib.sha256(sys.version.encode())
    for path in sorted(_KIT.rglob("*.py")):
        digest.update(str(path.relative_to(_KIT)).encode() + b"\0" + path.read_bytes())
    paths = sysconfig.get_paths()
    for folder in sorted({paths["purelib"], paths["platlib"]}):
        for package in sorted(Path(folder).glob("*.dist-info")):
            digest.update(package.name.encode() + b"\0")
    return digest.hexdigest()


_KIT = Path(lakehouse_kit.__file__).resolve().parent
_PLAIN = (type(None), bool, int, float, complex, str, bytes, type(Ellipsis))


def _describe(value, seen: set[int]):
    if isinstance(value, _PLAIN):
        return (type(value).__name__, repr(value))
    if isinstance(value, (tuple, list)):
        return (type(value).__name__, *(_describe(v, seen) for v in value))
    if isinstance(value, (set, frozenset)):
        return (type(value).__name__, *sorted(repr(_describe(v, seen)) for v in value))
    if isinstance(value, dict):
        items = sorted(repr((_describe(k, seen), _describe(v, seen))) for k, v in value.items())
        return ("dict", *items)
    if isinstance(value, types.ModuleType):
        return ("module", value.__name__) if _installed(value) else _unknown(value)
    if isinstance(value, types.FunctionType):
        return _function(value, seen)
    if isinstance(value, functools.partial):
        return ("partial", *(_describe(v, seen) for v in (value.func, value.args, value.keywords)))
    if isinstance(value, (types.BuiltinFunctionType, type)):
        return _named(value, seen)
    if type(value).__name__ == "SparkSession":  # the notebook's `spark`: the same engine
        return ("SparkSession",)
    return _unknown(value)


def _function(function: types.FunctionType, seen: set[int]):
    """A library's function by its name; the learner's by its code and what the code reads."""
    module = sys.modules.get(function.__module__)
    if module is not None and module.__dict__ is function.__globals__ and _installed(module):
        return ("function", function.__module__, function.__qualname__)
    if id(function) in seen:  # a helper calling back: described where it was met first
        return ("again", function.__qualname__)
    seen.add(id(function))
    code = function.__code__
    cells = [cell.cell_contents for cell in function.__closure__ or ()]
    return (
        "code",
        _code(code),
        _describe(function.__defaults__, seen),
        _describe(function.__kwdefaults__, seen),
        _describe(cells, seen),
        tuple(_global(function.__globals__, name, seen) for name in sorted(_names(code))),
    )


def _code(code: types.CodeType) -> tuple:
    """The code without where it was written (file, lines): the same cell anywhere is the same.
    Constants by value (a frozenset's repr depends on the kernel's string hashing)."""
    constants = tuple(
        _code(c) if isinstance(c, types.CodeType) else _describe(c, set()) for c in code.co_consts
    )
    return (
        code.co_name,
        code.co_code,
        constants,
        code.co_names,
        code.co_varnames,
        code.co_freevars,
        code.co_cellvars,
        code.co_argcount,
        code.co_posonlyargcount,
        code.co_kwonlyargcount,
        code.co_flags,
        getattr(code, "co_exceptiontable", b""),
    )


def _names(code: types.CodeType) -> set[str]:
    """Every name the code and the functions nested in it may read as a global."""
    names = set(code.co_names)
    for constant in code.co_consts:
        if isinstance(constant, types.CodeType):
            names |= _names(constant)
    return names


def _global(namespace: dict, name: str, seen: set[int]):
    """A global the code names (co_names also holds attribute names: those not in the
    namespace are described as absent, which is stable)."""
    if name in namespace:
        return (name, _describe(namespace[name], seen))
    return (name, "absent")


def _named(value, seen: set[int]):
    """A builtin or a class: by its name, when an installed module holds it under that name
    (a class the learner wrote is in no such module); a bound builtin (", ".join) with the
    value it is bound to."""
    module = sys.modules.get(getattr(value, "__module__", None) or "builtins")
    name = getattr(value, "__qualname__", "")
    if module is None or not _installed(module) or name.split(".")[0] not in vars(module):
        return _unknown(value)
    bound = getattr(value, "__self__", None)
    if bound is None or isinstance(bound, types.ModuleType):
        return ("named", module.__name__, name)
    return ("named", module.__name__, name, _describe(bound, seen))


def _installed(module: types.ModuleType) -> bool:
    """A module of the standard library, of an installed package or of the kit: its code
    changes with a version, which `environment()` covers."""
    file = getattr(module, "__file__", None)
    if file is None:
        return module.__name__ in sys.builtin_module_names
    path = Path(file).resolve()
    return any(path.is_relative_to(root) for root in _roots())


@functools.cache
def _roots() -> tuple[Path, ...]:
    paths = sysconfig.get_paths()
    found = {Path(paths[key]).resolve() for key in ("stdlib", "platstdlib", "purelib", "platlib")}
    return (*found, _KIT)


def _unknown(value):
    raise Unknown(type(value).__name__)


# Hashed as the checks load: a kit updated on disk while this kernel runs (a `git pull` in a
# workshop) must not lend the new code's hash to the old checks still running here.
environment()
