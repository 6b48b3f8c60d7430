"""Lakehouse Kit: the shared helpers behind the lessons (one module per concern)."""

__version__ = "0.1.0"
