"""Where candidate batches are evaluated: in-process, a local process pool, or a Dask cluster.

The executor itself is opened by ``pimsim.sweep.executor.open_backend``, the one executor helper that
``pimsim sweep`` uses too; this module adds what is the search's own: batches split into one chunk per worker,
the evaluator built once per worker, and the files a remote worker needs.  Every chunk runs the same module-level function ``evaluate_chunk(factory,
spec, candidates)``.  ``factory`` is an importable ``"module:function"`` that
builds an evaluator from a picklable ``spec`` dict; each worker process builds
it once and keeps it (keyed by the spec) so the supernet and the hardware
cache are loaded once per worker, not per candidate.  Results come back in
input order whatever the completion order, so a search is deterministic
however many workers run it.

The Dask executor connects to any Dask scheduler (``--scheduler tcp://HOST:PORT``);
workers on other machines receive the files they need through Dask and send
their new cost-cache entries back (see :func:`evaluate_chunk_shipped`).  Trust: Dask workers run the code the
client sends (pickled functions), as any Dask cluster does.  Connect only to a scheduler you control; for networks
you do not, configure Dask's TLS (``tls://`` addresses).
"""

from __future__ import annotations

import contextlib
import importlib
import json
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlparse

from pimsim.sweep.executor import open_backend
from recsys_models.errors import UserError

CONNECT_TIMEOUT_S = 10.0
"""How long to try reaching a Dask scheduler and its first worker (a cluster's workers may still be starting)."""

_EVALUATORS: dict[str, object] = {}


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


class BatchExecutor:
    """Evaluates candidate batches on an executor of ``pimsim.sweep.executor.open_backend`` (the project's one
    executor helper): this process (``workers`` 1), a pool of local processes (spawned, so torch threads are not
    forked) or the workers of a Dask scheduler (``scheduler``, see :func:`_dask_chunk`).  A batch is split into
    one chunk per worker; results come back in candidate order whatever the completion order.  A context manager:
    leaving it on an exception drops the queued chunks (the pool's interrupt path)."""

    def __init__(self, factory: str, spec: dict, workers: int = 1, scheduler: str | None = None,
                 connect_timeout_s: float = CONNECT_TIMEOUT_S):
        self.factory, self.spec = factory, spec
        self._stack = contextlib.ExitStack()
        address = check_address(scheduler) if scheduler else None
        self.backend = self._stack.enter_context(open_backend(workers, address, connect_timeout_s, "spawn"))
        self.workers = self.backend.workers
        client = self.backend.client
        self.blobs = None if client is None else client.scatter([_blobs(spec)], broadcast=True, hash=False)[0]
        self.cache_dir = spec.get("cache_dir")

    def __call__(self, candidates: Sequence[dict]) -> list[dict]:
        parts = _chunks(candidates, self.workers)
        submit = self.backend.executor.submit
        if self.blobs is None:
            done = [f.result() for f in [submit(evaluate_chunk, self.factory, self.spec, p) for p in parts]]
            return _unchunk(done, len(candidates))
        shipped = [f.result() for f in [submit(evaluate_chunk_shipped, self.factory, self.spec, p, self.blobs)
                                        for p in parts]]
        self._merge({k: v for _, added in shipped for k, v in added.items()})
        return _unchunk([results for results, _ in shipped], len(candidates))

    def _merge(self, entries: dict) -> None:
        """The cost-cache entries remote workers added, into this run's cache (``--cost-cache``/``OUT/cost_cache``)."""
        if not entries or not self.cache_dir:
            return
        from recsys_models.oracles.hardware_cost import CostCache

        cache = CostCache(self.cache_dir)
        for key, metrics in sorted(entries.items()):
            if cache.get(key) is None:
                cache.put(key, metrics)

    def close(self) -> None:
        self._stack.close()

    def __enter__(self) -> BatchExecutor:
        return self

    def __exit__(self, *exc) -> None:
        self._stack.__exit__(*exc)


def check_address(address: str) -> str:
    """A Dask scheduler address ``[tcp://|tls://]HOST:PORT`` (any host); errors name the option."""
    text = address if "://" in address else f"tcp://{address}"
    parsed = urlparse(text)
    try:
        port = parsed.port
    except ValueError:
        port = None
    if parsed.scheme not in SCHEMES or not parsed.hostname or port is None or parsed.path not in ("", "/"):
        raise UserError("--scheduler", f"{address!r}: expected tcp://HOST:PORT or tls://HOST:PORT (a Dask scheduler)")
    host = f"[{parsed.hostname}]" if ":" in parsed.hostname else parsed.hostname
    return f"{parsed.scheme}://{host}:{port}"


SCHEMES = ("tcp", "tls")
SHIPPED = ("supernet", "data", "hw_space", "base_arch")
"""Spec entries naming files the workers need; a Dask run sends their bytes (see :class:`DaskExecutor`)."""


def _blobs(spec: dict) -> dict:
    """``{spec key: [(file name, bytes), ...]}`` of the files a remote worker needs (KDD: its profile too)."""
    out = {}
    for key in SHIPPED:
        value = spec.get(key)
        if not value or not Path(str(value)).is_file():
            continue  # unset, or a preset name such as base_arch "default"
        path = Path(str(value))
        files = [(path.name, path.read_bytes())]
        if key == "data" and spec.get("dataset") == "kdd":
            from recsys_models.data.readers import kdd_profile_path

            profile = kdd_profile_path(path)
            files.append((profile.name, profile.read_bytes()))
        out[key] = files
    return out


_MATERIALISED: dict[str, dict] = {}


def _materialise(spec: dict, blobs: dict) -> dict:
    """On a worker: the shipped files written once under its temporary directory (by content digest); the spec with
    those paths and a worker-local cost cache."""
    import hashlib
    import tempfile

    digest = hashlib.sha256(json.dumps(spec, sort_keys=True, default=str).encode()
                            + b"".join(data for files in blobs.values() for _, data in files)).hexdigest()[:16]
    if digest not in _MATERIALISED:
        root = Path(tempfile.gettempdir()) / "recsys-search-worker" / digest
        local = dict(spec, cache_dir=str(root / "cost_cache"))
        for key, files in blobs.items():
            folder = root / key
            folder.mkdir(parents=True, exist_ok=True)
            for name, data in files:
                target = folder / name
                if not target.exists() or target.stat().st_size != len(data):
                    tmp = folder / f".{name}.tmp"
                    tmp.write_bytes(data)
                    tmp.replace(target)
            local[key] = str(folder / files[0][0])
        _MATERIALISED[digest] = local
    return _MATERIALISED[digest]


def evaluate_chunk_shipped(factory: str, spec: dict, candidates: list[dict], blobs: dict) -> tuple[list[dict], dict]:
    """A Dask task: evaluate ``candidates`` with the shipped files; returns the results and the cost-cache entries
    this worker added while doing it (the client merges them into its cache)."""
    local = _materialise(spec, blobs)
    evaluator = _build(factory, local)
    cache = getattr(evaluator, "cache", None)
    before = set(cache.memory) if cache is not None else set()
    results = [evaluator(c) for c in candidates]
    added = {k: v for k, v in cache.memory.items() if k not in before} if cache is not None else {}
    return results, added


def make_executor(factory: str, spec: dict, workers: int = 1, scheduler: str | None = None) -> BatchExecutor:
    """The executor for the command-line options ``--workers`` / ``--scheduler``."""
    return BatchExecutor(factory, spec, workers, scheduler)
