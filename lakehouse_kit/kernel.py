"""One Jupyter kernel for a run of lessons, and the papermill engine that executes notebooks in
it. Compared with papermill's own engine on a shared kernel manager, it saves per lesson: a new
client (~0.2 s for each to connect), IPython's `%reset` (two full garbage collections, ~0.35 s)
and a write of the whole output notebook before and after every cell."""

from __future__ import annotations

from pathlib import Path

from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, NotebookExecutionManager, papermill_engines

from lakehouse_kit.errors import KitError

ENGINE = "lakehouse-kit"

# The names a new kernel starts with (In, Out, get_ipython, __builtins__ ...): a lesson keeps
# those and nothing else, so a variable or import of the lesson before cannot leak into it.
_REMEMBER_START = "__kit_start_names__ = set(globals()) | {'__kit_start_names__'}"
_FORGET_LESSON = (
    "(lambda g: ([g.pop(n) for n in list(g) if n not in g['__kit_start_names__']],"
    " g['Out'].clear(), g.update(_='', __='', ___='')))(globals()); __import__('os').chdir(%r)"
)


# What the lessons import (pandas, Spark Connect, Great Expectations, matplotlib: ~4 s on 2
# cores): a new kernel imports it at once, while its caller starts the services, so no lesson
# waits for Great Expectations. Binds no name; a failed import fails the lesson that needs it.
_PRELOAD = "[__import__(m) for m in ('lakehouse_kit.checks', 'lakehouse_kit.quality', 'matplotlib.pyplot')]"


class SharedKernel:
    """A kernel and its one client for a run of lessons, its namespace emptied before each
    lesson: imports (Spark Connect, pandas, Great Expectations: seconds each) and the Spark
    session are paid once per run, and a lesson still fails on a missing import as in a fresh
    kernel."""

    def __init__(self, cwd: Path):
        from jupyter_client.manager import KernelManager

        self.manager = KernelManager(kernel_name="python3")
        self.manager.start_kernel(cwd=str(cwd))
        self.client = self.manager.client()
        self.client.start_channels()
        self.client.wait_for_ready(timeout=60)
        self._run(_REMEMBER_START)
        self.client.execute(_PRELOAD, silent=True, store_history=False)  # not awaited

    def fresh_namespace(self, cwd: Path) -> None:
        self._run(_FORGET_LESSON % str(cwd))

    def _run(self, code: str) -> None:
        reply = self.client.execute_interactive(
            code, silent=True, store_history=False, timeout=60, output_hook=lambda _: None
        )
        if reply["content"]["status"] != "ok":
            raise KitError("The course kernel could not be reset.", fix="Run the lessons again.")

    def close(self) -> None:
        self.client.stop_channels()
        self.manager.shutdown_kernel(now=True)


class _SparseSaves(NotebookExecutionManager):
    """Writes the output notebook at most every few seconds while it runs; papermill writes it
    whole before and after every cell. Its final write (and the one naming a failed cell) is
    papermill's own, after the engine returns."""

    def save(self, **kwargs):
        if (self.now() - self.last_save_time).total_seconds() > 5:
            super().save(**kwargs)


class SharedKernelEngine(NBClientEngine):
    """papermill's nbclient engine on a `SharedKernel`: `execute_notebook(..., engine_name=ENGINE,
    kernel=shared)`."""

    @classmethod
    def execute_notebook(cls, nb, kernel_name, output_path=None, kernel=None, **kwargs):
        manager = _SparseSaves(nb, output_path=output_path, progress_bar=False)
        manager.notebook_start()
        try:
            client = PapermillNotebookClient(
                manager, km=kernel.manager, kernel_name=kernel_name, startup_timeout=60
            )
            client.kc = kernel.client  # papermill would connect a new client for every notebook
            client.execute()
        finally:
            manager.notebook_complete()
        return manager.nb


papermill_engines.register(ENGINE, SharedKernelEngine)
