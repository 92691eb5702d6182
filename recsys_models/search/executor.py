"""Where candidate batches are evaluated: in-process, a local process pool, or a Dask cluster.

Every executor runs the same module-level function ``evaluate_chunk(factory,
spec, candidates)``.  ``factory`` is an importable ``"module:function"`` that
builds an evaluator from a picklable ``spec`` dict; each worker process builds
it once and keeps it (keyed by the spec) so the supernet and the hardware
cache are loaded once per worker, not per candidate.  Results come back in
input order whatever the completion order, so a search is deterministic
however many workers run it.

The Dask executor only connects to a scheduler on this machine
(``127.0.0.1``/``localhost``): candidates carry no secrets, but the workers
unpickle code, so the address is checked rather than trusted.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Sequence
from urllib.parse import urlparse

from recsys_models.errors import UserError

_EVALUATORS: dict[str, object] = {}
LOCAL_HOSTS = ("127.0.0.1", "localhost")


def _build(factory: str, spec: dict):
    key = factory + json.dumps(spec, sort_keys=True, default=str)
    if key not in _EVALUATORS:
        module, _, name = factory.partition(":")
        _EVALUATORS[key] = getattr(importlib.import_module(module), name)(spec)
    return _EVALUATORS[key]


def evaluate_chunk(factory: str, spec: dict, candidates: list[dict]) -> list[dict]:
    """Evaluate candidates with the (cached) evaluator ``factory(spec)``."""
    evaluator = _build(factory, spec)
    return [evaluator(c) for c in candidates]


def _chunks(items: Sequence, n: int) -> list[list]:
    n = max(1, min(n, len(items)))
    return [list(items[i::n]) for i in range(n)]


def _unchunk(parts: list[list], n_items: int) -> list:
    out = [None] * n_items
    for i, part in enumerate(parts):
        out[i::len(parts)] = part
    return out


class InProcessExecutor:
    """Serial evaluation in this process (``--workers 1``)."""

    workers = 1

    def __init__(self, factory: str, spec: dict):
        self.factory, self.spec = factory, spec

    def __call__(self, candidates: Sequence[dict]) -> list[dict]:
        return evaluate_chunk(self.factory, self.spec, list(candidates))

    def close(self) -> None:
        pass


class ProcessExecutor(InProcessExecutor):
    """A pool of local worker processes (spawned, so torch threads are not forked)."""

    def __init__(self, factory: str, spec: dict, workers: int):
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        super().__init__(factory, spec)
        self.workers = workers
        self.pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))

    def __call__(self, candidates: Sequence[dict]) -> list[dict]:
        parts = _chunks(candidates, self.workers)
        futures = [self.pool.submit(evaluate_chunk, self.factory, self.spec, p) for p in parts]
        return _unchunk([f.result() for f in futures], len(candidates))

    def close(self) -> None:
        self.pool.shutdown(cancel_futures=True)


def check_local_address(address: str) -> str:
    """Accept only a scheduler on this machine; errors name the option."""
    parsed = urlparse(address if "://" in address else f"tcp://{address}")
    if parsed.hostname not in LOCAL_HOSTS or parsed.port is None:
        raise UserError("--scheduler", f"{address!r}: expected tcp://127.0.0.1:PORT (a scheduler on this machine)")
    return f"{parsed.scheme}://{parsed.hostname}:{parsed.port}"


class DaskExecutor(InProcessExecutor):
    """Candidates spread over the workers of a Dask scheduler on this machine."""

    def __init__(self, factory: str, spec: dict, address: str):
        from distributed import Client

        super().__init__(factory, spec)
        try:
            self.client = Client(check_local_address(address), timeout="10s")
        except OSError as exc:
            raise UserError("--scheduler", f"{address}: cannot connect ({exc})") from None
        self.workers = max(1, len(self.client.scheduler_info().get("workers", {})))

    def __call__(self, candidates: Sequence[dict]) -> list[dict]:
        parts = _chunks(candidates, self.workers)
        futures = [self.client.submit(evaluate_chunk, self.factory, self.spec, p, pure=False) for p in parts]
        return _unchunk(self.client.gather(futures), len(candidates))

    def close(self) -> None:
        self.client.close()


def make_executor(factory: str, spec: dict, workers: int = 1, scheduler: str | None = None):
    """The executor for the command-line options ``--workers`` / ``--scheduler``."""
    if scheduler:
        return DaskExecutor(factory, spec, scheduler)
    if workers <= 1:
        return InProcessExecutor(factory, spec)
    return ProcessExecutor(factory, spec, workers)
