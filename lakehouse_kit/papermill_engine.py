"""The papermill engine that executes notebooks in a `SharedKernel` (`lakehouse_kit.kernel`).
Compared with papermill's own engine on a shared kernel manager, it saves per lesson a new
client (~0.2 s for each to connect) and a write of the whole output notebook before and after
every cell."""

from __future__ import annotations

from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, NotebookExecutionManager, papermill_engines

ENGINE = "lakehouse-kit"


class _SparseSaves(NotebookExecutionManager):
    """Writes the output notebook at most every few seconds while it runs; papermill writes it
    whole before and after every cell. Its final write (and the one naming a failed cell) is
    papermill's own, after the engine returns."""

    def save(self, **kwargs):
        if (self.now() - self.last_save_time).total_seconds() > 5:
            super().save(**kwargs)


class SharedKernelEngine(NBClientEngine):
    """papermill's nbclient engine on a `SharedKernel`: `execute_notebook(..., engine_name=ENGINE,
    kernel=shared)`; `client` holds nbclient options (e.g. `allow_errors`, `timeout`)."""

    @classmethod
    def execute_notebook(
        cls, nb, kernel_name, output_path=None, kernel=None, client=None, **kwargs
    ):
        manager = _SparseSaves(nb, output_path=output_path, progress_bar=False)
        manager.notebook_start()
        try:
            client = PapermillNotebookClient(
                manager,
                km=kernel.manager,
                kernel_name=kernel_name,
                startup_timeout=60,
                **(client or {}),
            )
            client.kc = kernel.client  # papermill would connect a new client for every notebook
            client.execute()
        finally:
            manager.notebook_complete()
        return manager.nb


papermill_engines.register(ENGINE, SharedKernelEngine)
