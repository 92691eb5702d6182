"""Where sweep points and search candidates run: in this process, a local process pool, or a Dask cluster.

All three are ``concurrent.futures.Executor``s (Dask's through
``Client.get_executor()``), so the runner is written once against that
interface.  The one executor helper of the project: ``pimsim sweep`` and
``recsys search`` (``recsys_models.search.executor``, which adds its batching and
the files it ships to remote workers) both open their executor here.  Following docs/reference (onnx_and_ecosystem.md section 5): the
process pool is the default on one machine; Dask ``distributed`` scales the
same sweep out to a cluster (an address such as ``tcp://host:8786``, e.g. from
``dask_jobqueue``), or starts a ``LocalCluster`` with one single-threaded
worker process per core.  A cluster the tool starts listens on 127.0.0.1 only.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

from pimsim.spec.errors import SpecError

CONNECT_TIMEOUT_S = 5.0
LOOPBACK = "127.0.0.1"


class SerialExecutor(Executor):
    """Runs each task at submit time, in this process (``--workers 1``; debugging)."""

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as exc:  # noqa: BLE001 - delivered through the future, like a pool; Ctrl-C is not
            future.set_exception(exc)
        return future


def _die_with_parent() -> None:
    """Pool-worker initializer: the sweep process alone handles signals; workers die with it.

    Ctrl-C and ``kill`` go to ``pimsim sweep``, which cancels queued points and shuts the
    pool down; workers ignore SIGINT (so no traceback per worker) and take the default
    SIGTERM action even if the parent installed a handler before forking.  On Linux the
    kernel also kills a worker when the sweep process dies (``kill -9``); without that the
    workers would wait on their task queue forever.
    """
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    pr_set_pdeathsig = 1  # <linux/prctl.h>
    try:
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, int(signal.SIGKILL))
    except (OSError, AttributeError):
        return
    if os.getppid() == 1:  # the parent died before prctl took effect
        os._exit(1)


@dataclass(frozen=True)
class Backend:
    """What the runner needs to know about an open executor."""

    executor: Executor
    workers: int
    description: str
    local: bool
    """True when workers share this machine's disk (so a warm numba cache helps them)."""
    client: Any = None
    """The Dask ``distributed.Client`` behind ``executor`` (``None`` for this process or a local pool): for callers
    that scatter data to the workers once instead of with every task."""


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


BUSY_IDLE_CORES = 1.0
"""Below one idle core (cores - 1-minute load average), extra workers only compete with the other jobs: on the
project's shared 2-core machine the default of all cores was slower than 1 worker both times it was measured
(issue 21), so the default is then 1."""


def choose_workers(requested: int | None, pending: int | None = None) -> tuple[int, str | None]:
    """Workers to use and, when the tool chose, why: the idle cores (at most the pending points), or 1 when busy."""
    if requested is not None:
        return check_workers(requested), None
    cores = default_workers()
    try:
        load = os.getloadavg()[0]
    except OSError:
        return cores, None
    idle = cores - load
    if cores > 1 and idle < BUSY_IDLE_CORES:
        return 1, (f"1 worker: the machine is busy (load average {load:.1f} on {cores} cores), and extra workers "
                   "then run slower than one; --workers N overrides")
    n = max(1, min(cores, round(idle), pending if pending else cores))
    return n, f"{n} worker{'s' if n > 1 else ''}: {max(idle, 0):.1f} of {cores} cores idle (load average {load:.1f})"


def check_workers(workers: int | None) -> int:
    if workers is None:
        return default_workers()
    if workers < 1:
        raise SpecError("--workers", f"{workers}: must be at least 1")
    return workers


@contextlib.contextmanager
def open_backend(workers: int | None = None, scheduler: str | None = None,
                 connect_timeout_s: float = CONNECT_TIMEOUT_S, mp_context: str | None = None) -> Iterator[Backend]:
    """Open the executor a sweep runs on and close it afterwards.

    Parameters
    ----------
    workers : int, optional
        Worker processes for the local pool or a ``local`` Dask cluster
        (default: the cores this process may use).  Ignored for a remote
        scheduler, whose workers are whatever joined it.
    scheduler : str, optional
        ``None`` for the local process pool, ``"local"`` to start a Dask
        ``LocalCluster`` on loopback, or a scheduler address to connect to.
    connect_timeout_s : float
        How long to try reaching a remote scheduler (and its first worker).
    mp_context : str, optional
        Start method of the local pool's processes (``multiprocessing.get_context``); ``None`` is the platform's
        default (fork on Linux), ``"spawn"`` for callers whose parent holds threads that must not be forked
        (torch's, in ``recsys search``).
    """
    n = check_workers(workers)
    if scheduler is None:
        if n == 1:
            yield Backend(SerialExecutor(), 1, "serial (this process)", True)
            return
        import multiprocessing

        context = multiprocessing.get_context(mp_context) if mp_context else None
        pool = ProcessPoolExecutor(max_workers=n, initializer=_die_with_parent, mp_context=context)
        finished = False
        try:
            yield Backend(pool, n, f"process pool, {n} workers", True)
            finished = True
        finally:
            # On an interrupt, drop queued points and do not wait for running ones:
            # their rows are not recorded, so the next run redoes them.
            pool.shutdown(wait=finished, cancel_futures=not finished)
        return
    with _dask_backend(n, scheduler, connect_timeout_s) as backend:
        yield backend


@contextlib.contextmanager
def _dask_backend(workers: int, scheduler: str, timeout_s: float) -> Iterator[Backend]:
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise SpecError("--scheduler", "needs the dask distributed package (pip install distributed)") from None
    if scheduler == "local":
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host=LOOPBACK,
                          dashboard_address=None) as cluster, Client(cluster) as client:
            # pure=False: a point's (or a search chunk's) evaluation writes files; never merge two submissions
            yield Backend(client.get_executor(pure=False), workers,
                          f"Dask LocalCluster {cluster.scheduler_address}, {workers} workers", True, client)
        return
    client = _connect(scheduler, timeout_s)
    try:
        n = max(1, sum(w.get("nthreads", 1) for w in client.scheduler_info()["workers"].values()))
        yield Backend(client.get_executor(pure=False), n, f"Dask scheduler {scheduler}, {n} worker threads", False,
                      client)
    finally:
        client.close()


def _connect(address: str, timeout_s: float):
    from distributed import Client

    if "://" not in address and ":" not in address:
        raise SpecError("--scheduler", f"{address}: not an address (tcp://HOST:PORT) or 'local'")
    try:
        client = Client(address, timeout=timeout_s)
    except (OSError, TimeoutError, ValueError) as exc:
        raise SpecError("--scheduler", f"{address}: cannot connect to a Dask scheduler "
                                       f"({type(exc).__name__}: {' '.join(str(exc).split())[:160]})") from None
    try:
        client.wait_for_workers(1, timeout=timeout_s)
    except (TimeoutError, OSError):
        client.close()
        raise SpecError("--scheduler", f"{address}: the scheduler has no workers") from None
    return client
