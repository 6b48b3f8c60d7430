"""One error type for everything the kit can explain: what went wrong and how to fix it."""

from __future__ import annotations


class KitError(RuntimeError):
    """A failure with a fix. Notebooks and the CLI show it as two short lines, not a traceback."""

    def __init__(self, message: str, fix: str = ""):
        super().__init__(message)
        self.message = message
        self.fix = fix

    def __str__(self) -> str:
        return f"{self.message}\n  Fix: {self.fix}" if self.fix else self.message

    def _render_traceback_(self) -> list[str]:
        # IPython calls this instead of printing a traceback wall in the notebook.
        return [f"\x1b[31m{type(self).__name__}: {self.message}\x1b[0m"] + (
            [f"\x1b[33mFix: {self.fix}\x1b[0m"] if self.fix else []
        )


class ServiceError(KitError):
    """A local service is down, unreachable or misconfigured."""


def first_line(error: BaseException | str, limit: int = 300) -> str:
    """An error's first line, cut to `limit` characters: what a hint, a table cell or a short
    report quotes from an engine's long message. An exception without words gives its type."""
    text = plain(str(error)).strip()
    if not text:
        return type(error).__name__ if isinstance(error, BaseException) else ""
    return text.splitlines()[0][:limit]


def plain(text: str) -> str:
    """Text without terminal colour codes (IPython colours the errors it records)."""
    import re

    return re.sub(r"\x1b\[[0-9;]*m", "", text)
