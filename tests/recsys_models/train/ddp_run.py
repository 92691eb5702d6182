"""One training run, as one process or as one rank of a ``torchrun`` job (``test_distributed.py``).

    python ddp_run.py DATA OUT                             # one process
    torchrun --nproc-per-node 2 ddp_run.py DATA OUT        # two gloo ranks, same global batches

Trains (a) a small DLRM with ``train_model`` (Adagrad, 2 epochs, 2,400 rows in global batches of 200) and (b) a
NASRec-Small supernet with ``train_supernet`` (6 steps of 200 rows, 2 full-supernet warm-up draws, quantised
subnets) in float64, and saves both models' weights and optimizer sums to OUT/dlrm.pt and OUT/supernet.pt
(rank 0). Float64 so that the only difference between the runs, the order in which the ranks' partial gradient
sums are added, stays far below the test's tolerance (bound in ``test_distributed.py``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import torch


def _data(raw: Path):
    from recsys_models.data import TensorBatches, load_all_splits

    splits, _ = load_all_splits("criteo", raw, hash_size=200)
    train = [t.double() if t.is_floating_point() else t for t in splits["train"]]
    return TensorBatches(*train, batch_size=200, shuffle=True, seed=3), train


def main(data: Path, out: Path) -> None:
    from recsys_models.baselines import build_model
    from recsys_models.data import dataset_spec
    from recsys_models.space import get_space
    from recsys_models.supernet.model import Supernet
    from recsys_models.supernet.train import SupernetRun, SupernetTrainConfig, train_supernet
    from recsys_models.train import distributed
    from recsys_models.train.loop import RunOptions, TrainConfig, train_model

    torch.set_num_threads(1)
    device = torch.device("cpu")
    ctx = distributed.init(device)
    out.mkdir(parents=True, exist_ok=True)
    batches, _ = _data(data)
    spec = dataset_spec("criteo", 200)
    torch.manual_seed(0)
    dlrm = build_model("dlrm", spec.n_int, spec.table_sizes, bottom_mlp=(32, 16), top_mlp=(32,)).double()
    opt_state = {}
    train_model(dlrm, batches, TrainConfig(epochs=2, lr=0.05, optimizer="adagrad"), progress=False,
                run=RunOptions(dist=ctx, save_state=lambda s: opt_state.update(s["optimizer"]["state"])))
    torch.manual_seed(0)
    space = get_space("small", dense_widths=(16, 32), sparse_widths=(16,), weight_bits=(4, 8), act_bits=(4, 8))
    net = Supernet(space, spec).double()
    sn_state = {}
    train_supernet(net, batches, SupernetTrainConfig(steps=6, lr=0.05, warmup_steps=3, seed=1), progress=False,
                   run=SupernetRun(dist=ctx, save_state=lambda s: sn_state.update(s["optimizer"]["state"])))
    if ctx.main:
        torch.save({"weights": dlrm.state_dict(), "sums": opt_state}, out / "dlrm.pt")
        torch.save({"weights": net.state_dict(), "sums": sn_state}, out / "supernet.pt")
    distributed.shutdown(ctx)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
