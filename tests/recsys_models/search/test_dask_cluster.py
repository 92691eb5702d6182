"""``recsys search --scheduler`` on a real Dask cluster (issue 22 item 5): a ``dask scheduler`` and two
``dask worker`` processes started as separate programs on 127.0.0.1 (not a LocalCluster), each worker with its own
temporary directory, as a worker on another machine would have.

Checked: the cluster run records the same candidates with the same metrics as a local run (results travel back in
candidate order); the workers received the supernet and data files through Dask (they appear under the workers'
temporary directories); the hardware-cost entries the workers computed were merged into the client's cost cache.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

pytest.importorskip("torch")

from tests.conftest import REPO  # noqa: E402

STARTUP_TIMEOUT_S = 60.0


def _spawn(module: str, *args, env=None, cwd=None):
    return subprocess.Popen([sys.executable, "-m", module, *args], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env=env, cwd=cwd)


@pytest.fixture
def cluster(tmp_path):
    """A scheduler and two single-thread workers; yields ``(address, [worker temp dirs])``; stops them by pid."""
    sched_file = tmp_path / "scheduler.json"
    env = dict(os.environ, PYTHONPATH=str(REPO), OMP_NUM_THREADS="1")
    procs = [_spawn("distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                    "--scheduler-file", str(sched_file), env=env, cwd=tmp_path)]
    tmps = []
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while not sched_file.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert sched_file.exists(), "dask scheduler did not start"
        for i in range(2):
            tmp = tmp_path / f"worker{i}"
            tmp.mkdir()
            tmps.append(tmp)
            procs.append(_spawn("distributed.cli.dask_worker", "--scheduler-file", str(sched_file), "--nworkers", "1",
                                "--nthreads", "1", "--no-dashboard", "--host", "127.0.0.1", "--local-directory",
                                str(tmp), env=dict(env, TMPDIR=str(tmp)), cwd=tmp))
        address = json.loads(sched_file.read_text())["address"]
        from distributed import Client

        with Client(address, timeout="30s") as client:
            client.wait_for_workers(2, timeout=STARTUP_TIMEOUT_S)
        yield address, tmps
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()


def test_search_on_a_dask_cluster_equals_a_local_run(cluster, tmp_path):
    from recsys_models.cli import main
    from recsys_models.data import dataset_spec, write_synthetic_raw
    from recsys_models.space import get_space
    from recsys_models.supernet.model import Supernet
    from recsys_models.supernet.train import save_supernet

    address, worker_tmps = cluster
    data = write_synthetic_raw("criteo", tmp_path / "d.txt", 2_000, seed=4)
    ckpt = tmp_path / "sn.pt"
    space = get_space("small", dense_widths=(16, 32), sparse_widths=(16,), weight_bits=(4, 8), act_bits=(8,))
    save_supernet(ckpt, Supernet(space, dataset_spec("criteo", 1000)))
    argv = ["search", "--space", "small", "--dataset", "criteo", "--data", str(data), "--supernet", str(ckpt),
            "--objective", "scalar:latency_ns=0.1@100000", "--budget", "2", "--population", "2", "--sample-size", "2",
            "--finetune-steps", "2", "--eval-rows", "100", "--strategy", "naive", "--no-designs", "--verify-top", "0"]
    assert main([*argv, "-o", str(tmp_path / "local")]) == 0
    assert main([*argv, "-o", str(tmp_path / "dask"), "--scheduler", address]) == 0

    def records(run):
        lines = (tmp_path / run / "history.jsonl").read_text().splitlines()[1:]
        return [(r["key"], r["metrics"]) for r in map(json.loads, lines)]

    assert records("dask") == records("local") and len(records("local")) == 2
    shipped = [p.name for tmp in worker_tmps for p in tmp.rglob("*") if p.name in ("sn.pt", "d.txt")]
    assert "sn.pt" in shipped and "d.txt" in shipped
    local_cache = {p.name for p in (tmp_path / "local" / "cost_cache").glob("*.json")}
    merged = {p.name for p in (tmp_path / "dask" / "cost_cache").glob("*.json")}
    assert local_cache and merged == local_cache
