"""The supernet recipe study of docs/supernet.md ("A recipe that learns"): validation curves of the mean log loss of
8 fixed random subnets on the Criteo sample, for one setting per run.

    python benchmarks/supernet_recipe.py lr=0.04 warm=320 steps=320 wb=4,8 ab=8 hash=2000
    python benchmarks/supernet_recipe.py lr=0.04 steps=320 mix=0.5 warm=0       # a full step with probability 0.5
    python benchmarks/supernet_recipe.py lr=0.04 fixed=1 wb= ab=                # one fixed subnet, no sampling

Keys (defaults): space (small), steps (160), lr (0.12), batch (512), warm (steps // 5: full-supernet warm-up steps),
every (16: steps between validations), dw (16,32,64,128), sw (16,32), wb (2,4,8), ab (4,8), hash (10000),
opt (adagrad | adam), sched (cosine | const), mix (0), fixed (off), data (the Criteo sample). Prints one JSON line:
the settings, the constant predictor's validation log loss, the best point and the curve [(step, val, seconds)].
The validation subnets are drawn with ``numpy.random.default_rng(123)``.
"""

import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from recsys_models.data import TensorBatches, dataset_spec, load_all_splits  # noqa: E402
from recsys_models.space import get_space, sample_arch  # noqa: E402
from recsys_models.supernet import Supernet  # noqa: E402
from recsys_models.supernet.model import to_samples  # noqa: E402
from recsys_models.supernet.train import cosine_lr, full_sample, training_sample  # noqa: E402
from recsys_models.train.metrics import log_loss  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "criteo" / "criteo_train_head10k.txt.gz"


def _menu(text: str) -> tuple[int, ...]:
    return tuple(int(x) for x in text.split(",") if x)


def main(argv: list[str]) -> None:
    args = dict(a.split("=", 1) for a in argv)
    steps, lr, batch = int(args.get("steps", 160)), float(args.get("lr", 0.12)), int(args.get("batch", 512))
    warm, every, hs = int(args.get("warm", steps // 5)), int(args.get("every", 16)), int(args.get("hash", 10000))
    torch.set_num_threads(1)
    splits, _ = load_all_splits("criteo", args.get("data", str(DATA)), hash_size=hs)
    space = get_space(args.get("space", "small"), weight_bits=_menu(args.get("wb", "2,4,8")),
                      act_bits=_menu(args.get("ab", "4,8")), dense_widths=_menu(args.get("dw", "16,32,64,128")),
                      sparse_widths=_menu(args.get("sw", "16,32")))
    torch.manual_seed(0)
    net = Supernet(space, dataset_spec("criteo", hs))
    train = TensorBatches(*splits["train"], batch_size=batch, shuffle=True, seed=0)
    dv, sv, lv = splits["val"]
    const = log_loss(lv.numpy(), np.full(len(lv), float(splits["train"][2].mean())))
    vrng = np.random.default_rng(123)
    val_archs = [sample_arch(space, vrng, quantized=space.has_precision) for _ in range(8)]

    def validate() -> float:
        net.eval()
        with torch.no_grad():
            out = [log_loss(lv.numpy(), torch.sigmoid(net(dv, sv, a)).numpy()) for a in val_archs]
        net.train()
        return float(np.mean(out))

    opt = (torch.optim.Adam(net.parameters(), lr=lr) if args.get("opt") == "adam"
           else torch.optim.Adagrad(net.parameters(), lr=lr, eps=1e-2))
    rng, loss_fn = np.random.default_rng(0), torch.nn.BCEWithLogitsLoss()
    step, epoch, curve, t0 = 0, 0, [], time.time()
    mix = float(args.get("mix", 0))
    while step < steps:
        train.set_epoch(epoch)
        epoch += 1
        for dense, sparse, label in train:
            if step >= steps:
                break
            if args.get("fixed"):
                samples = to_samples(val_archs[0])
            elif mix and rng.random() < mix:
                samples = full_sample(space, rng)
            else:
                samples, _ = training_sample(space, step, warm, rng)
            for group in opt.param_groups:
                group["lr"] = cosine_lr(step, steps, lr) if args.get("sched", "cosine") == "cosine" else lr
            opt.zero_grad()
            loss_fn(net(dense, sparse, samples), label).backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 5.0)
            opt.step()
            step += 1
            if step % every == 0:
                curve.append((step, round(validate(), 4), round(time.time() - t0)))
    best = min(curve, key=lambda c: c[1])
    print(json.dumps({**args, "const": round(const, 4), "best": best, "curve": curve}))


if __name__ == "__main__":
    main(sys.argv[1:])
