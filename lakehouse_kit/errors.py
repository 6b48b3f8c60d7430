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
