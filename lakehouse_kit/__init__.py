"""Lakehouse Kit: the shared helpers behind the lessons (one module per concern)."""

__version__ = "0.1.0"

import os as _os

# pyspark-client (and GX, which imports it) exits the process in some helpers when SPARK_HOME
# is unset, though a Spark Connect client never uses it. Any existing folder will do.
_os.environ.setdefault("SPARK_HOME", _os.path.dirname(_os.path.abspath(__file__)))
