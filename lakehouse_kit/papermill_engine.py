"""The papermill engine that executes notebooks in a `SharedKernel` (`lakehouse_kit.kernel`).
Compared with papermill's own engine on a shared kernel manager, it saves per lesson a new
client (~0.2 s for each to connect) and a write of the whole output notebook before and after
every cell."""

from __future__ import annotations

import threading
import time

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


class _Watchdog:
    """Interrupts the kernel when a cell runs over `seconds` (again every `seconds` while it
    still runs): nbclient's own timeout never fires on the shared kernel's blocking client,
    which waits for a cell's output without yielding. The cell then fails with
    KeyboardInterrupt and the notebook goes on."""

    def __init__(self, manager, seconds: float | None):
        self.manager, self.seconds = manager, seconds
        self.started: float | None = None
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> _Watchdog:
        if self.seconds:
            self.thread.start()
        return self

    def __exit__(self, *_) -> None:
        self.done.set()
        if self.thread.is_alive():
            self.thread.join()

    def hooks(self) -> dict:
        """nbclient's hooks (a cell was sent to the kernel, its reply came back), if it watches."""
        return (
            {"on_cell_execute": self._start, "on_cell_executed": self._stop} if self.seconds else {}
        )

    def _start(self, **_) -> None:
        self.started = time.monotonic()

    def _stop(self, **_) -> None:
        self.started = None

    def _watch(self) -> None:
        while not self.done.wait(0.2):
            started = self.started
            if started is not None and time.monotonic() - started > self.seconds:
                self.started = time.monotonic()
                self.manager.interrupt_kernel()


class SharedKernelEngine(NBClientEngine):
    """papermill's nbclient engine on a `SharedKernel`: `execute_notebook(..., engine_name=ENGINE,
    kernel=shared)`; `client` holds nbclient options (e.g. `allow_errors`) and `cell_timeout`,
    the seconds after which a running cell is interrupted."""

    @classmethod
    def execute_notebook(
        cls, nb, kernel_name, output_path=None, kernel=None, client=None, **kwargs
    ):
        options = dict(client or {})
        seconds = options.pop("cell_timeout", None)
        manager = _SparseSaves(nb, output_path=output_path, progress_bar=False)
        manager.notebook_start()
        with _Watchdog(kernel.manager, seconds) as watchdog:
            try:
                client = PapermillNotebookClient(
                    manager,
                    km=kernel.manager,
                    kernel_name=kernel_name,
                    startup_timeout=60,
                    **watchdog.hooks(),
                    **options,
                )
                client.kc = kernel.client  # papermill would connect a new client for every notebook
                client.execute()
            finally:
                manager.notebook_complete()
        return manager.nb


papermill_engines.register(ENGINE, SharedKernelEngine)
