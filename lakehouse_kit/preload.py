"""What a course kernel imports before its first lesson (`kernel.SharedKernel`), in two parts.

Lessons 1 and 2 need the kit's checks, Spark Connect, pandas, boto3 and matplotlib: the kernel
imports those first, and lesson 1 waits for them. Great Expectations (with scipy, SQLAlchemy
and altair, about 2.5 s on 2 cores, half of the whole) is needed from lesson 3 on: a thread
imports it while lessons 1 and 2 run, mostly waiting on the engine. The thread imports only
what the first part has not (the kit's modules it needs are loaded by then), and the lessons'
own imports never hold a module the thread needs, so no import waits on another in a circle;
a lesson that imports `lakehouse_kit.quality` before the thread is done waits for it, and a
failed import in the thread fails again, with its error, in the lesson that needs it."""

from __future__ import annotations

import importlib
import threading

FIRST = (
    "lakehouse_kit.checks",
    "lakehouse_kit.storage",
    "pyspark.sql.connect.session",
    "pandas",
    "matplotlib.pyplot",
)
IN_THE_BACKGROUND = "lakehouse_kit.quality"


def preload() -> threading.Thread:
    from lakehouse_kit.spark import import_connect_client

    import_connect_client()  # before any other pyspark import (see its docstring)
    for name in FIRST:
        importlib.import_module(name)
    thread = threading.Thread(target=_import_quietly, name="preload", daemon=True)
    thread.start()
    return thread


def _import_quietly() -> None:
    try:
        importlib.import_module(IN_THE_BACKGROUND)
    except Exception:  # noqa: BLE001  the lesson that imports it gets the error, in its cell
        pass
