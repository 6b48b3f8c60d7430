"""The resident memory of process trees, sampled in a thread while a run goes on."""

from __future__ import annotations

import threading

import psutil


class RssSampler:
    """Sample the summed RSS of some process trees every `interval` s in a thread; keep peaks.

    `roots()` returns (processes, {service name: process}); each is counted with its
    descendants, and the services' peaks are also kept per service."""

    def __init__(self, roots, interval: float = 0.2):
        self.roots, self.interval = roots, interval
        self.peak_mb = self.services_peak_mb = 0.0
        self.by_service_mb: dict[str, float] = {}  # peak per service (s3, spark, ...)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def sample(self) -> None:
        others, services = self.roots()
        service_rss = {
            pid: (name, rss)
            for name, proc in services.items()
            for pid, (_, rss) in _tree_rss([proc]).items()
        }
        total_rss = {**_tree_rss(others), **service_rss}  # each process once
        self.peak_mb = max(self.peak_mb, _mb(total_rss.values()))
        self.services_peak_mb = max(self.services_peak_mb, _mb(service_rss.values()))
        for name in {name for name, _ in service_rss.values()}:
            mb = _mb(v for v in service_rss.values() if v[0] == name)
            self.by_service_mb[name] = max(self.by_service_mb.get(name, 0.0), mb)


def _mb(values) -> float:
    return round(sum(rss for _, rss in values) / 2**20, 1)


def _tree_rss(roots: list[psutil.Process]) -> dict[int, tuple[str, int]]:
    """(name, RSS in bytes) by pid of the roots and all their descendants."""
    rss = {}
    for root in roots:
        try:
            tree = [root, *root.children(recursive=True)]
        except psutil.Error:
            tree = [root]
        for proc in tree:
            try:
                rss.setdefault(proc.pid, (proc.name(), proc.memory_info().rss))
            except psutil.Error:
                pass
    return rss


def engine_processes() -> dict[str, psutil.Process]:
    """The engine and the object store of the current profile (not the metastore or Trino)."""
    from lakehouse_kit import services
    from lakehouse_kit.settings import load_settings

    running = services.service_processes(load_settings())
    return {name: proc for name, proc in running.items() if name in ("s3", "spark")}
