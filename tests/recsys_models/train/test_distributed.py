"""Data-parallel training (issue 22 item 2): two gloo processes under ``torchrun`` equal one process at the same
global batch.

``ddp_run.py`` trains a DLRM (``train_model``, Adagrad, 2 epochs) and a quantised NASRec-Small supernet
(``train_supernet``, warm-up and subnet steps) in float64, once as a single process and once as two ``torchrun``
ranks on the CPU. The ranks split every global batch of 200 rows (100 + 100); DDP averages their gradients.

Tolerance, derived: the two runs compute the same sums in a different order (each rank sums its 100 rows, then
the two partial sums are added). In float64 a sum of n terms changes with the order by at most about
n * 2^-53 * sum|terms| (Higham 2002, eq. 3.5): n = 200 gives 2.2e-14 relative to sum|terms|. Adagrad divides by
sqrt(sum of squares) + eps with eps 1e-10 (DLRM) or 1e-2 (supernet), and 38 + 6 steps follow; the weights, all
of magnitude <= 5, therefore move by well under 1e-10 (measured: 6e-14 and 9e-16). 1e-9 leaves that margin
while a wrong shard, a missing gradient average or unsynchronised quantisation ranges change weights and Adagrad's
sums at the 1e-3 level or more. Adagrad's accumulated squares are compared relative to the largest of each tensor.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]


def _env():
    env = dict(os.environ, PYTHONPATH=str(REPO), OMP_NUM_THREADS="1")
    env.pop("WORLD_SIZE", None)
    return env


def _run(args, cwd):
    r = subprocess.run([sys.executable, *args], cwd=cwd, env=_env(), capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    return r


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    from recsys_models.data import write_synthetic_raw

    d = tmp_path_factory.mktemp("ddp")
    data = write_synthetic_raw("criteo", d / "d.txt", 3_000, seed=9)
    _run([str(HERE / "ddp_run.py"), str(data), str(d / "one")], d)
    _run(["-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2", str(HERE / "ddp_run.py"), str(data),
          str(d / "two")], d)
    return d


@pytest.mark.parametrize("name", ["dlrm", "supernet"])
def test_two_gloo_ranks_equal_one_process(runs, name):
    one = torch.load(runs / "one" / f"{name}.pt", weights_only=True)
    two = torch.load(runs / "two" / f"{name}.pt", weights_only=True)
    assert one["weights"].keys() == two["weights"].keys()
    for key, a in one["weights"].items():
        b = two["weights"][key]
        assert a.dtype == b.dtype and torch.allclose(a, b, rtol=0, atol=1e-9), key
    assert one["sums"].keys() == two["sums"].keys() and one["sums"]
    for index, state in one["sums"].items():
        a, b = state["sum"], two["sums"][index]["sum"]
        assert torch.allclose(a, b, rtol=0, atol=1e-9 * max(float(a.abs().max()), 1e-12)), index


def test_torchrun_cli_writes_once_and_trains_on_every_row(runs, tmp_path):
    """``torchrun -m recsys_models.cli train``: rank 0 writes the outputs; the two ranks together train on every row
    of the split once per epoch, as one process does."""
    common = ["train", "--model", "lr", "--dataset", "criteo", "--data", str(runs / "d.txt"), "--hash-size", "200",
              "--batch-size", "200"]
    _run(["-m", "recsys_models.cli", *common, "--out", str(tmp_path / "one")], tmp_path)
    _run(["-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2", "-m", "recsys_models.cli", *common,
          "--out", str(tmp_path / "two")], tmp_path)
    import json

    one, two = (json.loads((tmp_path / run / "metrics.json").read_text()) for run in ("one", "two"))
    assert (one["world_size"], two["world_size"]) == (1, 2)
    assert one["train_rows"] == two["train_rows"] == 2_400 and one["test_rows"] == two["test_rows"]
    # float32 Adam: the two runs differ only in summation order (see the module docstring), far below 1e-4
    assert two["val_logloss"] == pytest.approx(one["val_logloss"], abs=1e-4)
